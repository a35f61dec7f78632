"""Sign-in as steps: the first factor, then whatever further step policy asks.

A first factor (the password on the login page, an external provider, a
passkey) ends in :func:`first_factor_passed`. When nothing more is needed
the SSO session starts at once, exactly as before. Otherwise a partial
sign-in (:class:`ostiary.models.signins.PartialSignIn`) is kept server-side
behind a cookie of its own, and the step page (``/account/login/step``)
asks the person for a further factor from ``ostiary_authentication_methods``,
or, when their policy demands one they do not have, takes them through
setting one up. Only when every step passed does the session start, from
the record, which is taken out once.

Policy, in one place (:func:`mfa_demanded` and :func:`_next_step`): a person
with a further factor enrolled is always asked for it; a client with
``require_mfa``, the setting ``ostiary.require_mfa`` or ``acr_values``
naming ``ostiary.acr_multi_factor`` demand one. A session that lacks one
for such a request is stepped up (``/account/login/step-up``): only the
missing factor is asked, and the session keeps its sid.

Every failed step that was a guess counts, per client address and per
account, with the budgets of wrong passwords (:mod:`.throttle`); a right
password does not wipe a factor's failures, so codes cannot be guessed
forever by re-entering the password.
"""

from __future__ import annotations

from urllib.parse import urlencode

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..events import LOGIN_FAILED, LOGIN_SUCCEEDED, emit
from ..hookspecs import AuthenticationMethod, Caller, Step, StepResult, hookimpl
from ..i18n import _, translate
from ..models.signins import PartialSignIn
from ..settings import cookies_secure
from . import throttle
from .account.fresh import is_account_return
from .security import allow_form_redirect

#: The name of the built-in password method (the login page's step).
PASSWORD = "password"
STEP_FAILURE = _("That did not work. Check what you entered and try again.")
NO_FACTOR_POSSIBLE = "No further sign-in factor can be set up, but this sign-in requires one."
COOKIE_PATH = "/account/login"


class PasswordMethod(AuthenticationMethod):
    """The password: a first factor only, its step is the login page
    (checked by ``ostiary_verify_credentials``), so :meth:`render` and
    :meth:`check` are never called through the step page."""

    name = PASSWORD
    title = _("Password")
    first_factor = True
    further_factor = False
    amr = ("pwd",)

    def enrolled(self, request, user) -> bool:
        return True

    def render(self, request, step):  # pragma: no cover - the login page is this step
        return HTTPSeeOther(request.route_path("login"))

    def check(self, request, step) -> StepResult:  # pragma: no cover
        return StepResult.failed(guessed=False)


@hookimpl
def ostiary_authentication_methods(request):  # registered as the built-in plugin "password"
    """Core's own method: the password."""
    return [PasswordMethod()]


# -- policy ------------------------------------------------------------------


def _settings(request):
    return request.registry.ostiary_settings


def mfa_demanded(request, context) -> bool:
    """Whether this sign-in must pass a further factor whatever the person
    has enrolled: the server's or the client's policy, or ``acr_values``."""
    settings = _settings(request)
    if settings.require_mfa:
        return True
    if context is None:
        return False
    return bool(getattr(context.client, "require_mfa", False)) or settings.acr_multi_factor in context.acr_values


def session_is_multi_factor(session) -> bool:
    """Whether ``session`` passed two factors (its amr says ``mfa``)."""
    return session is not None and "mfa" in tuple(session.amr or ())


def acr_for(request, multi: bool) -> str:
    settings = _settings(request)
    return settings.acr_multi_factor if multi else settings.acr_single_factor


def factor_required(request, user) -> bool:
    """Whether ``user`` must keep a further factor (the console refuses to
    remove the last one): the server-wide ``ostiary.require_mfa``."""
    return bool(_settings(request).require_mfa)


def _methods(request) -> dict[str, AuthenticationMethod]:
    return request.plugins.authentication_methods()


def _factor_names(request, record) -> list[str]:
    """The factors a record passed (a backup shown at enrolment is not one)."""
    return list(record.methods)


def _next_step(request, user, context, record) -> tuple[str, list[AuthenticationMethod]]:
    """What the sign-in needs next: ``("done", [])``, ``("ask", methods)``
    (enrolled further factors to choose from), ``("enrol", methods)`` (ones
    the person may set up now), ``("backup", methods)`` (a backup to set up
    after the first factor was enrolled) or ``("impossible", [])``."""
    methods = _methods(request)
    passed = set(record.methods) | set(record.enrolled_now)
    if len(record.methods) >= 2:
        backups = [m for m in methods.values() if m.backup and m.name not in passed]
        pending = [m for m in backups if record.enrolled_now and not m.enrolled(request, user)]
        return ("backup", pending[:1]) if pending else ("done", [])
    further = [m for m in methods.values() if m.further_factor and m.name not in passed]
    enrolled = [m for m in further if not m.backup and m.enrolled(request, user)]
    if not enrolled and not mfa_demanded(request, context):
        return "done", []
    if enrolled:
        backups = [m for m in further if m.backup and m.enrolled(request, user)]
        return "ask", enrolled + backups
    enrollable = [m for m in further if m.can_enrol and not m.backup]
    return ("enrol", enrollable) if enrollable else ("impossible", [])


# -- the partial sign-in and its cookie ------------------------------------------


def _cookie_name(request) -> str:
    return _settings(request).session_cookie + "_signin"


def _set_cookie(request, value: str, max_age: int | None) -> None:
    secure = cookies_secure(_settings(request))

    def callback(req, response):
        response.set_cookie(
            _cookie_name(request),
            value,
            max_age=max_age,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )

    request.add_response_callback(callback)


def current_record(request) -> PartialSignIn | None:
    return request.ostiary_root.signins.get(request.cookies.get(_cookie_name(request)))


def _take_record(request) -> PartialSignIn | None:
    record = request.ostiary_root.signins.take(request.cookies.get(_cookie_name(request)))
    _set_cookie(request, "", 0)
    return record


def _step_url(request, record, method: str | None = None) -> str:
    query = {"returnUrl": record.return_url} if record.return_url else {}
    if method:
        query["method"] = method
    return request.route_path("login_step", _query=query)


def _return_target(request, return_url: str) -> str:
    return return_url or request.route_path("home")


def _start_partial(request, record: PartialSignIn) -> str:
    cookie = request.ostiary_root.signins.start(record)
    _set_cookie(request, cookie, None)
    return _step_url(request, record)


def first_factor_passed(
    request,
    user,
    *,
    amr=("pwd",),
    method: str = PASSWORD,
    idp: str = "local",
    remember: bool = False,
    auth_time: int | None = None,
    context=None,
    return_url: str = "",
    multi_factor: bool = False,
    acr: str | None = None,
    upstream: dict | None = None,
) -> str:
    """The first factor of ``user`` passed: start the session now (and
    return ``return_url``) when policy asks nothing more, else keep a
    partial sign-in and return the step page's URL. ``multi_factor``: the
    first factor proved two (a trusted upstream that said ``mfa``, a passkey
    that verified the person); ``acr``: the value to keep when no step is
    added (a trusted upstream's); ``upstream``: the keyword arguments of
    ``SessionStore.record_upstream`` (and the provider) for the session."""
    started = {"idp": idp, "remember": remember, "auth_time": auth_time, "context": context, "upstream": upstream}
    if multi_factor or "mfa" in amr:  # a passkey that verified the person, a trusted upstream
        amr = tuple(amr) if "mfa" in amr else (*amr, "mfa")
        return _start_session(
            request, user, amr=amr, acr=acr or acr_for(request, True), return_url=return_url, **started
        )
    record = PartialSignIn(
        user.subject,
        _settings(request).signin_step_lifetime,
        return_url=return_url,
        idp=idp,
        remember=remember,
        auth_time=auth_time,
    )
    record.passed(method, amr)
    record.upstream = dict(upstream) if upstream else None
    state, _methods_next = _next_step(request, user, context, record)
    if state == "done":
        return _start_session(
            request, user, amr=amr, acr=acr or acr_for(request, False), return_url=return_url, **started
        )
    return _start_partial(request, record)


def _start_session(
    request, user, *, amr, idp, acr, remember, auth_time, context, upstream: dict | None, return_url: str
) -> str:
    """Every step passed: start the SSO session of ``user`` and return where
    the sign-in goes on to (the first factor alone, or the last step)."""
    session = request.interaction.sign_in(
        user,
        amr=tuple(amr),
        idp=idp,
        acr=acr,
        remember=remember,
        auth_time=auth_time,
        context=context,
    )
    _record_upstream(request, session, upstream)
    return _return_target(request, return_url)


def _record_upstream(request, session, upstream: dict | None) -> None:
    """After an external provider: where the session came from, for signing
    out there too and for the upstream's back-channel logout tokens."""
    if upstream:
        values = dict(upstream)
        request.ostiary_root.sessions.record_upstream(session, values.pop("provider"), **values)


def needs_step_up(request, session, client, params) -> bool:
    """Whether ``session`` must pass a further factor for this authorization
    request (the authorize endpoint asks; see :func:`step_up`)."""
    if session_is_multi_factor(session):
        return False
    settings = _settings(request)
    if settings.require_mfa or getattr(client, "require_mfa", False):
        return True
    return settings.acr_multi_factor in params.get("acr_values", "").split()


# -- the pages -----------------------------------------------------------------------


def _context(request, record=None):
    """``(context, failure)`` of the sign-in's return URL: an authorization
    request, or none when it goes back home or to a console page."""
    return_url = record.return_url if record is not None else request.params.get("returnUrl")
    if not return_url or return_url == request.route_path("home") or is_account_return(return_url):
        return None, None
    return request.interaction.context_or_error(return_url)


def _expired(request):
    """No partial sign-in (expired, used, or never started): the client gets
    ``login_required`` (its request cannot go on without one); opened on
    its own, the login page again."""
    context, failure = _context(request)
    if failure is not None:
        return failure
    _set_cookie(request, "", 0)
    if context is None:
        return HTTPSeeOther(request.route_path("login"))
    return HTTPSeeOther(request.interaction.deny(context, error="login_required"))


def values(
    request,
    *,
    method_name: str,
    method_title,
    return_url: str = "",
    client_name: str | None = None,
    choices=(),
    error=None,
    enrolling: bool = False,
    fields=(),
    intro=None,
) -> dict:
    """What ``login_step.pt`` (and a method's own step template) receives,
    for the view and the gallery's samples alike."""
    heading = _("Set up a further sign-in step") if enrolling else _("Confirm it is you")
    return {
        "page_title": translate(request, heading),
        "heading": translate(request, heading),
        "method_title": translate(request, method_title),
        "method": method_name,
        "csrf_token": get_csrf_token(request),
        # the method rides in the URL too: a form need not repeat it
        "action": request.route_path("login_step", _query={"method": method_name}),
        "return_url": return_url,
        "client_name": client_name,
        "choices": list(choices),
        "error": translate(request, error) if error else None,
        "enrolling": enrolling,
        "cancel_label": translate(request, _("Cancel")),
        "fields": list(fields),
        "intro": intro,
    }


def _page(request, record, context, method, choices, state, error=None) -> dict:
    return values(
        request,
        method_name=method.name,
        method_title=method.title,
        return_url=record.return_url,
        client_name=context.client.name if context else None,
        choices=[
            {"name": m.name, "title": translate(request, m.title), "href": _step_url(request, record, m.name)}
            for m in choices
            if m.name != method.name
        ],
        error=error,
        enrolling=state in ("enrol", "backup"),
    )


def _step(request, user, record, context, method, choices, state, error=None) -> Step:
    return Step(
        user=user,
        context=context,
        state=record.state(method.name),
        enrolling=state in ("enrol", "backup"),
        page=_page(request, record, context, method, choices, state, error),
        passed=tuple(record.methods),
    )


def _prepare(request):
    """``(record, user, context, state, choices)`` of the sign-in in
    progress, or ``(None, response)`` when it cannot go on."""
    record = current_record(request)
    if record is None:
        return None, _expired(request)
    context, failure = _context(request, record)
    if failure is not None:
        return None, failure
    user = request.plugins.user_by_subject(record.subject)
    client = context.client if context else None
    if user is None or not request.plugins.is_active(user.subject, client, Caller.LOGIN):
        _take_record(request)
        return None, _expired(request)
    state, choices = _next_step(request, user, context, record)
    return (record, user, context, state, choices), None


def _chosen(choices, name):
    return next((m for m in choices if m.name == name), choices[0] if choices else None)


def _impossible(request, context):
    _take_record(request)
    if context is None:
        return request.interaction.error_redirect("access_denied", NO_FACTOR_POSSIBLE)
    return HTTPSeeOther(request.interaction.deny(context, error="access_denied"))


def step_form(request):
    """``GET /account/login/step``: the next step of the sign-in."""
    prepared, response = _prepare(request)
    if prepared is None:
        return response
    record, user, context, state, choices = prepared
    if state == "done":
        return _finish(request, user, record, context)
    if state == "impossible":
        return _impossible(request, context)
    method = _chosen(choices, request.params.get("method"))
    if context is not None:
        allow_form_redirect(request, context.params["redirect_uri"])
    return method.render(request, _step(request, user, record, context, method, choices, state))


def step_submit(request):
    """``POST /account/login/step``: check the step, or cancel the sign-in."""
    if request.POST.get("action") == "cancel":
        record = _take_record(request)
        context, failure = _context(request, record)
        if failure is not None:
            return failure
        if context is None:
            return HTTPSeeOther(request.route_path("home"))
        return HTTPSeeOther(request.interaction.deny(context))
    prepared, response = _prepare(request)
    if prepared is None:
        return response
    record, user, context, state, choices = prepared
    if state == "done":
        return _finish(request, user, record, context)
    if state == "impossible":
        return _impossible(request, context)
    method = next((m for m in choices if m.name == request.params.get("method")), None)
    if method is None:  # a stale form: show the step policy asks for now
        return HTTPSeeOther(_step_url(request, record))
    step = _step(request, user, record, context, method, choices, state)
    client_id = context.client_id if context else None
    if throttle.refused_quietly(request) or throttle.account_blocked(request, user.subject):
        emit(
            request, LOGIN_FAILED, client_id=client_id, username=user.username[:64], method=method.name, throttled=True
        )
        return _again(request, user, record, context, method, choices, state, STEP_FAILURE)
    result = method.check(request, step)
    if not result.ok:
        emit(request, LOGIN_FAILED, client_id=client_id, username=user.username[:64], method=method.name)
        if result.guessed:
            throttle.count_failure(request)
            throttle.count_account_failure(request, user.subject)
        return _again(request, user, record, context, method, choices, state, result.message or STEP_FAILURE)
    if state == "backup":
        record.enrolled_now.append(method.name)
    else:
        record.passed(method.name, result.amr or method.amr)
        if state == "enrol":
            record.enrolled_now.append(method.name)
    state, _choices = _next_step(request, user, context, record)
    if state == "done":
        return _finish(request, user, record, context)
    return HTTPSeeOther(_step_url(request, record))


def _again(request, user, record, context, method, choices, state, message):
    if context is not None:
        allow_form_redirect(request, context.params["redirect_uri"])
    return method.render(request, _step(request, user, record, context, method, choices, state, message))


def _finish(request, user, record, context):
    """Every step passed: start the session (or extend the one stepped up),
    and use the partial sign-in up."""
    taken = _take_record(request)
    if taken is None:
        return _expired(request)
    multi = len(record.methods) >= 2
    amr = list(record.amr)
    if multi and "mfa" not in amr:
        amr.append("mfa")
    acr = acr_for(request, multi)
    service = request.interaction
    session = service.session
    if record.step_up_sid and session is not None and session.sid == record.step_up_sid:
        session.amr = tuple(amr)
        session.acr = acr
        emit(request, LOGIN_SUCCEEDED, subject=user.subject, amr=" ".join(amr), idp=session.idp, step_up=True)
        return HTTPSeeOther(_return_target(request, record.return_url))
    return HTTPSeeOther(
        _start_session(
            request,
            user,
            amr=amr,
            idp=record.idp,
            acr=acr,
            remember=record.remember,
            auth_time=record.auth_time,
            context=context,
            upstream=record.upstream,
            return_url=record.return_url,
        )
    )


def step_up(request):
    """``GET /account/login/step-up``: the session must pass a further
    factor for the request behind ``returnUrl``; ask only for that one."""
    context, failure = _context(request)
    if failure is not None:
        return failure
    session = request.interaction.session
    return_url = request.params.get("returnUrl", "")
    if session is None:
        return HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url} if return_url else {}))
    record = PartialSignIn(
        session.subject,
        _settings(request).signin_step_lifetime,
        return_url=return_url,
        idp=session.idp,
        remember=session.persistent,
        auth_time=session.auth_time,
        step_up_sid=session.sid,
    )
    record.passed(PASSWORD if session.idp == "local" else "idp:" + str(session.idp), session.amr)
    return HTTPSeeOther(_start_partial(request, record))


def step_up_url(request, return_url: str) -> str:
    return request.route_path("login_step_up") + "?" + urlencode({"returnUrl": return_url})


def may_remove_factor(request, user, name: str) -> bool:
    """Whether ``user`` may remove their factor ``name`` (the console asks):
    not when it is their last further factor and ``ostiary.require_mfa``
    demands one (a backup such as recovery codes does not count)."""
    if not factor_required(request, user):
        return True
    others = [
        m
        for m in _methods(request).values()
        if m.further_factor and not m.backup and m.name != name and m.enrolled(request, user)
    ]
    return bool(others)
