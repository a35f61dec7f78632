"""The example profile service's hooks (entry point ``profile_example``)."""

from __future__ import annotations

from ostiary.plugin import Caller, Resource, Setting, SettingsError, hookimpl, plugin_settings

from .source import ClaimsFile

#: The scope this plugin adds, and the claims it carries.
SCOPE = Resource(
    "department",
    "identity",
    "Your department",
    "Your department and job title, from the staff directory",
    claims=("department", "title"),
)
#: Keys of an entry that are not claims.
NOT_CLAIMS = frozenset({"active"})


#: This plugin's one setting: core parses it and refuses a misspelt key.
SETTINGS = (
    Setting("profile_example.path", None, str.strip, "The JSON file of claims: subject or username to claims."),
)


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    """At start-up: open the file the setting names."""
    path = plugin_settings(config.registry, "profile_example").path
    if not path:
        raise SettingsError("profile_example.path: required setting is missing (a JSON file of claims)")
    try:
        config.registry.profile_example_source = ClaimsFile(path)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"profile_example.path = {path!r}: {exc}") from None


def _entry(request, subject):
    user = request.plugins.user_by_subject(subject=subject)
    username = user.username if user is not None else None
    return request.registry.profile_example_source.entry(subject, username)


@hookimpl
def ostiary_resources(request):
    return [SCOPE]


@hookimpl
def ostiary_profile_claims(request, subject, client, requested_claims, caller):
    if caller == Caller.ACCESS_TOKEN:
        return {}  # staff-directory data stays out of tokens that travel to APIs
    entry = _entry(request, subject) or {}
    return {name: value for name, value in entry.items() if name in requested_claims and name not in NOT_CLAIMS}


@hookimpl
def ostiary_is_active(request, subject):
    entry = _entry(request, subject)
    if entry is not None and entry.get("active") is False:
        return False  # left the organisation: no sign-in, no token, no refresh
    return None
