"""``ostiary CONFIG audit``: query the stored audit trail.

The log line of each event goes to log shippers; this command answers from
the database, where the events are kept for ``ostiary.audit.retention_days``:
by subject, client, event type and time, newest first, as a table for a
person or as JSON lines for a script (``jq``, a SIEM import).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import UTC, datetime

from .output import table, when

_RELATIVE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str) -> float:
    """An ISO 8601 date or time (UTC unless it says otherwise), or a time
    ago such as ``30m``, ``12h`` or ``7d``; as epoch seconds."""
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        return time.time() - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time or an age like 7d, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1")
    return value


def register(sub) -> None:
    """Add ``audit`` to the sub-parsers ``sub``."""
    audit = sub.add_parser("audit", help="query the stored audit trail (newest first)")
    audit.add_argument("--subject", help="only events of this subject")
    audit.add_argument("--client", help="only events of this client id")
    audit.add_argument("--type", action="append", metavar="TYPE", help="only events of this type (repeatable)")
    audit.add_argument("--since", type=parse_time, metavar="TIME", help="from TIME (ISO 8601, or an age: 7d, 12h)")
    audit.add_argument("--until", type=parse_time, metavar="TIME", help="up to TIME (ISO 8601, or an age)")
    audit.add_argument("--limit", type=_limit, default=100, metavar="N", help="at most N events (default 100)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    audit.set_defaults(handler=cmd_audit)


def cmd_audit(app, args):
    trail = app.request.ostiary_root.audit
    records = trail.query(
        subject=args.subject,
        client_id=args.client,
        type=args.type,
        since=args.since,
        until=args.until,
        limit=args.limit,
    )
    if args.json:
        for record in records:
            print(json.dumps(record.as_data(), ensure_ascii=False, sort_keys=True))
        return
    rows = [
        (
            when(int(r.timestamp)),
            r.type,
            r.subject or "-",
            r.client_id or "-",
            r.address or "-",
            r.result or "-",
            r.reason or "-",
        )
        for r in records
    ]
    print(table(("time", "type", "subject", "client", "address", "result", "reason"), rows))
