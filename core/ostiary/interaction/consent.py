"""The consent page: which scopes a client may have."""

from __future__ import annotations

from types import SimpleNamespace

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..i18n import _, translate, translate_text
from .pages import render_page
from .security import allow_form_redirect


def _scope_items(request, context):
    resources = request.plugins.resources()
    items = []
    for name in context.scopes:
        resource = resources.get(name)
        if resource is None:
            continue
        items.append(
            SimpleNamespace(
                name=name,
                display_name=translate_text(request, resource.display_name),
                description=translate_text(request, resource.description),
                required=resource.required,
                emphasize=resource.emphasize,
                kind=resource.kind,
            )
        )
    return items


def _load(request):
    """The authorization request to answer, for a signed-in person: consent
    means nothing without one, so a missing return URL is the error page too."""
    service = request.interaction
    return_url = request.params.get("returnUrl", "")
    context, failure = service.context_or_error(return_url, required=True)
    if failure is not None:
        return None, failure
    if service.session is None:
        return None, HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url}))
    return context, None


def values(request, *, client, scopes, checked, allow_remember, return_url="", error=None) -> dict:
    """What ``consent.pt`` receives (docs/themes.md), for the view and the
    gallery's samples alike: ``scopes`` as :func:`_scope_items` makes them,
    grouped here into personal information and application access."""
    identity = [item for item in scopes if item.kind == "identity"]
    access = [item for item in scopes if item.kind != "identity"]
    groups = (
        {"legend": translate(request, _("Personal information")), "scopes": identity},
        {"legend": translate(request, _("Application access")), "scopes": access},
    )
    return {
        "page_title": translate(request, _("Allow access")),
        "client": client,
        "scope_groups": [group for group in groups if group["scopes"]],
        "checked": set(checked),
        "allow_remember": allow_remember,
        "return_url": return_url,
        "error": translate(request, error),
        "csrf_token": get_csrf_token(request),
    }


def _render(request, context, error=None, checked=None):
    page = values(
        request,
        client=context.client,
        scopes=_scope_items(request, context),
        checked=checked if checked is not None else context.scopes,
        allow_remember=context.client.allow_remember_consent,
        return_url=request.params.get("returnUrl", ""),
        error=error,
    )
    if context.params.get("redirect_uri"):  # a device's request (RFC 8628) has none
        allow_form_redirect(request, context.params["redirect_uri"])
    return render_page(request, "consent.pt", page)


def consent_form(request):
    """``GET /consent``."""
    context, other = _load(request)
    return other or _render(request, context)


def consent_submit(request):
    """``POST /consent``: allow the chosen scopes, or deny."""
    context, other = _load(request)
    if other is not None:
        return other
    service = request.interaction
    action = request.POST.get("action")
    if action == "deny":
        return HTTPSeeOther(service.deny(context))
    if action != "allow":
        return _render(request, context, error=_("Invalid selection."))
    chosen = set(request.POST.getall("scope"))
    chosen |= {i.name for i in _scope_items(request, context) if i.required}
    chosen &= set(context.scopes)
    if not chosen:
        return _render(request, context, error=_("Pick at least one permission."), checked=())
    remember = request.POST.get("remember") == "yes" and context.client.allow_remember_consent
    return HTTPSeeOther(service.grant_consent(context, chosen, remember))
