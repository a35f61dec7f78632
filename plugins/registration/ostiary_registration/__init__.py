"""Self-service registration for Ostiary (enable with ``ostiary.plugins = registration``).

A person opens ``/account/register`` from the login page's link, chooses a
username, an email address and a password (the shared password policy of
``ostiary_accounts``), and gets a mail with a link that works once and
expires. Confirming it marks ``email_verified``, signs the person in and
returns to the authorization request that started it all. Until then the
account exists but cannot sign in (an ``ostiary_is_active`` veto).

Accounts are created only through the ``ostiary_create_user`` hook and
confirmed through ``ostiary_update_claims``, so any user store that
implements them works. Settings (besides ``accounts.*`` and ``mail.*``):

``registration.token_lifetime`` (default ``86400``)
    seconds a confirmation link works.
``registration.rate_limit`` (default ``10``) and ``registration.rate_window`` (default ``3600``)
    registrations and resend requests allowed from one client address per window.
"""
