"""Codes people read off paper and type back: certificate verification codes, poster short codes.

One alphabet without the characters a printed code makes people misread (0/O, 1/I/L), one way
to make a code, and one way to read what someone typed (any case; spaces, dashes, dots and
underscores ignored). Certificates (``courses``) and campaign posters (``outreach``) use it.
"""

import re
import secrets

READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—_.]+")


def readable_code_new(length):
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))


def readable_code_normalise(raw):
    """What a person typed → the stored form of a code."""
    return _SEPARATORS_RE.sub("", str(raw or "")).upper()


def readable_code_is_well_formed(code, length):
    return len(code) == length and all(character in READABLE_ALPHABET for character in code)
