"""WebSocket API answer: for a handshake, accept (101) or refuse with a status; for a
message, what goes back to the client: a two-way route's answer, or API Gateway's own
error message when the message failed (reference §9)."""

from __future__ import annotations

from ..context import InvocationContext
from ..http import HttpResponse
from ..ws_errors import HandshakeRefused, WebSocketError


def _connect(ctx: InvocationContext) -> None:
    err = ctx.error
    status = ctx.integration_status
    if err is None and status is not None and not 200 <= status < 300:
        err = ctx.error = HandshakeRefused(
            status, reason=f"the $connect integration answered {status}"
        )
        ctx.trace.add("gateway-response", "handshake refused", status=status)
    if err is not None:
        body = err.handshake_body() if isinstance(err, WebSocketError) else b""
        ctx.method_response = HttpResponse(err.status, [], body)
        return
    headers = []
    answer = ctx.integration_response or {}
    for name, value in (answer.get("headers") or {}).items():
        if name.lower() == "sec-websocket-protocol":
            headers.append(("Sec-WebSocket-Protocol", value))
    ctx.method_response = HttpResponse(101, headers, b"")


def _message(ctx: InvocationContext) -> None:
    err = ctx.error
    conn = ctx.connection
    if err is not None:
        if isinstance(err, WebSocketError):
            ctx.reply = err.client_message(conn.connection_id, ctx.request_id)
        else:  # another API type's error reached here: say so as AWS would [unc]
            ctx.reply = WebSocketError(err.message).client_message(
                conn.connection_id, ctx.request_id
            )
        ctx.method_response = HttpResponse(err.status, [], ctx.reply.encode())
        return
    answer = ctx.integration_response or {}
    route = ctx.http_route
    if route is not None and ctx.ws_deployment.two_way(route) and answer.get("body") is not None:
        ctx.reply = answer["body"]
        ctx.trace.add("route-response", "answer sent to the client", bytes=len(ctx.reply))
    body = ctx.reply.encode() if isinstance(ctx.reply, str) else b""
    ctx.method_response = HttpResponse(ctx.integration_status or 200, [], body)


def step(ctx: InvocationContext) -> None:
    """Respond: accept or refuse the handshake; send a two-way answer or an error frame."""
    if ctx.event_type == "CONNECT":
        _connect(ctx)
    elif ctx.event_type == "MESSAGE":
        _message(ctx)
    else:
        ctx.method_response = HttpResponse(ctx.integration_status or 200, [], b"")
    ctx.trace.status = ctx.method_response.status if ctx.method_response else 0
