"""Built-in audit plugin: every event becomes one line in the
``ostiary.audit`` logger (never a password or token).

Most values come from a request (a username someone typed, a client id from
a query string), so each is encoded before it reaches the line: a value
made of plain characters stays as it is, anything else is written as a
JSON string, with every control and line-separator character escaped. A
CR/LF in a username can then never start a forged line, and a space or an
``=`` can never forge a field of its own.
"""

import json
import logging
import re

from ..hookspecs import hookimpl

log = logging.getLogger("ostiary.audit")

#: Values that need no quoting: nothing a reader could take for a separator.
_PLAIN = re.compile(r"[\w.@:/+\-]+", re.ASCII)
#: What json.dumps(ensure_ascii=False) leaves alone but a log reader may
#: still split lines on (DEL, C1 controls, the Unicode line separators).
_STILL_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def encode(value) -> str:
    """``value`` as one token of an audit line."""
    text = "-" if value is None else str(value)
    if _PLAIN.fullmatch(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _STILL_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def line(event) -> str:
    """The audit line of ``event``."""
    fields = [("subject", event.subject), ("client", event.client_id), *sorted(event.details.items())]
    return " ".join([encode(event.name), *(f"{encode(key)}={encode(value)}" for key, value in fields)])


@hookimpl
def ostiary_event(event):
    log.info("%s", line(event))
