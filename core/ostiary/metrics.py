"""Prometheus metrics: what each layer counts, in one place.

We use prometheus_client rather than OpenTelemetry: Prometheus is what the
operators of Hydra and Keycloak already scrape, prometheus_client has a
multi-process mode made for pre-forking servers (granian's workers each
write their values to files in ``PROMETHEUS_MULTIPROC_DIR``, and whichever
process is scraped adds them up), and it needs no collector process beside
us. An OpenTelemetry collector can scrape this endpoint as well.

Labels are only ever values from a bounded set: route names, methods,
statuses, declared event types, grant types and the ids of clients that
authenticated. Nothing a stranger sends becomes a label (an unknown
client id in a failed request is not counted by client).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "ostiary_http_requests_total", "HTTP requests answered, by route, method and status.", ["route", "method", "status"]
)
LATENCY = Histogram(
    "ostiary_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS = Counter("ostiary_events_total", "Audit events, by declared type.", ["type"])
TOKENS = Counter(
    "ostiary_tokens_issued_total", "Token responses issued, by grant type and client.", ["grant_type", "client_id"]
)
SIGN_INS = Counter(
    "ostiary_sign_ins_total", "Sign-ins by result (succeeded, failed, locked) and method.", ["result", "method"]
)
CONSENTS = Counter("ostiary_consents_total", "Consent answers, by result (granted, denied).", ["result"])
LOGOUTS = Counter("ostiary_logouts_total", "SSO sessions ended.")
DELIVERIES = Counter(
    "ostiary_backchannel_logout_deliveries_total",
    "Back-channel logout attempts, by result (delivered, refused, unreachable).",
    ["result"],
)
FRAMES = Counter(
    "ostiary_frontchannel_logout_frames_total",
    "Front-channel logout frames as the signed-out pages reported them, by result (loaded, blocked, unconfirmed).",
    ["result"],
)
RETRIES = Counter("ostiary_conflict_retries_total", "Requests run again after a database conflict.")
PRUNED = Counter("ostiary_pruned_objects_total", "Expired objects removed by housekeeping.")
KEY_AGE = Gauge(
    "ostiary_signing_key_age_seconds",
    "Age of the key signing now, by algorithm.",
    ["alg"],
    multiprocess_mode="mostrecent",
)
KEY_NEXT_CHANGE = Gauge(
    "ostiary_signing_key_next_change_seconds",
    "Seconds until an announced key starts signing (-1: none announced).",
    multiprocess_mode="mostrecent",
)


def count_event(event) -> None:
    """Count one audit event (called by :func:`ostiary.events.emit`)."""
    name = event.name
    details = event.details
    EVENTS.labels(type=name).inc()
    if name == "token.issued" and event.client_id:
        TOKENS.labels(grant_type=str(details.get("grant_type") or "unknown"), client_id=event.client_id).inc()
    elif name == "login.succeeded":
        SIGN_INS.labels(result="succeeded", method=_method(details)).inc()
    elif name == "login.failed":
        result = "locked" if details.get("throttled") else "failed"
        SIGN_INS.labels(result=result, method=_method(details)).inc()
    elif name == "consent.granted":
        CONSENTS.labels(result="granted").inc()
    elif name == "consent.denied":
        CONSENTS.labels(result="denied").inc()
    elif name == "logout":
        LOGOUTS.inc()


#: The method labels a sign-in may carry; anything else is "other".
_METHODS = frozenset({"pwd", "otp", "hwk", "swk", "user", "pin", "mfa", "fpt", "face", "sms", "external"})


def _method(details) -> str:
    """``pwd``, ``pwd+otp``, ``external``...: the RFC 8176 values of the
    sign-in, sorted, or ``external`` for a provider; never free text."""
    idp = details.get("idp")
    if idp and idp != "local":
        return "external"
    amr = [value for value in str(details.get("amr") or "pwd").split() if value in _METHODS]
    return "+".join(sorted(set(amr))) or "other"
