"""Observability: the one place a request's side effects are written — the trace, CloudWatch
metrics, the access log, the execution log and X-Ray segments (ARCHITECTURE.md,
"Operations"). Each reads what the pipeline already recorded; the answer's latency is
worked out once here (:mod:`~helpers.gateway.latency`) and shared by all of them."""

from __future__ import annotations

from .. import access_log, execution_log, latency, xray
from ..context import InvocationContext
from ..limits.layers import stage_method_settings
from ..metrics import Sample, metric_api_name

#: [unc] canary requests are counted under their own Stage dimension value: AWS documents
#: that a canary has its own metrics, not the dimension's shape
CANARY_STAGE_SUFFIX = "/Canary"


def _finish_latency(ctx: InvocationContext) -> float:
    ms = latency.response_latency_ms(ctx, ctx.plane.latency_ms(ctx))
    ctx.response_latency_ms = ms
    return ms


def step(ctx: InvocationContext) -> None:
    """Observe: keep the trace; write metrics, access and execution logs, X-Ray segments.

    Each of them reads what the pipeline recorded; nothing else writes side effects."""
    plane = ctx.plane
    plane.traces.append(ctx.trace)
    if ctx.api_type == "HTTP":
        _observe_http(ctx)
        return
    if ctx.api_type == "WEBSOCKET":
        _observe_websocket(ctx)
        return
    if ctx.stage is None or ctx.deployment is None or ctx.method_response is None:
        return  # AWS records nothing for a request that never reached a stage
    mreq = ctx.method_request
    ms = _finish_latency(ctx)
    method = ctx.route.http_method if ctx.route else (mreq.method if mreq else ctx.request.method)
    found = stage_method_settings(ctx.stage.method_settings, ctx.resource_path, method)
    detailed = bool(found and found[1].get("metricsEnabled"))
    traced = xray.decide(ctx, plane.xray_sampler)
    ctx.xray_trace_id = traced
    plane.metrics.record(
        Sample(
            ctx.account_id,
            ctx.region,
            metric_api_name(ctx.deployment.api_name, ctx.api_id),
            ctx.stage.name + (CANARY_STAGE_SUFFIX if ctx.canary else ""),
            mreq.method if mreq else ctx.request.method,
            ctx.resource_path or "",
            int(ctx.request_time // 60 * 60),
            ctx.method_response.status,
            ms,
            ctx.integration_latency_ms,
            detailed,
            cache=ctx.cache_status,
        )
    )
    access_log.write(ctx)
    execution_log.write(ctx)
    if traced is not None:
        xray.send(ctx, traced)


def _observe_http(ctx: InvocationContext) -> None:
    """HTTP APIs: metrics by ApiId/Stage (and Route with detailed metrics), access log."""
    if ctx.stage is None or ctx.http_deployment is None or ctx.method_response is None:
        return
    mreq = ctx.method_request
    ctx.plane.metrics.record(
        Sample(
            ctx.account_id,
            ctx.region,
            ctx.api_id,
            ctx.stage.name,
            mreq.method if mreq else ctx.request.method,
            "",
            int(ctx.request_time // 60 * 60),
            ctx.method_response.status,
            _finish_latency(ctx),
            ctx.integration_latency_ms,
            detailed_route_metrics(ctx),
            api_type="HTTP",
            route=ctx.route_key,
            # [unc] bytes in and out: the request body and the response body
            data_processed=len(ctx.request.body) + len(ctx.method_response.body),
        )
    )
    access_log.write(ctx)


def detailed_route_metrics(ctx: InvocationContext) -> bool:
    """apigatewayv2 stages: the route's detailedMetricsEnabled, else the default route's."""
    raw = ctx.stage.raw if ctx.stage else None
    settings = (getattr(raw, "route_settings", None) or {}).get(ctx.route_key) or {}
    default = getattr(raw, "default_route_settings", None) or {}
    detailed = settings.get("detailedMetricsEnabled", default.get("detailedMetricsEnabled"))
    return bool(detailed) and bool(ctx.route_key)


def _observe_websocket(ctx: InvocationContext) -> None:
    """WebSocket APIs: ConnectCount / MessageCount and errors by ApiId/Stage (and Route
    with detailed metrics); the frame sent back, if any, is a message too."""
    if ctx.stage is None or ctx.ws_deployment is None or ctx.method_response is None:
        return
    sample = Sample(
        ctx.account_id,
        ctx.region,
        ctx.api_id,
        ctx.stage.name,
        ctx.event_type,
        "",
        int(ctx.request_time // 60 * 60),
        ctx.method_response.status,
        _finish_latency(ctx),
        ctx.integration_latency_ms,
        detailed_route_metrics(ctx),
        api_type="WEBSOCKET",
        route=ctx.route_key,
        event=ctx.event_type,
        integration_status=ctx.integration_status,
    )
    ctx.plane.metrics.record(sample)
    if ctx.reply is not None:
        ctx.plane.metrics.record(sample._replace(event="OUT", integration_latency_ms=None))
    access_log.write(ctx)
    execution_log.write(ctx)
