"""``ostiary CONFIG session ...`` and ``ostiary CONFIG error show``: the
signed-in browsers, and the detail behind an error id a person quotes.

Both work on the database or, while a server holds it, through the
server's admin API (:mod:`.backend`); ending a session tells its clients
by back-channel logout, as a sign-out does.
"""

from __future__ import annotations

from .app import CommandError
from .backend import AdminCommandError
from .output import table, when


def register(sub) -> None:
    """Add ``session`` and ``error`` to the sub-parsers ``sub``."""
    sessions = sub.add_parser("session", help="list or end the SSO sessions")
    commands = sessions.add_subparsers(dest="session_command", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="list live sessions, newest first")
    listing.add_argument("--user", metavar="USER", help="only the sessions of this username, email or subject")
    listing.set_defaults(handler=cmd_list, remote=True)
    end = commands.add_parser("end", help="end a session (or --user: all of a user's); its clients are told")
    target = end.add_mutually_exclusive_group(required=True)
    target.add_argument("sid", nargs="?", help="the session id (sid) from `session list`")
    target.add_argument("--user", metavar="USER", help="end every session of this username, email or subject")
    end.set_defaults(handler=cmd_end, remote=True)

    errors = sub.add_parser("error", help="read the detail behind an error id")
    error_commands = errors.add_subparsers(dest="error_command", required=True, metavar="ACTION")
    show = error_commands.add_parser("show", help="print what went wrong behind an error id (kept for an hour)")
    show.add_argument("error_id")
    show.set_defaults(handler=cmd_error_show, remote=True)


def _run(call, *args):
    try:
        return call(*args)
    except AdminCommandError as exc:
        raise CommandError(exc.detail) from None


def cmd_list(app, args):
    subject = _run(app.backend.find_subject, args.user) if args.user else None
    rows = [
        (
            s["sid"],
            s["subject"],
            when(s["auth_time"]),
            when(s["expires_at"]),
            s["idp"] or "-",
            " ".join(s["clients"]) or "-",
        )
        for s in _run(app.backend.list_sessions, subject)
    ]
    print(table(("sid", "subject", "signed in", "expires", "idp", "clients"), rows))


def cmd_end(app, args):
    if args.user:
        subject = _run(app.backend.find_subject, args.user)
        ended = _run(app.backend.end_sessions_of, subject)["ended"]
        print(f"ended {ended} session{'' if ended == 1 else 's'} of {args.user}")
    else:
        _run(app.backend.end_session, args.sid)
        print(f"ended session {args.sid}")


def cmd_error_show(app, args):
    record = _run(app.backend.get_error, args.error_id)
    print(f"error id     {record['error_id']}")
    print(f"error        {record['error']}")
    print(f"description  {record['description'] or '-'}")
    print(f"client       {record['client_id'] or '-'}")
    print(f"redirect uri {record['redirect_uri'] or '-'}")
    print(f"request id   {record['request_id'] or '-'}")
    print(f"at           {when(record['created_at'])}")
