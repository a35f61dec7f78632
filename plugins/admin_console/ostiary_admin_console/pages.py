"""The values each console template receives, built in one place so that
the views and the theme gallery (``ostiary_gallery_pages``) agree."""

from __future__ import annotations

import datetime
import json
from types import SimpleNamespace

from pyramid.csrf import get_csrf_token
from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import admin, translate

_ = TranslationStringFactory("ostiary_admin_console")
TEMPLATES = "ostiary_admin_console:templates/"

#: The console's sections, in the order of its navigation: route, label.
SECTIONS = (
    ("admin_console", _("Dashboard")),
    ("admin_console_clients", _("Clients")),
    ("admin_console_resources", _("Resources and scopes")),
    ("admin_console_users", _("Users")),
    ("admin_console_sessions", _("Sessions")),
    ("admin_console_deliveries", _("Logout deliveries")),
    ("admin_console_providers", _("Providers")),
    ("admin_console_keys", _("Signing keys")),
    ("admin_console_registration", _("Client registration")),
    ("admin_console_audit", _("Audit trail")),
    ("admin_console_errors", _("Error lookup")),
)

#: A label for every client field of the service layer (admin.clients.FIELDS).
FIELD_LABELS = {
    "name": _("Name shown to people"),
    "enabled": _("Enabled"),
    "token_endpoint_auth_method": _("Token endpoint authentication method"),
    "application_type": _("Application type (web or native)"),
    "jwks": _("Public keys for private_key_jwt (a JWK Set as JSON)"),
    "redirect_uris": _("Redirect URIs (one per line)"),
    "post_logout_redirect_uris": _("Post-logout redirect URIs (one per line)"),
    "grant_types": _("Grant types (one per line)"),
    "scopes": _("Scopes (one per line)"),
    "require_pkce": _("Require PKCE"),
    "require_consent": _("Ask people for consent"),
    "first_party": _("First-party application (never asks for consent)"),
    "allow_remember_consent": _("People may remember their consent"),
    "consent_lifetime": _("Seconds a remembered consent lasts (empty: until revoked)"),
    "always_include_user_claims_in_id_token": _("Put the user's claims in the ID token"),
    "access_token_lifetime": _("Access token lifetime in seconds (empty: server default)"),
    "id_token_lifetime": _("ID token lifetime in seconds (empty: server default)"),
    "refresh_token_lifetime": _("Refresh token lifetime in seconds (empty: server default)"),
    "frontchannel_logout_uri": _("Front-channel logout URI"),
    "frontchannel_logout_session_required": _("Front-channel logout needs the session id"),
    "backchannel_logout_uri": _("Back-channel logout URI"),
    "backchannel_logout_session_required": _("Back-channel logout needs the session id"),
    "logout_revokes_refresh_tokens": _("Signing out revokes the session's refresh tokens"),
    "identity_providers": _("Ways to sign in (provider names, local for passwords; empty: all)"),
    "allowed_cors_origins": _("Origins whose scripts may call the token endpoint (one per line; empty: derived)"),
    "require_dpop": _("Require DPoP proofs (sender-constrained tokens)"),
    "refresh_token_idle_lifetime": _("Seconds an unused refresh token lapses (empty: server default; 0: never)"),
    "refresh_token_reuse_grace": _(
        "Seconds a rotated refresh token gets the same answer again (empty: server default)"
    ),
    "subject_type": _("Subject identifiers (public or pairwise)"),
    "sector_identifier_uri": _("Sector identifier URI (pairwise subjects)"),
    "require_pushed_authorization_requests": _("Require pushed authorization requests"),
    "require_mfa": _("Require a second factor at sign-in"),
}

#: What the create form starts with: the defaults of a new client.
NEW_CLIENT = {
    "name": "",
    "enabled": True,
    "token_endpoint_auth_method": "client_secret_basic",
    "application_type": "web",
    "jwks": None,
    "redirect_uris": [],
    "post_logout_redirect_uris": [],
    "grant_types": ["authorization_code"],
    "scopes": ["openid"],
    "require_pkce": True,
    "require_consent": True,
    "first_party": False,
    "allow_remember_consent": True,
    "consent_lifetime": None,
    "always_include_user_claims_in_id_token": False,
    "access_token_lifetime": None,
    "id_token_lifetime": None,
    "refresh_token_lifetime": None,
    "frontchannel_logout_uri": None,
    "frontchannel_logout_session_required": True,
    "backchannel_logout_uri": None,
    "backchannel_logout_session_required": True,
    "logout_revokes_refresh_tokens": False,
    "identity_providers": [],
    "allowed_cors_origins": None,
    "require_dpop": False,
    "refresh_token_idle_lifetime": None,
    "refresh_token_reuse_grace": None,
    "subject_type": "public",
    "sector_identifier_uri": None,
    "require_pushed_authorization_requests": False,
    "require_mfa": False,
}


def when(timestamp) -> str:
    """A timestamp as UTC to the minute, or an empty string."""
    if not timestamp:
        return ""
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _t(request, message) -> str:
    return translate(request, message)


def base(request, title, section: str, **values) -> dict:
    """What every console page has: its title, the navigation, the current section."""
    nav = [
        {"href": request.route_path(route), "label": _t(request, label), "current": route == section}
        for route, label in SECTIONS
    ]
    return {
        "page_title": _t(request, title),
        "nav": nav,
        "notice": None,
        "error": None,
        "csrf_token": get_csrf_token(request),
        **values,
    }


def form_fields(request, data: dict, errors: dict | None = None) -> list[dict]:
    """The edit form of a client: one entry per service-layer field, with
    the input kind its type asks for and the value shown."""
    fields = []
    for name, kind in admin.clients.FIELDS.items():
        value = data.get(name)
        base_kind = kind.rstrip("?")
        if base_kind == "bool":
            widget, shown = "checkbox", bool(value)
        elif base_kind == "list":
            widget, shown = "textarea", "\n".join(value or ())
        elif base_kind == "jwks":
            widget, shown = "textarea", json.dumps(value, indent=1) if value else ""
        elif base_kind in ("seconds", "whole"):
            widget, shown = "number", "" if value is None else str(value)
        else:
            widget, shown = "text", value or ""
        fields.append(
            {
                "name": name,
                "id": "field-" + name,
                "label": _t(request, FIELD_LABELS.get(name, name)),
                "widget": widget,
                "value": shown,
                "error": (errors or {}).get(name),
            }
        )
    return fields


def _audit_rows(items) -> list[dict]:
    return [
        {
            "time": when(r["time"]),
            "type": r["type"],
            "subject": r.get("subject") or "",
            "client_id": r.get("client_id") or "",
            "result": r.get("result") or "",
            "reason": r.get("reason") or "",
            "address": r.get("address") or "",
            "details": ", ".join(f"{k}={v}" for k, v in sorted((r.get("details") or {}).items())),
        }
        for r in items
    ]


def audit(request, items: list, filters: dict, error=None) -> dict:
    values = base(request, _("Audit trail"), "admin_console_audit", records=_audit_rows(items), filters=filters)
    values["error"] = error
    return values


def dashboard(request, counts: dict, keys: dict, errors=(), failed=()) -> dict:
    signing = [k for k in keys["items"] if k["state"] == "active"]
    return base(
        request,
        _("Administration"),
        "admin_console",
        counts=counts,
        errors=[{**e, "created": when(e.get("created_at"))} for e in errors],
        failed=_audit_rows(failed),
        signing=[{"kid": k["kid"], "alg": k["alg"], "created": when(k["created_at"])} for k in signing],
        next_rotation=when(keys.get("next_rotation_due")),
    )


def clients(request, items: list, search: str = "", total: int = 0) -> dict:
    return base(request, _("Clients"), "admin_console_clients", clients=items, search=search, total=total)


def client_form(request, client_id: str | None, data: dict, errors=None, error=None, notice=None) -> dict:
    values = base(
        request,
        _("Edit client") if client_id else _("New client"),
        "admin_console_clients",
        client_id=client_id,
        new_client_id=data.get("client_id", "") if client_id is None else None,
        fields=form_fields(request, data, errors),
        version=data.get("version", ""),
        public=data.get("public"),
        secrets=data.get("secrets", 0),
    )
    values.update(error=error, notice=notice)
    return values


def secret(request, client_id: str, value: str) -> dict:
    return base(request, _("The client's new secret"), "admin_console_clients", client_id=client_id, secret=value)


def confirm(request, section: str, question, action: str, cancel: str, button) -> dict:
    """A confirmation before a delete: the question, where the form posts, and where cancel goes."""
    return base(
        request,
        _("Please confirm"),
        section,
        question=_t(request, question),
        action=action,
        cancel=cancel,
        button=_t(request, button),
    )


def users(request, items: list, search: str = "", total: int = 0, error=None, typed=None) -> dict:
    values = base(request, _("Users"), "admin_console_users", users=items, search=search, total=total)
    values.update(error=error, typed=typed or {"username": "", "email": ""})
    return values


def user(request, data: dict, notice=None, error=None) -> dict:
    sessions = [
        {"sid": s["sid"], "signed_in": when(s["auth_time"]), "expires": when(s["expires_at"]), "clients": s["clients"]}
        for s in data.get("sessions", ())
    ]
    values = base(
        request,
        _("User ${username}", mapping={"username": data["username"]}),
        "admin_console_users",
        user=data,
        locked=when(data.get("locked_until")),
        claims=sorted((k, json.dumps(v) if not isinstance(v, str) else v) for k, v in data.get("claims", {}).items()),
        sessions=sessions,
        links=list(data.get("links", ())),
    )
    values.update(notice=notice, error=error)
    return values


def sessions(request, items: list, subject: str = "", notice=None) -> dict:
    rows = [
        {
            "sid": s["sid"],
            "subject": s["subject"],
            "signed_in": when(s["auth_time"]),
            "expires": when(s["expires_at"]),
            "idp": s["idp"],
            "clients": s["clients"],
        }
        for s in items
    ]
    values = base(request, _("Sessions"), "admin_console_sessions", sessions=rows, subject=subject)
    values["notice"] = notice
    return values


#: The states of a logout delivery, as the page names them.
DELIVERY_STATES = (
    ("pending", _("being tried")),
    ("delivered", _("delivered")),
    ("refused", _("refused")),
    ("expired", _("given up")),
)


def deliveries(request, data: dict, client_id: str = "", state: str = "") -> dict:
    labels = {value: _t(request, label) for value, label in DELIVERY_STATES}
    rows = [
        {
            "client_id": d["client_id"],
            "ended": when(d["created_at"]),
            "state": labels.get(d["state"], d["state"]),
            "attempts": d["attempts"],
            "last_result": d["last_result"] or "",
            "next_attempt": when(d["next_attempt_at"]),
        }
        for d in data["items"]
    ]
    states = [SimpleNamespace(value=value, label=labels[value]) for value, _label in DELIVERY_STATES]
    # per client, what the signed-out pages reported of its front-channel frames
    frames = [{**row, "last_ended": when(row["last_ended_at"])} for row in data.get("frames", ())]
    return base(
        request,
        _("Logout deliveries"),
        "admin_console_deliveries",
        deliveries=rows,
        frames=frames,
        counts=data["counts"],
        states=states,
        client_id=client_id,
        state=state,
    )


def keys(request, data: dict, notice=None) -> dict:
    rows = [
        {
            "kid": k["kid"],
            "alg": k["alg"],
            "state": k["state"],
            "created": when(k["created_at"]),
            "activates": when(k["activates_at"]),
            "publish_until": when(k["publish_until"]),
        }
        for k in data["items"]
    ]
    values = base(
        request, _("Signing keys"), "admin_console_keys", keys=rows, next_rotation=when(data.get("next_rotation_due"))
    )
    values["notice"] = notice
    return values


NEW_RESOURCE = {"name": "", "kind": "api", "display_name": "", "description": "", "claims": "", "audience": ""}


def resources(request, items: list, error=None, typed=None, notice=None) -> dict:
    values = base(
        request,
        _("Resources and scopes"),
        "admin_console_resources",
        resources=items,
        typed={**NEW_RESOURCE, **(typed or {})},
        kinds=("identity", "api"),
    )
    values.update(error=error, notice=notice)
    return values


def errors(request, error_id: str = "", record=None, error=None) -> dict:
    shown = None
    if record is not None:
        shown = {**record, "created": when(record.get("created_at"))}
    values = base(request, _("Error lookup"), "admin_console_errors", error_id=error_id, record=shown)
    values["error"] = error
    return values


def registration(request, tokens: list, mode: str, created=None, notice=None) -> dict:
    rows = [
        {
            "id": t["id"],
            "uses": t["uses"],
            "uses_left": "∞" if t["uses_left"] is None else t["uses_left"],
            "expires": when(t["expires_at"]) or "-",
            "created": when(t["created_at"]),
            "created_by": t["created_by"],
        }
        for t in tokens
    ]
    values = base(
        request, _("Client registration"), "admin_console_registration", tokens=rows, mode=mode, created=created
    )
    values["notice"] = notice
    return values


def denied(request, signed_in: bool, login_url: str) -> dict:
    """Not signed in (a link to sign in) or signed in without the admin role."""
    title = _("Administrators only") if signed_in else _("Please sign in")
    return {"page_title": _t(request, title), "signed_in": signed_in, "login_url": login_url}


def gallery(request) -> list:
    """Every console page in the states a designer must see, with sample data."""
    sample_client = {
        **NEW_CLIENT,
        "client_id": "sample-rp",
        "name": "Sample Application",
        "redirect_uris": ["https://rp.example/cb"],
        "version": "v1",
        "public": False,
        "secrets": 1,
    }
    sample_user = {
        "subject": "sub-1",
        "username": "alice",
        "email": "alice@example.org",
        "active": True,
        "locked_until": None,
        "claims": {"name": "Alice Example", "roles": ["ostiary-admin"]},
        "factors": ["totp", "recovery_code"],
        "sessions": [
            {"sid": "sid-1", "auth_time": 1767225600, "expires_at": 1767261600, "clients": ["sample-rp"]},
        ],
        "links": [{"provider": "corp", "upstream_subject": "a-123"}],
    }
    key = {
        "kid": "k1",
        "alg": "RS256",
        "state": "active",
        "created_at": 1767225600,
        "activates_at": 1767225600,
        "publish_until": None,
    }
    token = {
        "id": "t1",
        "uses": 0,
        "uses_left": 1,
        "expires_at": 1767830400,
        "created_at": 1767225600,
        "created_by": "cli",
    }
    audit_record = {
        "time": 1767225600,
        "type": "login.failed",
        "subject": "sub-1",
        "client_id": "sample-rp",
        "address": "192.0.2.10",
        "result": "failure",
        "reason": "wrong password",
        "details": {"username": "alice"},
    }
    problem = _(
        "redirect_uris: 'http://rp.example/cb' must use https (plain http only to 127.0.0.1, [::1] or localhost)"
    )
    return [
        (
            "admin-dashboard",
            TEMPLATES + "dashboard.pt",
            dashboard(
                request,
                {"clients": 3, "users": 12, "sessions": 4, "resources": 7},
                {"items": [key], "next_rotation_due": 1775001600},
                errors=[
                    {"error_id": "e-1", "error": "invalid_client", "client_id": "nobody", "created_at": 1767225600}
                ],
                failed=[audit_record],
            ),
        ),
        (
            "admin-dashboard-quiet",
            TEMPLATES + "dashboard.pt",
            dashboard(request, {"clients": 0, "users": 1, "sessions": 1, "resources": 6}, {"items": [key]}),
        ),
        (
            "admin-audit",
            TEMPLATES + "audit.pt",
            audit(request, [audit_record], {"subject": "", "client_id": "", "type": "", "days": ""}),
        ),
        (
            "admin-audit-empty",
            TEMPLATES + "audit.pt",
            audit(request, [], {"subject": "nobody", "client_id": "", "type": "", "days": "7"}),
        ),
        ("admin-clients", TEMPLATES + "clients.pt", clients(request, [sample_client], total=1)),
        ("admin-clients-empty", TEMPLATES + "clients.pt", clients(request, [], search="nothing", total=0)),
        ("admin-client-new", TEMPLATES + "client.pt", client_form(request, None, NEW_CLIENT)),
        (
            "admin-client-edit-error",
            TEMPLATES + "client.pt",
            client_form(
                request,
                "sample-rp",
                sample_client,
                errors={"redirect_uris": _t(request, problem)},
                error=_t(request, problem),
            ),
        ),
        (
            "admin-client-saved",
            TEMPLATES + "client.pt",
            client_form(request, "sample-rp", sample_client, notice=_t(request, _("Saved."))),
        ),
        ("admin-client-secret", TEMPLATES + "secret.pt", secret(request, "sample-rp", "s3cr3t-sample-value")),
        (
            "admin-confirm-delete",
            TEMPLATES + "confirm.pt",
            confirm(
                request,
                "admin_console_clients",
                _("Delete client ${client}?", mapping={"client": "sample-rp"}),
                "#",
                "#",
                _("Delete"),
            ),
        ),
        ("admin-users", TEMPLATES + "users.pt", users(request, [sample_user], total=1)),
        ("admin-user", TEMPLATES + "user.pt", user(request, sample_user)),
        (
            "admin-sessions",
            TEMPLATES + "sessions.pt",
            sessions(request, [{**sample_user["sessions"][0], "subject": "sub-1", "idp": "local"}]),
        ),
        (
            "admin-deliveries",
            TEMPLATES + "deliveries.pt",
            deliveries(
                request,
                {
                    "items": [
                        {
                            "client_id": "demo-rp",
                            "created_at": 1775001600,
                            "state": "delivered",
                            "attempts": 1,
                            "last_result": "HTTP 200",
                            "next_attempt_at": None,
                        },
                        {
                            "client_id": "crm",
                            "created_at": 1775001500,
                            "state": "pending",
                            "attempts": 3,
                            "last_result": "ConnectionError",
                            "next_attempt_at": 1775001700,
                        },
                    ],
                    "counts": {"pending": 1, "delivered": 1, "refused": 0, "expired": 0},
                    "frames": [
                        {
                            "client_id": "shop",
                            "last_ended_at": 1775001600,
                            "loaded": 12,
                            "blocked": 3,
                            "unconfirmed": 1,
                            "not_reported": 2,
                        }
                    ],
                },
            ),
        ),
        ("admin-deliveries-none", TEMPLATES + "deliveries.pt", deliveries(request, {"items": [], "counts": {}})),
        ("admin-keys", TEMPLATES + "keys.pt", keys(request, {"items": [key], "next_rotation_due": 1775001600})),
        (
            "admin-resources",
            TEMPLATES + "resources.pt",
            resources(
                request, [{"name": "openid", "kind": "identity", "display_name": "Your user id", "claims": ["sub"]}]
            ),
        ),
        ("admin-errors", TEMPLATES + "errors.pt", errors(request)),
        (
            "admin-errors-found",
            TEMPLATES + "errors.pt",
            errors(
                request,
                "e-1",
                {
                    "error_id": "e-1",
                    "error": "invalid_request",
                    "description": "Sample",
                    "client_id": "sample-rp",
                    "created_at": 1767225600,
                },
            ),
        ),
        (
            "admin-registration",
            TEMPLATES + "registration.pt",
            registration(request, [token], "token", created="sample-token-value"),
        ),
        ("admin-denied", TEMPLATES + "denied.pt", denied(request, True, "/account/login")),
        ("admin-sign-in", TEMPLATES + "denied.pt", denied(request, False, "/account/login")),
    ]
