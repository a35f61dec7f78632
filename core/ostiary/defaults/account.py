"""Built-in plugin: core's own sections of the account console, contributed
through the same hook as any plugin's (so a deployment can replace one by
name, or block them all with ``ostiary.plugins.disabled = account``)."""

from __future__ import annotations

from ..hookspecs import AccountSection, hookimpl
from ..i18n import _


@hookimpl
def ostiary_account_sections(request):
    return [
        AccountSection(
            name="applications",
            title=_("Your applications"),
            url=request.route_path("grants"),
            order=600,
            description=_("The applications you gave access to, and a way to take it back."),
        ),
    ]
