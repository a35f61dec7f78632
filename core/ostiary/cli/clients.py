"""``ostiary CONFIG client ...``: the registered relying parties.

Every action goes through the administration service (:mod:`.backend`):
on the database, or through a running server's admin API while it holds
the database; the rules and the wording of every refusal are the service's.
"""

from __future__ import annotations

import argparse
import json

from ..models.clients import APPLICATION_TYPES, GRANT_TYPES
from .app import CommandError
from .backend import AdminCommandError
from .output import table

#: The option of ``client add`` that sets each client field, for errors.
OPTIONS = {
    "redirect_uris": "--redirect-uri",
    "post_logout_redirect_uris": "--post-logout-redirect-uri",
    "application_type": "--application-type",
    "grant_types": "--grant-type",
    "scopes": "--scope",
    "identity_providers": "--identity-provider",
    "name": "--name",
}


def _words(text: str) -> list[str]:
    # Lets `--scope "openid profile"` and `--scope openid --scope profile` mean the same.
    return text.replace(",", " ").split()


def _field_options(parser, *, defaults: bool) -> None:
    """The options that set client fields, shared by ``add`` and ``update``."""
    parser.add_argument("--name", help="shown to users on the consent page")
    parser.add_argument("--redirect-uri", action="append", default=[] if defaults else None, metavar="URI")
    parser.add_argument("--post-logout-redirect-uri", action="append", default=[] if defaults else None, metavar="URI")
    parser.add_argument(
        "--grant-type",
        action="append",
        choices=GRANT_TYPES,
        metavar="GRANT",
        help=f"one of {', '.join(GRANT_TYPES)} (default authorization_code); repeatable",
    )
    parser.add_argument(
        "--scope",
        action="extend",
        type=_words,
        metavar="SCOPE",
        help="scopes the client may request (default openid); repeatable",
    )
    parser.add_argument(
        "--application-type",
        choices=APPLICATION_TYPES,
        help="web (default: https redirect URIs, http only to loopback) or native (an app on the "
        "device: also private-use schemes such as com.example.app:/cb)",
    )
    parser.add_argument(
        "--identity-provider",
        action="extend",
        type=_words,
        metavar="NAME",
        help="accept only these ways of signing in: external provider names, local for the "
        "password form (default: every way); repeatable",
    )
    parser.add_argument("--access-token-lifetime", type=int, metavar="SECONDS")
    parser.add_argument("--id-token-lifetime", type=int, metavar="SECONDS")


def register(sub) -> None:
    """Add ``client`` and its sub-commands to the sub-parsers ``sub``."""
    clients = sub.add_parser("client", help="add, list, show, update or remove clients; rotate their secrets")
    commands = clients.add_subparsers(dest="client_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="register a client; prints a generated secret once")
    add.add_argument("client_id")
    _field_options(add, defaults=True)
    add.add_argument("--public", action="store_true", help="a public client (no secret; PKCE protects the code)")
    add.add_argument("--no-consent", action="store_true", help="do not ask users for consent (first-party clients)")
    add.add_argument("--secret", help="use this secret instead of generating one")
    add.set_defaults(handler=cmd_add, remote=True)

    update = commands.add_parser(
        "update", help="change fields of a client: each option given replaces that field, the others stay"
    )
    update.add_argument("client_id")
    _field_options(update, defaults=False)
    update.add_argument(
        "--set",
        action="append",
        default=[],
        type=parse_field,
        metavar="FIELD=VALUE",
        help="any other client field (docs/administration.md), e.g. require_consent=false, "
        "backchannel_logout_uri=https://rp.example/bc; true, false, null, numbers, [...] and {...} are JSON",
    )
    update.set_defaults(handler=cmd_update, remote=True)

    rotate = commands.add_parser("rotate-secret", help="replace a client's secret; prints the new one once")
    rotate.add_argument("client_id")
    rotate.add_argument(
        "--keep-old", action="store_true", help="the old secrets keep working until the next rotation (a roll-over)"
    )
    rotate.set_defaults(handler=cmd_rotate_secret, remote=True)

    commands.add_parser("list", help="list clients").set_defaults(handler=cmd_list, remote=True)
    for name, handler, text in (
        ("show", cmd_show, "print a client as JSON (without secrets)"),
        ("remove", cmd_remove, "remove a client and revoke its refresh tokens"),
    ):
        action = commands.add_parser(name, help=text)
        action.add_argument("client_id")
        action.set_defaults(handler=handler, remote=True)


def parse_field(text: str) -> tuple[str, object]:
    """``field=value``: JSON where the value reads as JSON, else a string."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected FIELD=VALUE, got {text!r}")
    try:
        return name.strip(), json.loads(value)
    except ValueError:
        return name.strip(), value


def client_fields(args, *, adding: bool = True) -> dict:
    """The client fields the options ask for (``update``: only those given)."""
    fields = {}
    for option, field in (("redirect_uri", "redirect_uris"), ("post_logout_redirect_uri", "post_logout_redirect_uris")):
        value = getattr(args, option)
        if value is not None and (adding or value):
            fields[field] = value
    optional = {
        "name": args.name,
        "application_type": args.application_type,
        "grant_types": args.grant_type,
        "scopes": args.scope,
        "access_token_lifetime": args.access_token_lifetime,
        "id_token_lifetime": args.id_token_lifetime,
        "identity_providers": args.identity_provider,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    if getattr(args, "public", False):
        fields["token_endpoint_auth_method"] = "none"
    if getattr(args, "no_consent", False):
        fields["require_consent"] = False
    for name in ("access_token_lifetime", "id_token_lifetime"):
        if fields.get(name, 1) < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be at least 1 second")
    return fields


def _refusal(client_id: str, exc: AdminCommandError) -> CommandError:
    """A refusal of the service, naming the option at fault."""
    if exc.status in (404, 409) and exc.field in (None, "client_id"):
        return CommandError(exc.detail)
    where = OPTIONS.get(exc.field, exc.field)
    return CommandError(f"client {client_id!r}: {where + ': ' if where else ''}{exc.detail}")


def cmd_add(app, args):
    if args.public and args.secret is not None:
        raise CommandError("a public client has no secret: drop --public or --secret")
    try:
        made = app.backend.create_client(args.client_id, client_fields(args), args.secret)
    except AdminCommandError as exc:
        raise _refusal(args.client_id, exc) from None
    client = made["client"]
    print(f"added {'public' if client['public'] else 'confidential'} client {client['client_id']}")
    if made["client_secret"]:
        # only its SHA-256 digest is stored
        print(f"client secret (shown only now, store it safely): {made['client_secret']}")


def cmd_update(app, args):
    fields = client_fields(args, adding=False)
    fields.update(dict(args.set))
    if not fields:
        raise CommandError("nothing to change: give an option such as --name or --set FIELD=VALUE")
    try:
        app.backend.update_client(args.client_id, fields)
    except AdminCommandError as exc:
        raise _refusal(args.client_id, exc) from None
    print(f"updated client {args.client_id}: {', '.join(sorted(fields))}")


def cmd_rotate_secret(app, args):
    try:
        rotated = app.backend.rotate_secret(args.client_id, keep_old=args.keep_old)
    except AdminCommandError as exc:
        raise _refusal(args.client_id, exc) from None
    kept = (
        "; the old secrets keep working until the next rotation"
        if args.keep_old
        else "; the old secret no longer works"
    )
    print(f"new secret of client {args.client_id}{kept}")
    print(f"client secret (shown only now, store it safely): {rotated['client_secret']}")


def cmd_list(app, args):
    rows = [
        (
            c["client_id"],
            c["name"],
            "public" if c["public"] else "confidential",
            " ".join(c["grant_types"]),
            " ".join(c["scopes"]),
        )
        for c in app.backend.list_clients()
    ]
    print(table(("client id", "name", "type", "grant types", "scopes"), rows))


def cmd_show(app, args):
    try:
        data = app.backend.get_client(args.client_id)
    except AdminCommandError as exc:
        raise _refusal(args.client_id, exc) from None
    data.pop("version", None)
    print(json.dumps(data, indent=2, sort_keys=True))


def cmd_remove(app, args):
    # The service revokes its refresh tokens and forgets its consents: a
    # client registered later under the same id inherits neither.
    try:
        revoked = app.backend.delete_client(args.client_id)["revoked"]
    except AdminCommandError as exc:
        raise _refusal(args.client_id, exc) from None
    print(f"removed client {args.client_id}; revoked {revoked} refresh-token famil{'y' if revoked == 1 else 'ies'}")
