"""The browser's way through an external login.

``GET /account/external/<name>?returnUrl=...`` (the *challenge*) checks the
return URL and the client's restriction, stores a pending sign-in under the
digest of a fresh ``state`` and sends the browser upstream.
``GET /account/external/<name>/callback`` takes that pending sign-in (once)
if it belongs to this browser (another browser's callback leaves it be),
redeems the code, validates the ID token (and its ``auth_time`` when the
client's ``prompt=login`` or ``max_age`` was passed on) and only then
finds, links or creates the local user and signs them in, as of the
upstream's ``auth_time`` when it sent one.
Every failure ends on the error page, and before any user or link exists.
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPSeeOther

from ..events import LOGIN_FAILED, emit
from ..hookspecs import Caller
from ..models.federation import PendingSignIn
from ..models.util import digest, random_token
from ..settings import cookies_secure
from . import linking, providers, upstream

log = logging.getLogger(__name__)

#: Binds a pending sign-in or link to the browser that started it.
BROWSER_COOKIE = "ostiary_external"
COOKIE_PATH = "/account"


def browser_id(request) -> str | None:
    return request.cookies.get(BROWSER_COOKIE) or None


def _ensure_browser_id(request) -> str:
    value = browser_id(request)
    if value is None:
        value = random_token(24)
        secure = cookies_secure(request.registry.ostiary_settings)
        request.add_response_callback(
            lambda req, resp: resp.set_cookie(
                BROWSER_COOKIE, value, path=COOKIE_PATH, httponly=True, samesite="Lax", secure=secure
            )
        )
    return value


def callback_url(request, name: str) -> str:
    """Where the upstream sends the browser back: on the configured issuer,
    never on the request's Host header."""
    issuer = request.registry.ostiary_settings.issuer
    return request.route_url("external_callback", provider=name, _app_url=issuer)


def challenge_url(request, name: str, return_url: str | None) -> str:
    query = {"returnUrl": return_url} if return_url else {}
    return request.route_path("external_challenge", provider=name, _query=query)


def _fail(request, error: str, detail: str, provider: str | None = None, client_id=None, level=logging.INFO):
    log.log(level, "external login%s failed: %s: %s", f" with {provider}" if provider else "", error, detail)
    emit(request, LOGIN_FAILED, client_id=client_id, idp=provider, reason=error)
    return request.interaction.error_redirect(error, detail, client_id=client_id)


def challenge(request):
    """``GET /account/external/<name>``: off to the upstream provider."""
    name = request.matchdict["provider"]
    provider = providers.get(request, name)
    if provider is None:
        return request.interaction.error_redirect("external_unknown", f"no external login provider {name!r}")
    return_url = request.params.get("returnUrl") or None
    context, failure = request.interaction.context_or_error(return_url)
    if failure is not None:
        return failure
    client = context.client if context else None
    if not providers.client_allows(client, name):
        return _fail(
            request, "external_not_allowed", f"client {client.client_id} does not accept {name}", name, client.client_id
        )
    try:
        metadata = request.registry.ostiary_upstreams.metadata(provider)
    except upstream.UpstreamError as exc:
        return _fail(request, exc.error, str(exc), name, client.client_id if client else None)
    state, nonce, verifier = random_token(32), random_token(16), random_token(48)
    prompt, max_age = upstream.forwarded_demand(provider, context)
    pending = PendingSignIn(
        name,
        return_url,
        nonce=nonce,
        code_verifier=verifier,
        browser_digest=digest(_ensure_browser_id(request)),
        max_age=max_age,
        prompt_login=prompt == "login",
    )
    request.ostiary_root.federation.put_pending(state, pending)
    url = upstream.authorization_url(
        provider,
        metadata,
        redirect_uri=callback_url(request, name),
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        login_hint=context.login_hint if context else None,
        prompt=prompt,
        max_age=max_age,
    )
    return HTTPSeeOther(url)


def _take_pending(request, name):
    """The pending sign-in of this callback's state, if it is this browser's
    and this provider's; else (None, why). One that is not stays pending for
    its own browser (see :meth:`FederationStore.take_pending`)."""
    store, state = request.ostiary_root.federation, request.GET.get("state")
    browser = browser_id(request)
    pending = store.take_pending(state, browser_digest=digest(browser) if browser else None, provider=name)
    if pending is not None:
        return pending, None
    other = store.pending_sign_in(state)
    if other is None:
        return None, "unknown, used or expired state"
    if other.provider != name:
        return None, f"the state belongs to provider {other.provider}, not {name}"
    return None, "the sign-in was started in another browser"


def _identity(request, provider, metadata, pending) -> linking.UpstreamIdentity:
    """Redeem the code and validate what the upstream says (raises UpstreamError)."""
    params = request.GET
    if "iss" in params and params["iss"] != metadata.issuer:
        raise upstream.Invalid(f"the authorization response comes from issuer {params['iss']!r}")
    if "iss" not in params and metadata.iss_parameter_supported:
        raise upstream.Invalid("the authorization response lacks the iss parameter the upstream promises")
    if not params.get("code"):
        raise upstream.Invalid("the authorization response has no code")
    token, userinfo = upstream.redeem(
        provider,
        metadata,
        redirect_uri=callback_url(request, provider.name),
        code=params["code"],
        code_verifier=pending.code_verifier,
    )
    claims = dict(userinfo)
    id_claims, auth_time = {}, None
    if provider.kind == "oidc":
        id_claims = upstream.validate_id_token(
            request.registry.ostiary_upstreams,
            provider,
            metadata,
            token["id_token"],
            nonce=pending.nonce,
            access_token=token.get("access_token"),
        )
        auth_time = upstream.authentication_time(
            id_claims, max_age=pending.max_age, login_after=pending.started_at if pending.prompt_login else None
        )
        if userinfo and userinfo.get("sub") != id_claims["sub"]:
            raise upstream.Invalid("userinfo describes another subject than the ID token")
        claims.update(id_claims)
    subject = claims.get(provider.subject_claim)
    if subject in (None, ""):
        raise upstream.Invalid(f"the upstream sent no {provider.subject_claim!r} claim")
    return linking.UpstreamIdentity(
        provider,
        str(subject),
        linking.map_claims(request, provider, claims),
        token.get("id_token"),
        id_claims.get("sid"),
        auth_time,
        id_claims.get("sub"),
        *_sign_in_methods(id_claims),
    )


def _sign_in_methods(id_claims) -> tuple[tuple, str | None]:
    """The upstream ID token's ``amr`` (strings only) and ``acr``."""
    amr = id_claims.get("amr")
    amr = tuple(v for v in amr if isinstance(v, str) and v) if isinstance(amr, list) else ()
    acr = id_claims.get("acr")
    return amr, acr if isinstance(acr, str) and acr else None


def callback(request):
    """``GET /account/external/<name>/callback``: the upstream's answer."""
    name = request.matchdict["provider"]
    pending, problem = _take_pending(request, name)
    if pending is None:
        return _fail(request, "external_state", problem, name)
    provider = providers.get(request, name)
    context, failure = request.interaction.context_or_error(pending.return_url)
    if failure is not None:
        return failure
    client = context.client if context else None
    client_id = client.client_id if client else None
    if provider is None or not providers.client_allows(client, name):
        return _fail(request, "external_not_allowed", f"{name} is not available", name, client_id)
    if request.GET.get("error"):
        return _upstream_said_no(request, name, client_id)
    try:
        metadata = request.registry.ostiary_upstreams.metadata(provider)
        identity = _identity(request, provider, metadata, pending)
    except upstream.UpstreamError as exc:
        return _fail(request, exc.error, str(exc), name, client_id, exc.log_level)
    return _sign_in(request, identity, pending.return_url, context)


def _upstream_said_no(request, name, client_id):
    """An error in the authorization response: the person cancelled or was
    refused, or (``unauthorized_client``) the upstream will not serve Ostiary."""
    error = request.GET["error"]
    detail = f"the upstream answered {error}: {request.GET.get('error_description', '')}".strip()
    if error in upstream.CLIENT_ERRORS:
        return _fail(request, upstream.ClientRefused.error, detail, name, client_id, upstream.ClientRefused.log_level)
    return _fail(request, "external_denied", detail, name, client_id)


def _sign_in(request, identity, return_url, context):
    """Find, link or create the local user and start the session. A refusal
    rolls back whatever was linked or created on the way."""
    client = context.client if context else None
    client_id = client.client_id if client else None
    name = identity.provider.name
    savepoint = request.tm.savepoint(optimistic=True)
    try:
        user = linking.find_user(request, identity) or _new_user(request, identity, return_url, client)
        if user is None:  # asked to sign in locally to link
            return HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url} if return_url else {}))
        if not request.plugins.is_active(user.subject, client, Caller.LOGIN):
            raise linking.Refused("external_refused", "the local user may not sign in")
    except linking.Refused as exc:
        _roll_back(request, savepoint)
        return _fail(request, exc.error, str(exc), name, client_id)
    # The provider was the first factor; policy may ask a further one here
    # (issue 13), unless the provider is trusted for its amr and it says mfa.
    amr, acr, multi = ("external",), None, False
    if identity.provider.trust_amr and identity.amr:
        amr, acr = identity.amr, identity.acr
        multi = "mfa" in amr or len(set(amr)) >= 2
    target = request.interaction.first_factor_passed(
        user,
        amr=amr,
        method="idp:" + name,
        idp=name,
        auth_time=identity.auth_time,
        context=context,
        return_url=return_url or "",
        multi_factor=multi,
        acr=acr,
        # Where the session came from: for signing out there too, and for the
        # upstream's back-channel logout tokens to find it.
        upstream={"provider": name, "sub": identity.id_subject, "sid": identity.sid, "id_token": identity.id_token},
    )
    return HTTPSeeOther(target)


def _roll_back(request, savepoint) -> None:
    try:
        savepoint.rollback()
    except TypeError:  # a user store outside the database that cannot roll back to a savepoint
        log.warning("external login refused after changes a user store cannot roll back; aborting them")
        request.tm.doom()


def _new_user(request, identity, return_url, client):
    """A provisioned user, or None when the person must link locally first."""
    mode = identity.provider.provisioning
    if mode == "create" and not linking.email_taken(request, identity):
        return linking.provision(request, identity)
    if mode == "off" or not providers.client_allows(client, providers.LOCAL):
        raise linking.Refused(
            "external_no_account",
            f"no local user is linked to this {identity.provider.name} identity (provisioning = {mode})",
        )
    linking.ask_to_link(request, identity, _ensure_browser_id(request), return_url)
    return None


def cancel_link(request):
    """``GET /account/external/-/cancel-link``: forget a pending link."""
    request.ostiary_root.federation.drop_pending_link(browser_id(request))
    return_url = request.params.get("returnUrl") or None
    if return_url and request.interaction.is_valid_return_url(return_url):
        return HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url}))
    return HTTPSeeOther(request.route_path("login"))
