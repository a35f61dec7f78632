"""Back-channel logouts go through a durable outbox: written with the
sign-out, sent by a worker with back-off until delivered, refused or past
their deadline, sent once by several workers, and reported on the
signed-out page and by ``ostiary logout-deliveries``."""

from __future__ import annotations

import threading

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.models.database import database
from ostiary.models.outbox import LONGEST_BACKOFF, backoff
from ostiary.models.util import now
from ostiary.protocol.logout_outbox import deliver_due
from ostiary.testing import LogoutReceiver, close_app, transaction_root


@pytest.fixture
def quiet(ostiary_app):
    """The app's own delivery worker stopped: the test sends by hand."""
    ostiary_app.registry.ostiary_logout_worker.stop()
    return ostiary_app


def _configure(app, **fields):
    with transaction_root(app) as root:
        root.clients.get("demo-rp").update(**fields)


def _sign_in_and_out(app, flow):
    tokens = flow.exchange(flow.code()["code"]).json
    response = app.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]})
    return tokens, app.get(response.location)


def _deliveries(app):
    with transaction_root(app) as root:
        return [(d.client_id, d.state, d.attempts) for d in root.outbox.listing()]


def test_the_delivery_is_written_with_the_sign_out_and_sent_by_the_worker(app, flow, quiet, logout_receiver):
    _configure(quiet, backchannel_logout_uri=logout_receiver.url)
    tokens, page = _sign_in_and_out(app, flow)
    assert _deliveries(quiet) == [("demo-rp", "pending", 0)]  # committed with the sign-out, nothing sent yet
    assert deliver_due(quiet.registry, database(quiet.registry)) == 1
    ((_type, body),) = logout_receiver.wait()
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    claims = jwt.decode(body["logout_token"][0], keys).claims
    sid = jwt.decode(tokens["id_token"], keys).claims["sid"]
    assert claims["sid"] == sid and claims["aud"] == "demo-rp" and claims["exp"] > now()
    assert _deliveries(quiet) == [("demo-rp", "delivered", 1)]
    assert deliver_due(quiet.registry, database(quiet.registry)) == 0  # nothing left


def test_a_client_that_is_down_gets_it_later_with_back_off(app, flow, quiet):
    down = LogoutReceiver(status=503)
    try:
        _configure(quiet, backchannel_logout_uri=down.url)
        _sign_in_and_out(app, flow)
        db, registry, start = database(quiet.registry), quiet.registry, now()
        assert deliver_due(registry, db, when=start) == 1
        assert _deliveries(quiet) == [("demo-rp", "pending", 1)]
        assert deliver_due(registry, db, when=start) == 0  # not due again before its back-off
        assert deliver_due(registry, db, when=start + backoff(1)) == 1
        assert _deliveries(quiet) == [("demo-rp", "pending", 2)]
        down.status = 200  # the client is back
        assert deliver_due(registry, db, when=start + backoff(1) + backoff(2)) == 1
        assert _deliveries(quiet) == [("demo-rp", "delivered", 3)]
        assert len(down.wait(count=3)) == 3
    finally:
        down.close()


def test_a_client_that_says_no_is_not_asked_again_and_one_never_reachable_expires(app, flow, quiet):
    refusing = LogoutReceiver(status=400)
    try:
        _configure(quiet, backchannel_logout_uri=refusing.url)
        _sign_in_and_out(app, flow)
        db, registry = database(quiet.registry), quiet.registry
        assert deliver_due(registry, db) == 1
        assert _deliveries(quiet) == [("demo-rp", "refused", 1)]
        assert deliver_due(registry, db, when=now() + 3600) == 0
    finally:
        refusing.close()
    _configure(quiet, backchannel_logout_uri="http://127.0.0.1:9/nobody-listens")
    _sign_in_and_out(app, flow)
    deadline = quiet.registry.ostiary_settings.logout_delivery_deadline
    when = now()
    while deliver_due(registry, db, when=when):
        when += LONGEST_BACKOFF
    states = {state for _c, state, _a in _deliveries(quiet)}
    assert states == {"refused", "expired"}
    assert when - now() <= deadline + LONGEST_BACKOFF


def test_two_workers_at_once_send_each_delivery_once(app, flow, quiet, logout_receiver):
    _configure(quiet, backchannel_logout_uri=logout_receiver.url)
    for _ in range(3):
        _sign_in_and_out(app, flow)
    db, registry = database(quiet.registry), quiet.registry
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        deliver_due(registry, db)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    deliver_due(registry, db)  # whatever a conflicting claim left behind
    assert len(logout_receiver.wait(count=4, timeout=2)) == 3  # three sign-outs, three deliveries, no fourth
    assert [state for _c, state, _a in _deliveries(quiet)] == ["delivered"] * 3


def test_the_signed_out_page_reports_what_each_application_confirmed(app, flow, ostiary_app, logout_receiver):
    _configure(
        ostiary_app, backchannel_logout_uri=logout_receiver.url, frontchannel_logout_uri="http://127.0.0.1:9999/fc"
    )
    _tokens, page = _sign_in_and_out(app, flow)
    receipt_id = page.html.find(id="logout-receipts")["data-receipt"]
    assert 'data-client="demo-rp"' in page.text and "logout-receipts.js" in page.text
    logout_receiver.wait()
    status = app.get("/account/logout/receipt", {"id": receipt_id}).json["applications"]
    for _ in range(50):  # the worker records the answer just after the receiver got it
        if status[0]["backchannel"] == "delivered":
            break
        threading.Event().wait(0.1)
        status = app.get("/account/logout/receipt", {"id": receipt_id}).json["applications"]
    assert status == [
        {
            "client_id": "demo-rp",
            "name": status[0]["name"],
            "backchannel": "delivered",
            "frontchannel": "pending",
            "text": "signed out (confirmed by the application)",
        }
    ]
    framed = app.get("/account/logout/receipt", {"id": receipt_id, "client": "demo-rp", "frame": "loaded"})
    assert framed.json["applications"][0]["frontchannel"] == "loaded"
    again = app.get("/account/logout/receipt", {"id": receipt_id, "client": "demo-rp", "frame": "blocked"})
    assert again.json["applications"][0]["frontchannel"] == "loaded"  # recorded once
    assert app.get("/account/logout/receipt", {"id": "x" * 22}, expect_errors=True).status_int == 404


def test_ostiary_logout_deliveries_lists_and_sends(
    app, flow, quiet, ostiary_settings, tmp_path, ostiary_command_line, logout_receiver
):
    _configure(quiet, backchannel_logout_uri=logout_receiver.url)
    _sign_in_and_out(app, flow)
    close_app(quiet)  # the command line opens the FileStorage itself
    ini = tmp_path / "ostiary.ini"
    ini.write_text("[app:main]\nuse = egg:ostiary\n" + "".join(f"{k} = {v}\n" for k, v in ostiary_settings.items()))
    listed = ostiary_command_line(ini, "logout-deliveries")
    assert listed.code == 0, listed.err
    assert "demo-rp" in listed.out and "1 pending" in listed.out
    sent = ostiary_command_line(ini, "logout-deliveries", "--send", "--state", "delivered")
    assert sent.code == 0 and "attempted 1" in sent.out and "1 delivered" in sent.out
    assert len(logout_receiver.wait()) == 1


def _report(app, page, result):
    """What the signed-out page's script sends once the frame did ``result``."""
    receipt_id = page.html.find(id="logout-receipts")["data-receipt"]
    return app.get("/account/logout/receipt", {"id": receipt_id, "client": "demo-rp", "frame": result}).json


def test_each_frame_result_has_its_own_words_on_the_signed_out_page(app, flow, quiet):
    _configure(quiet, frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    texts = {}
    for result in ("loaded", "blocked", "unconfirmed"):
        _tokens, page = _sign_in_and_out(app, flow)
        (row,) = _report(app, page, result)["applications"]
        assert row["frontchannel"] == result and row["backchannel"] is None
        texts[result] = row["text"]
    assert texts == {
        "loaded": "signed out in this browser",
        "blocked": "not confirmed: this browser could not show the application's sign-out page",
        "unconfirmed": "not confirmed: the application's sign-out page did not answer in time",
    }
    _tokens, page = _sign_in_and_out(app, flow)
    (row,) = _report(app, page, "exploded")["applications"]  # not a result: not recorded
    assert row["frontchannel"] == "pending" and row["text"] == "waiting for the application to confirm"


def test_a_frame_the_browser_showed_counts_when_the_back_channel_did_not_answer(app, flow, quiet):
    _configure(quiet, frontchannel_logout_uri="http://127.0.0.1:9999/fc", backchannel_logout_uri="http://127.0.0.1:9/")
    _tokens, page = _sign_in_and_out(app, flow)
    (row,) = _report(app, page, "loaded")["applications"]
    assert row["backchannel"] == "pending" and row["text"] == "signed out in this browser"
    _tokens, page = _sign_in_and_out(app, flow)
    (row,) = _report(app, page, "blocked")["applications"]
    assert row["backchannel"] == "pending" and row["text"] == "waiting for the application to confirm"


def test_ostiary_logout_deliveries_shows_the_frame_receipts_per_client(
    app, flow, quiet, ostiary_settings, tmp_path, ostiary_command_line
):
    _configure(quiet, frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    for result in ("loaded", "blocked", "blocked", "unconfirmed", None):
        _tokens, page = _sign_in_and_out(app, flow)
        if result:
            _report(app, page, result)
    close_app(quiet)  # the command line opens the FileStorage itself
    ini = tmp_path / "ostiary.ini"
    ini.write_text("[app:main]\nuse = egg:ostiary\n" + "".join(f"{k} = {v}\n" for k, v in ostiary_settings.items()))
    listed = ostiary_command_line(ini, "logout-deliveries", "--client", "demo-rp")
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    header = lines.index("front-channel frames, as the signed-out pages reported them:")
    assert lines[header + 1].split() == "CLIENT LAST ENDED LOADED BLOCKED UNCONFIRMED NOT REPORTED".split()
    client, _ended, *counts = lines[header + 2].split()
    assert client == "demo-rp" and counts == ["1", "2", "1", "1"]
    other = ostiary_command_line(ini, "logout-deliveries", "--client", "nobody")
    assert other.code == 0 and "front-channel" not in other.out
