"""``ostiary CONFIG user links SUBJECT`` and ``user unlink SUBJECT PROVIDER``:
the external logins linked to an account, for operators.

Unlinking refuses to remove a person's last way to sign in (no password and
no other link), as the account console does; ``--force`` removes it anyway,
for an operator who means to lock the identity out.
"""

from __future__ import annotations

from ..events import emit
from ..federation.account_links import EXTERNAL_UNLINKED, other_ways
from .app import CommandError
from .output import table, when


def register(commands) -> None:
    """Add ``links`` and ``unlink`` to the ``user`` sub-commands."""
    links = commands.add_parser("links", help="list the external logins linked to a user")
    links.add_argument("user", metavar="SUBJECT", help="the user's subject (or username)")
    links.set_defaults(handler=cmd_links)
    unlink = commands.add_parser("unlink", help="remove a user's link to an external login provider")
    unlink.add_argument("user", metavar="SUBJECT", help="the user's subject (or username)")
    unlink.add_argument("provider")
    unlink.add_argument("--upstream", metavar="SUB", help="which identity, when several of PROVIDER are linked")
    unlink.add_argument("--force", action="store_true", help="even when it is the user's last way to sign in")
    unlink.set_defaults(handler=cmd_unlink)


def _user(app, text: str):
    plugins = app.request.plugins
    user = plugins.user_by_subject(subject=text) or plugins.user_by_username(text)
    if user is None:
        raise CommandError(f"no user {text!r}")
    return user


def cmd_links(app, args):
    user = _user(app, args.user)
    links = app.request.ostiary_root.federation.links_of(user.subject)
    rows = [(x.provider, x.upstream_subject, when(x.created_at), when(x.last_used_at)) for x in links]
    print(table(("provider", "upstream subject", "linked", "last used"), sorted(rows)))


def cmd_unlink(app, args):
    user = _user(app, args.user)
    store = app.request.ostiary_root.federation
    links = store.links_of(user.subject)
    chosen = [x for x in links if x.provider == args.provider and args.upstream in (None, x.upstream_subject)]
    if not chosen:
        raise CommandError(f"{user.username} has no link to {args.provider}")
    if len(chosen) > 1:
        raise CommandError(f"{user.username} has {len(chosen)} links to {args.provider}: name one with --upstream")
    (link,) = chosen
    if not args.force and other_ways(app.request, user, links, link) < 1:
        raise CommandError(
            f"{args.provider} is the only way {user.username} can sign in (no password, no other link); "
            "use --force to remove it anyway"
        )
    store.remove_link(link.provider, link.upstream_subject)
    emit(app.request, EXTERNAL_UNLINKED, subject=user.subject, idp=link.provider, how="command line")
    print(f"unlinked {link.provider} identity {link.upstream_subject} from {user.username}")
