"""The web admin console through real requests: every page, the refusals
(not signed in, not an administrator, no CSRF token, a stale sign-in), and
each change through the service layer."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from ostiary.testing import TEST_ISSUER, CodeFlow, form_fields, form_value, transaction_root

PAGES = (
    "/admin",
    "/admin/clients",
    "/admin/clients/new",
    "/admin/clients/demo-rp",
    "/admin/clients/demo-rp/delete",
    "/admin/resources",
    "/admin/providers",
    "/admin/providers/new",
    "/admin/users",
    "/admin/sessions",
    "/admin/deliveries",
    "/admin/keys",
    "/admin/errors",
    "/admin/audit",
    "/admin/registration",
)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_signed_in_person(app, path):
    response = app.get(path, status=401)
    assert "/account/login" in response.text


@pytest.mark.parametrize("path", PAGES)
def test_every_page_refuses_a_person_without_the_admin_role(app, path, sign_in):
    sign_in(app, "alice", "alice-password")
    assert "administrator role" in app.get(path, status=403).text


@pytest.mark.parametrize("path", PAGES)
def test_every_page_shows_for_an_administrator(admin_app, path):
    response = admin_app.get(path)
    assert response.status_int == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'aria-current="page"' in response.text


def test_every_page_speaks_german(admin_app):
    page = admin_app.get("/admin/clients", headers={"Accept-Language": "de"})
    assert "Neuer Client" in page.text and 'lang="de"' in page.text


def _form(page, **fields):
    """The fields of the first POST form of ``page`` that has a csrf_token, updated."""
    values = {"csrf_token": form_value(page.text, "csrf_token")}
    values.update(fields)
    return values


def test_a_post_without_the_csrf_token_is_refused(admin_app):
    page = admin_app.get("/admin/clients/new")
    form = form_fields(page, client_id="no-csrf", redirect_uris="https://rp.example/cb")
    del form["csrf_token"]
    admin_app.post("/admin/clients/new", form, status=400)
    with transaction_root(admin_app.app) as root:
        assert root.clients.get("no-csrf") is None


def test_create_a_client_and_see_its_secret_once(admin_app):
    page = admin_app.get("/admin/clients/new")
    form = form_fields(page, client_id="console-rp", name="Console RP", redirect_uris="https://rp.example/cb")
    shown = admin_app.post("/admin/clients/new", form)
    assert shown.status_int == 200
    secret = re.search(r'id="secret" type="text" readonly value="([^"]+)"', shown.text).group(1)
    with transaction_root(admin_app.app) as root:
        client = root.clients.get("console-rp")
        assert client.name == "Console RP" and client.check_client_secret(secret)
    assert secret not in admin_app.get("/admin/clients/console-rp").text
    assert "console-rp" in admin_app.get("/admin/clients", params={"q": "console"}).text
    assert "console-rp" not in admin_app.get("/admin/clients", params={"q": "nothing-like-it"}).text


def test_a_bad_field_is_shown_on_the_form_and_nothing_changes(admin_app):
    page = admin_app.get("/admin/clients/demo-rp")
    form = form_fields(page, redirect_uris="http://rp.example/cb")
    response = admin_app.post("/admin/clients/demo-rp", form, status=400)
    assert "must use https" in response.text and 'aria-invalid="true"' in response.text
    number = admin_app.post("/admin/clients/demo-rp", form_fields(page, access_token_lifetime="soon"), status=400)
    assert "whole number" in number.text
    with transaction_root(admin_app.app) as root:
        assert root.clients.get("demo-rp").redirect_uris == ("http://127.0.0.1:9999/cb",)


def test_edit_every_field_of_a_client(admin_app):
    page = admin_app.get("/admin/clients/demo-rp")
    form = form_fields(
        page,
        name="Renamed",
        redirect_uris="http://127.0.0.1:9999/cb\nhttps://rp.example/other",
        access_token_lifetime="600",
        first_party="yes",
        frontchannel_logout_uri="https://rp.example/fc",
    )
    form.pop("require_consent", None)  # unticked
    saved = admin_app.post("/admin/clients/demo-rp", form)
    assert saved.status_int == 303
    assert "Saved." in saved.follow().text
    with transaction_root(admin_app.app) as root:
        client = root.clients.get("demo-rp")
        assert client.name == "Renamed" and client.access_token_lifetime == 600 and client.first_party
        assert client.redirect_uris == ("http://127.0.0.1:9999/cb", "https://rp.example/other")
        assert client.require_consent is False and client.frontchannel_logout_uri == "https://rp.example/fc"


def test_a_stale_form_does_not_overwrite_anothers_change(admin_app):
    page = admin_app.get("/admin/clients/demo-rp")
    with transaction_root(admin_app.app) as root:
        root.clients.get("demo-rp").update(name="Changed meanwhile")
    response = admin_app.post("/admin/clients/demo-rp", form_fields(page, name="Mine"), status=409)
    assert "changed this client meanwhile" in response.text
    with transaction_root(admin_app.app) as root:
        assert root.clients.get("demo-rp").name == "Changed meanwhile"


def test_rotate_the_secret_the_old_one_is_refused(admin_app):
    page = admin_app.get("/admin/clients/demo-rp")
    shown = admin_app.post("/admin/clients/demo-rp/rotate", _form(page))
    secret = re.search(r'id="secret" type="text" readonly value="([^"]+)"', shown.text).group(1)
    admin_app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    assert admin_app.post("/connect/token", {"grant_type": "client_credentials"}, status=401)
    admin_app.authorization = ("Basic", ("demo-rp", secret))
    assert admin_app.post("/connect/token", {"grant_type": "client_credentials"}).json["access_token"]
    admin_app.authorization = None


def test_delete_a_client_after_confirming(admin_app):
    confirm = admin_app.get("/admin/clients/demo-rp/delete")
    assert "Delete client demo-rp?" in confirm.text
    admin_app.post("/admin/clients/demo-rp/delete", _form(confirm), status=303)
    with transaction_root(admin_app.app) as root:
        assert root.clients.get("demo-rp") is None
    admin_app.get("/admin/clients/demo-rp", status=404)


def _age_sign_ins(app, seconds=3600):
    with transaction_root(app.app) as root:
        for session in list(root.sessions.by_cookie.values()):
            session.auth_time -= seconds


def _sign_in_again(app, sent):
    """Follow the guard's redirect to the login page and sign in there as
    ``root``; the login page's answer (the way back)."""
    page = app.get(sent.location)
    assert 'value="root"' in page.text  # the administrator confirms it is them
    return app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "root",
            "password": "root-password",
            "action": "login",
        },
        status=303,
    )


@pytest.mark.parametrize(
    "path, back",
    [
        ("/admin/clients/demo-rp/rotate", "/admin/clients/demo-rp/rotate"),
        ("/admin/clients/demo-rp/delete", "/admin/clients/demo-rp/delete"),
        ("/admin/keys", "/admin/keys"),
        ("/admin/sessions", "/admin/sessions"),
    ],
)
def test_destructive_actions_need_a_recent_sign_in(admin_app, path, back):
    _age_sign_ins(admin_app)
    page = admin_app.get("/admin/clients/demo-rp")  # reading still works
    sent = admin_app.post(path, _form(page, sid="no-such-sid"), status=303)
    assert urlsplit_path(sent.location) == "/account/login"
    assert parse_qs(urlsplit(sent.location).query)["returnUrl"] == [back]
    with transaction_root(admin_app.app) as root:
        assert root.clients.get("demo-rp").check_client_secret("demo-secret")
        assert root.clients.get("demo-rp") is not None


def test_a_stale_administrator_signs_in_again_and_comes_back_to_the_action(admin_app):
    """The shared guard: the console's destructive action asks for a fresh
    sign-in and the login page returns to /admin afterwards, where the
    action then works."""
    _age_sign_ins(admin_app)
    page = admin_app.get("/admin/clients/demo-rp")
    sent = admin_app.post("/admin/clients/demo-rp/rotate", _form(page), status=303)
    back = _sign_in_again(admin_app, sent)
    assert urlsplit_path(back.location) == "/admin/clients/demo-rp/rotate"
    page = admin_app.get(back.location)  # the client's page again, to submit once more
    assert "Rotate the secret" in page.text
    assert admin_app.post("/admin/clients/demo-rp/rotate", _form(page)).status_int == 200
    with transaction_root(admin_app.app) as root:
        assert not root.clients.get("demo-rp").check_client_secret("demo-secret")


def test_the_consoles_own_window_applies_not_the_account_consoles(admin_app, ostiary_app):
    """``admin_console.reauthenticate_after`` (here 60 seconds) is the limit
    the console passes to the guard; the account console's 300 is not."""
    ostiary_app.registry.ostiary_admin_console_settings.reauthenticate_after = 60
    try:
        _age_sign_ins(admin_app, 120)  # fresh for the account console, stale for the admin console
        page = admin_app.get("/admin/keys")
        admin_app.post("/admin/keys", _form(page), status=303)
    finally:
        ostiary_app.registry.ostiary_admin_console_settings.reauthenticate_after = 300
    assert admin_app.post("/admin/keys", _form(page), status=303).location.endswith("/admin/keys?rotated=1")


def _subject(app, username):
    with transaction_root(app.app) as root:
        return root.users.by_username[username]


def test_users_search_create_disable_unlock_password_and_delete(admin_app, sign_in):
    listed = admin_app.get("/admin/users", params={"q": "ali"})
    assert "alice" in listed.text and "root@example.org" not in listed.text
    page = admin_app.get("/admin/users")
    made = admin_app.post(
        "/admin/users", _form(page, username="carol", email="carol@example.org", password="a long enough password")
    )
    detail = made.follow()
    assert "The user was created." in detail.text
    path = urlsplit_path(made.location)
    for action, text in (("disable", "disabled"), ("enable", "enabled"), ("unlock", "unlocked")):
        done = admin_app.post(path, _form(detail, action=action)).follow()
        assert f"The user was {text}." in done.text
    done = admin_app.post(path, _form(detail, action="password", password="another long password")).follow()
    assert "The password was set." in done.text
    sign_in(
        admin_app.__class__(admin_app.app, extra_environ={"HTTP_HOST": "localhost"}), "carol", "another long password"
    )
    confirm = admin_app.get(path + "/delete")
    assert "Delete user carol?" in confirm.text
    admin_app.post(path + "/delete", _form(confirm), status=303)
    admin_app.get(path, status=404)


def urlsplit_path(location: str) -> str:
    return location.removeprefix(TEST_ISSUER).split("?")[0]


def test_a_bad_user_is_refused_with_a_message(admin_app):
    page = admin_app.get("/admin/users")
    response = admin_app.post("/admin/users", _form(page, username="", email=""), status=400)
    assert 'role="alert"' in response.text


def test_sessions_end_one_and_all_of_a_user(admin_app, sign_in):
    other = admin_app.__class__(admin_app.app, extra_environ={"HTTP_HOST": "localhost"})
    sign_in(other, "alice", "alice-password")
    alice = _subject(admin_app, "alice")
    listed = admin_app.get("/admin/sessions", params={"subject": alice})
    sid = re.search(r'name="sid" value="([^"]+)"', listed.text).group(1)
    ended = admin_app.post("/admin/sessions", _form(listed, sid=sid)).follow()
    assert "The session was ended." in ended.text
    with transaction_root(admin_app.app) as root:
        assert not [s for s in root.sessions.of_subject(alice) if not s.is_expired()]
    sign_in(other, "alice", "alice-password")
    detail = admin_app.get(f"/admin/users/{alice}")
    assert "Signed in" in detail.text
    admin_app.post(f"/admin/users/{alice}", _form(detail, action="end_sessions"), status=303)
    with transaction_root(admin_app.app) as root:
        assert not [s for s in root.sessions.of_subject(alice) if not s.is_expired()]


def test_keys_rotate(admin_app):
    page = admin_app.get("/admin/keys")
    with transaction_root(admin_app.app) as root:
        before = len(root.keys.keys)
    assert "New keys were announced." in admin_app.post("/admin/keys", _form(page)).follow().text
    with transaction_root(admin_app.app) as root:
        assert len(root.keys.keys) > before


def test_error_lookup(admin_app):
    failed = admin_app.get("/connect/authorize", params={"client_id": "nobody", "response_type": "code"}, status=303)
    error_id = re.search(r"errorId=([A-Za-z0-9_-]+)", failed.location).group(1)
    found = admin_app.get("/admin/errors", params={"id": error_id})
    assert "invalid_client" in found.text
    missing = admin_app.get("/admin/errors", params={"id": "no-such-id"}, status=404)
    assert 'role="alert"' in missing.text


def test_initial_access_tokens_from_the_console_register_a_client(admin_app):
    page = admin_app.get("/admin/registration")
    made = admin_app.post("/admin/registration", _form(page, action="create", uses="1", days="1"))
    token = re.search(r'id="created-token" type="text" readonly value="([^"]+)"', made.text).group(1)
    token_id = re.search(r'name="token_id" value="([^"]+)"', made.text).group(1)
    revoked = admin_app.post("/admin/registration", _form(made, action="revoke", token_id=token_id))
    assert "The token was revoked." in revoked.text and token_id not in revoked.text.split("The token was revoked.")[1]
    assert token
    bad = admin_app.post("/admin/registration", _form(page, action="create", uses="many"), status=400)
    assert 'role="alert"' in bad.text


@pytest.fixture
def gallery_app(ostiary_settings, tmp_path):
    import webtest

    from ostiary import main
    from ostiary.testing import close_app

    app = main({}, **{**ostiary_settings, "ostiary.development": "true"})
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    close_app(app)


def test_gallery_pages_render_in_english_and_german(gallery_app):
    index = gallery_app.get("/_gallery").text
    names = sorted(set(re.findall(r"/_gallery/(admin-[a-z-]+)", index)))
    assert len(names) >= 15, names
    for name in names:
        for lang in ("en", "de"):
            assert gallery_app.get(f"/_gallery/{name}", params={"lang": lang}).status_int == 200


def test_the_dashboard_and_the_audit_trail_show_failed_sign_ins_and_errors(app, sign_in):
    page = app.get("/account/login")
    form = {"csrf_token": form_value(page.text, "csrf_token"), "returnUrl": "", "username": "alice"}
    app.post("/account/login", {**form, "password": "wrong", "action": "login"}, status="*")
    failed = app.get("/connect/authorize", params={"client_id": "nobody", "response_type": "code"}, status=303)
    error_id = re.search(r"errorId=([A-Za-z0-9_-]+)", failed.location).group(1)
    sign_in(app)
    dashboard = app.get("/admin").text
    assert error_id in dashboard and "invalid_client" in dashboard
    assert "Recent failed sign-ins" in dashboard and "No failed sign-ins recorded." not in dashboard
    trail = app.get("/admin/audit", params={"type": "login.failed", "days": "1"}).text
    assert "login.failed" in trail and "login.succeeded" not in trail
    assert "login.succeeded" in app.get("/admin/audit").text
    assert "No events match." in app.get("/admin/audit", params={"subject": "nobody-at-all"}).text
    assert 'role="alert"' in app.get("/admin/audit", params={"days": "many"}, status=400).text


def test_create_and_delete_a_scope(admin_app):
    page = admin_app.get("/admin/resources")
    made = admin_app.post(
        "/admin/resources",
        _form(page, name="reports", kind="api", display_name="Reports", audience="https://api.example/reports"),
    )
    assert "Saved." in made.follow().text
    with transaction_root(admin_app.app) as root:
        assert root.resources.get("reports").audience == "https://api.example/reports"
    bad = admin_app.post("/admin/resources", _form(page, name="reports", kind="api"), status=400)
    assert 'role="alert"' in bad.text
    confirm = admin_app.get("/admin/resources/reports/delete")
    admin_app.post("/admin/resources/reports/delete", _form(confirm), status=303)
    with transaction_root(admin_app.app) as root:
        assert root.resources.get("reports") is None


@pytest.fixture
def nightfall_app(ostiary_settings):
    import webtest

    from ostiary import main
    from ostiary.testing import close_app

    app = main({}, **{**ostiary_settings, "ostiary.development": "true", "ostiary.theme": "nightfall"})
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    close_app(app)


def test_the_console_renders_in_the_nightfall_theme_too(nightfall_app):
    for name in ("admin-dashboard", "admin-client-edit-error", "admin-user", "admin-audit"):
        page = nightfall_app.get(f"/_gallery/{name}")
        assert page.status_int == 200 and "nightfall" in page.text.lower()


def test_logout_deliveries_show_per_client_whether_single_sign_out_arrived(admin_app, logout_receiver):
    """The operator's view of the outbox (issue 16): which client was told
    of which sign-out, filtered by client and state."""
    with transaction_root(admin_app.app) as root:
        root.clients.get("demo-rp").update(backchannel_logout_uri=logout_receiver.url)
    person = admin_app.__class__(admin_app.app, extra_environ={"HTTP_HOST": "localhost"})
    flow = CodeFlow(person)
    tokens = flow.exchange(flow.code()["code"]).json
    person.get(person.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]}).location)
    assert logout_receiver.wait_tokens()
    page = admin_app.get("/admin/deliveries", params={"client_id": "demo-rp"})
    for _ in range(50):  # the worker records the answer just after the client got it
        if "delivered: 1" in page.text:
            break
        time.sleep(0.1)
        page = admin_app.get("/admin/deliveries", params={"client_id": "demo-rp"})
    assert "delivered: 1" in page.text and "being tried: 0" in page.text
    assert 'href="/admin/clients/demo-rp"' in page.text and "HTTP 200" in page.text
    assert "No deliveries." in admin_app.get("/admin/deliveries", params={"state": "expired"}).text
    assert admin_app.get("/admin/deliveries", params={"state": "lost"}).status_int == 200  # unknown: every state
    assert "Front-channel logout frames" not in page.text  # demo-rp has no front-channel URI


def test_logout_deliveries_show_what_each_clients_front_channel_frames_did(admin_app):
    """The console shows the frame receipts the service function counts
    (the same rows as ``ostiary logout-deliveries`` and the admin API)."""
    with transaction_root(admin_app.app) as root:
        root.clients.get("demo-rp").update(frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    person = admin_app.__class__(admin_app.app, extra_environ={"HTTP_HOST": "localhost"})
    flow = CodeFlow(person)
    for result in ("loaded", "blocked", None):
        tokens = flow.exchange(flow.code()["code"]).json
        page = person.get(person.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]}).location)
        if result:
            receipt = page.html.find(id="logout-receipts")["data-receipt"]
            person.get("/account/logout/receipt", {"id": receipt, "client": "demo-rp", "frame": result})
    page = admin_app.get("/admin/deliveries")
    assert "Front-channel logout frames" in page.text
    row = page.html.find("tr", attrs={"data-client": "demo-rp"})
    cells = {c["class"][0]: c.text for c in row.find_all("td", class_=True)}
    assert cells == {"frame-loaded": "1", "frame-blocked": "1", "frame-unconfirmed": "0", "frame-not-reported": "1"}
    assert row.find("a")["href"] == "/admin/clients/demo-rp"
