"""``ostiary CONFIG client ...``: the registered relying parties."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping

from ..models.clients import APPLICATION_TYPES, GRANT_TYPES, Client, ClientError
from .app import CommandError
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


def register(sub) -> None:
    """Add ``client`` and its sub-commands to the sub-parsers ``sub``."""
    clients = sub.add_parser("client", help="add, list, show or remove clients")
    commands = clients.add_subparsers(dest="client_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="register a client; prints a generated secret once")
    add.add_argument("client_id")
    add.add_argument("--name", help="shown to users on the consent page")
    add.add_argument("--redirect-uri", action="append", default=[], metavar="URI")
    add.add_argument("--post-logout-redirect-uri", action="append", default=[], metavar="URI")
    add.add_argument(
        "--grant-type",
        action="append",
        choices=GRANT_TYPES,
        metavar="GRANT",
        help=f"one of {', '.join(GRANT_TYPES)} (default authorization_code); repeatable",
    )
    add.add_argument(
        "--scope",
        action="extend",
        type=_words,
        metavar="SCOPE",
        help="scopes the client may request (default openid); repeatable",
    )
    add.add_argument(
        "--application-type",
        choices=APPLICATION_TYPES,
        help="web (default: https redirect URIs, http only to loopback) or native (an app on the "
        "device: also private-use schemes such as com.example.app:/cb)",
    )
    add.add_argument("--public", action="store_true", help="a public client (no secret; PKCE protects the code)")
    add.add_argument("--no-consent", action="store_true", help="do not ask users for consent (first-party clients)")
    add.add_argument(
        "--identity-provider",
        action="extend",
        type=_words,
        metavar="NAME",
        help="accept only these ways of signing in: external provider names, local for the "
        "password form (default: every way); repeatable",
    )
    add.add_argument("--secret", help="use this secret instead of generating one")
    add.add_argument("--access-token-lifetime", type=int, metavar="SECONDS")
    add.add_argument("--id-token-lifetime", type=int, metavar="SECONDS")
    add.set_defaults(handler=cmd_add)

    commands.add_parser("list", help="list clients").set_defaults(handler=cmd_list)
    for name, handler, text in (
        ("show", cmd_show, "print a client as JSON (without secrets)"),
        ("remove", cmd_remove, "remove a client and revoke its refresh tokens"),
    ):
        action = commands.add_parser(name, help=text)
        action.add_argument("client_id")
        action.set_defaults(handler=handler)


def find_client(app, client_id: str) -> Client:
    """The client ``client_id``, or a :class:`CommandError`."""
    client = app.root.clients.get(client_id)
    if client is None:
        raise CommandError(f"no client {client_id!r}")
    return client


def client_fields(args) -> dict:
    """The :class:`Client` fields the options of ``client add`` ask for."""
    fields = {"redirect_uris": args.redirect_uri, "post_logout_redirect_uris": args.post_logout_redirect_uri}
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
    if args.public:
        fields["token_endpoint_auth_method"] = "none"
    if args.no_consent:
        fields["require_consent"] = False
    for name in ("access_token_lifetime", "id_token_lifetime"):
        if fields.get(name, 1) < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be at least 1 second")
    return fields


def cmd_add(app, args):
    if app.root.clients.get(args.client_id) is not None:
        raise CommandError(f"client {args.client_id!r} exists already")
    if args.public and args.secret is not None:
        raise CommandError("a public client has no secret: drop --public or --secret")
    try:
        client = app.root.clients.add(Client(args.client_id, **client_fields(args)))
    except ClientError as exc:
        where = OPTIONS.get(exc.field, exc.field)
        raise CommandError(f"client {args.client_id!r}: {where + ': ' if where else ''}{exc.reason}") from None
    print(f"added {'public' if client.is_public else 'confidential'} client {client.client_id}")
    if not client.is_public:
        secret = args.secret or secrets.token_urlsafe(32)
        client.add_secret(secret)  # only its SHA-256 digest is stored
        if args.secret is None:
            print(f"client secret (shown only now, store it safely): {secret}")


def cmd_list(app, args):
    rows = [
        (c.client_id, c.name, "public" if c.is_public else "confidential", " ".join(c.grant_types), " ".join(c.scopes))
        for c in app.root.clients
    ]
    print(table(("client id", "name", "type", "grant types", "scopes"), rows))


def _plain(value):
    # Persistent containers (a jwks PersistentMapping, ...) as JSON sees them.
    if isinstance(value, Mapping):
        return dict(value)
    try:
        return list(value)
    except TypeError:
        return str(value)


def cmd_show(app, args):
    print(json.dumps(find_client(app, args.client_id).as_dict(), indent=2, default=_plain))


def cmd_remove(app, args):
    find_client(app, args.client_id)
    app.root.clients.remove(args.client_id)
    # A client registered later under the same id must inherit neither the
    # refresh tokens nor the remembered consents of this one.
    revoked = app.root.grants.revoke_where(client_id=args.client_id)
    grants = app.root.grants
    for consent in [c for c in grants.consents.values() if c.client_id == args.client_id]:
        grants.forget_consent(consent.subject, consent.client_id)
    print(f"removed client {args.client_id}; revoked {revoked} refresh-token famil{'y' if revoked == 1 else 'ies'}")
