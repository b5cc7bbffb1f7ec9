"""Reading values that visitors put in query strings: whatever they send, a value or nothing.

A database id is ASCII digits that fit a 64-bit integer (``str.isdigit`` also accepts "²" and
"①", and a 20-digit number overflows); text loses NUL and other control characters (PostgreSQL
refuses NUL in a string) and is cut to a length.
"""

import re

_ID = re.compile(r"[0-9]{1,18}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def id_param(raw: object) -> int | None:
    """The id a query-string value names, or None when it names none."""
    text = str(raw or "").strip()
    return int(text) if _ID.fullmatch(text) else None


def text_param(raw: object, *, max_length: int) -> str:
    """A query-string value as text: control characters removed, spaces trimmed, at most ``max_length``."""
    return _CONTROL.sub("", str(raw or "")).strip()[:max_length]
