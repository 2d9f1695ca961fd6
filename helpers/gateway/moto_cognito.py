"""moto's Cognito user pools, made cheaper to create (moto target only).

Every ``CognitoIdpUserPool`` moto makes imports the same private JWK (moto signs every
pool's tokens with one key, whose public half is in every pool's JWKS). Importing it
recovers the RSA primes and checks the key: about 0.12 s of CPU per ``create_user_pool``.
:func:`install` has moto's Cognito module import it once per distinct JWK and share the
key object, which it only reads (to sign tokens). Tokens, JWKS and behaviour are unchanged.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from joserfc import jwk
    from moto.cognitoidp import models

    imported: dict[str, Any] = {}

    def import_key(data: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(data, dict):
            return jwk.RSAKey.import_key(data, *args, **kwargs)
        key = json.dumps(data, sort_keys=True)
        found = imported.get(key)
        if found is None:
            found = imported[key] = jwk.RSAKey.import_key(data)
        return found

    rsa_key = SimpleNamespace(import_key=import_key)
    # the name moto's Cognito module reads (``jwk.RSAKey.import_key``), and nothing else
    models.jwk = SimpleNamespace(**{**vars(jwk), "RSAKey": rsa_key})  # type: ignore[attr-defined]
    _installed = True
