"""CloudWatch metrics and access logs (reference §11), read back with the boto3 calls a
notebook would use on AWS. The lab clock is frozen so the data points land in known minutes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

T0 = "2024-05-01T12:00:00Z"
T0_EPOCH = 1714564800.0
ACCESS_FORMAT = "$context.requestId $context.httpMethod $context.resourcePath $context.status"


@pytest.fixture
def api(kit: Any, functions_dir: Path, lab: Any) -> Any:
    lab.clock.freeze(T0)
    return kit.proxy_api(
        functions_dir / "echo.py", (("GET", "/hello"), ("GET", "/pets/{id}")), name="PetStore"
    )


def traffic(api: Any, lab: Any) -> None:
    """3 x 200, 1 x 403 (no route), 1 x 502 (a route whose function raises)."""
    for path in ("/hello", "/pets/1", "/pets/2", "/nowhere"):
        requests.get(api.url(path))


def test_count_and_errors_per_api_and_per_stage(kit: Any, api: Any, lab: Any) -> None:
    broken = kit.function("def handler(event, context):\n    raise RuntimeError('x')\n")
    kit.method(api.api_id, "/broken", "GET", broken)
    kit.permit(broken, api.api_id)
    kit.deploy(api.api_id)
    traffic(api, lab)
    requests.get(api.url("/broken"))
    for dims in ({"ApiName": "PetStore"}, {"ApiName": "PetStore", "Stage": "prod"}):
        assert kit.metric_sum("Count", dims, T0_EPOCH) == 5
        assert kit.metric_sum("4XXError", dims, T0_EPOCH) == 1
        assert kit.metric_sum("5XXError", dims, T0_EPOCH) == 1
        assert kit.metric_sum("Latency", dims, T0_EPOCH, "SampleCount") == 5
        # the 403 never reached an integration
        assert kit.metric_sum("IntegrationLatency", dims, T0_EPOCH, "SampleCount") == 4


def test_latency_includes_integration_latency(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(
        "import time\n\ndef handler(event, context):\n    time.sleep(0.2)\n    return {}\n",
        name="Slow",
    )
    requests.get(api.url("/hello"))
    dims = {"ApiName": "Slow", "Stage": "prod"}
    integration = kit.metric_sum("IntegrationLatency", dims, T0_EPOCH, "Maximum")
    latency = kit.metric_sum("Latency", dims, T0_EPOCH, "Maximum")
    assert integration is not None and latency is not None
    assert 200 <= integration <= latency < 2000


def test_metrics_land_in_the_minute_of_the_lab_clock(kit: Any, api: Any, lab: Any) -> None:
    requests.get(api.url("/hello"))
    lab.clock.advance(120)
    requests.get(api.url("/hello"))
    requests.get(api.url("/hello"))
    points = kit.cloudwatch.get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName="Count",
        Dimensions=[{"Name": "ApiName", "Value": "PetStore"}, {"Name": "Stage", "Value": "prod"}],
        StartTime=dt.datetime(2024, 5, 1, 11, 55, tzinfo=dt.UTC),
        EndTime=dt.datetime(2024, 5, 1, 12, 5, tzinfo=dt.UTC),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    by_minute = {p["Timestamp"].astimezone(dt.UTC).strftime("%H:%M"): p["Sum"] for p in points}
    assert by_minute == {"12:00": 1.0, "12:02": 2.0}


def test_detailed_metrics_only_when_enabled(kit: Any, api: Any, lab: Any) -> None:
    detailed = {"ApiName": "PetStore", "Method": "GET", "Resource": "/pets/{id}", "Stage": "prod"}
    requests.get(api.url("/pets/1"))
    assert kit.metric_sum("Count", detailed, T0_EPOCH) is None
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"}],
    )
    requests.get(api.url("/pets/1"))
    requests.get(api.url("/pets/2"))
    requests.get(api.url("/hello"))
    assert kit.metric_sum("Count", detailed, T0_EPOCH) == 2
    hello = dict(detailed, Resource="/hello")
    assert kit.metric_sum("Count", hello, T0_EPOCH) == 1
    assert kit.metric_sum("Count", {"ApiName": "PetStore", "Stage": "prod"}, T0_EPOCH) == 4


def test_list_metrics_shows_the_dimension_sets(kit: Any, api: Any, lab: Any) -> None:
    requests.get(api.url("/hello"))
    metrics = kit.cloudwatch.list_metrics(Namespace="AWS/ApiGateway", MetricName="Count")["Metrics"]
    dimension_sets = sorted(tuple(sorted(d["Name"] for d in m["Dimensions"])) for m in metrics)
    assert dimension_sets == [("ApiName",), ("ApiName", "Stage")]


def test_non_ascii_characters_are_stripped_from_the_api_name(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api("def handler(event, context):\n    return {}\n", name="Café☕API")
    requests.get(api.url("/hello"))
    assert kit.metric_sum("Count", {"ApiName": "CafAPI"}, T0_EPOCH) == 1


def enable_access_logs(kit: Any, api: Any, group: str, fmt: str = ACCESS_FORMAT) -> None:
    arn = kit.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": arn.removesuffix(":*"),
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": fmt},
        ],
    )


def test_access_log_lines(kit: Any, api: Any, lab: Any) -> None:
    kit.logs.create_log_group(logGroupName="/apigw/petstore-access")
    enable_access_logs(kit, api, "/apigw/petstore-access")
    ids = [
        requests.get(api.url(path)).headers["x-amzn-RequestId"]
        for path in ("/hello", "/pets/7", "/nope")
    ]
    ids.append(requests.post(api.url("/hello")).headers["x-amzn-RequestId"])
    events = kit.logs.filter_log_events(logGroupName="/apigw/petstore-access")["events"]
    assert [e["message"] for e in events] == [
        f"{ids[0]} GET /hello 200",
        f"{ids[1]} GET /pets/{{id}} 200",
        f"{ids[2]} GET - 403",
        f"{ids[3]} POST - 403",
    ]
    assert {e["timestamp"] for e in events} == {int(T0_EPOCH * 1000)}


def test_access_log_clf_format(kit: Any, api: Any, lab: Any) -> None:
    clf = (
        "$context.identity.sourceIp $context.identity.caller $context.identity.user "
        '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
        "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
    )
    kit.logs.create_log_group(logGroupName="clf")
    enable_access_logs(kit, api, "clf", clf)
    r = requests.get(api.url("/hello"))
    (event,) = kit.logs.filter_log_events(logGroupName="clf")["events"]
    assert event["message"] == (
        f'127.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /hello HTTP/1.1" 200 '
        f"{len(r.content)} {r.headers['x-amzn-RequestId']} {r.headers['x-amz-apigw-id']}"
    )


def test_access_log_settings_are_live_and_removable(kit: Any, api: Any, lab: Any) -> None:
    kit.logs.create_log_group(logGroupName="live")
    requests.get(api.url("/hello"))  # before: not logged
    enable_access_logs(kit, api, "live")
    requests.get(api.url("/hello"))
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[{"op": "remove", "path": "/accessLogSettings"}],
    )
    requests.get(api.url("/hello"))  # after: not logged
    assert len(kit.logs.filter_log_events(logGroupName="live")["events"]) == 1
