"""Built-in external login plugin: upstream OpenID Connect and OAuth 2.0
providers on the login page, home-realm discovery, the default claim
mapping, linking after a local sign-in, and signing out upstream.

Block it with ``ostiary.plugins.disabled = federation`` to turn external
login off entirely (configured providers are then ignored).
"""

from ..federation import account_links, hookspecs, linking, providers, signout, views
from ..hookspecs import AccountSection, hookimpl
from ..i18n import _


@hookimpl
def ostiary_add_hookspecs(plugin_manager):
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def ostiary_configure(config):
    config.include("ostiary.federation")


@hookimpl
def ostiary_login_providers(request, context):
    client = context.client if context else None
    return_url = request.params.get("returnUrl") if context else None
    return [
        {
            "name": p.name,
            "display_name": p.display_name,
            "icon": p.icon,
            "href": views.challenge_url(request, p.name, return_url),
        }
        for p in providers.offered(request, client)
    ]


@hookimpl(trylast=True)
def ostiary_login_redirect(request, context):
    if context is None:
        return None
    return_url = request.params.get("returnUrl")
    pending = request.ostiary_root.federation.pending_link(views.browser_id(request))
    if pending is not None and (pending.return_url or None) == return_url:
        return None  # the person is here to sign in locally and link
    hint = providers.idp_hint(request, context.client, " ".join(context.acr_values))
    if hint is not None and hint != providers.LOCAL:
        return views.challenge_url(request, hint, return_url)
    offered = providers.offered(request, context.client)
    if hint is None and len(offered) == 1 and not providers.client_allows(context.client, providers.LOCAL):
        return views.challenge_url(request, offered[0].name, return_url)
    return None


@hookimpl
def ostiary_login_links(request, context):
    pending = request.ostiary_root.federation.pending_link(views.browser_id(request))
    return_url = request.params.get("returnUrl") if context else None
    if pending is None or (pending.return_url or None) != (return_url or None):
        return []
    provider = providers.get(request, pending.provider)
    if provider is None:
        return []
    query = {"returnUrl": pending.return_url} if pending.return_url else {}
    return [
        {
            "href": request.route_path("external_cancel_link", _query=query),
            "label": f"Do not link your {provider.display_name} account",
        }
    ]


@hookimpl
def ostiary_signed_in(request, user, session, context):
    # Only a password proves the local account here, as the person was asked
    # for (``ask_to_link``); and only now, once every check let them in.
    if session.idp != providers.LOCAL or "pwd" not in session.amr:
        return
    return_url = request.params.get("returnUrl") if context else None
    linking.complete_pending_link(request, views.browser_id(request), user, return_url)


@hookimpl
def ostiary_session_fits(request, idp, client, params):
    return providers.hint_fits(request, idp, client, params)


@hookimpl
def ostiary_external_claims(provider, claims):
    return linking.default_claims(provider, claims)


@hookimpl(trylast=True)
def ostiary_logout_redirect(request, session, logout_id, frames):
    return signout.upstream_sign_out(request, session, logout_id, frames)


# -- the account console's linked logins (issue 12) -------------------------------


@hookimpl
def ostiary_account_sections(request):
    return [
        AccountSection(
            name="linked_logins",
            title=_("Linked logins"),
            url=request.route_path("account_links"),
            order=450,
            description=_("The external providers you can sign in with."),
            available=bool(providers.configured(request)) or bool(_links_of_current(request)),
        )
    ]


def _links_of_current(request):
    session = request.interaction.session
    return request.ostiary_root.federation.links_of(session.subject) if session is not None else []


@hookimpl
def ostiary_account_export(request, subject):
    return {"linked_logins": account_links.export(request, subject)}


@hookimpl
def ostiary_account_deleted(request, subject):
    account_links.forget(request, subject)
