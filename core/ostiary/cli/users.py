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
from .backend import AdminCommandError
from .output import table, when


def register(sub) -> None:
    """Add ``user`` and its sub-commands to the sub-parsers ``sub``."""
    users = sub.add_parser("user", help="add, list, enable, disable, unlock or remove users; set their passwords")
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
    add.set_defaults(handler=cmd_add, remote=True)

    listing = commands.add_parser("list", help="list users")
    listing.add_argument("--search", metavar="TEXT", help="only users whose username or email contains TEXT")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N users")
    listing.set_defaults(handler=cmd_list, remote=True)

    set_password = commands.add_parser("set-password", help="set a user's password and unlock the account")
    set_password.add_argument("username")
    _password_options(set_password)
    set_password.set_defaults(handler=cmd_set_password, remote=True)

    for name, handler, text in (
        ("disable", cmd_disable, "refuse sign-ins and tokens for a user"),
        ("enable", cmd_enable, "allow a disabled or locked user again"),
        ("unlock", cmd_unlock, "end a lockout after failed sign-ins"),
        (
            "reset-factors",
            cmd_reset_factors,
            "forget every second factor a user enrolled (authenticator app, passkeys, recovery codes)",
        ),
        (
            "remove",
            cmd_remove,
            "remove a user for good: sessions end (back-channel logout), tokens, consents and links go",
        ),
    ):
        action = commands.add_parser(name, help=text)
        action.add_argument("username")
        action.set_defaults(handler=handler, remote=True)
    from . import links  # the external logins linked to a user (issue 12)

    links.register(commands)


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


def _refusal(exc: AdminCommandError) -> CommandError:
    return CommandError(exc.detail)


def find_subject(app, login: str) -> str:
    """The subject of the user with this username, email or subject."""
    try:
        return app.backend.find_subject(login)
    except AdminCommandError as exc:
        raise _refusal(exc) from None


def cmd_add(app, args):
    password = read_password(args)
    try:
        user = app.backend.create_user(args.username, args.email, password, dict(args.claim))
    except AdminCommandError as exc:  # the store's refusal, safe to show
        raise _refusal(exc) from None
    print(f"added user {user['username']} (subject {user['subject']})")


def state(user) -> str:
    """``active``, ``disabled`` and/or ``locked until ...``."""
    words = ["active" if user["active"] else "disabled"]
    locked_until = user.get("locked_until")
    if locked_until and locked_until > now():
        words.append(f"locked until {when(locked_until)}")
    return ", ".join(words)


def cmd_list(app, args):
    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1")
    try:
        users = app.backend.list_users(search=args.search, limit=args.limit)
    except AdminCommandError as exc:
        raise _refusal(exc) from None
    rows = [(u["subject"], u["username"], u["email"] or "-", state(u)) for u in users]
    print(table(("subject", "username", "email", "state"), rows))


def _act(app, login: str, action, *args):
    # The service finds the user by subject, else by username or email:
    # a store without ostiary_user_by_subject is reachable too.
    try:
        return action(login, *args)
    except AdminCommandError as exc:
        raise _refusal(exc) from None


def cmd_set_password(app, args):
    # A new password is also the usual answer to a locked account: the
    # stores forget the failed sign-ins.
    find_subject(app, args.username)  # "no user" before asking for a password
    try:
        user = app.backend.set_password(args.username, read_password(args))
    except AdminCommandError as exc:  # a password policy's refusal, or a store that cannot
        raise _refusal(exc) from None
    print(f"password of {user['username']} changed")


def cmd_disable(app, args):
    # The store refuses the user at sign-in and ostiary_is_active everywhere
    # else, until `user enable` undoes it.
    print(f"disabled {_act(app, args.username, app.backend.set_active, False)['username']}")


def cmd_enable(app, args):
    print(f"enabled {_act(app, args.username, app.backend.set_active, True)['username']}")


def cmd_unlock(app, args):
    print(f"unlocked {_act(app, args.username, app.backend.unlock)['username']}")


def cmd_reset_factors(app, args):
    done = _act(app, args.username, app.backend.reset_factors)
    print(f"reset the factors of {done['username']}: {', '.join(done['reset']) or 'none were enrolled'}")
    for name in done["kept"]:
        print(f"{name} is kept: it cannot be reset here (its factors live in another system)")


def cmd_remove(app, args):
    removed = _act(app, args.username, app.backend.remove_user)
    ended = removed["ended"]
    print(
        f"removed user {removed['username']} (subject {removed['subject']}); "
        f"ended {ended} session{'' if ended == 1 else 's'} and revoked its tokens, consents and linked logins"
    )
