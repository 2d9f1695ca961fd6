"""Method request: size limits, the stage from the URL, path and query decoding."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from .. import control_plane
from ..context import InvocationContext, MethodRequest, StageView
from ..errors import Forbidden, MissingAuthenticationToken, RequestTooLarge

#: documented limits (reference §8): payload 10 MB, header values 10,240 bytes in all
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_HEADER_BYTES = 10_240


def split_query(raw: str) -> dict[str, list[str]]:
    """Query parameters, URL-decoded, every value kept in order."""
    out: dict[str, list[str]] = {}
    if raw:
        for key, value in parse_qsl(raw, keep_blank_values=True):
            out.setdefault(key, []).append(value)
    return out


def group_headers(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def step(ctx: InvocationContext) -> None:
    """Method request: enforce size limits, find the stage, decode path and query."""
    req = ctx.request
    if len(req.body) > MAX_PAYLOAD_BYTES:
        raise RequestTooLarge(reason=f"body of {len(req.body)} bytes is over 10 MB")
    header_bytes = sum(len(k) + len(v) for k, v in req.headers)
    if header_bytes > MAX_HEADER_BYTES:
        raise RequestTooLarge(reason=f"headers of {header_bytes} bytes are over 10,240 bytes")

    match = ctx.custom_domain
    raw_path = match.path if match is not None else (req.path or "/")
    if match is not None and match.mapping.stage:  # a custom domain names the stage
        stage_name = match.mapping.stage
        path = unquote(raw_path, errors="replace")
    else:
        stage_name, _, rest = raw_path.lstrip("/").partition("/")
        stage_name = unquote(stage_name)
        path = "/" + unquote(rest, errors="replace")
    ctx.method_request = MethodRequest(
        method=req.method.upper(),
        path=path,
        headers=group_headers(req.headers),
        query=split_query(req.query),
        body=req.body,
    )
    ctx.trace.path = path
    ctx.trace.method = req.method.upper()

    api = ctx.rest_api or control_plane.rest_api(ctx.account_id, ctx.region, ctx.api_id)
    stage = api.stages.get(stage_name) if (api is not None and stage_name) else None
    if stage is None:
        raise MissingAuthenticationToken(reason=f"no stage named {stage_name!r}")
    ctx.stage = StageView(
        name=stage.name,
        deployment_id=stage.deployment_id,
        variables=dict(stage.variables or {}),
        method_settings=stage.method_settings,
        access_log_settings=stage.access_log_settings,
        raw=stage,
    )
    ctx.trace.stage = stage.name
    ctx.deployment = ctx.plane.snapshots.for_stage(api, stage.deployment_id)
    ctx.trace.add("method-request", f"stage {stage.name}", deployment=stage.deployment_id)
    if match is None and ctx.deployment.api.get("disableExecuteApiEndpoint"):
        # takes effect with the deployment that carries it [doc] DG rest-api-disable-default-endpoint
        raise Forbidden(reason="the default execute-api endpoint is disabled")
