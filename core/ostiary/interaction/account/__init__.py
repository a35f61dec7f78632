"""The account console: ``/account`` and its sections (issue 12).

Core contributes its sections through the same hook as plugins
(``ostiary_account_sections``, see :mod:`ostiary.defaults.account`); each
section is a page of its own under ``/account/...``. Sensitive actions go
through :func:`.fresh.require_fresh_sign_in`.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPMovedPermanently, HTTPPermanentRedirect

from .fresh import current_subject, current_user, is_account_return, require_fresh_sign_in, sign_in_first
from .sections import AccountSection

__all__ = [
    "AccountSection",
    "current_subject",
    "current_user",
    "is_account_return",
    "require_fresh_sign_in",
    "sign_in_first",
]


def _grants_moved(request):
    """``/account/grants`` is now ``/account/applications``: a GET is sent on
    for good, a POST (an old form) keeps its method and body (308)."""
    target = request.route_path("grants")
    if request.method == "POST":
        return HTTPPermanentRedirect(target)
    return HTTPMovedPermanently(target)


def includeme(config):
    """Add the console's routes and views."""
    from . import applications, console

    pages = (
        ("account", "/account", console.console_home, None),
        # the route keeps its old name: themes link to route_path('grants')
        ("grants", "/account/applications", applications.grants_page, applications.grants_revoke),
    )
    for name, path, show, submit in pages:
        config.add_route(name, path)
        config.add_view(show, route_name=name, request_method=("GET", "HEAD"))
        if submit is not None:
            config.add_view(submit, route_name=name, request_method="POST")
    config.add_route("grants_moved", "/account/grants")
    config.add_view(_grants_moved, route_name="grants_moved")
