"""Lookup keys as ASP.NET Core Identity writes them in ``NormalizedUserName``,
``NormalizedEmail`` and ``NormalizedName``.

``UpperInvariantLookupNormalizer`` does ``key.Normalize().ToUpperInvariant()``:
Unicode NFC, then .NET's invariant upper-casing, which maps each UTF-16
character to exactly one character (Unicode's *simple* case mapping).
Python's ``str.upper()`` uses the *full* mapping instead and may lengthen
a string ("ß" becomes "SS", "ﬁ" becomes "FI"). :func:`normalize` keeps
the simple mapping: a character whose full upper case is one character
takes it; one whose full upper case is longer takes its title case if
that is a single other character (Greek letters with ypogegrammeni: "ᾳ"
becomes "ᾼ", as in .NET), and otherwise stays as it is ("ß" stays "ß").
So ``normalize("straße") == "STRAßE"``, the value an ASP.NET application
stored, and a lookup finds the row it wrote.
"""

from __future__ import annotations

import unicodedata


def _upper(char: str) -> str:
    upper = char.upper()
    if len(upper) == 1:
        return upper
    title = char.title()
    return title if len(title) == 1 else char


def normalize(key: str | None) -> str | None:
    """The normalized lookup key of a user name, email address or role name."""
    if key is None:
        return None
    return "".join(_upper(char) for char in unicodedata.normalize("NFC", key))
