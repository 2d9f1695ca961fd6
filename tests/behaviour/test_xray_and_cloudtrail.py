"""X-Ray segments for REST stages with tracing on (reference ops §7), and CloudTrail's event
history: control-plane calls recorded, requests to the API not (seed 001)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

T0 = "2025-03-01T10:00:00Z"
START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
END = dt.datetime(2025, 3, 1, 11, 0, tzinfo=dt.UTC)
HANDLER = """
import time


def handler(event, context):
    if event["path"] == "/boom":
        raise ValueError("boom")
    if event["path"] == "/slow":
        time.sleep(1.5)
    return {"statusCode": 200, "body": "ok"}
"""


def traced_api(kit: Any, lab: Any, tracing: bool = True) -> Any:
    lab.clock.freeze(T0)
    api = kit.proxy_api(
        HANDLER, (("GET", "/hello"), ("GET", "/slow"), ("GET", "/boom")), name="Pets"
    )
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/tracingEnabled", "value": str(tracing).lower()}
        ],
    )
    return api


def summaries(**kwargs: Any) -> list[dict[str, Any]]:
    xray = boto3.client("xray")
    return xray.get_trace_summaries(StartTime=START, EndTime=END, **kwargs)["TraceSummaries"]


def documents(trace_id: str) -> list[dict[str, Any]]:
    (trace,) = boto3.client("xray").batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(s["Document"]) for s in trace["Segments"]]


def test_segments_show_where_the_time_went(kit: Any, lab: Any) -> None:
    api = traced_api(kit, lab)
    for path in ("/hello", "/slow", "/boom"):
        requests.get(api.url(path))
        lab.clock.advance(1)  # one request a second: each is the second's sampled one
    hello, slow, boom = summaries()
    assert slow["ResponseTime"] > 1.5 > hello["ResponseTime"]
    assert (
        slow["Http"]["HttpURL"]
        == f"https://{api.api_id}.execute-api.us-east-1.amazonaws.com/prod/slow"
    )
    assert (slow["Http"]["HttpStatus"], boom["Http"]["HttpStatus"]) == (200, 502)
    assert (slow["HasFault"], boom["HasFault"]) == (False, True)
    assert {s["Type"] for s in slow["ServiceIds"]} == {
        "AWS::ApiGateway::Stage",
        "AWS::Lambda",
        "AWS::Lambda::Function",
    }
    assert slow["Annotations"]["aws:api_stage"] == [{"AnnotationValue": {"StringValue": "prod"}}]
    by_origin = {d.get("origin"): d for d in documents(slow["Id"])}
    stage = by_origin["AWS::ApiGateway::Stage"]
    assert stage["name"] == "Pets/prod"
    assert stage["aws"]["api_gateway"]["rest_api_id"] == api.api_id
    assert stage["annotations"] == {"aws:api_id": api.api_id, "aws:api_stage": "prod"}
    assert stage["start_time"] == lab.clock.now() - 2  # the lab clock's second request
    (call,) = stage["subsegments"]
    assert call["name"] == "Lambda" and call["aws"]["operation"] == "Invoke"
    function = by_origin["AWS::Lambda::Function"]
    invocation = next(s for s in function["subsegments"] if s["name"] == "Invocation")
    assert invocation["end_time"] - invocation["start_time"] >= 1.5  # the handler's sleep
    assert by_origin["AWS::Lambda"]["parent_id"] == call["id"]
    assert function["parent_id"] == by_origin["AWS::Lambda"]["id"]
    cause = next(d for d in documents(boom["Id"]) if d.get("origin") == "AWS::Lambda::Function")
    assert cause["fault"] is True
    assert cause["cause"]["exceptions"][0]["message"] == "boom"


def test_filter_expressions(kit: Any, lab: Any) -> None:
    api = traced_api(kit, lab)
    for path in ("/hello", "/slow", "/boom"):
        requests.get(api.url(path))
        lab.clock.advance(1)
    assert len(summaries(FilterExpression="responsetime > 1")) == 1
    assert len(summaries(FilterExpression="fault")) == 1
    assert len(summaries(FilterExpression='service("Pets/prod") AND http.status = 200')) == 2
    assert len(summaries(FilterExpression='annotation.aws:api_stage = "dev"')) == 0
    with pytest.raises(boto3.client("xray").exceptions.ClientError, match="filter expressions"):
        summaries(FilterExpression='edge("a", "b")')


def test_no_segments_without_tracing(kit: Any, lab: Any) -> None:
    api = traced_api(kit, lab, tracing=False)
    requests.get(api.url("/hello"))
    assert summaries() == []
    # passive mode: an upstream caller's sampled trace header is honoured
    root = "1-67c2da40-000000000000000000000001"
    requests.get(api.url("/hello"), headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=1"})
    assert [s["Id"] for s in summaries()] == [root]


def test_sampling_reservoir_then_five_percent(kit: Any, lab: Any) -> None:
    api = traced_api(kit, lab)
    for _ in range(200):  # all in the same second of the lab clock
        requests.get(api.url("/hello"))
    sampled = len(summaries())
    assert 1 < sampled < 30  # the first one, then about 5 % of the other 199


def test_segments_repeat_run_after_run(kit: Any, lab: Any) -> None:
    def run() -> str:
        lab.reset()
        fresh = type(kit)(kit.zipper, region=kit.region)
        api = traced_api(fresh, lab)
        requests.get(api.url("/slow"))
        (only,) = summaries()
        # the kit numbers its functions across the session: the name is the only difference
        return json.dumps(documents(only["Id"])).replace(api.fn_arn.split(":")[-1], "fn")

    assert run() == run()


# ---------------------------------------------------------------------------------- CloudTrail


def test_cloudtrail_records_control_plane_calls_not_requests(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(HANDLER, (("GET", "/hello"),), name="Pets")
    for _ in range(5):
        assert requests.get(api.url("/hello")).status_code == 200
    trail = boto3.client("cloudtrail")
    events = trail.lookup_events(
        LookupAttributes=[
            {"AttributeKey": "EventSource", "AttributeValue": "apigateway.amazonaws.com"}
        ]
    )["Events"]
    names = [e["EventName"] for e in events]
    assert names[:4] == ["CreateDeployment", "PutIntegration", "PutMethod", "CreateResource"]
    assert names[-1] == "CreateRestApi"
    assert not any("Invoke" in n or n.startswith("GET") for n in names)  # no data plane
    detail = json.loads(events[0]["CloudTrailEvent"])
    assert detail["eventSource"] == "apigateway.amazonaws.com"
    assert detail["eventType"] == "AwsApiCall" and detail["managementEvent"] is True
    assert detail["eventTime"] == "2025-03-01T10:00:00Z"
    assert events[0]["Resources"] == [
        {"ResourceType": "AWS::ApiGateway::RestApi", "ResourceName": api.api_id}
    ]
    lambda_names = [
        e["EventName"]
        for e in trail.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventSource", "AttributeValue": "lambda.amazonaws.com"}
            ]
        )["Events"]
    ]
    assert "CreateFunction20150331" in lambda_names  # Lambda's names carry the API version
    assert not any(name.startswith("Invoke") for name in lambda_names)
    reads = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
    )["Events"]
    assert all(e["EventName"].startswith(("Get", "List", "Describe")) for e in reads)
