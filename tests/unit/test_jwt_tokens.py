"""JWT checks for HTTP API JWT authorizers and REST Cognito user-pool authorizers.

Real tokens come from moto's Cognito (``admin_initiate_auth``); tokens with arbitrary claims
are signed here with moto's private key (kid "dummy"), so :class:`JwksCache` fetches the
matching public key from moto's ``/.well-known`` endpoints. Discovery failures are served
by a canned ``requests`` adapter.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests
from moto.utilities.utils import load_resource
from requests.adapters import BaseAdapter

from helpers.backend import unused_url
from helpers.gateway.auth import jwt_tokens as jt
from helpers.gateway.auth.jwt_tokens import (
    JwksCache,
    JwksUnavailable,
    TokenRejected,
    bearer_token,
    claims_for_context,
    validate_cognito,
    validate_jwt,
)

REGION = "us-east-1"
PRIVATE_JWK = load_resource("cognitoidp/resources/jwks-private.json")
PUBLIC_JWKS = load_resource("cognitoidp/resources/jwks-public.json")
NOW = 1_700_000_000


@pytest.fixture
def pool(moto_env: None, make_pool: Callable[..., Any]) -> Any:
    return make_pool()


@pytest.fixture
def keys() -> JwksCache:
    return JwksCache()


def sign(claims: dict[str, Any], *, kid: str | None = "dummy", alg: str = "RS256") -> str:
    """A token signed with moto's private key (its public half is in every pool's JWKS)."""
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, jwt.PyJWK(PRIVATE_JWK).key, algorithm=alg, headers=headers)


def good_claims(issuer: str, **extra: Any) -> dict[str, Any]:
    claims = {"iss": issuer, "sub": "user-1", "aud": "app", "iat": NOW, "exp": NOW + 3600}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def http(token: str, pool: Any, keys: JwksCache, **kwargs: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "issuer": pool.issuer,
        "audiences": ["app"],
        "now": NOW + 60,
        "scopes": None,
        "keys": keys,
    }
    args.update(kwargs)
    return validate_jwt(token, **args)


def rejected(call: Any, *args: Any, **kwargs: Any) -> TokenRejected:
    with pytest.raises(TokenRejected) as caught:
        call(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------------------------- bearer_token


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("abc.def.ghi", "abc.def.ghi"),
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc.def.ghi", "abc.def.ghi"),
        ("  Bearer   abc.def.ghi  ", "abc.def.ghi"),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_bearer_token(value: str | None, token: str | None) -> None:
    assert bearer_token(value) == token


# ---------------------------------------------------------------------------------- REST Cognito


def cognito(token: str, pool: Any, keys: JwksCache, **kwargs: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "user_pool_arns": [pool.arn],
        "now": pool.claims(token)["iat"] + 1,
        "scopes": None,
        "validation_expression": None,
        "keys": keys,
    }
    args.update(kwargs)
    return validate_cognito(token, **args)


def test_cognito_id_token_without_scopes(pool: Any, keys: JwksCache) -> None:
    claims = cognito(pool.id_token, pool, keys)
    assert claims["token_use"] == "id"
    assert claims["aud"] == pool.client_id
    assert claims["cognito:username"] == "alice"
    assert keys.fetches == {pool.issuer: 1}


def test_cognito_access_token_without_scopes_is_refused(pool: Any, keys: JwksCache) -> None:
    err = rejected(cognito, pool.access_token, pool, keys)
    assert err.reason == "not_id_token"
    assert not err.insufficient_scope


def test_cognito_token_of_another_pool_is_refused(
    pool: Any, keys: JwksCache, make_pool: Callable[..., Any]
) -> None:
    other = make_pool("other-pool")
    err = rejected(cognito, pool.id_token, pool, keys, user_pool_arns=[other.arn])
    assert err.reason == "user_pool"
    assert keys.fetches == {}  # refused before any key was fetched
    # any one of the authorizer's pools will do
    assert cognito(pool.id_token, pool, keys, user_pool_arns=[other.arn, pool.arn])["sub"]


def test_cognito_pool_arn_in_another_region_is_another_issuer(pool: Any, keys: JwksCache) -> None:
    arn = pool.arn.replace(f":{REGION}:", ":eu-west-1:")
    assert rejected(cognito, pool.id_token, pool, keys, user_pool_arns=[arn]).reason == "user_pool"
    assert rejected(cognito, pool.id_token, pool, keys, user_pool_arns=["nonsense"]).reason == (
        "user_pool"
    )


def test_cognito_expiry_reads_the_given_clock(pool: Any, keys: JwksCache) -> None:
    exp = pool.claims(pool.id_token)["exp"]
    assert cognito(pool.id_token, pool, keys, now=exp - 1)
    assert rejected(cognito, pool.id_token, pool, keys, now=exp).reason == "expired"
    err = rejected(cognito, pool.id_token, pool, keys, now=exp + 1)
    assert (err.reason, err.description) == ("expired", "the token has expired")


def test_cognito_id_token_when_scopes_are_required(pool: Any, keys: JwksCache) -> None:
    err = rejected(cognito, pool.id_token, pool, keys, scopes=["aws.cognito.signin.user.admin"])
    assert err.reason == "not_access_token"


def test_cognito_access_token_with_a_matching_scope(pool: Any, keys: JwksCache) -> None:
    claims = cognito(
        pool.access_token, pool, keys, scopes=["orders/read", "aws.cognito.signin.user.admin"]
    )
    assert claims["token_use"] == "access"
    assert claims["client_id"] == pool.client_id


def test_cognito_access_token_without_a_matching_scope(pool: Any, keys: JwksCache) -> None:
    err = rejected(cognito, pool.access_token, pool, keys, scopes=["orders/read"])
    assert err.reason == "scope"
    assert err.insufficient_scope


def test_cognito_validation_expression_matches_aud(pool: Any, keys: JwksCache) -> None:
    assert cognito(pool.id_token, pool, keys, validation_expression=r"[a-z0-9]+")
    assert cognito(pool.id_token, pool, keys, validation_expression=pool.client_id)
    err = rejected(cognito, pool.id_token, pool, keys, validation_expression="other-client")
    assert err.reason == "validation_expression"
    # the whole aud must match, not a part of it
    partial = pool.client_id[:4]
    assert rejected(cognito, pool.id_token, pool, keys, validation_expression=partial)


def test_cognito_validation_expression_always_fails_an_access_token(
    pool: Any, keys: JwksCache
) -> None:
    err = rejected(
        cognito,
        pool.access_token,
        pool,
        keys,
        scopes=["aws.cognito.signin.user.admin"],
        validation_expression=".*",
    )
    assert err.reason == "validation_expression"


def test_cognito_checks_the_signature(pool: Any, keys: JwksCache) -> None:
    header, _, signature = pool.id_token.split(".")
    forged = dict(pool.claims(pool.id_token), **{"cognito:username": "mallory"})
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert rejected(cognito, f"{header}.{body}.{signature}", pool, keys).reason == "signature"


# ---------------------------------------------------------------------------------- HTTP API JWT


def test_jwt_good_token(pool: Any, keys: JwksCache) -> None:
    claims = http(sign(good_claims(pool.issuer)), pool, keys)
    assert claims["sub"] == "user-1"


def test_jwt_cognito_tokens_by_client_id_and_aud(pool: Any, keys: JwksCache) -> None:
    now = pool.claims(pool.access_token)["iat"]
    access = http(pool.access_token, pool, keys, audiences=[pool.client_id], now=now)
    assert access["username"] == "alice"  # no aud: client_id is checked
    identity = http(pool.id_token, pool, keys, audiences=[pool.client_id], now=now)
    assert identity["token_use"] == "id"


@pytest.mark.parametrize(
    ("extra", "accepted"),
    [
        ({"aud": ["other", "app"]}, True),
        ({"aud": ["other", "more"]}, False),
        ({"aud": None, "client_id": "app"}, True),
        ({"aud": None, "client_id": "other"}, False),
        ({"aud": "other", "client_id": "app"}, False),  # aud wins when both are present
        ({"aud": "app", "client_id": "other"}, True),
        ({"aud": None}, False),
    ],
)
def test_jwt_audience(pool: Any, keys: JwksCache, extra: dict[str, Any], accepted: bool) -> None:
    token = sign(good_claims(pool.issuer, **extra))
    if accepted:
        assert http(token, pool, keys)
    else:
        err = rejected(http, token, pool, keys)
        assert err.description == "the token does not have a valid audience"
        assert not err.insufficient_scope


def test_jwt_issuer_must_equal_the_configured_issuer(
    pool: Any, keys: JwksCache, make_pool: Callable[..., Any]
) -> None:
    other = make_pool("other-pool")
    token = sign(good_claims(other.issuer))  # same moto key, so the signature checks
    assert rejected(http, token, pool, keys).reason == "issuer"
    assert rejected(http, sign(good_claims(pool.issuer + "/")), pool, keys).reason == "issuer"


@pytest.mark.parametrize(
    ("extra", "now", "reason"),
    [
        ({}, NOW + 3599, None),
        ({}, NOW + 3600, "expired"),
        ({}, NOW + 3601, "expired"),
        ({"exp": None}, NOW, "exp_missing"),
        ({"exp": "soon"}, NOW, "malformed"),
        ({"nbf": NOW + 10}, NOW + 9, "not_yet_valid"),
        ({"nbf": NOW + 10}, NOW + 10, None),
        ({"iat": NOW + 10}, NOW + 9.5, "issued_in_future"),
        ({"iat": NOW + 10}, NOW + 10, None),  # used in the second it was issued
    ],
)
def test_jwt_times_read_the_given_clock(
    pool: Any, keys: JwksCache, extra: dict[str, Any], now: float, reason: str | None
) -> None:
    token = sign(good_claims(pool.issuer, **extra))
    if reason is None:
        assert http(token, pool, keys, now=now)
    else:
        assert rejected(http, token, pool, keys, now=now).reason == reason


@pytest.mark.parametrize(
    ("extra", "accepted"),
    [
        ({"scope": "orders/read orders/write"}, True),
        ({"scope": "profile orders/write"}, False),
        ({"scp": ["email", "orders/read"]}, True),
        ({"scp": "email orders/read"}, True),
        ({"scp": ["email"]}, False),
        ({"scope": "email", "scp": ["orders/read"]}, True),
        ({}, False),
    ],
)
def test_jwt_scopes(pool: Any, keys: JwksCache, extra: dict[str, Any], accepted: bool) -> None:
    token = sign(good_claims(pool.issuer, **extra))
    required = ["orders/read", "admin"]
    if accepted:
        assert http(token, pool, keys, scopes=required)
    else:
        err = rejected(http, token, pool, keys, scopes=required)
        assert (err.reason, err.insufficient_scope) == ("scope", True)
    # without route scopes nothing is asked of them
    assert http(token, pool, keys, scopes=[])


def test_jwt_rs384_and_rs512_are_rsa_too(pool: Any, keys: JwksCache) -> None:
    for alg in ("RS384", "RS512"):
        assert http(sign(good_claims(pool.issuer), alg=alg), pool, keys)


def test_jwt_hs256_is_refused_before_fetching_keys(pool: Any, keys: JwksCache) -> None:
    token = jwt.encode(
        good_claims(pool.issuer), "s" * 32, algorithm="HS256", headers={"kid": "dummy"}
    )
    err = rejected(http, token, pool, keys)
    assert err.description == "signing method HS256 is invalid"
    assert keys.fetches == {}


def test_jwt_unsigned_token_is_refused(pool: Any, keys: JwksCache) -> None:
    token = jwt.encode(good_claims(pool.issuer), None, algorithm="none")
    assert rejected(http, token, pool, keys).reason == "algorithm"


def test_jwt_missing_kid(pool: Any, keys: JwksCache) -> None:
    assert rejected(http, sign(good_claims(pool.issuer), kid=None), pool, keys).reason == (
        "kid_missing"
    )


def test_jwt_unknown_kid_refetches_once_then_refuses(pool: Any, keys: JwksCache) -> None:
    assert http(sign(good_claims(pool.issuer)), pool, keys)
    assert keys.fetches[pool.issuer] == 1
    err = rejected(http, sign(good_claims(pool.issuer), kid="rotated-away"), pool, keys)
    assert err.reason == "kid_unknown"
    assert keys.fetches[pool.issuer] == 2
    # the known key is still there
    assert http(sign(good_claims(pool.issuer)), pool, keys)
    assert keys.fetches[pool.issuer] == 2


def test_jwt_tampered_signature(pool: Any, keys: JwksCache) -> None:
    header, payload, signature = sign(good_claims(pool.issuer)).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert rejected(http, f"{header}.{payload}.{flipped}", pool, keys).reason == "signature"
    forged = good_claims(pool.issuer, sub="admin")
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert rejected(http, f"{header}.{body}.{signature}", pool, keys).reason == "signature"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("not-a-jwt", "segments"),
        ("a.b", "segments"),
        ("a.b.c.d", "segments"),
        ("a.b.c", "malformed"),
        ("e30.e30.", "algorithm"),  # {} header: no alg
    ],
)
def test_jwt_garbage(pool: Any, keys: JwksCache, token: str, reason: str) -> None:
    assert rejected(http, token, pool, keys).reason == reason


# ---------------------------------------------------------------------------------- JwksCache


def test_cache_fetches_once_per_issuer(
    moto_env: None, keys: JwksCache, make_pool: Callable[..., Any]
) -> None:
    first, second = make_pool("first"), make_pool("second")
    for _ in range(3):
        for p in (first, second):
            assert http(sign(good_claims(p.issuer)), p, keys)
    assert keys.fetches == {first.issuer: 1, second.issuer: 1}
    keys.clear()
    assert http(sign(good_claims(first.issuer)), first, keys)
    assert keys.fetches[first.issuer] == 2


def test_cache_returns_the_public_key(pool: Any, keys: JwksCache) -> None:
    key = keys.key_for(pool.issuer, "dummy")
    assert isinstance(key, jwt.PyJWK)
    assert key.key_type == "RSA"
    assert key.key.public_numbers().e == 65537


def test_unreachable_issuer(keys: JwksCache) -> None:
    issuer = unused_url()
    token = sign(good_claims(issuer))
    with pytest.raises(JwksUnavailable):
        validate_jwt(token, issuer=issuer, audiences=["app"], now=NOW, scopes=None, keys=keys)
    with pytest.raises(JwksUnavailable):
        keys.key_for(issuer, "dummy")  # failures are not cached
    assert keys.fetches[issuer] == 2


class CannedAdapter(BaseAdapter):
    """Answers from a dict ``url -> (status, body)``; records each URL and its time-out."""

    def __init__(self, pages: dict[str, tuple[int, bytes]]) -> None:
        super().__init__()
        self.pages = pages
        self.calls: list[tuple[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.calls.append((request.url or "", kwargs.get("timeout")))
        status, body = self.pages.get(request.url or "", (404, b"not found"))
        response = requests.Response()
        response.status_code = status
        response.url = request.url or ""
        response.request = request
        response.raw = _Raw(body)
        return response

    def close(self) -> None:
        pass


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, chunk_size: int, decode_content: bool = True) -> Any:
        for start in range(0, len(self.body), chunk_size):
            yield self.body[start : start + chunk_size]

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


ISSUER = "https://idp.example.test/tenant"
DISCOVERY = f"{ISSUER}/.well-known/openid-configuration"
JWKS_URL = "https://keys.example.test/jwks.json"


def canned(pages: dict[str, tuple[int, bytes]]) -> tuple[JwksCache, CannedAdapter]:
    adapter = CannedAdapter(pages)
    session = requests.Session()
    session.mount("https://", adapter)
    return JwksCache(session=session), adapter


def discovery(jwks_uri: Any = JWKS_URL) -> tuple[int, bytes]:
    return 200, json.dumps({"issuer": ISSUER, "jwks_uri": jwks_uri}).encode()


def jwks_with(*kids: str, extra: list[dict[str, Any]] | None = None) -> tuple[int, bytes]:
    public = PUBLIC_JWKS["keys"][0]
    return 200, json.dumps({"keys": [dict(public, kid=k) for k in kids] + (extra or [])}).encode()


def test_canned_issuer_fetch_path_and_timeout() -> None:
    keys, adapter = canned({DISCOVERY: discovery(), JWKS_URL: jwks_with("k1")})
    token = sign(good_claims(ISSUER), kid="k1")
    claims = validate_jwt(token, issuer=ISSUER, audiences=["app"], now=NOW, scopes=None, keys=keys)
    assert claims["iss"] == ISSUER
    assert adapter.calls == [(DISCOVERY, jt.JWKS_TIMEOUT_S), (JWKS_URL, jt.JWKS_TIMEOUT_S)]
    assert jt.JWKS_TIMEOUT_S == 1.5


def test_canned_issuer_with_trailing_slash() -> None:
    keys, adapter = canned({DISCOVERY: discovery(), JWKS_URL: jwks_with("k1")})
    assert keys.key_for(ISSUER + "/", "k1")
    assert adapter.calls[0][0] == DISCOVERY


def test_keys_rotate_in_on_refetch() -> None:
    pages = {DISCOVERY: discovery(), JWKS_URL: jwks_with("old")}
    keys, _ = canned(pages)
    assert keys.key_for(ISSUER, "old")
    pages[JWKS_URL] = jwks_with("old", "new")
    token = sign(good_claims(ISSUER), kid="new")
    assert validate_jwt(token, issuer=ISSUER, audiences=["app"], now=NOW, scopes=None, keys=keys)
    assert keys.fetches[ISSUER] == 2


def test_only_rsa_signing_keys_are_kept() -> None:
    others = [
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        dict(PUBLIC_JWKS["keys"][0], kid="enc", use="enc"),
        dict(PUBLIC_JWKS["keys"][0], kid=None),
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not a key",
    ]
    keys, _ = canned({DISCOVERY: discovery(), JWKS_URL: jwks_with("good", extra=others)})
    assert keys.key_for(ISSUER, "good")
    for kid in ("hmac", "enc", "broken"):
        assert rejected(keys.key_for, ISSUER, kid).reason == "kid_unknown"


@pytest.mark.parametrize(
    "pages",
    [
        {},  # discovery 404
        {DISCOVERY: (500, b"{}")},
        {DISCOVERY: (200, b"<html>nope</html>")},
        {DISCOVERY: (200, b"[1, 2]")},
        {DISCOVERY: discovery(jwks_uri=None)},
        {DISCOVERY: discovery(jwks_uri=42)},
        {DISCOVERY: discovery()},  # jwks 404
        {DISCOVERY: discovery(), JWKS_URL: (200, b'{"keys": {}}')},
        {DISCOVERY: discovery(), JWKS_URL: (200, b"{}")},
        {DISCOVERY: discovery(), JWKS_URL: (200, b" " * (jt.JWKS_MAX_BYTES + 1))},
    ],
)
def test_issuer_answering_garbage(pages: dict[str, tuple[int, bytes]]) -> None:
    keys, _ = canned(pages)
    with pytest.raises(JwksUnavailable):
        keys.key_for(ISSUER, "k1")


def test_jwks_at_the_size_limit_is_read() -> None:
    status, body = jwks_with("k1")
    padded = body + b" " * (jt.JWKS_MAX_BYTES - len(body))
    keys, _ = canned({DISCOVERY: discovery(), JWKS_URL: (status, padded)})
    assert keys.key_for(ISSUER, "k1")


def test_empty_jwks_refuses_the_token_rather_than_failing() -> None:
    keys, _ = canned({DISCOVERY: discovery(), JWKS_URL: (200, b'{"keys": []}')})
    assert rejected(keys.key_for, ISSUER, "k1").reason == "kid_unknown"


# ---------------------------------------------------------------------------------- context claims


def test_claims_for_context() -> None:
    claims = {
        "sub": "3936e584",
        "email_verified": True,
        "phone_number_verified": False,
        "token_use": "id",
        "auth_time": 1652790667,
        "exp": 1652877067,
        "iat": 1652790667,
        "cognito:groups": ["admin", "users"],
        "custom:tier": 2,
        "custom:ratio": 0.5,
        "custom:doc": {"a": [1, 2]},
        "custom:none": None,
    }
    assert claims_for_context(claims) == {
        "sub": "3936e584",
        "email_verified": "true",
        "phone_number_verified": "false",
        "token_use": "id",
        "auth_time": "1652790667",
        "exp": "Wed May 18 12:31:07 UTC 2022",  # as in a captured REST event
        "iat": "Tue May 17 12:31:07 UTC 2022",
        "cognito:groups": "admin,users",
        "custom:tier": "2",
        "custom:ratio": "0.5",
        "custom:doc": '{"a":[1,2]}',
        "custom:none": "null",
    }


def test_pyjwt_is_imported_on_first_use_only() -> None:
    """A kernel that never checks a JWT never imports PyJWT (a fresh interpreter: this one
    has it loaded already); the checks above show it is there when a token is checked."""
    import subprocess
    import sys

    code = "import sys, helpers; helpers.connect(scope='jwt-import'); print('jwt' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
