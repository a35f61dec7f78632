"""The registration plugin's data, under its own key of the ZODB root mapping."""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from ostiary_accounts.models import AccountData, container, first_step

KEY = "ostiary_registration"


class RegistrationData(AccountData):
    """Confirmation tokens, rate limits, and the accounts not confirmed yet."""

    def __init__(self):
        super().__init__()
        self.unverified = OOBTree()  # subject -> email address awaiting confirmation


#: The evolve steps of this data (``ostiary_evolve_steps``); only ever append.
EVOLVE_STEPS = (first_step(KEY, RegistrationData),)


def get(request, create: bool = False) -> RegistrationData | None:
    return container(request, KEY, RegistrationData, create)


def is_unverified(request, subject: str) -> bool:
    data = get(request)
    return data is not None and subject in data.unverified
