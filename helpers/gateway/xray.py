"""X-Ray segments for REST stages with ``tracingEnabled`` (HTTP and WebSocket APIs have no
X-Ray), built from what the pipeline recorded — the trace, the context, the latencies of
:mod:`~helpers.gateway.latency` — and sent to the target's X-Ray (moto's holds them), so
``get_trace_summaries`` / ``batch_get_traces`` show where the time went.

Per sampled request (DG apigateway-understanding-xray-traces):

- the **API Gateway** segment ``{api-name}/{stage}`` (origin ``AWS::ApiGateway::Stage``):
  ``http.request`` / ``http.response``, ``aws.api_gateway``, the annotations ``aws:api_id``
  and ``aws:api_stage``, ``metadata.default``; ``error`` (4xx), ``throttle`` (429),
  ``fault`` (5xx); a ``Lambda`` subsegment for a Lambda integration;
- for a Lambda integration, the **Lambda service** segment (origin ``AWS::Lambda``) and the
  **function** segment (``AWS::Lambda::Function``) with its ``Initialization`` (cold start),
  ``Invocation`` and ``Overhead`` subsegments, and the function's error as a ``cause``.

Times are the request's arrival on the lab clock plus the latencies, so on a frozen clock
the same request gives the same segments every run. Ids are derived from the request id
(no randomness). **Sampling** (API Gateway's default rule, DG
apigateway-configuring-xray-sampling-rules): the first request in each second of the lab
clock per stage (the reservoir) plus 5 % of the rest, chosen by a hash of the request id
[unc: which 5 %]; a request carrying ``X-Amzn-Trace-Id: ...;Sampled=1`` is always traced
and ``Sampled=0`` never (passive mode), also on stages without active tracing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import latency

#: the default sampling rule: a reservoir of one request a second, then this fraction
RESERVOIR_PER_SECOND = 1
FIXED_RATE = 0.05
SAMPLING_RULE = "Default"


def _hex(text: str, n: int) -> str:
    return hashlib.md5(text.encode()).hexdigest()[:n]


def trace_id(request_time: float, request_id: str) -> str:
    """``1-{8 hex digits of the epoch second}-{24 hex digits}``."""
    return f"1-{int(request_time):08x}-{_hex('trace' + request_id, 24)}"


def _header(ctx: Any) -> dict[str, str]:
    raw = ctx.request.header("x-amzn-trace-id") or ""
    parts = {}
    for item in raw.split(";"):
        key, _, value = item.strip().partition("=")
        if key:
            parts[key] = value
    return parts


class Sampler:
    """The reservoir: which (api, stage, second) already had its sampled request."""

    def __init__(self) -> None:
        self._seconds: dict[tuple[str, str], tuple[int, int]] = {}

    def sampled(self, api_id: str, stage: str, now: float, request_id: str) -> bool:
        second = int(now)
        key = (api_id, stage)
        last, used = self._seconds.get(key, (-1, 0))
        if last != second:
            used = 0
        if used < RESERVOIR_PER_SECOND:
            self._seconds[key] = (second, used + 1)
            return True
        self._seconds[key] = (second, used)
        return int(_hex("rate" + request_id, 8), 16) / 0xFFFFFFFF < FIXED_RATE

    def clear(self) -> None:
        self._seconds.clear()


def decide(ctx: Any, sampler: Sampler) -> str | None:
    """The X-Ray trace id when this REST request is traced, else None."""
    if ctx.api_type != "REST" or ctx.stage is None:
        return None
    tracing = getattr(ctx.stage.raw, "tracing_enabled", False)
    if not tracing and ctx.request.header("x-amzn-trace-id") is None:
        return None
    upstream = _header(ctx)
    if upstream.get("Sampled") == "0":
        return None
    if upstream.get("Sampled") == "1" and upstream.get("Root"):
        return upstream["Root"]
    if not tracing:
        return None
    if not sampler.sampled(ctx.api_id, ctx.stage.name, ctx.request_time, ctx.request_id):
        return None
    return trace_id(ctx.request_time, ctx.request_id)


def _flags(status: int) -> dict[str, bool]:
    if status == 429:
        return {"error": True, "throttle": True}
    if 400 <= status < 500:
        return {"error": True}
    if status >= 500:
        return {"fault": True}
    return {}


def segments(ctx: Any, root: str) -> list[dict[str, Any]]:
    """The segment documents for one traced request."""
    assert ctx.stage is not None
    rid = ctx.request_id
    start = ctx.request_time
    total_ms = ctx.response_latency_ms or 0.0
    end = start + total_ms / 1000
    status = ctx.method_response.status if ctx.method_response else 0
    api_name = ctx.deployment.api_name if ctx.deployment else ctx.api_id
    mreq = ctx.method_request
    path = mreq.path if mreq else ctx.request.path
    gateway: dict[str, Any] = {
        "id": _hex("apigw" + rid, 16),
        "trace_id": root,
        "name": f"{api_name}/{ctx.stage.name}",
        "origin": "AWS::ApiGateway::Stage",
        "resource_arn": (
            f"arn:aws:apigateway:{ctx.region}::/restapis/{ctx.api_id}/stages/{ctx.stage.name}"
        ),
        "start_time": start,
        "end_time": end,
        "http": {
            "request": {
                "url": f"https://{ctx.domain_name or ctx.request.host}/{ctx.stage.name}{path}",
                "method": ctx.request.method,
                "client_ip": ctx.request.source_ip,
                "x_forwarded_for": True,
            },
            "response": {
                "status": status,
                "content_length": len(ctx.method_response.body) if ctx.method_response else 0,
            },
        },
        "aws": {
            "api_gateway": {
                "account_id": ctx.account_id,
                "rest_api_id": ctx.api_id,
                "stage": ctx.stage.name,
                "request_id": rid,
            },
            "xray": {"sampling_rule_name": SAMPLING_RULE},
        },
        "annotations": {"aws:api_id": ctx.api_id, "aws:api_stage": ctx.stage.name},
        "metadata": {
            "default": {"extended_request_id": ctx.extended_request_id, "request_id": rid}
        },
        **_flags(status),
    }
    out = [gateway]
    result = ctx.lambda_invocation
    integration_ms = ctx.integration_latency_ms
    if result is not None and integration_ms is not None:
        before = (total_ms - integration_ms) / 2  # API Gateway's own time, split around it
        call_start = start + max(before, 0.0) / 1000
        call_end = call_start + integration_ms / 1000
        function_arn = _function_arn(ctx)
        function_name = function_arn.split(":")[6] if function_arn.count(":") >= 6 else "?"
        sub = {
            "id": _hex("lambda-call" + rid, 16),
            "name": "Lambda",
            "namespace": "aws",
            "start_time": call_start,
            "end_time": call_end,
            "http": {"response": {"status": 200, "content_length": len(result.payload)}},
            "aws": {
                "function_name": function_name,
                "region": ctx.region,
                "operation": "Invoke",
                "resource_names": [function_name],
                "request_id": result.request_id,
            },
        }
        gateway["subsegments"] = [sub]
        out += _lambda_segments(ctx, root, sub, function_name, function_arn, result)
    return out


def _function_arn(ctx: Any) -> str:
    from .integrations.lambda_invoke import function_from_uri

    uri = ((ctx.route.integration if ctx.route else None) or {}).get("uri", "")
    try:
        name = function_from_uri(uri, ctx.stage.variables if ctx.stage else {})
    except Exception:
        return ""
    if name.startswith("arn:"):
        return name
    return f"arn:aws:lambda:{ctx.region}:{ctx.account_id}:function:{name}"


def _lambda_segments(
    ctx: Any, root: str, call: dict[str, Any], name: str, arn: str, result: Any
) -> list[dict[str, Any]]:
    rid = result.request_id
    start, end = call["start_time"], call["end_time"]
    service = {
        "id": _hex("lambda-service" + rid, 16),
        "trace_id": root,
        "parent_id": call["id"],
        "name": name,
        "origin": "AWS::Lambda",
        "resource_arn": arn,
        "start_time": start,
        "end_time": end,
        "http": {"response": {"status": 200}},
        "aws": {"request_id": rid},
    }
    cold = result.init_duration_ms is not None
    init_s = 0.0
    if cold:
        init_ms = latency.LAMBDA_COLD_START_MS if latency.lab_time(ctx) else result.init_duration_ms
        init_s = init_ms / 1000
    slept_s = getattr(result, "virtual_ms", 0.0) / 1000
    # the Lambda service's own time (what is neither the init phase nor the handler) is
    # split: a quarter before the function, a quarter after it, a quarter of overhead
    fixed = max((end - start) - init_s - slept_s, 0.0) / 4
    f_start, f_end = start + fixed, end - fixed
    init_s = min(init_s, max(f_end - f_start, 0.0))
    invoke_start = f_start + init_s
    overhead = min(fixed, max(f_end - invoke_start, 0.0))
    subsegments = []
    if cold:
        subsegments.append(
            {
                "id": _hex("init" + rid, 16),
                "name": "Initialization",
                "start_time": f_start,
                "end_time": invoke_start,
                "aws": {"function_arn": arn},
            }
        )
    invocation: dict[str, Any] = {
        "id": _hex("invocation" + rid, 16),
        "name": "Invocation",
        "start_time": invoke_start,
        "end_time": f_end - overhead,
        "aws": {"function_arn": arn},
    }
    function: dict[str, Any] = {
        "id": _hex("function" + rid, 16),
        "trace_id": root,
        "parent_id": service["id"],
        "name": name,
        "origin": "AWS::Lambda::Function",
        "resource_arn": arn,
        "start_time": f_start,
        "end_time": f_end,
        "aws": {"account_id": ctx.account_id, "function_arn": arn, "resource_names": [name]},
    }
    if result.function_error:
        try:
            err = json.loads(result.payload)
        except ValueError:
            err = {}
        cause = {
            "working_directory": "/var/task",
            "exceptions": [
                {
                    "id": _hex("exception" + rid, 16),
                    "message": str(err.get("errorMessage", "")),
                    "type": str(err.get("errorType", "")),
                }
            ],
        }
        invocation.update(fault=True, cause=cause)
        function.update(fault=True, cause=cause)
    subsegments.append(invocation)
    subsegments.append(
        {
            "id": _hex("overhead" + rid, 16),
            "name": "Overhead",
            "start_time": f_end - overhead,
            "end_time": f_end,
            "aws": {"function_arn": arn},
        }
    )
    function["subsegments"] = subsegments
    return [service, function]


def send(ctx: Any, root: str) -> None:
    """Put the request's segments into the target's X-Ray (moto's backend, in-process)."""
    from moto.xray.models import TraceSegment, xray_backends

    collection = xray_backends[ctx.account_id][ctx.region]._segment_collection
    for document in segments(ctx, root):
        # what process_segment does, without parsing back the JSON just written
        raw = json.dumps(document)
        fields = dict(document, segment_id=document["id"])
        del fields["id"]
        collection.put_segment(TraceSegment(raw=raw, **fields))
