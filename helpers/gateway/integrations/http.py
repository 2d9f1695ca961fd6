"""REST ``HTTP`` (custom) and ``HTTP_PROXY`` integrations: calling an HTTP endpoint.

``HTTP_PROXY`` forwards the client's method, headers, query string and body as they came
and returns the endpoint's status, headers and body unchanged (some header names come back
remapped, as on AWS). ``HTTP`` sends only what the parameter mappings and the request
template built, and its answer goes through integration-response selection by status
(:mod:`.nonproxy`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ..context import InvocationContext, fill_stage_variables
from ..errors import EndpointUnreachable, IntegrationTimeout, InternalServerError
from ..http import HttpResponse
from ..mapping import params as param_mapping
from . import http_client

if TYPE_CHECKING:
    from .nonproxy import BackendAnswer, IntegrationRequest

DEFAULT_TIMEOUT_MS = 29_000
_PATH_VAR = re.compile(r"\{([A-Za-z0-9_.+-]+)\}")
#: never forwarded to the endpoint (REST and HTTP APIs) (hop-by-hop, or rewritten for the new connection)
NOT_FORWARDED = {"host", "connection", "content-length", "keep-alive", "transfer-encoding"}
#: endpoint headers API Gateway renames before answering the client [obs]
_REMAPPED = {"authorization", "connection", "content-length", "date", "server", "www-authenticate"}
_DROPPED_FROM_ANSWER = {"transfer-encoding", "keep-alive"}


def endpoint_url(
    ctx: InvocationContext,
    integration: dict[str, Any],
    path_values: dict[str, str],
    *,
    fallback: dict[str, str] | None = None,
) -> str:
    """The integration URI with stage variables and ``{path}`` parameters filled in."""
    assert ctx.stage is not None
    uri = fill_stage_variables(integration.get("uri") or "", ctx.stage.variables)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = path_values.get(name)
        if value is None and fallback is not None and name in fallback:
            # [unc] an unmapped {proxy} in an HTTP_PROXY URI takes the method request's value
            value = fallback[name]
            ctx.trace.add("integration-request", f"{{{name}}} taken from the method request")
        if value is None:
            return match.group(0)
        return quote(value, safe="/" if name.endswith("+") or name == "proxy" else "")

    filled = _PATH_VAR.sub(fill, uri)
    if not filled.startswith(("http://", "https://")):
        raise InternalServerError(reason=f"Invalid endpoint address: {filled!r}")
    return filled


def with_query(url: str, query: dict[str, list[str]]) -> str:
    """``url`` with ``query`` appended (every value kept, URL-encoded)."""
    if not query:
        return url
    text = urlencode([(k, v) for k, values in query.items() for v in values])
    return f"{url}{'&' if '?' in url else '?'}{text}"


def _send(
    ctx: InvocationContext, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> http_client.BackendResponse:
    integration = ctx.route.integration if ctx.route else {}
    timeout_ms = (integration or {}).get("timeoutInMillis") or DEFAULT_TIMEOUT_MS
    try:
        answer = http_client.send(
            method, url, headers=headers, body=body, timeout_s=timeout_ms / 1000
        )
    except http_client.BackendTimeout:
        ctx.trace.add("integration", "timed out", url=url, timeout_ms=timeout_ms)
        raise IntegrationTimeout(reason=f"{url} did not answer within {timeout_ms} ms") from None
    except http_client.BackendUnreachable as err:
        ctx.trace.add("integration", "endpoint unreachable", url=url, error=str(err))
        raise EndpointUnreachable(
            reason=f"Execution failed due to a network error communicating with {url}: {err}"
        ) from None
    ctx.integration_latency_ms = answer.latency_ms
    ctx.integration_status = answer.status
    ctx.trace.add("integration", f"{method} {url} -> {answer.status}")
    return answer


def call_http_backend(
    ctx: InvocationContext, integration: dict[str, Any], request: IntegrationRequest
) -> BackendAnswer:
    """``HTTP`` (custom): send only the mapped request; the answer is mapped afterwards."""
    from .nonproxy import DEFAULT_CONTENT_TYPE, BackendAnswer

    url = with_query(endpoint_url(ctx, integration, request.path), request.querystring)
    headers = [(k, v) for k, values in request.header.items() for v in values]
    names = {k.lower() for k, _ in headers}
    if "content-type" not in names and request.body:
        headers.append(("Content-Type", request.template or DEFAULT_CONTENT_TYPE))
    headers += [
        (k, v)
        for k, v in (
            ("Accept", "application/json"),
            ("User-Agent", f"AmazonAPIGateway_{ctx.api_id}"),
            ("X-Amzn-apigateway-api-id", ctx.api_id),
        )
        if k.lower() not in names
    ]
    method = (integration.get("httpMethod") or "POST").upper()
    answer = _send(ctx, method, url, headers, request.body)
    return BackendAnswer(answer.status, list(answer.headers), answer.body)


def integrate_proxy(ctx: InvocationContext) -> None:
    """HTTP_PROXY: forward the whole request; the endpoint's answer is the response."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.route is not None
    integration = ctx.route.integration or {}
    mapped = param_mapping.map_request(integration.get("requestParameters") or {}, ctx)
    url = endpoint_url(ctx, integration, mapped.path, fallback=mreq.path_params)
    query = {k: list(v) for k, v in mreq.query.items()}
    query.update(mapped.querystring)
    url = with_query(url, query)
    headers: dict[str, list[str]] = {
        k: list(v) for k, v in mreq.headers.items() if k.lower() not in NOT_FORWARDED
    }
    for name, values in mapped.header.items():
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
        headers[name] = list(values)
    method = (integration.get("httpMethod") or "ANY").upper()
    if method == "ANY":
        method = mreq.method
    ctx.integration_request = {"method": method, "url": url, "headers": headers}
    answer = _send(
        ctx, method, url, [(k, v) for k, values in headers.items() for v in values], mreq.body
    )
    out: list[tuple[str, str]] = []
    for name, value in answer.headers:
        low = name.lower()
        if low in _DROPPED_FROM_ANSWER:
            continue
        out.append((f"x-amzn-Remapped-{name}", value) if low in _REMAPPED else (name, value))
    ctx.integration_response = answer
    ctx.method_response = HttpResponse(answer.status, out, answer.body)
