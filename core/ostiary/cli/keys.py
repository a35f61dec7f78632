"""``ostiary CONFIG keys ...``: the signing keys of ID and access tokens.

``keys rotate`` creates new keys and announces them: they are published in
the JWKS at once but sign only ``ostiary.key_announcement`` seconds later
(``--announce SECONDS`` for another delay, ``--now`` to sign with them at
once, as after a key was compromised), so that relying parties with a
cached JWKS know a key before the first token it signed reaches them. The
keys they replace sign until then; afterwards they stay in the JWKS until
the last token they signed has expired, so relying parties and resource
servers keep verifying those tokens; ``prune`` then removes them. A running
server notices the rotation on its next request (its key cache is keyed by
the key ring's version) and the activation when it comes (the cache lasts
only until the key ring's next change; see ``protocol/signing.py``).
"""

from __future__ import annotations

from ..administration import keys as admin_keys
from ..administration.keys import CLOCK_SKEW, key_state
from ..models.keys import ALGORITHMS
from ..models.util import now
from ..settings import parse_key_announcement
from .app import CommandError, RemoteApp
from .backend import AdminCommandError
from .output import duration, table, when


def register(sub) -> None:
    """Add ``keys`` and its sub-commands to the sub-parsers ``sub``."""
    keys = sub.add_parser("keys", help="list or rotate the signing keys")
    commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    commands.add_parser("list", help="list the signing keys").set_defaults(handler=cmd_list, remote=True)
    rotate = commands.add_parser(
        "rotate",
        help="publish new keys now, sign with them after ostiary.key_announcement seconds; "
        "keep the old ones published until their tokens have expired",
    )
    rotate.add_argument(
        "--now", action="store_true", help="sign with the new keys at once (a compromised key): no announcement"
    )
    rotate.add_argument(
        "--announce",
        metavar="SECONDS",
        help="seconds between publishing the new keys and signing with them (default: ostiary.key_announcement)",
    )
    rotate.set_defaults(handler=cmd_rotate, remote=True)


def longest_token_lifetime(app) -> int:
    """The longest time a signed token can live (the service's rule)."""
    return admin_keys.longest_token_lifetime(app.request)


def _remote_list(app):
    """``keys list`` through a running server's admin API."""
    listed = app.backend.list_keys()
    rows = [(k["kid"], k["alg"], when(k["created_at"]), k["state"], when(k["publish_until"])) for k in listed["items"]]
    print(table(("kid", "alg", "created", "state", "published until"), rows))
    if listed.get("next_rotation_due"):
        print(f"note: the next rotation is due {when(listed['next_rotation_due'])}")


def cmd_list(app, args):
    if isinstance(app, RemoteApp):
        return _remote_list(app)
    current = now()
    ring = app.root.keys
    rows = [(k.kid, k.alg, when(k.created_at), key_state(k, current), when(k.publish_until)) for k in ring.keys]
    print(table(("kid", "alg", "created", "state", "published until"), rows))
    for key in ring.keys:
        if key.pending_at(current):
            print(f"note: the announced {key.alg} key {key.kid} signs from {when(key.activates_at)}")
        elif key.signs_at(current) and key.retired_at is not None:
            print(f"note: the retiring {key.alg} key {key.kid} signs until {when(key.retired_at)}")
    lifetime = app.settings.key_lifetime
    for alg in ALGORITHMS:
        key = ring.active(alg, current)  # only the key signing now is due for rotation
        if key is None or key.retired_at is not None or any(k.alg == alg and k.pending_at(current) for k in ring.keys):
            continue  # a successor is announced already
        if current - key.created_at > lifetime:
            print(
                f"note: the active {key.alg} key {key.kid} is older than ostiary.key_lifetime "
                f"({duration(lifetime)}): run `ostiary CONFIG keys rotate`"
            )


def announcement(app, args) -> int:
    """Seconds from publishing the new keys to signing with them."""
    if args.now:
        if args.announce is not None:
            raise CommandError("--now and --announce exclude each other")
        return 0
    if args.announce is None:
        return app.settings.key_announcement
    try:
        return parse_key_announcement(args.announce)
    except ValueError as exc:
        raise CommandError(f"--announce {args.announce!r}: {exc}") from None


def _remote_rotate(app, args):
    """``keys rotate`` through a running server's admin API."""
    # None: the server's own ostiary.key_announcement
    announce = None if not args.now and args.announce is None else announcement(app, args)
    try:
        fresh = app.backend.rotate_keys(announce)["items"]
    except AdminCommandError as exc:
        raise CommandError(exc.detail) from None
    for key in fresh:
        starts = "now on" if key["activates_at"] <= key["created_at"] else when(key["activates_at"])
        print(f"new {key['alg']} key {key['kid']}: published now, signs from {starts}")


def cmd_rotate(app, args):
    if isinstance(app, RemoteApp):
        return _remote_rotate(app, args)
    announce = announcement(app, args)
    longest = longest_token_lifetime(app)
    ring = app.root.keys
    current = now()
    old = [k for k in ring.keys if not k.retired_by(current)]
    fresh = ring.rotate(longest + CLOCK_SKEW, announce)
    for key in fresh:
        starts = when(key.activates_at) if announce else "now on"
        print(f"new {key.alg} key {key.kid}: published now, signs from {starts}")
    for key in old:
        if key.activates_at > current and key.retired_at <= key.activates_at:  # announced, replaced before it signed
            print(
                f"{key.alg} key {key.kid}: never signs (replaced before its activation), "
                f"published until {when(key.publish_until)}"
            )
        else:
            print(
                f"{key.alg} key {key.kid}: signs until {when(key.retired_at)}, "
                f"published until {when(key.publish_until)}"
            )
    if announce:
        print(
            f"(the new keys are announced for {duration(announce)}: relying parties that cache the JWKS "
            "learn them before the first token they sign; `keys rotate --now` signs at once)"
        )
    print(
        f"(longest token lifetime {duration(longest)}, plus {duration(CLOCK_SKEW)} for clock skew; "
        "run `prune` after that to drop the retired keys)"
    )
