"""The admin console's hook implementations (entry point ``admin_console``)."""

from __future__ import annotations

from ostiary.plugin import Setting, hookimpl, plugin_settings, positive_int

from . import pages, provider_pages, provider_views, views

SETTINGS = (
    Setting(
        "admin_console.reauthenticate_after",
        "300",
        positive_int,
        "Seconds after signing in that an administrator may still delete, disable, rotate or end sessions "
        "without signing in again (the console's own limit for core's fresh sign-in guard; an older sign-in "
        "goes through the login page and comes back).",
    ),
    Setting("admin_console.page_size", "50", positive_int, "Rows per page of the console's lists."),
)


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    config.registry.ostiary_admin_console_settings = plugin_settings(config.registry, "admin_console")
    for name, path, show, submit in views.PAGES + provider_views.PAGES:
        config.add_route(name, path)
        config.add_view(show, route_name=name, request_method=("GET", "HEAD"))
        if submit is not None:
            config.add_view(submit, route_name=name, request_method="POST")


@hookimpl
def ostiary_gallery_pages(request):
    return pages.gallery(request) + provider_pages.gallery(request)
