"""The one door to the plugins: :class:`Plugins`, bound to a request as
``request.plugins``.

There is one method per hook specification of :mod:`ostiary.hookspecs`,
and the rule that combines the plugins' answers is written here, once,
beside the call: the first answer, dicts merged with later plugins
winning, lists concatenated with earlier plugins first, any ``False`` a
veto, the first message a refusal. Code asks plugins only through these
methods, never through the raw pluggy relay.

pluggy calls the plugin registered last first, so every merge below walks
its results reversed: built-ins (registered first) come first and a
third-party plugin can override them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .hookspecs import AccountCapabilities, Caller

#: Claims that belong to the protocol, never to a profile service.
PROTOCOL_CLAIMS = frozenset(
    {
        "at_hash",
        "aud",
        "acr",
        "amr",
        "auth_time",
        "azp",
        "c_hash",
        "client_id",
        "cnf",
        "exp",
        "iat",
        "idp",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "scope",
        "sid",
        "sub",
        "typ",
        "events",
    }
)


def merged(results: Iterable[Mapping | None]) -> dict:
    """Dicts merged in registration order: later plugins win on a key."""
    combined: dict = {}
    for result in reversed(list(results)):
        combined.update(result or {})
    return combined


def concatenated(results: Iterable[Iterable | None]) -> list:
    """Lists joined in registration order: earlier plugins first."""
    return [item for batch in reversed(list(results)) for item in batch or ()]


def vetoed(results: Iterable[Any]) -> bool:
    """Whether any plugin answered ``False`` (``None`` and ``True`` allow)."""
    return any(answer is False for answer in results)


class Plugins:
    """Every hook, called for one request with its combine rule.

    ``client()`` and ``resources()`` are memoised for the request: the
    client is asked for by several layers of one authorize request, and
    the resources by every claim lookup. A retried request gets a new
    request object, so nothing outlives one attempt.
    """

    def __init__(self, request):
        self._request = request
        self._relay = request.registry.ostiary_plugins.hook
        self._clients: dict[str, Any] = {}
        self._resources: dict[str, Any] | None = None

    # -- user store (first answer wins) --------------------------------------

    def user_by_username(self, username: str):
        return self._relay.ostiary_user_by_username(request=self._request, username=username)

    def user_by_subject(self, subject: str):
        return self._relay.ostiary_user_by_subject(request=self._request, subject=subject)

    def verify_credentials(self, username: str, password: str):
        """The user, ``False`` (refused) or ``None`` (no store knows the name)."""
        return self._relay.ostiary_verify_credentials(request=self._request, username=username, password=password)

    def create_user(self, username: str, email: str | None, password: str | None, claims: Mapping):
        return self._relay.ostiary_create_user(
            request=self._request, username=username, email=email, password=password, claims=claims
        )

    def set_password(self, subject: str, password: str) -> bool:
        return bool(self._relay.ostiary_set_password(request=self._request, subject=subject, password=password))

    def update_claims(self, subject: str, claims: Mapping) -> bool:
        return bool(self._relay.ostiary_update_claims(request=self._request, subject=subject, claims=claims))

    # -- profile service (merged; any False vetoes) ----------------------------

    def profile_claims(self, subject: str, client, requested: Iterable[str], caller: str) -> dict:
        """Every profile service's claims merged, protocol claims dropped."""
        requested = frozenset(requested)
        if not requested and caller != Caller.ID_TOKEN:
            return {}
        results = self._relay.ostiary_profile_claims(
            request=self._request, subject=subject, client=client, requested_claims=requested, caller=caller
        )
        return {name: value for name, value in merged(results).items() if name not in PROTOCOL_CLAIMS}

    def is_active(self, subject: str, client, caller: str) -> bool:
        """Whether every plugin lets ``subject`` act now."""
        return not vetoed(
            self._relay.ostiary_is_active(request=self._request, subject=subject, client=client, caller=caller)
        )

    def session_fits(self, idp: str | None, client, params: Mapping) -> bool:
        """Whether no plugin refuses a session signed in through ``idp`` for this request."""
        return not vetoed(
            self._relay.ostiary_session_fits(request=self._request, idp=idp, client=client, params=params)
        )

    # -- clients and resources (memoised) -------------------------------------

    def client(self, client_id: str | None):
        """The client registered as ``client_id``, or ``None``."""
        if not client_id:
            return None
        if client_id not in self._clients:
            self._clients[client_id] = self._relay.ostiary_client(request=self._request, client_id=client_id)
        return self._clients[client_id]

    def cors_origin_known(self, origin: str) -> bool:
        """Whether any client store lets scripts from ``origin`` call the
        machine-facing endpoints (any ``True`` wins)."""
        return any(self._relay.ostiary_cors_origin_known(request=self._request, origin=origin))

    def resources(self) -> dict[str, Any]:
        """Every resource by name; a later plugin wins on a name."""
        if self._resources is None:
            resources = concatenated(self._relay.ostiary_resources(request=self._request))
            self._resources = {resource.name: resource for resource in resources}
        return self._resources

    # -- the login and logout pages --------------------------------------------

    def login_links(self, context) -> list[dict]:
        return concatenated(self._relay.ostiary_login_links(request=self._request, context=context))

    def login_fields(self, context) -> list[dict]:
        return concatenated(self._relay.ostiary_login_fields(request=self._request, context=context))

    def login_providers(self, context) -> list[dict]:
        return concatenated(self._relay.ostiary_login_providers(request=self._request, context=context))

    # -- passkeys (issue 13) --
    def login_scripts(self, context) -> list[dict]:
        return concatenated(self._relay.ostiary_login_scripts(request=self._request, context=context))

    def check_login(self, user, params: Mapping, context) -> str | None:
        """The first refusal message, or ``None`` to allow."""
        return self._relay.ostiary_check_login(request=self._request, user=user, params=params, context=context)

    def login_redirect(self, context) -> str | None:
        return self._relay.ostiary_login_redirect(request=self._request, context=context)

    def logout_redirect(self, session, logout_id: str | None, frames: list[str]) -> str | None:
        return self._relay.ostiary_logout_redirect(
            request=self._request, session=session, logout_id=logout_id, frames=frames
        )

    # -- after sign-in (a notification: every plugin, answers ignored) -----------

    def signed_in(self, user, session, context) -> None:
        """Tell every plugin that ``user`` signed in with ``session``."""
        self._relay.ostiary_signed_in(request=self._request, user=user, session=session, context=context)

    # -- themes ------------------------------------------------------------------

    def gallery_pages(self) -> list[tuple[str, str, dict]]:
        return concatenated(self._relay.ostiary_gallery_pages(request=self._request))

    # -- listing and disabling users (first answer wins) --------------------------

    def implements(self, hook: str) -> bool:
        """Whether any enabled plugin implements ``ostiary_<hook>``: tells "no
        store can do this" from "no store knows this user" (the commands)."""
        caller = getattr(self._relay, f"ostiary_{hook}", None)
        return bool(caller is not None and caller.get_hookimpls())

    def list_users(self, offset: int = 0, limit: int | None = None, search: str | None = None):
        """The user store's users by username, or ``None`` when no store lists them."""
        return self._relay.ostiary_list_users(request=self._request, offset=offset, limit=limit, search=search)

    def set_active(self, subject: str, active: bool) -> bool:
        """Whether a store held ``subject`` and disabled or enabled it."""
        return bool(self._relay.ostiary_set_active(request=self._request, subject=subject, active=active))

    # -- oauth-grants (issue 15): token exchange (RFC 8693) --------------------

    def token_exchange_allowed(self, client, exchange) -> bool:
        """Whether some plugin allows this token exchange and none refuses it: denied by default."""
        answers = self._relay.ostiary_token_exchange_allowed(request=self._request, client=client, exchange=exchange)
        return any(answer is True for answer in answers) and not any(answer is False for answer in answers)

    # -- authentication methods (issue 13: sign-in as steps) ----------------------

    def authentication_methods(self) -> dict[str, Any]:
        """Every authentication method by name, built-ins first; a later
        plugin wins on a name. Memoised for the request."""
        cache = vars(self)
        if "_methods" not in cache:
            methods = concatenated(self._relay.ostiary_authentication_methods(request=self._request))
            cache["_methods"] = {method.name: method for method in methods}
        return cache["_methods"]

    # -- the account console (issue 12) -------------------------------------------

    def account_sections(self) -> list:
        """The console's sections, sorted by ``order`` then name; a later
        plugin replaces an earlier one's section of the same name."""
        by_name = {
            section.name: section
            for section in concatenated(self._relay.ostiary_account_sections(request=self._request))
        }
        return sorted(by_name.values(), key=lambda section: (section.order, section.name))

    def account_export(self, subject: str) -> dict:
        """Every plugin's part of the person's data file, merged."""
        return merged(self._relay.ostiary_account_export(request=self._request, subject=subject))

    def account_deleted(self, subject: str) -> None:
        """Tell every plugin that ``subject`` deleted their account."""
        self._relay.ostiary_account_deleted(request=self._request, subject=subject)

    def account_capabilities(self, subject: str):
        """What the store holding ``subject`` lets them change (read-only when none answers)."""
        answer = self._relay.ostiary_account_capabilities(request=self._request, subject=subject)
        return answer if answer is not None else AccountCapabilities()

    def set_email(self, subject: str, email: str, verified: bool) -> bool:
        return bool(
            self._relay.ostiary_set_email(request=self._request, subject=subject, email=email, verified=verified)
        )

    def delete_user(self, subject: str) -> bool:
        return bool(self._relay.ostiary_delete_user(request=self._request, subject=subject))

    def registration_url(self, return_url: str | None) -> str | None:
        """Where ``prompt=create`` sends the person, or ``None`` (no registration)."""
        return self._relay.ostiary_registration_url(request=self._request, return_url=return_url)

    def password_problem(self, password: str, username: str | None = None, email: str | None = None):
        """Why ``password`` is refused, or ``None``: core's policy
        (:class:`ostiary.passwords.PasswordPolicy`) first, then the plugins'."""
        problem = self._request.registry.ostiary_password_policy.problem(password, username=username, email=email)
        if problem is not None:
            return problem
        return self._relay.ostiary_password_problem(
            request=self._request, password=password, username=username, email=email
        )


def offers_registration(registry) -> bool:
    """Whether an enabled plugin offers registration (``ostiary_registration_url``):
    asked once per process for the discovery document, before any request."""
    return bool(registry.ostiary_plugins.hook.ostiary_registration_url.get_hookimpls())


def get_plugins(request) -> Plugins:
    """Request method ``request.plugins``."""
    return Plugins(request)
