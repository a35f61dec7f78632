"""People: search, read, create, disable/enable, unlock, set a password,
remove; their sessions and linked logins.

Every operation goes through the user-store hooks (``request.plugins``),
so it manages the built-in store, the ASP.NET Identity store or a third
party's alike. A store that cannot do an operation (no enabled plugin
implements its hook) is a :class:`Conflict` saying so, never a write to a
store nobody reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..interaction.service import get_interaction
from ..models.util import now
from . import audit
from .errors import Conflict, NotFound, ValidationError
from .paging import MAX_LIMIT, page
from .sessions import as_data as session_data

#: What each action needs of the store, for the one line when it cannot.
ACTIONS = {
    "create_user": "add users",
    "list_users": "list users",
    "set_password": "set passwords",
    "set_active": "disable or enable users",
    "delete_user": "remove users",
}

#: The claim that holds a person's roles, and the role of an administrator
#: (for the web console: a person whose ``roles`` claim contains it).
ROLES_CLAIM = "roles"
ADMIN_ROLE = "ostiary-admin"


def require(request, hook: str) -> None:
    """A :class:`Conflict` when no enabled plugin implements ``ostiary_<hook>``."""
    if not request.plugins.implements(hook):
        raise Conflict(f"the enabled user store cannot {ACTIONS[hook]} (no enabled plugin implements ostiary_{hook})")


def is_admin(user) -> bool:
    """Whether ``user`` holds the admin role: its ``roles`` claim (a list,
    or one space-separated string) contains ``ostiary-admin``."""
    roles = (getattr(user, "claims", None) or {}).get(ROLES_CLAIM) or ()
    if isinstance(roles, str):
        roles = roles.split()
    return ADMIN_ROLE in roles


def as_data(user) -> dict:
    """A user as JSON (never a password or its hash)."""
    locked_until = getattr(user, "locked_until", None) or 0
    return {
        "subject": user.subject,
        "username": user.username,
        "email": user.email,
        "active": bool(getattr(user, "active", True)),
        "locked_until": locked_until if locked_until > now() else None,
        "claims": {k: v for k, v in dict(getattr(user, "claims", None) or {}).items()},
    }


def _find(request, subject):
    # By subject; a store that cannot look subjects up (only the username
    # hook) is still reachable by username, as the command line names people.
    if not isinstance(subject, str) or not subject:
        raise NotFound(f"no user {subject!r}")
    user = request.plugins.user_by_subject(subject) or request.plugins.user_by_username(subject)
    if user is None:
        raise NotFound(f"no user {subject!r}")
    return user


def _reread(request, user) -> dict:
    """``user`` as the store holds it after a change (the object read
    before, where the store cannot look subjects up)."""
    return as_data(request.plugins.user_by_subject(user.subject) or user)


def find_subject(request, login: str) -> str:
    """The subject of the user with this subject, username or email."""
    user = request.plugins.user_by_subject(login) or request.plugins.user_by_username(login)
    if user is None:
        raise NotFound(f"no user {login!r}")
    return user.subject


def list_users(request, *, search: str | None = None, offset: int = 0, limit: int | None = None) -> dict:
    """Users whose username or email contains ``search``, by username."""
    require(request, "list_users")
    paged = page([], offset, limit)  # checks offset and limit
    users = request.plugins.list_users(offset=0, limit=None, search=search or None) or []
    result = page([as_data(u) for u in users], paged["offset"], limit or MAX_LIMIT)
    return result


def factors_of(request, user) -> list[str]:
    """The names of the authentication methods ``user`` has enrolled
    (beyond the password)."""
    return [
        name
        for name, method in request.plugins.authentication_methods().items()
        if name != "password" and method.enrolled(request, user)
    ]


def get_user(request, subject: str) -> dict:
    """One user, with its enrolled factors, sessions and linked logins."""
    user = _find(request, subject)
    data = as_data(user)
    data["factors"] = factors_of(request, user)
    root = request.ostiary_root
    data["sessions"] = [session_data(s) for s in root.sessions.of_subject(subject) if not s.is_expired()]
    data["links"] = [
        {"provider": link.provider, "upstream_subject": link.upstream_subject}
        for link in root.federation.links_of(subject)
    ]
    return data


def _text(value, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("expected a non-empty string", field)
    return value


def create_user(request, actor: str, username, *, email=None, password=None, claims: Mapping | None = None) -> dict:
    """Add a user to the enabled store (``password`` None: no usable
    password, as for a person who signs in only through a provider)."""
    require(request, "create_user")
    if not isinstance(username, str) or not username.strip():
        raise ValidationError("the username must not be empty", "username")
    _text(email, "email", optional=True)
    _text(password, "password", optional=True)
    if claims is not None and not isinstance(claims, Mapping):
        raise ValidationError("expected an object of claims", "claims")
    if password is not None:
        _check_policy(request, password, username, email)
    try:
        user = request.plugins.create_user(username, email, password, dict(claims or {}))
    except ValueError as exc:  # the store's refusal, safe to show
        raise Conflict(str(exc)) from None
    if user is None:
        raise Conflict(f"no enabled user store took {username!r}")
    audit.record(request, actor, "user", "created", user.subject)
    return as_data(user)


def set_active(request, actor: str, subject: str, active: bool) -> dict:
    """Disable (refused at sign-in, at the token endpoint and at userinfo)
    or enable a user; enabling also ends a lockout."""
    require(request, "set_active")
    if not isinstance(active, bool):
        raise ValidationError("expected true or false", "active")
    user = _find(request, subject)
    if not request.plugins.set_active(user.subject, active):
        raise Conflict(f"the store of {user.username!r} cannot disable or enable it")
    audit.record(request, actor, "user", "enabled" if active else "disabled", user.subject)
    return {**_reread(request, user), "active": active}


def unlock(request, actor: str, subject: str) -> dict:
    """End a lockout after failed sign-ins (the store forgets the failures)."""
    require(request, "set_active")
    user = _find(request, subject)
    if not getattr(user, "active", True):
        raise Conflict(f"{user.username!r} is disabled, not locked: enable it")
    request.plugins.set_active(user.subject, True)
    audit.record(request, actor, "user", "unlocked", user.subject)
    return {**_reread(request, user), "locked_until": None}


def reset_factors(request, actor: str, subject: str) -> dict:
    """Forget every factor the person has enrolled, through each method's
    own :meth:`~ostiary.hookspecs.AuthenticationMethod.reset` (for a lost
    phone or a stolen key): their next sign-in is the password alone, and
    a policy that demands a further factor has them set one up. ``reset``
    names the methods forgotten, ``kept`` those that cannot be reset here
    (their factors live elsewhere). Sessions stay: end them too if a
    device was stolen."""
    user = _find(request, subject)
    reset, kept = [], []
    for name in factors_of(request, user):
        forgotten = request.plugins.authentication_methods()[name].reset(request, user)
        (kept if forgotten is None else reset).append(name)
    audit.record(request, actor, "user", "factors_reset", user.subject, methods=" ".join(reset) or "-")
    return {"subject": user.subject, "username": user.username, "reset": reset, "kept": kept}


def _check_policy(request, password: str, username: str | None, email: str | None) -> None:
    """The one password policy (core's and the plugins' rules), as the
    console, registration and password reset apply it."""
    problem = request.plugins.password_problem(password, username=username, email=email)
    if problem is not None:
        raise ValidationError(f"password refused: {request.localizer.translate(problem)}", "password")


def set_password(request, actor: str, subject: str, password) -> dict:
    """Set a user's password (which also unlocks it in the stores)."""
    require(request, "set_password")
    _text(password, "password")
    user = _find(request, subject)
    _check_policy(request, password, user.username, user.email)
    try:
        changed = request.plugins.set_password(user.subject, password)
    except ValueError as exc:  # a password policy's refusal
        raise ValidationError(str(exc), "password") from None
    if not changed:
        raise Conflict(f"the store of {user.username!r} cannot set its password")
    audit.record(request, actor, "user", "password_set", user.subject)
    return _reread(request, user)


def remove_user(request, actor: str, subject: str) -> dict:
    """Remove a user: its sessions end (their clients are told by
    back-channel logout), its refresh tokens, consents and linked logins
    go, plugins forget what they keep of the person (``ostiary_account_deleted``,
    as when people delete their own account), then the store forgets it
    (``ostiary_delete_user``)."""
    require(request, "delete_user")
    user = _find(request, subject)
    root = request.ostiary_root
    ended = get_interaction(request).revoke_user(user.subject)
    for consent in root.grants.consents_of(user.subject):
        root.grants.forget_consent(consent.subject, consent.client_id)
    for link in root.federation.links_of(user.subject):
        root.federation.remove_link(link.provider, link.upstream_subject)
    request.plugins.account_deleted(user.subject)
    if not request.plugins.delete_user(user.subject):
        raise Conflict(f"the store of {user.username!r} cannot remove it")
    trail = getattr(root, "audit", None)
    if trail is not None:  # the person's history goes with them; this removal stays on record
        trail.forget_subject(user.subject)
    audit.record(request, actor, "user", "removed", user.subject)
    return {"subject": user.subject, "username": user.username, "ended": ended}


def unblock_address(request, actor: str, address) -> dict:
    """Forget the failed sign-ins of a client address (the login throttle)."""
    _text(address, "address")
    entries = request.ostiary_root.login_throttle.entries
    if address not in entries:
        raise NotFound(f"the address {address!r} is not throttled")
    del entries[address]
    audit.record(request, actor, "throttle", "unblocked", address)
    return {"address": address}
