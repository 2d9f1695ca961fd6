"""Latency as the operational view reports it: ``Latency`` and ``IntegrationLatency`` in
CloudWatch, ``$context.responseLatency`` / ``$context.integrationLatency`` in access logs,
"Integration latency: N ms" in execution logs, and the segments' times in X-Ray.

Two regimes, chosen by the lab clock:

- **wall time** (the clock is not frozen): latencies are *measured* with
  ``time.perf_counter``, as the emulator really spent them;
- **lab time** (the clock is frozen: every notebook, the traffic simulator): latencies are
  what the request takes *on the lab's timeline*, so a notebook prints and plots the same
  figures every run. The lab's timeline is made of
  - the integration's time: a Lambda function's invocation overhead (``LAMBDA_INVOKE_MS``),
    its init phase on a cold start (``LAMBDA_COLD_START_MS``) and the lab time its handler
    slept (``time.sleep`` inside a handler on a frozen clock takes lab time, not real time:
    see :mod:`helpers.lambda_runtime.timeouts`); an AWS service call's ``AWS_SERVICE_MS``;
    a MOCK's zero; an HTTP backend's *real* latency (it is a real server on 127.0.0.1);
  - API Gateway's own time (``OVERHEAD_MS`` per API type), plus a Lambda authorizer's call
    when its answer was not cached.

The spreads are deterministic: each request draws its point in ``(low, high)`` from a hash
of its request id, skewed towards ``low`` (most requests are quick, a few are slow), so
percentiles differ as they do on AWS. All figures are ``[unc]``: AWS publishes none, they
only make the lab's numbers plausible. Change them here.
"""

from __future__ import annotations

import zlib
from typing import Any

#: [unc] API Gateway's own time per request on the lab clock (ms, low..high), by API type
OVERHEAD_MS: dict[str, tuple[float, float]] = {
    "REST": (6.0, 24.0),
    "HTTP": (3.0, 12.0),
    "WEBSOCKET": (3.0, 12.0),
}
#: [unc] Lambda's invocation overhead plus a trivial handler, warm (ms, low..high)
LAMBDA_INVOKE_MS = (8.0, 40.0)
#: [unc] the init phase of a small Python function on a cold start (ms)
LAMBDA_COLD_START_MS = 220.0
#: [unc] one call to an AWS service API (SQS, DynamoDB, ...) from API Gateway (ms)
AWS_SERVICE_MS = (6.0, 30.0)


def lab_time(ctx: Any) -> bool:
    """Whether this request runs on lab time (a frozen lab clock)."""
    return bool(getattr(ctx.plane.clock, "frozen", False))


def spread(key: str, low_high: tuple[float, float], salt: str = "") -> float:
    """A deterministic point in ``low_high`` for ``key``, skewed towards the low end."""
    low, high = low_high
    u = zlib.crc32((salt + key).encode()) / 0xFFFFFFFF
    return round(low + (high - low) * u**3, 3)


def lambda_ms(ctx: Any, result: Any, measured_ms: float) -> float:
    """A Lambda invocation's latency as API Gateway saw it: measured, or on lab time the
    invocation overhead + a cold start's init + the lab time the handler slept."""
    if not lab_time(ctx):
        return measured_ms
    ms = spread(result.request_id, LAMBDA_INVOKE_MS, "lambda")
    if getattr(result, "init_duration_ms", None) is not None:
        ms += LAMBDA_COLD_START_MS
    return round(ms + getattr(result, "virtual_ms", 0.0), 3)


def timed_out_ms(ctx: Any, timeout_ms: float, measured_ms: float) -> float:
    """An integration that ran out of time: on lab time it took exactly its time-out."""
    return float(timeout_ms) if lab_time(ctx) else measured_ms


def aws_service_ms(ctx: Any, measured_ms: float) -> float:
    return spread(ctx.request_id, AWS_SERVICE_MS, "aws") if lab_time(ctx) else measured_ms


def overhead_ms(ctx: Any) -> float:
    """API Gateway's own time for this request on lab time."""
    return spread(ctx.request_id, OVERHEAD_MS.get(ctx.api_type, OVERHEAD_MS["REST"]))


def response_latency_ms(ctx: Any, measured_ms: float) -> float:
    """``Latency``: from the request's arrival to the answer, the integration included."""
    if not lab_time(ctx):
        return measured_ms
    total = overhead_ms(ctx) + (ctx.authorizer_latency_ms or 0.0)
    if ctx.integration_latency_ms is not None:
        total += ctx.integration_latency_ms
    return round(total, 3)
