"""The "linked logins" section of the account console: the external
providers linked to the signed-in person's account, linking another one (a
round trip to the upstream, which links and signs nobody in), and unlinking
one while another way to sign in remains.

It lives with federation, not with the other account sections, because
only this layer knows the providers and the links (the layer rule).
"""

from __future__ import annotations

from types import SimpleNamespace

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..events import declare, emit
from ..i18n import _, translate
from ..interaction.account.fresh import require_fresh_sign_in
from ..interaction.pages import render_page
from . import providers
from .linking import EXTERNAL_LINKED

EXTERNAL_UNLINKED = declare("external.unlinked", "An external identity was unlinked from a local account.")

#: Why a link cannot be made or removed, as the page says it.
ALREADY_OTHERS = _("That identity is already linked to another account.")
LAST_WAY = _("This is your only way to sign in: set a password or link another provider before you unlink it.")
UNKNOWN = _("There is no such linked login.")


def has_password(user) -> bool:
    """Whether ``user`` can sign in with a password. A store says so with a
    ``has_password`` attribute; the built-in store's users hold a
    ``password_hash``. A store that says neither is taken to have none, so
    that the last link of such an account is never removed."""
    said = getattr(user, "has_password", None)
    if said is not None:
        return bool(said() if callable(said) else said)
    return bool(getattr(user, "password_hash", None))


def other_ways(request, user, links, removing) -> int:
    """How many ways to sign in ``user`` keeps once ``removing`` is gone."""
    return int(has_password(user)) + sum(1 for link in links if link is not removing)


def _moment(timestamp):
    from ..interaction.account.formatting import moment

    return moment(timestamp)


def entries(request, subject: str) -> list[SimpleNamespace]:
    configured = providers.configured(request)
    found = []
    for link in request.ostiary_root.federation.links_of(subject):
        provider = configured.get(link.provider)
        found.append(
            SimpleNamespace(
                provider=link.provider,
                provider_name=provider.display_name if provider is not None else link.provider,
                upstream_subject=link.upstream_subject,
                linked=_moment(link.created_at),
                last_used=_moment(link.last_used_at),
            )
        )
    return sorted(found, key=lambda e: e.provider_name.lower())


def values(request, links, available, *, linked=None, unlinked=None, error=None) -> dict:
    """What ``account_links.pt`` receives, for the view and the gallery alike.
    ``available``: dicts name/display_name of the providers not linked yet."""
    return {
        "page_title": translate(request, _("Linked logins")),
        "links": list(links),
        "available": list(available),
        "csrf_token": get_csrf_token(request),
        "linked": linked,
        "unlinked": unlinked,
        "error": error,
    }


def _available(request, links) -> list[dict]:
    taken = {link.provider for link in links}
    return [
        {"name": p.name, "display_name": p.display_name}
        for p in providers.configured(request).values()
        if p.name not in taken
    ]


def _page(request, subject, status=200, **notices):
    links = entries(request, subject)
    return render_page(
        request, "account_links.pt", values(request, links, _available(request, links), **notices), status=status
    )


def links_page(request):
    """``GET /account/links``: behind a fresh sign-in, like the changes it offers."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    session = request.interaction.session
    return _page(request, session.subject, linked=request.params.get("linked"), unlinked=request.params.get("unlinked"))


def links_change(request):
    """``POST /account/links``: ``action=link`` with ``provider`` starts the
    round trip upstream; ``action=unlink`` with ``provider`` and ``upstream``
    removes that link unless it is the last way to sign in. Both need a
    fresh sign-in (a stale one goes through the login page, back to the GET)."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    session = request.interaction.session
    subject = session.subject
    name = request.POST.get("provider", "")
    if request.POST.get("action") == "link":
        provider = providers.get(request, name)
        if provider is None:
            return _page(request, subject, status=400, error=translate(request, UNKNOWN))
        from .views import redirect_upstream

        return redirect_upstream(request, provider, None, None, link_subject=subject)
    if request.POST.get("action") != "unlink":
        return _page(request, subject, status=400, error=translate(request, UNKNOWN))
    return unlink(request, subject, name, request.POST.get("upstream", ""))


def unlink(request, subject, provider_name, upstream_subject):
    store = request.ostiary_root.federation
    links = store.links_of(subject)
    link = next((x for x in links if x.provider == provider_name and x.upstream_subject == upstream_subject), None)
    if link is None:
        return _page(request, subject, status=400, error=translate(request, UNKNOWN))
    user = request.plugins.user_by_subject(subject=subject)
    if user is None or other_ways(request, user, links, link) < 1:
        return _page(request, subject, status=409, error=translate(request, LAST_WAY))
    store.remove_link(link.provider, link.upstream_subject)
    emit(request, EXTERNAL_UNLINKED, subject=subject, idp=link.provider, how="account console")
    return HTTPSeeOther(request.route_path("account_links", _query={"unlinked": link.provider}))


def finish_link(request, subject, identity):
    """The callback of a link started here: link the upstream identity to
    ``subject`` if this browser is still signed in as them and the identity
    belongs to nobody else; then back to the section."""
    session = request.interaction.session
    if session is None or session.subject != subject:
        return request.interaction.error_redirect("external_state", "the person linking is no longer signed in")
    store = request.ostiary_root.federation
    existing = store.link(identity.provider.name, identity.subject)
    if existing is not None and existing.subject != subject:
        return _page(request, subject, status=409, error=translate(request, ALREADY_OTHERS))
    if existing is None:
        store.add_link(identity.provider.name, identity.subject, subject)
        emit(request, EXTERNAL_LINKED, subject=subject, idp=identity.provider.name, how="account console")
    return HTTPSeeOther(request.route_path("account_links", _query={"linked": identity.provider.name}))


def gallery(request) -> list[tuple[str, str, dict]]:
    """The section's states for the theme gallery."""
    link = SimpleNamespace(
        provider="example",
        provider_name="Example Corp",
        upstream_subject="248289761001",
        linked="2026-10-01 12:00 UTC",
        last_used="2026-12-01 08:12 UTC",
    )
    more = [{"name": "github", "display_name": "GitHub"}]
    return [
        ("account-links", "account_links.pt", values(request, [link], more)),
        ("account-links-linked", "account_links.pt", values(request, [link], more, linked="Example Corp")),
        ("account-links-empty", "account_links.pt", values(request, [], more, unlinked="Example Corp")),
        (
            "account-links-last-way",
            "account_links.pt",
            values(request, [link], [], error=translate(request, LAST_WAY)),
        ),
    ]


def export(request, subject: str) -> list[dict]:
    """The person's links as data, for "download my data"."""
    return [
        {
            "provider": link.provider,
            "upstream_subject": link.upstream_subject,
            "linked_at": link.created_at,
            "last_used_at": link.last_used_at,
        }
        for link in request.ostiary_root.federation.links_of(subject)
    ]


def forget(request, subject: str) -> int:
    """Remove every link of ``subject`` (the account is deleted)."""
    store = request.ostiary_root.federation
    links = store.links_of(subject)
    for link in links:
        store.remove_link(link.provider, link.upstream_subject)
    return len(links)
