"""``ostiary CONFIG provider ...``: external login providers kept in the database.

They merge with the providers of the ini file (``ostiary.providers``); a
name the ini file uses cannot be added here, and the ini file's providers
cannot be removed here. The options are the ini settings, checked by the
same parser (:func:`ostiary.settings.parse_provider`). The client secret is
stored as given, since Ostiary must present it to the provider: read it
from standard input rather than the command line.
"""

from __future__ import annotations

import argparse
import sys

from ..settings import PROVIDER_SETTINGS, SettingsError, parse_provider
from .app import CommandError
from .output import table

#: Settings given as flags (no value) on the command line.
FLAGS = ("link_by_verified_email", "end_upstream_session")
#: Settings that default to true, turned off by a ``--no-...`` flag (with its help).
NEGATED_FLAGS = {
    "forward_prompt": "do not pass a client's prompt=login and max_age on to the provider "
    "(for a provider that misbehaves with them)",
    "backchannel_logout": "do not accept the provider's back-channel logout tokens "
    "(its sign-outs then leave sessions here alone)",
}


def _claim(text: str) -> tuple[str, str]:
    local, sep, upstream = text.partition("=")
    if not sep or not local.strip():
        raise argparse.ArgumentTypeError(f"expected LOCAL=UPSTREAM, got {text!r}")
    return local.strip(), upstream.strip()


def register(sub) -> None:
    """Add ``provider`` and its sub-commands to the sub-parsers ``sub``."""
    parser = sub.add_parser("provider", help="add, list or remove external login providers")
    commands = parser.add_subparsers(dest="provider_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="add an upstream OpenID Connect or OAuth 2.0 provider")
    add.add_argument("name", help="lower-case letters, digits, - and _; used in URLs and idp:NAME hints")
    for setting in PROVIDER_SETTINGS:
        option = "--" + setting.name.replace("_", "-")
        if setting.name in FLAGS:
            add.add_argument(option, action="store_true", help=setting.doc)
        elif setting.name in NEGATED_FLAGS:
            add.add_argument(
                "--no-" + option.removeprefix("--"),
                dest=setting.name,
                action="store_false",
                help=NEGATED_FLAGS[setting.name],
            )
        elif setting.name != "client_secret":
            add.add_argument(option, dest=setting.name, metavar=setting.name.upper(), help=setting.doc)
    secret = add.add_mutually_exclusive_group()
    secret.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="read the client secret from the first line of standard input",
    )
    secret.add_argument(
        "--client-secret", dest="client_secret", help="the client secret itself (visible to other local users: avoid)"
    )
    add.add_argument(
        "--claim",
        action="append",
        default=[],
        type=_claim,
        metavar="LOCAL=UPSTREAM",
        help="map an upstream claim to a local one, e.g. email=mail; repeatable",
    )
    add.set_defaults(handler=cmd_add)

    commands.add_parser("list", help="list providers from the ini file and the database").set_defaults(handler=cmd_list)
    remove = commands.add_parser("remove", help="remove a provider added here (its links are kept)")
    remove.add_argument("name")
    remove.set_defaults(handler=cmd_remove)


def raw_settings(args) -> dict[str, str]:
    """The provider's settings as the ini file would spell them."""
    raw = {}
    for setting in PROVIDER_SETTINGS:
        value = getattr(args, setting.name, None)
        if setting.name in FLAGS:
            value = "true" if value else None
        elif setting.name in NEGATED_FLAGS:
            value = None if value else "false"
        if value is not None:
            raw[setting.name] = value
    if args.client_secret_stdin:
        raw["client_secret"] = sys.stdin.readline().rstrip("\r\n")
    for local, upstream in args.claim:
        raw[f"claims.{local}"] = upstream
    return raw


def cmd_add(app, args):
    if any(p.name == args.name for p in app.settings.providers):
        raise CommandError(f"provider {args.name!r} is set in the ini file")
    store = app.root.federation.providers
    if args.name in store:
        raise CommandError(f"provider {args.name!r} exists already")
    raw = raw_settings(args)
    try:
        provider = parse_provider(args.name, raw, source="database", prefix=f"provider {args.name}: ")
    except SettingsError as exc:
        raise CommandError(str(exc)) from None
    store[args.name] = raw
    print(f"added {'OpenID Connect' if provider.kind == 'oidc' else 'OAuth 2.0'} provider {args.name}")


def _rows(app):
    seen = set()
    for provider in app.settings.providers:
        seen.add(provider.name)
        yield provider, "ini"
    for name, raw in app.root.federation.providers.items():
        if name in seen:
            continue
        try:
            yield parse_provider(name, dict(raw), source="database"), "database"
        except SettingsError as exc:
            print(f"ostiary: provider {name} in the database is invalid: {exc}", file=sys.stderr)


def cmd_list(app, args):
    rows = [
        (p.name, p.display_name, p.kind, p.issuer or p.authorization_endpoint, p.provisioning, source)
        for p, source in _rows(app)
    ]
    print(table(("name", "display name", "kind", "issuer or endpoint", "provisioning", "source"), rows))


def cmd_remove(app, args):
    if any(p.name == args.name for p in app.settings.providers):
        raise CommandError(f"provider {args.name!r} is set in the ini file; remove it there")
    store = app.root.federation.providers
    if args.name not in store:
        raise CommandError(f"no provider {args.name!r} in the database")
    del store[args.name]
    print(f"removed provider {args.name}")
