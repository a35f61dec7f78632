"""Prometheus metrics: off by default, on a path for allowed addresses or
on a listener of their own, counting requests, tokens, sign-ins, consents,
logouts, retries and the key ring."""

from __future__ import annotations

import socket

import pytest
import requests
import webtest
from prometheus_client.parser import text_string_to_metric_families

from ostiary import main
from ostiary.settings import SettingsError
from ostiary.testing import DEMO, CodeFlow, base_settings, close_app, form_value, load_data, transaction_root


def samples(text: str) -> dict:
    """``{(name, frozenset(labels)): value}`` of an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metered(tmp_path):
    app = main({}, **base_settings(tmp_path), **{"ostiary.metrics_path": "/metrics"})
    load_data(app, DEMO)
    yield webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    close_app(app)


def test_no_metrics_unless_configured(app):
    assert app.get("/metrics", expect_errors=True).status_int == 404


def test_metrics_path_answers_only_allowed_addresses(metered):
    assert metered.get("/metrics").status_int == 200
    refused = metered.get("/metrics", extra_environ={"REMOTE_ADDR": "203.0.113.9"}, expect_errors=True)
    assert refused.status_int == 404 and "ostiary_" not in refused.text


def test_a_sign_in_flow_and_tokens_are_counted(metered):
    before = samples(metered.get("/metrics").text)
    flow = CodeFlow(metered)
    code = flow.code(scope="openid")["code"]
    assert flow.exchange(code).status_int == 200
    login = metered.get("/account/login")
    metered.post(
        "/account/login", {"csrf_token": form_value(login.text, "csrf_token"), "username": "alice", "password": "no"}
    )
    metered.get("/.well-known/openid-configuration")
    after = samples(metered.get("/metrics").text)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("ostiary_tokens_issued_total", grant_type="authorization_code", client_id="demo-rp") == 1
    assert grew("ostiary_sign_ins_total", result="succeeded", method="pwd") == 1
    assert grew("ostiary_sign_ins_total", result="failed", method="pwd") == 1
    assert grew("ostiary_consents_total", result="granted") == 1
    assert grew("ostiary_http_requests_total", route="token", method="POST", status="200") == 1
    assert grew("ostiary_http_requests_total", route="discovery", method="GET", status="200") == 1  # the fast path
    assert grew("ostiary_http_request_duration_seconds_count", route="token") == 1
    assert value(after, "ostiary_signing_key_age_seconds", alg="RS256") >= 0
    assert ("ostiary_signing_key_next_change_seconds", frozenset()) in after


def test_a_separate_listener_serves_the_metrics(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = main({}, **base_settings(tmp_path), **{"ostiary.metrics_listen": f"127.0.0.1:{port}"})
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "ostiary_http_requests_total" in text and "ostiary_signing_key_age_seconds" in text
        assert webtest.TestApp(app).get("/metrics", expect_errors=True).status_int == 404  # not on the main listener
    finally:
        close_app(app)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


@pytest.mark.parametrize(("name", "bad"), [("ostiary.metrics_path", "metrics"), ("ostiary.metrics_listen", "9464")])
def test_bad_metrics_settings_are_refused(tmp_path, name, bad):
    with pytest.raises(SettingsError, match=name):
        main({}, **base_settings(tmp_path), **{name: bad})


def test_front_channel_frames_are_counted_by_what_the_browser_reported(metered):
    with transaction_root(metered.app) as root:
        root.clients.get("demo-rp").update(frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    before = samples(metered.get("/metrics").text)
    flow = CodeFlow(metered)
    tokens = flow.exchange(flow.code()["code"]).json
    page = metered.get(metered.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]}).location)
    receipt = page.html.find(id="logout-receipts")["data-receipt"]
    for result in ("blocked", "loaded", "exploded"):  # recorded once; not a result: not counted
        metered.get("/account/logout/receipt", {"id": receipt, "client": "demo-rp", "frame": result})
    after = samples(metered.get("/metrics").text)
    name = "ostiary_frontchannel_logout_frames_total"
    counted = {r: value(after, name, result=r) - value(before, name, result=r) for r in ("loaded", "blocked")}
    assert counted == {"loaded": 0, "blocked": 1}
    assert value(after, name, result="exploded") == 0
