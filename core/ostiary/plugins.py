"""The plugin manager: one per application, kept on the Pyramid registry.

Built-in plugins are registered from :data:`DEFAULT_PLUGINS` the same way
as third-party ones from the ``ostiary.plugins`` entry points. A deployment
enables installed plugins by name with ``ostiary.plugins`` and blocks any
plugin, built-in ones included, with ``ostiary.plugins.disabled``.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from importlib.metadata import entry_points

import pluggy

from . import hookspecs
from .settings import SettingsError

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
            raise SettingsError(f"ostiary.plugins.disabled: no plugin named {name!r} "
                                f"(known: {', '.join(sorted(known_names))})")


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
    for name, steps in answers:
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
    warnings.warn("request.hooks is deprecated and will be removed: use request.plugins, which applies each "
                  "hook's combine rule", DeprecationWarning, stacklevel=2)
    return request.registry.ostiary_plugins.hook
