"""Plain-text output of the commands: aligned tables and readable times."""

from __future__ import annotations

from datetime import UTC, datetime


def when(timestamp: int | None) -> str:
    """A timestamp as UTC ISO 8601 to the second, or ``-`` for none."""
    if not timestamp:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(seconds: int) -> str:
    """``seconds`` in the largest whole unit that fits, e.g. ``90 days``."""
    unit, size = next(
        ((u, s) for u, s in (("day", 86400), ("hour", 3600), ("minute", 60)) if seconds >= s and seconds % s == 0),
        ("second", 1),
    )
    count = seconds // size
    return f"{count} {unit}{'' if count == 1 else 's'}"


def size(count: int) -> str:
    """A number of bytes in the largest binary unit below 1024 of it, e.g. ``3.2 MiB``."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def table(headers: tuple[str, ...], rows: list[tuple]) -> str:
    """Rows as left-aligned columns under upper-case headers.

    Columns are separated by two spaces, so that a value with one space in
    it (a client name) still reads as one column.
    """
    lines = [tuple(h.upper() for h in headers)] + [tuple(str(v) for v in row) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines)
