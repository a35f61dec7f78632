"""The sessions, history and linked-logins sections inside the account
console: on its home page, behind sign-in (and, for linked logins, a fresh
sign-in), in "download my data", and forgotten when the account is deleted."""

from __future__ import annotations

from account_helpers import age_sign_in, sign_in, subject_of

from ostiary.models.audit import AuditRecord
from ostiary.testing import form_value, transaction_root


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
    data = app.get("/account/export").json
    assert len(data["sessions"]) == 1 and data["sessions"][0]["amr"] == ["pwd"]
    assert data["sessions"][0]["applications"] == ["demo-rp"]
    assert "login.succeeded" in {r["type"] for r in data["history"]}
    assert data["linked_logins"][0]["provider"] == "example"


def test_deleting_the_account_forgets_its_history_and_links(app, flow):
    sign_in(app, "/account")
    flow.exchange(flow.code()["code"])
    subject = subject_of(app)
    with transaction_root(app.app) as root:
        root.federation.add_link("example", "up-123", subject)
        root.audit.add(AuditRecord("logout", subject="someone-else"))
        assert len(root.audit.query(subject=subject)) >= 3
    page = app.get("/account/delete")
    form = page.forms[0] if 0 in page.forms else next(iter(page.forms.values()))
    form["confirm"] = "yes"
    assert form.submit().status_int == 303
    with transaction_root(app.app) as root:
        # what stays is the operators' record that the account was deleted, nothing of its history
        assert [r.type for r in root.audit.query(subject=subject)] == ["account.deleted"]
        assert root.federation.links_of(subject) == []
        assert len(root.audit.query(subject="someone-else")) == 1
