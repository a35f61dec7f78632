"""The console's sections: the :class:`AccountSection` rows of the
``ostiary_account_sections`` hook, and the list the console home shows."""

from __future__ import annotations

from types import SimpleNamespace

from ...hookspecs import AccountSection
from ...i18n import translate

__all__ = ["AccountSection", "visible_sections"]


def visible_sections(request) -> list[SimpleNamespace]:
    """The available sections for the signed-in person, in order, with
    their title and description translated for the page."""
    shown = []
    for section in request.plugins.account_sections():
        if not section.available:
            continue
        shown.append(
            SimpleNamespace(
                name=section.name,
                title=translate(request, section.title),
                description=translate(request, section.description),
                url=section.url,
            )
        )
    return shown
