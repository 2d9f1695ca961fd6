"""Execution logs (REST and WebSocket APIs; HTTP APIs have none), written into
``API-Gateway-Execution-Logs_{apiId}/{stage}`` (canary requests also into ``.../Canary``),
a group API Gateway creates itself (DG set-up-logging).

They are told from what the pipeline recorded — the request's trace, walked in order, and
the context it left (method request, integration request and response, the error, the
latencies of :mod:`~helpers.gateway.latency`) — so the log and the trace tell the same
story. The lines read like AWS's (KC api-gateway-logs, KC api-gateway-504-errors), each
prefixed ``(requestId)``:

``Extended Request Id``, the usage-plan check, ``Starting execution for request``,
``HTTP Method: GET, Resource Path: /pets/{id}``, the method request, the endpoint request
URI, headers and body after transformations, ``Sending request to``, ``Received response.
Status: 200, Integration latency: 27 ms``, the endpoint response, the method response,
``Successfully completed execution``, ``Method completed with status: 200``, ``AWS
Integration Endpoint RequestId : ...``; and the failures: ``Lambda execution failed with
status 200 due to customer function error: ...``, ``Execution failed due to configuration
error: Malformed Lambda proxy response``, ``Execution failed due to a timeout error``,
``Execution failed due to configuration error: Invalid permissions on Lambda function``,
``Unauthorized request``, ``... exceeded throttle limit ...``.

Levels (method settings ``logging/loglevel``; WebSocket ``LoggingLevel``): ``INFO`` writes
every line; ``ERROR`` only the lines of a failure and its completion status.
``dataTraceEnabled`` adds the headers and bodies ("log full requests/responses data");
with ``ERROR`` they are written for failed requests only [unc]. Lines longer than 1,024
bytes are truncated, as AWS truncates execution-log events [doc]; the marker is [unc].
Requests that match no method (403 *Missing Authentication Token*) have no method
settings, hence no execution log [unc].
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from .context import InvocationContext
from .limits.layers import stage_method_settings
from .log_buffer import Line, stream_name

MAX_EVENT_BYTES = 1024
#: [unc] what marks a truncated event
TRUNCATED = " [TRUNCATED]"
#: headers whose values execution logs mask (all but the last characters) [unc]
MASKED_HEADERS = frozenset({"authorization", "x-api-key", "x-amz-security-token"})

INFO, ERROR, DATA = "INFO", "ERROR", "DATA"


def group_name(api_id: str, stage: str) -> str:
    return f"API-Gateway-Execution-Logs_{api_id}/{stage}"


def settings(ctx: InvocationContext) -> tuple[str, bool]:
    """(logging level, data trace) for this request's method or route."""
    stage = ctx.stage
    if stage is None:
        return "OFF", False
    if ctx.api_type == "WEBSOCKET":
        raw = stage.raw
        route = (getattr(raw, "route_settings", None) or {}).get(ctx.route_key) or {}
        default = getattr(raw, "default_route_settings", None) or {}
        level = route.get("loggingLevel", default.get("loggingLevel")) or "OFF"
        trace = route.get("dataTraceEnabled", default.get("dataTraceEnabled"))
        return str(level).upper(), bool(trace)
    if ctx.api_type != "REST" or ctx.route is None:
        return "OFF", False
    found = stage_method_settings(stage.method_settings, ctx.resource_path, ctx.route.http_method)
    if found is None:
        return "OFF", False
    entry = found[1]
    return str(entry.get("loggingLevel") or "OFF").upper(), bool(entry.get("dataTraceEnabled"))


def _java_map(values: dict[str, Any] | None) -> str:
    if not values:
        return "{}"
    return "{" + ", ".join(f"{k}={v}" for k, v in values.items()) + "}"


def _mask(name: str, value: str) -> str:
    if name.lower() in MASKED_HEADERS and len(value) > 4:
        return "*" * min(len(value) - 4, 12) + value[-4:]
    return value


def _headers(headers: Any) -> str:
    """``{Accept=*/*, Host=...}``: the last value of each header, masked where AWS masks."""
    if not headers:
        return "{}"
    if isinstance(headers, dict):
        pairs = [(k, v[-1] if isinstance(v, list) else v) for k, v in headers.items()]
    else:
        seen: dict[str, str] = {}
        for k, v in headers:
            seen[k] = v
        pairs = list(seen.items())
    return "{" + ", ".join(f"{k}={_mask(k, str(v))}" for k, v in pairs) + "}"


def _body(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


class _Lines:
    """The lines being written; data-trace lines are only made when they are wanted."""

    def __init__(self, data: bool = True) -> None:
        self.items: list[tuple[str, str]] = []
        self.with_data = data

    def info(self, text: str) -> None:
        self.items.append((INFO, text))

    def error(self, text: str) -> None:
        self.items.append((ERROR, text))

    def data(self, make: Callable[[], str]) -> None:
        if self.with_data:
            self.items.append((DATA, make()))


def _lambda_target(ctx: InvocationContext) -> tuple[str, str] | None:
    """(function ARN, endpoint URI) when the integration is a Lambda function."""
    from .integrations.lambda_invoke import function_from_uri, is_lambda_uri

    integration = (ctx.route.integration if ctx.route else None) or {}
    if ctx.http_route is not None:
        integration = {"uri": getattr(ctx.http_route, "integration", {}).get("uri", "")}
    uri = integration.get("uri") or ""
    if not is_lambda_uri(uri):
        return None
    try:
        arn = function_from_uri(uri, ctx.stage.variables if ctx.stage else {})
    except Exception:
        return None
    if not arn.startswith("arn:"):
        arn = f"arn:aws:lambda:{ctx.region}:{ctx.account_id}:function:{arn}"
    return arn, f"https://lambda.{ctx.region}.amazonaws.com/2015-03-31/functions/{arn}/invocations"


def _endpoint_uri(ctx: InvocationContext) -> str | None:
    target = _lambda_target(ctx)
    if target is not None:
        return target[1]
    integration = (ctx.route.integration if ctx.route else None) or {}
    kind = integration.get("type")
    uri = integration.get("uri") or ""
    if kind in ("HTTP", "HTTP_PROXY"):
        return uri
    if kind == "AWS" and uri.startswith("arn:aws:apigateway:"):
        parts = uri.split(":")
        return f"https://{parts[4]}.{parts[3]}.amazonaws.com/"
    return None


def _method_and_resource(ctx: InvocationContext) -> tuple[str, str]:
    mreq = ctx.method_request
    method = ctx.route.http_method if ctx.route else (mreq.method if mreq else "")
    if method == "ANY" and mreq is not None:
        method = mreq.method
    return method, ctx.resource_path or (mreq.path if mreq else "")


def _usage_plan(ctx: InvocationContext, out: _Lines, entry: Any) -> None:
    stage = f"{ctx.api_id}/{ctx.stage.name if ctx.stage else ''}"
    method, resource = _method_and_resource(ctx)
    if entry is None or entry.decision.startswith("not required"):
        out.info(
            f"Verifying Usage Plan for request: {ctx.request_id}. API Key:  API Stage: {stage}"
        )
        out.info(
            f"API Key  authorized because method '{method} {resource}' does not require API "
            "Key. Request will not contribute to throttle or quota limits"
        )
        out.info(f"Usage Plan check succeeded for API Key  and API Stage {stage}")
        return
    key = ctx.usage.masked_key if ctx.usage else "****"
    out.info(
        f"Verifying Usage Plan for request: {ctx.request_id}. API Key: {key} API Stage: {stage}"
    )
    out.info(f"Usage Plan check succeeded for API Key {key} and API Stage {stage}")


def _start(ctx: InvocationContext, out: _Lines) -> None:
    mreq = ctx.method_request
    method, resource = _method_and_resource(ctx)
    out.info(f"Starting execution for request: {ctx.request_id}")
    out.info(f"HTTP Method: {method}, Resource Path: {resource}")
    if mreq is not None:
        out.info(f"Method request path: {_java_map(mreq.path_params)}")
        query = {k: v[-1] for k, v in mreq.query.items()} if mreq.query else {}
        out.info(f"Method request query string: {_java_map(query)}")
        out.data(lambda: f"Method request headers: {_headers(mreq.headers)}")
        out.data(lambda: f"Method request body before transformations: {_body(mreq.body)}")


def _endpoint_request(ctx: InvocationContext, out: _Lines) -> str | None:
    uri = _endpoint_uri(ctx)
    if uri is None:
        return None
    out.info(f"Endpoint request URI: {uri}")
    target = _lambda_target(ctx)
    if target is not None:
        headers = {
            "x-amzn-lambda-integration-tag": ctx.request_id,
            "Authorization": "AWS4-HMAC-SHA256 Credential=ASIA************",
            "X-Amz-Date": _amz_date(ctx.request_time),
            "x-amzn-apigateway-api-id": ctx.api_id,
            "Accept": "application/json",
            "User-Agent": f"AmazonAPIGateway_{ctx.api_id}",
            "X-Amz-Security-Token": "IQoJb3JpZ2luX2VjE************",
            "Content-Type": "application/json",
        }
        if ctx.xray_trace_id:
            headers["X-Amzn-Trace-Id"] = f"Root={ctx.xray_trace_id}"
        out.data(lambda: f"Endpoint request headers: {_headers(headers)}")
    request = ctx.integration_request
    body = getattr(request, "body", request)
    out.data(lambda: f"Endpoint request body after transformations: {_body(body)}")
    out.info(f"Sending request to {uri}")
    return uri


def _amz_date(epoch: float) -> str:
    import time

    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _received(ctx: InvocationContext, out: _Lines) -> None:
    latency = ctx.integration_latency_ms
    status = ctx.integration_status
    result = ctx.lambda_invocation
    ms = round(latency or 0)
    out.info(f"Received response. Status: {status or 200}, Integration latency: {ms} ms")
    if result is not None:
        headers = {
            "Date": _http_date(ctx.request_time),
            "Content-Type": "application/json",
            "Content-Length": str(len(result.payload)),
            "Connection": "keep-alive",
            "x-amzn-RequestId": result.request_id,
        }
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        headers["X-Amz-Executed-Version"] = getattr(result, "executed_version", "$LATEST")
        out.data(lambda: f"Endpoint response headers: {_headers(headers)}")
        out.data(lambda: f"Endpoint response body before transformations: {_body(result.payload)}")
    else:
        answer = ctx.integration_response
        headers = getattr(answer, "headers", None)
        if headers is not None:
            out.data(lambda: f"Endpoint response headers: {_headers(headers)}")
        body = getattr(answer, "body", None)
        if body is not None:
            out.data(lambda: f"Endpoint response body before transformations: {_body(body)}")


def _http_date(epoch: float) -> str:
    from email.utils import formatdate

    return formatdate(epoch, usegmt=True)


def _function_error(ctx: InvocationContext) -> str:
    result = ctx.lambda_invocation
    message = "function error"
    if result is not None:
        with contextlib.suppress(ValueError, AttributeError):
            message = str(json.loads(result.payload).get("errorMessage"))
    rid = result.request_id if result is not None else ""
    return (
        "Lambda execution failed with status 200 due to customer function error: "
        f"{message}. Lambda request id: {rid}"
    )


def _failure(ctx: InvocationContext, out: _Lines) -> None:
    """The error lines for the gateway response that ended this request."""
    err = ctx.error
    assert err is not None
    kind = err.response_type
    reason = err.reason or ""
    stage = f"{ctx.api_id}/{ctx.stage.name if ctx.stage else ''}"
    grant = ctx.usage
    if (
        kind == "INTEGRATION_FAILURE"
        and ctx.lambda_invocation is not None
        and (ctx.lambda_invocation.function_error)
    ):
        out.error(_function_error(ctx))
    elif kind == "INTEGRATION_FAILURE" and "Malformed Lambda proxy response" in reason:
        out.error("Execution failed due to configuration error: Malformed Lambda proxy response")
    elif kind == "INTEGRATION_TIMEOUT":
        out.error("Execution failed due to a timeout error")
    elif "Invalid permissions on Lambda function" in reason:
        out.error(
            "Execution failed due to configuration error: Invalid permissions on Lambda function"
        )
    elif kind == "QUOTA_EXCEEDED" and grant is not None:
        out.error(
            f"API Key {grant.masked_key} exceeded quota limit for API Stage {stage}: Key quota "
            f"exhausted for Usage Plan ID {grant.plan_id}"
        )
    elif kind == "THROTTLED":
        throttle = grant.throttle if grant is not None else None
        if grant is not None and throttle and reason.startswith("usage plan"):
            out.error(
                f"API Key {grant.masked_key} exceeded throttle limit for API Stage {stage}: Key "
                f"throttle limit exceeded for Usage Plan ID {grant.plan_id}, Limit: "
                f"{float(throttle.get('rateLimit', 0)):.2f} Burst: {throttle.get('burstLimit', 0)}"
            )
        else:  # [unc] stage and account throttles
            out.error(f"Execution failed due to throttling: {reason or err.message}")
    elif kind == "UNAUTHORIZED":
        out.error(f"Unauthorized request: {ctx.request_id}")
    elif kind in ("ACCESS_DENIED", "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR"):
        out.error(f"Execution failed due to configuration error: {reason or err.message}")
    elif kind in ("BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS"):
        out.error(f"Request validation failed: {err.message}")
    elif kind == "INVALID_API_KEY":
        out.error(f"Forbidden: API Key not authorized for API Stage {stage} ({err.message})")
    elif reason.startswith("Execution failed"):
        out.error(reason)
    else:
        out.error(f"Execution failed: {err.message or kind}")


_BEFORE_EXECUTION = frozenset(
    {
        "method-request",
        "endpoint",
        "route",
        "authenticate",
        "resource-policy",
        "authorize",
        "authorizer",
        "api-key",
        "throttle",
        "gateway-response",
        "stage",
    }
)


def lines(ctx: InvocationContext, *, data: bool = True) -> list[tuple[str, str]]:
    """Every execution-log line of this request, (kind, text), kind INFO, ERROR or DATA
    (``data``: with the data-trace lines)."""
    out = _Lines(data)
    out.info(f"Extended Request Id: {ctx.extended_request_id}")
    websocket = ctx.api_type == "WEBSOCKET"
    started = False
    usage_checked = websocket
    sent = False
    for entry in ctx.trace.entries:
        step = entry.step
        if step in ("authorizer", "authorize") and not started:
            name = entry.details.get("authorizer")
            if name:
                if entry.decision == "cached answer":
                    out.info(f"Using cached authorizer answer for authorizer {name}")
                elif entry.decision in ("unauthorized",):
                    pass  # the failure line says it
                else:
                    out.info(f"Starting authorizer: {name} for request: {ctx.request_id}")
                    if entry.decision not in ("failed", "configuration"):
                        out.info("Successfully completed authorizer execution")
            continue
        if step == "api-key":
            _usage_plan(ctx, out, entry)
            usage_checked = True
            continue
        if step in _BEFORE_EXECUTION:
            continue
        if not started:
            if not usage_checked and ctx.route is not None:
                _usage_plan(ctx, out, None)
                usage_checked = True
            _start(ctx, out) if not websocket else _start_websocket(ctx, out)
            started = True
        if step == "cache":
            out.info(f"Stage cache: {entry.decision}")
        elif step == "validate" and entry.decision != "passed":
            details = entry.details.get("errors") or entry.details.get("missing")
            out.info(f"Request validation: {entry.decision} {details or ''}".rstrip())
        elif step in ("integration", "aws-service") and not sent:
            sent = _endpoint_request(ctx, out) is not None
            if entry.decision != "timed out" and ctx.integration_latency_ms is not None:
                _received(ctx, out)
    if not sent and ctx.integration_request is not None and ctx.integration_latency_ms is not None:
        # the integration answered but its step stopped before tracing it (a malformed
        # Lambda proxy answer): the context still says what was sent and received
        if not started:
            _start(ctx, out) if not websocket else _start_websocket(ctx, out)
            started = True
        if _endpoint_request(ctx, out) is not None:
            _received(ctx, out)
    if ctx.error is None:
        if not started and ctx.route is None and not websocket:
            return []  # no method matched: no method settings, no execution log [unc]
        if not started:
            if not usage_checked and ctx.route is not None:
                _usage_plan(ctx, out, None)
            _start(ctx, out) if not websocket else _start_websocket(ctx, out)
        resp = ctx.method_response
        if resp is not None and not websocket:
            out.data(lambda: f"Method response body after transformations: {_body(resp.body)}")
            out.data(lambda: f"Method response headers: {_headers(_response_headers(resp))}")
        out.info("Successfully completed execution")
        if resp is not None:
            out.info(f"Method completed with status: {_status(ctx)}")
        if ctx.lambda_invocation is not None:
            out.info(f"AWS Integration Endpoint RequestId : {ctx.lambda_invocation.request_id}")
        return out.items
    if ctx.route is None and not websocket:
        return []  # [unc] see the module docstring
    _failure(ctx, out)
    if ctx.method_response is not None:
        out.error(f"Method completed with status: {_status(ctx)}")
    return out.items


def _status(ctx: InvocationContext) -> int:
    assert ctx.method_response is not None
    status = ctx.method_response.status
    return 200 if ctx.api_type == "WEBSOCKET" and status == 101 else status


def _response_headers(resp: Any) -> dict[str, str]:
    skip = {"date", "content-length", "connection", "x-amzn-requestid", "x-amz-apigw-id"}
    return {k: v for k, v in resp.headers if k.lower() not in skip and not k.startswith("X-Amz-Cf")}


def _start_websocket(ctx: InvocationContext, out: _Lines) -> None:
    conn = ctx.connection
    out.info(f"Starting execution for request: {ctx.request_id}")
    out.info(
        f"WebSocket Event Type: {ctx.event_type}, Route: {ctx.route_key}, "
        f"Connection Id: {getattr(conn, 'connection_id', '')}"
    )
    if ctx.message is not None:
        out.data(lambda: f"Message body: {_body(ctx.message)}")


def write(ctx: InvocationContext) -> None:
    """Buffer this request's execution log (REST and WebSocket stages with logging on)."""
    if ctx.api_type == "HTTP" or ctx.stage is None:
        return
    level, data_trace = settings(ctx)
    if level not in ("INFO", "ERROR"):
        if not data_trace:
            return
        level = "ERROR"  # [unc] data trace without a level: the failures, in full
    failed = ctx.error is not None
    if level == "ERROR" and not failed:
        return
    items = lines(ctx, data=data_trace)
    if not items:
        return
    keep = []
    for kind, text in items:
        if kind == DATA:
            if not data_trace or (level == "ERROR" and not failed):
                continue
        elif kind == INFO and level != "INFO":
            continue
        encoded = f"({ctx.request_id}) {text}"
        if len(encoded.encode()) > MAX_EVENT_BYTES:
            encoded = encoded.encode()[:MAX_EVENT_BYTES].decode("utf-8", "ignore") + TRUNCATED
        keep.append(encoded)
    if not keep:
        return
    stamp = int(ctx.request_time * 1000)
    stream = stream_name(ctx.api_id, ctx.stage.name, "execution")
    buffer = ctx.plane.logs
    names = [group_name(ctx.api_id, ctx.stage.name)]
    if ctx.canary:
        names.append(names[0] + "/Canary")
    for name in names:
        for text in keep:
            buffer.add(
                Line(ctx.account_id, ctx.region, name, stream, stamp, text, create_group=True)
            )
