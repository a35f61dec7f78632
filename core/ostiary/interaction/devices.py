"""The short form of a user agent that people recognise their devices by.

"Firefox 128 on Linux" says more to a person looking at their sessions than
a 150-character ``User-Agent`` header. The parsing is ua-parser's (the
Browserscope rules, kept up to date by its maintainers); the result is cut
to a bounded length before it is stored.
"""

from __future__ import annotations

import functools

from ua_parser import parse

#: The longest device text stored.
DEVICE_LIMIT = 80


@functools.lru_cache(maxsize=512)
def device_of(user_agent: str | None) -> str | None:
    """``"Browser major on OS"``, or None when the header is missing.
    Cached: a server sees the same few browsers over and over."""
    if not user_agent:
        return None
    result = parse(user_agent[:512])
    browser = result.user_agent.family if result.user_agent else None
    if browser and result.user_agent.major:
        browser = f"{browser} {result.user_agent.major}"
    system = result.os.family if result.os else None
    if browser and system and system != "Other":
        text = f"{browser} on {system}"
    else:
        text = browser or system or user_agent
    return text[:DEVICE_LIMIT]
