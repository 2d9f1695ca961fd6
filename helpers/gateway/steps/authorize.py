"""Authorize (REST): the method's authorizer decides, combined with the resource policy
(reference §3.2–3.7).

- ``AWS_IAM``: the caller authenticated by SigV4 needs ``execute-api:Invoke`` on the method
  ARN from its identity policies or from the resource policy (same-account table A).
- ``CUSTOM`` (Lambda ``TOKEN`` / ``REQUEST``): the shared runner reads the identity, uses the
  result cache or calls the function, and the returned policy is evaluated against the
  method ARN, then combined with the resource policy.
- ``COGNITO_USER_POOLS``: the token must be a valid ID token (no method scopes) or an
  access token carrying one of the method's scopes, from one of the authorizer's pools.

Combination (table A, same account): Allow if either side allows and neither denies; any
explicit Deny wins; silence on both sides is an implicit deny. Cross-account callers are
not modelled (the lab has one account).
"""

from __future__ import annotations

from typing import Any

from .. import policy as iam
from ..auth import events, identity_sources, jwt_tokens, sigv4
from ..auth.identity_sources import RequestView
from ..auth.lambda_authorizer import (
    AuthorizerRefused,
    LambdaAuthorizer,
    context_values,
    run,
)
from ..context import InvocationContext
from ..errors import (
    AccessDenied,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    EmulatorLimitation,
    Unauthorized,
)
from ..mapping.context_vars import context_map
from .authenticate import authorization_type
from .resource_policy import denied

#: the texts of an authorizer policy's denials (reference §3.4) [obs]
EXPLICIT_DENY_TEXT = "User is not authorized to access this resource with an explicit deny"
IMPLICIT_DENY_TEXT = "User is not authorized to access this resource"


def request_view(ctx: InvocationContext) -> RequestView:
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None
    return RequestView.lazily(
        mreq.headers, mreq.query, ctx.stage.variables, lambda: context_map(ctx)
    )


def combine(authorizer: iam.Decision, ctx: InvocationContext) -> str:
    """Table A: the authorizer's (or identity policies') decision with the resource policy's."""
    policy = ctx.resource_policy
    effects = {authorizer.effect, policy.effect if policy is not None else iam.IMPLICIT_DENY}
    if iam.EXPLICIT_DENY in effects:
        return iam.EXPLICIT_DENY
    if iam.ALLOW in effects:
        return iam.ALLOW
    return iam.IMPLICIT_DENY


def _iam(ctx: InvocationContext, arn: str) -> None:
    caller = ctx.caller
    assert caller is not None, "the authenticate step runs first"
    decision = sigv4.may_invoke(caller, arn)
    effect = combine(decision, ctx)
    ctx.trace.add("authorize", effect, type="AWS_IAM", identity_policies=decision.effect)
    if effect != iam.ALLOW:
        explicit = effect == iam.EXPLICIT_DENY
        raise denied(
            ctx,
            arn,
            explicit=explicit,
            reason="an identity policy denies the call"
            if explicit
            else "no identity policy (nor the resource policy) allows execute-api:Invoke",
        )


def _lambda(ctx: InvocationContext, cfg: dict[str, Any], arn: str) -> None:
    authorizer = LambdaAuthorizer.from_rest(cfg)
    assert ctx.stage is not None

    def event(values: list[str]) -> dict[str, Any]:
        if authorizer.kind == "TOKEN":
            return events.rest_token(ctx, values[0])
        return events.rest_request(ctx)

    try:
        answer = run(ctx, authorizer, request_view(ctx), event, stage=ctx.stage.name)
    except AuthorizerRefused as err:
        if err.kind == "unauthorized":
            raise Unauthorized(reason=err.reason) from None
        raise AuthorizerConfigurationError(reason=err.reason) from None
    decision = answer.decision(arn)
    effect = combine(decision, ctx)
    ctx.trace.add(
        "authorize",
        effect,
        authorizer=authorizer.name,
        principal=answer.principal_id,
        cached=answer.cached,
    )
    if effect == iam.EXPLICIT_DENY:
        if decision.effect != iam.EXPLICIT_DENY:  # the resource policy's deny
            raise denied(ctx, arn, explicit=True, reason="the resource policy denies the call")
        raise AccessDenied(EXPLICIT_DENY_TEXT, reason="the authorizer's policy denies " + arn)
    if effect == iam.IMPLICIT_DENY:
        raise AccessDenied(
            IMPLICIT_DENY_TEXT, reason="the authorizer's policy does not cover " + arn
        )
    ctx.authorizer = context_values(answer)
    source = (ctx.deployment.api.get("apiKeySource") if ctx.deployment else None) or "HEADER"
    if answer.usage_identifier_key is not None and source == "AUTHORIZER":
        # the API key comes from the authorizer, not the X-API-Key header
        ctx.api_key = answer.usage_identifier_key
        ctx.identity["apiKey"] = answer.usage_identifier_key


def _cognito(ctx: InvocationContext, cfg: dict[str, Any], arn: str) -> None:
    assert ctx.route is not None
    name = cfg.get("name") or cfg["id"]
    try:
        sources = identity_sources.parse(
            cfg.get("identitySource") or "method.request.header.Authorization"
        )
    except ValueError as err:  # moto stores any text; AWS would have refused it
        ctx.trace.add("authorize", "failed", authorizer=name, why=str(err))
        raise AuthorizerConfigurationError(reason=str(err)) from None
    token = identity_sources.value(sources[0], request_view(ctx)) if sources else None
    if not token:
        ctx.trace.add("authorize", "unauthorized", authorizer=name, why="no token")
        raise Unauthorized(reason=f"identity source missing or empty: {sources[0].text}")
    scopes = ctx.route.method.get("authorizationScopes") or None
    try:
        claims = jwt_tokens.validate_cognito(
            token,
            user_pool_arns=list(cfg.get("providerARNs") or []),
            now=ctx.request_time,
            scopes=scopes,
            validation_expression=cfg.get("identityValidationExpression"),
            keys=ctx.plane.jwks,
        )
    except jwt_tokens.TokenRejected as err:
        ctx.trace.add("authorize", "unauthorized", authorizer=name, why=err.description)
        raise Unauthorized(reason=err.description) from None
    except jwt_tokens.JwksUnavailable as err:
        ctx.trace.add("authorize", "failed", authorizer=name, why=str(err))
        raise AuthorizerFailure(reason=str(err)) from None
    effect = combine(iam.Decision(iam.ALLOW), ctx)  # [unc] a valid token counts as an Allow
    ctx.trace.add("authorize", effect, authorizer=name, sub=claims.get("sub"))
    if effect != iam.ALLOW:
        raise denied(ctx, arn, explicit=True, reason="the resource policy denies the call")
    ctx.authorizer = {"claims": jwt_tokens.claims_for_context(claims)}


def step(ctx: InvocationContext) -> None:
    """Authorize: AWS_IAM identity policies, a Lambda or Cognito authorizer, with the resource policy."""
    kind = authorization_type(ctx)
    if kind == "NONE":
        return
    assert ctx.route is not None and ctx.deployment is not None
    arn = events.method_arn(ctx)
    if kind == "AWS_IAM":
        _iam(ctx, arn)
        return
    authorizer_id = ctx.route.method.get("authorizerId")
    cfg = ctx.deployment.authorizers.get(authorizer_id or "")
    if cfg is None:
        raise AuthorizerConfigurationError(
            reason=f"method uses {kind} but its authorizer {authorizer_id!r} is not deployed"
        )
    if kind == "CUSTOM":
        _lambda(ctx, cfg, arn)
    elif kind == "COGNITO_USER_POOLS":
        _cognito(ctx, cfg, arn)
    else:
        raise EmulatorLimitation(f"authorizationType {kind} is not something API Gateway offers")
