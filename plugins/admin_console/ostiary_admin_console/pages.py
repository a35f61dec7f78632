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
    return base(
        request,
        _("Logout deliveries"),
        "admin_console_deliveries",
        deliveries=rows,
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


#: The kinds of provider: how Ostiary finds its endpoints.
PROVIDER_KINDS = (
    ("oidc", _("OpenID Connect (endpoints discovered from the issuer)")),
    ("oauth2", _("Plain OAuth 2.0 (endpoints given here)")),
)
#: What becomes of an upstream identity no local user is linked to.
PROVISIONING = (
    ("create", _("Create a local user")),
    ("link", _("Ask the person to sign in locally once, to link")),
    ("off", _("Refuse")),
)
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")

#: The text settings of a provider's form, in its order, with their labels.
PROVIDER_TEXT = (
    ("display_name", _("Button text on the login page (empty: the name)")),
    ("issuer", _("Issuer (OpenID Connect)")),
    (
        "authorization_endpoint",
        _("Authorization endpoint (plain OAuth 2.0; with an issuer, overrides the discovered one)"),
    ),
    ("token_endpoint", _("Token endpoint (plain OAuth 2.0; with an issuer, overrides the discovered one)")),
    ("userinfo_endpoint", _("Userinfo endpoint (required for plain OAuth 2.0)")),
    ("end_session_endpoint", _("End-session endpoint (optional; overrides the discovered one)")),
    ("client_id", _("Client id Ostiary is registered with at the provider")),
)
#: The on/off settings of a provider's form.
PROVIDER_FLAGS = (
    ("link_by_verified_email", _("Link to the local user with the same email when the provider says it is verified")),
    ("end_upstream_session", _("Signing out also signs out at the provider")),
)

#: What the create form starts with.
NEW_PROVIDER = {
    "name": "",
    "kind": "oidc",
    "source": "database",
    "display_name": "",
    "issuer": "",
    "authorization_endpoint": "",
    "token_endpoint": "",
    "userinfo_endpoint": "",
    "end_session_endpoint": "",
    "client_id": "",
    "token_endpoint_auth_method": "client_secret_basic",
    "scopes": [],
    "subject_claim": "",
    "claims": {},
    "provisioning": "create",
    "link_by_verified_email": False,
    "end_upstream_session": False,
    "has_client_secret": False,
    "version": "",
}


def claims_text(claims) -> str:
    """A claims mapping as the form shows it: ``local = upstream``, one a line
    (text the administrator typed, unreadable, is shown again as it is)."""
    if isinstance(claims, str):
        return claims
    return "\n".join(f"{local} = {upstream}" for local, upstream in sorted((claims or {}).items()))


def _option_list(request, options, current) -> list:
    return [
        SimpleNamespace(value=value, label=_t(request, label), selected=value == current) for value, label in options
    ]


def provider_fields(request, data: dict, errors: dict | None = None, *, new: bool = False) -> list[dict]:
    """The form of a provider: one entry per input, with its kind
    (text, url, password, select, textarea, checkbox), value and error."""
    errors = errors or {}

    def field(name, label, widget="text", value=None, **extra):
        shown = data.get(name) if value is None else value
        return {
            "name": name,
            "id": "provider-" + name,
            "label": _t(request, label),
            "widget": widget,
            "value": "" if shown is None else shown,
            "error": errors.get(name),
            "options": (),
            "hint": None,
            **extra,
        }

    fields = []
    if new:
        fields.append(field("name", _("Name (lower-case letters, digits, - and _; in URLs and idp: hints)")))
    fields.append(field(*PROVIDER_TEXT[0]))
    fields.append(
        field("kind", _("Kind"), "select", options=_option_list(request, PROVIDER_KINDS, data.get("kind") or "oidc"))
    )
    # text with a URL keyboard: the theme styles text inputs (as the client form's URIs)
    fields += [field(name, label, inputmode="url") for name, label in PROVIDER_TEXT[1:-1]]
    fields.append(field(*PROVIDER_TEXT[-1]))
    if new or not data.get("has_client_secret"):
        secret_label = _("Client secret (empty for a public client, which PKCE protects)")
    else:
        secret_label = _("New client secret (empty: keep the stored one)")
    # Write-only: the stored secret is never sent back to the browser.
    fields.append(field("client_secret", secret_label, "password", value="", autocomplete="new-password"))
    if not new and data.get("has_client_secret"):
        fields.append(field("remove_client_secret", _("Remove the stored client secret"), "checkbox", value=False))
    auth = data.get("token_endpoint_auth_method") or "client_secret_basic"
    fields.append(
        field(
            "token_endpoint_auth_method",
            _("How Ostiary authenticates at the provider's token endpoint"),
            "select",
            options=[SimpleNamespace(value=m, label=m, selected=m == auth) for m in AUTH_METHODS],
        )
    )
    scopes = data.get("scopes")
    fields.append(
        field(
            "scopes",
            _("Scopes to ask for, separated by spaces (empty: openid profile email with an issuer)"),
            value=scopes if isinstance(scopes, str) else " ".join(scopes or ()),
        )
    )
    fields.append(field("subject_claim", _("The provider's claim that identifies the person (empty: sub)")))
    fields.append(
        field(
            "claims",
            _("Claims taken from the provider, one a line: local claim = provider's claim"),
            "textarea",
            value=claims_text(data.get("claims")),
        )
    )
    fields.append(
        field(
            "provisioning",
            _("A person the provider knows but Ostiary does not"),
            "select",
            options=_option_list(request, PROVISIONING, data.get("provisioning") or "create"),
        )
    )
    fields += [field(name, label, "checkbox", value=bool(data.get(name))) for name, label in PROVIDER_FLAGS]
    return fields


def _provider_row(request, p: dict) -> dict:
    return {
        "name": p["name"],
        "display_name": p.get("display_name") or p["name"],
        "kind": _t(request, _("OpenID Connect") if p.get("kind") == "oidc" else _("OAuth 2.0")),
        "read_only": p.get("source") != "database",
        "where": p.get("issuer") or p.get("authorization_endpoint") or "",
    }


def providers(request, items: list, notice=None) -> dict:
    values = base(
        request,
        _("Providers"),
        "admin_console_providers",
        providers=[_provider_row(request, p) for p in items],
    )
    values["notice"] = notice
    return values


def provider_form(request, name: str | None, data: dict, errors=None, error=None, notice=None) -> dict:
    """A provider's page: the form (new, or one of the database), or its
    settings read-only (one of the ini file, which is the operator's)."""
    read_only = name is not None and data.get("source") != "database"
    title = _("Provider ${name}", mapping={"name": name}) if name else _("New provider")
    fields = provider_fields(request, data, errors, new=name is None)
    if read_only:  # the settings as text; the secret is not among them
        fields = [f for f in fields if f["name"] not in ("client_secret", "remove_client_secret")]
        for f in fields:
            if f["widget"] == "select":
                f["text"] = next((o.label for o in f["options"] if o.selected), "")
            elif f["widget"] == "checkbox":
                f["text"] = _t(request, _("yes") if f["value"] else _("no"))
            else:
                f["text"] = f["value"]
    values = base(
        request,
        title,
        "admin_console_providers",
        provider_name=name,
        read_only=read_only,
        fields=fields,
        version=data.get("version", ""),
        has_client_secret=bool(data.get("has_client_secret")),
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
    ini_provider = {
        **NEW_PROVIDER,
        "name": "corp",
        "source": "ini",
        "display_name": "Corporate sign-in",
        "issuer": "https://corp.example",
        "client_id": "ostiary",
        "scopes": ["openid", "profile", "email"],
        "subject_claim": "sub",
        "claims": {"department": "dept"},
        "has_client_secret": True,
        "version": "1",
    }
    db_provider = {
        **NEW_PROVIDER,
        "name": "partner",
        "kind": "oauth2",
        "display_name": "Partner",
        "issuer": None,
        "authorization_endpoint": "https://partner.example/authorize",
        "token_endpoint": "https://partner.example/token",
        "userinfo_endpoint": "https://partner.example/me",
        "client_id": "ostiary",
        "subject_claim": "id",
        "claims": {"email": "mail", "name": "display_name"},
        "provisioning": "link",
        "link_by_verified_email": True,
        "has_client_secret": True,
        "version": "2",
    }
    # the service layer's words (English, as in the API and the command line)
    provider_problem = "userinfo_endpoint: expected an absolute http(s) URL without a fragment"
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
        ("admin-providers", TEMPLATES + "providers.pt", providers(request, [ini_provider, db_provider])),
        (
            "admin-providers-deleted",
            TEMPLATES + "providers.pt",
            providers(request, [], notice=_t(request, _("The provider was deleted."))),
        ),
        ("admin-provider-new", TEMPLATES + "provider.pt", provider_form(request, None, NEW_PROVIDER)),
        (
            "admin-provider-edit-error",
            TEMPLATES + "provider.pt",
            provider_form(
                request,
                "partner",
                {**db_provider, "claims": "email"},
                errors={
                    "claims": _t(request, _("One claim a line: local claim = provider's claim.")),
                    "userinfo_endpoint": provider_problem,
                },
                error=_t(request, _("Please correct the marked fields.")),
            ),
        ),
        (
            "admin-provider-saved",
            TEMPLATES + "provider.pt",
            provider_form(request, "partner", db_provider, notice=_t(request, _("Saved."))),
        ),
        ("admin-provider-ini", TEMPLATES + "provider.pt", provider_form(request, "corp", ini_provider)),
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
