"""The ``$connect`` authorizer of WebSocket APIs (reference §3.1, §9).

WebSocket APIs take only ``REQUEST`` Lambda authorizers, and only on the ``$connect``
route. Identity sources are ``route.request.header.X``, ``route.request.querystring.Y``,
``stageVariables.Z`` and ``context.W``; the method ARN ends in ``/{stage}/$connect``. A
refusal refuses the handshake with the authorizer's status (401, 403 or 500); an Allow
lets the connection open, and the answer's context reaches every later event of the
connection at ``requestContext.authorizer``.

The WebSocket server calls :func:`authorize_connect` during the handshake, with an
:class:`~helpers.gateway.context.InvocationContext` for the ``$connect`` request. The
runner, its cache and the policy evaluation are the ones REST and HTTP APIs use.
"""

from __future__ import annotations

from typing import Any

from .. import policy as iam
from ..context import InvocationContext
from ..mapping.context_vars import lookup
from . import events
from .identity_sources import RequestView
from .lambda_authorizer import (
    AuthorizerRefused,
    LambdaAuthorizer,
    context_values,
    run,
)


class ConnectRefused(Exception):
    """The handshake is refused with ``status`` (401, 403 or 500)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def connect_arn(ctx: InvocationContext) -> str:
    assert ctx.stage is not None
    return (
        f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/{ctx.stage.name}/$connect"
    )


def authorize_connect(
    ctx: InvocationContext,
    cfg: dict[str, Any],
    *,
    headers: dict[str, list[str]],
    query: dict[str, list[str]],
    request_context: dict[str, Any],
) -> dict[str, Any]:
    """Run the ``$connect`` authorizer ``cfg`` (an apigatewayv2 authorizer) for a handshake.

    Returns the values for ``requestContext.authorizer`` (``principalId``, the context as
    text, ``integrationLatency``); raises :class:`ConnectRefused` otherwise.
    """
    assert ctx.stage is not None
    authorizer = LambdaAuthorizer.from_v2(cfg, websocket=True)
    view = RequestView(
        headers, query, ctx.stage.variables, lambda name: lookup(request_context, name)
    )
    arn = connect_arn(ctx)
    variables = ctx.stage.variables
    try:
        answer = run(
            ctx,
            authorizer,
            view,
            lambda _values: events.websocket_connect(
                method_arn=arn,
                headers=headers,
                query=query,
                stage_variables=variables,
                request_context=request_context,
            ),
            stage=ctx.stage.name,
        )
    except AuthorizerRefused as err:
        raise ConnectRefused(401 if err.kind == "unauthorized" else 500, err.reason) from None
    decision = answer.decision(arn)
    ctx.trace.add(
        "authorize",
        decision.effect,
        authorizer=authorizer.name,
        principal=answer.principal_id,
        cached=answer.cached,
    )
    if decision.effect != iam.ALLOW:
        raise ConnectRefused(403, f"the authorizer's policy gives {decision.effect} for {arn}")
    return context_values(answer)
