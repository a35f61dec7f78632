"""How the account sections show times and ways of signing in."""

from __future__ import annotations

import datetime

from ...i18n import _, translate

#: RFC 8176 method references a person may recognise, in their words.
_AMR_WORDS = {
    "pwd": _("password"),
    "otp": _("one-time code"),
    "hwk": _("security key"),
    "swk": _("passkey"),
    "user": _("passkey"),
    "fido": _("security key"),
    "sms": _("text message"),
    "mfa": _("several factors"),
}


def moment(timestamp) -> str | None:
    """A time as ``2026-12-02 06:30 UTC`` (the same for every reader)."""
    if not timestamp:
        return None
    return datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def sign_in_method(request, amr, idp) -> str:
    """How a session or sign-in came about: the provider after an external
    login, else the factors (``password``, ``password, one-time code``)."""
    words = []
    for value in amr or ():
        word = _AMR_WORDS.get(value)
        text = translate(request, word) if word is not None else value
        if text not in words:
            words.append(text)
    if idp and idp != "local":  # the provider's name: this layer does not read federation's settings
        return idp if words in ([], [translate(request, _AMR_WORDS["pwd"])]) else f"{idp} ({', '.join(words)})"
    return ", ".join(words) or "-"
