"""Built-in plugin: core's own sections of the account console, contributed
through the same hook as any plugin's (so a deployment can replace one by
name, or block them all with ``ostiary.plugins.disabled = account``), and
core's part of the data export.

A section whose action the person's user store cannot do is not offered
(``AccountCapabilities``): a read-only store shows only what it can."""

from __future__ import annotations

from ..hookspecs import AccountSection, hookimpl
from ..i18n import _
from ..interaction.account.email import mailer
from ..interaction.account.fresh import current_subject


@hookimpl
def ostiary_account_sections(request):
    subject = current_subject(request)
    capabilities = request.plugins.account_capabilities(subject) if subject else None
    # the gallery asks with nobody signed in: it shows every section
    can = (lambda what: True) if capabilities is None else (lambda what: bool(getattr(capabilities, what)))
    return [
        AccountSection(
            name="profile",
            title=_("Profile"),
            url=request.route_path("account_profile"),
            order=100,
            description=_("Your name and the other details applications may see."),
            available=can("claims"),
        ),
        AccountSection(
            name="email",
            title=_("Email"),
            url=request.route_path("account_email"),
            order=200,
            description=_("Change your email address; the new one is confirmed by a link."),
            available=can("email") and mailer(request) is not None,
        ),
        AccountSection(
            name="password",
            title=_("Password"),
            url=request.route_path("account_password"),
            order=300,
            description=_("Change your password, or set one."),
            available=can("password"),
        ),
        AccountSection(
            name="applications",
            title=_("Your applications"),
            url=request.route_path("grants"),
            order=600,
            description=_("The applications you gave access to, and a way to take it back."),
        ),
        AccountSection(
            name="export",
            title=_("Download my data"),
            url=request.route_path("account_export"),
            order=900,
            description=_("A JSON file of everything we keep about you."),
        ),
        AccountSection(
            name="delete",
            title=_("Delete account"),
            url=request.route_path("account_delete"),
            order=950,
            description=_("Remove your account and everything that belongs to it."),
            available=request.registry.ostiary_settings.account_self_deletion and can("delete"),
        ),
    ]
