"""The audit events of the account console: every change a person makes
to their own account is one of these (docs/account.md)."""

from ...events import declare

PROFILE_CHANGED = declare("account.profile_changed", "A person changed profile claims in the account console.")
EMAIL_CHANGE_REQUESTED = declare(
    "account.email_change_requested", "A person asked to change their email; a confirmation link was mailed."
)
EMAIL_CHANGED = declare("account.email_changed", "A person confirmed a new email address with its link.")
PASSWORD_CHANGED = declare("account.password_changed", "A person changed (or first set) their password.")
PASSWORD_CHANGE_FAILED = declare(
    "account.password_change.failed", "A password change was refused: the current password was wrong."
)
DATA_EXPORTED = declare("account.exported", "A person downloaded their data.")
ACCOUNT_DELETED = declare("account.deleted", "A person deleted their account.")
