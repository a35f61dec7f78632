"""Ostiary on an existing ASP.NET Core Identity database.

A user store and a profile service that read and write the ``AspNet*``
tables through SQLAlchemy, with ASP.NET's password hashes (version 2 and
3), lockout, email confirmation and security stamp. Enable it and block
the built-in store in the ini::

    ostiary.plugins = aspnet_identity
    ostiary.plugins.disabled = zodb_users profile
    aspnet_identity.url = postgresql://app@db/identity

The entry point names this package, so the hook implementations of
:mod:`.hooks` are re-exported here. docs/plugins/aspnet_identity.md has
every setting.
"""

from .hooks import (
    ostiary_account_capabilities,
    ostiary_authentication_methods,
    ostiary_configure,
    ostiary_create_user,
    ostiary_delete_user,
    ostiary_gallery_pages,
    ostiary_is_active,
    ostiary_list_users,
    ostiary_profile_claims,
    ostiary_set_active,
    ostiary_set_email,
    ostiary_set_password,
    ostiary_settings,
    ostiary_signed_in,
    ostiary_update_claims,
    ostiary_user_by_subject,
    ostiary_user_by_username,
    ostiary_verify_credentials,
)

__all__ = [
    "ostiary_account_capabilities",
    "ostiary_authentication_methods",
    "ostiary_delete_user",
    "ostiary_set_email",
    "ostiary_configure",
    "ostiary_create_user",
    "ostiary_gallery_pages",
    "ostiary_is_active",
    "ostiary_list_users",
    "ostiary_profile_claims",
    "ostiary_set_active",
    "ostiary_set_password",
    "ostiary_signed_in",
    "ostiary_settings",
    "ostiary_update_claims",
    "ostiary_user_by_subject",
    "ostiary_user_by_username",
    "ostiary_verify_credentials",
]
