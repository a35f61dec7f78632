"""The audit event types the registration plugin emits."""

from ostiary.plugin import declare

REGISTERED = declare("account.registered", "A person registered an account (not yet verified).")
EMAIL_VERIFIED = declare("account.email_verified", "A person confirmed their email address.")
EXISTING_ADDRESS = declare(
    "account.registration_for_existing_address",
    "Someone tried to register with the address of an existing account; its owner was told.",
)
