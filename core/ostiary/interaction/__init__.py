"""The pages a person sees, and the interaction service they are built on."""

from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPClientError


def includeme(config):
    """Add the login, consent, logout, error and home pages, the error
    views, security headers and CSRF protection."""
    from . import consent, errors, home, login, logout, steps
    from .service import get_interaction

    config.include(".security")
    config.include(".errors")
    config.include(".account")
    config.add_request_method(get_interaction, "interaction", reify=True)
    pages = (
        ("home", "/", home.home, None),
        ("login", "/account/login", login.login_form, login.login_submit),
        ("logout", "/account/logout", logout.logout_form, logout.logout_submit),
        ("consent", "/consent", consent.consent_form, consent.consent_submit),
        ("error", "/error", errors.error_page, None),
        # sign-in as steps (issue 13): a further factor, and stepping a session up
        ("login_step", "/account/login/step", steps.step_form, steps.step_submit),
        ("login_step_up", "/account/login/step-up", steps.step_up, None),
    )
    for name, path, show, submit in pages:
        config.add_route(name, path)
        config.add_view(show, route_name=name, request_method=("GET", "HEAD"))
        if submit is not None:
            config.add_view(submit, route_name=name, request_method="POST")
    config.add_notfound_view(errors.not_found)
    # A retryable error (a ZODB ConflictError) is left to pyramid_retry until
    # the last attempt: only then is it an internal error the browser sees.
    config.add_exception_view(errors.server_error, context=Exception, retryable_error=False)
    config.add_exception_view(errors.bad_csrf, context=BadCSRFToken)
    config.add_exception_view(errors.bad_csrf, context=BadCSRFOrigin)
    config.add_exception_view(errors.client_error, context=HTTPClientError)
