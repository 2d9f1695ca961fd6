"""Access logs (reference ops §5.2): any format built from the documented ``$context``
variables — the console's CLF, JSON, XML and CSV, error and integration variables,
latencies on the lab clock, identity and authorizer values — one line per request or
WebSocket event, into CloudWatch Logs or (REST) Kinesis Data Firehose."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import requests
from websockets.sync.client import connect as ws_connect

pytestmark = pytest.mark.usefixtures("fresh_lab")

T0 = "2025-03-01T10:00:00Z"
T0_MS = 1740823200000
GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:{}"
CLF = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user "
    '[$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" '
    "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
)
JSON = (
    '{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", '
    '"ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", '
    '"user":"$context.identity.user", "requestTime":"$context.requestTime", '
    '"httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", '
    '"status":"$context.status", "protocol":"$context.protocol", '
    '"responseLength":"$context.responseLength" }'
)
XML = (
    '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> '
    "<httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath"
    "</resourcePath> <status>$context.status</status> </request>"
)
CSV = (
    "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,"
    "$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,"
    "$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId"
)
HANDLER = """
import json
import time


def handler(event, context):
    if event["path"] == "/boom":
        raise ValueError("boom")
    if event["path"] == "/slow":
        time.sleep(0.75)
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""


def set_access_log(kit: Any, api_id: str, fmt: str, arn: str) -> None:
    kit.apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": fmt},
        ],
    )


def logged(kit: Any, group: str) -> list[str]:
    return [e["message"] for e in kit.logs.filter_log_events(logGroupName=group)["events"]]


@pytest.fixture
def api(kit: Any, lab: Any) -> Any:
    lab.clock.freeze(T0)
    return kit.proxy_api(HANDLER, (("GET", "/hello"), ("GET", "/boom"), ("GET", "/slow")))


@pytest.mark.parametrize("name", ["CLF", "JSON", "XML", "CSV"])
def test_the_console_formats(kit: Any, api: Any, name: str) -> None:
    fmt = {"CLF": CLF, "JSON": JSON, "XML": XML, "CSV": CSV}[name]
    kit.logs.create_log_group(logGroupName=name)
    set_access_log(kit, api.api_id, fmt, GROUP_ARN.format(name))
    r = requests.get(api.url("/hello"))
    rid, ext = r.headers["x-amzn-RequestId"], r.headers["x-amz-apigw-id"]
    (line,) = logged(kit, name)
    when = "01/Mar/2025:10:00:00 +0000"
    if name == "CLF":
        assert line == (
            f'127.0.0.1 - - [{when}] "GET /hello HTTP/1.1" 200 {len(r.content)} {rid} {ext}'
        )
    elif name == "JSON":
        assert json.loads(line) == {
            "requestId": rid,
            "extendedRequestId": ext,
            "ip": "127.0.0.1",
            "caller": "-",
            "user": "-",
            "requestTime": when,
            "httpMethod": "GET",
            "resourcePath": "/hello",
            "status": "200",
            "protocol": "HTTP/1.1",
            "responseLength": str(len(r.content)),
        }
    elif name == "XML":
        assert line == (
            f'<request id="{rid}"> <ip>127.0.0.1</ip> <httpMethod>GET</httpMethod> '
            "<resourcePath>/hello</resourcePath> <status>200</status> </request>"
        )
    else:
        assert line == (
            f"127.0.0.1,-,-,{when},GET,/hello,HTTP/1.1,200,{len(r.content)},{rid},{ext}"
        )


def test_error_and_integration_variables(kit: Any, api: Any) -> None:
    kit.logs.create_log_group(logGroupName="errors")
    fmt = (
        "$context.status|$context.error.message|$context.error.messageString|"
        "$context.error.responseType|$context.integrationErrorMessage|"
        "$context.integrationStatus|$context.integration.error"
    )
    set_access_log(kit, api.api_id, fmt, GROUP_ARN.format("errors"))
    requests.get(api.url("/nowhere"))
    requests.get(api.url("/boom"))
    requests.get(api.url("/hello"))
    missing, boom, ok = logged(kit, "errors")
    assert missing == (
        '403|Missing Authentication Token|"Missing Authentication Token"|'
        "MISSING_AUTHENTICATION_TOKEN|-|-|-"
    )
    failure = (
        "Lambda execution failed with status 200 due to customer function error: ValueError: boom"
    )
    assert boom == (
        f'502|Internal server error|"Internal server error"|INTEGRATION_FAILURE|{failure}|200|'
        f"{failure}"
    )
    assert ok == "200|-|-|-|-|200|-"


def test_latencies_are_lab_time_and_repeat(kit: Any, lab: Any) -> None:
    def run() -> list[list[str]]:
        lab.reset()
        lab.clock.freeze(T0)
        fresh = type(kit)(kit.zipper, region=kit.region)
        api = fresh.proxy_api(HANDLER, (("GET", "/slow"),))
        fresh.logs.create_log_group(logGroupName="latency")
        fmt = "$context.integrationLatency $context.integration.latency $context.responseLatency"
        set_access_log(fresh, api.api_id, fmt, GROUP_ARN.format("latency"))
        for _ in range(2):
            requests.get(api.url("/slow"))
        return [line.split() for line in logged(fresh, "latency")]

    first, second = run()
    assert first[0] == first[1] and second[0] == second[1]
    # the handler slept 0.75 s of lab time; the first call also paid a cold start
    assert 750 <= int(second[0]) < int(first[0]) and int(second[2]) > int(second[0])
    assert run() == [first, second]  # the same figures on a fresh lab


AUTHORIZER = """
def handler(event, context):
    return {
        "principalId": "alice",
        "context": {"tenant": "acme", "tier": 2},
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
            ],
        },
    }
"""


def test_identity_and_authorizer_variables(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    backend = kit.function(HANDLER)
    auth_fn = kit.function(AUTHORIZER)
    api_id = kit.rest_api(name="Guarded")
    authorizer = kit.apigw.create_authorizer(
        restApiId=api_id,
        name="tokens",
        type="TOKEN",
        identitySource="method.request.header.Authorization",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        f"{auth_fn}/invocations",
    )["id"]
    kit.method(api_id, "/hello", "GET", backend, authorization="CUSTOM", authorizerId=authorizer)
    kit.permit(backend, api_id)
    kit.permit(auth_fn, api_id, source_arn=f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*")
    kit.deploy(api_id)
    kit.logs.create_log_group(logGroupName="who")
    fmt = (
        "$context.identity.sourceIp $context.identity.userAgent $context.authorizer.principalId "
        "$context.authorizer.tenant $context.authorizer.tier $context.authorizer.latency"
    )
    set_access_log(kit, api_id, fmt, GROUP_ARN.format("who"))
    requests.get(
        kit.url(api_id, "prod", "/hello"), headers={"Authorization": "t", "User-Agent": "ua/1"}
    )
    (line,) = logged(kit, "who")
    ip, agent, principal, tenant, tier, latency = line.split()
    assert (ip, agent, principal, tenant, tier) == ("127.0.0.1", "ua/1", "alice", "acme", "2")
    assert int(latency) > 0  # the authorizer's call, on lab time


def test_one_line_per_websocket_event(ws_kit: Any, kit: Any, lab: Any) -> None:
    ws_api = ws_kit.lambda_api(
        "def handler(e, c):\n    return {'statusCode': 200, 'body': 'pong'}\n"
    )
    kit.logs.create_log_group(logGroupName="ws")
    ws_kit.v2.update_stage(
        ApiId=ws_api.api_id,
        StageName="prod",
        AccessLogSettings={
            "DestinationArn": GROUP_ARN.format("ws"),
            "Format": "$context.eventType $context.routeKey $context.status "
            "$context.connectionId $context.requestId",
        },
    )
    with ws_connect(ws_api.url, open_timeout=5) as ws:
        ws.send("ping")
        assert ws.recv(timeout=5) == "pong"
    lab.settle()
    found = [line.split() for line in logged(kit, "ws")]
    assert [(e, r, s) for e, r, s, _, _ in found] == [
        ("CONNECT", "$connect", "200"),
        ("MESSAGE", "$default", "200"),
        ("DISCONNECT", "$disconnect", "200"),
    ]
    assert len({line[3] for line in found}) == 1  # one connection


def test_firehose_destination_for_rest_stages(kit: Any, api: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="access-logs")
    firehose = boto3.client("firehose", region_name="us-east-1")
    arn = firehose.create_delivery_stream(
        DeliveryStreamName="amazon-apigateway-pets",
        S3DestinationConfiguration={
            "RoleARN": kit.role(),
            "BucketARN": "arn:aws:s3:::access-logs",
        },
    )["DeliveryStreamARN"]
    set_access_log(kit, api.api_id, "$context.requestId $context.status", arn)
    r = requests.get(api.url("/hello"))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="access-logs").get("Contents", [])]
    assert keys, "nothing was delivered to the Firehose stream's bucket"
    body = s3.get_object(Bucket="access-logs", Key=keys[0])["Body"].read().decode()
    assert f"{r.headers['x-amzn-RequestId']} 200" in body


def test_timestamps_are_the_lab_clock(kit: Any, api: Any, lab: Any) -> None:
    kit.logs.create_log_group(logGroupName="times")
    set_access_log(
        kit, api.api_id, "$context.requestId $context.requestTimeEpoch", GROUP_ARN.format("times")
    )
    requests.get(api.url("/hello"))
    lab.clock.advance(90)
    requests.get(api.url("/hello"))
    events = kit.logs.filter_log_events(logGroupName="times")["events"]
    assert [e["timestamp"] for e in events] == [T0_MS, T0_MS + 90_000]
    assert [e["message"].split()[1] for e in events] == [str(T0_MS), str(T0_MS + 90_000)]


def test_context_fields_of_releases_reach_the_line(plane: Any) -> None:
    """``$context.domainName``, ``$context.customDomain.basePathMatched`` and
    ``$context.isCanaryRequest`` read the fields the releases steps set."""
    from helpers.gateway import access_log
    from helpers.gateway.context import InvocationContext
    from helpers.gateway.http import HttpRequest
    from helpers.gateway.trace import Trace

    ctx = InvocationContext(
        request=HttpRequest("GET", "api.example.com", "/v1/orders"),
        request_id="r-1",
        extended_request_id="e-1",
        request_time=0.0,
        started=0.0,
        account_id="123456789012",
        region="us-east-1",
        plane=plane,
        api_id="abc123",
        trace=Trace("r-1"),
    )
    fmt = "$context.domainName $context.domainPrefix $context.customDomain.basePathMatched $context.isCanaryRequest"
    assert access_log.render(fmt, ctx) == (
        "abc123.execute-api.us-east-1.amazonaws.com abc123 - false"
    )
    ctx.domain_name, ctx.base_path_matched, ctx.canary = "api.example.com", "v1", True
    assert access_log.render(fmt, ctx) == "api.example.com api v1 true"


def test_filter_patterns_find_requests_in_json_access_logs(kit: Any, api: Any) -> None:
    kit.logs.create_log_group(logGroupName="json")
    fmt = '{"requestId":"$context.requestId","status":"$context.status","path":"$context.path"}'
    set_access_log(kit, api.api_id, fmt, GROUP_ARN.format("json"))
    for path in ("/hello", "/boom", "/nowhere", "/hello"):
        requests.get(api.url(path))

    def find(pattern: str) -> list[str]:
        events = kit.logs.filter_log_events(logGroupName="json", filterPattern=pattern)["events"]
        return [json.loads(e["message"])["status"] for e in events]

    assert find("{ $.status = 502 }") == ["502"]
    assert find("{ $.status >= 400 }") == ["502", "403"]
    assert find('{ $.path = "/prod/hello" && $.status = 200 }') == ["200", "200"]
    assert find('"/prod/nowhere"') == ["403"]
    assert find("-hello") == ["502", "403"]
    with pytest.raises(kit.logs.exceptions.InvalidParameterException, match="filter patterns"):
        find("[ip, user, status = 4*]")
