"""The cost model (reference ops §9): the price file, tiers, metering, the free tier, usage
measured by a simulation or given by a learner, break-even points."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from helpers import cost
from helpers.traffic import Outcome, Simulation


def test_the_price_file_is_dated_sourced_and_marks_uncertain_figures() -> None:
    prices = cost.price_list()
    assert prices["meta"]["checked"] and prices["meta"]["currency"] == "USD"
    assert any("aws.amazon.com/api-gateway/pricing" in s for s in prices["meta"]["sources"])
    assert set(cost.REGIONS) <= set(prices["regions"])
    assert prices["regions"]["ap-northeast-1"]["uncertain"] is True
    assert cost.uncertain("ap-northeast-1") >= {"rest", "http", "cache"}
    assert "rest" not in cost.uncertain("us-east-1")
    assert prices["free_tier"]["rest_requests"] == 1_000_000


@pytest.mark.parametrize(
    ("requests", "expected"),
    [
        (1_000_000, 3.50),
        (333_000_000, 333 * 3.50),
        (400_000_000, 333 * 3.50 + 67 * 2.80),
        (1_000_000_000, 333 * 3.50 + 667 * 2.80),
        (21_000_000_000, 333 * 3.50 + 667 * 2.80 + 19_000 * 2.38 + 1_000 * 1.51),
    ],
)
def test_rest_request_tiers(requests: float, expected: float) -> None:
    got = cost.bill(cost.Usage(rest_requests=requests)).total
    assert got == pytest.approx(expected)


def test_http_api_metering_in_512_kb_units() -> None:
    assert cost.http_units(1024, 2048) == 1
    assert cost.http_units(0, 512 * 1024) == 1
    assert cost.http_units(0, 513 * 1024) == 2  # the pricing page's example
    assert cost.bill(cost.Usage(http_requests=300_000_000 + 1_000_000)).total == pytest.approx(
        300 * 1.00 + 0.90
    )


def test_websocket_metering_in_32_kb_units() -> None:
    assert cost.websocket_units(32 * 1024) == 1
    assert cost.websocket_units(33 * 1024) == 2  # the pricing page's example
    usage = cost.Usage(websocket_messages=2_000_000, websocket_connection_minutes=4_000_000)
    lines = {line.item: line.cost for line in cost.bill(usage).lines}
    assert lines["WebSocket messages (32 KB units)"] == pytest.approx(2.00)
    assert lines["WebSocket connection minutes"] == pytest.approx(1.00)


def test_cache_by_the_hour_and_never_free() -> None:
    usage = cost.Usage().with_cache("0.5")
    bill = cost.bill(usage, free_tier=True)
    assert bill.total == pytest.approx(730 * 0.020)
    assert "[unc]" not in str(bill)
    assert "[unc]" in str(cost.bill(cost.Usage().with_cache("6.1")))
    with pytest.raises(KeyError, match="no cache price"):
        cost.bill(cost.Usage().with_cache("2"))


def test_free_tier_and_data_transfer() -> None:
    usage = cost.Usage(rest_requests=1_500_000, data_out_gb=150)
    assert cost.bill(usage, free_tier=True).total == pytest.approx(0.5 * 3.50 + 50 * 0.09)
    assert cost.bill(usage).total == pytest.approx(1.5 * 3.50 + 50 * 0.09)


def test_tokyo_costs_more_and_says_it_is_uncertain() -> None:
    usage = cost.Usage(rest_requests=10_000_000)
    tokyo, virginia = cost.bill(usage, "ap-northeast-1"), cost.bill(usage, "us-east-1")
    assert tokyo.total > virginia.total
    assert "[unc]" in str(tokyo) and "Asia Pacific (Tokyo)" in str(tokyo)
    with pytest.raises(KeyError, match="no prices"):
        cost.bill(usage, "eu-west-3")


def test_the_seeds_seventy_percent_claim() -> None:
    """REST vs HTTP per request: 71 % less in the first tier, less saving at volume."""
    p = cost.region_prices("us-east-1")
    first = 1 - p["http_requests"][0]["per_million"] / p["rest_requests"][0]["per_million"]
    assert first == pytest.approx(0.714, abs=0.001)
    big = 30_000_000_000
    rest = cost.monthly_cost("REST", big)
    http = cost.monthly_cost("HTTP", big)
    assert 1 - http / rest < 0.70


def test_traffic_descriptions() -> None:
    traffic = cost.Traffic(1_000_000, request_bytes=600 * 1024, response_bytes=10)
    assert traffic.usage("HTTP").http_requests == 2_000_000  # each call is 2 units
    assert traffic.usage("REST").rest_requests == 1_000_000
    ws = cost.Traffic(
        1000,
        request_bytes=100,
        response_bytes=40 * 1024,
        clients=10,
        hours_per_day=2,
        pushes_per_client_per_hour=6,
        days=30,
    ).usage("WEBSOCKET")
    assert ws.websocket_connection_minutes == 10 * 2 * 30 * 60
    assert ws.websocket_messages == 1000 * (1 + 2) + 10 * 2 * 30 * 6 * 2
    with pytest.raises(ValueError, match="REST, HTTP or WEBSOCKET"):
        traffic.usage("SOAP")


def test_usage_from_a_simulation_meters_real_bytes() -> None:
    outcomes = [
        Outcome(0.0, "c", 200, "ok", None, request_bytes=100, response_bytes=2000),
        Outcome(1.0, "c", 200, "ok", None, request_bytes=0, response_bytes=600 * 1024),
        Outcome(2.0, "c", 429, "throttled: stage", None, request_bytes=0, response_bytes=30),
    ]
    run = Simulation(outcomes, 3.0, [])
    http = cost.usage_from_simulation(run, "HTTP", scale=10)
    assert http.http_requests == (1 + 2 + 1) * 10
    assert http.data_out_gb == pytest.approx((2000 + 600 * 1024 + 30) * 10 / cost.GB)
    ok_only = cost.usage_from_simulation(run, "REST", billed=range(200, 400))
    assert ok_only.rest_requests == 2
    cached = cost.usage_from_simulation(run, "REST", cache_size="0.5")
    assert cached.cache_hours == {"0.5": 730}


def test_usage_from_metrics(kit: Any, lab: Any, fresh_lab: Any) -> None:
    import requests

    lab.clock.freeze("2025-03-01T10:00:00Z")
    api = kit.proxy_api(
        "def handler(e, c):\n    return {'statusCode': 200, 'body': 'x'}\n", name="Bill"
    )
    for _ in range(7):
        requests.get(api.url("/hello"))
    start = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
    usage = cost.usage_from_metrics(
        kit.cloudwatch,
        "REST",
        {"ApiName": "Bill", "Stage": "prod"},
        start,
        start + dt.timedelta(hours=2),
        scale=1000,
    )
    assert usage.rest_requests == 7000


def test_break_even() -> None:
    def fixed(x: float) -> float:
        return 10.0

    def per_request(x: float) -> float:
        return x / 1e6

    found = cost.break_even(per_request, fixed, 1e3, 1e9)
    assert found == pytest.approx(1e7, rel=1e-6)
    assert cost.break_even(fixed, fixed, 1, 10) == 1
    assert cost.break_even(per_request, lambda x: x / 1e5, 1, 1e9) is None


def test_monthly_cost_is_monotonic_in_traffic() -> None:
    volumes = [10**k for k in range(4, 11)]
    for api_type in ("REST", "HTTP", "WEBSOCKET"):
        costs = [cost.monthly_cost(api_type, v) for v in volumes]
        assert costs == sorted(costs) and not any(math.isnan(c) for c in costs)
