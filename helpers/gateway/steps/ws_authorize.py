"""WebSocket API authorization: only the ``$connect`` route is authorized, by IAM (a SigV4
signed handshake) or by a ``REQUEST`` Lambda authorizer; what it allows holds for the
whole connection (reference §3.1, §9)."""

from __future__ import annotations

from .. import policy as iam
from ..auth import sigv4
from ..auth.websocket import ConnectRefused, authorize_connect, connect_arn
from ..context import InvocationContext
from ..errors import GatewayError
from ..ws import events
from ..ws_errors import Forbidden, IntegrationFailure, Unauthorized


def step(ctx: InvocationContext) -> None:
    """Authorize: $connect only; AWS_IAM (SigV4) or a REQUEST Lambda authorizer (401/403)."""
    if ctx.event_type != "CONNECT" or ctx.http_route is None:
        return
    route = ctx.http_route.route
    kind = (route.get("authorizationType") or "NONE").upper()
    if kind == "AWS_IAM":
        _iam(ctx)
    elif kind == "CUSTOM":
        _custom(ctx, route.get("authorizerId") or "")


def _iam(ctx: InvocationContext) -> None:
    arn = connect_arn(ctx)
    try:
        caller = sigv4.authenticate(
            ctx.request, region=ctx.region, now=ctx.request_time, account_id=ctx.account_id
        )
    except GatewayError as err:
        ctx.trace.add("authenticate", err.response_type, why=err.reason or err.message)
        raise Forbidden(reason=err.reason or err.message or "") from None
    ctx.caller = caller
    decision = sigv4.may_invoke(caller, arn)
    ctx.trace.add("authorize", decision.effect, type="AWS_IAM", caller=caller.arn)
    if decision.effect != iam.ALLOW:
        raise Forbidden(reason=f"no identity policy allows execute-api:Invoke on {arn}")
    fields = caller.identity_fields()
    ctx.connection.identity_extra = {k: v for k, v in fields.items() if v is not None}


def _custom(ctx: InvocationContext, authorizer_id: str) -> None:
    conn = ctx.connection
    cfg = ctx.ws_deployment.authorizers.get(authorizer_id)
    if cfg is None:
        raise IntegrationFailure(reason=f"authorizer {authorizer_id} is not in the deployment")
    context = events.request_context(
        conn,
        event_type="CONNECT",
        route_key="$connect",
        request_id=ctx.request_id,
        now=ctx.request_time,
    )
    try:
        values = authorize_connect(
            ctx,
            cfg,
            headers=ctx.handshake_headers or {},
            query=conn.query,
            request_context=context,
        )
    except ConnectRefused as err:
        kind = {401: Unauthorized, 403: Forbidden}.get(err.status, IntegrationFailure)
        raise kind(reason=err.reason) from None
    conn.authorizer = values
