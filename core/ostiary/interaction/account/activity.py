"""Routes of the account sections about what happened to the account: its
sessions and devices, and its history."""

from __future__ import annotations

from . import history, sessions


def includeme(config):
    config.add_route("account_sessions", "/account/sessions")
    config.add_view(sessions.sessions_page, route_name="account_sessions", request_method=("GET", "HEAD"))
    config.add_view(sessions.sessions_end, route_name="account_sessions", request_method="POST")
    config.add_route("account_history", "/account/history")
    config.add_view(history.history_page, route_name="account_history", request_method=("GET", "HEAD"))
