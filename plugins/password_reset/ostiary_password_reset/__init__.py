"""Self-service password reset for Ostiary (enable with ``ostiary.plugins = password_reset``).

The login page links to ``/account/password/forgot``. A person gives an
email address; the page answers the same whether or not an account uses
it, and if one does, a link that works once and expires is mailed to it
(only a SHA-256 digest of the token is stored). The link opens a form for a
new password under the shared policy of ``ostiary_accounts``. After the
reset every SSO session and refresh token of the account is revoked
(``request.interaction.revoke_user``), a notice is mailed, and the person
signs in again, returning to the authorization request that started it.

Passwords are set only through the ``ostiary_set_password`` hook. Settings
(besides ``accounts.*`` and ``mail.*``):

``password_reset.token_lifetime`` (default ``3600``)
    seconds a reset link works.
``password_reset.rate_limit`` (default ``10``) and ``password_reset.rate_window`` (default ``3600``)
    reset requests allowed from one client address per window.
``password_reset.mails_per_address`` (default ``3``)
    reset mails sent to one address per window; further requests get the
    same answer and no mail, so nobody can flood a mailbox.
"""
