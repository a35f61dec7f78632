"""The plugin manager: one per application, kept on the Pyramid registry.

Built-in plugins are registered from :data:`DEFAULT_PLUGINS` the same way
as third-party ones from the ``ostiary.plugins`` entry points. A deployment
enables installed plugins by name with ``ostiary.plugins`` and blocks any
plugin, built-in ones included, with ``ostiary.plugins.disabled``.
"""

from __future__ import annotations

import importlib
import logging
import types
import warnings
from importlib.metadata import entry_points

import pluggy

from . import hookspecs
from .settings import SettingsError, parse_table

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ostiary.plugins"

#: Built-in plugins, registered first so that third-party plugins, which
#: are registered later, win where results are merged.
DEFAULT_PLUGINS = (
    ("zodb_clients", "ostiary.defaults.zodb_clients"),
    ("zodb_resources", "ostiary.defaults.zodb_resources"),
    ("zodb_users", "ostiary.defaults.zodb_users"),
    ("profile", "ostiary.defaults.profile"),
    ("audit_log", "ostiary.defaults.audit_log"),
    ("password", "ostiary.defaults.password"),  # issue 13: the password as an authentication method
    ("account", "ostiary.defaults.account"),
    ("federation", "ostiary.defaults.federation"),
)


def installed_plugins() -> dict[str, object]:
    """Map entry-point names in ``ostiary.plugins`` to their entry points."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def build_plugin_manager(settings, extra=()) -> pluggy.PluginManager:
    """Create the plugin manager for one application.

    ``extra`` is a sequence of ``(name, plugin)`` pairs registered last; the
    test suite uses it to register a plugin inside a test.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    available = installed_plugins()
    _check_names(settings, available, extra)
    # Historic: each plugin registered below is called as it is registered.
    pm.hook.ostiary_add_hookspecs.call_historic(kwargs={"plugin_manager": pm})
    for name in settings.plugins_disabled:
        pm.set_blocked(name)
    for name, module in DEFAULT_PLUGINS:
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(module), name=name)
    for name in settings.plugins:
        if not pm.is_blocked(name):
            pm.register(available[name].load(), name=name)
    for name, plugin in extra:
        pm.register(plugin, name=name)
    # A hook implementation whose name matches no specification is almost
    # always a typo; fail at start-up rather than silently never calling it.
    pm.check_pending()
    log.info("plugins: %s", ", ".join(name for name, plugin in pm.list_name_plugin() if plugin is not None))
    return pm


def _check_names(settings, available, extra) -> None:
    """Refuse a plugin name that names nothing: a typo in
    ``ostiary.plugins.disabled`` would otherwise leave the plugin running."""
    for name in settings.plugins:
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise SettingsError(f"ostiary.plugins: no installed plugin named {name!r} (installed: {known})")
    known_names = {name for name, _ in DEFAULT_PLUGINS} | set(available) | {name for name, _ in extra}
    for name in settings.plugins_disabled:
        if name not in known_names:
            raise SettingsError(
                f"ostiary.plugins.disabled: no plugin named {name!r} (known: {', '.join(sorted(known_names))})"
            )


def housekeeping(registry):
    """Every plugin's ``ostiary_housekeeping`` as one function of
    ``(mapping, when)``, for core's pruning to call in its transaction;
    the plugins' counts are summed. Not per request, so not on the facade."""
    relay = registry.ostiary_plugins.hook

    def run(mapping, when: int) -> int:
        return sum(count or 0 for count in relay.ostiary_housekeeping(mapping=mapping, now=when))

    return run


def evolve_steps(registry) -> list[tuple[str, tuple]]:
    """Every plugin's ``(name, steps)`` from ``ostiary_evolve_steps``, in
    registration order; two plugins may not share a name."""
    answers = [answer for answer in reversed(registry.ostiary_plugins.hook.ostiary_evolve_steps()) if answer]
    seen: set[str] = set()
    for name, _steps in answers:
        if name in seen:
            raise SettingsError(f"two plugins keep evolve steps under the name {name!r}")
        seen.add(name)
    return [(name, tuple(steps)) for name, steps in answers]


def get_plugin_manager(registry) -> pluggy.PluginManager:
    """The application's plugin manager."""
    return registry.ostiary_plugins


def hooks(request):
    """Request method ``request.hooks``, deprecated: the raw hook relay, which
    leaves combining the plugins' answers to the caller. Use
    ``request.plugins`` (:class:`ostiary.facade.Plugins`)."""
    warnings.warn(
        "request.hooks is deprecated and will be removed: use request.plugins, which applies each hook's combine rule",
        DeprecationWarning,
        stacklevel=2,
    )
    return request.registry.ostiary_plugins.hook


# -- plugin settings: rows of core's table under each plugin's prefix -----------
#
# A plugin returns its rows from ``ostiary_settings()``; they are parsed by
# the parser of core's own table (:func:`ostiary.settings.parse_rows`) when
# the plugin manager is built, before any ``ostiary_configure``.


def _prefix(plugin: str, row) -> str:
    """``registration.`` for ``registration.token_lifetime``; core's is refused."""
    prefix, dot, rest = row.name.partition(".")
    if not dot or not prefix or not rest:
        raise SettingsError(f"{row.name}: a setting of plugin {plugin!r} needs a prefix, e.g. {plugin}.{row.name}")
    if prefix == "ostiary":
        raise SettingsError(f"{row.name}: plugin {plugin!r} cannot declare a setting under ostiary., which is core's")
    return prefix + "."


def plugin_setting_rows(pm: pluggy.PluginManager) -> dict[str, tuple]:
    """Each plugin's declared rows, by plugin name, in registration order.

    Each implementation is called on its own (the hook takes no arguments)
    because the rows must stay attributed to their plugin. A plugin's rows
    share one prefix, and no other plugin may use it: the prefix is how an
    unknown key is told from another plugin's.
    """
    rows: dict[str, tuple] = {}
    owners: dict[str, str] = {}
    for impl in pm.hook.ostiary_settings.get_hookimpls():  # registration order
        plugin, declared = impl.plugin_name, tuple(impl.function() or ())
        prefixes = {_prefix(plugin, row) for row in declared}
        if len(prefixes) > 1:
            raise SettingsError(
                f"plugin {plugin!r}: its settings must share one prefix, not {', '.join(sorted(prefixes))}"
            )
        for prefix in prefixes:
            if owners.setdefault(prefix, plugin) != plugin:
                raise SettingsError(f"{prefix}*: settings declared by both {owners[prefix]!r} and {plugin!r}")
        rows[plugin] = declared
    return rows


def parse_plugin_settings(rows: dict[str, tuple], raw) -> dict[str, types.SimpleNamespace]:
    """Every plugin's parsed settings, by plugin name: one attribute per row,
    the name without the prefix (``token_lifetime``). A key under a plugin's
    prefix that names no row is refused, as an unknown ``ostiary.*`` key is."""
    return {
        plugin: parse_table(raw, declared, _prefix(plugin, declared[0])) if declared else types.SimpleNamespace()
        for plugin, declared in rows.items()
    }


def add_plugin_commands(pm: pluggy.PluginManager, subparsers) -> None:
    """Let every plugin add its sub-commands (``ostiary_commands``), when the
    command line builds its parser; start-up hooks are called here, not
    through the per-request facade."""
    pm.hook.ostiary_commands(subparsers=subparsers)
