"""External login: federation with upstream OpenID Connect and OAuth 2.0
providers (Duende IdentityServer's "external login" and home-realm
discovery, in Ostiary's words).

* :mod:`.providers`: which providers exist (ini and database) and which a client accepts;
* :mod:`.upstream`: the upstream protocol, with authlib's OAuth 2.0 client and joserfc;
* :mod:`.linking`: from an upstream identity to a local user (link, match, provision);
* :mod:`.views`: the challenge and callback pages;
* :mod:`.signout`: signing out at the upstream too;
* :mod:`.backchannel`: the upstream's back-channel logout tokens signing the person out here.

The built-in plugin :mod:`ostiary.defaults.federation` adds the pages and
puts the providers on the login page; block it (``ostiary.plugins.disabled
= federation``) and none of this is reachable.
"""

from __future__ import annotations

from ..i18n import _
from .upstream import UpstreamCache

#: The error page's messages for external-login failures (the detail stays
#: behind the error id, shown in development mode only).
MESSAGES = {
    "external_unknown": _("That sign-in provider is not known here."),
    "external_not_allowed": _("The application you came from does not accept that sign-in provider."),
    "external_state": _(
        "This sign-in expired, was already used, or was started in another browser. "
        "Go back to the application and sign in again."
    ),
    "external_denied": _("The sign-in at the external provider was cancelled or refused."),
    "external_unavailable": _("The external sign-in provider could not be reached. Try again later."),
    "external_invalid": _(
        "The answer of the external sign-in provider could not be trusted, so you were not signed in."
    ),
    "external_client_refused": _(
        "The external sign-in provider refused this site's registration with it, "
        "so you cannot sign in with it for now. Please tell the administrators of this site."
    ),
    "external_no_account": _("No account here is linked to the identity you signed in with."),
    "external_refused": _("You cannot sign in here with that identity."),
}

#: The error page's status where it is not 400 (the person's or the
#: provider's refusal): the provider could not be reached (502), or it
#: refused Ostiary's own registration there, a fault of this server's
#: configuration that the person cannot mend (500).
STATUSES = {"external_unavailable": 502, "external_client_refused": 500}

PROVIDER = r"{provider:[a-z0-9][a-z0-9_-]*}"


def includeme(config):
    """Add the external-login pages and the per-process upstream cache."""
    from . import backchannel, signout, views

    config.registry.ostiary_upstreams = UpstreamCache()
    for error, message in MESSAGES.items():
        config.add_error_message(error, message, STATUSES.get(error, 400))
    routes = (
        ("external_cancel_link", "/account/external/-/cancel-link", views.cancel_link),
        ("external_challenge", f"/account/external/{PROVIDER}", views.challenge),
        ("external_callback", f"/account/external/{PROVIDER}/callback", views.callback),
        ("external_signed_out", f"/account/external/{PROVIDER}/signed-out", signout.signed_out),
    )
    for name, pattern, view in routes:
        config.add_route(name, pattern)
        # GET only: a HEAD request (a link checker) must not use up a state.
        config.add_view(view, route_name=name, request_method="GET")
    # The account console's linked logins (issue 12).
    from . import account_links

    config.add_route("account_links", "/account/links")
    config.add_view(account_links.links_page, route_name="account_links", request_method=("GET", "HEAD"))
    config.add_view(account_links.links_change, route_name="account_links", request_method="POST")
    # Called by the upstream's server, not a browser: the logout token's
    # signature authenticates it, so CSRF tokens do not apply.
    config.add_route("external_backchannel_logout", f"/account/external/{PROVIDER}/backchannel-logout")
    config.add_view(
        backchannel.backchannel_logout,
        route_name="external_backchannel_logout",
        request_method="POST",
        require_csrf=False,
    )
