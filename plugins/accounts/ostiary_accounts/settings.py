"""Plugin settings: each plugin owns a prefix and a small table, parsed at
start-up like core's ``ostiary.*`` settings, so a typo stops the server with
a message that names the setting instead of being silently ignored."""

from __future__ import annotations

import types

from ostiary.settings import SettingsError


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("expected a whole number of at least 1")
    return number


def parse_plugin_settings(raw, prefix: str, table) -> types.SimpleNamespace:
    """Parse the keys of ``raw`` that start with ``prefix`` according to
    ``table``, a sequence of ``(name, default, parse)``; unknown keys with
    that prefix are refused. Attribute names drop the prefix."""
    known = {name for name, _, _ in table}
    for key in raw:
        if key.startswith(prefix) and key not in known:
            raise SettingsError(f"{key}: unknown setting (known: {', '.join(sorted(known))})")
    values = {}
    for name, default, parse in table:
        text = raw.get(name, default)
        try:
            values[name.removeprefix(prefix)] = parse(text) if isinstance(text, str) else text
        except ValueError as exc:
            raise SettingsError(f"{name} = {text!r}: {exc}") from None
    return types.SimpleNamespace(**values)
