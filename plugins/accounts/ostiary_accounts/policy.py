"""The password policy of self-service pages: core's own now
(:mod:`ostiary.passwords`), so that the account console, the command line
and ``ostiary load`` apply the same one; re-exported here for the plugins
that import it from the accounts library."""

from __future__ import annotations

from ostiary.plugin import MAX_LENGTH, PasswordPolicy, common_passwords, get_password_policy

get_policy = get_password_policy

__all__ = ["MAX_LENGTH", "PasswordPolicy", "common_passwords", "get_policy"]
