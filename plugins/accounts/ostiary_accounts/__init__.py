"""Shared building blocks of Ostiary's self-service account plugins.

``ostiary-registration`` and ``ostiary-password-reset`` both need the same
password policy, single-use emailed tokens, rate limits and mail; they live
here once instead of twice, and neither plugin has to install the other.

This distribution is a library, not a plugin: it has no ``ostiary.plugins``
entry point. A plugin calls ``config.include("ostiary_accounts")`` from its
``ostiary_configure`` hook; Pyramid includes it once however often it is
asked. It reads these settings (never ``ostiary.*``, which core owns):

``accounts.password_min_length`` (deprecated)
    the policy is core's now: ``ostiary.password_min_length`` (default ``10``);
    the old name still sets it when the new one is not given.
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

from ostiary.plugin import Setting, non_negative_int, parse_settings_table

#: A library has no ``ostiary_settings`` of its own: it parses its rows with
#: core's parser when a plugin includes it (docs/plugins/registration-and-password-reset.md).
SETTINGS = (
    # deprecated: ostiary.password_min_length is the policy's length everywhere
    Setting("accounts.password_min_length", "0", non_negative_int, "Deprecated: use ostiary.password_min_length."),
    Setting("accounts.mailer", "smtp", str.strip, "smtp, file or testing: where mail goes."),
)


def includeme(config):
    """Parse the ``accounts.*`` settings, build the password policy, set up mail."""
    from ostiary.plugin import PasswordPolicy, package_locale_dir

    registry = config.registry
    settings = parse_settings_table(registry.settings, SETTINGS, "accounts.")
    registry.ostiary_accounts_settings = settings
    if settings.password_min_length and "ostiary.password_min_length" not in registry.settings:
        # the old name still sets the one policy, for configurations written before
        registry.ostiary_password_policy = PasswordPolicy(min_length=settings.password_min_length)
    config.include(".mail")
    locale = package_locale_dir(__name__)  # the policy's messages (domain ostiary_accounts)
    if locale is not None:
        config.add_translation_dirs(locale)
