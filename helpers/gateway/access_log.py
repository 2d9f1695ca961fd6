"""Access logs: one line per request in the stage's format, into CloudWatch Logs (§11)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .context import InvocationContext
from .mapping.context_vars import context_map, flatten

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


def context_variables(ctx: InvocationContext) -> dict[str, Any]:
    """The ``$context`` variables an access log format can use, by dotted name: the ones
    templates see (:func:`~helpers.gateway.mapping.context_vars.context_map`) and the
    access-log-only ones (status, latencies, lengths)."""
    resp = ctx.method_response
    integration_latency = (
        int(ctx.integration_latency_ms) if ctx.integration_latency_ms is not None else None
    )
    websocket = ctx.api_type == "WEBSOCKET"
    values = _websocket_variables(ctx) if websocket else flatten(context_map(ctx))
    values.update(
        {
            "status": resp.status if resp else None,
            "responseLength": len(resp.body) if resp else None,
            "responseLatency": int(ctx.plane.latency_ms(ctx)),
            "integrationLatency": integration_latency,
            "integrationStatus": ctx.integration_status,
            "integration.latency": integration_latency,
            "integration.status": ctx.integration_status,
        }
    )
    if websocket and resp is not None and resp.status == 101:
        values["status"] = 200  # [unc] an accepted $connect is logged as 200, not 101
    if ctx.api_type == "HTTP":  # DG http-api-logging-variables
        values["routeKey"] = ctx.route_key or None
        # [unc] bytes in and out, as the HTTP API metrics count them
        values["dataProcessed"] = len(ctx.request.body) + (len(resp.body) if resp else 0)
        # the path as requested: with the stage for a named stage, without for $default
        values["path"] = ctx.request.path or "/"
        values["resourceId"] = values["resourcePath"] = None
        err = ctx.error
        failed = err is not None and ctx.integration_request is not None
        values["integrationErrorMessage"] = err.reason if failed and err else None
    return values


def _websocket_variables(ctx: InvocationContext) -> dict[str, Any]:
    """DG websocket-api-logging: the event's requestContext (connectionId, eventType,
    messageId, routeKey, connectedAt, ...) plus error.message / error.responseType."""
    from .ws import events

    context = events.request_context(
        ctx.connection,
        event_type=ctx.event_type,
        route_key=ctx.route_key,
        request_id=ctx.request_id,
        now=ctx.request_time,
        message_id=ctx.message_id,
        disconnect=ctx.disconnect,
    )
    values = flatten(context)
    values["accountId"] = ctx.account_id
    err = ctx.error
    values["error.message"] = err.message if err else None
    values["error.responseType"] = err.response_type if err else None
    return values


def render(fmt: str, ctx: InvocationContext) -> str:
    values = context_variables(ctx)

    def sub(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return "-" if value is None else str(value)

    return _VARIABLE.sub(sub, fmt)


def write(ctx: InvocationContext) -> None:
    settings = ctx.stage.access_log_settings if ctx.stage else None
    if not settings or not settings.get("destinationArn") or not settings.get("format"):
        return
    from moto.logs.models import logs_backends

    arn = settings["destinationArn"]
    parts = arn.split(":")
    if len(parts) < 7 or parts[5] != "log-group":
        return
    region, account, group = parts[3], parts[4], parts[6]
    backend = logs_backends[account][region]
    if group not in backend.groups:
        return  # API Gateway cannot write to a group that does not exist
    if ctx.canary:  # a canary's lines go to a second group: the stage's name + "/Canary" [doc]
        group += "/Canary"
        if group not in backend.groups:
            backend.create_log_group(group, {})  # [unc] API Gateway creates it
    stream = hashlib.md5(f"{ctx.api_id}/{ctx.stage.name}".encode()).hexdigest()
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    line = render(settings["format"], ctx)
    backend.put_log_events(
        group, stream, [{"timestamp": int(ctx.request_time * 1000), "message": line}]
    )
