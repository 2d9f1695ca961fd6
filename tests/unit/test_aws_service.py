"""REST ``AWS`` integrations to services other than Lambda, piece by piece: the URI, the
resource IAM checks, the refusal each service answers, the request API Gateway builds and
signs, and the execution role's trust and permissions (moto's IAM, no service calls)."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest

from helpers.gateway import EmulatorLimitation
from helpers.gateway import errors as gw
from helpers.gateway.context import InvocationContext, MethodRequest, StageView
from helpers.gateway.http import HttpRequest
from helpers.gateway.integrations import aws_service as svc
from helpers.gateway.integrations import aws_service_role as roles
from helpers.gateway.integrations.aws_service_catalog import (
    SERVICES,
    denied_answer,
    resources_for,
)
from helpers.gateway.trace import Trace
from helpers.ids import IdSource

ACCOUNT = "123456789012"
REGION = "us-east-1"
T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z
ROLE = f"arn:aws:iam::{ACCOUNT}:role/apigw-role"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/apigw-role/BackplaneAssumeRoleSession"
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


class _Plane:
    def __init__(self) -> None:
        self.ids = IdSource(0)


def context(plane: Any = None, *, content_type: str | None = "application/json") -> Any:
    headers = {"Content-Type": [content_type]} if content_type else {}
    ctx = InvocationContext(
        request=HttpRequest(
            method="POST",
            host=f"abc123.execute-api.{REGION}.amazonaws.com",
            path="/prod/orders",
            query="",
            headers=[(k, v[0]) for k, v in headers.items()],
            body=b"{}",
            source_ip="203.0.113.7",
        ),
        request_id="c0ffee00-0000-4000-8000-000000000001",
        extended_request_id="JaxQjEw1IAMFlmQ=",
        request_time=T0,
        started=time.perf_counter(),
        account_id=ACCOUNT,
        region=REGION,
        plane=plane or _Plane(),
        api_id="abc123",
        trace=Trace("c0ffee00-0000-4000-8000-000000000001", api_id="abc123"),
    )
    ctx.stage = StageView("prod", "dep1", {"queue": "orders", "table": "pets"}, {}, None)
    ctx.method_request = MethodRequest("POST", "/orders", headers, {}, b"{}")
    ctx.resource_path = "/orders"
    return ctx


def integration(uri: str, **extra: Any) -> dict[str, Any]:
    return {"type": "AWS", "httpMethod": "POST", "uri": uri, "credentials": ROLE, **extra}


def build(uri: str, *, body: bytes = b"", headers: dict[str, list[str]] | None = None,
          query: dict[str, list[str]] | None = None, ctx: Any = None,
          **extra: Any) -> Any:
    return svc.build_call(
        ctx or context(),
        integration(uri, **extra),
        body=body,
        headers=headers or {},
        querystring=query or {},
        path_params={"id": "a b"},
    )


# ====================================================================================== URI


@pytest.mark.parametrize(
    ("uri", "service", "kind", "action", "path", "params"),
    [
        ("arn:aws:apigateway:us-east-1:sqs:action/SendMessage", "sqs", "action", "SendMessage",
         "/", ()),
        ("arn:aws:apigateway:us-east-1:sqs:path/123456789012/my-queue", "sqs", "path", "",
         "/123456789012/my-queue", ()),
        ("arn:aws:apigateway:eu-west-1:sqs:path/123456789012/${stageVariables.queue}", "sqs",
         "path", "", "/123456789012/orders", ()),
        ("arn:aws:apigateway:us-east-1:sqs:path/123456789012/q-{id}", "sqs", "path", "",
         "/123456789012/q-a%20b", ()),
        ("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "dynamodb", "action", "PutItem",
         "/", ()),
        ("arn:aws:apigateway:us-east-1:states:action/StartExecution", "states", "action",
         "StartExecution", "/", ()),
        ("arn:aws:apigateway:us-east-1:sns:action/Publish&TopicArn=arn%3Aaws%3Asns%3Ax&Message=hi",
         "sns", "action", "Publish", "/",
         (("TopicArn", "arn:aws:sns:x"), ("Message", "hi"))),
        ("arn:aws:apigateway:us-east-1:kinesis:action/PutRecord", "kinesis", "action", "PutRecord",
         "/", ()),
        ("arn:aws:apigateway:us-east-1:events:action/PutEvents", "events", "action", "PutEvents",
         "/", ()),
    ],
)
def test_parse_uri(
    uri: str, service: str, kind: str, action: str, path: str, params: tuple[Any, ...]
) -> None:
    parsed = svc.parse_uri(uri, {"queue": "orders"}, {"id": "a b"})
    assert (parsed.service, parsed.kind, parsed.action, parsed.path, parsed.params) == (
        service, kind, action, path, params,
    )
    assert parsed.region == uri.split(":")[3]


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("arn:aws:apigateway:us-east-1:s3:path/bucket/key", "integrations to 's3'"),
        ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations", "'lambda'"),
        ("arn:aws-cn:apigateway:cn-north-1:sqs:action/SendMessage", "aws partition only"),
        ("arn:aws:apigateway:us-east-1:bucket.s3:path/key", "subdomains"),
        ("https://example.com/", "not an AWS service integration URI"),
    ],
)
def test_parse_uri_refuses_what_the_lab_does_not_emulate(uri: str, words: str) -> None:
    with pytest.raises(EmulatorLimitation, match=words):
        svc.parse_uri(uri)


def test_service_table_matches_botocore() -> None:
    """X-Amz-Target prefixes and JSON versions are the services' own (botocore models)."""
    import botocore.session

    session = botocore.session.get_session()
    for name, spec in SERVICES.items():
        model = session.get_service_model(spec.botocore_name)
        assert model.endpoint_prefix == name
        assert model.signing_name == name
        if spec.target_prefix:
            assert model.metadata["targetPrefix"] == spec.target_prefix
            assert model.metadata["jsonVersion"] == spec.json_version


# ====================================================================================== resources


def _arn(service: str, rest: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}"


QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders"


@pytest.mark.parametrize(
    ("service", "params", "path", "expected"),
    [
        ("sqs", {"QueueUrl": QUEUE_URL}, "", [_arn("sqs", "orders")]),
        ("sqs", {"QueueUrl": "orders"}, "", [_arn("sqs", "orders")]),
        ("sqs", {}, f"/{ACCOUNT}/orders", [_arn("sqs", "orders")]),
        ("sqs", {"QueueUrl": "https://sqs.x/999999999999/other"}, "",
         [f"arn:aws:sqs:{REGION}:999999999999:other"]),
        ("sqs", {}, "", ["*"]),  # ListQueues
        ("dynamodb", {"TableName": "pets"}, "", [_arn("dynamodb", "table/pets")]),
        ("dynamodb", {"TableName": "pets", "IndexName": "by-owner"}, "",
         [_arn("dynamodb", "table/pets/index/by-owner")]),
        ("dynamodb", {"TableName": _arn("dynamodb", "table/pets")}, "",
         [_arn("dynamodb", "table/pets")]),
        ("dynamodb", {"RequestItems": {"a": [], "b": []}}, "",
         [_arn("dynamodb", "table/a"), _arn("dynamodb", "table/b")]),
        ("dynamodb",
         {"TransactItems": [{"Put": {"TableName": "a"}}, {"Delete": {"TableName": "b"}}]},
         "", [_arn("dynamodb", "table/a"), _arn("dynamodb", "table/b")]),
        ("dynamodb", {}, "", ["*"]),  # ListTables
        ("sns", {"TopicArn": _arn("sns", "news")}, "", [_arn("sns", "news")]),
        ("sns", {"TargetArn": _arn("sns", "app/x")}, "", [_arn("sns", "app/x")]),
        ("states", {"stateMachineArn": _arn("states", "stateMachine:sm")}, "",
         [_arn("states", "stateMachine:sm")]),
        ("states", {"executionArn": _arn("states", "execution:sm:1")}, "",
         [_arn("states", "execution:sm:1")]),
        ("kinesis", {"StreamName": "clicks"}, "", [_arn("kinesis", "stream/clicks")]),
        ("kinesis", {"StreamARN": _arn("kinesis", "stream/c2"), "StreamName": "c1"}, "",
         [_arn("kinesis", "stream/c2")]),
        ("events", {"Entries": [{"Source": "a"}]}, "", [_arn("events", "event-bus/default")]),
        ("events",
         {"Entries": [
             {"EventBusName": "orders"}, {"EventBusName": _arn("events", "event-bus/x")}, {},
         ]},
         "", [_arn("events", "event-bus/orders"), _arn("events", "event-bus/x"),
              _arn("events", "event-bus/default")]),
        ("events", {"Entries": []}, "", ["*"]),
    ],
)
def test_resources_for(
    service: str, params: dict[str, Any], path: str, expected: list[str]
) -> None:
    assert resources_for(service, params, region=REGION, account=ACCOUNT, path=path) == expected


# ====================================================================================== refusals


def _denied(key: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    args: dict[str, Any] = {
        "principal": PRINCIPAL,
        "action": "dynamodb:PutItem",
        "resource": _arn("dynamodb", "table/pets"),
        "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders",
        "request_id": "req-1",
        "explicit": False,
    }
    args.update(kwargs)
    status, headers, body = denied_answer(key, **args)
    return status, dict(headers), body


def test_dynamodb_refusal() -> None:
    status, headers, body = _denied("dynamodb")
    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert headers["x-amzn-RequestId"] == "req-1"
    assert json.loads(body) == {
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": f"User: {PRINCIPAL} is not authorized to perform: dynamodb:PutItem on "
        f"resource: {_arn('dynamodb', 'table/pets')} because no identity-based policy allows "
        "the dynamodb:PutItem action",
    }


@pytest.mark.parametrize(
    ("kwargs", "tail"),
    [
        ({"explicit": True}, "with an explicit deny in an identity-based policy"),
        ({"boundary": True}, "because no permissions boundary allows the dynamodb:PutItem action"),
    ],
)
def test_refusal_reasons(kwargs: dict[str, Any], tail: str) -> None:
    _, _, body = _denied("dynamodb", **kwargs)
    assert json.loads(body)["Message"].endswith(tail)


@pytest.mark.parametrize(
    ("key", "status", "type_", "message_key"),
    [
        ("states", 400, "com.amazon.coral.service#AccessDeniedException", "Message"),
        ("kinesis", 400, "AccessDeniedException", "message"),
        ("events", 400, "AccessDeniedException", "Message"),
    ],
)
def test_json_service_refusals(key: str, status: int, type_: str, message_key: str) -> None:
    got_status, headers, body = _denied(key, action=f"{key}:X")
    data = json.loads(body)
    assert got_status == status
    assert data["__type"] == type_ == headers["x-amzn-ErrorType"]
    assert f"is not authorized to perform: {key}:X on resource" in data[message_key]


def test_sqs_refusal_is_xml_unless_json_was_asked_for() -> None:
    status, headers, body = _denied("sqs", action="sqs:SendMessage")
    assert (status, headers["Content-Type"]) == (403, "text/xml")
    text = body.decode()
    assert text.startswith('<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/')
    assert "<Code>AccessDenied</Code>" in text
    assert (
        f"<Message>Access to the resource https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders "
        "is denied.</Message>" in text
    )
    assert "<RequestId>req-1</RequestId>" in text
    status, headers, body = _denied("sqs", action="sqs:SendMessage", legacy_json=True)
    assert (status, headers["Content-Type"]) == (403, "application/json")
    assert json.loads(body) == {
        "Error": {
            "Code": "AccessDenied",
            "Message": f"Access to the resource https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/"
            "orders is denied.",
            "Type": "Sender",
        },
        "RequestId": "req-1",
    }


def test_sns_refusal_spells_the_action_its_way() -> None:
    status, _, body = _denied("sns", action="sns:Publish", resource=_arn("sns", "news"))
    assert status == 403
    assert "<Code>AuthorizationError</Code>" in body.decode()
    assert "not authorized to perform: SNS:Publish on resource" in body.decode()


# ====================================================================================== request


def test_json_action_gets_target_content_type_and_defaults() -> None:
    call = build("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
                 body=b'{"TableName": "pets"}')
    req = call.request
    assert (call.protocol, call.operation) == ("json", "PutItem")
    assert call.params == {"TableName": "pets"}
    assert req.method == "POST"
    assert req.url == "https://dynamodb.us-east-1.amazonaws.com/?Action=PutItem"
    assert req.header("X-Amz-Target") == "DynamoDB_20120810.PutItem"
    assert req.header("Content-Type") == "application/x-amz-json-1.0"
    assert req.header("Accept") == "application/json"
    assert req.header("User-Agent") == "AmazonAPIGateway_abc123"
    assert req.header("x-amzn-apigateway-api-id") == "abc123"
    assert req.header("X-Amzn-Trace-Id").startswith(f"Root=1-{int(T0):08x}-")
    assert req.body == b'{"TableName": "pets"}'


@pytest.mark.parametrize(
    ("service", "target", "content_type"),
    [
        ("states:action/StartExecution", "AWSStepFunctions.StartExecution",
         "application/x-amz-json-1.0"),
        ("kinesis:action/PutRecord", "Kinesis_20131202.PutRecord", "application/x-amz-json-1.1"),
    ],
)
def test_auto_targets(service: str, target: str, content_type: str) -> None:
    req = build(f"arn:aws:apigateway:us-east-1:{service}", body=b"{}").request
    assert (req.header("X-Amz-Target"), req.header("Content-Type")) == (target, content_type)


def test_mapped_headers_win() -> None:
    call = build(
        "arn:aws:apigateway:us-east-1:events:action/PutEvents",
        body=b'{"Entries": []}',
        headers={
            "X-Amz-Target": ["AWSEvents.PutEvents"],
            "Content-Type": ["application/x-amz-json-1.1"],
            "Accept": ["application/xml"],
        },
    )
    assert call.operation == "PutEvents"
    assert call.request.header("Accept") == "application/xml"


def test_eventbridge_needs_its_target_mapped() -> None:
    with pytest.raises(EmulatorLimitation, match=r"X-Amz-Target = 'AWSEvents\.PutEvents'"):
        build("arn:aws:apigateway:us-east-1:events:action/PutEvents", body=b"{}")


def test_json_services_take_post_only() -> None:
    with pytest.raises(EmulatorLimitation, match="POST only"):
        build("arn:aws:apigateway:us-east-1:dynamodb:action/GetItem", httpMethod="GET")


@pytest.mark.parametrize(
    "uri",
    [
        "arn:aws:apigateway:us-east-1:dynamodb:action/PutItems",
        "arn:aws:apigateway:us-east-1:sqs:action/SendMessages",
    ],
)
def test_unknown_operations(uri: str) -> None:
    with pytest.raises(EmulatorLimitation, match="is not an operation of"):
        build(uri, headers={"Content-Type": ["application/x-www-form-urlencoded"]})


def test_sqs_form_body_path_style() -> None:
    call = build(
        "arn:aws:apigateway:us-east-1:sqs:path/123456789012/${stageVariables.queue}",
        body=b"Action=SendMessage&MessageBody=%7B%22a%22%3A1%7D",
        headers={"Content-Type": ["application/x-www-form-urlencoded"]},
    )
    assert (call.protocol, call.operation) == ("query", "SendMessage")
    assert call.params == {"Action": "SendMessage", "MessageBody": '{"a":1}'}
    assert call.request.url == f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders"
    assert call.legacy_json  # Accept: application/json by default


def test_sqs_action_style_parameters_in_the_query_string() -> None:
    call = build(
        "arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
        query={"QueueUrl": [QUEUE_URL], "MessageBody": ["hi there"]},
    )
    assert call.operation == "SendMessage"
    assert call.request.url == (
        "https://sqs.us-east-1.amazonaws.com/?Action=SendMessage&QueueUrl="
        f"https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F{ACCOUNT}%2Forders&MessageBody=hi%20there"
    )


def test_sqs_form_body_without_form_content_type_names_no_action() -> None:
    """The classic slip: the template renders a form but Content-Type stays JSON."""
    with pytest.raises(EmulatorLimitation, match="application/x-www-form-urlencoded"):
        build(
            "arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders",
            body=b"Action=SendMessage&MessageBody=x",
        )


def test_sqs_json_protocol_when_target_is_mapped() -> None:
    call = build(
        "arn:aws:apigateway:us-east-1:sqs:path/",
        body=b'{"QueueUrl": "orders", "MessageBody": "x"}',
        headers={"X-Amz-Target": ["AmazonSQS.SendMessage"],
                 "Content-Type": ["application/x-amz-json-1.0"]},
    )
    assert (call.protocol, call.operation, call.legacy_json) == ("json", "SendMessage", False)


def test_sign_uses_the_session_and_the_lab_clock() -> None:
    call = build("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", body=b"{}")
    creds = svc.moto_side.SessionCredentials("ASIAEXAMPLE", "secret", "token-123")
    signed = svc.sign(call.request, creds, service="dynamodb", region=REGION, at=T0)
    auth = signed.header("Authorization")
    assert auth.startswith(
        "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20240501/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders="
    )
    assert "x-amz-target" in auth and "Signature=" in auth
    assert signed.header("X-Amz-Date") == "20240501T120000Z"
    assert signed.header("X-Amz-Security-Token") == "token-123"
    assert signed.header("Host") == "dynamodb.us-east-1.amazonaws.com"
    assert signed.masked_headers()["Authorization"].startswith("****")
    again = svc.sign(call.request, creds, service="dynamodb", region=REGION, at=T0)
    assert again.header("Authorization") == auth  # same instant, same signature


# ====================================================================================== the role


@pytest.fixture
def iam(moto_env: None) -> Any:
    return boto3.client("iam", region_name=REGION)


def _role(iam: Any, trust: dict[str, Any] = APIGW_TRUST, **kwargs: Any) -> str:
    return iam.create_role(
        RoleName="apigw-role", AssumeRolePolicyDocument=json.dumps(trust), **kwargs
    )["Role"]["Arn"]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW_PUT = {
    "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": _arn("dynamodb", "table/*")
}


def test_role_assumed(iam: Any, plane: Any) -> None:
    arn = _role(iam)
    role, creds = roles.execution_role(context(plane), integration("x"))
    assert (role.arn, role.name, role.account_id) == (arn, "apigw-role", ACCOUNT)
    assert creds.access_key_id.startswith("ASIA")
    assert roles.assumed_role_arn(role) == PRINCIPAL


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda iam: None, "no such role"),
        (lambda iam: _role(iam, {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}), "trust policy: ImplicitDeny"),
        (lambda iam: _role(iam, {"Version": "2012-10-17", "Statement": [
            APIGW_TRUST["Statement"][0],
            {"Effect": "Deny", "Principal": {"Service": "apigateway.amazonaws.com"},
             "Action": "sts:AssumeRole"}]}), "trust policy: ExplicitDeny"),
    ],
)
def test_role_that_cannot_be_assumed(iam: Any, plane: Any, make: Any, why: str) -> None:
    make(iam)
    ctx = context(plane)
    with pytest.raises(gw.InternalServerError) as err:
        roles.execution_role(ctx, integration("x"))
    assert err.value.status == 500
    assert err.value.body == b'{"message": "Internal server error"}'
    assert err.value.reason == (
        "Execution failed due to configuration error: API Gateway does not have permission "
        f"to assume the provided role {ROLE}"
    )
    assert ctx.trace.entries[-1].details["why"] == why


def test_no_credentials_is_a_500(plane: Any) -> None:
    with pytest.raises(gw.InternalServerError):
        roles.execution_role(context(plane), {"uri": "x"})


def test_caller_credentials_are_not_emulated(plane: Any) -> None:
    with pytest.raises(EmulatorLimitation, match="caller's own credentials"):
        roles.execution_role(context(plane), integration("x", credentials="arn:aws:iam::*:user/*"))


def test_credentials_from_a_stage_variable(iam: Any, plane: Any) -> None:
    _role(iam)
    ctx = context(plane)
    ctx.stage.variables["role"] = "apigw-role"
    role, _ = roles.execution_role(
        ctx, integration("x", credentials=f"arn:aws:iam::{ACCOUNT}:role/${{stageVariables.role}}")
    )
    assert role.name == "apigw-role"


TABLE = _arn("dynamodb", "table/pets")


@pytest.mark.parametrize(
    ("inline", "managed", "boundary", "effect", "by_boundary"),
    [
        ([ALLOW_PUT], None, None, "Allow", False),
        (None, [ALLOW_PUT], None, "Allow", False),
        ([], None, None, "ImplicitDeny", False),
        ([{**ALLOW_PUT, "Resource": _arn("dynamodb", "table/other")}], None, None,
         "ImplicitDeny", False),
        ([ALLOW_PUT], [{**ALLOW_PUT, "Effect": "Deny"}], None, "ExplicitDeny", False),
        ([{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}], None,
         [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
         "ImplicitDeny", True),
    ],
)
def test_identity_policies(
    iam: Any, plane: Any, inline: Any, managed: Any, boundary: Any, effect: str, by_boundary: bool
) -> None:
    kwargs = {}
    if boundary is not None:
        kwargs["PermissionsBoundary"] = iam.create_policy(
            PolicyName="boundary", PolicyDocument=_policy(*boundary)
        )["Policy"]["Arn"]
    _role(iam, **kwargs)
    if inline is not None:
        iam.put_role_policy(
            RoleName="apigw-role", PolicyName="inline",
            PolicyDocument=_policy(*inline) if inline else _policy(
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
            ),
        )
    if managed is not None:
        arn = iam.create_policy(PolicyName="managed", PolicyDocument=_policy(*managed))
        iam.attach_role_policy(RoleName="apigw-role", PolicyArn=arn["Policy"]["Arn"])
    role, _ = roles.execution_role(context(plane), integration("x"))
    decision, boundary_refused = roles.authorize(role, "dynamodb:PutItem", TABLE, region=REGION)
    assert (decision.effect, boundary_refused) == (effect, by_boundary)


def test_json_body_that_is_not_json() -> None:
    with pytest.raises(EmulatorLimitation, match="is not JSON"):
        build("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", body=b"TableName=pets")
