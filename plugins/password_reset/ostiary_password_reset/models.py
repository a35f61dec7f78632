"""The password-reset plugin's data, under its own key of the ZODB root mapping."""

from __future__ import annotations

from ostiary_accounts.models import AccountData, container

KEY = "ostiary_password_reset"


def get(request, create: bool = False) -> AccountData | None:
    return container(request, KEY, AccountData, create)
