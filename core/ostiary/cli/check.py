"""``ostiary CONFIG check``: a deployment self-check.

Reads the ini file (the app's settings and its ``[server:main]``) and the
database, and prints one line per finding, most serious first::

    error    issuer: http://id.example.org is not https ...
    warning  client demo-rp: 1 weak secret ...

Severities: ``error`` (unsafe or broken: fix before serving the public),
``warning`` (worth a look), ``ok`` lines only with ``--verbose``. The exit
status is 1 when there is an error (with ``--strict``, a warning too), else
0, so CI can run it against the ini it deploys.
"""

from __future__ import annotations

import configparser
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..models.clients import is_loopback
from ..models.util import now
from ..protocol.sites import frontchannel_warning
from ..protocol.wellknown import JWKS_MAX_AGE
from ..settings import cookies_secure

ERROR, WARNING, OK = "error", "warning", "ok"
_ORDER = {ERROR: 0, WARNING: 1, OK: 2}
#: The database's clock (its last commit) may lead ours by this much.
CLOCK_TOLERANCE = 60
#: A FileStorage bigger than this and not packed for a week is overdue.
PACK_SIZE = 64 * 1024 * 1024
PACK_AGE = 7 * 24 * 3600


@dataclass(frozen=True)
class Finding:
    severity: str
    topic: str
    text: str


def register(sub) -> None:
    check = sub.add_parser("check", help="check the deployment: settings, server, keys, clients, database")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--verbose", action="store_true", help="also list what is fine")
    check.set_defaults(handler=cmd_check)


def server_section(config_file: str) -> dict:
    """The raw ``[server:main]`` settings of the ini file (empty if none)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_file)
    return dict(parser["server:main"]) if parser.has_section("server:main") else {}


def check_settings(settings) -> list[Finding]:
    found = []
    issuer = settings.issuer
    parts = urlsplit(issuer)
    local = is_loopback(parts.hostname) or parts.hostname == "localhost"
    if parts.scheme != "https":
        severity = WARNING if local else ERROR
        found.append(
            Finding(severity, "issuer", f"{issuer} is not https" + (" (fine on loopback only)" if local else ""))
        )
    else:
        found.append(Finding(OK, "issuer", f"{issuer} is https"))
    if not cookies_secure(settings):
        found.append(Finding(WARNING if local else ERROR, "cookies", "session cookies are sent without Secure"))
    else:
        found.append(Finding(OK, "cookies", "session cookies are Secure"))
    if settings.development:
        found.append(
            Finding(WARNING if local else ERROR, "development", "ostiary.development is on: error details are shown")
        )
    return found


def check_server(server: dict, database_uri: str) -> list[Finding]:
    found = []
    proxy = server.get("trusted_proxy", "").strip()
    headers = server.get("trusted_proxy_headers", "")
    if proxy == "*":
        found.append(
            Finding(ERROR, "proxy", "trusted_proxy = *: any client can forge X-Forwarded-* (its address, https)")
        )
    elif proxy and server.get("clear_untrusted_proxy_headers", "").strip().lower() not in ("yes", "true", "1", "on"):
        found.append(
            Finding(
                WARNING, "proxy", "clear_untrusted_proxy_headers is off: forged X-Forwarded-* from others reach the app"
            )
        )
    elif headers and not proxy:
        found.append(Finding(WARNING, "proxy", "trusted_proxy_headers without trusted_proxy: the headers are ignored"))
    try:
        workers = int(server.get("workers", "1"))
    except ValueError:
        workers = 1
    if workers > 1 and database_uri.startswith("file:"):
        found.append(
            Finding(ERROR, "storage", f"{workers} workers on a FileStorage: one process at a time can open it")
        )
    return found


def check_keys(root, settings, when: int) -> list[Finding]:
    found = []
    ring = root.keys
    active = ring.active(settings.signing_alg, when)
    if active is None:
        found.append(
            Finding(ERROR, "keys", f"no {settings.signing_alg} key signs now: run `ostiary CONFIG keys rotate --now`")
        )
        return found
    age = when - active.created_at
    if age > settings.key_lifetime and not any(k.pending_at(when) for k in ring.keys):
        found.append(
            Finding(WARNING, "keys", f"the signing key {active.kid} is {age // 86400} days old: run `keys rotate`")
        )
    else:
        found.append(Finding(OK, "keys", f"the signing key {active.kid} is {age // 86400} days old"))
    for key in ring.keys:
        if key.pending_at(when) and key.activates_at - key.created_at < JWKS_MAX_AGE:
            found.append(
                Finding(
                    WARNING,
                    "keys",
                    f"key {key.kid} signs {key.activates_at - key.created_at} s after it was announced, "
                    f"less than the JWKS cache time ({JWKS_MAX_AGE} s): relying parties may not know it yet",
                )
            )
    return found


def check_clients(root, issuer: str) -> list[Finding]:
    found = []
    for client in root.clients:
        for uri in client.redirect_uris:
            parts = urlsplit(uri)
            if parts.scheme == "http" and not is_loopback(parts.hostname):
                found.append(Finding(ERROR, f"client {client.client_id}", f"http redirect URI {uri} outside loopback"))
        warning = frontchannel_warning(issuer, client)
        if warning:
            found.append(Finding(WARNING, f"client {client.client_id}", warning.split(": ", 1)[1]))
        if client.weak_secrets:
            found.append(
                Finding(
                    WARNING,
                    f"client {client.client_id}",
                    f"{client.weak_secrets} weak secret(s) (under 128 bits): replace with `client rotate-secret` "
                    "or a generated one",
                )
            )
    return found


def check_database(app, when: float) -> list[Finding]:
    found = []
    db = app.db
    from ZODB.TimeStamp import TimeStamp

    last = db.lastTransaction()
    if last and last != b"\0" * 8:
        committed = TimeStamp(last).timeTime()
        if committed - when > CLOCK_TOLERANCE:
            found.append(
                Finding(
                    ERROR,
                    "clock",
                    f"this machine's clock is {int(committed - when)} s behind the database's last commit",
                )
            )
        else:
            found.append(Finding(OK, "clock", "the clock agrees with the database"))
    path = getattr(db.storage, "_file_name", None) or getattr(
        getattr(db.storage, "_FileStorage__file", None), "name", None
    )
    settings = app.settings
    if path and os.path.exists(path) and not settings.pack_interval:
        size = os.path.getsize(path)
        packed = os.path.getmtime(path + ".old") if os.path.exists(path + ".old") else None
        if size > PACK_SIZE and (packed is None or when - packed > PACK_AGE):
            found.append(
                Finding(
                    WARNING,
                    "pack",
                    f"{path} is {size // (1024 * 1024)} MiB and not packed for a week: run `ostiary CONFIG pack` "
                    "or set ostiary.pack_interval",
                )
            )
    return found


def findings(app, config_file: str) -> list[Finding]:
    settings = app.settings
    when = now()
    found = check_settings(settings)
    found += check_server(server_section(config_file), app.registry.settings.get("zodbconn.uri", ""))
    found += check_keys(app.root, settings, when)
    found += check_clients(app.root, settings.issuer)
    found += check_database(app, time.time())
    return sorted(found, key=lambda f: _ORDER[f.severity])


def cmd_check(app, args):
    found = findings(app, args.config)
    shown = [f for f in found if args.verbose or f.severity != OK]
    for finding in shown:
        print(f"{finding.severity:<8} {finding.topic}: {finding.text}")
    errors = sum(f.severity == ERROR for f in found)
    warnings = sum(f.severity == WARNING for f in found)
    print(f"{errors} error(s), {warnings} warning(s)")
    return 1 if errors or (args.strict and warnings) else 0
