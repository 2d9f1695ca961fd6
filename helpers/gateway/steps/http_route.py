"""HTTP API routing over the deployed route keys (reference §10, DG http-api-develop-routes).

Priority: a full match of method and path (a literal segment beats a ``{param}``, a method
beats ``ANY``), then a greedy ``{proxy+}`` match (method before ``ANY``), then the
``$default`` route. Nothing → 404 ``{"message":"Not Found"}``.
"""

from __future__ import annotations

from ..context import InvocationContext
from ..http_errors import RouteNotFound


def step(ctx: InvocationContext) -> None:
    """Route: method + path, then {proxy+}, then $default; 404 Not Found when none matches."""
    if ctx.method_response is not None:
        return  # already answered (CORS preflight)
    mreq = ctx.method_request
    snap = ctx.http_deployment
    assert mreq is not None and snap is not None
    found = snap.match(mreq.path, mreq.method)
    if found is None:
        raise RouteNotFound(reason=f"no route matches {mreq.method} {mreq.path} (no $default)")
    ctx.http_route = found.target
    ctx.route_key = found.target.route_key
    ctx.resource_path = found.template
    mreq.path_params = found.path_params
    ctx.trace.add(
        "route",
        ctx.route_key,
        **({"params": found.path_params} if found.path_params else {}),
    )
