"""Languages: which one a page is shown in, and where the translations live.

Pyramid's translation machinery does the work: every template marks its
text with Chameleon's ``i18n:`` attributes, Python code wraps messages in
:data:`_` (a translation-string factory for the ``ostiary`` domain), and
the catalogs are gettext ``.mo`` files in ``locale/<lang>/LC_MESSAGES/``.

Catalogs come from three places, each with its own domain:

* ``ostiary:locale/`` holds the ``ostiary`` domain: the core's messages and
  every text of the default theme's templates;
* every enabled plugin whose package has a ``locale/`` directory (domain
  ``ostiary_<plugin>`` by convention);
* the selected theme's ``locale/`` directory (domain ``ostiary_theme_<name>``).

The language of a page (:func:`negotiate_locale`): the ``ui_locales`` of
the authorization or end-session request the page belongs to, then the
browser's ``Accept-Language``, then ``pyramid.default_locale_name``; only
languages listed in ``ostiary.languages`` are chosen.
"""

from __future__ import annotations

import os

from pyramid.i18n import TranslationString, TranslationStringFactory

DOMAIN = "ostiary"

#: Marks a message of the ``ostiary`` domain for translation and extraction.
_ = TranslationStringFactory(DOMAIN)


def translate(request, message):
    """``message`` in the request's language; plain strings (a plugin's
    already translated text) and None pass through unchanged."""
    if message is None or not isinstance(message, TranslationString):
        return message
    return request.localizer.translate(message)


def translate_text(request, text: str | None, domain: str = DOMAIN):
    """Translate stored text (the display name of a standard scope) if the
    catalog of ``domain`` knows it, else return it as it is."""
    if not text:
        return text
    return request.localizer.translate(TranslationString(text, domain=domain))


def _match(wanted: str, languages) -> str | None:
    """The offered language that ``wanted`` (``de-CH``, ``de``, ``pt_BR``) asks for."""
    wanted = wanted.strip().replace("-", "_")
    if not wanted:
        return None
    lowered = {lang.lower(): lang for lang in languages}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    return lowered.get(wanted.split("_")[0].lower())


def _requested_ui_locales(request) -> tuple[str, ...]:
    """ui_locales of the authorization request behind ``returnUrl``, or of
    the end-session request behind ``logoutId``."""
    params = request.params
    service = request.interaction
    return_url = params.get("returnUrl")
    if return_url:
        context = service.authorization_context(return_url)
        if context is not None:
            return context.ui_locales
    logout_id = params.get("logoutId")
    if logout_id:
        record = service.logout_context(logout_id)
        if record is not None and record.ui_locales:
            return tuple(record.ui_locales.split())
    return ()


def default_language(request) -> str:
    settings = request.registry.ostiary_settings
    default = request.registry.settings.get("pyramid.default_locale_name", "en")
    return _match(default, settings.languages) or settings.languages[0]


def negotiate_locale(request) -> str:
    """The locale negotiator: ui_locales, then Accept-Language, then the default."""
    languages = request.registry.ostiary_settings.languages
    forced = getattr(request, "_LOCALE_", None)  # set by the gallery's ?lang=
    if forced and _match(forced, languages):
        return _match(forced, languages)
    try:
        requested = _requested_ui_locales(request)
    except Exception:  # noqa: BLE001 - a broken database must not hide the error page
        requested = ()
    for wanted in requested:
        found = _match(wanted, languages)
        if found:
            return found
    accept = request.accept_language
    if accept:
        offers = [lang.replace("_", "-") for lang in languages]
        best = accept.lookup(offers, default="")
        if best:
            return _match(best, languages)
    return default_language(request)


def package_locale_dir(package_name: str) -> str | None:
    """The ``locale`` directory of an importable package, if it has one (an
    absolute path: pkg_resources cannot resolve packages that pytest's
    assertion rewriting imported)."""
    import importlib

    try:
        module = importlib.import_module(package_name)
    except ImportError:
        return None
    directory = os.path.join(os.path.dirname(module.__file__ or ""), "locale")
    return directory if os.path.isdir(directory) else None


def includeme(config):
    """Register the negotiator and the core's translations; themes.py adds
    the plugins' and the theme's directories."""
    config.set_locale_negotiator(negotiate_locale)
    config.add_translation_dirs(package_locale_dir("ostiary"))
