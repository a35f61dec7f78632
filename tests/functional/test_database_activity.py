"""The databases keep no per-connection activity log (pyramid_zodbconn's
ActivityMonitor grew by an entry per request, kept for an hour)."""

from ostiary.testing import client_post


def test_requests_leave_no_activity_log(app):
    databases = app.app.registry._zodb_databases.values()
    assert databases
    for _ in range(3):
        response = client_post(app, "/connect/token", {"grant_type": "client_credentials"})
        assert response.status_int == 200
    for db in databases:
        assert db.getActivityMonitor() is None
