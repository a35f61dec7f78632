"""Ostiary with the built-in user store swapped for the ASP.NET Identity
store by settings alone: the real pages, the real token and userinfo
endpoints, users only in the ASP.NET database."""

import contextlib

import pytest
from pyramid.scripting import prepare

from ostiary import SettingsError, main
from ostiary.hookspecs import Caller
from ostiary.plugin import hookimpl
from ostiary.testing import DEMO, CodeFlow, load_data

from .identity_db import V2_SHA1_1000, VECTOR_PASSWORD

SCOPE = "openid profile email roles offline_access"

SETUP = {
    "resources": [
        {"name": "roles", "kind": "identity", "display_name": "Your roles", "claims": ["role"]},
        *DEMO["resources"],
    ],
    "clients": [dict(DEMO["clients"][0], scopes=["openid", "profile", "email", "roles", "offline_access", "api"])],
}


@pytest.fixture
def aspnet_db(request):
    """The Identity database: SQLite unless a test asks for PostgreSQL."""
    return request.getfixturevalue(f"{getattr(request, 'param', 'sqlite')}_identity")


@pytest.fixture
def extra_settings():
    return {}


@pytest.fixture
def ostiary_settings(ostiary_settings, aspnet_db, extra_settings):
    return {
        **ostiary_settings,
        "ostiary.plugins": "aspnet_identity",
        "ostiary.plugins.disabled": "zodb_users profile",
        "aspnet_identity.url": aspnet_db.url,
        **extra_settings,
    }


@pytest.fixture
def app(ostiary_app, ostiary_testapp):
    load_data(ostiary_app, SETUP)  # the client and scopes; no users: they are in the ASP.NET database
    return ostiary_testapp


@pytest.fixture
def alice(aspnet_db):
    """A user as the .NET application left her: a version 2 hash, two roles."""
    user_id = aspnet_db.add_user("alice", V2_SHA1_1000, "alice@example.org")
    aspnet_db.add_user_claim(user_id, "given_name", "Alice")
    admin = aspnet_db.add_role("Admin")
    aspnet_db.add_user_to_role(user_id, admin)
    aspnet_db.add_user_to_role(user_id, aspnet_db.add_role("Editor"))
    aspnet_db.add_role_claim(admin, "permission", "users.manage")
    return user_id


def sign_in(app, username="alice", password=VECTOR_PASSWORD, scope=SCOPE):
    """Authorize, sign in on the login page, consent; the tokens."""
    flow = CodeFlow(app)
    response = flow.login(flow.authorize(scope=scope), username=username, password=password)
    params = flow.follow_to_client(response)
    tokens = flow.exchange(params["code"])
    assert tokens.status_int == 200, tokens.text
    return tokens.json


def userinfo(app, access_token):
    return app.get("/connect/userinfo", headers={"Authorization": "Bearer " + access_token}, expect_errors=True)


def refresh(app, refresh_token):
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    try:
        return app.post(
            "/connect/token", {"grant_type": "refresh_token", "refresh_token": refresh_token}, expect_errors=True
        )
    finally:
        app.authorization = None


@pytest.mark.parametrize("aspnet_db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_an_aspnet_user_signs_in_and_userinfo_carries_roles(app, aspnet_db, alice):
    tokens = sign_in(app)
    info = userinfo(app, tokens["access_token"]).json
    assert info == {
        "sub": alice,
        "role": ["Admin", "Editor"],
        "given_name": "Alice",
        "name": "alice",
        "preferred_username": "alice",
        "email": "alice@example.org",
        "email_verified": True,
    }
    # The version 2 hash was rewritten as version 3 on the way in.
    assert aspnet_db.user(alice)["PasswordHash"].startswith("AQAAAAIAAYag")


def test_roles_stay_out_of_userinfo_unless_the_roles_scope_is_granted(app, alice):
    tokens = sign_in(app, scope="openid profile")
    info = userinfo(app, tokens["access_token"]).json
    assert "role" not in info and info["given_name"] == "Alice"


@pytest.mark.parametrize("extra_settings", [{"ostiary.plugins.disabled": "zodb_users"}])
def test_the_default_profile_service_may_stay_enabled(app, alice):
    info = userinfo(app, sign_in(app)["access_token"]).json
    assert info["role"] == ["Admin", "Editor"] and info["sub"] == alice


def test_a_wrong_password_is_refused_and_counted(app, aspnet_db, alice):
    flow = CodeFlow(app)
    page = flow.login(flow.authorize(scope=SCOPE), password="wrong")
    assert "Invalid username or password." in page.text
    assert aspnet_db.user(alice)["AccessFailedCount"] == 1


def test_five_wrong_passwords_lock_the_account(app, aspnet_db, alice):
    flow = CodeFlow(app)
    start = flow.authorize(scope=SCOPE)
    for number in range(5):  # from several addresses: one alone is throttled first
        app.extra_environ["REMOTE_ADDR"] = f"198.51.100.{number}"
        flow.login(start, password="wrong")
    assert aspnet_db.user(alice)["LockoutEnd"] is not None
    page = flow.login(start, password=VECTOR_PASSWORD)  # the right password, but locked
    assert "Invalid username or password." in page.text


def test_a_user_only_in_the_zodb_store_is_unknown(app):
    flow = CodeFlow(app)
    page = flow.login(flow.authorize(scope=SCOPE), username="nobody", password="alice-password")
    assert "Invalid username or password." in page.text


@pytest.mark.parametrize("extra_settings", [{"aspnet_identity.require_confirmed_email": "true"}])
def test_confirmed_email_can_be_required(app, aspnet_db, alice):
    aspnet_db.set(alice, EmailConfirmed=False)
    flow = CodeFlow(app)
    page = flow.login(flow.authorize(scope=SCOPE), password=VECTOR_PASSWORD)
    assert "Invalid username or password." in page.text
    aspnet_db.set(alice, EmailConfirmed=True)
    assert flow.login(page, password=VECTOR_PASSWORD).status_int == 303


@pytest.mark.parametrize("aspnet_db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_changed_security_stamp_ends_refresh_userinfo_and_the_session(app, aspnet_db, alice):
    tokens = sign_in(app)
    rotated = refresh(app, tokens["refresh_token"])
    assert rotated.status_int == 200
    current = rotated.json["refresh_token"]

    aspnet_db.set(alice, SecurityStamp="CHANGED-BY-THE-DOTNET-APP")  # e.g. "sign out everywhere"

    failed = refresh(app, current)
    assert failed.status_int == 400 and "access_token" not in failed.json
    assert userinfo(app, rotated.json["access_token"]).status_int == 401
    flow = CodeFlow(app)
    assert "/account/login" in flow.authorize(scope=SCOPE).location  # the SSO session no longer counts

    # Signing in again works, and does not bring the old refresh token back.
    fresh = sign_in(app)
    assert refresh(app, fresh["refresh_token"]).status_int == 200
    assert refresh(app, current).json["error"] == "invalid_grant"


def test_a_password_change_elsewhere_ends_refresh(app, aspnet_db, alice):
    tokens = sign_in(app)
    with hook_request(app) as request:
        assert request.plugins.set_password(subject=alice, password="New-secret-1") is True
    assert refresh(app, tokens["refresh_token"]).status_int == 400
    assert sign_in(app, password="New-secret-1")["access_token"]


@contextlib.contextmanager
def hook_request(app, commit=True):
    """A request of the app inside its own transaction, as a page would have one."""
    env = prepare(registry=app.app.registry)
    request = env["request"]
    request.tm.begin()
    try:
        yield request
        (request.tm.commit if commit else request.tm.abort)()
    finally:
        env["closer"]()


def test_a_sign_in_by_another_page_records_the_stamp(app, aspnet_db, alice):
    """A page that starts a session without the password form (a confirmation
    link, say): the login.succeeded event records the stamp."""
    with hook_request(app) as request:
        assert request.plugins.is_active(alice, None, Caller.AUTHORIZE) is False  # nothing recorded yet
        request.interaction.sign_in(request.plugins.user_by_subject(subject=alice))
    with hook_request(app) as request:
        assert request.plugins.is_active(alice, None, Caller.AUTHORIZE) is True
    stamp = aspnet_db.execute('SELECT "Value" FROM "AspNetUserTokens" WHERE "UserId" = :u', u=alice).scalar()
    assert stamp == aspnet_db.user(alice)["SecurityStamp"]


def test_a_deleted_user_is_no_longer_active(app, aspnet_db, alice):
    tokens = sign_in(app)
    aspnet_db.execute('DELETE FROM "AspNetUserTokens" WHERE "UserId" = :u', u=alice)
    aspnet_db.execute('DELETE FROM "AspNetUserRoles" WHERE "UserId" = :u', u=alice)
    aspnet_db.execute('DELETE FROM "AspNetUserClaims" WHERE "UserId" = :u', u=alice)
    aspnet_db.execute('DELETE FROM "AspNetUsers" WHERE "Id" = :u', u=alice)
    assert userinfo(app, tokens["access_token"]).status_int == 401
    assert refresh(app, tokens["refresh_token"]).status_int == 400


def test_registration_and_claims_hooks_write_the_aspnet_database(app, aspnet_db):
    with hook_request(app) as request:
        user = request.plugins.create_user(
            username="dora", email="dora@example.org", password="Secret-123", claims={"given_name": "Dora"}
        )
        subject = user.subject
    with hook_request(app) as request:
        assert request.plugins.update_claims(subject=subject, claims={"email_verified": True}) is True
        assert request.plugins.user_by_username(username="DORA").claims["given_name"] == "Dora"
    assert bool(aspnet_db.user(subject)["EmailConfirmed"])
    assert userinfo(app, sign_in(app, "dora", "Secret-123")["access_token"]).json["email_verified"] is True


def test_an_aborted_request_writes_nothing(app, aspnet_db):
    with hook_request(app, commit=False) as request:
        request.plugins.create_user(username="eve", email=None, password="Secret-123", claims={})
    assert aspnet_db.execute('SELECT COUNT(*) FROM "AspNetUsers"').scalar() == 0


def test_registration_refusal_is_a_value_error(app, alice):
    with pytest.raises(ValueError, match="already taken"), hook_request(app, commit=False) as request:
        request.plugins.create_user(username="Alice", email=None, password="Secret-123", claims={})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("aspnet_identity.hash_prf", "md5", "aspnet_identity.hash_prf"),
        ("aspnet_identity.hash_iterations", "4294967296", "aspnet_identity.hash_iterations"),
        ("aspnet_identity.lockout_minutes", "5", "unknown setting"),
    ],
)
def test_bad_settings_stop_start_up(ostiary_settings, key, value, message):
    with pytest.raises(SettingsError, match=message):
        main({}, **{**ostiary_settings, key: value})


def test_the_url_is_required(ostiary_settings):
    settings = dict(ostiary_settings)
    del settings["aspnet_identity.url"]
    with pytest.raises(SettingsError, match="aspnet_identity.url"):
        main({}, **settings)


# -- the stamp is recorded after the sign-in, not inside a veto hook -------------------


class TermsLast:
    """A check after every other (trylast) that refuses while ``refuse`` is set."""

    refuse = False

    @hookimpl(trylast=True)
    def ostiary_check_login(self):
        return "Accept the terms first." if self.refuse else None


TERMS = TermsLast()


def recorded_stamp(aspnet_db, user_id):
    return aspnet_db.execute('SELECT "Value" FROM "AspNetUserTokens" WHERE "UserId" = :u', u=user_id).scalar()


@pytest.mark.parametrize("ostiary_plugins", [[("terms", TERMS)]])
def test_a_refused_sign_in_records_no_stamp_and_the_next_one_keeps_its_session(app, aspnet_db, alice):
    old = sign_in(app)
    before = recorded_stamp(aspnet_db, alice)
    aspnet_db.set(alice, SecurityStamp="CHANGED-BY-THE-DOTNET-APP")
    TERMS.refuse = True
    try:
        flow = CodeFlow(app)
        refused = flow.login(flow.authorize(scope=SCOPE), password=VECTOR_PASSWORD)
        assert "Accept the terms first." in refused.text
        assert recorded_stamp(aspnet_db, alice) == before  # nothing recorded for a sign-in that did not happen
    finally:
        TERMS.refuse = False
    sign_in(app)
    assert recorded_stamp(aspnet_db, alice) == "CHANGED-BY-THE-DOTNET-APP"
    assert refresh(app, old["refresh_token"]).json["error"] == "invalid_grant"
    # The sign-in that revoked what came before kept its own session.
    assert "/account/login" not in CodeFlow(app).authorize(scope=SCOPE).location


def test_a_user_disabled_through_the_hook_loses_refresh_and_sign_in_until_enabled(app, aspnet_db, alice):
    tokens = sign_in(app)
    with hook_request(app) as request:
        assert request.plugins.set_active(alice, False)
    assert refresh(app, tokens["refresh_token"]).status_int == 400
    assert userinfo(app, tokens["access_token"]).status_int == 401
    flow = CodeFlow(app)
    page = flow.login(flow.authorize(scope=SCOPE), password=VECTOR_PASSWORD)
    assert "Invalid username or password." in page.text
    with hook_request(app) as request:
        assert request.plugins.set_active(alice, True)
        assert [user.username for user in request.plugins.list_users(search="ALICE")] == ["alice"]
    assert sign_in(app)["access_token"]
