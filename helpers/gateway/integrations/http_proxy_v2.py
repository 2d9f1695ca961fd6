"""``HTTP_PROXY`` integrations of HTTP APIs: forward the request to an HTTP endpoint.

The integration URI is used as it is, with ``{param}`` / ``{proxy}`` / ``{proxy+}`` path
variables and ``${stageVariables.x}`` filled in; the ``$default`` route appends the whole
request path to it (reference §10, DG http-api-develop-integrations-http). Query strings
are forwarded. ``requestParameters`` / ``responseParameters`` (parameter mapping) are
applied by :mod:`.http_mapping_v2`; :mod:`.http_client` makes the call.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .. import access_log
from ..context import InvocationContext, fill_stage_variables
from ..errors import EmulatorLimitation
from ..http import HttpResponse
from ..http_errors import ConfigurationError, IntegrationError, ServiceUnavailable
from . import http_client, http_mapping_v2
from .http import NOT_FORWARDED, with_query

DEFAULT_TIMEOUT_MS = 30_000
#: [unc] a backend that refuses the connection (or whose name does not resolve): HTTP APIs
#: answer every integration failure with 500 Internal Server Error (§4.4); a time-out is 503
UNREACHABLE_ERROR = IntegrationError
_PATH_VAR = re.compile(r"\{([A-Za-z0-9_.-]+)(\+?)\}")
#: endpoint headers that do not reach the client (API Gateway frames the answer itself)
_NOT_RETURNED = {"connection", "content-length", "keep-alive", "transfer-encoding"}


def endpoint_url(ctx: InvocationContext, uri: str) -> str:
    """The integration URI with stage variables and path variables filled in; for the
    ``$default`` route, the request path is appended."""
    mreq = ctx.method_request
    assert ctx.stage is not None and mreq is not None
    uri = fill_stage_variables(uri, ctx.stage.variables)
    params = mreq.path_params

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            return match.group(0)
        greedy = bool(match.group(2)) or name == "proxy"
        return quote(params[name], safe="/" if greedy else "")

    url = _PATH_VAR.sub(fill, uri)
    if ctx.route_key == "$default":
        parts = urlsplit(url)
        path = parts.path.rstrip("/") + quote(mreq.path, safe="/")
        url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return url


def mapping_variables(ctx: InvocationContext) -> http_mapping_v2.MappingVariables:
    """What ``$request.*``, ``$context.*`` and ``$stageVariables.*`` read."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None
    return http_mapping_v2.MappingVariables(
        request_headers=mreq.headers,
        request_query=mreq.query,
        request_body=mreq.body,
        request_path=mreq.path,
        path_params=dict(mreq.path_params),
        context=access_log.context_variables(ctx),
        stage_variables=dict(ctx.stage.variables),
    )


def integrate(ctx: InvocationContext) -> None:
    """HTTP_PROXY: forward the request (parameter mappings applied); the endpoint's answer
    is the response."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.http_route is not None
    integration: dict[str, Any] = ctx.http_route.integration or {}
    if integration.get("connectionType") == "VPC_LINK":
        raise EmulatorLimitation(
            "apigw-lab does not emulate private integrations (VPC links); use an "
            "http(s):// URL, or the aws target"
        )
    uri = integration.get("integrationUri") or ""
    url = endpoint_url(ctx, uri)
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(reason=f"Invalid endpoint address: {url!r}")
    method = (integration.get("integrationMethod") or "ANY").upper()
    if method == "ANY":
        method = mreq.method
    parts = urlsplit(url)
    outgoing = http_mapping_v2.OutgoingRequest(
        method=method,
        path=parts.path or "/",
        query={k: list(v) for k, v in mreq.query.items()},
        headers={k: list(v) for k, v in mreq.headers.items() if k.lower() not in NOT_FORWARDED},
        body=mreq.body,
    )
    request_parameters = integration.get("requestParameters") or {}
    response_parameters = integration.get("responseParameters") or {}
    # what $request/$context/$stageVariables read, built only when a mapping needs it
    variables = mapping_variables(ctx) if (request_parameters or response_parameters) else None
    if request_parameters:
        assert variables is not None
        try:
            outgoing = http_mapping_v2.map_request(
                request_parameters, outgoing, variables=variables
            )
        except ValueError as exc:  # AWS refuses such a mapping when the integration is made
            raise EmulatorLimitation(f"invalid requestParameters: {exc}") from None
        ctx.trace.add("parameter-mapping", "request", keys=sorted(request_parameters))
    base = urlunsplit((parts.scheme, parts.netloc, outgoing.path, parts.query, ""))
    target = with_query(base, outgoing.query)
    headers = [(k, v) for k, values in outgoing.headers.items() for v in values]
    ctx.integration_request = {"method": method, "url": target, "headers": headers}
    timeout_ms = integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS
    try:
        answer = http_client.send(
            method, target, headers=headers, body=outgoing.body, timeout_s=timeout_ms / 1000
        )
    except http_client.BackendTimeout:
        ctx.trace.add("integration", "timed out", url=target, timeout_ms=timeout_ms)
        raise ServiceUnavailable(reason=f"{target} did not answer within {timeout_ms} ms") from None
    except http_client.BackendUnreachable as err:
        ctx.trace.add("integration", "endpoint unreachable", url=target, error=str(err))
        raise UNREACHABLE_ERROR(
            reason=f"network error communicating with {target}: {err}"
        ) from None
    ctx.integration_latency_ms = answer.latency_ms
    ctx.integration_status = answer.status
    ctx.integration_response = answer
    ctx.trace.add("integration", f"{method} {target} -> {answer.status}")
    status = answer.status
    headers_back = [(k, v) for k, v in answer.headers if k.lower() not in _NOT_RETURNED]
    if response_parameters:
        assert variables is not None
        try:
            status, headers_back = http_mapping_v2.map_response(
                response_parameters, status, headers_back, answer.body, variables=variables
            )
        except ValueError as exc:
            raise EmulatorLimitation(f"invalid responseParameters: {exc}") from None
        if str(answer.status) in response_parameters:
            ctx.trace.add("parameter-mapping", "response", status=f"{answer.status} -> {status}")
    ctx.method_response = HttpResponse(status, headers_back, answer.body)
