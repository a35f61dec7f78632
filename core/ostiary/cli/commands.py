"""The sub-commands of ``ostiary``: the database as a whole here, users,
clients and keys in modules of their own."""

from __future__ import annotations

from .. import loader
from . import clients, keys, providers, users
from . import themes
from .app import CommandError


def register(sub) -> None:
    """Add every command to the argparse sub-parsers ``sub``."""
    init = sub.add_parser("init", help="create the database and signing keys if absent")
    init.set_defaults(handler=cmd_init)
    users.register(sub)
    clients.register(sub)
    keys.register(sub)
    themes.register(sub)
    providers.register(sub)
    prune = sub.add_parser("prune", help="delete expired codes, tokens, sessions, consents and retired keys")
    prune.set_defaults(handler=cmd_prune)
    load = sub.add_parser("load", help="load clients, resources and users from a TOML file")
    load.add_argument("file")
    load.set_defaults(handler=cmd_load)


def cmd_init(app, args):
    app.root.keys.ensure()
    print(f"database ready at generation {app.root.generation}; issuer {app.settings.issuer}")


def cmd_prune(app, args):
    count = app.root.prune()
    print(f"pruned {count} expired item{'' if count == 1 else 's'}")


def cmd_load(app, args):
    try:
        counts = loader.load(app.root, app.registry.ostiary_passwords, loader.read(args.file))
    except loader.LoadError as exc:
        raise CommandError(str(exc)) from None
    print("loaded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
