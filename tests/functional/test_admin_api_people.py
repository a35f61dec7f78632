"""The admin API's users, sessions, consents, keys, providers, resources
and error records (issue 14)."""

from __future__ import annotations

import time

import pytest
from admin_kit import Admin, token_of
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.models.clients import Client
from ostiary.plugin import hookimpl
from ostiary.testing import transaction_root


def _subject(app, username="alice"):
    with transaction_root(app) as root:
        return root.users.by_login(username).subject


def test_users_create_search_disable_enable_password_remove(app, admin, flow):
    made = admin.call(
        "POST", "/users", {"username": "bob", "email": "bob@example.org", "password": "bob-password-1"}, status=201
    ).json
    subject = made["subject"]
    assert "password" not in made
    assert [u["username"] for u in admin.call("GET", "/users?search=BOB").json["items"]] == ["bob"]
    assert admin.call("POST", f"/users/{subject}/disable", status=200).json["active"] is False
    assert admin.call("POST", f"/users/{subject}/enable", status=200).json["active"] is True
    admin.call("POST", f"/users/{subject}/password", {"password": "another-one-2"}, status=200)
    response = flow.login(flow.authorize(), username="bob", password="another-one-2")
    assert response.status_int == 303
    detail = admin.call("GET", f"/users/{subject}", status=200).json
    assert len(detail["sessions"]) == 1 and detail["links"] == []
    removed = admin.call("DELETE", f"/users/{subject}", status=200).json
    assert removed == {"subject": subject, "username": "bob", "ended": 1}
    admin.call("GET", f"/users/{subject}", status=404)
    assert admin.call("GET", "/users?search=bob").json["total"] == 0


def test_a_taken_username_is_a_conflict_and_bad_fields_are_422(admin):
    admin.call("POST", "/users", {"username": "alice", "password": "x-password-1"}, status=409)
    assert admin.call("POST", "/users", {"username": ""}, status=422).json["field"] == "username"
    assert admin.call("POST", "/users", {"username": "c", "role": "x"}, status=422).json["field"] == "role"


def test_unlock_ends_a_lockout(app, ostiary_app, admin):
    subject = _subject(ostiary_app)
    with transaction_root(ostiary_app) as root:
        root.users.get(subject).locked_until = 2**40
    assert admin.call("GET", f"/users/{subject}").json["locked_until"] == 2**40
    assert admin.call("POST", f"/users/{subject}/unlock", status=200).json["locked_until"] is None


def test_ending_a_session_sends_the_back_channel_logout(app, ostiary_app, admin, flow, logout_receiver):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(backchannel_logout_uri=logout_receiver.url)
    tokens = flow.exchange(flow.code()["code"]).json
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    sid = jwt.decode(tokens["id_token"], keys).claims["sid"]
    subject = _subject(ostiary_app)
    listed = admin.call("GET", f"/sessions?subject={subject}", status=200).json
    assert [s["sid"] for s in listed["items"]] == [sid] and listed["items"][0]["clients"] == ["demo-rp"]
    assert admin.call("GET", f"/sessions/{sid}", status=200).json["subject"] == subject
    assert admin.call("DELETE", f"/sessions/{sid}", status=200).json == {"ended": 1}
    (logout_token,) = logout_receiver.wait_tokens()
    assert jwt.decode(logout_token, keys).claims["sid"] == sid
    admin.call("GET", f"/sessions/{sid}", status=404)


def test_ending_every_session_of_a_user(app, ostiary_app, admin, flow):
    flow.exchange(flow.code()["code"])
    subject = _subject(ostiary_app)
    assert admin.call("DELETE", f"/users/{subject}/sessions", status=200).json == {"ended": 1}
    assert admin.call("GET", f"/sessions?subject={subject}").json["total"] == 0


def test_consents_list_and_revoke(app, ostiary_app, admin, flow):
    flow.exchange(flow.code()["code"])  # consent remembered
    subject = _subject(ostiary_app)
    listed = admin.call("GET", "/consents?client_id=demo-rp", status=200).json["items"]
    assert [(c["subject"], c["client_id"]) for c in listed] == [(subject, "demo-rp")]
    admin.call("DELETE", f"/consents/{subject}/demo-rp", status=200)
    admin.call("DELETE", f"/consents/{subject}/demo-rp", status=404)


def test_keys_list_and_rotate(admin, reader):
    before = admin.call("GET", "/keys", status=200).json
    assert {k["state"] for k in before["items"]} == {"active"} and before["next_rotation_due"]
    fresh = admin.call("POST", "/keys/rotate", {"announce": 0}, status=201).json["items"]
    assert {k["alg"] for k in fresh} == {"RS256", "ES256"}
    assert len(reader.call("GET", "/keys").json["items"]) == len(before["items"]) + 2
    admin.call("POST", "/keys/rotate", {"announce": -1}, status=422)
    admin.call("POST", "/keys/rotate", {"announce": "soon"}, status=422)


def test_providers_are_read_without_secrets(admin):
    assert admin.call("GET", "/providers", status=200).json == {"items": [], "total": 0}


def test_resources_round_trip(admin):
    made = admin.call("POST", "/resources", {"name": "orders", "kind": "api", "audience": "https://orders"}, status=201)
    assert made.json["display_name"] == "orders"
    assert [r["name"] for r in admin.call("GET", "/resources?kind=api&search=ord").json["items"]] == ["orders"]
    changed = admin.call(
        "PATCH", "/resources/orders", {"display_name": "Orders"}, headers={"If-Match": made.headers["ETag"]}, status=200
    )
    assert changed.json["display_name"] == "Orders" and changed.json["audience"] == "https://orders"
    admin.call(
        "PATCH", "/resources/orders", {"display_name": "X"}, headers={"If-Match": made.headers["ETag"]}, status=412
    )
    admin.call("POST", "/resources", {"name": "two words"}, status=422)
    admin.call("POST", "/resources", {"name": "orders"}, status=409)
    admin.call("DELETE", "/resources/orders", status=200)
    admin.call("GET", "/resources/orders", status=404)


def test_an_error_id_shows_its_record(app, admin):
    page = app.get("/connect/authorize", params={"client_id": "nobody", "response_type": "code"}, expect_errors=True)
    error_id = page.location.rpartition("errorId=")[2]
    assert error_id, page
    record = admin.call("GET", f"/errors/{error_id}", status=200).json
    assert record["error"] and record["error_id"] == error_id


# -- a person with the admin role, and a user store without removal ---------------


def test_a_person_needs_the_admin_role(app, ostiary_app, admin_clients, flow):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(scopes=["openid", "ostiary:admin"])
    token = flow.exchange(flow.code(scope="openid ostiary:admin")["code"]).json["access_token"]
    refused = Admin(app, token).call("GET", "/clients", status=403)
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    with transaction_root(ostiary_app) as root:
        user = root.users.by_login("alice")
        user.claims = {**user.claims, "roles": ["ostiary-admin"]}
    Admin(app, token).call("GET", "/clients", status=200)


class ReadOnlyStore:
    """A user store that knows one person and cannot remove anyone."""

    class Person:
        subject, username, email, claims, active = "ro-1", "reader-only", None, {}, True

    @hookimpl(tryfirst=True)
    def ostiary_user_by_subject(self, request, subject):
        return self.Person() if subject == "ro-1" else None


class RemovingStore(ReadOnlyStore):
    """...and one that can: the hook the service calls to forget a user."""

    removed: list = []

    @hookimpl(tryfirst=True)
    def ostiary_delete_user(self, request, subject):
        if subject != "ro-1":
            return None
        self.removed.append(subject)
        return True


@pytest.mark.parametrize("ostiary_plugins", [[("removing", RemovingStore())]])
def test_removal_goes_through_the_store_s_delete_user_hook(app, admin):
    assert admin.call("DELETE", "/users/ro-1", status=200).json["subject"] == "ro-1"
    assert RemovingStore.removed == ["ro-1"]


@pytest.mark.parametrize("ostiary_plugins", [[("read-only", ReadOnlyStore())]])
def test_a_store_that_cannot_remove_refuses_with_409(app, admin):
    # the built-in store removes only its own users: ro-1 is not one of them
    assert admin.call("DELETE", "/users/ro-1", status=409).json["status"] == 409


def test_a_token_for_another_issuers_audience_is_refused(app, ostiary_app, admin_clients):
    with transaction_root(ostiary_app) as root:
        client = Client("mixed", grant_types=["client_credentials"], scopes=["ostiary:admin.read", "api"])
        client.add_secret("mixed-secret")
        root.clients.add(client)
    # both audiences: the admin API accepts it (its audience is in aud)
    Admin(app, token_of(app, "mixed", "ostiary:admin.read api")).call("GET", "/clients", status=200)


def test_a_throttled_address_is_unblocked(app, ostiary_app, admin):
    with transaction_root(ostiary_app) as root:  # blocked after failed sign-ins, for a long time
        root.login_throttle.entries["192.0.2.7"] = (2**40, 0, 2**40, 1, 2**40)
    admin.call("DELETE", "/throttle/192.0.2.7", status=200)
    with transaction_root(ostiary_app) as root:
        assert not root.login_throttle.blocked("192.0.2.7")
    admin.call("DELETE", "/throttle/192.0.2.7", status=404)


def test_the_consent_page_names_the_admin_scope_in_the_person_s_language(app, ostiary_app, flow):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(scopes=["openid", "ostiary:admin"])
    signed_in = flow.login(flow.authorize(scope="openid ostiary:admin", ui_locales="de"))
    page = app.get(signed_in.location).follow()
    assert "/consent" in page.request.url
    assert "Diesen Server verwalten" in page.text


class BrokenStore:
    """A user store whose listing fails: our own failure, never the caller's."""

    @hookimpl(tryfirst=True)
    def ostiary_list_users(self, request, offset, limit, search):
        raise RuntimeError("the directory is down")


@pytest.mark.parametrize("ostiary_plugins", [[("broken", BrokenStore())]])
def test_an_internal_error_is_a_500_problem_with_an_error_id(app, admin):
    failed = admin.call("GET", "/users", status=500)
    assert failed.content_type == "application/problem+json"
    error_id = failed.json["detail"].removeprefix("Internal error ").rstrip(".")
    record = admin.call("GET", f"/errors/{error_id}", status=200).json
    assert record["error"] == "server_error" and "the directory is down" in record["description"]


def test_logout_deliveries_are_listed_per_client_and_state(app, admin, flow, ostiary_app, logout_receiver):
    """What ``ostiary logout-deliveries`` shows, through the API: the
    operator sees per client whether each sign-out was delivered."""
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(backchannel_logout_uri=logout_receiver.url)
    tokens = flow.exchange(flow.code()["code"]).json
    ended = app.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]})
    app.get(ended.location)
    assert logout_receiver.wait_tokens()
    for _ in range(50):  # the worker records the answer just after the client got it
        listed = admin.call("GET", "/logout-deliveries?client_id=demo-rp", status=200).json
        if listed["counts"]["delivered"] == 1:
            break
        time.sleep(0.1)
    assert listed["counts"] == {"pending": 0, "delivered": 1, "refused": 0, "expired": 0}
    (row,) = listed["items"]
    assert row["client_id"] == "demo-rp" and row["state"] == "delivered" and row["attempts"] == 1
    assert "subject" not in row and "sid" not in row
    assert admin.call("GET", "/logout-deliveries?state=pending", status=200).json["items"] == []
    refused = admin.call("GET", "/logout-deliveries?state=lost", status=422)
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert listed["frames"] == []  # no front-channel logout URI: no frames


def test_logout_deliveries_show_each_clients_front_channel_frame_receipts(app, admin, flow, ostiary_app):
    """What the signed-out pages reported of each client's front-channel
    frame, as ``ostiary logout-deliveries`` and the console show it."""
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    for result in ("blocked", None):
        tokens = flow.exchange(flow.code()["code"]).json
        page = app.get(app.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]}).location)
        if result:
            receipt = page.html.find(id="logout-receipts")["data-receipt"]
            app.get("/account/logout/receipt", {"id": receipt, "client": "demo-rp", "frame": result})
    listed = admin.call("GET", "/logout-deliveries?client_id=demo-rp", status=200).json
    assert listed["items"] == [] and listed["total"] == 0  # no back-channel logout URI
    ((row,),) = [listed["frames"]]
    assert row["client_id"] == "demo-rp" and row["last_ended_at"] > 0
    assert {k: row[k] for k in ("loaded", "blocked", "unconfirmed", "not_reported")} == {
        "loaded": 0,
        "blocked": 1,
        "unconfirmed": 0,
        "not_reported": 1,
    }
    assert admin.call("GET", "/logout-deliveries?client_id=nobody", status=200).json["frames"] == []
    # ``state`` names delivery states: it filters the deliveries, not the frames
    assert admin.call("GET", "/logout-deliveries?state=expired", status=200).json["frames"] == [row]
