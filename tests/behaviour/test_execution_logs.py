"""Execution logs (reference ops §5.1): the account's CloudWatch Logs role and AWS's refusal
without it, the log group, INFO vs ERROR, data trace, lines that read like AWS's and tell
the trace's story; WebSocket execution logs; none for HTTP APIs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from websockets.sync.client import connect as ws_connect

pytestmark = pytest.mark.usefixtures("fresh_lab")

T0 = "2025-03-01T10:00:00Z"
ROLE_MISSING = "CloudWatch Logs role ARN must be set in account settings to enable logging"
APIGW_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
HANDLER = """
import json
import time


def handler(event, context):
    path = event["path"]
    if path == "/boom":
        raise ValueError("boom")
    if path == "/slow":
        time.sleep(2)
    if path == "/bad":
        return {"statusCode": 200, "unexpected": True}
    return {"statusCode": 200, "body": json.dumps({"ok": path})}
"""
ROUTES = (("GET", "/hello"), ("GET", "/boom"), ("GET", "/slow"), ("GET", "/bad"))


def logging_role(kit: Any) -> str:
    return kit.iam.create_role(
        RoleName="apigw-cloudwatch", AssumeRolePolicyDocument=json.dumps(APIGW_TRUST)
    )["Role"]["Arn"]


def set_account_role(kit: Any) -> None:
    kit.apigw.update_account(
        patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": logging_role(kit)}
        ]
    )


def enable(kit: Any, api_id: str, level: str = "INFO", data_trace: bool = False) -> None:
    kit.apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": level},
            {"op": "replace", "path": "/*/*/logging/dataTrace", "value": str(data_trace).lower()},
        ],
    )


def lines(kit: Any, api_id: str, stage: str = "prod") -> list[str]:
    group = f"API-Gateway-Execution-Logs_{api_id}/{stage}"
    return [e["message"] for e in kit.logs.filter_log_events(logGroupName=group)["events"]]


def of(found: list[str], request_id: str) -> list[str]:
    prefix = f"({request_id}) "
    return [line[len(prefix) :] for line in found if line.startswith(prefix)]


@pytest.fixture
def api(kit: Any, lab: Any) -> Any:
    lab.clock.freeze(T0)
    return kit.proxy_api(HANDLER, ROUTES, name="Pets", timeout=5, timeout_ms=1000)


# ------------------------------------------------------------------------ the prerequisite


def test_logging_without_the_account_role_is_refused(kit: Any, api: Any) -> None:
    for path, value in (("/*/*/logging/loglevel", "INFO"), ("/*/*/logging/dataTrace", "true")):
        with pytest.raises(ClientError) as err:
            kit.apigw.update_stage(
                restApiId=api.api_id,
                stageName="prod",
                patchOperations=[{"op": "replace", "path": path, "value": value}],
            )
        assert err.value.response["Error"]["Code"] == "BadRequestException"
        assert err.value.response["Error"]["Message"] == ROLE_MISSING
    # turning logging OFF, metrics and access logs need no role
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "OFF"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        ],
    )
    set_account_role(kit)
    enable(kit, api.api_id, "ERROR")
    stage = kit.apigw.get_stage(restApiId=api.api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "ERROR"


def test_update_account_keeps_the_role_and_checks_its_trust(kit: Any) -> None:
    assert "cloudwatchRoleArn" not in kit.apigw.get_account()
    assert kit.apigw.get_account()["features"] == ["UsagePlans"]
    lambda_role = kit.role()  # trusts lambda.amazonaws.com, not API Gateway
    with pytest.raises(ClientError) as err:
        kit.apigw.update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": lambda_role}]
        )
    assert err.value.response["Error"]["Code"] == "BadRequestException"
    set_account_role(kit)
    assert kit.apigw.get_account()["cloudwatchRoleArn"].endswith(":role/apigw-cloudwatch")


def test_websocket_stage_logging_needs_the_role_and_http_apis_have_none(
    ws_kit: Any, http_kit: Any, kit: Any
) -> None:
    ws_api = ws_kit.lambda_api("def handler(e, c):\n    return {'statusCode': 200}\n")
    settings = {"LoggingLevel": "INFO", "DataTraceEnabled": False}
    with pytest.raises(ClientError) as err:
        ws_kit.v2.update_stage(ApiId=ws_api.api_id, StageName="prod", DefaultRouteSettings=settings)
    assert err.value.response["Error"]["Message"] == ROLE_MISSING
    with pytest.raises(ClientError):
        ws_kit.v2.create_stage(ApiId=ws_api.api_id, StageName="dev", DefaultRouteSettings=settings)
    set_account_role(kit)
    ws_kit.v2.update_stage(ApiId=ws_api.api_id, StageName="prod", DefaultRouteSettings=settings)
    http_api = http_kit.lambda_api("def handler(e, c):\n    return 'ok'\n")
    with pytest.raises(ClientError) as err:
        http_kit.v2.update_stage(
            ApiId=http_api.api_id, StageName="$default", DefaultRouteSettings=settings
        )
    assert "Execution logs are not supported" in err.value.response["Error"]["Message"]


# ------------------------------------------------------------------------ the lines


def test_info_lines_read_like_aws_and_follow_the_request(kit: Any, api: Any, lab: Any) -> None:
    set_account_role(kit)
    enable(kit, api.api_id, "INFO")
    r = requests.get(api.url("/hello") + "?q=1")
    rid = r.headers["x-amzn-RequestId"]
    got = of(lines(kit, api.api_id), rid)
    stage = f"{api.api_id}/prod"
    assert got[0] == f"Extended Request Id: {r.headers['x-amz-apigw-id']}"
    assert got[1:4] == [
        f"Verifying Usage Plan for request: {rid}. API Key:  API Stage: {stage}",
        "API Key  authorized because method 'GET /hello' does not require API Key. Request "
        "will not contribute to throttle or quota limits",
        f"Usage Plan check succeeded for API Key  and API Stage {stage}",
    ]
    uri = f"https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/{api.fn_arn}/invocations"
    assert got[4:9] == [
        f"Starting execution for request: {rid}",
        "HTTP Method: GET, Resource Path: /hello",
        "Method request path: {}",
        "Method request query string: {q=1}",
        f"Endpoint request URI: {uri}",
    ]
    assert got[9] == f"Sending request to {uri}"
    assert re.fullmatch(r"Received response\. Status: 200, Integration latency: \d+ ms", got[10])
    assert got[11:] == [
        "Successfully completed execution",
        "Method completed with status: 200",
        f"AWS Integration Endpoint RequestId : {got[-1].split(' : ')[1]}",
    ]
    # no data trace: no headers, no bodies
    assert not any("headers" in line or "body" in line for line in got)


def test_integration_latency_is_lab_time_and_matches_the_access_log(kit: Any, lab: Any) -> None:
    """The handler sleeps 2 s on a frozen lab clock: no real wait, 2 s of lab time."""
    lab.clock.freeze(T0)
    api = kit.proxy_api(HANDLER, ROUTES, name="Pets", timeout=5)
    set_account_role(kit)
    enable(kit, api.api_id, "INFO")
    kit.logs.create_log_group(logGroupName="access")
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": "arn:aws:logs:us-east-1:123456789012:log-group:access",
            },
            {
                "op": "replace",
                "path": "/accessLogSettings/format",
                "value": "$context.requestId $context.integrationLatency $context.responseLatency",
            },
        ],
    )
    r = requests.get(api.url("/slow"))
    rid = r.headers["x-amzn-RequestId"]
    received = next(x for x in of(lines(kit, api.api_id), rid) if x.startswith("Received"))
    ms = int(received.split("latency: ")[1].split()[0])
    assert 2000 <= ms < 2400
    (access,) = [e["message"] for e in kit.logs.filter_log_events(logGroupName="access")["events"]]
    _, integration, response = access.split()
    assert int(integration) == ms and int(response) > ms


def test_data_trace_adds_headers_and_bodies(kit: Any, api: Any) -> None:
    set_account_role(kit)
    enable(kit, api.api_id, "INFO", data_trace=True)
    r = requests.get(api.url("/hello"), headers={"x-api-key": "secret-key-1234"})
    got = of(lines(kit, api.api_id), r.headers["x-amzn-RequestId"])
    headers = next(x for x in got if x.startswith("Method request headers: "))
    # masked but for the last four characters
    assert re.search(r"x-api-key=\*{11}1234[,}]", headers, re.IGNORECASE)
    body = next(x for x in got if x.startswith("Endpoint request body after transformations: "))
    # the Lambda event, compact JSON (the line is cut at 1,024 bytes, as AWS cuts it)
    assert body.split(": ", 1)[1].startswith(
        '{"resource":"/hello","path":"/hello","httpMethod":"GET"'
    )
    assert 'Endpoint response body before transformations: {"statusCode": 200' in "\n".join(got)
    assert 'Method response body after transformations: {"ok": "/hello"}' in got


def test_error_level_logs_only_failures(kit: Any, api: Any) -> None:
    set_account_role(kit)
    enable(kit, api.api_id, "ERROR")
    ok = requests.get(api.url("/hello"))
    boom = requests.get(api.url("/boom"))
    assert boom.status_code == 502
    found = lines(kit, api.api_id)
    assert of(found, ok.headers["x-amzn-RequestId"]) == []
    got = of(found, boom.headers["x-amzn-RequestId"])
    assert len(got) == 2
    assert re.fullmatch(
        r"Lambda execution failed with status 200 due to customer function error: boom\. "
        r"Lambda request id: [0-9a-f-]{36}",
        got[0],
    )
    assert got[1] == "Method completed with status: 502"


@pytest.mark.parametrize(
    ("path", "status", "line"),
    [
        (
            "/bad",
            502,
            "Execution failed due to configuration error: Malformed Lambda proxy response",
        ),
        ("/slow", 504, "Execution failed due to a timeout error"),
    ],
)
def test_failures_say_what_aws_says(kit: Any, lab: Any, path: str, status: int, line: str) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(HANDLER, ROUTES, name="Pets", timeout=5, timeout_ms=1000)
    set_account_role(kit)
    enable(kit, api.api_id, "INFO")
    r = requests.get(api.url(path))
    assert r.status_code == status
    got = of(lines(kit, api.api_id), r.headers["x-amzn-RequestId"])
    assert got[-2:] == [line, f"Method completed with status: {status}"]
    assert any(x.startswith("Sending request to https://lambda.") for x in got)


def test_missing_permission_is_a_configuration_error(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(HANDLER, ROUTES, name="Pets", permit=False)
    set_account_role(kit)
    enable(kit, api.api_id, "ERROR")
    r = requests.get(api.url("/hello"))
    assert r.status_code == 500
    assert of(lines(kit, api.api_id), r.headers["x-amzn-RequestId"]) == [
        "Execution failed due to configuration error: Invalid permissions on Lambda function",
        "Method completed with status: 500",
    ]


def test_the_log_tells_the_traces_story(kit: Any, api: Any, lab: Any) -> None:
    """Each decision in the trace has its line in the log, in the same order."""
    set_account_role(kit)
    enable(kit, api.api_id, "INFO")
    for path in ("/hello", "/boom"):
        r = requests.get(api.url(path))
        trace = lab.last_trace()
        got = of(lines(kit, api.api_id), r.headers["x-amzn-RequestId"])
        steps = [e.step for e in trace.entries]
        assert steps.index("route") < steps.index("integration")
        route_line = next(i for i, x in enumerate(got) if x.startswith("HTTP Method"))
        sent_line = next(i for i, x in enumerate(got) if x.startswith("Sending request"))
        assert route_line < sent_line
        assert got[-1].startswith(("AWS Integration Endpoint RequestId", "Method completed"))
        assert f"Method completed with status: {trace.status}" in got


def test_stage_settings_change_without_a_redeploy_and_per_method_wins(kit: Any, api: Any) -> None:
    set_account_role(kit)
    enable(kit, api.api_id, "ERROR")
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/~1hello/GET/logging/loglevel", "value": "INFO"}
        ],
    )
    ok = requests.get(api.url("/hello"))
    assert of(lines(kit, api.api_id), ok.headers["x-amzn-RequestId"])  # INFO for this method


def test_long_lines_are_truncated_at_1024_bytes(kit: Any, api: Any) -> None:
    set_account_role(kit)
    enable(kit, api.api_id, "INFO", data_trace=True)
    r = requests.get(api.url("/hello"), params={"pad": "x" * 3000})
    for line in lines(kit, api.api_id):
        if line.startswith(f"({r.headers['x-amzn-RequestId']})"):
            assert len(line.removesuffix(" [TRUNCATED]").encode()) <= 1024


def test_websocket_execution_logs(ws_kit: Any, kit: Any, lab: Any) -> None:
    set_account_role(kit)
    ws_api = ws_kit.lambda_api(
        "import json\ndef handler(e, c):\n    return {'statusCode': 200, 'body': 'pong'}\n"
    )
    ws_kit.v2.update_stage(
        ApiId=ws_api.api_id,
        StageName="prod",
        DefaultRouteSettings={"LoggingLevel": "INFO", "DataTraceEnabled": True},
    )
    with ws_connect(ws_api.url, open_timeout=5) as ws:
        ws.send("ping")
        assert ws.recv(timeout=5) == "pong"
    lab.settle()
    found = lines(kit, ws_api.api_id)
    assert any("WebSocket Event Type: CONNECT, Route: $connect" in x for x in found)
    assert any("WebSocket Event Type: MESSAGE, Route: $default" in x for x in found)
    assert any(x.endswith("Message body: ping") for x in found)
    assert any("Successfully completed execution" in x for x in found)


def test_http_apis_write_no_execution_logs(http_kit: Any, kit: Any) -> None:
    api = http_kit.lambda_api("def handler(e, c):\n    return 'ok'\n")
    set_account_role(kit)
    requests.get(api.url("/hello"))
    groups = kit.logs.describe_log_groups(logGroupNamePrefix="API-Gateway-Execution-Logs")
    assert groups["logGroups"] == []


def test_canary_requests_are_logged_to_the_canary_group_too(kit: Any, api: Any, lab: Any) -> None:
    """The releases steps set ``ctx.canary``; execution logs then also go to ``.../Canary``."""
    from helpers.gateway.pipeline import Pipeline

    set_account_role(kit)
    enable(kit, api.api_id, "INFO")
    rest = lab.gateway.pipelines["REST"]

    def canary(ctx: Any) -> None:
        """Canary (stand-in for the releases step): this request is the canary's."""
        ctx.canary = True

    lab.gateway.pipelines["REST"] = Pipeline(rest.name, (canary, *rest.steps), rest.finish)
    try:
        r = requests.get(api.url("/hello"))
    finally:
        lab.gateway.pipelines["REST"] = rest
    rid = r.headers["x-amzn-RequestId"]
    assert of(lines(kit, api.api_id), rid)
    assert of(lines(kit, api.api_id, "prod/Canary"), rid) == of(lines(kit, api.api_id), rid)
