"""Configuring providers (ini settings, the command line, claim mappings,
hooks) and the database they live in."""

from __future__ import annotations

import io
import json
import sys

import pytest
import ZODB
from fake_upstream import FakeUpstream
from federation_harness import DOWNSTREAM, Browser, database, provider_settings

from ostiary import SettingsError, main
from ostiary.hookspecs import hookimpl
from ostiary.models.root import CURRENT_GENERATION, OstiaryRoot, evolve
from ostiary.settings import parse_provider, parse_settings
from ostiary.testing import base_settings, close_app, transaction_root, write_ini

# -- settings ---------------------------------------------------------------------

BASE = {
    "ostiary.issuer": "http://localhost",
    "ostiary.providers": "corp",
    "ostiary.provider.corp.issuer": "https://id.example.org",
    "ostiary.provider.corp.client_id": "ostiary",
    "ostiary.provider.corp.client_secret": "s3cret",
}


def test_a_provider_is_parsed_with_its_defaults():
    (provider,) = parse_settings(BASE).providers
    assert (provider.name, provider.kind, provider.display_name) == ("corp", "oidc", "corp")
    assert provider.scopes == ("openid", "profile", "email")
    assert (provider.provisioning, provider.link_by_verified_email, provider.end_upstream_session) == (
        "create",
        False,
        False,
    )
    assert provider.forward_prompt is True
    assert provider.backchannel_logout is True


def test_back_channel_logout_can_be_turned_off():
    settings = dict(BASE, **{"ostiary.provider.corp.backchannel_logout": "false"})
    assert parse_settings(settings).providers[0].backchannel_logout is False


def test_forwarding_prompt_and_max_age_can_be_turned_off():
    settings = dict(BASE, **{"ostiary.provider.corp.forward_prompt": "false"})
    assert parse_settings(settings).providers[0].forward_prompt is False


def test_claim_mappings_are_parsed():
    settings = dict(BASE, **{"ostiary.provider.corp.claims.email": "mail", "ostiary.provider.corp.claims.name": ""})
    assert parse_settings(settings).providers[0].claims == {"email": "mail", "name": ""}


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"ostiary.provider.corp.colour": "blue"}, "ostiary.provider.corp.colour: unknown provider setting"),
        ({"ostiary.provider.other.issuer": "https://x"}, "provider 'other' is not listed in ostiary.providers"),
        ({"ostiary.provider.corp.client_id": None}, "ostiary.provider.corp.client_id: required"),
        ({"ostiary.provider.corp.issuer": "ftp://x"}, "ostiary.provider.corp.issuer = 'ftp://x'"),
        ({"ostiary.provider.corp.issuer": None}, "authorization_endpoint, token_endpoint and userinfo_endpoint"),
        ({"ostiary.provider.corp.provisioning": "maybe"}, "expected one of create, link, off"),
        ({"ostiary.provider.corp.link_by_verified_email": "perhaps"}, "link_by_verified_email"),
        ({"ostiary.provider.corp.forward_prompt": "sometimes"}, "ostiary.provider.corp.forward_prompt = 'sometimes'"),
        ({"ostiary.provider.corp.backchannel_logout": "rarely"}, "ostiary.provider.corp.backchannel_logout = 'rarely'"),
        ({"ostiary.provider.corp.client_secret": None}, "client_secret: required unless"),
        ({"ostiary.provider.corp.scopes": "profile"}, "needs the openid scope"),
        ({"ostiary.providers": "Corp"}, "cannot name a provider"),
        ({"ostiary.providers": "local"}, "cannot name a provider"),
        ({"ostiary.provider.corp": "x"}, "expected ostiary.provider.<name>.<setting>"),
    ],
)
def test_bad_provider_settings_stop_start_up_with_a_named_key(changes, fragment):
    settings = dict(BASE)
    for key, value in changes.items():
        if value is None:
            settings.pop(key)
        else:
            settings[key] = value
    with pytest.raises(SettingsError) as excinfo:
        parse_settings(settings)
    assert fragment in str(excinfo.value)


def test_a_plain_oauth2_provider_needs_no_issuer():
    settings = {
        "ostiary.issuer": "http://localhost",
        "ostiary.providers": "gh",
        "ostiary.provider.gh.authorization_endpoint": "https://gh.example/authorize",
        "ostiary.provider.gh.token_endpoint": "https://gh.example/token",
        "ostiary.provider.gh.userinfo_endpoint": "https://api.gh.example/user",
        "ostiary.provider.gh.client_id": "c",
        "ostiary.provider.gh.client_secret": "s",
        "ostiary.provider.gh.subject_claim": "id",
    }
    (provider,) = parse_settings(settings).providers
    assert (provider.kind, provider.scopes, provider.subject_claim) == ("oauth2", (), "id")


# -- plain OAuth 2.0 and claim mappings, live ---------------------------------------------


def test_a_plain_oauth2_provider_signs_in_with_its_userinfo(make_downstream, upstream):
    with FakeUpstream(style="github") as fake:
        settings = {
            "ostiary.provider.gh.authorization_endpoint": fake.url + "/authorize",
            "ostiary.provider.gh.token_endpoint": fake.url + "/token",
            "ostiary.provider.gh.userinfo_endpoint": fake.url + "/userinfo",
            "ostiary.provider.gh.client_id": "downstream",
            "ostiary.provider.gh.client_secret": "x",
            "ostiary.provider.gh.subject_claim": "id",
            "ostiary.provider.gh.scopes": "read:user",
            "ostiary.provider.gh.claims.preferred_username": "login",
        }
        app = make_downstream(providers="gh", **settings)
        browser = Browser(app, upstream.url)
        page = browser.login_page()
        token = browser.tokens(browser.walk(DOWNSTREAM + browser.provider_href(page, "gh")))
        assert "/.well-known/openid-configuration" not in fake.requests
    users, links = database(app)
    assert links == {("gh", "4242"): users["octocat"]}
    assert token["id_claims"]["idp"] == "gh"
    with transaction_root(app) as root:
        user = root.users.get(users["octocat"])
        assert user.email is None  # not verified upstream: not kept
        assert user.claims["name"] == "Mona Octocat"


def test_a_claim_mapping_renames_upstream_claims(make_downstream, upstream):
    app = make_downstream(**provider_settings(upstream.url, **{"claims.nickname": "given_name", "claims.name": ""}))
    browser = Browser(app, upstream.url)
    browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    with transaction_root(app) as root:
        user = root.users.get(database(app)[0]["dora"])
        assert user.claims["nickname"] == "Dora"
        assert "name" not in user.claims


class ClaimsAndProvisioning:
    """A plugin that adds a claim and renames new users."""

    @hookimpl
    def ostiary_external_claims(self, provider, claims):
        return {"locale": "de", "department": f"{provider.name}:{claims['sub'][:4]}"}

    @hookimpl
    def ostiary_external_provisioning(self, provider, claims, proposal):
        proposal["username"] = f"{provider.name}.{proposal['username']}"
        proposal["claims"]["department"] = claims["department"]


def test_plugins_map_claims_and_adjust_provisioning(make_downstream, upstream):
    app = make_downstream(ostiary_testing_plugins=[("claims", ClaimsAndProvisioning())])
    browser = Browser(app, upstream.url)
    browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    users, _ = database(app)
    assert "upstream.dora" in users
    with transaction_root(app) as root:
        user = root.users.get(users["upstream.dora"])
        assert user.claims["locale"] == "de"
        assert user.claims["department"].startswith("upstream:")
        assert user.claims["name"] == "Dora Explorer"  # the default mapping still applies


def test_blocking_the_federation_plugin_turns_external_login_off(make_downstream, upstream):
    app = make_downstream(**{"ostiary.plugins.disabled": "federation"})
    browser = Browser(app, upstream.url)
    page = browser.login_page()
    assert "/account/external/" not in page.text
    assert browser.down.get("/account/external/upstream", expect_errors=True).status_int == 404


# -- the command line and the database -------------------------------------------------------


def _run(ini, *argv, stdin=""):
    from ostiary.cli import main as cli

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, io.StringIO(stdin)
    try:
        code = cli([str(ini), *argv])
    finally:
        sys.stdout, sys.stderr, sys.stdin = old
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def ini(tmp_path):
    return write_ini(
        tmp_path,
        {
            "ostiary.providers": "inifile",
            "ostiary.provider.inifile.issuer": "https://ini.example.org",
            "ostiary.provider.inifile.client_id": "ostiary",
            "ostiary.provider.inifile.client_secret": "s",
        },
        name="test.ini",
    )


def test_the_command_line_adds_lists_and_removes_providers(ini):
    code, out, err = _run(
        ini,
        "provider",
        "add",
        "corp",
        "--issuer",
        "https://corp.example.org",
        "--client-id",
        "ostiary",
        "--client-secret-stdin",
        "--display-name",
        "Corp SSO",
        "--claim",
        "email=mail",
        "--link-by-verified-email",
        stdin="s3cret\n",
    )
    assert (code, err) == (0, "") and "added OpenID Connect provider corp" in out
    code, out, _ = _run(ini, "provider", "list")
    assert code == 0
    assert "inifile" in out and "ini" in out
    assert "Corp SSO" in out and "database" in out
    assert _run(ini, "provider", "remove", "corp")[0] == 0
    assert "corp" not in _run(ini, "provider", "list")[1].replace("Corp", "")


def test_the_command_line_changes_a_provider_through_the_service(ini):
    add = ["add", "corp", "--issuer", "https://corp.example.org", "--client-id", "c", "--client-secret", "s"]
    assert _run(ini, "provider", *add, "--display-name", "Corp", "--claim", "email=mail")[0] == 0
    code, out, err = _run(
        ini,
        "provider",
        "update",
        "corp",
        "--display-name",
        "Corp SSO",
        "--link-by-verified-email",
        "--no-forward-prompt",
        "--client-secret-stdin",
        "--claim",
        "name=cn",
        stdin="new-secret\n",
    )
    assert (code, err) == (0, "")
    assert out == (
        "updated provider corp: claims, client_secret, display_name, forward_prompt, link_by_verified_email\n"
    )
    code, out, err = _run(ini, "provider", "update", "corp", "--unset", "display_name")
    assert (code, err, out) == (0, "", "updated provider corp: display_name\n")
    db = ZODB.DB(str(ini.parent / "Data.fs"))
    try:
        stored = dict(db.open().root()["ostiary"].federation.providers["corp"])
    finally:
        db.close()
    code, out, _ = _run(ini, "audit", "--type", "admin.changed", "--json")
    events = [
        (e["details"]["kind"], e["details"]["action"], e["details"]["actor"]) for e in map(json.loads, out.splitlines())
    ]
    assert stored == {
        "issuer": "https://corp.example.org",
        "client_id": "c",
        "client_secret": "new-secret",
        "link_by_verified_email": "true",
        "forward_prompt": "false",
        "claims.name": "cn",
    }
    assert events.count(("provider", "updated", "cli")) == 2 and ("provider", "created", "cli") in events
    code, _, err = _run(ini, "provider", "update", "corp", "--scopes", "profile")
    assert code == 2 and err.startswith("ostiary: provider 'corp': --scopes: ") and err.count("\n") == 1


def test_the_command_line_turns_forwarding_off_with_a_flag(ini):
    import argparse

    from ostiary.cli.providers import raw_settings, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    common = ["provider", "add", "corp", "--issuer", "https://x.example", "--client-id", "c", "--client-secret", "s"]
    assert raw_settings(parser.parse_args([*common, "--no-forward-prompt"]))["forward_prompt"] == "false"
    assert "forward_prompt" not in raw_settings(parser.parse_args(common))  # the default: true
    code, out, err = _run(ini, *common[:3], "--no-forward-prompt", *common[3:])
    assert (code, err) == (0, "") and "added OpenID Connect provider corp" in out


def test_the_command_line_turns_back_channel_logout_off_with_a_flag():
    import argparse

    from ostiary.cli.providers import raw_settings, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    common = ["provider", "add", "corp", "--issuer", "https://x.example", "--client-id", "c", "--client-secret", "s"]
    raw = raw_settings(parser.parse_args([*common, "--no-backchannel-logout"]))
    assert raw["backchannel_logout"] == "false"
    assert parse_provider("corp", raw).backchannel_logout is False
    assert "backchannel_logout" not in raw_settings(parser.parse_args(common))  # the default: true


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["add", "inifile", "--issuer", "https://x.example", "--client-id", "c", "--client-secret", "s"],
            "set in the ini file",
        ),
        (["add", "bad", "--client-id", "c", "--client-secret", "s"], "set an issuer"),
        (
            ["add", "Bad", "--issuer", "https://x.example", "--client-id", "c", "--client-secret", "s"],
            "cannot name a provider",
        ),
        (["remove", "inifile"], "set in the ini file; change it there"),
        (["update", "inifile", "--display-name", "X"], "set in the ini file; change it there"),
        (["update", "nosuch", "--display-name", "X"], "no provider 'nosuch'"),
        (["update", "dbcorp"], "nothing to change"),
        (
            ["add", "x", "--issuer", "https://x.example", "--client-id", "c", "--client-secret", "s", "--scopes", "a"],
            "provider 'x': --scopes: ",
        ),
        (["remove", "nosuch"], "no provider 'nosuch'"),
    ],
)
def test_the_command_line_refuses_mistakes_in_one_line(ini, argv, message):
    code, _, err = _run(ini, "provider", *argv)
    assert code == 2 and message in err and err.count("\n") == 1


def test_providers_from_the_database_appear_on_the_login_page(make_downstream, upstream):
    app = make_downstream(providers="")
    with transaction_root(app) as root:
        root.federation.providers["dbcorp"] = {
            "issuer": upstream.url,
            "client_id": "downstream",
            "client_secret": "downstream-secret",
            "display_name": "DB Corp",
        }
    browser = Browser(app, upstream.url)
    page = browser.login_page()
    assert browser.provider_href(page, "dbcorp") and "DB Corp" in page.text


def test_the_ini_file_wins_over_the_database_for_the_same_name(make_downstream, upstream):
    app = make_downstream()
    with transaction_root(app) as root:
        root.federation.providers["upstream"] = {
            "issuer": "https://elsewhere.example",
            "client_id": "x",
            "client_secret": "y",
            "display_name": "Impostor",
        }
    page = Browser(app, upstream.url).login_page()
    assert "Upstream Corp" in page.text and "Impostor" not in page.text


def test_an_older_database_gains_the_federation_store(tmp_path):
    app = main({}, **base_settings(tmp_path))
    try:
        with transaction_root(app) as root:  # make it look like generation 1
            del root.federation
            root.generation = 1
        with transaction_root(app) as root:  # opening it evolves it
            assert root.generation == CURRENT_GENERATION
            assert len(root.federation.links) == 0
            assert root.prune() >= 0
    finally:
        close_app(app)
    assert evolve(OstiaryRoot()) is False
