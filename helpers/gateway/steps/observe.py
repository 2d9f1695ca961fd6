"""Observability: keep the trace, send metrics and the access-log line."""

from __future__ import annotations

from .. import access_log
from ..context import InvocationContext
from ..metrics import Sample, metric_api_name


def step(ctx: InvocationContext) -> None:
    """Observe: store the trace, record CloudWatch metrics, write the access log."""
    plane = ctx.plane
    plane.traces.append(ctx.trace)
    if ctx.stage is None or ctx.deployment is None or ctx.method_response is None:
        return  # AWS records nothing for a request that never reached a stage
    mreq = ctx.method_request
    settings = ctx.stage.method_settings.get("*/*") or {}
    plane.metrics.record(
        Sample(
            ctx.account_id,
            ctx.region,
            metric_api_name(ctx.deployment.api_name, ctx.api_id),
            ctx.stage.name,
            mreq.method if mreq else ctx.request.method,
            ctx.resource_path or "",
            int(ctx.request_time // 60 * 60),
            ctx.method_response.status,
            plane.latency_ms(ctx),
            ctx.integration_latency_ms,
            bool(settings.get("metricsEnabled")),
        )
    )
    access_log.write(ctx)
