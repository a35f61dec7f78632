"""Throttling of failed sign-ins per client address.

The per-account lockout (``ostiary.max_failed_logins``) stops guessing one
account's password, but on its own it lets anyone lock anyone out, and it
never slows an attacker who tries one password on many accounts. So the
login page also counts failures per client address: after
``ostiary.login_throttle_failures`` of them within
``ostiary.login_throttle_window`` seconds the address is refused for
``ostiary.login_throttle_seconds``, doubled for each block that follows.

While refused, the page answers exactly as for a wrong password (same
message, and a password hash is still verified, so the same time), the
credentials are not checked at all, and nothing counts against the account:
an attacker's address runs out of attempts long before the account it is
guessing at locks for its owner.

The address is ``REMOTE_ADDR``. The server (waitress, or waitress's proxy
middleware under granian) replaces it with the X-Forwarded-For address only
when the request came from ``trusted_proxy``; a client's own header is never
taken for its address. IPv6 addresses count by /64, the block one
subscriber usually holds.
"""

from __future__ import annotations

import ipaddress

from ..models.throttle import Budget
from ..passwords import get_passwords


def client_address(request) -> str:
    """The key failures from this request's client are counted under."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown:" + raw[:64]
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _budget(request) -> Budget:
    settings = request.registry.ostiary_settings
    return Budget(settings.login_throttle_failures, settings.login_throttle_window, settings.login_throttle_seconds)


def refused(request, password: str) -> bool:
    """Whether this request's address is over its budget. When it is, spend
    the time a wrong password costs, so the answer does not tell."""
    if not request.ostiary_root.login_throttle.blocked(client_address(request)):
        return False
    get_passwords(request).verify(None, password)
    return True


def count_failure(request) -> None:
    """Count one failed sign-in against this request's address."""
    request.ostiary_root.login_throttle.failed(client_address(request), _budget(request))


# -- failed further factors, per account (issue 13) ------------------------------
#
# A user store locks an account after ``ostiary.max_failed_logins`` wrong
# passwords, but a right password resets its count: a one-time code checked
# after it could be guessed forever. So every failed factor (and every
# refusal of ``ostiary_check_login``) also counts here, under the account's
# subject, and a right password does not wipe it: ``ostiary.max_failed_logins``
# failures within ``ostiary.lockout_seconds`` (at least the throttle window)
# lock the account's sign-ins for ``ostiary.lockout_seconds``, doubled for each
# lock that follows soon after.


def _account_key(subject: str) -> str:
    return "account:" + subject


def _account_budget(request) -> Budget:
    settings = request.registry.ostiary_settings
    window = max(settings.lockout_seconds, settings.login_throttle_window)
    return Budget(settings.max_failed_logins, window, settings.lockout_seconds)


def refused_quietly(request) -> bool:
    """Whether this request's address is over its budget (no password to
    spend time on: a further step's answer is the same either way)."""
    return request.ostiary_root.login_throttle.blocked(client_address(request))


def account_blocked(request, subject: str) -> bool:
    """Whether ``subject`` is locked after too many failed factors."""
    return request.ostiary_root.login_throttle.blocked(_account_key(subject))


def count_account_failure(request, subject: str) -> bool:
    """Count one failed factor of ``subject``; True when that locked it."""
    return request.ostiary_root.login_throttle.failed(_account_key(subject), _account_budget(request))
