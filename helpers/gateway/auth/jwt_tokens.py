"""JWT checks: HTTP API ``JWT`` authorizers and REST ``COGNITO_USER_POOLS`` authorizers.

What AWS does (reference §3.8, DG:``http-api-jwt-authorizer``): an HTTP API JWT authorizer
reads the token (raw or ``Bearer <token>``), fetches the signing keys of the *configured*
issuer (``{issuer}/.well-known/openid-configuration`` → ``jwks_uri``; 1500 ms time-out, a
JWKS of at most 150000 bytes), accepts only RSA signatures, and then checks ``kid``, the
signature, ``iss``, ``aud`` (or ``client_id`` when there is no ``aud``), ``exp``, ``nbf``,
``iat`` and, for routes with ``authorizationScopes``, ``scope``/``scp``. A failure is 401
with ``www-authenticate: Bearer scope="" error="invalid_token" error_description="…"``.

A REST Cognito authorizer (reference §3.5, DG:``apigateway-enable-cognito-user-pool``)
accepts tokens of the user pools named by its ``providerARNs``: an ID token when the method
has no OAuth scopes, an access token carrying one of them otherwise; its optional
validation expression is matched against the ID token's ``aud``. Claims reach the
integration as strings (:func:`claims_for_context`).

Signatures are checked by PyJWT (``cryptography`` underneath); the time checks read the
``now`` they are given (the lab clock), never the wall clock, with no leeway (AWS documents
none). What AWS does not publish is marked [unc] and kept in the constants below.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests

# PyJWT (and the cryptography it loads) is imported where a token is first checked, not
# with this module: the data plane imports it at every kernel start, and most notebooks
# never check a JWT (about 0.05 s per start)
if TYPE_CHECKING:
    import jwt

__all__ = [
    "COGNITO_DATE_CLAIMS",
    "DESCRIPTIONS",
    "JWKS_MAX_BYTES",
    "JWKS_TIMEOUT_S",
    "RSA_ALGORITHMS",
    "JwksCache",
    "JwksUnavailable",
    "TokenRejected",
    "bearer_token",
    "claims_for_context",
    "cognito_issuer",
    "validate_cognito",
    "validate_jwt",
]

#: DG:``limits``: "JWKS and OIDC discovery timeout 1500 ms" [doc]. ``requests`` applies it to
#: the connection and to each read, not to the whole exchange.
JWKS_TIMEOUT_S = 1.5
#: DG:``limits``: "JWKS response size 150000 bytes" [doc]; applied to the discovery document too.
JWKS_MAX_BYTES = 150_000
#: "only RSA algorithms" [doc]; that this means RS256/384/512 and not PS256/384/512 is [unc].
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})

#: ``error_description`` texts, by reason. Only "audience" is AWS's documented wording
#: (DG:``http-api-troubleshooting-jwt``). The others are [unc]: "segments" and "algorithm"
#: follow the Go JWT library messages people report from HTTP APIs, the rest follow the
#: documented sentence's style. REST Cognito authorizers send no description (a plain 401);
#: there the text is only for the trace.
DESCRIPTIONS: dict[str, str] = {
    "segments": "token contains an invalid number of segments",
    "malformed": "the token is malformed",
    "algorithm": "signing method {alg} is invalid",
    "kid_missing": "the token does not have a kid",
    "kid_unknown": "the token's kid does not match any key of the issuer",
    "signature": "the token has an invalid signature",
    "issuer": "the token does not have a valid issuer",
    "audience": "the token does not have a valid audience",
    "exp_missing": "the token does not have an expiration time",
    "expired": "the token has expired",
    "not_yet_valid": "the token is not valid yet",
    "issued_in_future": "the token was issued in the future",
    "scope": "the token does not have a valid scope",
    # REST COGNITO_USER_POOLS only (trace text)
    "user_pool": "the token was not issued by a user pool of this authorizer",
    "not_id_token": "the token is not an ID token",
    "not_access_token": "the token is not an access token",
    "validation_expression": "the token's aud does not match the token validation expression",
}

#: Claims a REST Cognito authorizer renders as a date (``Wed May 18 15:32:21 UTC 2022``) in
#: ``requestContext.authorizer.claims``: ``exp`` and ``iat`` in every captured event;
#: ``auth_time`` stays the number. [obs]
COGNITO_DATE_CLAIMS = ("exp", "iat")

# PyJWT checks the signature only; every claim is checked here, against ``now``.
_SIGNATURE_ONLY = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
    "require": [],
}
_COGNITO_POOL_ARN = re.compile(
    r"^arn:[\w-]+:cognito-idp:(?P<region>[a-z0-9-]+):\d*:userpool/(?P<pool>[\w-]+)$"
)


class TokenRejected(Exception):
    """Why a token was refused.

    ``description`` is the text for ``www-authenticate``'s ``error_description`` (e.g. "the
    token does not have a valid audience"); ``insufficient_scope`` is True when the token
    was otherwise good and only the scopes failed (the caller picks the status: HTTP APIs
    most likely 403 ``insufficient_scope`` [unc], REST Cognito authorizers 401 [doc]);
    ``reason`` is the key of :data:`DESCRIPTIONS`, for the trace.
    """

    def __init__(self, reason: str, *, insufficient_scope: bool = False, **fmt: str) -> None:
        self.reason = reason
        self.description = DESCRIPTIONS[reason].format(**fmt)
        self.insufficient_scope = insufficient_scope
        super().__init__(self.description)


class JwksUnavailable(Exception):
    """The issuer's discovery document or JWKS could not be fetched or made no sense
    (unreachable, time-out, not 200, not JSON, too large, no ``jwks_uri``/``keys``).
    What AWS answers then is not documented [unc]; the caller decides."""


class JwksCache:
    """Signing keys by issuer, fetched on first use and kept (the data plane holds one).

    A fetch is ``GET {issuer}/.well-known/openid-configuration``, then ``GET`` its
    ``jwks_uri``, each with :data:`JWKS_TIMEOUT_S` and at most :data:`JWKS_MAX_BYTES`. Only
    RSA keys with a ``kid`` are kept (``use`` other than ``sig`` is skipped). A ``kid`` the
    cached set lacks makes one refetch (keys rotate) before the token is refused. On the moto
    target moto answers Cognito's ``https://cognito-idp.{region}.amazonaws.com/{pool}/…``
    URLs in-process. ``fetches`` counts the fetches per issuer (for the trace and tests).
    """

    def __init__(self, *, session: requests.Session | None = None) -> None:
        self._session = session or requests.Session()
        self._keys: dict[str, dict[str, jwt.PyJWK]] = {}
        self._lock = threading.Lock()
        self.fetches: Counter[str] = Counter()

    def key_for(self, issuer: str, kid: str) -> jwt.PyJWK:
        """The issuer's public key named ``kid``.

        Raises :class:`JwksUnavailable` when the keys cannot be fetched, and
        :class:`TokenRejected` (``kid_unknown``) when no key has that ``kid`` even after a
        refetch."""
        with self._lock:
            keys = self._keys.get(issuer)
            if keys is None or kid not in keys:
                keys = self._keys[issuer] = self._fetch(issuer)
            found = keys.get(kid)
        if found is None:
            raise TokenRejected("kid_unknown")
        return found

    def clear(self) -> None:
        """Forget every issuer's keys (the next token fetches them again)."""
        with self._lock:
            self._keys.clear()

    # -- fetching
    def _fetch(self, issuer: str) -> dict[str, jwt.PyJWK]:
        import jwt

        self.fetches[issuer] += 1
        discovery = self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise JwksUnavailable(f"{issuer}: the discovery document has no jwks_uri")
        document = self._get_json(jwks_uri)
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise JwksUnavailable(f"{jwks_uri}: not a JWKS (no 'keys' list)")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            kid = entry.get("kid")
            if not isinstance(kid, str) or kid in keys or entry.get("use", "sig") != "sig":
                continue
            try:
                keys[kid] = jwt.PyJWK(entry)
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
                continue  # a key that does not parse cannot sign anything
        return keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with self._session.get(
                url, timeout=JWKS_TIMEOUT_S, stream=True, headers={"Accept": "application/json"}
            ) as answer:
                if answer.status_code != 200:
                    raise JwksUnavailable(f"{url} answered {answer.status_code}")
                body = bytearray()
                for chunk in answer.iter_content(chunk_size=16_384):
                    body += chunk
                    if len(body) > JWKS_MAX_BYTES:
                        raise JwksUnavailable(f"{url}: more than {JWKS_MAX_BYTES} bytes")
        except requests.RequestException as exc:
            raise JwksUnavailable(f"{url}: {exc}") from exc
        try:
            document = json.loads(bytes(body))
        except ValueError as exc:
            raise JwksUnavailable(f"{url}: not JSON") from exc
        if not isinstance(document, dict):
            raise JwksUnavailable(f"{url}: not a JSON object")
        return document


def bearer_token(value: str | None) -> str | None:
    """The token from an identity-source value: raw or ``Bearer <token>`` (HTTP APIs accept
    both [doc]; the scheme is matched case-insensitively [unc]). None when there is none."""
    if value is None:
        return None
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() == "bearer":
        text = rest.strip()
    elif text.lower() == "bearer":
        text = ""
    return text or None


def cognito_issuer(user_pool_arn: str) -> str | None:
    """``https://cognito-idp.{region}.amazonaws.com/{poolId}`` for a user pool ARN
    (``arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}``); None if it is not one."""
    match = _COGNITO_POOL_ARN.match(user_pool_arn.strip())
    if match is None:
        return None
    return f"https://cognito-idp.{match['region']}.amazonaws.com/{match['pool']}"


def validate_jwt(
    token: str,
    *,
    issuer: str,
    audiences: list[str],
    now: float,
    scopes: list[str] | None,
    keys: JwksCache,
) -> dict[str, Any]:
    """HTTP API JWT authorizer rules (reference §3.8), in AWS's documented order.

    Header (RSA algorithm, ``kid`` in the configured issuer's JWKS), signature, ``iss`` equal
    to ``issuer``, ``aud`` in ``audiences`` (``aud`` may be a list; ``client_id`` counts only
    when there is no ``aud``), ``exp`` after ``now``, ``nbf`` and ``iat`` not after ``now``,
    and with route ``scopes`` at least one of them in ``scope`` (space-separated) or ``scp``
    (list or string). Returns the claims; raises :class:`TokenRejected` (or
    :class:`JwksUnavailable` when the keys cannot be had).
    """
    claims = _verified_claims(token, lambda _claims: issuer, keys)
    if claims.get("iss") != issuer:
        raise TokenRejected("issuer")
    if "aud" in claims:
        offered = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    else:
        offered = [claims["client_id"]] if "client_id" in claims else []
    if not any(isinstance(aud, str) and aud in audiences for aud in offered):
        raise TokenRejected("audience")
    _check_times(claims, now, check_not_before=True)
    if scopes and not set(scopes) & _token_scopes(claims):
        raise TokenRejected("scope", insufficient_scope=True)
    return claims


def validate_cognito(
    token: str,
    *,
    user_pool_arns: list[str],
    now: float,
    scopes: list[str] | None,
    validation_expression: str | None,
    keys: JwksCache,
) -> dict[str, Any]:
    """REST ``COGNITO_USER_POOLS`` rules (reference §3.5).

    The token's ``iss`` must be the issuer URL of one of ``user_pool_arns`` and its
    signature must check against that pool's JWKS; ``exp`` must be after ``now`` (``nbf``
    and ``iat`` are not checked: AWS documents only expiry here [unc]). Without method
    ``scopes`` the token must be an ID token (``token_use`` "id"); with them, an access token
    whose ``scope`` holds any of them. ``validation_expression`` (a regular expression,
    matched against the whole value [unc]) is applied to ``aud``, so with an access token,
    which has none, it always fails. Returns the claims; raises :class:`TokenRejected`.
    """
    pools = {iss for arn in user_pool_arns if (iss := cognito_issuer(arn))}

    def pool_of(unverified: dict[str, Any]) -> str:
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss not in pools:
            raise TokenRejected("user_pool")
        return iss

    claims = _verified_claims(token, pool_of, keys)
    _check_times(claims, now, check_not_before=False)
    if scopes:
        if claims.get("token_use") != "access":
            raise TokenRejected("not_access_token")
        if not set(scopes) & _token_scopes(claims, scp=False):
            raise TokenRejected("scope", insufficient_scope=True)
    elif claims.get("token_use") != "id":
        raise TokenRejected("not_id_token")
    if validation_expression:
        aud = claims.get("aud")
        if not isinstance(aud, str) or re.fullmatch(validation_expression, aud) is None:
            raise TokenRejected("validation_expression")
    return claims


def claims_for_context(claims: dict[str, Any]) -> dict[str, str]:
    """Cognito claims as a REST API hands them on (``requestContext.authorizer.claims``,
    ``$context.authorizer.claims.<name>``): every value a string.

    Captured events [obs] show ``exp``/``iat`` as Java date text ("Wed May 18 15:32:21 UTC
    2022"), other numbers as digits (``auth_time`` "1652884341"), booleans as "true"/"false"
    and ``cognito:groups`` as its names joined by commas ("admin,users"; HTTP APIs show
    "[admin users]" instead). Other lists are joined the same way, objects become compact
    JSON and null "null" [unc].
    """
    return {name: _claim_text(name, value) for name, value in claims.items()}


def claims_for_http_api(claims: dict[str, Any]) -> dict[str, str]:
    """JWT claims as an HTTP API hands them on (``requestContext.authorizer.jwt.claims``):
    every value a string, numbers as digits (``exp`` "1735725600"), lists as
    ``[a b]`` (captured events show ``cognito:groups`` "[admin users]") [unc]."""
    out = {}
    for name, value in claims.items():
        if isinstance(value, list):
            out[name] = "[" + " ".join(_claim_text("", item) for item in value) + "]"
        else:
            out[name] = _claim_text("", value)
    return out


def token_scopes(claims: dict[str, Any]) -> list[str]:
    """The scopes a token carries (``scope`` and ``scp``), in a stable order."""
    return sorted(_token_scopes(claims))


# ---------------------------------------------------------------------------------- internals


def _verified_claims(
    token: str, issuer_of: Callable[[dict[str, Any]], str], keys: JwksCache
) -> dict[str, Any]:
    """Check the header and the signature; ``issuer_of(unverified_claims)`` names the issuer
    whose keys to use (or raises :class:`TokenRejected`)."""
    if token.count(".") != 2:
        raise TokenRejected("segments")
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed") from exc
    alg = header.get("alg")
    if alg not in RSA_ALGORITHMS:
        raise TokenRejected("algorithm", alg=str(alg))
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("kid_missing")
    key = keys.key_for(issuer_of(unverified), kid)
    try:
        return jwt.decode(token, key.key, algorithms=[alg], options=_SIGNATURE_ONLY)
    except jwt.InvalidSignatureError as exc:
        raise TokenRejected("signature") from exc
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed") from exc


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected("malformed")
    return float(value)


def _check_times(claims: dict[str, Any], now: float, *, check_not_before: bool) -> None:
    """``exp`` must be after ``now`` (a token without one is refused [unc]); ``nbf`` and
    ``iat``, when present, must not be after it (a token used in the second it was issued
    passes)."""
    exp = _number(claims, "exp")
    if exp is None:
        raise TokenRejected("exp_missing")
    if now >= exp:
        raise TokenRejected("expired")
    if not check_not_before:
        return
    nbf = _number(claims, "nbf")
    if nbf is not None and now < nbf:
        raise TokenRejected("not_yet_valid")
    iat = _number(claims, "iat")
    if iat is not None and now < iat:
        raise TokenRejected("issued_in_future")


def _token_scopes(claims: dict[str, Any], *, scp: bool = True) -> set[str]:
    """The scopes a token carries: ``scope`` (space-separated) and, for HTTP APIs, ``scp``
    (a list, or a space-separated string)."""
    found: set[str] = set()
    sources = [claims.get("scope")] + ([claims.get("scp")] if scp else [])
    for source in sources:
        if isinstance(source, str):
            found.update(source.split())
        elif isinstance(source, list):
            found.update(item for item in source if isinstance(item, str))
    return found


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _java_date(epoch: float) -> str:
    """``Wed May 18 15:32:21 UTC 2022`` (Java's ``Date.toString`` in UTC), locale-free."""
    t = time.gmtime(epoch)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def _claim_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if name in COGNITO_DATE_CLAIMS:
            return _java_date(value)
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join(_claim_text("", item) for item in value)
    return json.dumps(value, separators=(",", ":"))
