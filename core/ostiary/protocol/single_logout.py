"""Single sign-out: telling every client of an ending SSO session.

* Front-channel (OpenID Connect Front-Channel Logout 1.0): the signed-out
  page embeds one iframe per client that registered a
  ``frontchannel_logout_uri``, with ``iss`` and ``sid`` when it asked for them.
* Back-channel (OpenID Connect Back-Channel Logout 1.0): a signed logout
  token is POSTed server-to-server to each ``backchannel_logout_uri``,
  from a durable outbox written in the transaction that ends the session
  and sent by a worker until the client confirms (``models.outbox``,
  ``protocol.logout_outbox``), so neither a client that is down nor a
  server that dies loses a sign-out.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from ..models.outbox import Receipt
from .logout_outbox import BACKCHANNEL_EVENT, enqueue

log = logging.getLogger(__name__)

__all__ = [
    "BACKCHANNEL_EVENT",
    "frame_client",
    "frame_sources",
    "frontchannel_frames",
    "frontchannel_urls",
    "receipt_id",
    "session_ended",
]


def _clients(request, session):
    for client_id in session.clients:
        client = request.plugins.client(client_id=client_id)
        if client is not None:
            yield client


def frontchannel_frames(request, session) -> list[tuple[str, str]]:
    """``(client_id, iframe URL)`` for each client that signs ``session`` out
    through the browser."""
    issuer = request.registry.ostiary_settings.issuer
    frames = []
    for client in _clients(request, session):
        uri = client.frontchannel_logout_uri
        if not uri:
            continue
        if client.frontchannel_logout_session_required:
            uri += ("&" if "?" in uri else "?") + urlencode({"iss": issuer, "sid": session.sid})
        frames.append((client.client_id, uri))
    return frames


def frontchannel_urls(request, session) -> list[str]:
    """The iframe URLs that sign ``session`` out of each client."""
    return [url for _client_id, url in frontchannel_frames(request, session)]


def session_ended(request, session) -> list[str]:
    """Do what a client asked for when ``session`` ends; return the
    front-channel iframe URLs for the signed-out page.

    Back-channel logouts go into the outbox in this request's transaction
    (``protocol.logout_outbox``); a receipt records, per application, what
    the signed-out page will report (its id: :func:`receipt_id`)."""
    clients = list(_clients(request, session))
    receipt = None
    for client in clients:
        if client.logout_revokes_refresh_tokens:
            request.ostiary_root.grants.revoke_where(client_id=client.client_id, sid=session.sid)
    told = [c for c in clients if c.backchannel_logout_uri or c.frontchannel_logout_uri]
    if told:
        receipt = request.ostiary_root.outbox.add_receipt(Receipt())
        vars(request)["_ostiary_logout_receipt"] = receipt.id
    deliveries = {d.client_id: d.id for d in enqueue(request, session, clients, receipt)}
    for client in told:
        receipt.add(
            client.client_id,
            client.name,
            delivery_id=deliveries.get(client.client_id),
            frame=bool(client.frontchannel_logout_uri),
        )
    frames = frontchannel_frames(request, session)
    vars(request)["_ostiary_logout_frames"] = dict((url, client_id) for client_id, url in frames)
    return [url for _client_id, url in frames]


def receipt_id(request) -> str | None:
    """The receipt of the session this request ended last, if it told anyone."""
    return vars(request).get("_ostiary_logout_receipt")


def frame_client(request, url: str) -> str | None:
    """The client whose front-channel frame ``url`` is (for the signed-out
    page to report what the frame did)."""
    return vars(request).get("_ostiary_logout_frames", {}).get(url)


def frame_sources(urls) -> str:
    """The CSP ``frame-src`` origins the signed-out page needs."""
    origins = sorted({f"{p.scheme}://{p.netloc}" for p in map(urlsplit, urls)})
    return " ".join(origins)
