"""The device authorization grant (RFC 8628), with authlib's endpoint and grant.

A device (a TV, a command-line tool) asks ``POST /connect/device_authorization``
for a device code and a user code, shows the person the user code and
``/device``, and polls the token endpoint with the device code. The person
types the code at ``/device`` (or follows ``verification_uri_complete``),
signs in and consents as for any client, and the device's next poll gets
the tokens. Polls answer ``authorization_pending`` until then,
``slow_down`` when they come faster than the interval, ``access_denied``
when the person refused, ``expired_token`` after ``ostiary.device_code_lifetime``.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidScopeError, UnauthorizedClientError
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant

from ..events import declare, emit
from ..hookspecs import Caller
from ..models.device_authorizations import APPROVED, DENIED, PENDING, USED, DeviceAuthorization
from . import resource_indicators
from .grants import ALL_METHODS, _emit_issued
from .tokens import Principal

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_APPROVED = declare("device.approved", "A person approved a device's authorization request (RFC 8628).")
DEVICE_DENIED = declare("device.denied", "A person refused a device's authorization request (RFC 8628).")


class DeviceEndpoint(DeviceAuthorizationEndpoint):
    """``POST /connect/device_authorization`` (RFC 8628, section 3.1)."""

    CLIENT_AUTH_METHODS = ALL_METHODS

    def __init__(self, server):
        super().__init__(server)
        settings = server.settings
        self.EXPIRES_IN = settings.device_code_lifetime
        self.INTERVAL = settings.device_poll_interval

    def get_verification_uri(self):
        return self.server.settings.issuer + "/device"

    def create_endpoint_response(self, request):
        """authlib's, with the checks Ostiary makes at every endpoint: the
        client may use the grant, and may have the scope and the resources."""
        client = self.authenticate_client(request)
        if not client.check_grant_type(GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use the device authorization grant.")
        scope = client.get_allowed_scope(request.payload.scope or "")
        if scope is None:
            raise InvalidScopeError()
        resources = resource_indicators.check(
            self.server.request, client, scope, resource_indicators.requested(request.payload)
        )
        store = self.server.request.ostiary_root.device_authorizations
        device_code = self.generate_device_code()
        item = DeviceAuthorization(client.client_id, scope, "", self.EXPIRES_IN, self.INTERVAL, resources=resources)
        item.user_code = self.generate_user_code()
        while not store.add(device_code, item):  # that user code is in use: draw another
            item.user_code = self.generate_user_code()
        uri = self.get_verification_uri()
        body = {
            "device_code": device_code,
            "user_code": item.user_code,
            "verification_uri": uri,
            "verification_uri_complete": f"{uri}?user_code={item.user_code}",
            "expires_in": self.EXPIRES_IN,
            "interval": self.INTERVAL,
        }
        return 200, body, [("Cache-Control", "no-store")]


class DeviceGrant(DeviceCodeGrant):
    """The token endpoint's side: polling, then tokens once (RFC 8628, section 3.4)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    def query_device_credential(self, device_code):
        item = self.server.request.ostiary_root.device_authorizations.by_device(device_code)
        if item is None or item.status == USED:
            raise InvalidGrantError("The device code is unknown or was used.")
        return item

    def query_user_grant(self, user_code):
        item = self.server.request.ostiary_root.device_authorizations.by_user(user_code)
        if item is None:
            return None
        if item.status == APPROVED:
            return Principal.of(item), True
        if item.status == DENIED:
            return None, False
        return None

    def should_slow_down(self, credential):
        return not credential.poll()

    def validate_token_request(self):
        super().validate_token_request()
        item = self.request.credential
        if not self.server.request.plugins.is_active(item.subject, self.request.client, Caller.TOKEN):
            raise InvalidGrantError("The user is no longer active.")
        resource_indicators.select_target(self, item.scope, tuple(item.resources))

    def create_token_response(self):
        result = super().create_token_response()
        self.request.credential.status = USED
        _emit_issued(self)
        return result


def find_pending(request, user_code: str) -> DeviceAuthorization | None:
    """The pending, unexpired device authorization behind ``user_code``."""
    item = request.ostiary_root.device_authorizations.by_user(user_code)
    if item is None or item.status != PENDING or item.is_expired():
        return None
    return item


def resume_params(item: DeviceAuthorization) -> dict:
    """What the return URL of the device's sign-in and consent carries:
    enough for the pages to show the request; the record stays the truth."""
    return {"client_id": item.client_id, "scope": item.scope, "user_code": item.user_code}


def device_authorization(request):
    """``POST /connect/device_authorization``."""
    return request.oauth_server.create_endpoint_response("device_authorization", request)


def denied(request, item: DeviceAuthorization) -> None:
    item.deny()
    emit(request, DEVICE_DENIED, client_id=item.client_id)


def approved(request, item: DeviceAuthorization, principal, scope: str) -> None:
    item.approve(principal, scope)
    emit(request, DEVICE_APPROVED, client_id=item.client_id, subject=principal.subject)
