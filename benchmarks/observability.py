"""What logging and metrics cost per request, for `make bench`.

One REST API (Lambda proxy to a trivial function), measured through ``DataPlane.handle``
with each operational feature turned on in turn: nothing; access logs + detailed metrics
(issue 15's yardstick: at most 20 % slower); + execution logs at INFO; + data trace;
+ X-Ray tracing (every request sampled: an upstream header asks for it). The time
includes writing the buffered lines and metrics into moto, as a notebook's next read
would. Each figure is the best of three rounds (the machine is shared).
"""

from __future__ import annotations

import json
import time

import boto3

import helpers
from helpers.gateway import HttpRequest

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""
ACCESS_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"integrationLatency":"$context.integrationLatency",'
    '"responseLatency":"$context.responseLatency","error":"$context.error.message"}'
)
#: issue 15: the pipeline must not slow down by more than this with access logs and
#: detailed metrics on
LIMIT = 0.20


def _build(lab: helpers.Lab) -> str:
    apigw = boto3.client("apigateway")
    lam = boto3.client("lambda")
    api_id = apigw.create_rest_api(name="bench-ops", endpointConfiguration={"types": ["REGIONAL"]})[
        "id"
    ]
    arn = lam.create_function(
        FunctionName="bench-ops",
        Runtime="python3.12",
        Role=lab.execution_role(),
        Handler="app.handler",
        Code={"ZipFile": helpers.zip_function(HANDLER)},
    )["FunctionArn"]
    lam.add_permission(
        FunctionName="bench-ops",
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*/*/*",
    )
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{item}")["id"]
    apigw.put_method(restApiId=api_id, resourceId=res, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=res,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def _patch(api_id: str, *ops: tuple[str, str]) -> None:
    boto3.client("apigateway").update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": p, "value": v} for p, v in ops],
    )


def _time_us(lab: helpers.Lab, request: HttpRequest, n: int) -> float:
    """CPU microseconds per request (this thread's CPU time: the figure other processes on
    a shared machine disturb least), flushes included (what the next read would pay)."""
    plane = lab.gateway
    plane.handle(request)
    plane.flush()
    plane.flush_logs()
    start = time.thread_time()
    for _ in range(n):
        plane.handle(request)
    plane.flush()  # what the next get_metric_statistics would do
    plane.flush_logs()  # what the next filter_log_events would do
    return (time.thread_time() - start) / n * 1e6


#: the settings measured, each against everything off, round after round
OFF = (
    ("/*/*/metrics/enabled", "false"),
    ("/*/*/logging/loglevel", "OFF"),
    ("/*/*/logging/dataTrace", "false"),
)
ACCESS = ("/accessLogSettings/format", ACCESS_FORMAT)
STEPS: tuple[tuple[str, tuple[tuple[str, str], ...], bool], ...] = (
    ("access logs + detailed metrics", (ACCESS, ("/*/*/metrics/enabled", "true")), False),
    (
        "+ execution logs (INFO)",
        (ACCESS, ("/*/*/metrics/enabled", "true"), ("/*/*/logging/loglevel", "INFO")),
        False,
    ),
    (
        "+ data trace",
        (
            ACCESS,
            ("/*/*/metrics/enabled", "true"),
            ("/*/*/logging/loglevel", "INFO"),
            ("/*/*/logging/dataTrace", "true"),
        ),
        False,
    ),
    (
        "+ X-Ray (every request sampled)",
        (
            ACCESS,
            ("/*/*/metrics/enabled", "true"),
            ("/*/*/logging/loglevel", "INFO"),
            ("/*/*/logging/dataTrace", "true"),
        ),
        True,
    ),
)


def run(lab: helpers.Lab, n: int = 2000, rounds: int = 3) -> dict[str, float]:
    """Print the per-request cost of each feature against everything off (the best of
    ``rounds`` alternating measurements each); return the microseconds per request."""
    api_id = _build(lab)
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    plain = HttpRequest("GET", host, "/prod/item-1", headers=[("User-Agent", "bench")])
    traced = HttpRequest(
        "GET",
        host,
        "/prod/item-1",
        headers=[
            ("User-Agent", "bench"),
            ("X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000001;Sampled=1"),
        ],
    )
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="bench-access")
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="bench-apigw-logs",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    boto3.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
    )
    _patch(
        api_id,
        (
            "/accessLogSettings/destinationArn",
            "arn:aws:logs:us-east-1:123456789012:log-group:bench-access",
        ),
        ACCESS,
    )
    lab.clock.freeze("2026-01-01T00:00:00Z")
    base = float("inf")
    figures: dict[str, float] = {}
    for name, ops, xray in STEPS:
        best = float("inf")
        for _ in range(rounds):
            boto3.client("apigateway").update_stage(
                restApiId=api_id,
                stageName="prod",
                patchOperations=[{"op": "remove", "path": "/accessLogSettings"}],
            )
            _patch(api_id, *OFF)
            base = min(base, _time_us(lab, plain, n))
            _patch(
                api_id,
                (
                    "/accessLogSettings/destinationArn",
                    "arn:aws:logs:us-east-1:123456789012:log-group:bench-access",
                ),
                *ops,
            )
            best = min(best, _time_us(lab, traced if xray else plain, n))
        figures[name] = best
    lab.clock.unfreeze()
    figures = {"nothing on": base, **figures}
    print("logging and metrics, per request (REST API, Lambda proxy, trivial handler)")
    for name, us in figures.items():
        print(f"  {name:<36} {us:8.0f} µs CPU  {us / base - 1:+7.1%}")
    slowdown = figures["access logs + detailed metrics"] / base - 1
    verdict = "within" if slowdown <= LIMIT else "OVER"
    print(f"  access logs + detailed metrics: {slowdown:+.1%} ({verdict} issue 15's 20 % limit)")
    return figures


if __name__ == "__main__":
    lab = helpers.connect(scope="benchmark")
    lab.runtime.write_logs = False
    run(lab)
