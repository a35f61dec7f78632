"""The sessions, history and linked-logins sections inside the account
console: on its home page, behind sign-in (and, for linked logins, a fresh
sign-in), in "download my data", and forgotten when the account is deleted."""

from __future__ import annotations

import pytest
from account_helpers import age_sign_in, sign_in, subject_of
from pyramid.response import Response

from ostiary.hookspecs import hookimpl
from ostiary.models.audit import AuditRecord
from ostiary.testing import form_value, transaction_root


class ExportAndDelete:
    """Two test pages that ask every plugin for the person's data, and tell
    every plugin the person is gone, as the console's export and deletion do."""

    @hookimpl
    def ostiary_configure(self, config):
        def export(request):
            subject = request.interaction.session.subject
            response = Response(json_body=request.plugins.account_export(subject))
            return response

        def deleted(request):
            request.plugins.account_deleted(request.interaction.session.subject)
            return Response("gone")

        config.add_route("test_export", "/test/export")
        config.add_view(export, route_name="test_export")
        config.add_route("test_deleted", "/test/deleted")
        config.add_view(deleted, route_name="test_deleted", require_csrf=False, request_method="POST")


@pytest.fixture
def ostiary_plugins():
    return [("export_and_delete", ExportAndDelete())]


def test_the_console_home_links_to_the_sections(app):
    sign_in(app, "/account")
    home = app.get("/account")
    links = {a["href"] for a in home.html.select("a")}
    assert "/account/sessions" in links and "/account/history" in links
    # no external provider configured and none linked: no linked-logins section
    assert "/account/links" not in links


def test_signed_out_each_section_signs_in_and_comes_back(app):
    back = sign_in(app, "/account/sessions")
    assert back.location.endswith("/account/sessions")
    assert app.get("/account/history").status_int == 200


def test_linked_logins_need_a_fresh_sign_in(app):
    sign_in(app, "/account/links")
    with transaction_root(app.app) as root:
        root.federation.add_link("example", "up-123", subject_of(app))
    page = app.get("/account/links")
    assert page.status_int == 200 and "up-123" in page.text
    token = form_value(page.text, "csrf_token")
    age_sign_in(app)
    stale = app.get("/account/links", status=303)
    assert "/account/login" in stale.location and "returnUrl=%2Faccount%2Flinks" in stale.location
    refused = app.post(
        "/account/links",
        {"csrf_token": token, "action": "unlink", "provider": "example", "upstream": "up-123"},
        status=303,
    )
    assert "/account/login" in refused.location
    with transaction_root(app.app) as root:
        assert len(root.federation.links_of(subject_of(app))) == 1


def test_download_my_data_holds_sessions_history_and_links(app, flow):
    sign_in(app, "/account")
    flow.code()
    with transaction_root(app.app) as root:
        root.federation.add_link("example", "up-123", subject_of(app))
    data = app.get("/test/export").json
    assert len(data["sessions"]) == 1 and data["sessions"][0]["amr"] == ["pwd"]
    assert data["sessions"][0]["applications"] == ["demo-rp"]
    assert {"login.succeeded"} <= {r["type"] for r in data["history"]}
    assert data["linked_logins"][0]["provider"] == "example"
    assert "password" not in str(data).lower().replace("'pwd'", "")


def test_deleting_the_account_forgets_its_history_and_links(app, flow):
    sign_in(app, "/account")
    subject = subject_of(app)
    with transaction_root(app.app) as root:
        root.federation.add_link("example", "up-123", subject)
        root.audit.add(AuditRecord("logout", subject="someone-else"))
    app.post("/test/deleted")
    with transaction_root(app.app) as root:
        assert root.audit.query(subject=subject) == []
        assert root.federation.links_of(subject) == []
        assert len(root.audit.query(subject="someone-else")) == 1
