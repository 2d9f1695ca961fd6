"""HTTP API integration: hand the routed request to its integration type."""

from __future__ import annotations

from collections.abc import Callable

from ..context import InvocationContext
from ..errors import EmulatorLimitation
from ..http_errors import NoIntegration
from ..integrations import http_proxy_v2, lambda_proxy_v2

#: integration type → handler (HTTP APIs have no MOCK and no non-proxy HTTP integrations)
INTEGRATIONS: dict[str, Callable[[InvocationContext], None]] = {
    "AWS_PROXY": lambda_proxy_v2.integrate,
    "HTTP_PROXY": http_proxy_v2.integrate,
}


def step(ctx: InvocationContext) -> None:
    """Integration: call the route's integration (Lambda proxy 2.0/1.0, HTTP proxy)."""
    if ctx.method_response is not None:
        return  # already answered (CORS preflight)
    assert ctx.http_route is not None
    integration = ctx.http_route.integration
    if not integration:
        raise NoIntegration(reason=f"route {ctx.route_key} has no integration attached")
    kind = integration.get("integrationType") or ""
    if kind == "AWS_PROXY" and integration.get("integrationSubtype"):
        kind = f"AWS_PROXY ({integration['integrationSubtype']})"
    handler = INTEGRATIONS.get(kind)
    if handler is None:
        raise EmulatorLimitation(
            f"apigw-lab does not emulate {kind} integrations of HTTP APIs yet; this lab "
            f"supports {', '.join(sorted(INTEGRATIONS))}. Use the aws target to try it."
        )
    handler(ctx)
