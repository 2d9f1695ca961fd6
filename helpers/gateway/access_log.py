"""Access logs: one line per request in the stage's format, into CloudWatch Logs (§11)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .context import InvocationContext
from .integrations.lambda_proxy import clf_time

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


def context_variables(ctx: InvocationContext) -> dict[str, Any]:
    """The ``$context`` variables an access log format can use, by name."""
    mreq = ctx.method_request
    resp = ctx.method_response
    err = ctx.error
    latency = ctx.plane.latency_ms(ctx)
    ident = {
        "sourceIp": ctx.request.source_ip,
        "userAgent": ctx.request.header("user-agent"),
        "caller": None,
        "user": None,
        "userArn": None,
        "accountId": None,
        "apiKey": None,
        "apiKeyId": None,
        "vpceId": ctx.source_vpce,
        **ctx.identity,
    }
    values: dict[str, Any] = {
        "requestId": ctx.request_id,
        "extendedRequestId": ctx.extended_request_id,
        "apiId": ctx.api_id,
        "accountId": ctx.account_id,
        "domainName": f"{ctx.api_id}.execute-api.{ctx.region}.amazonaws.com",
        "domainPrefix": ctx.api_id,
        "httpMethod": mreq.method if mreq else ctx.request.method,
        "path": f"/{ctx.stage.name}{mreq.path}" if (mreq and ctx.stage) else ctx.request.path,
        "protocol": "HTTP/1.1",
        "requestTime": clf_time(ctx.request_time),
        "requestTimeEpoch": int(ctx.request_time * 1000),
        "resourceId": ctx.route.resource_id if ctx.route else None,
        "resourcePath": ctx.resource_path or None,
        "stage": ctx.stage.name if ctx.stage else None,
        "status": resp.status if resp else None,
        "responseLength": len(resp.body) if resp else None,
        "responseLatency": int(latency),
        "integrationLatency": (
            int(ctx.integration_latency_ms) if ctx.integration_latency_ms is not None else None
        ),
        "integrationStatus": ctx.integration_status,
        "integration.latency": (
            int(ctx.integration_latency_ms) if ctx.integration_latency_ms is not None else None
        ),
        "integration.status": ctx.integration_status,
        "error.message": err.message if err else None,
        "error.responseType": err.response_type if err else None,
    }
    for key, value in ident.items():
        values[f"identity.{key}"] = value
    for key, value in (ctx.authorizer or {}).items():
        values[f"authorizer.{key}"] = value
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
    stream = hashlib.md5(f"{ctx.api_id}/{ctx.stage.name}".encode()).hexdigest()
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    line = render(settings["format"], ctx)
    backend.put_log_events(
        group, stream, [{"timestamp": int(ctx.request_time * 1000), "message": line}]
    )
