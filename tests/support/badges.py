"""A fresh Open Badges signing key set (JSON) for tests that start the production settings."""

import json

from jwcrypto import jwk


def badge_keys_json() -> str:
    return json.dumps({"keys": [json.loads(jwk.JWK.generate(kty="OKP", crv="Ed25519").export_private())]})
