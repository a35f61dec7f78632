"""The console's pages.

Every view first checks that a person is signed in and holds the admin
role (:func:`ostiary.plugin.admin.is_admin`); actions that destroy or lock
out (deleting, disabling, rotating a secret or the keys, ending sessions)
also need a recent sign-in: core's guard of sensitive actions
(:func:`ostiary.plugin.require_fresh_sign_in`, the account console's too)
with the console's own limit, ``admin_console.reauthenticate_after``, sends
a stale administrator through the login page and back to the page they
were on. Every change goes through the service layer
with the administrator as the actor (``admin:<subject>``), so it is
audited like a change through the API or the command line. Forms post
with the CSRF token that Ostiary checks on every POST.
"""

from __future__ import annotations

import json
import time

from pyramid.httpexceptions import HTTPSeeOther

from ostiary.plugin import admin, render_page, require_fresh_sign_in, translate

from . import pages
from .pages import TEMPLATES, _


class Admin:
    """The signed-in administrator of a request."""

    def __init__(self, session, user):
        self.session = session
        self.user = user
        self.actor = admin.person_actor(user.subject)


def _login_url(request) -> str:
    return request.route_path("login")


def _guard(request):
    """``(Admin, None)`` for an administrator, else ``(None, response)``."""
    session = request.interaction.session
    if session is None:
        values = pages.denied(request, False, _login_url(request))
        return None, render_page(request, TEMPLATES + "denied.pt", values, 401)
    user = request.plugins.user_by_subject(subject=session.subject)
    if user is None or not admin.is_admin(user):
        values = pages.denied(request, True, _login_url(request))
        return None, render_page(request, TEMPLATES + "denied.pt", values, 403)
    return Admin(session, user), None


def _fresh(request, who: Admin):
    """None when ``who`` signed in recently enough for a destructive action,
    else the redirect through the login page back to this page (for a POST,
    the page its form is on: the confirmation of a delete, the client's or
    the user's page), where the administrator submits again.

    The limit is the console's own, ``admin_console.reauthenticate_after``,
    not the account console's: an operator may want administrators to
    confirm who they are more often than everybody else."""
    limit = request.registry.ostiary_admin_console_settings.reauthenticate_after
    return require_fresh_sign_in(request, max_age=limit)


def admin_only(*, fresh: bool = False):
    """Decorate a view ``view(request, who)`` that only a signed-in
    administrator may use (anyone else: 401 or 403), with ``fresh`` one
    who signed in recently enough for a destructive action. The view Pyramid
    sees takes the request alone."""

    def decorate(view):
        def guarded(request):
            who, refused = _guard(request)
            if refused:
                return refused
            if fresh:
                stale = _fresh(request, who)
                if stale:
                    return stale
            return view(request, who)

        # Not functools.wraps: Pyramid would read the wrapped (request, who)
        # signature and take the view for a (context, request) one.
        guarded.__name__, guarded.__doc__, guarded.__module__ = view.__name__, view.__doc__, view.__module__
        return guarded

    return decorate


def _page(request, name: str, values: dict, status: int = 200):
    return render_page(request, TEMPLATES + name, values, status)


def _offset(request) -> int:
    try:
        return max(0, int(request.params.get("offset", "0")))
    except ValueError:
        return 0


def _limit(request) -> int:
    return request.registry.ostiary_admin_console_settings.page_size


def _message(request, exc: admin.AdminError) -> str:
    return f"{exc.field}: {exc.detail}" if exc.field else exc.detail


# -- dashboard ---------------------------------------------------------------------


@admin_only()
def dashboard(request, who):
    """``GET /admin``: counts, the signing keys and when they are due."""
    counts = {
        "clients": admin.clients.list_clients(request, limit=1)["total"],
        "users": (admin.users.list_users(request, limit=1) or {}).get("total", 0),
        "sessions": admin.sessions.list_sessions(request, limit=1)["total"],
        "resources": admin.resources.list_resources(request, limit=1)["total"],
    }
    failed = admin.records.audit_trail(request, types="login.failed", limit=10)["items"]
    recent = admin.records.recent_errors(request, limit=10)["items"]
    values = pages.dashboard(request, counts, admin.keys.list_keys(request), errors=recent, failed=failed)
    return _page(request, "dashboard.pt", values)


# -- clients -------------------------------------------------------------------------


@admin_only()
def clients(request, who):
    """``GET /admin/clients?q=``: the list, with a search."""
    search = request.params.get("q", "").strip()
    found = admin.clients.list_clients(request, search=search or None, offset=_offset(request), limit=_limit(request))
    return _page(request, "clients.pt", pages.clients(request, found["items"], search, found["total"]))


def _posted_fields(request) -> tuple[dict, dict]:
    """The client fields of the posted form by their service-layer type,
    and the errors of fields that could not be read."""
    fields, errors = {}, {}
    for name, kind in admin.clients.FIELDS.items():
        base = kind.rstrip("?")
        raw = request.POST.get(name, "")
        if base == "bool":
            fields[name] = name in request.POST
        elif base == "list":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            fields[name] = None if kind == "list?" and not lines else lines  # empty: derived
        elif base == "jwks":
            if not raw.strip():
                fields[name] = None
            else:
                try:
                    fields[name] = json.loads(raw)
                except ValueError:
                    errors[name] = translate(request, _("Not valid JSON."))
        elif base in ("seconds", "whole"):
            if not raw.strip():
                fields[name] = None
            elif raw.strip().isdigit():
                fields[name] = int(raw.strip())
            else:
                errors[name] = translate(request, _("Enter a whole number of seconds."))
        elif kind.endswith("?"):
            fields[name] = raw.strip() or None
        else:
            fields[name] = raw.strip()
    return fields, errors


@admin_only()
def client_new(request, who):
    """``GET /admin/clients/new``: the empty form."""
    return _page(request, "client.pt", pages.client_form(request, None, dict(pages.NEW_CLIENT)))


@admin_only()
def client_create(request, who):
    """``POST /admin/clients/new``: create; a generated secret is shown once."""
    client_id = request.POST.get("client_id", "").strip()
    fields, errors = _posted_fields(request)
    typed = {**pages.NEW_CLIENT, **fields, "client_id": client_id}
    if errors:
        values = pages.client_form(
            request, None, typed, errors, translate(request, _("Please correct the marked fields."))
        )
        return _page(request, "client.pt", values, 400)
    if not fields.get("name"):
        fields["name"] = client_id
    try:
        made = admin.clients.create_client(request, who.actor, client_id, fields)
    except admin.AdminError as exc:
        values = pages.client_form(request, None, typed, {exc.field: exc.detail}, _message(request, exc))
        return _page(request, "client.pt", values, 400)
    if made["client_secret"]:
        return _page(request, "secret.pt", pages.secret(request, client_id, made["client_secret"]))
    return HTTPSeeOther(request.route_path("admin_console_client", client_id=client_id, _query={"saved": "1"}))


@admin_only()
def client_edit(request, who):
    """``GET /admin/clients/{client_id}``: every field, editable."""
    client_id = request.matchdict["client_id"]
    try:
        data = admin.clients.get_client(request, client_id)
    except admin.NotFound:
        return _not_found(request, "admin_console_clients")
    notice = translate(request, _("Saved.")) if request.params.get("saved") else None
    return _page(request, "client.pt", pages.client_form(request, client_id, data, notice=notice))


@admin_only()
def client_save(request, who):
    """``POST /admin/clients/{client_id}``: save the form; a client changed
    by someone else since the form was loaded is not overwritten."""
    client_id = request.matchdict["client_id"]
    try:
        current = admin.clients.get_client(request, client_id)
    except admin.NotFound:
        return _not_found(request, "admin_console_clients")
    fields, errors = _posted_fields(request)
    typed = {**current, **fields}
    if errors:
        values = pages.client_form(
            request, client_id, typed, errors, translate(request, _("Please correct the marked fields."))
        )
        return _page(request, "client.pt", values, 400)
    try:
        admin.clients.update_client(
            request, who.actor, client_id, fields, expected_version=request.POST.get("version") or None
        )
    except admin.PreconditionFailed:
        message = translate(
            request, _("Someone else changed this client meanwhile. The form shows the current values.")
        )
        return _page(request, "client.pt", pages.client_form(request, client_id, current, error=message), 409)
    except admin.AdminError as exc:
        values = pages.client_form(request, client_id, typed, {exc.field: exc.detail}, _message(request, exc))
        return _page(request, "client.pt", values, 400)
    return HTTPSeeOther(request.route_path("admin_console_client", client_id=client_id, _query={"saved": "1"}))


@admin_only(fresh=True)
def client_rotate(request, who):
    """``POST /admin/clients/{client_id}/rotate``: a new secret, shown once;
    the old one stops working at once."""
    client_id = request.matchdict["client_id"]
    try:
        made = admin.clients.rotate_secret(request, who.actor, client_id)
    except admin.NotFound:
        return _not_found(request, "admin_console_clients")
    except admin.AdminError as exc:
        data = admin.clients.get_client(request, client_id)
        return _page(
            request, "client.pt", pages.client_form(request, client_id, data, error=_message(request, exc)), 409
        )
    return _page(request, "secret.pt", pages.secret(request, client_id, made["client_secret"]))


@admin_only()
def client_delete_confirm(request, who):
    """``GET /admin/clients/{client_id}/delete``: are you sure?"""
    client_id = request.matchdict["client_id"]
    values = pages.confirm(
        request,
        "admin_console_clients",
        _(
            "Delete client ${client}? Its refresh tokens are revoked and its consents forgotten.",
            mapping={"client": client_id},
        ),
        request.route_path("admin_console_client_delete", client_id=client_id),
        request.route_path("admin_console_client", client_id=client_id),
        _("Delete client"),
    )
    return _page(request, "confirm.pt", values)


@admin_only(fresh=True)
def client_delete(request, who):
    """``POST /admin/clients/{client_id}/delete``."""
    try:
        admin.clients.delete_client(request, who.actor, request.matchdict["client_id"])
    except admin.NotFound:
        return _not_found(request, "admin_console_clients")
    return HTTPSeeOther(request.route_path("admin_console_clients"))


def _not_found(request, section):
    values = pages.base(request, _("Not found"), section)
    values["error"] = translate(request, _("There is no such item (any more)."))
    return _page(request, "notfound.pt", values, 404)


# -- resources --------------------------------------------------------------------------


def resources(request, error=None, typed=None, status=200):
    """``GET /admin/resources``: identity resources and API scopes, and the
    form for a new one."""
    who, refused = _guard(request)
    if refused:
        return refused
    items = admin.resources.list_resources(request)["items"]
    notice = translate(request, _("Saved.")) if request.params.get("saved") else None
    values = pages.resources(request, items, error=error, typed=typed, notice=notice)
    return _page(request, "resources.pt", values, status)


@admin_only()
def resource_create(request, who):
    """``POST /admin/resources``: a new identity resource or API scope."""
    post = request.POST
    typed = {
        name: post.get(name, "").strip()
        for name in ("name", "kind", "display_name", "description", "claims", "audience")
    }
    fields = {
        "kind": typed["kind"],
        "display_name": typed["display_name"] or typed["name"],
        "description": typed["description"],
        "claims": typed["claims"].replace(",", " ").split(),
        "required": "required" in post,
        "emphasize": "emphasize" in post,
        "audience": typed["audience"] or None,
    }
    try:
        admin.resources.create_resource(request, who.actor, typed["name"], fields)
    except admin.AdminError as exc:
        return resources(request, error=_message(request, exc), typed=typed, status=400)
    return HTTPSeeOther(request.route_path("admin_console_resources", _query={"saved": "1"}))


@admin_only()
def resource_delete_confirm(request, who):
    """``GET /admin/resources/{name}/delete``: are you sure?"""
    name = request.matchdict["name"]
    values = pages.confirm(
        request,
        "admin_console_resources",
        _("Delete the scope ${name}? Clients that ask for it will be refused.", mapping={"name": name}),
        request.route_path("admin_console_resource_delete", name=name),
        request.route_path("admin_console_resources"),
        _("Delete scope"),
    )
    return _page(request, "confirm.pt", values)


@admin_only(fresh=True)
def resource_delete(request, who):
    """``POST /admin/resources/{name}/delete``."""
    try:
        admin.resources.delete_resource(request, who.actor, request.matchdict["name"])
    except admin.NotFound:
        return _not_found(request, "admin_console_resources")
    return HTTPSeeOther(request.route_path("admin_console_resources"))


# -- users --------------------------------------------------------------------------------


@admin_only()
def users(request, who):
    """``GET /admin/users?q=``: search, and the form to create one."""
    search = request.params.get("q", "").strip()
    try:
        found = admin.users.list_users(request, search=search or None, offset=_offset(request), limit=_limit(request))
    except admin.AdminError as exc:
        return _page(request, "users.pt", pages.users(request, [], search, 0, error=_message(request, exc)))
    return _page(request, "users.pt", pages.users(request, found["items"], search, found["total"]))


@admin_only()
def user_create(request, who):
    """``POST /admin/users``: create a user (the password is optional)."""
    typed = {"username": request.POST.get("username", "").strip(), "email": request.POST.get("email", "").strip()}
    try:
        made = admin.users.create_user(
            request,
            who.actor,
            typed["username"],
            email=typed["email"] or None,
            password=request.POST.get("password") or None,
        )
    except admin.AdminError as exc:
        found = admin.users.list_users(request, limit=_limit(request))
        values = pages.users(request, found["items"], "", found["total"], error=_message(request, exc), typed=typed)
        return _page(request, "users.pt", values, 400)
    return HTTPSeeOther(request.route_path("admin_console_user", subject=made["subject"], _query={"done": "created"}))


NOTICES = {
    "created": _("The user was created."),
    "disabled": _("The user was disabled."),
    "enabled": _("The user was enabled."),
    "unlocked": _("The user was unlocked."),
    "password": _("The password was set."),
    "ended": _("The user's sessions were ended."),
    "factors": _("The user's second factors were reset."),
}


@admin_only()
def user_detail(request, who):
    """``GET /admin/users/{subject}``: claims, state, sessions, linked logins, actions."""
    try:
        data = admin.users.get_user(request, request.matchdict["subject"])
    except admin.NotFound:
        return _not_found(request, "admin_console_users")
    done = NOTICES.get(request.params.get("done", ""))
    return _page(request, "user.pt", pages.user(request, data, notice=translate(request, done) if done else None))


#: The actions of the user page that need a recent sign-in.
DESTRUCTIVE_USER_ACTIONS = ("disable", "end_sessions", "password")


@admin_only()
def user_action(request, who):
    """``POST /admin/users/{subject}``: disable, enable, unlock, set the
    password, end every session."""
    subject = request.matchdict["subject"]
    action = request.POST.get("action", "")
    if action in DESTRUCTIVE_USER_ACTIONS:
        stale = _fresh(request, who)
        if stale:
            return stale
    try:
        if action in ("disable", "enable"):
            admin.users.set_active(request, who.actor, subject, action == "enable")
            done = action + "d"
        elif action == "unlock":
            admin.users.unlock(request, who.actor, subject)
            done = "unlocked"
        elif action == "password":
            admin.users.set_password(request, who.actor, subject, request.POST.get("password", ""))
            done = "password"
        elif action == "end_sessions":
            admin.sessions.end_sessions_of(request, who.actor, subject)
            done = "ended"
        else:
            raise admin.ValidationError("unknown action", "action")
    except admin.NotFound:
        return _not_found(request, "admin_console_users")
    except admin.AdminError as exc:
        data = admin.users.get_user(request, subject)
        return _page(request, "user.pt", pages.user(request, data, error=_message(request, exc)), 400)
    return HTTPSeeOther(request.route_path("admin_console_user", subject=subject, _query={"done": done}))


@admin_only()
def user_delete_confirm(request, who):
    """``GET /admin/users/{subject}/delete``: are you sure?"""
    subject = request.matchdict["subject"]
    try:
        data = admin.users.get_user(request, subject)
    except admin.NotFound:
        return _not_found(request, "admin_console_users")
    values = pages.confirm(
        request,
        "admin_console_users",
        _(
            "Delete user ${username}? Their sessions end, their tokens, consents and linked logins go.",
            mapping={"username": data["username"]},
        ),
        request.route_path("admin_console_user_delete", subject=subject),
        request.route_path("admin_console_user", subject=subject),
        _("Delete user"),
    )
    return _page(request, "confirm.pt", values)


@admin_only(fresh=True)
def user_delete(request, who):
    """``POST /admin/users/{subject}/delete``."""
    try:
        admin.users.remove_user(request, who.actor, request.matchdict["subject"])
    except admin.NotFound:
        return _not_found(request, "admin_console_users")
    except admin.AdminError as exc:
        values = pages.base(request, _("Users"), "admin_console_users")
        values["error"] = _message(request, exc)
        return _page(request, "notfound.pt", values, 409)
    return HTTPSeeOther(request.route_path("admin_console_users"))


@admin_only()
def user_factors_confirm(request, who):
    """``GET /admin/users/{subject}/factors``: reset every second factor, sure?"""
    subject = request.matchdict["subject"]
    try:
        data = admin.users.get_user(request, subject)
    except admin.NotFound:
        return _not_found(request, "admin_console_users")
    values = pages.confirm(
        request,
        "admin_console_users",
        _(
            "Reset the second factors of ${username}? Their authenticator app, passkeys and recovery codes "
            "are forgotten: they sign in with their password alone, or set a factor up where one is required.",
            mapping={"username": data["username"]},
        ),
        request.route_path("admin_console_user_factors", subject=subject),
        request.route_path("admin_console_user", subject=subject),
        _("Reset factors"),
    )
    return _page(request, "confirm.pt", values)


@admin_only(fresh=True)
def user_factors_reset(request, who):
    """``POST /admin/users/{subject}/factors``."""
    subject = request.matchdict["subject"]
    try:
        admin.users.reset_factors(request, who.actor, subject)
    except admin.NotFound:
        return _not_found(request, "admin_console_users")
    return HTTPSeeOther(request.route_path("admin_console_user", subject=subject, _query={"done": "factors"}))


# -- logout deliveries ---------------------------------------------------------------------------


@admin_only()
def deliveries(request, who):
    """``GET /admin/deliveries?client_id=&state=``: what became of each
    back-channel logout, per client (the outbox)."""
    client_id = request.params.get("client_id", "").strip()
    state = request.params.get("state", "").strip()
    try:
        found = admin.deliveries.list_deliveries(
            request, client_id=client_id or None, state=state or None, offset=_offset(request), limit=_limit(request)
        )
    except admin.ValidationError:  # an unknown state in the URL: every state
        state = ""
        found = admin.deliveries.list_deliveries(request, client_id=client_id or None, limit=_limit(request))
    return _page(request, "deliveries.pt", pages.deliveries(request, found, client_id, state))


# -- sessions ----------------------------------------------------------------------------------


@admin_only()
def sessions(request, who):
    """``GET /admin/sessions?subject=``: live SSO sessions."""
    subject = request.params.get("subject", "").strip()
    found = admin.sessions.list_sessions(
        request, subject=subject or None, offset=_offset(request), limit=_limit(request)
    )
    notice = translate(request, _("The session was ended.")) if request.params.get("ended") else None
    return _page(request, "sessions.pt", pages.sessions(request, found["items"], subject, notice))


@admin_only(fresh=True)
def session_end(request, who):
    """``POST /admin/sessions``: end one session (its clients are told)."""
    try:
        admin.sessions.end_session(request, who.actor, request.POST.get("sid", ""))
    except admin.NotFound:
        return _not_found(request, "admin_console_sessions")
    return HTTPSeeOther(request.route_path("admin_console_sessions", _query={"ended": "1"}))


# -- keys ------------------------------------------------------------------------------------------


@admin_only()
def keys(request, who):
    """``GET /admin/keys``: every key, its state, when rotation is due."""
    notice = translate(request, _("New keys were announced.")) if request.params.get("rotated") else None
    return _page(request, "keys.pt", pages.keys(request, admin.keys.list_keys(request), notice))


@admin_only(fresh=True)
def keys_rotate(request, who):
    """``POST /admin/keys``: announce new keys (they sign after the announcement time)."""
    admin.keys.rotate_keys(request, who.actor)
    return HTTPSeeOther(request.route_path("admin_console_keys", _query={"rotated": "1"}))


# -- errors --------------------------------------------------------------------------------------------


@admin_only()
def errors(request, who):
    """``GET /admin/errors?id=``: the detail behind an error id a person quotes."""
    error_id = request.params.get("id", "").strip()
    if not error_id:
        return _page(request, "errors.pt", pages.errors(request))
    try:
        record = admin.records.get_error(request, error_id)
    except admin.NotFound as exc:
        return _page(request, "errors.pt", pages.errors(request, error_id, error=exc.detail), 404)
    return _page(request, "errors.pt", pages.errors(request, error_id, record))


# -- audit trail -------------------------------------------------------------------------------------


@admin_only()
def audit(request, who):
    """``GET /admin/audit``: the stored audit trail, filtered by subject,
    client, event type and age."""
    filters = {name: request.params.get(name, "").strip() for name in ("subject", "client_id", "type", "days")}
    since = None
    if filters["days"]:
        if not filters["days"].isdigit():
            values = pages.audit(request, [], filters, error=translate(request, _("Enter a whole number of days.")))
            return _page(request, "audit.pt", values, 400)
        since = int(time.time()) - int(filters["days"]) * 86400
    found = admin.records.audit_trail(
        request,
        subject=filters["subject"] or None,
        client_id=filters["client_id"] or None,
        types=filters["type"] or None,
        since=since,
        limit=200,
    )
    return _page(request, "audit.pt", pages.audit(request, found["items"], filters))


# -- dynamic client registration ---------------------------------------------------------------------


@admin_only()
def registration(request, who):
    """``GET /admin/registration``: the initial access tokens."""
    return _registration_page(request)


def _registration_page(request, created=None, notice=None, error=None, status=200):
    mode = request.registry.ostiary_settings.client_registration
    tokens = admin.registration.list_initial_access_tokens(request)
    values = pages.registration(request, tokens, mode, created, notice)
    values["error"] = error
    return _page(request, "registration.pt", values, status)


@admin_only()
def registration_post(request, who):
    """``POST /admin/registration``: create a token (shown once) or revoke one."""
    if request.POST.get("action") == "revoke":
        try:
            admin.registration.revoke_initial_access_token(request, who.actor, request.POST.get("token_id", ""))
        except admin.NotFound:
            return _not_found(request, "admin_console_registration")
        return _registration_page(request, notice=translate(request, _("The token was revoked.")))
    try:
        uses = None if request.POST.get("uses", "1").strip() in ("", "0") else int(request.POST.get("uses", "1"))
        days = request.POST.get("days", "7").strip()
        lifetime = None if days in ("", "0") else int(days) * 86400
        made = admin.registration.create_initial_access_token(request, who.actor, uses=uses, lifetime=lifetime)
    except (ValueError, admin.AdminError):
        message = translate(request, _("Enter whole numbers: uses (0 for unlimited) and days (0 for never)."))
        return _registration_page(request, error=message, status=400)
    return _registration_page(request, created=made["value"])


#: route name, path, GET view, POST view (or None)
PAGES = (
    ("admin_console", "/admin", dashboard, None),
    ("admin_console_clients", "/admin/clients", clients, None),
    ("admin_console_client_new", "/admin/clients/new", client_new, client_create),
    ("admin_console_client_rotate", "/admin/clients/{client_id}/rotate", client_edit, client_rotate),
    ("admin_console_client_delete", "/admin/clients/{client_id}/delete", client_delete_confirm, client_delete),
    ("admin_console_client", "/admin/clients/{client_id}", client_edit, client_save),
    ("admin_console_resources", "/admin/resources", resources, resource_create),
    ("admin_console_resource_delete", "/admin/resources/{name}/delete", resource_delete_confirm, resource_delete),
    ("admin_console_users", "/admin/users", users, user_create),
    ("admin_console_user_delete", "/admin/users/{subject}/delete", user_delete_confirm, user_delete),
    ("admin_console_user_factors", "/admin/users/{subject}/factors", user_factors_confirm, user_factors_reset),
    ("admin_console_user", "/admin/users/{subject}", user_detail, user_action),
    ("admin_console_sessions", "/admin/sessions", sessions, session_end),
    ("admin_console_deliveries", "/admin/deliveries", deliveries, None),
    ("admin_console_keys", "/admin/keys", keys, keys_rotate),
    ("admin_console_errors", "/admin/errors", errors, None),
    ("admin_console_audit", "/admin/audit", audit, None),
    ("admin_console_registration", "/admin/registration", registration, registration_post),
)
