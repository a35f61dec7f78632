"""``ostiary CONFIG provider ...``: external login providers kept in the database.

They merge with the providers of the ini file (``ostiary.providers``); a
name the ini file uses cannot be added, changed or removed here. The
options are the ini settings, checked by the service layer
(:mod:`ostiary.administration.providers`) with the ini file's parser, so
the command, the admin API and the console refuse the same things in the
same words; while a running server holds the database, the commands work
through its admin API. The client secret is stored as given, since Ostiary
must present it to the provider: read it from standard input rather than
the command line.
"""

from __future__ import annotations

import argparse
import sys

from ..settings import PROVIDER_SETTINGS
from .app import CommandError
from .backend import AdminCommandError
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
#: Every setting that is a true/false flag.
BOOLEANS = (*FLAGS, *NEGATED_FLAGS)


def _claim(text: str) -> tuple[str, str]:
    local, sep, upstream = text.partition("=")
    if not sep or not local.strip():
        raise argparse.ArgumentTypeError(f"expected LOCAL=UPSTREAM, got {text!r}")
    return local.strip(), upstream.strip()


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _setting_options(parser, *, update: bool) -> None:
    """The ini settings as options; on ``update`` each is left alone unless
    given, and a flag is turned on or off with ``--X`` / ``--no-X``."""
    for setting in PROVIDER_SETTINGS:
        option = _option(setting.name)
        if setting.name == "client_secret":
            continue
        if update and setting.name in BOOLEANS:
            parser.add_argument(option, dest=setting.name, action=argparse.BooleanOptionalAction, help=setting.doc)
        elif setting.name in FLAGS:
            parser.add_argument(option, action="store_true", help=setting.doc)
        elif setting.name in NEGATED_FLAGS:
            parser.add_argument(
                "--no-" + option.removeprefix("--"),
                dest=setting.name,
                action="store_false",
                help=NEGATED_FLAGS[setting.name],
            )
        else:
            parser.add_argument(option, dest=setting.name, metavar=setting.name.upper(), help=setting.doc)
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="read the client secret from the first line of standard input",
    )
    secret.add_argument(
        "--client-secret", dest="client_secret", help="the client secret itself (visible to other local users: avoid)"
    )
    parser.add_argument(
        "--claim",
        action="append",
        default=[],
        type=_claim,
        metavar="LOCAL=UPSTREAM",
        help="map an upstream claim to a local one, e.g. email=mail; repeatable"
        + ("; given, these replace every mapping" if update else ""),
    )


def register(sub) -> None:
    """Add ``provider`` and its sub-commands to the sub-parsers ``sub``."""
    parser = sub.add_parser("provider", help="add, list or remove external login providers")
    commands = parser.add_subparsers(dest="provider_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="add an upstream OpenID Connect or OAuth 2.0 provider")
    add.add_argument("name", help="lower-case letters, digits, - and _; used in URLs and idp:NAME hints")
    _setting_options(add, update=False)
    add.set_defaults(handler=cmd_add, remote=True)

    update = commands.add_parser("update", help="change settings of a provider added here")
    update.add_argument("name")
    _setting_options(update, update=True)
    update.add_argument(
        "--unset",
        action="append",
        default=[],
        choices=[s.name for s in PROVIDER_SETTINGS if s.name != "client_secret"],
        metavar="SETTING",
        help="go back to a setting's default (its ini name, e.g. display_name); repeatable",
    )
    update.set_defaults(handler=cmd_update, remote=True)

    commands.add_parser("list", help="list providers from the ini file and the database").set_defaults(
        handler=cmd_list, remote=True
    )
    remove = commands.add_parser("remove", help="remove a provider added here (its links are kept)")
    remove.add_argument("name")
    remove.set_defaults(handler=cmd_remove, remote=True)


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


def _api_form(raw: dict[str, str]) -> dict:
    """Ini-spelled settings as the service takes them: ``claims`` an object."""
    settings: dict = {k: v for k, v in raw.items() if not k.startswith("claims.")}
    claims = {k.removeprefix("claims."): v for k, v in raw.items() if k.startswith("claims.")}
    if claims:
        settings["claims"] = claims
    return settings


def _refusal(name: str, exc: AdminCommandError) -> CommandError:
    """A refusal of the service, naming the option at fault."""
    if exc.field in (None, "name") or exc.status in (404, 409):
        return CommandError(exc.detail)
    option = "--claim" if exc.field == "claims" else _option(exc.field)
    return CommandError(f"provider {name!r}: {option}: {exc.detail}")


def _kind(provider: dict) -> str:
    return "OpenID Connect" if provider["kind"] == "oidc" else "OAuth 2.0"


def cmd_add(app, args):
    try:
        provider = app.backend.create_provider(args.name, _api_form(raw_settings(args)))
    except AdminCommandError as exc:
        raise _refusal(args.name, exc) from None
    print(f"added {_kind(provider)} provider {provider['name']}")


def changed_settings(args) -> dict:
    """What ``provider update`` changes, as the service takes it (None: back
    to the default)."""
    changes: dict = {}
    for setting in PROVIDER_SETTINGS:
        value = getattr(args, setting.name, None)
        if setting.name in BOOLEANS and value is not None:
            value = "true" if value else "false"
        if value is not None:
            changes[setting.name] = value
    if args.client_secret_stdin:
        changes["client_secret"] = sys.stdin.readline().rstrip("\r\n")
    for name in args.unset:
        if name in changes:
            raise CommandError(f"{_option(name)} and --unset {name}: give one of them")
        changes[name] = None
    if args.claim:
        changes["claims"] = dict(args.claim)
    return changes


def cmd_update(app, args):
    changes = changed_settings(args)
    if not changes:
        raise CommandError("nothing to change: give an option such as --display-name or --unset SETTING")
    try:
        app.backend.update_provider(args.name, changes)
    except AdminCommandError as exc:
        raise _refusal(args.name, exc) from None
    print(f"updated provider {args.name}: {', '.join(sorted(changes))}")


def cmd_list(app, args):
    rows = [
        (
            p["name"],
            p["display_name"],
            p["kind"],
            p["issuer"] or p["authorization_endpoint"],
            p["provisioning"],
            p["source"],
        )
        for p in app.backend.list_providers()
    ]
    print(table(("name", "display name", "kind", "issuer or endpoint", "provisioning", "source"), rows))


def cmd_remove(app, args):
    try:
        app.backend.delete_provider(args.name)
    except AdminCommandError as exc:
        raise _refusal(args.name, exc) from None
    print(f"removed provider {args.name}")
