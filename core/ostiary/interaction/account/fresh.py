"""Who is signed in to the console, and the fresh sign-in that sensitive
actions need.

A person who signed in hours ago and left the browser open must not let
whoever sits down next change the password or delete the account. So a
sensitive action asks for a sign-in no older than
``ostiary.account.reauthenticate_after`` seconds (or a limit of the
caller's own: the admin console passes ``admin_console.reauthenticate_after``),
the way a client's ``max_age`` does at the authorize endpoint: the person
signs in again and comes back to the page they were on.

The way back is a *console return*: a relative path under ``/account``
(the account console) or ``/admin`` (the admin console) that the login
page accepts as ``returnUrl`` besides the authorize endpoint's return
URLs, and nothing else (never another host, never the login or logout
pages themselves, never the admin API, which a browser has no business
being sent to).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from pyramid.httpexceptions import HTTPSeeOther

from ...models.util import now

_UNSAFE = re.compile(r"[\\\x00-\x1f\x7f]")
#: The roots of the consoles a sign-in may come back to.
RETURN_ROOTS = ("/account", "/admin")
_NOT_RETURNS = ("/account/login", "/account/logout", "/account/external", "/admin/api")


def is_console_return(url: str | None) -> bool:
    """Whether ``url`` is a console page the login page may send a person back to."""
    if not url or not url.startswith(RETURN_ROOTS) or url.startswith("//"):
        return False
    decoded = unquote(url)
    if _UNSAFE.search(url) or _UNSAFE.search(decoded):
        return False
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or parts.fragment:
        return False
    path = parts.path
    if "//" in unquote(path) or "/." in unquote(path):
        return False
    if not any(path == root or path.startswith(root + "/") for root in RETURN_ROOTS):
        return False  # not /accounting, /administrator
    return not any(path == p or path.startswith(p + "/") for p in _NOT_RETURNS)


#: The older name, for the login page and the sign-in steps: every console return.
is_account_return = is_console_return


def current_subject(request) -> str | None:
    """The subject of the signed-in person, or ``None``."""
    session = request.interaction.session
    return session.subject if session is not None else None


def current_user(request):
    """The signed-in person as their user store answers them, or ``None``
    (nobody signed in, or the store no longer knows the subject)."""
    subject = current_subject(request)
    return request.plugins.user_by_subject(subject=subject) if subject else None


def _back_to(request, target: str | None) -> str:
    # A POST cannot be replayed after a sign-in: the person comes back to
    # the page (the GET of the same path) and submits again.
    target = target or (request.path_qs if request.method in ("GET", "HEAD") else request.path)
    return target if is_console_return(target) else request.route_path("account")


def sign_in_first(request, target: str | None = None) -> HTTPSeeOther:
    """The redirect to the login page that brings the person back to
    ``target`` (default: this page) once signed in."""
    return HTTPSeeOther(request.route_path("login", _query={"returnUrl": _back_to(request, target)}))


def require_signed_in(request, target: str | None = None):
    """``None`` when someone is signed in, else the redirect through sign-in."""
    return None if request.interaction.session is not None else sign_in_first(request, target)


def is_fresh(request, max_age: int | None = None) -> bool:
    """Whether the current sign-in is at most ``max_age`` seconds old
    (default: ``ostiary.account.reauthenticate_after``)."""
    session = request.interaction.session
    if session is None or not session.auth_time:
        return False
    limit = request.registry.ostiary_settings.account_reauthenticate_after if max_age is None else max_age
    return now() - session.auth_time <= limit


def require_fresh_sign_in(request, target: str | None = None, *, max_age: int | None = None):
    """``None`` when the person signed in at most ``max_age`` seconds ago
    (default: ``ostiary.account.reauthenticate_after``; a console with a
    limit of its own passes it); otherwise the redirect through the login
    page back to ``target`` (default: this page; for a POST, the page the
    form is on, under ``/account`` or ``/admin``), which the view returns as
    it is.

    Call it first in every view of a sensitive action, on GET (so the form
    is not shown to a stale session) and on POST (so it is not accepted)."""
    return None if is_fresh(request, max_age) else sign_in_first(request, target)
