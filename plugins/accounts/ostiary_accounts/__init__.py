"""Shared building blocks of Ostiary's self-service account plugins.

``ostiary-registration`` and ``ostiary-password-reset`` both need the same
password policy, single-use emailed tokens, rate limits and mail; they live
here once instead of twice, and neither plugin has to install the other.

This distribution is a library, not a plugin: it has no ``ostiary.plugins``
entry point. A plugin calls ``config.include("ostiary_accounts")`` from its
``ostiary_configure`` hook; Pyramid includes it once however often it is
asked. It reads these settings (never ``ostiary.*``, which core owns):

``accounts.password_min_length`` (default ``10``)
    the shortest password the policy accepts.
``accounts.mailer`` (default ``smtp``)
    ``smtp``: pyramid_mailer's ``Mailer`` from the ``mail.*`` settings;
    ``file``: every message is written as an ``.eml`` file into
    ``mail.top_level_directory`` (development: ``var/mail``);
    ``testing``: pyramid_mailer's ``DummyMailer``, messages collect in its
    ``outbox``. A mailer the application registered itself (for example
    ``pyramid.includes = pyramid_mailer.testing``) is used as it is.
``mail.default_sender``
    the From address; ``no-reply@`` the issuer's host when unset.
"""

from __future__ import annotations

from ostiary.plugin import Setting, parse_settings_table, positive_int

#: A library has no ``ostiary_settings`` of its own: it parses its rows with
#: core's parser when a plugin includes it (docs/plugins/registration-and-password-reset.md).
SETTINGS = (
    Setting("accounts.password_min_length", "10", positive_int, "The shortest password the policy accepts."),
    Setting("accounts.mailer", "smtp", str.strip, "smtp, file or testing: where mail goes."),
)


def includeme(config):
    """Parse the ``accounts.*`` settings, build the password policy, set up mail."""
    from ostiary.plugin import package_locale_dir

    from .policy import PasswordPolicy

    registry = config.registry
    settings = parse_settings_table(registry.settings, SETTINGS, "accounts.")
    registry.ostiary_accounts_settings = settings
    registry.ostiary_password_policy = PasswordPolicy(min_length=settings.password_min_length)
    config.include(".mail")
    locale = package_locale_dir(__name__)  # the policy's messages (domain ostiary_accounts)
    if locale is not None:
        config.add_translation_dirs(locale)
