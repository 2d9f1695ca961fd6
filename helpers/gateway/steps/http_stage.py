"""HTTP API request: size limits, the stage, path and query decoding, forwarded headers.

Stage selection (reference §10): a first path segment naming a stage selects it (and is
stripped from the path); otherwise the ``$default`` stage answers at the API root; otherwise
404 ``{"message":"Not Found"}``. HTTP APIs are regional: header names arrive lower-cased
(HTTP/2 style) and API Gateway adds the ``x-forwarded-*`` and ``x-amzn-trace-id`` headers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .. import control_plane
from ..context import InvocationContext, MethodRequest, StageView, called_domain
from ..errors import GatewayError
from ..http_errors import DefaultEndpointDisabled, PayloadTooLarge, RouteNotFound
from .parse import MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES, split_query

DEFAULT_STAGE = "$default"
#: hop-by-hop and framing headers that never reach the integration (content-length is
#: recomputed from the body)
_DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def forwarded_headers(ctx: InvocationContext) -> dict[str, list[str]]:
    """The request's headers as an HTTP API forwards them: names lower-cased, repeats kept
    in order, plus host, content-length and the x-forwarded-* / x-amzn-trace-id headers."""
    req = ctx.request
    headers: dict[str, list[str]] = {}
    for name, value in req.headers:
        key = name.lower()
        if key in _DROPPED:
            continue
        headers.setdefault(key, []).append(value)
    ip = req.source_ip
    forwarded_for = ", ".join([*headers.pop("x-forwarded-for", []), ip])
    added = {
        "content-length": str(len(req.body)),
        "host": called_domain(ctx),
        "x-amzn-trace-id": f"Root=1-{int(ctx.request_time):08x}-{ctx.plane.ids.hex(24)}",
        "x-forwarded-for": forwarded_for,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    for name, value in added.items():
        headers[name] = [value]
    return headers


def deployed(
    ctx: InvocationContext, api: Any, stage: Any, snapshots: Any, missing: type[GatewayError]
) -> Any:
    """Set ``ctx.stage`` from an apigatewayv2 stage (HTTP or WebSocket API) and return the
    snapshot of the deployment it serves; ``missing`` is raised when there is none."""
    ctx.stage = StageView(
        name=stage.name,
        deployment_id=getattr(stage, "deployment_id", None) or "",
        variables=dict(stage.stage_variables or {}),
        method_settings={},
        access_log_settings=stage.access_log_settings,
        raw=stage,
    )
    deployment_id = ctx.stage.deployment_id
    if not deployment_id:
        raise missing(reason=f"stage {stage.name} has no deployment yet")
    snap = snapshots.get(
        ctx.region,
        ctx.api_id,
        deployment_id,
        lambda: control_plane.http_deployment_document(api, deployment_id),
    )
    if snap is None:
        raise missing(reason=f"deployment {deployment_id} no longer exists")
    return snap


def step(ctx: InvocationContext) -> None:
    """Stage: enforce size limits, pick the stage (named, else $default), decode the path."""
    req = ctx.request
    if len(req.body) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(reason=f"body of {len(req.body)} bytes is over 10 MB")
    header_bytes = sum(len(k) + len(v) for k, v in req.headers)
    if header_bytes > MAX_HEADER_BYTES:
        raise PayloadTooLarge(reason=f"headers of {header_bytes} bytes are over 10,240 bytes")

    api = ctx.http_api or control_plane.http_api(ctx.account_id, ctx.region, ctx.api_id)
    match = ctx.custom_domain
    raw_path = req.path or "/"
    if match is not None:  # an API mapping names the stage; its key is already removed
        named = match.mapping.stage or ""
        stage = api.stages.get(named)
        path_raw = match.path
    else:
        first, _, rest = raw_path.lstrip("/").partition("/")
        named = unquote(first)
        stage = api.stages.get(named) if (named and named != DEFAULT_STAGE) else None
        if stage is not None:
            path_raw = "/" + rest
        else:
            stage = api.stages.get(DEFAULT_STAGE)
            path_raw = raw_path
    path = unquote(path_raw, errors="replace")
    ctx.method_request = MethodRequest(
        method=req.method.upper(),
        path=path,
        headers=forwarded_headers(ctx),
        query=split_query(req.query),
        body=req.body,
    )
    ctx.trace.path = raw_path
    ctx.trace.method = req.method.upper()
    if stage is None:
        raise RouteNotFound(reason=f"no stage named {named!r} and no $default stage")
    ctx.trace.stage = stage.name
    ctx.http_deployment = deployed(ctx, api, stage, ctx.plane.http_snapshots, RouteNotFound)
    if match is None and ctx.http_deployment.api.get("disableExecuteApiEndpoint"):
        raise DefaultEndpointDisabled(reason="the default execute-api endpoint is disabled")
    deployment_id = ctx.stage.deployment_id
    where = "at the API root" if stage.name == DEFAULT_STAGE else f"as /{stage.name}"
    ctx.trace.add("stage", f"stage {stage.name} ({where})", deployment=deployment_id, path=path)
