"""Fixtures of the functional tests that several files share."""

from admin_kit import admin, admin_clients, reader  # noqa: F401 - the admin API fixtures (issue 14)
