"""WebSocket API route: ``$connect`` and ``$disconnect`` for the connection's own events;
for a message, the API's ``routeSelectionExpression``, else ``$default`` (reference §9)."""

from __future__ import annotations

from ..context import InvocationContext
from ..ws import selection
from ..ws_errors import RouteNotFound

_FIXED = {"CONNECT": "$connect", "DISCONNECT": "$disconnect"}


def step(ctx: InvocationContext) -> None:
    """Route: $connect/$disconnect, or the message's route (selection expression, $default)."""
    snap = ctx.ws_deployment
    fixed = _FIXED.get(ctx.event_type)
    if fixed is not None:
        ctx.route_key = fixed
        ctx.http_route = snap.routes.get(fixed)
        ctx.trace.method = ctx.event_type
        ctx.trace.path = fixed
        if ctx.http_route is None:
            ctx.trace.add("route", f"no {fixed} route: nothing to call")
        return
    assert ctx.message is not None
    expression = snap.route_selection_expression
    key, selected = selection.select(expression, ctx.message, snap.routes)
    ctx.trace.method = "MESSAGE"
    ctx.trace.path = key or selected
    if key is None:
        ctx.trace.add("route", f"{expression} -> {selected!r}: no such route, no $default")
        raise RouteNotFound(reason=f"no route {selected!r} and no $default route")
    ctx.route_key = key
    ctx.http_route = snap.routes[key]
    ctx.trace.add("route", f"{expression} -> {selected!r}", route=key)
