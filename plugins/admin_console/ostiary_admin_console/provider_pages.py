"""The values of the providers pages (the list, a provider's form or its
read-only settings), for the views and the theme gallery alike.

A provider is edited by its ini-file settings (``ostiary.provider.NAME.*``):
the service layer checks them with the ini file's own parser, so the form
only turns inputs into those settings and back."""

from __future__ import annotations

from types import SimpleNamespace

from .pages import TEMPLATES, _, _t, base

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
    ("forward_prompt", _("Pass a client's prompt=login and max_age on to the provider")),
    ("backchannel_logout", _("Accept the provider's back-channel logout tokens")),
    ("trust_amr", _("Take the provider's amr and acr (how the person signed in there)")),
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
    "forward_prompt": True,
    "backchannel_logout": True,
    "trust_amr": False,
    "icon": "",
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
    fields.append(field("icon", _("Icon on the button: a path on this server or an absolute URL (optional)")))
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


def gallery(request) -> list:
    """The providers pages in the states a designer must see, with sample data."""
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
    return [
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
    ]
