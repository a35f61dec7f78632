"""Single sign-out: telling every client of an ending SSO session.

* Front-channel (OpenID Connect Front-Channel Logout 1.0): the signed-out
  page embeds one iframe per client that registered a
  ``frontchannel_logout_uri``, with ``iss`` and ``sid`` when it asked for them.
* Back-channel (OpenID Connect Back-Channel Logout 1.0): a signed logout
  token is POSTed server-to-server to each ``backchannel_logout_uri``. The
  tokens are signed inside the request; delivery starts only after the
  transaction committed (so the session really is gone) and runs in a
  background thread with a short timeout and one retry, so a client that is
  down neither blocks nor stops the sign-out. Failures are logged.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlencode, urlsplit

import requests

from ..models.util import now, random_token
from . import pairwise
from .signing import sign

log = logging.getLogger(__name__)

#: The event a logout token carries (Back-Channel Logout 1.0, section 2.4),
#: ours and an upstream's alike.
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TIMEOUT_SECONDS = 3
ATTEMPTS = 2


def _clients(request, session):
    for client_id in session.clients:
        client = request.plugins.client(client_id=client_id)
        if client is not None:
            yield client


def frontchannel_urls(request, session) -> list[str]:
    """The iframe URLs that sign ``session`` out of each client."""
    issuer = request.registry.ostiary_settings.issuer
    urls = []
    for client in _clients(request, session):
        uri = client.frontchannel_logout_uri
        if not uri:
            continue
        if client.frontchannel_logout_session_required:
            uri += ("&" if "?" in uri else "?") + urlencode({"iss": issuer, "sid": session.sid})
        urls.append(uri)
    return urls


def logout_token(request, client, session) -> str:
    """A logout token (Back-Channel Logout 1.0, section 2.4): no nonce, ever."""
    issued = now()
    claims = {
        "iss": request.registry.ostiary_settings.issuer,
        "aud": client.client_id,
        "iat": issued,
        "exp": issued + 120,
        "jti": random_token(16),
        "sub": pairwise.subject_for(request, client, session.subject),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if client.backchannel_logout_session_required:
        claims["sid"] = session.sid
    return sign(request, claims, typ="logout+jwt")


def _post(uri: str, token: str, client_id: str) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = requests.post(uri, data={"logout_token": token}, timeout=TIMEOUT_SECONDS, allow_redirects=False)
            if response.status_code < 300:
                return
            problem = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            problem = type(exc).__name__
        log.warning(
            "back-channel logout to client %s failed (attempt %d/%d): %s", client_id, attempt, ATTEMPTS, problem
        )


def _deliver(notifications) -> None:
    threads = [threading.Thread(target=_post, args=item, daemon=True) for item in notifications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def session_ended(request, session) -> list[str]:
    """Do what a client asked for when ``session`` ends; return the
    front-channel iframe URLs for the signed-out page."""
    notifications = []
    for client in _clients(request, session):
        if client.logout_revokes_refresh_tokens:
            request.ostiary_root.grants.revoke_where(client_id=client.client_id, sid=session.sid)
        if client.backchannel_logout_uri:
            notifications.append(
                (client.backchannel_logout_uri, logout_token(request, client, session), client.client_id)
            )
    if notifications:

        def after_commit(succeeded):
            if succeeded:
                threading.Thread(target=_deliver, args=(notifications,), daemon=True).start()

        request.tm.get().addAfterCommitHook(after_commit)
    return frontchannel_urls(request, session)


def frame_sources(urls) -> str:
    """The CSP ``frame-src`` origins the signed-out page needs."""
    origins = sorted({f"{p.scheme}://{p.netloc}" for p in map(urlsplit, urls)})
    return " ".join(origins)
