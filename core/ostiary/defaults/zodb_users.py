"""Built-in user store: users kept in the Ostiary ZODB database, passwords
hashed with argon2id, accounts locked after repeated failures."""

from ..hookspecs import AccountCapabilities, hookimpl
from ..models.users import User, UserError
from ..models.util import now
from ..passwords import get_passwords


def _settings(request):
    return request.registry.ostiary_settings


@hookimpl(trylast=True)
def ostiary_user_by_username(request, username):
    return request.ostiary_root.users.by_login(username)


@hookimpl(trylast=True)
def ostiary_user_by_subject(request, subject):
    return request.ostiary_root.users.get(subject)


@hookimpl(trylast=True)
def ostiary_verify_credentials(request, username, password):
    passwords = get_passwords(request)
    user = request.ostiary_root.users.by_login(username)
    if user is None:
        passwords.verify(None, password)  # same cost as a wrong password
        return None
    when = now()
    if not user.active or user.is_locked(when):
        passwords.verify(None, password)
        return False
    if not passwords.verify(user.password_hash, password):
        settings = _settings(request)
        user.failed_logins += 1
        if user.failed_logins >= settings.max_failed_logins:
            user.locked_until = when + settings.lockout_seconds
            user.failed_logins = 0
        return False
    if user.failed_logins:
        user.failed_logins = 0
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return user


@hookimpl(trylast=True)
def ostiary_create_user(request, username, email, password, claims):
    users = request.ostiary_root.users
    try:
        user = users.add(User(username, email, claims))
    except UserError as exc:
        raise ValueError(str(exc)) from None
    # No password (a user provisioned by external login): no hash, so no
    # password ever matches until one is set.
    user.password_hash = get_passwords(request).hash(password) if password is not None else None
    return user


@hookimpl(trylast=True)
def ostiary_set_password(request, subject, password):
    user = request.ostiary_root.users.get(subject)
    if user is None:
        return None
    user.password_hash = get_passwords(request).hash(password)
    user.failed_logins = 0
    user.locked_until = 0
    return True


@hookimpl(trylast=True)
def ostiary_update_claims(request, subject, claims):
    user = request.ostiary_root.users.get(subject)
    if user is None:
        return None
    for name, value in claims.items():
        if value is None:  # the account console clears a claim this way
            user.claims.pop(name, None)
        else:
            user.claims[name] = value
    return True


@hookimpl(trylast=True)
def ostiary_list_users(request, offset, limit, search):
    users = sorted(request.ostiary_root.users, key=lambda u: u.username.casefold())
    if search:
        needle = search.casefold()
        users = [u for u in users if needle in u.username.casefold() or needle in (u.email or "").casefold()]
    return users[offset : None if limit is None else offset + limit]


@hookimpl(trylast=True)
def ostiary_set_active(request, subject, active):
    user = request.ostiary_root.users.get(subject)
    if user is None:
        return None
    # Only a flag: ostiary_is_active refuses a disabled user at sign-in, at
    # the token endpoint and at userinfo. Enabling also ends a lockout.
    user.active = active
    if active:
        user.failed_logins = 0
        user.locked_until = 0
    return True


# -- the account console (issue 12) ------------------------------------------

#: The profile claims a person may edit in the built-in store (OpenID Connect
#: Core 5.1); email, email_verified and the phone pair have flows of their own.
EDITABLE_CLAIMS = (
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
)


@hookimpl(trylast=True)
def ostiary_account_capabilities(request, subject):
    user = request.ostiary_root.users.get(subject)
    if user is None:
        return None
    return AccountCapabilities(
        claims=EDITABLE_CLAIMS, password=True, email=True, delete=True, has_password=user.password_hash is not None
    )


@hookimpl(trylast=True)
def ostiary_set_email(request, subject, email, verified):
    users = request.ostiary_root.users
    user = users.get(subject)
    if user is None:
        return None
    try:
        users.set_email(user, email)
    except UserError as exc:
        raise ValueError(str(exc)) from None
    user.claims["email_verified"] = bool(verified)
    return True


@hookimpl(trylast=True)
def ostiary_delete_user(request, subject):
    return True if request.ostiary_root.users.remove(subject) is not None else None
