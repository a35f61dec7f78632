"""The values each passkeys template receives, built in one place so that the
views and the theme gallery (``ostiary_gallery_pages``) agree."""

from __future__ import annotations

import datetime

from pyramid.csrf import get_csrf_token
from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import render_page, translate

_ = TranslationStringFactory("ostiary_passkeys")
TEMPLATES = "ostiary_passkeys:templates/"

#: What the page's script shows when the browser gives no answer (the
#: person cancelled, no authenticator, a timeout): the browser's own
#: error names are not for people.
BROWSER_FAILED = _("The passkey was not used. Try again, or sign in another way.")
NO_ANSWER = _("Your browser sent no passkey. Passkeys need JavaScript and a browser that supports them.")
REFUSED = _("This passkey was not accepted. Try again, or sign in another way.")


def _render(request, name: str, values: dict, status: int = 200):
    values.setdefault("csrf_token", get_csrf_token(request))
    return render_page(request, TEMPLATES + name, values, status=status)


def script_url(request) -> str:
    return request.static_path("ostiary_passkeys:static/passkeys.js")


def sign_in(request, *, options: str, return_url: str = "", client_name=None, error=None) -> dict:
    """``sign_in.pt``: a passkey as the first factor, no username asked."""
    return {
        "page_title": translate(request, _("Sign in with a passkey")),
        "options": options,
        "return_url": return_url,
        "client_name": client_name,
        "error": translate(request, error),
        "script": script_url(request),
        "browser_failed": translate(request, BROWSER_FAILED),
        "action": request.route_path("passkeys_sign_in"),
        "login_url": request.route_path("login", _query={"returnUrl": return_url} if return_url else {}),
    }


def _when(request, timestamp) -> str | None:
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def manage(request, *, options: str, credentials=(), error=None, notice=None, name="") -> dict:
    """``manage.pt``: the person's passkeys and security keys, and a new one."""
    rows = [
        {
            "id": c.credential_id,
            "name": c.name,
            "kind": translate(request, _("Synced passkey") if c.synced else _("Passkey or security key on one device")),
            "created": _when(request, c.created_at),
            "last_used": _when(request, c.last_used_at),
        }
        for c in credentials
    ]
    return {
        "page_title": translate(request, _("Passkeys and security keys")),
        "options": options,
        "credentials": rows,
        "error": translate(request, error),
        "notice": translate(request, notice),
        "name": name,
        "script": script_url(request),
        "browser_failed": translate(request, BROWSER_FAILED),
    }


def export_row(credential) -> dict:
    return {
        "name": credential.name,
        "synced": credential.synced,
        "transports": list(credential.transports),
        "created_at": credential.created_at,
        "last_used_at": credential.last_used_at,
    }


SAMPLE_OPTIONS = '{"challenge": "c2FtcGxl", "rpId": "localhost"}'


class _Sample:
    def __init__(self, name, synced, created, used):
        self.credential_id, self.name, self.synced = "c2FtcGxl" + name[:3], name, synced
        self.created_at, self.last_used_at = created, used


def gallery(request) -> list:
    """Every page in the states a designer must see, with sample data."""
    samples = [_Sample("Laptop", True, 1767225600, 1767312000), _Sample("YubiKey", False, 1767225600, None)]
    states = [
        ("sign-in", "sign_in.pt", sign_in(request, options=SAMPLE_OPTIONS, client_name="Demo application")),
        ("sign-in-refused", "sign_in.pt", sign_in(request, options=SAMPLE_OPTIONS, error=REFUSED)),
        ("manage-empty", "manage.pt", manage(request, options=SAMPLE_OPTIONS)),
        (
            "manage",
            "manage.pt",
            manage(request, options=SAMPLE_OPTIONS, credentials=samples, notice=_("Passkey added.")),
        ),
        ("manage-error", "manage.pt", manage(request, options=SAMPLE_OPTIONS, credentials=samples[:1], error=REFUSED)),
    ]
    return [(f"passkeys/{name}", TEMPLATES + template, values) for name, template, values in states]


render = _render
