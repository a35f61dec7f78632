"""``ostiary CONFIG registration token ...``: initial access tokens for
dynamic client registration (RFC 7591), when ``ostiary.client_registration
= token``."""

from __future__ import annotations

import argparse
import re

from .app import CommandError
from .backend import AdminCommandError
from .output import table, when

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def lifetime(text: str) -> int | None:
    """``90``, ``30m``, ``12h``, ``7d`` as seconds; ``never`` as None."""
    if text.strip().lower() == "never":
        return None
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if match is None or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"expected a duration such as 3600, 30m, 12h, 7d or never, not {text!r}")
    return int(match.group(1)) * UNITS[match.group(2) or "s"]


def _uses(text: str) -> int | None:
    if text.strip().lower() in ("unlimited", "0"):
        return None
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of uses of at least 1, or unlimited, not {text!r}")
    return number


def register(sub) -> None:
    """Add ``registration`` and its sub-commands to the sub-parsers ``sub``."""
    group = sub.add_parser("registration", help="initial access tokens for dynamic client registration")
    kinds = group.add_subparsers(dest="registration_kind", required=True, metavar="KIND")
    tokens = kinds.add_parser("token", help="create, list or revoke initial access tokens")
    actions = tokens.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token; prints it once")
    create.add_argument(
        "--uses", type=_uses, default=1, metavar="N", help="registrations it allows (default 1; unlimited)"
    )
    create.add_argument(
        "--expires",
        type=lifetime,
        default=7 * 86400,
        metavar="DURATION",
        help="lifetime such as 3600, 30m, 12h, 7d (default), or never",
    )
    # remote: through the admin API of the server when it holds the database
    create.set_defaults(handler=cmd_create, remote=True)
    listing = actions.add_parser("list", help="list the tokens (never their values)")
    listing.set_defaults(handler=cmd_list, remote=True)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=cmd_revoke, remote=True)


def _run(call, *args):
    try:
        return call(*args)
    except AdminCommandError as exc:
        raise CommandError(exc.detail) from None


def cmd_create(app, args):
    made = _run(app.backend.create_initial_token, args.uses, args.expires)
    info, value = made["token"], made["value"]
    uses = (
        "unlimited uses"
        if info["uses_left"] is None
        else f"{info['uses_left']} use{'' if info['uses_left'] == 1 else 's'}"
    )
    print(
        f"created initial access token {info['id']} ({uses}, expires {when(info['expires_at']) if info['expires_at'] else 'never'})"
    )
    print(f"token (shown only now, hand it over safely): {value}")
    settings = getattr(app, "settings", None)  # a RemoteApp (through the admin API) has none
    if settings is not None and settings.client_registration != "token":
        print(f"note: ostiary.client_registration is {settings.client_registration}; set it to token to require these")


def cmd_list(app, args):
    rows = [
        (
            t["id"],
            t["uses"],
            "unlimited" if t["uses_left"] is None else t["uses_left"],
            when(t["expires_at"]) if t["expires_at"] else "never",
            when(t["created_at"]),
            t["created_by"],
        )
        for t in _run(app.backend.list_initial_tokens)
    ]
    print(table(("id", "used", "uses left", "expires", "created", "by"), rows))


def cmd_revoke(app, args):
    _run(app.backend.revoke_initial_token, args.token_id)
    print(f"revoked initial access token {args.token_id}")
