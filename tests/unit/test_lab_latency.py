"""Latency on the lab clock (:mod:`helpers.gateway.latency`) and the Lambda runtime's
``time.sleep`` on a frozen clock: lab time, no real wait, the deadline still enforced."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

import pytest

from helpers.gateway import latency

pytestmark = pytest.mark.usefixtures("fresh_lab")

SLEEPER = (
    "import time\ndef handler(event, context):\n    time.sleep(event['s'])\n    return 'done'\n"
)


def test_spread_is_deterministic_and_within_bounds() -> None:
    values = [latency.spread(f"request-{i}", (5.0, 25.0)) for i in range(2000)]
    assert values == [latency.spread(f"request-{i}", (5.0, 25.0)) for i in range(2000)]
    assert min(values) >= 5.0 and max(values) <= 25.0
    ordered = sorted(values)
    assert ordered[1000] < 10.0 < ordered[1990]  # skewed: most quick, a few slow


def test_wall_time_keeps_measured_latencies() -> None:
    ctx = SimpleNamespace(plane=SimpleNamespace(clock=SimpleNamespace(frozen=False)))
    assert latency.lambda_ms(ctx, SimpleNamespace(request_id="r"), 12.5) == 12.5
    assert latency.response_latency_ms(ctx, 40.0) == 40.0


def test_a_sleep_on_a_frozen_clock_is_lab_time(kit: Any, lab: Any) -> None:
    lab.clock.freeze("2025-03-01T10:00:00Z")
    fn = kit.function(SLEEPER, timeout=10)
    lab.runtime.invoke(fn, {"s": 0})  # warm up
    started = time.perf_counter()
    result = lab.runtime.invoke(fn, {"s": 5})
    assert time.perf_counter() - started < 2  # no real five seconds
    assert result.payload == b'"done"' and result.virtual_ms == 5000
    assert result.duration_ms >= 5000
    assert lab.clock.now() == 1740823200.0  # the clock stays where the notebook put it


def test_the_deadline_counts_lab_time(kit: Any, lab: Any) -> None:
    lab.clock.freeze("2025-03-01T10:00:00Z")
    fn = kit.function(SLEEPER, timeout=3)
    started = time.perf_counter()
    result = lab.runtime.invoke(fn, {"s": 60})
    assert time.perf_counter() - started < 2
    assert result.function_error == "Unhandled"
    assert "Task timed out after 3.00 seconds" in json.loads(result.payload)["errorMessage"]
    remaining = kit.function(
        "import time\ndef handler(event, context):\n"
        "    time.sleep(2)\n    return context.get_remaining_time_in_millis()\n",
        timeout=3,
    )
    left = json.loads(lab.runtime.invoke(remaining, {}).payload)
    assert 0 < left <= 1000


def test_on_wall_time_a_sleep_waits_for_real(kit: Any, lab: Any) -> None:
    fn = kit.function(SLEEPER)
    started = time.perf_counter()
    result = lab.runtime.invoke(fn, {"s": 0.3})
    assert time.perf_counter() - started >= 0.3
    assert result.virtual_ms == 0
