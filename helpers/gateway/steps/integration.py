"""Integration request/response: hand the routed request to its integration type."""

from __future__ import annotations

from collections.abc import Callable

from ..context import InvocationContext
from ..errors import EmulatorLimitation, InternalServerError
from ..integrations import http, lambda_proxy, nonproxy

#: integration type → handler
INTEGRATIONS: dict[str, Callable[[InvocationContext], None]] = {
    "AWS_PROXY": lambda_proxy.integrate,
    "AWS": nonproxy.integrate,
    "HTTP": nonproxy.integrate,
    "MOCK": nonproxy.integrate,
    "HTTP_PROXY": http.integrate_proxy,
}


def step(ctx: InvocationContext) -> None:
    """Integration: call the method's integration (Lambda proxy, AWS, HTTP, MOCK, ...)."""
    assert ctx.route is not None
    if ctx.cache_status == "hit":
        return  # the stage cache answered
    integration = ctx.route.integration
    if not integration:
        raise InternalServerError(reason="the method has no integration")
    kind = integration.get("type")
    handler = INTEGRATIONS.get(kind or "")
    if handler is None:
        raise EmulatorLimitation(
            f"apigw-lab does not emulate {kind} integrations yet; this lab supports "
            f"{', '.join(sorted(INTEGRATIONS))}. Use the aws target to try it on a real account."
        )
    handler(ctx)
