"""Tokens of the client_credentials grant are counted per grant type and
client like the others (they were left out of ``ostiary_tokens_issued_total``),
without an audit event: the grant writes nothing to the database."""

from __future__ import annotations

import webtest
from prometheus_client.parser import text_string_to_metric_families

from ostiary import main
from ostiary.testing import DEMO, base_settings, close_app, load_data


def tokens_issued(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "ostiary_tokens_issued_total" and labels == {
                "grant_type": "client_credentials",
                "client_id": "demo-rp",
            }:
                return sample.value
    return 0.0


def test_client_credentials_tokens_are_counted(tmp_path):
    app = main({}, **base_settings(tmp_path), **{"ostiary.metrics_path": "/metrics"})
    try:
        load_data(app, DEMO)
        testapp = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        before = tokens_issued(testapp.get("/metrics").text)
        testapp.authorization = ("Basic", ("demo-rp", "demo-secret"))
        for _ in range(3):
            answer = testapp.post("/connect/token", {"grant_type": "client_credentials", "scope": "api"})
            assert answer.status_int == 200
        testapp.authorization = None
        assert tokens_issued(testapp.get("/metrics").text) == before + 3
    finally:
        close_app(app)
