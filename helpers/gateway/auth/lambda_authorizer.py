"""The one Lambda authorizer runner, for REST, HTTP and WebSocket APIs (reference §3.1–3.4,
§3.9).

Per request: read the identity sources (none there → 401 without calling the function,
except for a REST ``REQUEST`` authorizer without result caching: see
:func:`checks_identity_sources`),
look the identity up in the result cache, else invoke the function with the API type's
event and read its answer (an IAM policy, or a simple ``isAuthorized`` answer), and keep
it for the TTL. What the caller may then do is decided by the step that asked, because
each API type answers a refusal differently.

Failures are reported as :class:`AuthorizerRefused` with a ``kind``:

- ``"unauthorized"``: no identity, a token that fails ``identityValidationExpression``,
  or the function raised/returned the error ``Unauthorized`` (401);
- ``"configuration"``: the function is missing, may not be invoked, raised any other
  error, timed out, or answered something that is not a valid authorizer answer (500).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import latency
from .. import policy as iam
from ..context import InvocationContext
from ..integrations import lambda_invoke
from . import identity_sources
from .cache import DEFAULT_TTL_S
from .identity_sources import RequestView, Source

#: how long API Gateway waits for an authorizer function: HTTP APIs 10 s [doc]; REST [unc]
TIMEOUT_S = {"REST": 29.0, "1.0": 10.0, "2.0": 10.0, "WEBSOCKET": 29.0}
#: the error message that means 401 rather than 500 [doc]
UNAUTHORIZED_MESSAGE = "Unauthorized"


class AuthorizerRefused(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LambdaAuthorizer:
    """A Lambda authorizer as configured, whatever the API type."""

    authorizer_id: str
    name: str
    uri: str
    credentials: str | None
    ttl_s: int
    sources: list[Source]
    #: "TOKEN" or "REQUEST"
    kind: str
    #: the event and answer format: "REST", "WEBSOCKET", or HTTP APIs' "1.0" / "2.0"
    payload: str
    #: HTTP APIs, payload 2.0: the function answers ``{"isAuthorized": ...}``
    simple: bool = False
    #: TOKEN authorizers: a regex the token must match before the function is called
    validation_expression: str | None = None
    #: why the stored identity sources are not ones API Gateway accepts (moto keeps any
    #: text); :func:`identity` then refuses every request as a configuration error (500)
    invalid: str | None = None

    @classmethod
    def from_rest(cls, cfg: dict[str, Any]) -> LambdaAuthorizer:
        """From a REST API's ``get_authorizer`` shape (type TOKEN or REQUEST)."""
        ttl = cfg.get("authorizerResultTtlInSeconds")
        sources, invalid = _parse_sources(cfg.get("identitySource"))
        return cls(
            authorizer_id=cfg["id"],
            name=cfg.get("name") or cfg["id"],
            uri=cfg.get("authorizerUri") or "",
            credentials=cfg.get("authorizerCredentials"),
            ttl_s=DEFAULT_TTL_S if ttl is None else int(ttl),
            sources=sources,
            kind=cfg.get("type") or "TOKEN",
            payload="REST",
            validation_expression=cfg.get("identityValidationExpression"),
            invalid=invalid,
        )

    @classmethod
    def from_v2(cls, cfg: dict[str, Any], *, websocket: bool = False) -> LambdaAuthorizer:
        """From an apigatewayv2 ``get_authorizer`` shape (authorizerType REQUEST).

        WebSocket authorizers never cache: ``authorizerResultTtlInSeconds`` is "Supported
        only for HTTP API Lambda authorizers" [doc] API:CreateAuthorizer (apigatewayv2)."""
        ttl = cfg.get("authorizerResultTtlInSeconds")
        sources, invalid = _parse_sources(cfg.get("identitySource"))
        return cls(
            authorizer_id=cfg["authorizerId"],
            name=cfg.get("name") or cfg["authorizerId"],
            uri=cfg.get("authorizerUri") or "",
            credentials=cfg.get("authorizerCredentialsArn"),
            # [unc] the default TTL of HTTP API Lambda authorizers: 300 like REST, and only
            # with identity sources to key the cache on
            ttl_s=(DEFAULT_TTL_S if ttl is None else int(ttl)) if sources and not websocket else 0,
            sources=sources,
            kind="REQUEST",
            payload="WEBSOCKET"
            if websocket
            else str(cfg.get("authorizerPayloadFormatVersion") or "2.0"),
            simple=bool(cfg.get("enableSimpleResponses")) and not websocket,
            invalid=invalid,
        )


def _parse_sources(expressions: str | list[str] | None) -> tuple[list[Source], str | None]:
    try:
        return identity_sources.parse(expressions), None
    except ValueError as err:
        return [], str(err)


@dataclass(slots=True)
class Answer:
    """What the authorizer decided, as API Gateway keeps it (and caches it)."""

    principal_id: str | None
    statements: list[dict[str, Any]]
    #: simple responses only
    is_authorized: bool | None
    context: dict[str, Any]
    usage_identifier_key: str | None
    latency_ms: int = 0
    cached: bool = False
    #: the event the function was sent (None on a cache hit)
    event: dict[str, Any] | None = field(default=None, repr=False)

    def decision(self, arn: str) -> iam.Decision:
        """Allow, explicit or implicit deny for the method/route ARN being called."""
        if self.is_authorized is not None:
            return iam.Decision(iam.ALLOW if self.is_authorized else iam.EXPLICIT_DENY)
        return iam.evaluate(
            self.statements, action="execute-api:Invoke", resource=arn, check_principal=False
        )


def checks_identity_sources(authorizer: LambdaAuthorizer) -> bool:
    """Whether a missing or empty identity source means 401 without calling the function.

    A REST ``REQUEST`` authorizer checks its identity sources only when result caching is
    on (they are the cache key); with ``authorizerResultTtlInSeconds=0`` API Gateway calls
    the function whatever the request carries, and the function decides [doc]
    API:CreateAuthorizer ``identitySource`` ("required when authorization caching is
    enabled ... When the authorization caching is not enabled, this property is optional").
    TOKEN authorizers always need their token; HTTP API and WebSocket ``$connect``
    authorizers always check the sources they name [doc] DG http-api-lambda-authorizer,
    apigatewayv2 CreateAuthorizer ``IdentitySource``."""
    return not (
        authorizer.payload == "REST" and authorizer.kind == "REQUEST" and not authorizer.ttl_s
    )


def identity(authorizer: LambdaAuthorizer, view: RequestView) -> list[str]:
    """The identity-source values, or :class:`AuthorizerRefused` ("unauthorized") when one
    is missing or empty, or a TOKEN fails ``identityValidationExpression``; ("configuration")
    when the authorizer's identity sources are not valid expressions."""
    if authorizer.invalid:
        raise AuthorizerRefused("configuration", authorizer.invalid)
    found = identity_sources.values(authorizer.sources, view)
    gone = identity_sources.missing(authorizer.sources, found)
    if gone and checks_identity_sources(authorizer):
        raise AuthorizerRefused("unauthorized", f"identity source missing or empty: {gone[0]}")
    if gone:
        return [v or "" for v in found]
    values = [v for v in found if v is not None]
    pattern = authorizer.validation_expression
    if authorizer.kind == "TOKEN" and pattern and values and not re.fullmatch(pattern, values[0]):
        raise AuthorizerRefused(
            "unauthorized", f"the token does not match identityValidationExpression {pattern}"
        )
    return values


def authorize(
    ctx: InvocationContext,
    authorizer: LambdaAuthorizer,
    values: list[str],
    event: Callable[[], dict[str, Any]],
    *,
    stage: str,
) -> Answer:
    """The authorizer's answer for this identity: from the cache while it lives, else from
    the function (``event`` builds its input). Raises :class:`AuthorizerRefused`."""
    cache = ctx.plane.authorizer_cache
    now = ctx.plane.clock.now()
    key = cache.key(ctx.api_id, stage, authorizer.authorizer_id, values)
    use_cache = authorizer.ttl_s > 0 and bool(authorizer.sources)
    if use_cache:
        hit = cache.get(key, now)
        if hit is not None:
            answer, left = hit
            ctx.trace.add(
                "authorizer", "cached answer", authorizer=authorizer.name, ttl_left=int(left)
            )
            return Answer(
                answer.principal_id,
                answer.statements,
                answer.is_authorized,
                answer.context,
                answer.usage_identifier_key,
                latency_ms=0,
                cached=True,
            )
    sent = event()
    source_arn = (
        f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/authorizers/"
        f"{authorizer.authorizer_id}"
    )
    started = time.perf_counter()
    try:
        result = lambda_invoke.call_function(
            ctx,
            authorizer.uri,
            sent,
            source_arn=source_arn,
            credentials=authorizer.credentials,
            timeout_s=TIMEOUT_S[authorizer.payload],
        )
    except lambda_invoke.FunctionUnavailable as err:
        raise AuthorizerRefused("configuration", str(err)) from None
    except lambda_invoke.FunctionTimedOut as err:
        raise AuthorizerRefused("configuration", f"authorizer timed out: {err}") from None
    took = latency.lambda_ms(ctx, result, (time.perf_counter() - started) * 1000)
    ctx.authorizer_latency_ms += took
    if result.function_error:
        message = _error_message(result.payload)
        if message == UNAUTHORIZED_MESSAGE:
            raise AuthorizerRefused("unauthorized", "the authorizer answered Unauthorized")
        raise AuthorizerRefused("configuration", f"the authorizer failed: {message}")
    answer = parse_answer(result.payload, authorizer)
    answer.latency_ms = round(took)
    answer.event = sent
    if use_cache:
        cache.put(key, answer, now, authorizer.ttl_s)
    return answer


def run(
    ctx: InvocationContext,
    authorizer: LambdaAuthorizer,
    view: RequestView,
    event: Callable[[list[str]], dict[str, Any]],
    *,
    stage: str,
) -> Answer:
    """Identity, then :func:`authorize` (``event`` builds the input from the identity
    values). A refusal is traced here, then re-raised for the caller to answer in its API
    type's terms."""
    try:
        values = identity(authorizer, view)
        return authorize(ctx, authorizer, values, lambda: event(values), stage=stage)
    except AuthorizerRefused as err:
        ctx.trace.add("authorize", err.kind, authorizer=authorizer.name, why=err.reason)
        raise


def _error_message(payload: bytes) -> str:
    try:
        found = json.loads(payload)
    except ValueError:
        return "function error"
    if isinstance(found, dict):
        return str(found.get("errorMessage") or found.get("errorType") or "function error")
    return str(found)


def _broken(why: str) -> AuthorizerRefused:
    return AuthorizerRefused("configuration", f"invalid authorizer answer: {why}")


def _statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        raise _broken("policyDocument is not an object")
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not statements:
        raise _broken("policyDocument has no Statement")
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect") not in ("Allow", "Deny"):
            raise _broken("a statement needs Effect Allow or Deny")
        if "Action" not in st and "NotAction" not in st:
            raise _broken("a statement needs an Action")
        if "Resource" not in st and "NotResource" not in st:
            raise _broken("a statement needs a Resource")
    return statements


def _context(value: Any, *, flat: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _broken("context is not an object")
    if flat:
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                # [doc] "You can't set a JSON object or array as a valid value of any key"
                raise _broken(f"context value {key!r} is an object or array")
    return dict(value)


def parse_answer(payload: bytes, authorizer: LambdaAuthorizer) -> Answer:
    """Read the function's answer: ``{"isAuthorized", "context"}`` for simple responses,
    else ``{"principalId", "policyDocument", "context", "usageIdentifierKey"}``. Raises
    :class:`AuthorizerRefused` ("configuration") when it is neither."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise _broken("not JSON") from None
    if not isinstance(data, dict):
        raise _broken(f"a {type(data).__name__}, not an object")
    flat = authorizer.payload != "2.0"
    if authorizer.simple:
        allowed = data.get("isAuthorized")
        if not isinstance(allowed, bool):
            raise _broken("isAuthorized is missing or not a boolean")
        return Answer(None, [], allowed, _context(data.get("context"), flat=False), None)
    principal = data.get("principalId")
    if principal is None or isinstance(principal, (dict, list)):
        raise _broken("principalId is missing")
    key = data.get("usageIdentifierKey")
    return Answer(
        str(principal),
        _statements(data.get("policyDocument")),
        None,
        _context(data.get("context"), flat=flat),
        str(key) if key is not None else None,
    )


def context_values(answer: Answer) -> dict[str, Any]:
    """REST's ``requestContext.authorizer``: ``principalId``, the context values as text
    (booleans ``true``/``false``), and ``integrationLatency`` (0 when cached)."""
    out: dict[str, Any] = {}
    for key, value in answer.context.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is None:
            out[key] = None
        else:
            out[key] = str(value)
    out["principalId"] = answer.principal_id
    out["integrationLatency"] = answer.latency_ms
    return out
