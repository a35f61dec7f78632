"""``ostiary CONFIG plugins``: the enabled plugins, their distributions and
versions, the hooks each implements and its settings (datasette's
``/-/plugins``), so a deployment can see what is really running.

Secret settings (rows marked ``secret``) are never printed, only whether
they are set.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ..plugins import DEFAULT_PLUGINS, installed_plugins

BUILT_IN = {name for name, _ in DEFAULT_PLUGINS}
#: What a secret setting shows instead of its value.
MASK = "********"


def register(sub) -> None:
    """Add ``plugins`` to the sub-parsers ``sub``."""
    command = sub.add_parser("plugins", help="list the enabled plugins, their versions, hooks and settings")
    command.set_defaults(handler=cmd_plugins)


def distribution(name: str) -> str:
    """``DISTRIBUTION VERSION`` of a plugin; built-ins are Ostiary's."""
    if name in BUILT_IN:
        try:
            return f"ostiary {version('ostiary')} (built-in)"
        except PackageNotFoundError:  # run from a source tree without installing
            return "ostiary (built-in)"
    entry_point = installed_plugins().get(name)
    dist = getattr(entry_point, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "-"


def shown(row, raw) -> str:
    """A setting's value as the ini gives it (or its default), secrets masked."""
    value = raw.get(row.name, row.default)
    if row.secret:
        return MASK if value else "(not set)"
    return value if isinstance(value, str) else repr(value)


def describe(pm, name: str, plugin, rows, raw) -> list[str]:
    """The lines about one plugin."""
    hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or ())
    lines = [f"{name}  {distribution(name)}", f"  hooks: {', '.join(hooks) or '-'}"]
    lines += [f"  {row.name} = {shown(row, raw)}" for row in rows]
    return lines


def cmd_plugins(app, args):
    pm = app.registry.ostiary_plugins
    rows = app.registry.ostiary_plugin_setting_rows
    lines = []
    for name, plugin in pm.list_name_plugin():
        if plugin is not None:  # None: blocked by ostiary.plugins.disabled
            lines += describe(pm, name, plugin, rows.get(name, ()), app.registry.settings)
    print("\n".join(lines))
