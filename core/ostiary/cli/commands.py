"""The sub-commands of ``ostiary``."""

from __future__ import annotations

from .. import loader
from .app import CommandError


def register(sub) -> None:
    """Add every command to the argparse sub-parsers ``sub``."""
    init = sub.add_parser("init", help="create the database and signing keys if absent")
    init.set_defaults(handler=cmd_init)
    load = sub.add_parser("load", help="load clients, resources and users from a TOML file")
    load.add_argument("file")
    load.set_defaults(handler=cmd_load)


def cmd_init(app, args):
    app.root.keys.ensure()
    print(f"database ready at generation {app.root.generation}; issuer {app.settings.issuer}")


def cmd_load(app, args):
    try:
        counts = loader.load(app.root, app.registry.ostiary_passwords, loader.read(args.file))
    except loader.LoadError as exc:
        raise CommandError(str(exc)) from None
    print("loaded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
