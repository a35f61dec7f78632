"""The sub-commands of ``ostiary``: the database as a whole here, users,
clients and keys in modules of their own."""

from __future__ import annotations

import argparse

from .. import loader
from ..models import packing
from ..models.root import prune_request
from ..plugins import housekeeping
from . import audit, backup, check, clients, keys, logout, plugin_list, providers, registration, sessions, themes, users
from .app import CommandError
from .output import size


def register(sub) -> None:
    """Add every command to the argparse sub-parsers ``sub``."""
    init = sub.add_parser("init", help="create the database and signing keys if absent")
    init.set_defaults(handler=cmd_init)
    users.register(sub)
    clients.register(sub)
    keys.register(sub)
    themes.register(sub)
    providers.register(sub)
    plugin_list.register(sub)
    logout.register(sub)
    check.register(sub)
    registration.register(sub)  # dynamic client registration's initial access tokens
    sessions.register(sub)  # session list|end, error show (issue 14)
    audit.register(sub)
    backup.register(sub)
    prune = sub.add_parser(
        "prune", help="delete expired codes, tokens, sessions, consents, retired keys and plugins' data"
    )
    prune.set_defaults(handler=cmd_prune)
    pack = sub.add_parser("pack", help="pack a FileStorage database: remove old object versions")
    pack.add_argument(
        "--days", type=_days, metavar="N", help="days of history to keep (default: the ostiary.pack_keep_days setting)"
    )
    pack.set_defaults(handler=cmd_pack, busy_hint="or let the server pack it itself (ostiary.pack_interval)")
    load = sub.add_parser("load", help="load clients, resources and users from a TOML file")
    load.add_argument("file")
    load.set_defaults(handler=cmd_load)


def cmd_init(app, args):
    app.root.keys.ensure()
    print(f"database ready at generation {app.root.generation}; issuer {app.settings.issuer}")


def cmd_prune(app, args):
    # Core's expired items and the plugins' (ostiary_housekeeping), as the server's pruner does.
    count = prune_request(app.request, housekeeping(app.registry))
    print(f"pruned {count} expired item{'' if count == 1 else 's'}")


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = -1
    if not 0 <= days < 36500:  # also refuses nan and inf, which no pack time can be
        raise argparse.ArgumentTypeError(f"expected a number of days from 0 to 36500, not {text!r}")
    return days


def cmd_pack(app, args):
    days = app.settings.pack_keep_days if args.days is None else args.days
    try:
        result = packing.pack(app.db, days)
    except packing.PackError as exc:
        raise CommandError(f"not packed: {exc}") from None
    print(
        f"packed {result.path}, keeping {days:g} day{'' if days == 1 else 's'} of history: "
        f"{size(result.before)} -> {size(result.after)}"
    )


def cmd_load(app, args):
    try:
        counts = loader.load(
            app.root,
            app.registry.ostiary_passwords,
            loader.read(args.file),
            policy=app.registry.ostiary_password_policy,
        )
    except loader.LoadError as exc:
        raise CommandError(str(exc)) from None
    print("loaded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    from ..protocol.sites import frontchannel_warning

    issuer = app.settings.issuer
    for spec in loader.read(args.file).get("clients", []):
        client = app.root.clients.get(spec.get("client_id"))
        warning = frontchannel_warning(issuer, client) if client is not None else None
        if warning:
            print(f"warning: {warning}")
