"""The account console's linked logins: list the links, link another
provider by a round trip upstream, unlink while another way to sign in
remains (never the last one)."""

from __future__ import annotations

import copy

from federation_harness import DOWNSTREAM, Browser, database

from ostiary.testing import DEMO, form_value, transaction_root


def _signed_in_locally(browser):
    """Sign in at the downstream with alice's password (no client)."""
    page = browser.down.get("/account/login")
    posted = browser.down.post(
        "/account/login",
        {"csrf_token": form_value(page.text, "csrf_token"), "username": "alice", "password": "alice-password"},
    )
    assert posted.status_int == 303
    return browser


def _link_upstream(browser):
    page = browser.down.get("/account/links")
    form = next(f for f in page.forms.values() if f.get("action").value == "link")
    started = form.submit()
    assert started.status_int == 303 and started.location.startswith(browser.upstream_url)
    return browser.walk(started.location)


def test_linking_another_provider_is_a_round_trip_upstream(downstream, upstream):
    browser = _signed_in_locally(Browser(downstream, upstream.url))
    assert "No external sign-in provider is linked" in browser.down.get("/account/links").text
    result = _link_upstream(browser)
    assert result["at"] == "/account/links" and "Linked: upstream" in result["response"].text
    users, links = database(downstream)
    assert list(links.values()) == [users["alice"]]
    page = browser.down.get("/account/links")
    (item,) = page.html.select("li.link")
    text = item.get_text(" ", strip=True)
    assert "Upstream Corp" in text and "Identity there" in text and "Linked" in text
    # the session stayed alice's local one: linking signs nobody in
    with transaction_root(downstream) as root:
        sessions = root.sessions.of_subject(users["alice"])
        assert [s.idp for s in sessions] == ["local"]
    # the next external sign-in is direct, and its use is recorded
    other = Browser(downstream, upstream.url)
    assert other.sign_in_upstream()["at"] == "client"
    with transaction_root(downstream) as root:
        (link,) = root.federation.links_of(users["alice"])
        assert link.last_used_at is not None


def test_unlinking_with_a_password_left(downstream, upstream):
    browser = _signed_in_locally(Browser(downstream, upstream.url))
    _link_upstream(browser)
    page = browser.down.get("/account/links")
    form = next(f for f in page.forms.values() if f.get("action").value == "unlink")
    done = form.submit()
    assert done.status_int == 303 and "unlinked=upstream" in done.location
    assert database(downstream)[1] == {}


def test_the_last_way_to_sign_in_cannot_be_unlinked(downstream, upstream):
    browser = _signed_in_locally(Browser(downstream, upstream.url))
    _link_upstream(browser)
    with transaction_root(downstream) as root:  # alice now signs in with the upstream only
        root.users.by_login("alice").password_hash = None
    page = browser.down.get("/account/links")
    form = next(f for f in page.forms.values() if f.get("action").value == "unlink")
    refused = form.submit(status=409)
    assert "only way to sign in" in refused.text
    assert len(database(downstream)[1]) == 1


def test_an_identity_linked_to_someone_else_is_refused(make_downstream, upstream):
    data = copy.deepcopy(DEMO)
    data["users"].append({"username": "bob", "password": "bob-password", "email": "bob@example.org"})
    app = make_downstream(data=data)
    first = _signed_in_locally(Browser(app, upstream.url))
    _link_upstream(first)  # upstream alice -> local alice
    second = Browser(app, upstream.url)
    page = second.down.get("/account/login")
    second.down.post(
        "/account/login",
        {"csrf_token": form_value(page.text, "csrf_token"), "username": "bob", "password": "bob-password"},
    )
    result = _link_upstream(second)
    assert "already linked to another account" in result["response"].text
    users, links = database(app)
    assert list(links.values()) == [users["alice"]]


def test_link_and_unlink_need_the_csrf_token(downstream, upstream):
    browser = _signed_in_locally(Browser(downstream, upstream.url))
    browser.down.post("/account/links", {"action": "link", "provider": "upstream"}, status=400)
    assert browser.down.get("/account/links").status_int == 200


def test_signed_out_the_section_sends_to_sign_in(downstream, upstream):
    assert "/account/login" in Browser(downstream, upstream.url).down.get("/account/links").location
    assert DOWNSTREAM


# -- ostiary user links / unlink -------------------------------------------------------


def _ini(tmp_path, app) -> str:
    uri = app.registry.settings["zodbconn.uri"]
    path = tmp_path / "cli.ini"
    path.write_text(
        "[app:main]\nuse = egg:ostiary\nostiary.issuer = http://localhost\n"
        "ostiary.argon2_time_cost = 1\nostiary.argon2_memory_cost = 1024\nostiary.argon2_parallelism = 1\n"
        f"zodbconn.uri = {uri}\n"
    )
    return str(path)


def _linked(downstream, upstream, password=True):
    browser = _signed_in_locally(Browser(downstream, upstream.url))
    _link_upstream(browser)
    if not password:
        with transaction_root(downstream) as root:
            root.users.by_login("alice").password_hash = None
    users, links = database(downstream)
    for db in downstream.registry._zodb_databases.values():
        db.close()  # the command opens the file itself
    return users["alice"], next(iter(links))[1]


def test_ostiary_user_links_lists_them(downstream, upstream, tmp_path, ostiary_command_line):
    subject, upstream_sub = _linked(downstream, upstream)
    result = ostiary_command_line(_ini(tmp_path, downstream), "user", "links", subject)
    assert result.code == 0, result.err
    header, row = result.out.splitlines()
    assert header.split()[:3] == ["PROVIDER", "UPSTREAM", "SUBJECT"]
    assert row.split()[:2] == ["upstream", upstream_sub]


def test_ostiary_user_unlink_keeps_the_last_way_unless_forced(downstream, upstream, tmp_path, ostiary_command_line):
    subject, _ = _linked(downstream, upstream)
    ini = _ini(tmp_path, downstream)
    refused = ostiary_command_line(ini, "user", "unlink", subject, "nobody")
    assert refused.code == 2 and "no link to nobody" in refused.err
    done = ostiary_command_line(ini, "user", "unlink", "alice", "upstream")  # alice still has her password
    assert done.code == 0 and "unlinked upstream identity" in done.out
    assert ostiary_command_line(ini, "user", "links", subject).out.splitlines()[1:] == []


def test_ostiary_user_unlink_refuses_the_last_way_to_sign_in(downstream, upstream, tmp_path, ostiary_command_line):
    subject, _ = _linked(downstream, upstream, password=False)
    ini = _ini(tmp_path, downstream)
    refused = ostiary_command_line(ini, "user", "unlink", subject, "upstream")
    assert refused.code == 2 and "only way alice can sign in" in refused.err
    assert len(ostiary_command_line(ini, "user", "links", subject).out.splitlines()) == 2
    forced = ostiary_command_line(ini, "user", "unlink", subject, "upstream", "--force")
    assert forced.code == 0
