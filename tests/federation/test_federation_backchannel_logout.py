"""The upstream signs the person out, and Ostiary follows (OpenID Connect
Back-Channel Logout 1.0, with Ostiary as the relying party): the upstream's
logout token ends the matching sessions here, and Ostiary's own clients
hear of it by back-channel. Forged, stale, replayed or malformed tokens
end nothing."""

from __future__ import annotations

import copy
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import pytest
import requests
import webtest
from fake_upstream import FakeUpstream
from federation_harness import DOWNSTREAM, UPSTREAM_DATA, Browser, provider_settings, served
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.models.root import CURRENT_GENERATION
from ostiary.testing import DEMO, TEST_ISSUER, form_value, load_data, transaction_root

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
ENDPOINT = "/account/external/{}/backchannel-logout"
DORA = ("dora", "dora-password")


@pytest.fixture
def receiver(logout_receiver):
    return logout_receiver


@pytest.fixture
def fake():
    with FakeUpstream() as server:
        yield server


def _demo_with_backchannel(uri):
    data = copy.deepcopy(DEMO)
    data["clients"][0]["backchannel_logout_uri"] = uri
    return data


def _alive(app, cookie) -> bool:
    """Whether the session behind ``cookie`` is still in the store."""
    with transaction_root(app) as root:
        return root.sessions.from_cookie(cookie) is not None


def _silent_sign_in(browser) -> dict:
    """What an authorization request with prompt=none gets at the client."""
    result = browser.walk(browser.authorize_url(prompt="none"))
    assert result["at"] == "client", result
    return result


def _wait_until(condition, timeout=10):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.05)
    return condition()


# -- (a) end to end: the real upstream Ostiary signs the person out --------------------------


def test_signing_out_at_the_upstream_signs_out_here_and_tells_our_clients(make_downstream, upstream, receiver):
    app = make_downstream(
        data=_demo_with_backchannel(receiver.url), **provider_settings(upstream.url, client_id="downstream-bcl")
    )
    with served(app) as downstream_url:
        # The downstream registered at the upstream with its back-channel logout URI.
        client = dict(
            copy.deepcopy(UPSTREAM_DATA["clients"][0]),
            client_id="downstream-bcl",
            backchannel_logout_uri=downstream_url + ENDPOINT.format("upstream"),
        )
        load_data(upstream.app, {"clients": [client]})
        browser = Browser(app, upstream.url)
        token = browser.tokens(browser.sign_in_upstream(user=DORA))
        cookie = browser.down.cookies["ostiary_session"]
        assert "code" in _silent_sign_in(browser)  # signed in here, silently

        # The person signs out at the upstream, on its own sign-out page.
        page = browser.up.get(upstream.url + "/account/logout", timeout=10)
        form = {"csrf_token": form_value(page.text, "csrf_token"), "logoutId": ""}
        signed_out = browser.up.post(upstream.url + "/account/logout", data=form, timeout=10)
        assert signed_out.status_code == 200 and "signed out" in signed_out.text

        (logout_token,) = receiver.wait_tokens()  # our own client hears of it, from us
        assert _wait_until(lambda: not _alive(app, cookie))
    keys = KeySet.import_key_set(browser.down.get("/.well-known/jwks.json").json)
    decoded = jwt.decode(logout_token, keys)
    id_claims = token["id_claims"]
    assert decoded.header["typ"] == "logout+jwt"
    assert decoded.claims["iss"] == TEST_ISSUER and decoded.claims["aud"] == "demo-rp"
    assert decoded.claims["sid"] == id_claims["sid"] and decoded.claims["sub"] == id_claims["sub"]
    assert decoded.claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert _silent_sign_in(browser)["error"] == "login_required"


# -- (b) with the fake upstream signing the logout tokens -----------------------------------


def _fake_downstream(make_downstream, fake, data=DEMO, providers="fake", settings=None):
    """A downstream whose ``providers`` are all the fake (each with its ``settings``)."""
    extra = {}
    for name in providers.split():
        extra.update(provider_settings(fake.url, name, **(settings or {}).get(name, {})))
    return make_downstream(providers=providers, data=data, **extra)


def _sign_in(app, upstream, fake, sid, provider="fake", sub=None) -> Browser:
    """A new browser signed in at ``app`` through ``provider`` (the fake),
    with upstream session ``sid`` and, if given, upstream subject ``sub``."""
    fake.sid = sid
    if sub is not None:
        fake.user = dict(fake.user, sub=sub, email=f"{sub}@example.org")
    browser = Browser(app, upstream.url)
    page = browser.login_page()
    token = browser.tokens(browser.walk(DOWNSTREAM + browser.provider_href(page, provider)))
    assert token["id_claims"]["idp"] == provider
    browser.cookie = browser.down.cookies["ostiary_session"]
    return browser


def _post(app, token, provider="fake", **params):
    """The upstream's server posting ``token``: no cookies, no CSRF token."""
    server = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    form = {"logout_token": token} if token is not None else {}
    form.update(params)
    return server.post(ENDPOINT.format(provider), form, expect_errors=True)


def _refused(response):
    assert response.status_int == 400, response.text
    assert response.json == {"error": "invalid_request"}
    assert response.headers["Cache-Control"] == "no-store"


#: A bad token, and the reason it is refused for (as logged).
DEFECTS = {
    "with a nonce": (lambda fake: fake.logout_token(nonce="n-0S6_WzA2Mj"), "has a nonce"),
    "without events": (lambda fake: fake.logout_token(drop=("events",)), "lacks the back-channel logout event"),
    "with events lacking the logout event": (
        lambda fake: fake.logout_token(events={"urn:other": {}}),
        "lacks the back-channel logout event",
    ),
    "with an event that is no object": (
        lambda fake: fake.logout_token(events={BACKCHANNEL_EVENT: "yes"}),
        "lacks the back-channel logout event",
    ),
    "for another audience": (lambda fake: fake.logout_token(aud="someone-else"), "'aud'"),
    "from another issuer": (lambda fake: fake.logout_token(iss="http://127.0.0.1:1"), "'iss'"),
    "signed by an unknown key": (lambda fake: fake.logout_token(key=fake.rogue), "signature does not verify"),
    "expired": (lambda fake: fake.logout_token(iat=int(time.time()) - 4000, exp=int(time.time()) - 3600), "expired"),
    "with neither sid nor sub": (lambda fake: fake.logout_token(drop=("sid", "sub")), "neither a sid nor a sub"),
    "without iat": (lambda fake: fake.logout_token(drop=("iat",)), "'iat'"),
    "without exp and long ago": (
        lambda fake: fake.logout_token(iat=int(time.time()) - 4000, exp=None),
        "no exp and was issued too long ago",
    ),
    "without jti": (lambda fake: fake.logout_token(drop=("jti",)), "'jti'"),
    "of another type": (lambda fake: fake.logout_token(typ="at+jwt"), "typ 'at+jwt'"),
    "that is no JWT": (lambda fake: "not.a.jwt", "signature does not verify"),
    "that is missing": (lambda fake: None, "no logout_token"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_bad_logout_token_is_refused_and_ends_nothing(make_downstream, upstream, fake, defect, caplog):
    app = _fake_downstream(make_downstream, fake)
    browser = _sign_in(app, upstream, fake, sid="up-sid-1")
    make, reason = DEFECTS[defect]
    with caplog.at_level(logging.INFO, logger="ostiary.federation.backchannel"):
        _refused(_post(app, make(fake)))
    assert reason in caplog.text
    assert _alive(app, browser.cookie)
    assert "code" in _silent_sign_in(browser)


def test_a_good_logout_token_by_sid_ends_that_session_only(make_downstream, upstream, fake, receiver):
    app = _fake_downstream(make_downstream, fake, data=_demo_with_backchannel(receiver.url))
    first = _sign_in(app, upstream, fake, sid="up-sid-1")
    second = _sign_in(app, upstream, fake, sid="up-sid-2")  # the same person, another upstream session
    response = _post(app, fake.logout_token(sid="up-sid-1"))
    assert response.status_int == 200 and response.body == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert not _alive(app, first.cookie)
    assert _silent_sign_in(first)["error"] == "login_required"
    assert _alive(app, second.cookie)
    assert len(receiver.wait()) == 1  # demo-rp hears of the one session that ended


def test_the_typ_header_is_not_required(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    browser = _sign_in(app, upstream, fake, sid="up-sid-1")
    assert _post(app, fake.logout_token(typ=None)).status_int == 200
    assert not _alive(app, browser.cookie)


def test_a_replayed_logout_token_is_refused(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    first = _sign_in(app, upstream, fake, sid="up-sid-1")
    token = fake.logout_token()
    assert _post(app, token).status_int == 200
    assert not _alive(app, first.cookie)
    again = _sign_in(app, upstream, fake, sid="up-sid-1")  # the same upstream session signs in again
    _refused(_post(app, token))
    assert _alive(app, again.cookie)
    with transaction_root(app) as root:  # the seen jti goes when the token could no longer be used
        assert len(root.federation.logout_tokens) == 1
        assert root.prune(int(time.time()) + 3600) >= 1
        assert len(root.federation.logout_tokens) == 0


def test_a_logout_token_by_sub_ends_that_persons_sessions_from_that_provider_only(
    make_downstream, upstream, fake, receiver
):
    app = _fake_downstream(
        make_downstream,
        fake,
        data=_demo_with_backchannel(receiver.url),
        providers="fake other",
        settings={"other": {"link_by_verified_email": "true"}},
    )
    mine = [_sign_in(app, upstream, fake, sid="up-sid-1"), _sign_in(app, upstream, fake, sid="up-sid-2")]
    same_person_elsewhere = _sign_in(app, upstream, fake, sid="up-sid-3", provider="other")
    someone_else = _sign_in(app, upstream, fake, sid="up-sid-4", sub="fake-user-2")
    local = Browser(app, upstream.url)
    local.tokens(local.walk(urljoin(DOWNSTREAM, local.local_login(local.login_page()).location)))
    with transaction_root(app) as root:  # the upstream sessions are indexed, not searched for
        assert set(root.sessions.by_upstream_sub.keys()) == {
            "fake\x00fake-user-1",
            "other\x00fake-user-1",
            "fake\x00fake-user-2",
        }

    token = fake.logout_token(sub="fake-user-1", drop=("sid",))
    assert _post(app, token).status_int == 200
    assert [_alive(app, b.cookie) for b in mine] == [False, False]
    assert _alive(app, same_person_elsewhere.cookie)
    assert _alive(app, someone_else.cookie)
    assert _alive(app, local.down.cookies["ostiary_session"])
    assert len(receiver.wait(count=2)) == 2
    time.sleep(0.2)
    assert len(receiver.received) == 2
    with transaction_root(app) as root:  # and the index forgets them
        assert "fake\x00fake-user-1" not in root.sessions.by_upstream_sub
        assert "fake\x00up-sid-1" not in root.sessions.by_upstream_sid


def test_a_logout_token_for_nobody_signed_in_here_is_still_accepted(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    browser = _sign_in(app, upstream, fake, sid="up-sid-1")
    assert _post(app, fake.logout_token(sid="gone", sub="nobody")).status_int == 200
    assert _alive(app, browser.cookie)


def test_expired_sessions_leave_the_upstream_index_when_pruned(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    _sign_in(app, upstream, fake, sid="up-sid-1")
    with transaction_root(app) as root:
        assert len(root.sessions.by_upstream_sid) == len(root.sessions.by_upstream_sub) == 1
        root.prune(int(time.time()) + 10**7)
        assert len(root.sessions.by_upstream_sid) == len(root.sessions.by_upstream_sub) == 0


# -- forged tokens cost one JWKS download, not one each ------------------------------------


def _forged(fake) -> str:
    return fake.logout_token(key=fake.rogue)


def test_many_forged_logout_tokens_fetch_the_jwks_again_only_once(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    for _ in range(20):
        _refused(_post(app, _forged(fake)))
    assert fake.requests.count("/jwks") == 2  # the first fetch, and once more in case of a rotation


def test_forged_logout_tokens_at_once_fetch_the_jwks_again_only_once(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    _sign_in(app, upstream, fake, sid="up-sid-1")  # the keys are cached, and no refetch spent yet
    assert fake.requests.count("/jwks") == 1
    fake.jwks_delay = 0.5  # a slow upstream: the posts overlap its download
    tokens = [_forged(fake) for _ in range(20)]
    with served(app) as url, ThreadPoolExecutor(20) as pool:
        answers = list(
            pool.map(
                lambda token: (
                    requests.post(url + ENDPOINT.format("fake"), data={"logout_token": token}, timeout=30).status_code
                ),
                tokens,
            )
        )
    assert answers == [400] * 20
    assert fake.requests.count("/jwks") == 2


def test_rotated_keys_are_fetched_again_once_the_interval_after_a_forged_token_has_passed(
    make_downstream, upstream, fake
):
    app = _fake_downstream(make_downstream, fake)
    app.registry.ostiary_upstreams.refetch_interval = 1.0  # JWKS_REFETCH_SECONDS, shortened for the test
    browser = _sign_in(app, upstream, fake, sid="up-sid-1")
    new_key = fake.next_key()
    _refused(_post(app, _forged(fake)))  # spends the refetch
    fake.rotate(new_key)
    rotated = fake.logout_token()
    _refused(_post(app, rotated))  # within the interval: the cached keys only
    assert _alive(app, browser.cookie)
    time.sleep(1.1)
    assert _post(app, rotated).status_int == 200
    assert not _alive(app, browser.cookie)
    assert fake.requests.count("/jwks") == 3


# -- (c) turned off, or no such provider -----------------------------------------------


def test_with_backchannel_logout_off_the_endpoint_is_not_there(make_downstream, upstream, fake):
    app = _fake_downstream(
        make_downstream,
        fake,
        providers="fake other",
        settings={"fake": {"backchannel_logout": "false"}, "other": {"link_by_verified_email": "true"}},
    )
    off = _sign_in(app, upstream, fake, sid="up-sid-1")
    on = _sign_in(app, upstream, fake, sid="up-sid-1", provider="other")
    response = _post(app, fake.logout_token())
    assert response.status_int == 404
    assert _alive(app, off.cookie)
    assert _post(app, fake.logout_token(), provider="other").status_int == 200  # the control: on by default
    assert not _alive(app, on.cookie) and _alive(app, off.cookie)


def test_an_unknown_provider_is_not_found(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    assert _post(app, fake.logout_token(), provider="nosuch").status_int == 404


def test_the_endpoint_takes_posts_only(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    server = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    assert server.get(ENDPOINT.format("fake"), expect_errors=True).status_int in (404, 405)


# -- an older database ---------------------------------------------------------------------


def test_an_older_database_indexes_its_upstream_sessions(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    browser = _sign_in(app, upstream, fake, sid="up-sid-1")
    with transaction_root(app) as root:  # make it look like generation 2
        for session in root.sessions.by_cookie.values():
            del session.upstream_provider, session.upstream_sub
        del root.sessions.by_upstream_sid, root.sessions.by_upstream_sub
        del root.federation.logout_tokens
        root.generation = 2
    with transaction_root(app) as root:  # opening it evolves it
        assert root.generation == CURRENT_GENERATION
        assert list(root.sessions.by_upstream_sid.keys()) == ["fake\x00up-sid-1"]
    assert _post(app, fake.logout_token(sid="up-sid-1")).status_int == 200
    assert not _alive(app, browser.cookie)


def test_requests_is_what_the_upstream_would_use(make_downstream, upstream, fake):
    """The endpoint over real HTTP, as a plain form post from another server."""
    app = _fake_downstream(make_downstream, fake)
    browser = _sign_in(app, upstream, fake, sid="up-sid-1")
    with served(app) as url:
        response = requests.post(url + ENDPOINT.format("fake"), data={"logout_token": fake.logout_token()}, timeout=10)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "text/html" not in response.headers.get("Content-Type", "")
    assert not _alive(app, browser.cookie)
