"""The hook implementations: a user store and a profile service on an
ASP.NET Core Identity database.

One SQLAlchemy session per request, joined to the request's transaction
(``pyramid_tm`` through ``zope.sqlalchemy``): the Identity database and
Ostiary's own commit together, and a retried request retries both.

The security stamp
------------------
ASP.NET changes ``AspNetUsers.SecurityStamp`` when a password, email or
phone number changes, or when an administrator calls
``UpdateSecurityStampAsync`` to sign a user out everywhere. Ostiary keeps
the stamp it saw at the user's last sign-in in the Identity database
itself, as an ``AspNetUserTokens`` row (LoginProvider ``Ostiary``, Name
``SecurityStamp``), so every Ostiary process sees it and nothing lives in
process memory. Then:

* ``ostiary_is_active`` answers ``False`` while the stamp differs from the
  recorded one (authorize with an existing session, code exchange,
  refresh, userinfo), so nothing issued before the change works again:
  the person must sign in anew. At sign-in itself (caller ``login``) it
  only decides, and lets the person in: signing in is the remedy.
* ``ostiary_signed_in``, after any sign-in that succeeded (a password, an
  external provider, a mailed link), records the current stamp; when it
  changed since the last one, it first ends every other SSO session and
  revokes every refresh token of the user
  (``request.interaction.revoke_user``). A sign-in that another plugin
  refused after the password changes nothing.
"""

from __future__ import annotations

import logging

import zope.sqlalchemy
from sqlalchemy.orm import Session
from zope.sqlalchemy.datamanager import STATUS_CHANGED

from ostiary.plugin import AccountCapabilities, Caller, hookimpl, plugin_settings

from . import methods
from .claims import user_claims
from .config import SETTINGS, Options
from .store import IdentityStore, SignIn

log = logging.getLogger(__name__)


def get_store(request) -> IdentityStore:
    """The deployment's :class:`~.store.IdentityStore`, built at start-up."""
    return request.registry.aspnet_identity


def _request_session(request) -> Session:
    """Request method ``request.aspnet_identity_db``."""
    session = Session(get_store(request).engine)
    zope.sqlalchemy.register(session, initial_state=STATUS_CHANGED, transaction_manager=request.tm)
    return session


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    registry = config.registry
    options = Options(**vars(plugin_settings(registry, "aspnet_identity")))
    registry.aspnet_identity = IdentityStore(options)
    config.add_request_method(_request_session, "aspnet_identity_db", reify=True)


# -- user store ------------------------------------------------------------------


@hookimpl
def ostiary_user_by_username(request, username):
    store, db = get_store(request), request.aspnet_identity_db
    return store.with_claims(db, store.find_for_login(db, username))


@hookimpl
def ostiary_user_by_subject(request, subject):
    store, db = get_store(request), request.aspnet_identity_db
    return store.with_claims(db, store.find(db, subject))


@hookimpl
def ostiary_verify_credentials(request, username, password):
    store, db = get_store(request), request.aspnet_identity_db
    outcome, user = store.check_password_sign_in(db, username, password)
    if outcome is SignIn.UNKNOWN:
        return None
    if outcome is SignIn.REQUIRES_TWO_FACTOR and methods.has_second_factor_here(store, db, user):
        # the password was right; core asks for the second factor next
        # (the methods below are enrolled for this user)
        return store.with_claims(db, user)
    if outcome is not SignIn.SUCCESS:
        log.info("sign-in of %s refused: %s", user.subject, outcome.value)
        return False
    return store.with_claims(db, user)


@hookimpl
def ostiary_create_user(request, username, email, password, claims):
    store = get_store(request)
    return store.create(request.aspnet_identity_db, username, email, password, claims)


@hookimpl
def ostiary_set_password(request, subject, password):
    changed = get_store(request).set_password(request.aspnet_identity_db, subject, password) or None
    if changed:
        _refresh_sign_in(request, subject)
    return changed


def _refresh_sign_in(request, subject) -> None:
    """The security stamp changed: as ``SignInManager.RefreshSignInAsync``
    after a change in ASP.NET, the person's own session (the console's)
    carries on under the new stamp, and their other sessions end now
    rather than at their next token request. Nothing when someone else
    changed it (a password reset link, an operator)."""
    session = request.interaction.session
    if session is None or session.subject != subject:
        return
    store, db = get_store(request), request.aspnet_identity_db
    store.record_stamp(db, subject, store.find(db, subject).security_stamp)
    request.interaction.revoke_user(subject, keep=session)


# -- the account console (issue 12) ---------------------------------------------------

#: Profile claims kept in AspNetUserClaims (the schema has no columns for them)
EDITABLE_CLAIMS = ("name", "given_name", "family_name", "nickname", "picture", "website", "zoneinfo", "locale")


@hookimpl
def ostiary_account_capabilities(request, subject):
    user = get_store(request).find(request.aspnet_identity_db, subject)
    if user is None:
        return None
    return AccountCapabilities(
        claims=EDITABLE_CLAIMS, password=True, email=True, delete=True, has_password=user.password_hash is not None
    )


@hookimpl
def ostiary_set_email(request, subject, email, verified):
    changed = get_store(request).change_email(request.aspnet_identity_db, subject, email, verified) or None
    if changed:
        _refresh_sign_in(request, subject)
    return changed


@hookimpl
def ostiary_delete_user(request, subject):
    return get_store(request).delete_user(request.aspnet_identity_db, subject) or None


@hookimpl
def ostiary_update_claims(request, subject, claims):
    return get_store(request).update_claims(request.aspnet_identity_db, subject, claims) or None


@hookimpl
def ostiary_list_users(request, offset, limit, search):
    return get_store(request).list(request.aspnet_identity_db, offset, limit, search)


@hookimpl
def ostiary_set_active(request, subject, active):
    return get_store(request).set_active(request.aspnet_identity_db, subject, active) or None


# -- profile service ---------------------------------------------------------------


@hookimpl
def ostiary_profile_claims(request, subject, requested_claims):
    store, db = get_store(request), request.aspnet_identity_db
    user = store.find(db, subject)
    if user is None:
        return {}
    return {name: value for name, value in user_claims(db, store.tables, user).items() if name in requested_claims}


@hookimpl
def ostiary_is_active(request, subject, caller):
    store, db = get_store(request), request.aspnet_identity_db
    user = store.find(db, subject)
    if user is None:
        # Not this store's user: active only if another store knows it.
        return None if request.plugins.user_by_subject(subject=subject) else False
    if caller == Caller.LOGIN:
        return None  # the sign-in records the new stamp (ostiary_signed_in)
    if store.recorded_stamp(db, subject) != (user.security_stamp or ""):
        return False
    return None


@hookimpl
def ostiary_signed_in(request, user, session):
    store, db = get_store(request), request.aspnet_identity_db
    found = store.find(db, user.subject)
    if found is None:
        return
    current = found.security_stamp or ""
    recorded = store.recorded_stamp(db, found.subject)
    if recorded == current:
        return
    if recorded is not None:
        log.info("security stamp of %s changed: ending its other sessions and refresh tokens", found.subject)
        request.interaction.revoke_user(found.subject, keep=session)
    store.record_stamp(db, found.subject, current)


# -- two-factor users: their authenticator app and recovery codes -----------------


@hookimpl
def ostiary_authentication_methods(request):
    return [methods.AspNetAuthenticator(), methods.AspNetRecoveryCode()]


@hookimpl
def ostiary_gallery_pages(request):
    return methods.gallery(request)
