"""Built-in plugin: the account console's "sessions and devices" and
"history" sections, their share of "download my data", and forgetting the
person's stored audit records when they delete their account."""

from __future__ import annotations

from ..hookspecs import AccountSection, hookimpl
from ..i18n import _
from ..interaction.account import history, sessions


@hookimpl
def ostiary_account_sections(request):
    return [
        AccountSection(
            name="sessions",
            title=_("Sessions and devices"),
            url=request.route_path("account_sessions"),
            order=400,
            description=_("Where you are signed in, and a way to sign out there."),
        ),
        AccountSection(
            name="history",
            title=_("History"),
            url=request.route_path("account_history"),
            order=700,
            description=_("Your sign-ins and what applications received."),
        ),
    ]


@hookimpl
def ostiary_account_export(request, subject):
    return {"sessions": sessions.export(request, subject), "history": history.export(request, subject)}


@hookimpl
def ostiary_account_deleted(request, subject):
    # The sessions themselves are ended by core before this is called.
    request.ostiary_root.audit.forget_subject(subject)
