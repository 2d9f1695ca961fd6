"""Lab 02, a feedback API without Lambda: ``check_lab02`` passes on an API built to the
spec, fails with a targeted message (expected, got, hint) on each way of getting it wrong,
and the blank exercise stops at every step with a message naming it, its check cell
failing helpfully. (Generator and sync tests for every lab are in ``test_labs.py``.)
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from test_labs import (
    ACCOUNT,
    REGION,
    assert_blank_check_fails,
    assert_blank_setup_and_cleanup_run,
    assert_blank_steps_stop,
    run_blank,
)

ORIGIN = "https://feedback.example"
SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Feedback",
    "type": "object",
    "required": ["email", "message"],
    "properties": {
        "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
        "message": {"type": "string", "minLength": 1, "maxLength": 500},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "additionalProperties": False,
}
CORS = {
    "Access-Control-Allow-Origin": f"'{ORIGIN}'",
    "Access-Control-Allow-Methods": "'POST,OPTIONS'",
    "Access-Control-Allow-Headers": "'Content-Type'",
}
QUEUED = (
    '{"status": "queued", '
    "\"id\": \"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')\"}"
)


def build_feedback(
    lab: Any,
    *,
    name: str = "feedback",
    endpoint: str = "REGIONAL",
    queue: bool = True,
    uri_queue: str = "feedback",
    trust_service: str = "apigateway.amazonaws.com",
    actions: tuple[str, ...] = ("sqs:SendMessage",),
    any_resource: bool = False,
    credentials: bool = True,
    form_header: bool = True,
    validator: bool = True,
    schema: dict[str, Any] | None = None,
    error_mapping: bool = True,
    post_origin: bool = True,
    options: bool = True,
    health_response: bool = True,
    gateway_4xx: bool = True,
    deploy: bool = True,
    late_options: bool = False,
) -> str:
    """The lab's boto3 calls, with knobs to get each of them wrong; returns the API id."""
    iam = boto3.client("iam", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    apigateway = boto3.client("apigateway", region_name=REGION)
    if queue:
        sqs.create_queue(QueueName="feedback")
    if uri_queue != "feedback":
        sqs.create_queue(QueueName=uri_queue)
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:feedback"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": trust_service},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(
        RoleName="apigw-lab-02-feedback-sqs", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    queues = sorted({queue_arn, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{uri_queue}"})
    send = {"Effect": "Allow", "Action": list(actions), "Resource": "*" if any_resource else queues}
    iam.put_role_policy(
        RoleName="apigw-lab-02-feedback-sqs",
        PolicyName="send-feedback",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [send]}),
    )

    api_id = apigateway.create_rest_api(name=name, endpointConfiguration={"types": [endpoint]})[
        "id"
    ]
    root_id = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.create_model(
        restApiId=api_id,
        name="Feedback",
        contentType="application/json",
        schema=json.dumps(SCHEMA if schema is None else schema),
    )
    validator_id = apigateway.create_request_validator(
        restApiId=api_id, name="body", validateRequestBody=True, validateRequestParameters=False
    )["id"]
    feedback_id = apigateway.create_resource(
        restApiId=api_id, parentId=root_id, pathPart="feedback"
    )["id"]
    health_id = apigateway.create_resource(restApiId=api_id, parentId=root_id, pathPart="health")[
        "id"
    ]
    post = {"restApiId": api_id, "resourceId": feedback_id, "httpMethod": "POST"}
    apigateway.put_method(
        **post,
        authorizationType="NONE",
        **(
            {"requestValidatorId": validator_id, "requestModels": {"application/json": "Feedback"}}
            if validator
            else {}
        ),
    )
    apigateway.put_integration(
        **post,
        type="AWS",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{uri_queue}",
        **({"credentials": role_arn} if credentials else {}),
        requestParameters={
            "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
        }
        if form_header
        else {},
        requestTemplates={
            "application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
        },
        passthroughBehavior="NEVER",
    )
    origin_header = {"method.response.header.Access-Control-Allow-Origin": f"'{ORIGIN}'"}
    for status, pattern, template in [
        ("200", "", QUEUED),
        ("500", "[45]\\d{2}", '{"status": "error"}'),
    ]:
        if status == "500" and not error_mapping:
            continue
        apigateway.put_method_response(
            **post,
            statusCode=status,
            responseParameters={"method.response.header.Access-Control-Allow-Origin": False},
        )
        apigateway.put_integration_response(
            **post,
            statusCode=status,
            selectionPattern=pattern,
            responseParameters=origin_header if post_origin else {},
            responseTemplates={"application/json": template},
        )

    health = {"restApiId": api_id, "resourceId": health_id, "httpMethod": "GET"}
    apigateway.put_method(**health, authorizationType="NONE")
    apigateway.put_integration(
        **health, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigateway.put_method_response(**health, statusCode="200")
    if health_response:
        apigateway.put_integration_response(
            **health,
            statusCode="200",
            selectionPattern="",
            responseTemplates={"application/json": '{"status": "ok"}'},
        )

    def preflight() -> None:
        opts = {"restApiId": api_id, "resourceId": feedback_id, "httpMethod": "OPTIONS"}
        apigateway.put_method(**opts, authorizationType="NONE")
        apigateway.put_integration(
            **opts, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
        )
        apigateway.put_method_response(
            **opts,
            statusCode="200",
            responseParameters={f"method.response.header.{h}": False for h in CORS},
        )
        apigateway.put_integration_response(
            **opts,
            statusCode="200",
            selectionPattern="",
            responseParameters={f"method.response.header.{h}": v for h, v in CORS.items()},
        )

    if options and not late_options:
        preflight()
    if gateway_4xx:
        apigateway.put_gateway_response(
            restApiId=api_id,
            responseType="DEFAULT_4XX",
            responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": f"'{ORIGIN}'"},
        )
    if deploy:
        apigateway.create_deployment(restApiId=api_id, stageName="v1")
    if late_options:  # added after the deployment: not live until redeployed
        preflight()
    return api_id


def failure(lab: Any, api_id: Any, stage: str = "v1") -> str:
    from helpers.checks import CheckFailed, check_lab02

    with pytest.raises(CheckFailed) as caught:
        check_lab02(lab, api_id, stage)
    return str(caught.value)


# ---------------------------------------------------------------------------- it passes


def test_check_passes_on_an_api_built_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import CHECKS, check_lab02

    assert CHECKS["02-feedback-api"] is check_lab02
    api_id = build_feedback(fresh_lab)
    capsys.readouterr()
    assert check_lab02(fresh_lab, api_id, "v1") is None
    lines = capsys.readouterr().out.splitlines()
    assert [line[:2] for line in lines[:-1]] == ["✓ "] * 10
    assert lines[0] == "✓ REST API 'feedback' exists with a REGIONAL endpoint"
    assert lines[1] == '✓ GET /health → 200 {"status": "ok"}'
    assert lines[2].startswith('✓ POST /feedback → 200 {"status": "queued", "id": "')
    assert "email without @" in lines[4] and "rating 9" in lines[4]
    assert "POST,OPTIONS" in lines[5] and "Content-Type" in lines[5]
    assert lines[-1] == "All 10 checks passed: lab 02, a feedback API without Lambda, meets the spec"


def test_the_check_leaves_other_messages_in_the_queue(fresh_lab: Any) -> None:
    """The learner's own messages stay (visible); the check's are taken out."""
    from helpers.checks import check_lab02

    api_id = build_feedback(fresh_lab)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName="feedback")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="mine")
    check_lab02(fresh_lab, api_id, "v1")
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in left] == ["mine"]


# ---------------------------------------------------------------------------- wrong builds

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("edge endpoint", {"endpoint": "EDGE"}, ("REGIONAL", "got:      endpoint type EDGE")),
    (
        "no deployment: 403",
        {"deploy": False},
        ("GET /health", "HTTP 403", "no stage 'v1'", 'create_deployment(restApiId=api_id, '),
    ),
    (
        "health without integration response: 500",
        {"health_response": False},
        ("GET /health", "HTTP 500", "no integration response", "put_integration_response("),
    ),
    (
        "role may not send: SQS 403 mapped to 500",
        {"actions": ("sqs:ReceiveMessage",)},
        (
            'HTTP 500 {"status": "error"}',
            "may not sqs:SendMessage",
            "iam.put_role_policy(",
            "sqs SendMessage refused",
        ),
    ),
    (
        "role may not send and no error mapping: an empty id",
        {"actions": ("sqs:ReceiveMessage",), "error_mapping": False},
        ('"id": ""', "may not sqs:SendMessage", "status=403"),
    ),
    (
        "role trusts Lambda, not API Gateway: 500",
        {"trust_service": "lambda.amazonaws.com"},
        (
            "HTTP 500",
            "does not let apigateway.amazonaws.com assume it",
            "trusts lambda.amazonaws.com",
            "update_assume_role_policy(",
            "does not have permission to assume the provided role",
        ),
    ),
    (
        "no execution role on the integration",
        {"credentials": False},
        ("HTTP 500", "no execution role", "credentials=role_arn"),
    ),
    (
        "no queue",
        {"queue": False},
        ('{"status": "error"}', "no SQS queue 'feedback'", 'sqs.create_queue(QueueName="feedback")'),
    ),
    (
        "integration sends to another queue",
        {"uri_queue": "feedback-dev"},
        ("in queue 'feedback'", "sends to queue 'feedback-dev'", "sqs:path/{account_id}/feedback"),
    ),
    (
        "no form Content-Type mapping",
        {"form_header": False},
        ("names no Action", "integration.request.header.Content-Type", "x-www-form-urlencoded"),
    ),
    (
        "no request validator",
        {"validator": False},
        ("missing email", "HTTP 200", "no request validator", "create_request_validator("),
    ),
    (
        "model allows extra properties",
        {"schema": {k: v for k, v in SCHEMA.items() if k != "additionalProperties"}},
        ("an extra field", "HTTP 200", "allows properties it does not list",
         '"additionalProperties": false'),
    ),
    (
        "rating without a maximum",
        {"schema": {**SCHEMA, "properties": {**SCHEMA["properties"], "rating": {
            "type": "integer", "minimum": 1}}}},
        ("rating 9", "HTTP 200", 'lets "rating" be 9', '"maximum": 5'),
    ),
    (
        "no OPTIONS method: preflight 403",
        {"options": False},
        ("preflight", "HTTP 403", "has no OPTIONS method", 'httpMethod="OPTIONS"'),
    ),
    (
        "OPTIONS added after the deployment",
        {"late_options": True},
        ("preflight", "HTTP 403", "not in the deployment", "create_deployment("),
    ),
    (
        "no Access-Control-Allow-Origin on POST's 200",
        {"post_origin": False},
        ("POST /feedback's 200", "no Access-Control-Allow-Origin header",
         "method.response.header.Access-Control-Allow-Origin"),
    ),
    (
        "no DEFAULT_4XX gateway response",
        {"gateway_4xx": False},
        ("a 400", "no Access-Control-Allow-Origin header", "put_gateway_response(", "DEFAULT_4XX"),
    ),
    (
        "no error mapping",
        {"error_mapping": False},
        ("an SQS error", "selects the default response, so the client gets 200",
         'selectionPattern=r"[45]\\d{2}"'),
    ),
    (
        "role may do anything with SQS",
        {"actions": ("sqs:*",), "any_resource": True},
        ("do nothing else", "may also sqs:ReceiveMessage", "least privilege", "send-feedback"),
    ),
]


@pytest.mark.parametrize("build, phrases", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_build_gets_a_targeted_message(
    fresh_lab: Any, build: dict[str, Any], phrases: tuple[str, ...]
) -> None:
    message = failure(fresh_lab, build_feedback(fresh_lab, **build))
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


@pytest.mark.parametrize(
    "api_id, stage, phrases",
    [
        (None, "v1", ("api_id = None", 'create_rest_api(name="feedback"', "has not run yet")),
        ("nosuchapi", "v1", ("no such REST API", "create_rest_api step again")),
        ("API", "prod", ("the stage is 'v1'", "'prod'", 'check_lab02(lab, api_id, "v1")')),
    ],
)
def test_bad_inputs_are_explained(
    fresh_lab: Any, api_id: Any, stage: str, phrases: tuple[str, ...]
) -> None:
    built = build_feedback(fresh_lab)
    message = failure(fresh_lab, built if api_id == "API" else api_id, stage)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


def test_an_unassigned_id_points_at_the_api_that_exists(fresh_lab: Any) -> None:
    built = build_feedback(fresh_lab)
    assert f"A REST API named 'feedback' exists (id {built})" in failure(fresh_lab, None)


# ---------------------------------------------------------------------------- blank exercise

#: what each blank step's NotImplementedError must name (the thing to build, the call to use)
LAB02_STEPS = {
    "Step 1": ("queue", "sqs.create_queue", "queue_arn", "hint(1)"),
    "Step 2": ("role", "iam.create_role", "apigateway.amazonaws.com", "sqs:SendMessage", "hint(2)"),
    "Step 3": ("feedback", "apigateway.create_model", "validator", "api_id", "hint(3)"),
    "Step 4": ("POST /feedback", "put_integration", "AWS integration", "hint(4)"),
    "Step 5": ("GET /health", "MOCK", '{"status": "ok"}', "hint(5)"),
    "Step 6": ("CORS", "OPTIONS", "DEFAULT_4XX", "hint(6)"),
    "Step 7": ("create_deployment", '"v1"', "hint(7)"),
}


@pytest.fixture(scope="module")
def blank_lab02() -> Any:
    return run_blank("02-feedback-api.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab02: Any) -> None:
    assert_blank_steps_stop(blank_lab02, LAB02_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab02: Any) -> None:
    assert_blank_check_fails(blank_lab02, "check_lab02", "feedback")


def test_the_blank_setup_and_cleanup_cells_run(blank_lab02: Any) -> None:
    outputs = assert_blank_setup_and_cleanup_run(blank_lab02)
    assert "deleted 0 tagged resources" in outputs
