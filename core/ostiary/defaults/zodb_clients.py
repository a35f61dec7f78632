"""Built-in client store: clients kept in the Ostiary ZODB database."""

from ..hookspecs import hookimpl


@hookimpl(trylast=True)
def ostiary_client(request, client_id):
    client = request.ostiary_root.clients.get(client_id)
    if client is None or not client.enabled:
        return None
    return client


@hookimpl(trylast=True)
def ostiary_cors_origin_known(request, origin):
    return request.ostiary_root.clients.allows_cors_origin(origin) or None
