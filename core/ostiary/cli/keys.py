"""``ostiary CONFIG keys ...``: the signing keys of ID and access tokens.

``keys rotate`` replaces the active keys at once. The retired keys stay in
the JWKS until the last token they signed has expired, so relying parties
and resource servers keep verifying those tokens; ``prune`` then removes
them. A running server notices the rotation on its next request: its key
cache is keyed by the key ring's version (see ``protocol/signing.py``).
"""

from __future__ import annotations

from ..models.util import now
from .output import duration, table, when

#: Added to the longest token lifetime before a retired key leaves the JWKS:
#: verifiers accept a token for a while after ``exp`` when their clock lags.
CLOCK_SKEW = 300


def register(sub) -> None:
    """Add ``keys`` and its sub-commands to the sub-parsers ``sub``."""
    keys = sub.add_parser("keys", help="list or rotate the signing keys")
    commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    commands.add_parser("list", help="list the signing keys").set_defaults(handler=cmd_list)
    commands.add_parser("rotate", help="sign with new keys; keep the old ones published").set_defaults(
        handler=cmd_rotate)


def longest_token_lifetime(app) -> int:
    """The longest time a signed token can live: the server defaults and
    every client's own lifetimes (refresh tokens and codes are not JWTs)."""
    settings = app.settings
    lifetimes = [settings.access_token_lifetime, settings.id_token_lifetime]
    for client in app.root.clients:
        lifetimes += [client.access_token_lifetime or 0, client.id_token_lifetime or 0]
    return max(lifetimes)


def key_state(key, when_: int) -> str:
    """``active``, ``retired`` or ``retired, unpublished`` (waiting for prune)."""
    if key.retired_at is None:
        return "active"
    return "retired" if (key.publish_until or 0) > when_ else "retired, unpublished"


def cmd_list(app, args):
    current = now()
    ring = app.root.keys
    rows = [(k.kid, k.alg, when(k.created_at), key_state(k, current), when(k.publish_until)) for k in ring.keys]
    print(table(("kid", "alg", "created", "state", "published until"), rows))
    lifetime = app.settings.key_lifetime
    for key in ring.keys:
        if key.retired_at is None and current - key.created_at > lifetime:
            print(f"note: the active {key.alg} key {key.kid} is older than ostiary.key_lifetime "
                  f"({duration(lifetime)}): run `ostiary CONFIG keys rotate`")


def cmd_rotate(app, args):
    longest = longest_token_lifetime(app)
    ring = app.root.keys
    old = [k for k in ring.keys if k.retired_at is None]
    fresh = ring.rotate(longest + CLOCK_SKEW)
    for key in fresh:
        print(f"new {key.alg} key {key.kid}: signs from now on")
    for key in old:
        print(f"retired {key.alg} key {key.kid}: published until {when(key.publish_until)}")
    print(f"(longest token lifetime {duration(longest)}, plus {duration(CLOCK_SKEW)} for clock skew; "
          "run `prune` after that to drop the retired keys)")
