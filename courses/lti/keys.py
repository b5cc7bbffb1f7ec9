"""The tool's signing key: one RSA key, published as a JWKS (``/lti/jwks/``), never stored in the database.

Read from ``LTI_TOOL_PRIVATE_KEY`` (PEM) or ``LTI_TOOL_PRIVATE_KEY_FILE``; with neither and
``LTI_TOOL_KEY_GENERATE`` (development, tests), generated once into ``var/lti/tool-key.pem``.
"""

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from jwcrypto.jwk import JWK


@dataclass(frozen=True)
class ToolKey:
    private_pem: str
    public_pem: str
    kid: str
    public_jwk: dict


def _generated_pem() -> bytes:
    path = Path(settings.VAR_DIR) / "lti" / "tool-key.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None)
        # Written with owner-only permissions; a concurrent first start keeps whichever file won.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
    return path.read_bytes()


def _private_pem() -> bytes | None:
    if settings.LTI_TOOL_PRIVATE_KEY:
        return settings.LTI_TOOL_PRIVATE_KEY.replace("\\n", "\n").encode()
    if settings.LTI_TOOL_PRIVATE_KEY_FILE:
        return Path(settings.LTI_TOOL_PRIVATE_KEY_FILE).read_bytes()
    if settings.LTI_TOOL_KEY_GENERATE:
        return _generated_pem()
    return None


@lru_cache(maxsize=1)
def tool_key() -> ToolKey | None:
    """The configured key, or None when production has none (the JWKS is then empty and nothing is signed)."""
    pem = _private_pem()
    if pem is None:
        return None
    key = JWK.from_pem(pem)
    if key.get("kty") != "RSA" or not key.has_private:
        raise ImproperlyConfigured("LTI_TOOL_PRIVATE_KEY must be an RSA private key (PEM).")
    public = json.loads(key.export_public())
    kid = key.thumbprint()
    public.update(kid=kid, alg="RS256", use="sig")
    return ToolKey(
        private_pem=key.export_to_pem(private_key=True, password=None).decode(),
        public_pem=key.export_to_pem().decode(),
        kid=kid,
        public_jwk=public,
    )


def tool_key_required() -> ToolKey:
    key = tool_key()
    if key is None:
        raise ImproperlyConfigured("The LTI tool has no key: set LTI_TOOL_PRIVATE_KEY or LTI_TOOL_PRIVATE_KEY_FILE.")
    return key


def jwks() -> dict:
    key = tool_key()
    return {"keys": [key.public_jwk] if key else []}


def _settings_changed(setting: str, **kwargs: object) -> None:
    if setting.startswith("LTI_TOOL_") or setting == "VAR_DIR":
        tool_key.cache_clear()


setting_changed.connect(_settings_changed)
