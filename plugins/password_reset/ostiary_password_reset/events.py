"""The audit event types the password-reset plugin emits."""

from ostiary.plugin import declare

RESET_REQUESTED = declare("password.reset_requested", "A reset link was mailed to an account's address.")
RESET = declare("password.reset", "A person set a new password with a reset link.")
