"""WebSocket API integration: send the event to the route's integration (reference §9).

Lambda proxy (``AWS_PROXY``) integrations get the CONNECT, MESSAGE and DISCONNECT events of
:mod:`helpers.gateway.ws.events`. For ``$connect`` the function's ``statusCode`` decides
the handshake (outside 2xx: refused with that status); for a message its ``body`` is what a
two-way route sends back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..context import InvocationContext
from ..errors import EmulatorLimitation, IntegrationTimeout, InternalServerError
from ..integrations import lambda_invoke
from ..integrations.lambda_proxy_v2 import invoke_spec
from ..ws import events
from ..ws_errors import IntegrationFailure
from ..ws_errors import IntegrationTimeout as WsIntegrationTimeout

#: what a function answer without ``statusCode`` counts as [unc: 200, as HTTP APIs infer]
DEFAULT_STATUS = 200


def build_event(ctx: InvocationContext) -> dict[str, Any]:
    """The Lambda proxy event for this connection event."""
    conn = ctx.connection
    context = events.request_context(
        conn,
        event_type=ctx.event_type,
        route_key=ctx.route_key,
        request_id=ctx.request_id,
        now=ctx.request_time,
        message_id=ctx.message_id,
        disconnect=ctx.disconnect,
    )
    if ctx.event_type == "CONNECT":
        return events.connect_event(conn, ctx.handshake_headers or {}, context)
    if ctx.event_type == "DISCONNECT":
        return events.disconnect_event(conn, context)
    assert ctx.message is not None
    return events.message_event(ctx.message, context)


def parse_answer(payload: bytes) -> tuple[int, str | None, dict[str, str]]:
    """(statusCode, body, headers) of a function's answer. An answer that is not a
    ``{"statusCode": ...}`` object counts as 200 with the answer itself as the body [unc]."""
    try:
        found = json.loads(payload) if payload else None
    except ValueError:
        return DEFAULT_STATUS, payload.decode("utf-8", "replace"), {}
    if isinstance(found, dict) and ("statusCode" in found or "body" in found):
        try:
            status = int(found.get("statusCode", DEFAULT_STATUS))
        except (TypeError, ValueError):
            raise IntegrationFailure(reason="statusCode is not a number") from None
        body = found.get("body")
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        headers = found.get("headers") or {}
        return status, body, {str(k): str(v) for k, v in dict(headers).items()}
    if found is None:
        return DEFAULT_STATUS, None, {}
    return DEFAULT_STATUS, payload.decode("utf-8", "replace"), {}


def lambda_proxy(ctx: InvocationContext, integration: dict[str, Any]) -> None:
    event = build_event(ctx)
    ctx.integration_request = event
    try:
        result = lambda_invoke.invoke(ctx, event, invoke_spec(ctx, integration))
    except IntegrationTimeout as err:
        raise WsIntegrationTimeout(reason=err.reason) from None
    except InternalServerError as err:
        raise IntegrationFailure(reason=err.reason) from None
    if result.function_error:
        why = lambda_invoke.function_error_reason(result.payload)
        ctx.trace.add("integration", "function error", error=why)
        raise IntegrationFailure(reason=f"The Lambda function returned an error: {why}")
    status, body, headers = parse_answer(result.payload)
    ctx.integration_status = status
    ctx.integration_response = {"statusCode": status, "body": body, "headers": headers}
    ctx.trace.add("integration", f"Lambda answered {status}", event=ctx.event_type)


#: integration type → handler
INTEGRATIONS: dict[str, Callable[[InvocationContext, dict[str, Any]], None]] = {
    "AWS_PROXY": lambda_proxy,
}


def step(ctx: InvocationContext) -> None:
    """Integration: send the CONNECT / MESSAGE / DISCONNECT event to the route's Lambda."""
    route = ctx.http_route
    if route is None:
        return
    integration = route.integration
    if not integration:
        if ctx.event_type == "MESSAGE":
            raise IntegrationFailure(reason=f"route {ctx.route_key} has no integration")
        return
    kind = integration.get("integrationType") or ""
    handler = INTEGRATIONS.get(kind)
    if handler is None:
        raise EmulatorLimitation(
            f"apigw-lab does not emulate {kind} integrations of WebSocket APIs yet; this lab "
            f"supports {', '.join(sorted(INTEGRATIONS))}. Use the aws target to try it."
        )
    handler(ctx, integration)
