"""``ostiary CONFIG user ...``: the people of whichever user store is enabled.

Every action goes through the user-store hooks (``request.plugins``), so it
manages the built-in ZODB store, the ASP.NET Identity store or a third
party's alike; when no enabled plugin implements an action's hook, the
command says so in one line instead of writing to a store nobody reads.

Passwords come from a terminal prompt or from standard input, so that they
stay out of the shell history and the process list; ``--password`` exists
for throw-away set-ups only. No command ever prints a password or its hash.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..models.util import now
from .app import CommandError
from .output import table, when


def register(sub) -> None:
    """Add ``user`` and its sub-commands to the sub-parsers ``sub``."""
    users = sub.add_parser("user", help="add, list, enable or disable users; set their passwords")
    commands = users.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--email")
    add.add_argument(
        "--claim",
        action="append",
        default=[],
        type=parse_claim,
        metavar="NAME=VALUE",
        help="a profile claim, e.g. name='Alice Liddell'; true, false, {...} and [...] are JSON",
    )
    _password_options(add)
    add.set_defaults(handler=cmd_add)

    listing = commands.add_parser("list", help="list users")
    listing.add_argument("--search", metavar="TEXT", help="only users whose username or email contains TEXT")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N users")
    listing.set_defaults(handler=cmd_list)

    set_password = commands.add_parser("set-password", help="set a user's password and unlock the account")
    set_password.add_argument("username")
    _password_options(set_password)
    set_password.set_defaults(handler=cmd_set_password)

    for name, handler, text in (
        ("disable", cmd_disable, "refuse sign-ins and tokens for a user"),
        ("enable", cmd_enable, "allow a disabled or locked user again"),
    ):
        action = commands.add_parser(name, help=text)
        action.add_argument("username")
        action.set_defaults(handler=handler)


def _password_options(parser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )
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


#: What each action needs of the store, for the one line when it cannot.
ACTIONS = {
    "create_user": "add users",
    "list_users": "list users",
    "set_password": "set passwords",
    "set_active": "disable or enable users",
}


def require(app, hook: str) -> None:
    """A :class:`CommandError` when no enabled plugin implements ``ostiary_<hook>``."""
    if not app.request.plugins.implements(hook):
        raise CommandError(
            f"the enabled user store cannot {ACTIONS[hook]} (no enabled plugin implements ostiary_{hook})"
        )


def find_user(app, username: str):
    """The user with this username (or email), or a :class:`CommandError`."""
    user = app.request.plugins.user_by_username(username)
    if user is None:
        raise CommandError(f"no user {username!r}")
    return user


def checked_password(app, args, username: str, email: str | None) -> str:
    """The new password, refused unless the one password policy accepts it
    (the same as the console's, registration's and password reset's)."""
    password = read_password(args)
    problem = app.request.plugins.password_problem(password, username=username, email=email)
    if problem is not None:
        raise CommandError(f"password refused: {app.request.localizer.translate(problem)}")
    return password


def cmd_add(app, args):
    require(app, "create_user")
    password = checked_password(app, args, args.username, args.email)
    try:
        user = app.request.plugins.create_user(args.username, args.email, password, dict(args.claim))
    except ValueError as exc:  # the store's refusal, safe to show
        raise CommandError(str(exc)) from None
    if user is None:
        raise CommandError(f"no enabled user store took {args.username!r}")
    print(f"added user {user.username} (subject {user.subject})")


def state(user) -> str:
    """``active``, ``disabled`` and/or ``locked until ...``."""
    words = ["active" if getattr(user, "active", True) else "disabled"]
    locked_until = getattr(user, "locked_until", None)
    if locked_until and locked_until > now():
        words.append(f"locked until {when(locked_until)}")
    return ", ".join(words)


def cmd_list(app, args):
    require(app, "list_users")
    users = app.request.plugins.list_users(limit=args.limit, search=args.search) or []
    rows = [(u.subject, u.username, u.email or "-", state(u)) for u in users]
    print(table(("subject", "username", "email", "state"), rows))


def cmd_set_password(app, args):
    require(app, "set_password")
    user = find_user(app, args.username)
    try:
        # A new password is also the usual answer to a locked account: the
        # stores forget the failed sign-ins.
        changed = app.request.plugins.set_password(user.subject, checked_password(app, args, user.username, user.email))
    except ValueError as exc:  # a password policy's refusal
        raise CommandError(str(exc)) from None
    if not changed:
        raise CommandError(f"the store of {user.username!r} cannot set its password")
    print(f"password of {user.username} changed")


def _set_active(app, username: str, active: bool) -> str:
    require(app, "set_active")
    user = find_user(app, username)
    if not app.request.plugins.set_active(user.subject, active):
        raise CommandError(f"the store of {user.username!r} cannot disable or enable it")
    return user.username


def cmd_disable(app, args):
    # The store refuses the user at sign-in and ostiary_is_active everywhere
    # else, until `user enable` undoes it.
    print(f"disabled {_set_active(app, args.username, False)}")


def cmd_enable(app, args):
    print(f"enabled {_set_active(app, args.username, True)}")
