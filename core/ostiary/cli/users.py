"""``ostiary CONFIG user ...``: the people of the built-in (ZODB) user store.

Passwords come from a terminal prompt or from standard input, so that they
stay out of the shell history and the process list; ``--password`` exists
for throw-away set-ups only. No command ever prints a password or its hash.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..models.users import User, UserError
from .app import CommandError
from .output import table, when


def register(sub) -> None:
    """Add ``user`` and its sub-commands to the sub-parsers ``sub``."""
    users = sub.add_parser("user", help="add, list, enable or disable users; set their passwords")
    commands = users.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--email")
    add.add_argument("--claim", action="append", default=[], type=parse_claim, metavar="NAME=VALUE",
                     help="a profile claim, e.g. name='Alice Liddell'; true, false, {...} and [...] are JSON")
    _password_options(add)
    add.set_defaults(handler=cmd_add)

    commands.add_parser("list", help="list users").set_defaults(handler=cmd_list)

    set_password = commands.add_parser("set-password", help="set a user's password and unlock the account")
    set_password.add_argument("username")
    _password_options(set_password)
    set_password.set_defaults(handler=cmd_set_password)

    for name, handler, text in (("disable", cmd_disable, "refuse sign-ins and tokens for a user"),
                                ("enable", cmd_enable, "allow a disabled or locked user again")):
        action = commands.add_parser(name, help=text)
        action.add_argument("username")
        action.set_defaults(handler=handler)


def _password_options(parser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    source.add_argument("--password", help="the password itself (visible to other local users: avoid)")


def parse_claim(text: str) -> tuple[str, object]:
    """``name=value`` as a pair; JSON booleans, objects and arrays are decoded,
    anything else stays a string (so a postcode keeps its leading zero)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    if value in ("true", "false") or value[:1] in ("{", "["):
        try:
            return name.strip(), json.loads(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"claim {name.strip()}: invalid JSON value") from None
    return name.strip(), value


def read_password(args) -> str:
    """The new password: from ``--password``, standard input, or a prompt."""
    if args.password is not None:
        password = args.password
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        # A typo in a hidden password would lock the person out.
        if getpass.getpass("Repeat the password: ") != password:
            raise CommandError("the two passwords differ")
    else:
        raise CommandError("no password: use --password-stdin, or run in a terminal to be prompted")
    if not password:
        raise CommandError("the password is empty")
    return password


def find_user(app, username: str) -> User:
    """The user with this username (or email), or a :class:`CommandError`."""
    user = app.root.users.by_login(username)
    if user is None:
        raise CommandError(f"no user {username!r}")
    return user


def cmd_add(app, args):
    try:
        user = app.root.users.add(User(args.username, args.email, dict(args.claim)))
    except UserError as exc:
        raise CommandError(str(exc)) from None
    user.password_hash = app.registry.ostiary_passwords.hash(read_password(args))
    print(f"added user {user.username} (subject {user.subject})")


def state(user) -> str:
    """``active``, ``disabled`` and/or ``locked until ...``."""
    words = ["active" if user.active else "disabled"]
    if user.is_locked():
        words.append(f"locked until {when(user.locked_until)}")
    return ", ".join(words)


def cmd_list(app, args):
    users = sorted(app.root.users, key=lambda u: u.username.casefold())
    rows = [(u.subject, u.username, u.email or "-", state(u)) for u in users]
    print(table(("subject", "username", "email", "state"), rows))


def cmd_set_password(app, args):
    user = find_user(app, args.username)
    user.password_hash = app.registry.ostiary_passwords.hash(read_password(args))
    # A new password is the usual answer to a locked account.
    user.failed_logins = 0
    user.locked_until = 0
    print(f"password of {user.username} changed")


def cmd_disable(app, args):
    user = find_user(app, args.username)
    # Only a flag: the is_active hook refuses the user at sign-in, at the
    # token endpoint and at userinfo, and `user enable` undoes it.
    user.active = False
    print(f"disabled {user.username}")


def cmd_enable(app, args):
    user = find_user(app, args.username)
    user.active = True
    user.failed_logins = 0
    user.locked_until = 0
    print(f"enabled {user.username}")
