"""Every metric in seed 001's list, with the names, units and dimensions AWS uses for each
API type (reference ops §6.1): REST, HTTP and WebSocket; detailed metrics only when
enabled; percentiles of the latency metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
from websockets.sync.client import connect as ws_connect

pytestmark = pytest.mark.usefixtures("fresh_lab")

T0 = "2025-03-01T10:00:00Z"
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
END = dt.datetime(2025, 3, 1, 11, 0, tzinfo=dt.UTC)
#: seed 001's thirteen metrics, by the API type that publishes each
SEED_001 = {
    "REST": {"CacheHitCount", "CacheMissCount", "Count", "IntegrationLatency", "Latency"}
    | {"4XXError", "5XXError"},
    "HTTP": {"Count", "IntegrationLatency", "Latency", "DataProcessed", "4xx", "5xx"},
    "WEBSOCKET": {"ConnectCount", "MessageCount", "IntegrationLatency"}
    | {"ClientError", "ExecutionError", "IntegrationError"},
}
UNITS = {
    "Count": "Count",
    "4XXError": "Count",
    "5XXError": "Count",
    "4xx": "Count",
    "5xx": "Count",
    "CacheHitCount": "Count",
    "CacheMissCount": "Count",
    "Latency": "Milliseconds",
    "IntegrationLatency": "Milliseconds",
    "DataProcessed": "Bytes",
    "ConnectCount": "Count",
    "MessageCount": "Count",
    "ClientError": "Count",
    "ExecutionError": "Count",
    "IntegrationError": "Count",
}
HANDLER = """
import json


def handler(event, context):
    if (event.get("path") or event.get("rawPath", "")).endswith("/boom"):
        raise ValueError("boom")
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""


def catalogue(kit: Any) -> dict[str, set[tuple[str, ...]]]:
    """metric name -> the dimension-name sets it is published with."""
    out: dict[str, set[tuple[str, ...]]] = {}
    paginator = kit.cloudwatch.get_paginator("list_metrics")
    for page in paginator.paginate(Namespace="AWS/ApiGateway"):
        for m in page["Metrics"]:
            dims = tuple(sorted(d["Name"] for d in m["Dimensions"]))
            out.setdefault(m["MetricName"], set()).add(dims)
    return out


def unit_of(kit: Any, metric: str, dims: dict[str, str]) -> str:
    (point,) = kit.cloudwatch.get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=START,
        EndTime=END,
        Period=7200,
        Statistics=["SampleCount"],
    )["Datapoints"]
    return point["Unit"]


def test_rest_metrics_names_units_dimensions(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(HANDLER, (("GET", "/hello"), ("GET", "/boom")), name="Shop")
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
        ],
    )
    for path in ("/hello", "/hello", "/boom", "/nowhere"):
        requests.get(api.url(path))
    found = catalogue(kit)
    assert set(found) == SEED_001["REST"]
    for name, dims in found.items():
        assert dims == {("ApiName",), ("ApiName", "Stage")}, name
        assert unit_of(kit, name, {"ApiName": "Shop", "Stage": "prod"}) == UNITS[name]
    assert kit.metric_sum("CacheHitCount", {"ApiName": "Shop"}, lab.clock.now()) == 1
    assert kit.metric_sum("CacheMissCount", {"ApiName": "Shop"}, lab.clock.now()) == 2
    assert kit.metric_sum("5XXError", {"ApiName": "Shop"}, lab.clock.now()) == 1
    assert kit.metric_sum("4XXError", {"ApiName": "Shop"}, lab.clock.now()) == 1


def test_rest_detailed_metrics_only_when_enabled(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(HANDLER, (("GET", "/hello"),), name="Shop")
    requests.get(api.url("/hello"))
    assert ("ApiName", "Method", "Resource", "Stage") not in catalogue(kit)["Count"]
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/~1hello/GET/metrics/enabled", "value": "true"}
        ],
    )
    requests.get(api.url("/hello"))
    assert ("ApiName", "Method", "Resource", "Stage") in catalogue(kit)["Latency"]
    detailed = {"ApiName": "Shop", "Method": "GET", "Resource": "/hello", "Stage": "prod"}
    assert kit.metric_sum("Count", detailed, lab.clock.now()) == 1


def test_http_metrics_names_units_dimensions(http_kit: Any, kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = http_kit.lambda_api(HANDLER, ("GET /hello", "GET /boom"))
    for path in ("/hello", "/boom", "/nowhere"):
        requests.get(api.url(path))
    found = catalogue(kit)
    assert set(found) == SEED_001["HTTP"]
    for name, dims in found.items():
        assert dims == {("ApiId",), ("ApiId", "Stage")}, name
        assert unit_of(kit, name, {"ApiId": api.api_id, "Stage": "$default"}) == UNITS[name]
    http_kit.v2.update_stage(
        ApiId=api.api_id,
        StageName="$default",
        DefaultRouteSettings={"DetailedMetricsEnabled": True},
    )
    requests.get(api.url("/hello"))
    assert ("ApiId", "Route", "Stage") in catalogue(kit)["Count"]
    route = {"ApiId": api.api_id, "Route": "GET /hello", "Stage": "$default"}
    assert kit.metric_sum("Count", route, lab.clock.now()) == 1
    assert kit.metric_sum("DataProcessed", route, lab.clock.now()) > 0


def test_websocket_metrics_names_and_dimensions(ws_kit: Any, kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = ws_kit.lambda_api(
        "def handler(e, c):\n"
        "    if e.get('body') == 'fail':\n"
        "        raise ValueError('x')\n"
        "    return {'statusCode': 200, 'body': 'ok'}\n",
        routes=("$connect", "$default"),
    )
    with ws_connect(api.url, open_timeout=5) as ws:
        ws.send("hello")
        ws.recv(timeout=5)
        ws.send("fail")
        ws.recv(timeout=5)
    lab.settle()
    found = catalogue(kit)
    assert set(found) == SEED_001["WEBSOCKET"]
    for name, dims in found.items():
        assert dims == {("ApiId",), ("ApiId", "Stage")}, name
        assert unit_of(kit, name, {"ApiId": api.api_id, "Stage": "prod"}) == UNITS[name]
    now = lab.clock.now()
    dims = {"ApiId": api.api_id}
    assert kit.metric_sum("ConnectCount", dims, now) == 1
    assert kit.metric_sum("MessageCount", dims, now) == 4  # two in, two out
    assert kit.metric_sum("IntegrationError", dims, now) == 1


def test_every_seed_001_metric_belongs_to_an_api_type() -> None:
    seed = {
        "CacheHitCount",
        "CacheMissCount",
        "ConnectCount",
        "Count",
        "IntegrationLatency",
        "Latency",
        "MessageCount",
        "4XXError",
        "5XXError",
        "ClientError",
        "ExecutionError",
        "IntegrationError",
        "DataProcessed",
    }
    assert set().union(*SEED_001.values()) - {"4xx", "5xx"} == seed


def test_latency_percentiles(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(
        "import time\ndef handler(event, context):\n"
        "    time.sleep(int(event['queryStringParameters']['ms']) / 1000)\n"
        "    return {'statusCode': 200}\n",
        name="Timed",
    )
    for ms in range(10, 1010, 10):  # 100 requests, 10 ms to 1,000 ms
        requests.get(api.url("/hello"), params={"ms": ms})
    (point,) = kit.cloudwatch.get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName="IntegrationLatency",
        Dimensions=[{"Name": "ApiName", "Value": "Timed"}],
        StartTime=START,
        EndTime=END,
        Period=7200,
        Statistics=["Maximum"],
        ExtendedStatistics=["p50", "p90", "p99"],
    )["Datapoints"]
    p = point["ExtendedStatistics"]
    assert p["p50"] < p["p90"] < p["p99"] <= point["Maximum"]
    assert 500 <= p["p50"] < 600 and 900 <= p["p90"] < 1000
    data = kit.cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "p90",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApiGateway",
                        "MetricName": "IntegrationLatency",
                        "Dimensions": [{"Name": "ApiName", "Value": "Timed"}],
                    },
                    "Period": 7200,
                    "Stat": "p90",
                },
            }
        ],
        StartTime=START,
        EndTime=END,
    )["MetricDataResults"][0]
    assert data["Values"] == [p["p90"]]
