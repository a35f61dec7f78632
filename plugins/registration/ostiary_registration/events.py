"""The audit event types the registration plugin emits."""

from ostiary.events import declare

REGISTERED = declare("account.registered", "A person registered an account (not yet verified).")
EMAIL_VERIFIED = declare("account.email_verified", "A person confirmed their email address.")
