"""Declarative set-up: clients, resources and users from a TOML file.

``ostiary CONFIG load FILE`` and the test suite use this, so a set-up is
reproducible. Loading is idempotent: existing clients and resources are
updated, existing users keep their subject and get the given fields.

Example::

    [[resources]]
    name = "api"
    kind = "api"
    display_name = "Demo API"
    audience = "https://api.example.org"

    [[clients]]
    client_id = "demo-rp"
    secret = "demo-secret"
    redirect_uris = ["http://127.0.0.1:9999/cb"]
    grant_types = ["authorization_code", "refresh_token"]
    scopes = ["openid", "profile", "api"]

    [[users]]
    username = "alice"
    password = "alice-password"
    email = "alice@example.org"
    claims = { name = "Alice Liddell", email_verified = true }
"""

from __future__ import annotations

import tomllib

from .models.clients import Client
from .models.resources import Resource
from .models.users import User


class LoadError(ValueError):
    """The file cannot be loaded; the message says where."""


def read(path) -> dict:
    """Parse a set-up file."""
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except OSError as exc:
        raise LoadError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(f"{path}: {exc}") from None


def load(root, passwords, data: dict, policy=None) -> dict:
    """Apply ``data`` to ``root``; return counts of what was loaded.
    ``policy`` (a :class:`ostiary.passwords.PasswordPolicy`): refuse a user's
    password it does not accept, as ``ostiary load`` does (the test helper
    ``load_data`` passes none, so fixtures may keep short passwords)."""
    unknown = set(data) - {"clients", "resources", "users"}
    if unknown:
        raise LoadError(f"unknown section(s): {', '.join(sorted(unknown))}")
    for index, spec in enumerate(data.get("resources", [])):
        _guard(f"resources[{index}]", _load_resource, root, dict(spec))
    for index, spec in enumerate(data.get("clients", [])):
        _guard(f"clients[{index}]", _load_client, root, dict(spec))
    for index, spec in enumerate(data.get("users", [])):
        _guard(f"users[{index}]", _load_user, root, passwords, dict(spec), policy)
    return {name: len(data.get(name, [])) for name in ("resources", "clients", "users")}


def _guard(where, func, *args):
    try:
        func(*args)
    except (KeyError, TypeError, ValueError) as exc:
        raise LoadError(f"{where}: {exc}") from None


def _load_resource(root, spec):
    root.resources.put(Resource(**spec))


def _load_client(root, spec):
    client_id = spec.pop("client_id")
    secrets = spec.pop("secrets", None) or ([spec.pop("secret")] if "secret" in spec else [])
    client = root.clients.get(client_id)
    if client is None:
        client = Client(client_id, **spec)
        root.clients.add(client)
    else:
        client.update(**spec)
    if secrets:
        client.clear_secrets()
        for secret in secrets:
            client.add_secret(secret)
    if not client.is_public and not client.secret_digests and not client.jwks:
        raise ValueError(f"confidential client {client_id!r} has no secret")


def _load_user(root, passwords, spec, policy=None):
    password = spec.pop("password", None)
    if password and policy is not None:
        problem = policy.problem(password, username=spec.get("username"), email=spec.get("email"))
        if problem is not None:
            raise ValueError(f"password refused by the password policy: {problem.interpolate()}")
    user = root.users.by_login(spec["username"])
    if user is None:
        user = root.users.add(
            User(
                spec.pop("username"), spec.pop("email", None), spec.pop("claims", {}), subject=spec.pop("subject", None)
            )
        )
    else:
        spec.pop("username")
        spec.pop("subject", None)
        if "email" in spec:
            root.users.set_email(user, spec.pop("email"))
        user.claims.update(spec.pop("claims", {}))
    if "active" in spec:
        user.active = bool(spec.pop("active"))
    if spec:
        raise ValueError(f"unknown user field(s): {', '.join(sorted(spec))}")
    if password:
        user.password_hash = passwords.hash(password)
