"""Download my data (GDPR article 20): one JSON file of what Ostiary keeps
about the person. Core writes the profile and the consents; every plugin
adds its part through ``ostiary_account_export`` (sessions, history,
linked logins, factors)."""

from __future__ import annotations

import datetime
import json

from pyramid.response import Response

from ...events import emit
from .events import DATA_EXPORTED
from .fresh import current_subject, require_fresh_sign_in


def _time(timestamp):
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).isoformat()


def core_part(request, subject) -> dict:
    """Core's part: the profile and the consents."""
    user = request.plugins.user_by_subject(subject=subject)
    profile = {}
    if user is not None:
        profile = {"subject": subject, "username": user.username, "email": user.email, "claims": dict(user.claims)}
    consents = [
        {
            "client_id": c.client_id,
            "scopes": list(c.scopes),
            "given": _time(c.created_at),
            "expires": _time(c.expires_at),
        }
        for c in request.ostiary_root.grants.consents_of(subject)
    ]
    return {"profile": profile, "consents": consents}


def export_data(request):
    """``GET /account/export``: the file (a fresh sign-in first: it is all of the person's data)."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    subject = current_subject(request)
    data = {**core_part(request, subject), **request.plugins.account_export(subject)}
    data["exported_at"] = _time(int(datetime.datetime.now(datetime.UTC).timestamp()))
    emit(request, DATA_EXPORTED, subject=subject)
    name = "account-data.json"  # not the username: it could break the header
    response = Response(
        json.dumps(data, indent=2, ensure_ascii=False, default=str, sort_keys=True),
        content_type="application/json",
        charset="utf-8",
    )
    response.content_disposition = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
