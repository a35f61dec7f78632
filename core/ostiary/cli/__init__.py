"""The ``ostiary`` command: ``ostiary CONFIG COMMAND [ARGS]``.

Each command opens the application from the ini file, works in one
transaction and commits it. A FileStorage database allows one process at a
time: stop the server first, or use ZEO or RelStorage.
"""

from __future__ import annotations

import argparse
import sys

from .app import CommandError, open_app
from . import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ostiary", description="Manage an Ostiary server.")
    parser.add_argument("config", help="the ini file, e.g. etc/development.ini")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``ostiary`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with open_app(args.config) as app:
            return args.handler(app, args) or 0
    except CommandError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2
