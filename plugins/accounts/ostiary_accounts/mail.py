"""Mail through pyramid_mailer, sent after the commit and off the request.

``includeme`` registers the mailer that ``accounts.mailer`` names, unless
the application registered one already; :func:`send` renders a plain-text
template and hands the message to the :class:`~.delivery.Delivery` of the
process. The message waits for the request's transaction (pyramid_tm): it
is queued only when the database change that goes with it (a stored token)
is committed, never for an attempt that is rolled back or retried, and a
background thread talks to the mail server, so that no answer waits for
SMTP (the time would tell which addresses have an account).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pyramid.path import AssetResolver
from pyramid.renderers import render
from pyramid_mailer import get_mailer
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.mailer import DebugMailer
from pyramid_mailer.message import Attachment, Message

from ostiary.plugin import SettingsError

from .delivery import Delivery, get_delivery

MAILERS = ("smtp", "file", "testing")


def includeme(config):
    registry = config.registry
    if getattr(registry, "ostiary_mail_delivery", None) is None:
        registry.ostiary_mail_delivery = Delivery()
    if registry.queryUtility(IMailer) is not None:
        return  # the application chose a mailer itself (pyramid.includes)
    kind = registry.ostiary_accounts_settings.mailer
    if kind == "smtp":
        config.include("pyramid_mailer")
    elif kind == "testing":
        config.include("pyramid_mailer.testing")
    elif kind == "file":
        directory = registry.settings.get("mail.top_level_directory")
        if not directory:
            raise SettingsError("accounts.mailer = file needs mail.top_level_directory (for example var/mail)")
        registry.registerUtility(DebugMailer(directory), IMailer)
    else:
        raise SettingsError(f"accounts.mailer = {kind!r}: expected one of {', '.join(MAILERS)}")


def sender(request) -> str:
    """``mail.default_sender``, else ``no-reply@`` the issuer's host."""
    configured = request.registry.settings.get("mail.default_sender")
    if configured:
        return configured
    host = urlsplit(request.registry.ostiary_settings.issuer).hostname or "localhost"
    return f"no-reply@{host}"


def localized(request, template: str) -> str:
    """The ``NAME.<language>.txt`` variant of a mail template when one exists
    for the request's language (``verify_email.de.txt``), else ``template``:
    a mail body is prose, translated as a whole rather than line by line."""
    base, _, extension = template.rpartition(".")
    candidate = f"{base}.{request.locale_name}.{extension}"
    return candidate if AssetResolver().resolve(candidate).exists() else template


def compose(request, recipient: str, subject, template: str, values: dict) -> Message:
    """The message ``template`` (a ``.txt`` asset specification) renders to
    with ``values``, to ``recipient``; ``subject`` may be a translation string."""
    body = render(localized(request, template), dict(values), request=request)
    if isinstance(body, bytes):  # Chameleon's text templates render to bytes
        body = body.decode("utf-8")
    # 7bit keeps an ASCII mail (and the link in it) readable as it is, in a
    # var/mail file too; anything else is quoted-printable, safe everywhere.
    encoding = "7bit" if body.isascii() else "quoted-printable"
    text = Attachment(data=body, content_type="text/plain", transfer_encoding=encoding, disposition="inline")
    return Message(
        subject=request.localizer.translate(subject), sender=sender(request), recipients=[recipient], body=text
    )


def send(request, recipient: str, subject, template: str, values: dict) -> Message:
    """Compose a message (see :func:`compose`) and send it once this
    request's transaction has committed, in the background."""
    message = compose(request, recipient, subject, template, values)
    get_delivery(request).after_commit(request.tm.get(), get_mailer(request), message)
    return message
