"""Method request: size limits, the stage from the URL, path and query decoding."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from .. import control_plane
from ..context import InvocationContext, MethodRequest, StageView
from ..errors import Forbidden, MissingAuthenticationToken, RequestTooLarge

#: documented limits (reference §8): payload 10 MB, header values 10,240 bytes in all
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_HEADER_BYTES = 10_240


#: query strings already decoded (a pure function of the text; clients repeat theirs)
_queries: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
_QUERIES_KEPT = 1024


def split_query(raw: str) -> dict[str, list[str]]:
    """Query parameters, URL-decoded, every value kept in order."""
    if not raw:
        return {}
    known = _queries.get(raw)
    if known is None:
        out: dict[str, list[str]] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            out.setdefault(key, []).append(value)
        if len(_queries) >= _QUERIES_KEPT:
            _queries.clear()
        _queries[raw] = tuple((k, tuple(v)) for k, v in out.items())
        return out
    # a new dict of new lists each time: later steps may change them
    return {key: list(values) for key, values in known}


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
    header_bytes = 0
    for k, v in req.headers:
        header_bytes += len(k) + len(v)
    if header_bytes > MAX_HEADER_BYTES:
        raise RequestTooLarge(reason=f"headers of {header_bytes} bytes are over 10,240 bytes")

    match = ctx.custom_domain
    raw_path = match.path if match is not None else (req.path or "/")
    if match is not None and match.mapping.stage:  # a custom domain names the stage
        stage_name = match.mapping.stage
        path = unquote(raw_path, errors="replace")
    else:
        stage_name, _, rest = raw_path.lstrip("/").partition("/")
        # unquote returns text without "%" as it is: skip the call for the usual path
        if "%" in raw_path:
            stage_name = unquote(stage_name)
            rest = unquote(rest, errors="replace")
        path = "/" + rest
    method = req.method.upper()
    ctx.method_request = MethodRequest(
        method, path, group_headers(req.headers), split_query(req.query), req.body
    )
    trace = ctx.trace
    trace.path = path
    trace.method = method

    api = ctx.rest_api or control_plane.rest_api(ctx.account_id, ctx.region, ctx.api_id)
    stage = api.stages.get(stage_name) if (api is not None and stage_name) else None
    if stage is None:
        raise MissingAuthenticationToken(reason=f"no stage named {stage_name!r}")
    name, deployment_id = stage.name, stage.deployment_id
    variables = stage.variables
    ctx.stage = StageView(
        name,
        deployment_id,
        dict(variables) if variables else {},
        stage.method_settings,
        stage.access_log_settings,
        stage,
    )
    trace.stage = name
    deployment = ctx.deployment = ctx.plane.snapshots.for_stage(api, deployment_id)
    trace.add("method-request", f"stage {name}", deployment=deployment_id)
    if match is None and deployment.api.get("disableExecuteApiEndpoint"):
        # takes effect with the deployment that carries it [doc] DG rest-api-disable-default-endpoint
        raise Forbidden(reason="the default execute-api endpoint is disabled")
