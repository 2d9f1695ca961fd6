"""Authorize (HTTP APIs): the route's JWT, Lambda or IAM authorizer (reference §3.8, §3.9).

- ``JWT``: the token from the identity source (raw or ``Bearer``) must pass the issuer,
  audience, time and scope checks; claims and scopes reach the integration at
  ``requestContext.authorizer.jwt``. A failure is 401 with a ``www-authenticate`` header.
- ``CUSTOM``: the shared Lambda authorizer runner, payload 1.0 or 2.0, simple or IAM-policy
  answers, cached under the identity-source values; its context reaches the integration
  at ``requestContext.authorizer.lambda``.
- ``AWS_IAM``: a SigV4-signed caller whose identity policies allow ``execute-api:Invoke``
  on the route ARN; ``requestContext.authorizer.iam`` names it.

HTTP APIs answer every refusal with a short JSON body and no ``x-amzn-ErrorType``.
"""

from __future__ import annotations

from typing import Any

from .. import policy as iam
from ..auth import events, identity_sources, jwt_tokens, sigv4
from ..auth.identity_sources import RequestView
from ..auth.lambda_authorizer import AuthorizerRefused, LambdaAuthorizer, run
from ..context import InvocationContext
from ..errors import EmulatorLimitation, GatewayError
from ..http_errors import AuthForbidden, AuthorizerError, AuthUnauthorized
from ..integrations import lambda_proxy_v2


def _context_v2(ctx: InvocationContext) -> dict[str, Any]:
    """``$context`` for identity sources: the 2.0 event's requestContext, plus the names
    REST spells differently (``identity.sourceIp``, ``httpMethod``)."""
    rc = lambda_proxy_v2.build_event_v2(ctx)["requestContext"]
    http = rc.get("http") or {}
    return {
        **rc,
        "identity": {"sourceIp": http.get("sourceIp"), "userAgent": http.get("userAgent")},
        "httpMethod": http.get("method"),
    }


def request_view(ctx: InvocationContext) -> RequestView:
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None
    return RequestView.lazily(
        mreq.headers, mreq.query, ctx.stage.variables, lambda: _context_v2(ctx)
    )


def _bearer_challenge(
    err: jwt_tokens.TokenRejected, scopes: list[str] | None
) -> list[tuple[str, str]]:
    error = "insufficient_scope" if err.insufficient_scope else "invalid_token"
    scope = " ".join(scopes or []) if err.insufficient_scope else ""
    return [
        (
            "www-authenticate",
            f'Bearer scope="{scope}" error="{error}" error_description="{err.description}"',
        )
    ]


def _jwt(ctx: InvocationContext, cfg: dict[str, Any], scopes: list[str] | None) -> None:
    config = cfg.get("jwtConfiguration") or {}
    name = cfg.get("name") or cfg["authorizerId"]
    sources = cfg.get("identitySource") or ["$request.header.Authorization"]
    try:
        parsed = identity_sources.parse(sources)
    except ValueError as err:  # moto stores any text; AWS would have refused it
        ctx.trace.add("authorize", "failed", authorizer=name, why=str(err))
        raise AuthorizerError(reason=str(err)) from None
    found = identity_sources.values(parsed, request_view(ctx))
    gone = identity_sources.missing(parsed, found)
    if gone:
        ctx.trace.add("authorize", "unauthorized", authorizer=name, why=f"no {gone[0]}")
        raise AuthUnauthorized(reason=f"identity source missing or empty: {gone[0]}")
    token = jwt_tokens.bearer_token(found[0])
    try:
        if not token:
            # "Bearer" with nothing after it: no segments to parse (the Go JWT library's
            # message, as for any token that is not three segments) [unc]
            raise jwt_tokens.TokenRejected("segments")
        claims = jwt_tokens.validate_jwt(
            token,
            issuer=str(config.get("issuer") or ""),
            audiences=list(config.get("audience") or []),
            now=ctx.request_time,
            scopes=scopes,
            keys=ctx.plane.jwks,
        )
    except jwt_tokens.TokenRejected as err:
        ctx.trace.add("authorize", "refused", authorizer=name, why=err.description)
        cls: type[GatewayError] = AuthForbidden if err.insufficient_scope else AuthUnauthorized
        raise cls(reason=err.description, headers=_bearer_challenge(err, scopes)) from None
    except jwt_tokens.JwksUnavailable as err:
        ctx.trace.add("authorize", "failed", authorizer=name, why=str(err))
        raise AuthorizerError(reason=str(err)) from None
    ctx.trace.add("authorize", iam.ALLOW, authorizer=name, sub=claims.get("sub"))
    ctx.authorizer = {
        "jwt": {
            "claims": jwt_tokens.claims_for_http_api(claims),
            "scopes": jwt_tokens.token_scopes(claims) if scopes else None,
        }
    }


def _lambda(ctx: InvocationContext, cfg: dict[str, Any]) -> None:
    authorizer = LambdaAuthorizer.from_v2(cfg)
    assert ctx.stage is not None
    arn = events.method_arn(ctx)
    event = events.http_v1 if authorizer.payload == "1.0" else events.http_v2
    try:
        answer = run(
            ctx, authorizer, request_view(ctx), lambda v: event(ctx, v), stage=ctx.stage.name
        )
    except AuthorizerRefused as err:
        if err.kind == "unauthorized":
            raise AuthUnauthorized(reason=err.reason) from None
        raise AuthorizerError(reason=err.reason) from None
    decision = answer.decision(arn)
    ctx.trace.add(
        "authorize",
        decision.effect,
        authorizer=authorizer.name,
        **({"principal": answer.principal_id} if answer.principal_id else {}),
        cached=answer.cached,
    )
    if not decision.allowed:
        why = (
            "isAuthorized is false"
            if answer.is_authorized is False
            else f"policy: {decision.effect}"
        )
        raise AuthForbidden(reason=why)
    ctx.authorizer = {"lambda": dict(answer.context)}
    if answer.principal_id is not None:
        ctx.authorizer["principalId"] = answer.principal_id  # [unc] kept beside the context


def _iam(ctx: InvocationContext) -> None:
    try:
        caller = sigv4.authenticate(
            ctx.request, region=ctx.region, now=ctx.request_time, account_id=ctx.account_id
        )
    except GatewayError as err:
        # [unc] HTTP APIs answer an unsigned or badly signed request with 403 Forbidden
        ctx.trace.add("authorize", "refused", type="AWS_IAM", why=err.message or err.response_type)
        raise AuthForbidden(reason=err.message or err.response_type) from None
    arn = events.method_arn(ctx)
    decision = sigv4.may_invoke(caller, arn)
    ctx.trace.add("authorize", decision.effect, type="AWS_IAM", caller=caller.arn)
    if not decision.allowed:
        raise AuthForbidden(reason=f"{caller.arn} may not execute-api:Invoke {arn}")
    ctx.caller = caller
    ctx.identity.update(caller.identity_fields())
    ctx.authorizer = {"iam": caller.iam_authorizer_fields()}


def step(ctx: InvocationContext) -> None:
    """Authorize: the route's JWT, Lambda (1.0/2.0, simple or policy) or AWS_IAM authorizer."""
    if ctx.method_response is not None:
        return  # already answered (CORS preflight)
    route = ctx.http_route
    snap = ctx.http_deployment
    assert route is not None and snap is not None
    kind = (route.route.get("authorizationType") or "NONE").upper()
    if kind == "NONE":
        return
    if kind == "AWS_IAM":
        _iam(ctx)
        return
    authorizer_id = route.route.get("authorizerId") or ""
    cfg = snap.authorizers.get(authorizer_id)
    if cfg is None:
        raise AuthorizerError(
            reason=f"route {route.route_key} names authorizer {authorizer_id!r}, not deployed"
        )
    if kind == "JWT":
        _jwt(ctx, cfg, list(route.route.get("authorizationScopes") or []) or None)
    elif kind == "CUSTOM":
        _lambda(ctx, cfg)
    else:
        raise EmulatorLimitation(f"authorizationType {kind} is not something HTTP APIs offer")
