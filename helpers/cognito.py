"""Amazon Cognito user pools on the moto target: what moto leaves out and the course needs.

- **Token lifetimes.** An app client's ``AccessTokenValidity`` / ``IdTokenValidity`` (with
  ``TokenValidityUnits``) set how long its tokens live; unset, both are 60 minutes [doc]
  Cognito API ``CreateUserPoolClient`` (access and ID tokens: 5 minutes to 1 day, default
  1 hour). moto issues every token for an hour; here the client's setting counts.
- **The OAuth 2.0 token endpoint** of a user pool domain,
  ``https://{domain}.auth.{region}.amazoncognito.com/oauth2/token``, for the
  ``client_credentials`` grant [doc] Cognito Developer Guide *Token endpoint*: a
  confidential app client (one with a secret) that may use the flow
  (``AllowedOAuthFlows=["client_credentials"]``, ``AllowedOAuthFlowsUserPoolClient=True``)
  asks for scopes of a **resource server** (``create_resource_server``) among its
  ``AllowedOAuthScopes``, and gets an access token carrying them. That is how a real API's
  own scopes (``profile-api/read``) reach a token; a sign-in with ``USER_PASSWORD_AUTH``
  only ever carries ``aws.cognito.signin.user.admin``, the scope of Cognito's own user APIs.

The token is signed with the pool's key (the one its JWKS publishes), so API Gateway's
Cognito and JWT authorizers verify it as they verify any other token of the pool.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, unquote

__all__ = ["TOKEN_URL", "install", "token_lifetime"]

#: the token endpoint of a user pool domain (a Cognito prefix domain)
TOKEN_URL = re.compile(
    r"^https://(?P<domain>[a-z0-9-]+)\.auth\.(?P<region>[a-z0-9-]+)\.amazoncognito\.com"
    r"/oauth2/token$"
)
#: seconds per ``TokenValidityUnits`` unit
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
#: when an app client sets no validity [doc]: access and ID tokens 1 hour
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours"}
DEFAULT_VALIDITY_S = 3600
#: a refused token request answers 400 with ``{"error": ...}`` [doc]; ``invalid_client``
#: is 400 too [unc] (OAuth 2.0 allows 401)
ERROR_STATUS = 400

_installed = False


def token_lifetime(client_config: dict[str, Any], token_use: str) -> int:
    """Seconds a token of ``token_use`` ("access" or "id") lives for an app client."""
    key = "AccessToken" if token_use == "access" else "IdToken"
    validity = client_config.get(f"{key}Validity")
    if not validity:
        return DEFAULT_VALIDITY_S
    unit = (client_config.get("TokenValidityUnits") or {}).get(key) or DEFAULT_UNITS[key]
    return int(validity) * UNITS[unit]


def _patch_lifetimes() -> None:
    from moto.cognitoidp.models import CognitoIdpUserPool

    original = CognitoIdpUserPool.create_jwt

    def create_jwt(
        self: Any,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = DEFAULT_VALIDITY_S,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        client = self.clients.get(client_id)
        if client is not None and expires_in == DEFAULT_VALIDITY_S:
            expires_in = token_lifetime(client.extended_config, token_use)
        return original(self, client_id, username, token_use, expires_in, extra_data)

    CognitoIdpUserPool.create_jwt = create_jwt  # type: ignore[method-assign]


def _error(code: str) -> tuple[int, dict[str, str], str]:
    return ERROR_STATUS, {"Content-Type": "application/json"}, json.dumps({"error": code})


def _client_credentials(request: Any) -> tuple[str, str] | None:
    header = request.headers.get("Authorization") or ""
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return None


def _find_pool(domain: str, region: str) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    for account_backends in cognitoidp_backends.values():
        backend = account_backends.get(region) if region in account_backends else None
        if backend is None:
            continue
        found = backend.user_pool_domains.get(domain)
        if found is not None:
            return backend.user_pools.get(found.user_pool_id)
    return None


def answer_token_request(request: Any) -> tuple[int, dict[str, str], str]:
    """The token endpoint (``responses`` callback): the ``client_credentials`` grant."""
    matched = TOKEN_URL.match((request.url or "").split("?")[0])
    if not matched:
        return _error("invalid_request")
    pool = _find_pool(matched["domain"], matched["region"])
    if pool is None:
        return 404, {"Content-Type": "text/plain"}, "Not Found"
    body = request.body or ""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    grant = form.get("grant_type")
    if not grant:
        return _error("invalid_request")
    if grant != "client_credentials":
        return _error("unsupported_grant_type")
    credentials = _client_credentials(request)
    if credentials is None and form.get("client_id"):
        credentials = (form["client_id"], form.get("client_secret", ""))
    if credentials is None:
        return _error("invalid_client")
    client_id, secret = credentials
    client = pool.clients.get(unquote(client_id))
    if client is None or not client.generate_secret or client.secret != unquote(secret):
        return _error("invalid_client")
    config = client.extended_config
    if "client_credentials" not in (config.get("AllowedOAuthFlows") or []) or not config.get(
        "AllowedOAuthFlowsUserPoolClient"
    ):
        return _error("unauthorized_client")
    allowed = list(config.get("AllowedOAuthScopes") or [])
    asked = form.get("scope", "").split() or allowed
    known = {
        f"{server.identifier}/{scope['ScopeName']}"
        for server in pool.resource_servers.values()
        for scope in server.scopes or []
    }
    if not asked or any(s not in allowed or s not in known for s in asked):
        return _error("invalid_scope")
    token, expires_in = _access_token(pool, client.id, " ".join(asked), config)
    answer = {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}
    return 200, {"Content-Type": "application/json"}, json.dumps(answer)


def _access_token(pool: Any, client_id: str, scope: str, config: dict[str, Any]) -> tuple[str, int]:
    from joserfc import jwt
    from moto.moto_api._internal import mock_random

    now = int(time.time())
    expires_in = token_lifetime(config, "access")
    payload = {
        "sub": client_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": now,
        "iss": f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}",
        "exp": now + expires_in,
        "iat": now,
        "version": 2,
        "jti": str(mock_random.uuid4()),
        "client_id": client_id,
    }
    headers = {"kid": "dummy", "alg": "RS256"}  # the key moto's JWKS publishes
    return jwt.encode(headers, payload, pool.json_web_key), expires_in


def install() -> None:
    """Once per process, after moto started: lifetimes, and the token endpoint."""
    global _installed
    if _installed:
        return
    from moto.core.models import responses_mock
    from responses import CallbackResponse

    _patch_lifetimes()
    responses_mock.add(
        CallbackResponse(
            method="POST",
            url=re.compile(TOKEN_URL.pattern.removesuffix("$") + r"(\?.*)?$"),
            callback=answer_token_request,
        )
    )
    _installed = True
