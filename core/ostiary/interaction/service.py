"""The interaction service: the one object pages use to talk to the protocol.

Reach it as ``request.interaction``. Core pages and plugin pages use only
this service to read the authorization request behind a return URL, to
sign a person in and out, and to answer consent, so a page never parses
protocol parameters itself.

Example, a plugin page that signs a user in after its own check::

    def my_login(request):
        service = request.interaction
        return_url = request.params.get("returnUrl", "")
        if not service.is_valid_return_url(return_url):
            return service.error_redirect("invalid_request", "bad return URL")
        user = ...  # a user from the user-store hook
        service.sign_in(user, amr=("otp",))
        return HTTPSeeOther(return_url)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..events import CONSENT_DENIED, CONSENT_GRANTED, LOGIN_SUCCEEDED, LOGOUT, emit
from ..models.audit import LIMITS, cut
from ..models.interactions import Decision, ErrorRecord
from ..models.sessions import SSOSession
from ..protocol import return_urls, single_logout
from ..protocol.return_urls import SUPPRESSED_MAX_AGE, SUPPRESSED_PROMPT, request_fingerprint
from ..settings import cookies_secure
from .devices import device_of


@dataclasses.dataclass
class AuthorizationContext:
    """What a page may know about the authorization request behind a return URL."""

    client: object
    params: dict
    scopes: list
    login_hint: str | None
    prompt: tuple  # as the client sent it: login and select_account stay, though signing in answers them
    ui_locales: tuple
    acr_values: tuple
    idp: str | None
    max_age: int | None = None  # the client's max_age, in seconds

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @functools.cached_property
    def fingerprint(self) -> str:
        """The digest under which a page's decision waits for the authorize
        endpoint: worked out when asked (the consent page's answer), not for
        each of the flow's several contexts that never need it."""
        return request_fingerprint(self.params)


def _seconds(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


class InteractionService:
    """Everything a page needs from the protocol, bound to one request."""

    def __init__(self, request):
        self.request = request
        self.settings = request.registry.ostiary_settings

    # -- return URLs and authorization context -------------------------------

    def is_valid_return_url(self, return_url: str | None) -> bool:
        """True only for a relative URL to this issuer's authorize endpoint
        (see :func:`ostiary.protocol.return_urls.is_valid_return_url`)."""
        return return_urls.is_valid_return_url(return_url)

    def return_url_for(self, params: dict) -> str:
        """The return URL that resumes the authorization request ``params``."""
        return return_urls.return_url_for(params)

    def authorization_context(self, return_url: str | None) -> AuthorizationContext | None:
        """The validated authorization request behind ``return_url``, or None.

        Worked out once per request and return URL: the login and consent
        pages ask twice (the view, then the page it renders), and within one
        request the client and its redirect URIs cannot change. Nothing is
        kept beyond the request (the service is made per request)."""
        contexts = vars(self).setdefault("_authorization_contexts", {})
        if return_url not in contexts:
            contexts[return_url] = self._authorization_context(return_url)
        return contexts[return_url]

    def _authorization_context(self, return_url: str | None) -> AuthorizationContext | None:
        if not self.is_valid_return_url(return_url):
            return None
        params = return_urls.return_url_params(return_url)
        client = self.request.plugins.client(client_id=params.get("client_id"))
        if client is None:
            return None
        if return_urls.DEVICE_PARAMETER in params:  # a device's request (RFC 8628): no redirect URI
            if not client.check_grant_type("urn:ietf:params:oauth:grant-type:device_code"):
                return None
        elif not client.check_redirect_uri(params.get("redirect_uri", "")):
            return None
        acr_values = tuple(params.get("acr_values", "").split())
        idp = next((v.removeprefix("idp:") for v in acr_values if v.startswith("idp:")), None)
        return AuthorizationContext(
            client=client,
            params=params,
            scopes=params.get("scope", "").split(),
            login_hint=params.get("login_hint") or None,
            prompt=tuple(params.get("prompt", "").split()) + tuple(params.get(SUPPRESSED_PROMPT, "").split()),
            max_age=_seconds(params.get("max_age", params.get(SUPPRESSED_MAX_AGE))),
            ui_locales=tuple(params.get("ui_locales", "").split()),
            acr_values=acr_values,
            idp=idp,
        )

    def context_or_error(self, return_url: str | None, *, required: bool = False):
        """``(context, failure)`` for a page that resumes ``return_url``.

        The one answer every page gives (login, consent, the external login
        and the account plugins' pages used to write it each):

        * no return URL: ``(None, None)``, the page was opened on its own;
          with ``required`` (a page that means nothing without an
          authorization request, such as consent) that is a failure too;
        * a return URL this service does not accept (not our authorize
          endpoint, an unknown client, a redirect URI it did not register):
          ``(None, failure)``, a redirect to the error page that the view
          returns as it is;
        * otherwise ``(context, None)``.
        """
        if not return_url and not required:
            return None, None
        context = self.authorization_context(return_url)
        if context is None:
            return None, self.error_redirect("invalid_request", "The return URL is not valid.")
        return context, None

    # -- the SSO session -------------------------------------------------------

    @property
    def session(self) -> SSOSession | None:
        """The current SSO session, or None (read once per request).

        Kept on the request, not in the WSGI environ: pyramid_retry runs a
        retried attempt with the same environ, and a persistent object from
        the previous attempt's closed connection must not leak into it."""
        cache = vars(self.request)
        if "_ostiary_sso_session" not in cache:
            cookie = self.request.cookies.get(self.settings.session_cookie)
            cache["_ostiary_sso_session"] = self.request.ostiary_root.sessions.from_cookie(cookie)
        return cache["_ostiary_sso_session"]

    def sign_in(
        self,
        user,
        *,
        amr=("pwd",),
        idp="local",
        acr=None,
        remember=False,
        auth_time=None,
        context: AuthorizationContext | None = None,
    ) -> SSOSession:
        """Start an SSO session for ``user`` and set its cookie on the response.
        ``auth_time``: when the person authenticated, if not now (an upstream
        provider's ``auth_time`` after an external login). ``context``: the
        authorization request this sign-in serves, if any, passed on to the
        plugins (``ostiary_signed_in``), which are told once the session exists."""
        store = self.request.ostiary_root.sessions
        if acr is None:  # honest acr for every sign-in (issue 13): one factor, or several
            from . import steps  # late: steps uses the security module, which imports this one

            acr = steps.acr_for(self.request, "mfa" in tuple(amr))
        if self.session is not None:
            store.end(self.session)
        lifetime = self.settings.remember_lifetime if remember else self.settings.session_lifetime
        session = SSOSession(
            user.subject, lifetime, amr=amr, idp=idp, acr=acr, persistent=remember, auth_time=auth_time
        )
        # What the account console shows of it: from where, on what device.
        session.address = cut(self.request.remote_addr, LIMITS["address"])
        session.device = device_of(self.request.user_agent)
        cookie = store.start(session)
        vars(self.request)["_ostiary_sso_session"] = session
        self._new_session_cookie(cookie)
        max_age = lifetime if remember else None
        self.request.add_response_callback(lambda req, resp: self._set_cookie(resp, cookie, max_age))
        emit(self.request, LOGIN_SUCCEEDED, subject=user.subject, amr=" ".join(amr), idp=idp)
        self.request.plugins.signed_in(user=user, session=session, context=context)
        return session

    def first_factor_passed(self, user, *, amr, method: str, **options) -> str:
        """A first factor of ``user`` passed (a password, a passkey, an
        external provider): policy decides what follows. Return the URL to
        send the browser to: ``return_url`` (home when empty) with the
        session started, or the step page of a further factor. Options:
        ``idp``, ``remember``, ``auth_time``, ``context``, ``return_url``,
        ``multi_factor``, ``acr``, ``upstream`` (see
        :func:`ostiary.interaction.steps.first_factor_passed`). Factors call
        this, never :meth:`sign_in`, which starts a session whatever policy asks."""
        from . import steps

        return steps.first_factor_passed(self.request, user, amr=amr, method=method, **options)

    def needs_step_up(self, client, params) -> bool:
        """Whether the current session must pass a further factor before it
        serves this authorization request (``acr_values``, ``require_mfa``)."""
        from . import steps

        return steps.needs_step_up(self.request, self.session, client, params)

    def step_up_url(self, return_url: str) -> str:
        """The page that asks the current session for the missing factor."""
        from . import steps

        return steps.step_up_url(self.request, return_url)

    def sign_out(self) -> list[str]:
        """End the current SSO session and tell its clients (back-channel
        logout after commit). Return the front-channel logout URLs the
        signed-out page must load in iframes (empty when nobody was signed in)."""
        session = self.session
        urls = self._end_session(session) if session is not None else []
        vars(self.request)["_ostiary_sso_session"] = None
        self._new_session_cookie("")
        self.request.add_response_callback(lambda req, resp: self._set_cookie(resp, "", 0))
        return urls

    def end_sessions(self, sessions) -> int:
        """End ``sessions`` as a sign-out does, but without a browser: each
        one's clients are told by back-channel logout after commit (the
        front-channel needs the person's browser, which is not here); return
        how many ended. For an upstream's back-channel logout, say."""
        ended = 0
        for session in sessions:
            self._end_session(session)
            ended += 1
        return ended

    def _end_session(self, session: SSOSession) -> list[str]:
        """End ``session``, the one way every sign-out does: out of the
        sessions store, its clients told (back-channel after commit, refresh
        tokens revoked where a client asked for that), the LOGOUT event, and
        forgotten by this request if it was the current one. Return the
        front-channel logout URLs (only a browser on the signed-out page can
        load them). One method, so the ways of ending a session cannot drift
        apart again (``revoke_user`` once emitted no LOGOUT)."""
        self.request.ostiary_root.sessions.end(session)
        urls = single_logout.session_ended(self.request, session)
        emit(self.request, LOGOUT, subject=session.subject, sid=session.sid)
        if vars(self.request).get("_ostiary_sso_session") is session:
            vars(self.request)["_ostiary_sso_session"] = None
        return urls

    def logout_context(self, logout_id: str | None):
        """The validated end-session request behind ``logout_id``, or None."""
        taken = vars(self.request).get("_ostiary_taken_logout")
        if taken is not None and taken[0] == logout_id:
            return taken[1]
        return self.request.ostiary_root.interactions.logout(logout_id)

    def take_logout(self, logout_id: str | None):
        """Like :meth:`logout_context`, but the record is used up: call it
        when the person is signed out with it, so that the logout id cannot
        be replayed. The rest of this request still sees it (the signed-out
        page's language comes from its ``ui_locales``)."""
        record = self.request.ostiary_root.interactions.take_logout(logout_id)
        if record is not None:
            vars(self.request)["_ostiary_taken_logout"] = (logout_id, record)
        return record or self.logout_context(logout_id)

    def revoke_user(self, subject: str, *, keep: SSOSession | None = None) -> int:
        """End every SSO session and revoke every refresh token of ``subject``
        (after a password reset, for example); return how many went.
        ``keep``: a session to spare, the one just started by a sign-in that
        revokes what came before it (``ostiary_signed_in``)."""
        root = self.request.ostiary_root
        # the sign-in that asked for this revocation keeps its own session
        sessions = [session for session in root.sessions.of_subject(subject) if keep is None or session.sid != keep.sid]
        ended = self.end_sessions(sessions)
        current = self.session
        if current is not None and current.subject == subject and (keep is None or current.sid != keep.sid):
            vars(self.request)["_ostiary_sso_session"] = None
        return ended + root.grants.revoke_where(subject=subject)

    def _new_session_cookie(self, value: str) -> None:
        """From here on this request speaks for the session cookie ``value``
        (empty: none); the CSRF token is replaced with one bound to it, so a
        form from before signing in or out is refused after it."""
        vars(self.request)[_SESSION_COOKIE_VALUE] = value
        new_csrf_token(self.request)

    def _set_cookie(self, response, value, max_age):
        response.set_cookie(
            self.settings.session_cookie,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=cookies_secure(self.settings),
        )

    # -- decisions handed back to the authorize endpoint ----------------------------

    def decision_key(self, fingerprint: str) -> str:
        sid = self.session.sid if self.session is not None else ""
        return hashlib.sha256(f"{fingerprint}|{sid}".encode()).hexdigest()

    def grant_consent(self, context: AuthorizationContext, scopes, remember: bool) -> str:
        """Record consent to ``scopes``; return the URL to send the browser to."""
        granted = [s for s in context.scopes if s in set(scopes)]
        decision = Decision(scopes=granted, remember=remember)
        self.request.ostiary_root.interactions.put_decision(self.decision_key(context.fingerprint), decision)
        emit(
            self.request,
            CONSENT_GRANTED,
            subject=self.session.subject if self.session else None,
            client_id=context.client_id,
            scopes=" ".join(granted),
            remember=remember,
        )
        return self.return_url_for(context.params)

    def deny(self, context: AuthorizationContext, error: str = "access_denied") -> str:
        """Refuse the authorization request; the client will get ``error``."""
        decision = Decision(error=error)
        self.request.ostiary_root.interactions.put_decision(self.decision_key(context.fingerprint), decision)
        emit(
            self.request,
            CONSENT_DENIED,
            subject=self.session.subject if self.session else None,
            client_id=context.client_id,
            error=error,
        )
        return self.return_url_for(context.params)

    def take_decision(self, fingerprint: str) -> Decision | None:
        """Used by the authorize endpoint: the page's answer, once."""
        return self.request.ostiary_root.interactions.take_decision(self.decision_key(fingerprint))

    # -- errors --------------------------------------------------------------------

    def record_error(self, error: str, description: str | None = None, client_id=None, redirect_uri=None) -> str:
        """Keep the detail of an error server-side; return its error id."""
        record = ErrorRecord(error, description, client_id, redirect_uri)
        return self.request.ostiary_root.interactions.put_error(record)

    def error_context(self, error_id: str | None) -> ErrorRecord | None:
        """The detail behind an error id, or None when unknown or expired."""
        return self.request.ostiary_root.interactions.error(error_id)

    def error_redirect(self, error: str, description: str | None = None, **context) -> HTTPSeeOther:
        """Record an error and send the browser to the error page."""
        error_id = self.record_error(error, description, **context)
        return HTTPSeeOther(self.request.route_path("error", _query={"errorId": error_id}))


_SESSION_COOKIE_VALUE = "_ostiary_session_cookie"


def session_secret(request) -> str:
    """The SSO session cookie this request speaks for: the one signing in
    just set, else the one the browser sent, else empty. The CSRF policy
    binds its tokens to it."""
    cache = vars(request)
    if _SESSION_COOKIE_VALUE in cache:
        return cache[_SESSION_COOKIE_VALUE]
    return request.cookies.get(request.registry.ostiary_settings.session_cookie, "")


def get_interaction(request) -> InteractionService:
    """Request method ``request.interaction``."""
    return InteractionService(request)
