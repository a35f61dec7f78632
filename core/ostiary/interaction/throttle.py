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
