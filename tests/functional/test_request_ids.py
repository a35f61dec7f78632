"""Every answer carries an ``X-Request-Id``; log records and the error page
name the same id; ``ostiary.log_format = json`` writes JSON lines."""

from __future__ import annotations

import json
import logging

import pytest
import webtest

from ostiary import main
from ostiary.logs import JsonFormatter, RequestIdFilter
from ostiary.testing import base_settings, close_app, form_value


def test_every_answer_has_a_request_id_the_fast_path_included(app):
    ids = set()
    for path in ("/account/login", "/.well-known/openid-configuration", "/.well-known/jwks.json", "/nowhere"):
        response = app.get(path, expect_errors=True)
        request_id = response.headers["X-Request-Id"]
        assert len(request_id) == 16 and request_id not in ids
        ids.add(request_id)


def test_a_well_formed_id_from_the_proxy_is_kept_and_a_forged_one_replaced(app):
    kept = app.get("/account/login", headers={"X-Request-Id": "proxy-1234.abcd"})
    assert kept.headers["X-Request-Id"] == "proxy-1234.abcd"
    forged = app.get("/account/login", headers={"X-Request-Id": "x\r\nlevel=CRITICAL injected"})
    assert (
        forged.headers["X-Request-Id"] != "x\r\nlevel=CRITICAL injected" and len(forged.headers["X-Request-Id"]) == 16
    )


def test_the_error_page_shows_the_request_id_beside_the_error_id(app):
    page = app.get("/connect/authorize", {"client_id": "nobody", "response_type": "code"})
    error_page = app.get(page.location, expect_errors=True)
    request_id = error_page.headers["X-Request-Id"]
    assert f'class="request-id">{request_id}<' in error_page.text


def test_log_records_name_the_request_they_were_written_for(app, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    login = app.get("/account/login")
    with caplog.at_level(logging.INFO, logger="ostiary.audit"):
        refused = app.post(
            "/account/login",
            {"csrf_token": form_value(login.text, "csrf_token"), "username": "alice", "password": "wrong"},
        )
    audit = [r for r in caplog.records if r.name == "ostiary.audit"]
    assert audit and {r.request_id for r in audit} == {refused.headers["X-Request-Id"]}


def test_json_log_lines_carry_time_level_message_and_request_id():
    record = logging.LogRecord("ostiary.audit", logging.INFO, __file__, 1, "login.failed %s", ("a\nb",), None)
    record.request_id = "abcdef0123456789"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "INFO" and parsed["logger"] == "ostiary.audit"
    assert parsed["message"] == "login.failed a\nb" and parsed["request_id"] == "abcdef0123456789"
    assert parsed["time"].endswith("+00:00")


def test_log_format_json_puts_the_formatter_on_the_root_handlers(tmp_path):
    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        app = main({}, **base_settings(tmp_path), **{"ostiary.log_format": "json"})
        try:
            assert isinstance(handler.formatter, JsonFormatter)
            assert any(isinstance(f, RequestIdFilter) for f in handler.filters)
        finally:
            close_app(app)
    finally:
        root.removeHandler(handler)


def test_a_log_format_other_than_text_or_json_is_refused(tmp_path):
    from ostiary.settings import SettingsError

    with pytest.raises(SettingsError, match="log_format"):
        main({}, **base_settings(tmp_path), **{"ostiary.log_format": "xml"})


def test_request_id_does_not_break_webtest_apps(tmp_path):
    app = main({}, **base_settings(tmp_path))
    try:
        assert webtest.TestApp(app).get("/health/live").headers["X-Request-Id"]
    finally:
        close_app(app)
