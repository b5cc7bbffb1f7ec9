"""The site's signing keys for Open Badges credentials (settings in lms/settings/badges.py).

A JWK Set of private keys: the active one signs, all of them are published (public parts only) so
a credential signed before a key rotation still verifies. Each key's ``kid`` is the URL of its
public JWK (``/certificates/badges/keys/<RFC 7638 thumbprint>/``), as Open Badges 3.0 asks of
``kid`` ("a URI that can be dereferenced to a JWK").
"""

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwcrypto import jwk

logger = logging.getLogger(__name__)

# Key types the site signs with, and the JOSE algorithm each one signs under.
ALGORITHMS = {("OKP", "Ed25519"): "EdDSA", ("EC", "P-256"): "ES256"}


@dataclass(frozen=True)
class SigningKey:
    key: jwk.JWK
    thumbprint: str
    algorithm: str


@dataclass(frozen=True)
class KeyRing:
    active: SigningKey
    keys: tuple[SigningKey, ...]

    def by_thumbprint(self, thumbprint: str) -> SigningKey | None:
        return next((k for k in self.keys if k.thumbprint == thumbprint), None)


_lock = threading.Lock()
_cache: dict[tuple, KeyRing] = {}


def key_new() -> jwk.JWK:
    """A new Ed25519 private key (``manage.py badge_key_new`` prints one as a JWK Set)."""
    return jwk.JWK.generate(kty="OKP", crv="Ed25519")


def key_set_json(keys: list[jwk.JWK]) -> str:
    return json.dumps({"keys": [json.loads(k.export_private()) for k in keys]}, indent=2)


def _dev_keys_text(path: Path) -> str:
    """Development and tests: the key generated once into var/ (created atomically, owner-only)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(key_set_json([key_new()]))
            logger.info("Generated a development Open Badges signing key in %s", path)
    return path.read_text(encoding="utf-8")


def _ring_from_text(text: str, active_kid: str) -> KeyRing:
    try:
        data = json.loads(text)
        # Read one by one, not as a jwcrypto JWKSet (a set: the order, and so the active key, would be lost).
        keys = [jwk.JWK(**item) for item in data.get("keys", [data])]
    except (ValueError, TypeError, KeyError, AttributeError, jwk.InvalidJWKValue) as error:
        raise ImproperlyConfigured(f"The Open Badges signing keys are not a JWK Set: {error}") from error
    ring = []
    for key in keys:
        params = key.export(private_key=False, as_dict=True)
        algorithm = ALGORITHMS.get((params.get("kty"), params.get("crv")))
        if algorithm is None or not key.has_private:
            raise ImproperlyConfigured("Open Badges signing keys must be private Ed25519 (OKP) or P-256 (EC) keys.")
        ring.append(SigningKey(key=key, thumbprint=key.thumbprint(), algorithm=algorithm))
    if not ring:
        raise ImproperlyConfigured("The Open Badges JWK Set holds no key.")
    active = next((k for k in ring if k.thumbprint == active_kid), None) if active_kid else ring[0]
    if active is None:
        raise ImproperlyConfigured(f"BADGES_ACTIVE_KID {active_kid!r} names no key of the set.")
    return KeyRing(active=active, keys=tuple(ring))


def key_ring() -> KeyRing:
    """The signing keys from the settings (read once per process and settings)."""
    source = (
        settings.BADGES_KEYS,
        settings.BADGES_KEYS_FILE,
        settings.BADGES_DEV_KEYS_FILE,
        settings.BADGES_ACTIVE_KID,
    )
    ring = _cache.get(source)
    if ring is not None:
        return ring
    with _lock:
        if settings.BADGES_KEYS:
            text = settings.BADGES_KEYS
        elif settings.BADGES_KEYS_FILE:
            text = Path(settings.BADGES_KEYS_FILE).read_text(encoding="utf-8")
        else:
            text = _dev_keys_text(Path(settings.BADGES_DEV_KEYS_FILE))
        ring = _ring_from_text(text, settings.BADGES_ACTIVE_KID)
        _cache[source] = ring
    return ring


def public_jwk(key: SigningKey, *, kid: str) -> dict:
    """The public part of ``key`` as a JWK with its ``kid``, ``alg`` and ``use``."""
    params = key.key.export(private_key=False, as_dict=True)
    return {**params, "kid": kid, "alg": key.algorithm, "use": "sig"}
