"""Ostiary: an OpenID Connect provider and OAuth 2.0 authorization server.

``main`` is the Paste Deploy application factory (``ostiary:main``);
``includeme`` wires the pieces into any Pyramid configurator.
"""

from __future__ import annotations

from pyramid.config import Configurator

from .settings import SettingsError, SettingsExit, check_database_uri, parse_settings

__all__ = ["main", "includeme", "SettingsError"]


def main(global_config, **settings):
    """Build the WSGI application from the ini's ``[app:main]`` settings.

    A bad setting raises :class:`SettingsError`, except when the app is
    loaded from an ini file (Paste Deploy passes its ``__file__``): the
    person reading the output then edits that file, so the error leaves as
    one line naming file and setting (:class:`~ostiary.settings.SettingsExit`)
    instead of under a traceback.
    """
    try:
        return _make_app(settings)
    except SettingsError as exc:
        config_file = (global_config or {}).get("__file__")
        if not config_file:
            raise
        raise SettingsExit(config_file, exc) from None


def _make_app(settings):
    config = Configurator(settings=settings)
    config.include("ostiary")
    config.commit()
    _bake_request_extensions(config.registry)
    from . import request_checks
    from .protocol import wellknown

    # The discovery and JWKS answers, which read nothing of the request,
    # come first; then every other request is checked before it is read.
    request_checks.install(config.registry)
    wellknown.install(config.registry)
    app = config.make_wsgi_app()
    from .maintenance import start_pruner
    from .models.database import database
    from .models.root import initialise
    from .plugins import evolve_steps

    initialise(database(config.registry), evolve_steps(config.registry))
    start_pruner(config.registry)
    return app


def _bake_request_extensions(registry):
    """Put every ``add_request_method`` extension on one request class, once.

    Pyramid applies reified request methods by creating a new class for
    every request (``InstancePropertyHelper.apply_properties``), about a
    third of the CPU time of a discovery request. A subclass made here at
    start-up, registered as the request factory, behaves the same.
    """
    from pyramid.interfaces import IRequestExtensions, IRequestFactory
    from pyramid.request import Request

    extensions = registry.queryUtility(IRequestExtensions)
    if extensions is None or not (extensions.descriptors or extensions.methods):
        return
    base = registry.queryUtility(IRequestFactory, default=Request)
    attrs = {**extensions.methods, **extensions.descriptors, "__module__": base.__module__}
    registry.registerUtility(type(base.__name__, (base,), attrs), IRequestFactory)
    extensions.methods, extensions.descriptors = {}, {}


def includeme(config):
    """Parse the settings, then add storage, plugins, themes, protocol and pages."""
    from .facade import get_plugins
    from .models.root import get_root
    from .passwords import PasswordPolicy, Passwords
    from .plugins import build_plugin_manager, hooks, parse_plugin_settings, plugin_setting_rows

    registry = config.registry
    settings = registry.ostiary_settings = parse_settings(registry.settings)
    check_database_uri(registry.settings)
    registry.settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    registry.settings.setdefault("retry.attempts", "5")
    config.include("pyramid_retry")
    config.include(".retry")
    config.include(".request_checks")
    config.include("pyramid_tm")
    config.include(".models.database")  # pyramid_zodbconn, with ZEO reading its writes
    config.include("pyramid_chameleon")
    extra = registry.settings.get("ostiary_testing_plugins", ())
    registry.ostiary_plugins = build_plugin_manager(settings, extra)
    # Before any ostiary_configure, so that a plugin finds its settings parsed.
    registry.ostiary_plugin_setting_rows = plugin_setting_rows(registry.ostiary_plugins)
    registry.ostiary_plugin_settings = parse_plugin_settings(registry.ostiary_plugin_setting_rows, registry.settings)
    registry.ostiary_passwords = Passwords.from_settings(settings)
    registry.ostiary_password_policy = PasswordPolicy(min_length=settings.password_min_length)
    config.add_request_method(hooks, "hooks", reify=True)
    config.add_request_method(get_plugins, "plugins", reify=True)
    config.add_request_method(get_root, "ostiary_root", reify=True)
    config.include(".themes")
    config.include(".protocol")
    config.include(".interaction")
    registry.ostiary_plugins.hook.ostiary_configure(config=config)
    registry.ostiary_plugins.hook.ostiary_add_pages(config=config)  # deprecated name
