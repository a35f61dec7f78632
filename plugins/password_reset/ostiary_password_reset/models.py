"""The password-reset plugin's data, under its own key of the ZODB root mapping."""

from __future__ import annotations

from ostiary_accounts.models import AccountData, container, first_step

KEY = "ostiary_password_reset"


#: The evolve steps of this data (``ostiary_evolve_steps``); only ever append.
EVOLVE_STEPS = (first_step(KEY),)


def get(request, create: bool = False) -> AccountData | None:
    return container(request, KEY, AccountData, create)
