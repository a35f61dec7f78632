"""The console's providers pages: the external login providers of the ini
file (read-only: they are the operator's) and of the database (created,
edited with the version the form was loaded with, deleted after a
confirmation and a fresh sign-in), through ``admin.providers``."""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPSeeOther

from ostiary.plugin import admin, translate

from . import pages, provider_pages
from .pages import _
from .views import _message, _not_found, _page, admin_only


@admin_only()
def providers(request, who):
    """``GET /admin/providers``: external identity providers of the ini file
    and the database (never a secret)."""
    notice = translate(request, _("The provider was deleted.")) if request.params.get("deleted") else None
    items = admin.providers.list_providers(request)["items"]
    return _page(request, "providers.pt", provider_pages.providers(request, items, notice))


_PROVIDER_TEXT = tuple(name for name, _label in provider_pages.PROVIDER_TEXT) + (
    "icon",
    "token_endpoint_auth_method",
    "subject_claim",
    "provisioning",
)


def _claims(raw: str) -> dict | None:
    """``local = upstream`` lines as a mapping; None if a line is not one."""
    claims = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        local, sep, upstream = line.partition("=")
        if not sep or not local.strip() or not upstream.strip():
            return None
        claims[local.strip()] = upstream.strip()
    return claims


def _posted_provider(request, *, new: bool) -> tuple[dict, dict, dict]:
    """The posted provider form as ``(settings, typed, errors)``: the settings
    for the service layer (an empty field is None: the default), the form as
    typed (to show it again), and the errors of fields that could not be read.

    The secret is write-only: typed, it replaces the stored one; left empty,
    the stored one stays (unless "remove" is ticked)."""
    post = request.POST
    settings, errors = {}, {}
    typed = {"name": post.get("name", "").strip(), "version": post.get("version", "")}
    for name in _PROVIDER_TEXT:
        typed[name] = post.get(name, "").strip()
        settings[name] = typed[name] or None
    typed["kind"] = post.get("kind", "oidc")
    if typed["kind"] == "oauth2":
        settings["issuer"] = None  # plain OAuth 2.0: the endpoints are given, nothing is discovered
    elif typed["kind"] != "oidc":
        errors["kind"] = translate(request, _("Choose OpenID Connect or plain OAuth 2.0."))
    elif not settings["issuer"]:
        errors["issuer"] = translate(request, _("An OpenID Connect provider needs its issuer."))
    typed["scopes"] = post.get("scopes", "").strip()
    settings["scopes"] = typed["scopes"] or None
    typed["claims"] = post.get("claims", "")
    claims = _claims(typed["claims"])
    if claims is None:
        errors["claims"] = translate(request, _("One claim a line: local claim = provider's claim."))
    else:
        settings["claims"] = claims
    for name, _label in provider_pages.PROVIDER_FLAGS:
        typed[name] = settings[name] = name in post
    secret = post.get("client_secret", "").strip()
    if secret:
        settings["client_secret"] = secret
    elif not new and "remove_client_secret" in post:
        settings["client_secret"] = None
    return settings, typed, errors


def _provider_page(request, name, data, status=200, **messages):
    return _page(request, "provider.pt", provider_pages.provider_form(request, name, data, **messages), status)


_SETTING_NAMED = re.compile(r"(claims)\.\S+ = |([a-z_]+) = ")


def _provider_field(exc: admin.AdminError) -> str | None:
    """The form field a refusal is about. The settings parser names a bad
    value ``issuer = 'x': ...`` (the ini file's words), which the service
    layer passes on without a field; the form still marks the field."""
    if exc.field:
        return exc.field
    named = _SETTING_NAMED.match(exc.detail)
    return (named.group(1) or named.group(2)) if named else None


def _refused(request, name, typed, exc: admin.AdminError):
    """The form again with the service layer's one-line reason, by its field."""
    field = _provider_field(exc)
    errors = {field: exc.detail} if field else {}
    status = 409 if isinstance(exc, admin.Conflict) else 400
    return _provider_page(request, name, typed, status, errors=errors, error=_message(request, exc))


def _ini_provider(request, data):
    message = translate(request, _("This provider is set in the ini file; change it there."))
    return _provider_page(request, data["name"], data, 409, error=message)


@admin_only()
def provider_new(request, who):
    """``GET /admin/providers/new``: the empty form."""
    return _provider_page(request, None, dict(provider_pages.NEW_PROVIDER))


@admin_only()
def provider_create(request, who):
    """``POST /admin/providers/new``: add a provider to the database."""
    settings, typed, errors = _posted_provider(request, new=True)
    typed = {**provider_pages.NEW_PROVIDER, **typed}
    if errors:
        message = translate(request, _("Please correct the marked fields."))
        return _provider_page(request, None, typed, 400, errors=errors, error=message)
    try:
        made = admin.providers.create_provider(request, who.actor, typed["name"], settings)
    except admin.AdminError as exc:
        return _refused(request, None, typed, exc)
    return HTTPSeeOther(request.route_path("admin_console_provider", name=made["name"], _query={"saved": "1"}))


@admin_only()
def provider_edit(request, who):
    """``GET /admin/providers/{name}``: a database provider's form, or an ini
    provider's settings, read-only."""
    name = request.matchdict["name"]
    try:
        data = admin.providers.get_provider(request, name)
    except admin.NotFound:
        return _not_found(request, "admin_console_providers")
    notice = translate(request, _("Saved.")) if request.params.get("saved") else None
    return _provider_page(request, name, data, notice=notice)


@admin_only()
def provider_save(request, who):
    """``POST /admin/providers/{name}``: save the form; a provider changed by
    someone else since the form was loaded is not overwritten."""
    name = request.matchdict["name"]
    try:
        current = admin.providers.get_provider(request, name)
    except admin.NotFound:
        return _not_found(request, "admin_console_providers")
    if current["source"] != "database":  # the service layer refuses too; this says so before reading the form
        return _ini_provider(request, current)
    settings, typed, errors = _posted_provider(request, new=False)
    # Shown again with the version the form was loaded with, so that a
    # corrected form is still checked against the provider as it was read.
    typed = {**current, **typed, "name": name}
    if errors:
        message = translate(request, _("Please correct the marked fields."))
        return _provider_page(request, name, typed, 400, errors=errors, error=message)
    try:
        admin.providers.update_provider(
            request, who.actor, name, settings, expected_version=request.POST.get("version") or None
        )
    except admin.PreconditionFailed:
        message = translate(
            request, _("Someone else changed this provider meanwhile. The form shows the current values.")
        )
        return _provider_page(request, name, current, 409, error=message)
    except admin.AdminError as exc:  # a bad setting
        return _refused(request, name, typed, exc)
    return HTTPSeeOther(request.route_path("admin_console_provider", name=name, _query={"saved": "1"}))


@admin_only()
def provider_delete_confirm(request, who):
    """``GET /admin/providers/{name}/delete``: are you sure?"""
    name = request.matchdict["name"]
    try:
        data = admin.providers.get_provider(request, name)
    except admin.NotFound:
        return _not_found(request, "admin_console_providers")
    if data["source"] != "database":
        return _ini_provider(request, data)
    values = pages.confirm(
        request,
        "admin_console_providers",
        _(
            "Delete provider ${name}? Nobody can sign in through it any more; linked logins are kept.",
            mapping={"name": name},
        ),
        request.route_path("admin_console_provider_delete", name=name),
        request.route_path("admin_console_provider", name=name),
        _("Delete provider"),
    )
    return _page(request, "confirm.pt", values)


@admin_only(fresh=True)
def provider_delete(request, who):
    """``POST /admin/providers/{name}/delete``."""
    name = request.matchdict["name"]
    try:
        admin.providers.delete_provider(request, who.actor, name)
    except admin.NotFound:
        return _not_found(request, "admin_console_providers")
    except admin.Conflict:
        return _ini_provider(request, admin.providers.get_provider(request, name))
    return HTTPSeeOther(request.route_path("admin_console_providers", _query={"deleted": "1"}))


#: route name, path, GET view, POST view (or None)
PAGES = (
    ("admin_console_providers", "/admin/providers", providers, None),
    ("admin_console_provider_new", "/admin/providers/new", provider_new, provider_create),
    ("admin_console_provider_delete", "/admin/providers/{name}/delete", provider_delete_confirm, provider_delete),
    ("admin_console_provider", "/admin/providers/{name}", provider_edit, provider_save),
)
