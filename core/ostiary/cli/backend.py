"""Where a command's administrative work happens: in this process on the
database (:class:`Local`), or through the admin API of the server that
holds the database (:class:`Remote`, see :mod:`.remote`).

Both answer the same methods with the same plain data, because the API
answers with what the service layer returns: a command prints the same
lines either way, and refuses with the same one-line errors.
"""

from __future__ import annotations

from ..administration import clients, keys, providers, records, registration, sessions, users
from ..administration.audit import CLI
from ..administration.errors import AdminError
from .app import CommandError


class Local:
    """The service layer on this process's database, acting as ``cli``."""

    def __init__(self, request):
        self.request = request

    def _run(self, function, *args, **kwargs):
        try:
            return function(self.request, *args, **kwargs)
        except AdminError as exc:
            raise AdminCommandError(exc.detail, exc.field, exc.status) from None

    def _change(self, function, *args, **kwargs):
        return self._run(function, CLI, *args, **kwargs)

    # clients
    def list_clients(self, search=None):
        return self._run(clients.list_clients, search=search)["items"]

    def get_client(self, client_id):
        return self._run(clients.get_client, client_id)

    def create_client(self, client_id, fields, secret=None):
        return self._change(clients.create_client, client_id, fields, secret=secret)

    def update_client(self, client_id, fields):
        return self._change(clients.update_client, client_id, fields)

    def rotate_secret(self, client_id, keep_old=False):
        return self._change(clients.rotate_secret, client_id, keep_old=keep_old)

    def delete_client(self, client_id):
        return self._change(clients.delete_client, client_id)

    # users
    def list_users(self, search=None, limit=None):
        return self._run(users.list_users, search=search, limit=limit)["items"]

    def find_subject(self, login):
        return self._run(users.find_subject, login)

    def create_user(self, username, email, password, claims):
        return self._change(users.create_user, username, email=email, password=password, claims=claims)

    def set_active(self, subject, active):
        return self._change(users.set_active, subject, active)

    def unlock(self, subject):
        return self._change(users.unlock, subject)

    def set_password(self, subject, password):
        return self._change(users.set_password, subject, password)

    def remove_user(self, subject):
        return self._change(users.remove_user, subject)

    def reset_factors(self, subject):
        return self._change(users.reset_factors, subject)

    # sessions and errors
    def list_sessions(self, subject=None):
        return self._run(sessions.list_sessions, subject=subject)["items"]

    def end_session(self, sid):
        return self._change(sessions.end_session, sid)

    def end_sessions_of(self, subject):
        return self._change(sessions.end_sessions_of, subject)

    def get_error(self, error_id):
        return self._run(records.get_error, error_id)

    # keys (the local commands read the key ring itself; these serve the API's form)
    def list_keys(self):
        return self._run(keys.list_keys)

    def rotate_keys(self, announce=None):
        return self._change(keys.rotate_keys, announce=announce)

    # external providers of the database
    def list_providers(self):
        return self._run(providers.list_providers)["items"]

    def create_provider(self, name, settings):
        return self._change(providers.create_provider, name, settings)

    def update_provider(self, name, settings):
        return self._change(providers.update_provider, name, settings)

    def delete_provider(self, name):
        return self._change(providers.delete_provider, name)

    # dynamic client registration's initial access tokens (dcr branch)
    def list_initial_tokens(self):
        return self._run(registration.list_initial_access_tokens)

    def create_initial_token(self, uses, lifetime):
        return self._change(registration.create_initial_access_token, uses=uses, lifetime=lifetime)

    def revoke_initial_token(self, token_id):
        return self._change(registration.revoke_initial_access_token, token_id)


class AdminCommandError(CommandError):
    """A refusal of the service layer (or of the admin API), as one line;
    ``field`` and ``status`` say what the service said."""

    def __init__(self, detail: str, field: str | None = None, status: int = 400):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.status = status
