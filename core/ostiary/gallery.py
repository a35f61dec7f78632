"""The theme gallery: every page in every state, with sample data.

Only in development mode (``ostiary.development = true``): ``/_gallery``
lists the pages of the core and of every enabled plugin (hook
``ostiary_gallery_pages``); ``/_gallery/<name>?lang=de`` renders one of
them through its real template and the selected theme, with no flow to
run. Nothing is written to the database.
"""

from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.response import Response

from . import sample
from .interaction.pages import template

GALLERY_CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'none'; base-uri 'self'; frame-ancestors 'self'"
)


def gallery_pages(request) -> dict[str, tuple[str, dict]]:
    """``name -> (template, values)`` of the core's and the plugins' samples."""
    pages = dict(((name, (spec, values)) for name, spec, values in sample.core_pages(request)))
    for name, spec, values in request.plugins.gallery_pages():
        pages[name] = (spec, _plugin_defaults(request, values))
    return pages


def _plugin_defaults(request, values: dict) -> dict:
    """A plugin's sample values, with what the account plugins' pages always
    get (a CSRF token, a title). The core's samples need nothing added: they
    come from the views' own ``values`` builders."""
    return {"csrf_token": get_csrf_token(request), "page_title": request.registry.ostiary_brand.product_name, **values}


def _set_language(request) -> str | None:
    lang = request.params.get("lang")
    if lang and lang in request.registry.ostiary_settings.languages:
        request._LOCALE_ = lang
        return lang
    return None


def gallery_index(request):
    """``GET /_gallery``: links to every page in every language."""
    _set_language(request)
    from .themes import installed_themes

    values = {
        "page_title": "Gallery",
        "pages": sorted(gallery_pages(request)),
        "languages": request.registry.ostiary_settings.languages,
        "theme": request.registry.ostiary_settings.theme,
        "themes": sorted(installed_themes()),
    }
    response = render_to_response(template("gallery.pt"), values, request=request)
    response.headers["Cache-Control"] = "no-store"
    return response


def gallery_page(request):
    """``GET /_gallery/{name}``: one page in one state."""
    _set_language(request)
    found = gallery_pages(request).get(request.matchdict["name"])
    if found is None:
        raise HTTPNotFound()
    spec, values = found
    response = render_to_response(spec, values, request=request)
    response.headers["Cache-Control"] = "no-store"
    # The samples' forms and scripts must not leave the gallery.
    response.headers["Content-Security-Policy"] = GALLERY_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def gallery_frame(request):
    """``GET /_gallery/frame``: what a client's front-channel logout iframe shows."""
    return Response("front-channel logout of a sample client", content_type="text/plain")


def includeme(config):
    if not config.registry.ostiary_settings.development:
        return
    config.add_route("gallery", "/_gallery")
    config.add_route("gallery_frame", "/_gallery/frame")
    config.add_route("gallery_page", "/_gallery/{name:.+}")
    config.add_view(gallery_index, route_name="gallery", request_method=("GET", "HEAD"))
    config.add_view(gallery_frame, route_name="gallery_frame", request_method=("GET", "HEAD"))
    config.add_view(gallery_page, route_name="gallery_page", request_method=("GET", "HEAD"))
