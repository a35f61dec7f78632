"""The audit event types the passkeys plugin emits."""

from ostiary.plugin import declare

REGISTERED = declare("passkey.registered", "A person registered a passkey or security key.")
RENAMED = declare("passkey.renamed", "A person renamed one of their passkeys or security keys.")
REMOVED = declare("passkey.removed", "A person removed one of their passkeys or security keys.")
REFUSED = declare(
    "passkey.refused",
    "A passkey ceremony was refused: an unknown credential, a wrong or used challenge, a bad signature.",
)
