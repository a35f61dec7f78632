"""``/health/live`` and ``/health/ready``: JSON, no secrets, no store."""

from __future__ import annotations

from ostiary.testing import transaction_root


def test_live_answers_while_the_process_runs(app):
    response = app.get("/health/live")
    assert response.status_int == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # a probe every second makes no sessions


def test_ready_checks_the_database_and_the_signing_key(app):
    response = app.get("/health/ready")
    assert response.status_int == 200
    assert response.json == {"status": "ok", "checks": {"accepting": True, "database": True, "signing_key": True}}
    assert "Set-Cookie" not in response.headers


def test_ready_fails_without_a_signing_key_and_says_which_check(app):
    with transaction_root(app.app) as root:
        for key in root.keys.keys:
            key.retired_at = 1  # every key retired long ago: nothing signs
    response = app.get("/health/ready", expect_errors=True)
    assert response.status_int == 503 and response.headers["Retry-After"] == "5"
    assert response.json["status"] == "unavailable"
    assert response.json["checks"] == {"accepting": True, "database": True, "signing_key": False}


def test_ready_fails_once_the_app_is_shutting_down(app):
    app.app.registry.ostiary_closing = True
    response = app.get("/health/ready", expect_errors=True)
    assert response.status_int == 503 and response.json["checks"] == {"accepting": False}
    assert app.get("/health/live").status_int == 200
