"""Open Badges 3.0: the key that signs the site's credentials (docs/badges.md).

The signing keys are a JWK Set of private keys (Ed25519 ``OKP`` or P-256 ``EC``), from a file
(``BADGES_KEYS_FILE``) or inline (``BADGES_KEYS``, the JSON itself). The key named by
``BADGES_ACTIVE_KID`` (its RFC 7638 thumbprint), or the first one, signs; every key of the set stays
published, so a credential signed before a rotation still verifies. Development and tests: unset,
one Ed25519 key is generated once into ``BADGES_DEV_KEYS_FILE`` (under var/, never committed).
Production refuses to start without one (lms/settings/production.py).
"""

import os
from pathlib import Path

__all__ = [
    "BADGES_ACTIVE_KID",
    "BADGES_DEV_KEYS_FILE",
    "BADGES_KEYS",
    "BADGES_KEYS_FILE",
    "BADGES_STATUS_LIST_MAX_AGE",
]


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


_VAR_DIR = Path(_env("VAR_DIR", str(Path(__file__).resolve().parent.parent.parent / "var"))).resolve()

BADGES_KEYS_FILE = _env("BADGES_KEYS_FILE")
BADGES_KEYS = _env("BADGES_KEYS")
BADGES_ACTIVE_KID = _env("BADGES_ACTIVE_KID")
# Where development generates its key once when neither of the above is set (production never does).
BADGES_DEV_KEYS_FILE = _env("BADGES_DEV_KEYS_FILE", str(_VAR_DIR / "badge-keys.json"))
# Seconds a cache may keep the status list without asking again (it revalidates with its ETag after).
BADGES_STATUS_LIST_MAX_AGE = int(_env("BADGES_STATUS_LIST_MAX_AGE", "0"))
