"""REST ``AWS`` integrations to SQS, SNS, DynamoDB, EventBridge, Step Functions and Kinesis,
end to end on the moto target: boto3 makes the real resources and the execution role,
``call_service`` makes the call API Gateway makes, boto3 then reads what the service did.

(The REST non-proxy flow drives ``call_service`` in production; the last tests show the
whole recipe through ``put_integration(type="AWS")`` and ``requests``.)
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import requests

from helpers.gateway import EmulatorLimitation
from helpers.gateway import errors as gw
from helpers.gateway.context import InvocationContext, MethodRequest, StageView
from helpers.gateway.http import HttpRequest
from helpers.gateway.integrations.aws_service import ServiceResponse, call_service
from helpers.gateway.trace import Trace

pytestmark = pytest.mark.usefixtures("fresh_lab")

ACCOUNT = "123456789012"
REGION = "us-east-1"
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
FORM = {"Content-Type": ["application/x-www-form-urlencoded"]}
ALL_ACTIONS = ["sqs:*", "sns:Publish", "dynamodb:*", "events:PutEvents", "states:*", "kinesis:*"]


def uri(service: str, rest: str) -> str:
    return f"arn:aws:apigateway:{REGION}:{service}:{rest}"


def make_role(name: str, actions: list[str], *, trust: dict[str, Any] = APIGW_TRUST,
              effect: str = "Allow", resource: str = "*") -> str:
    iam = boto3.client("iam", region_name=REGION)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if actions:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="service-access",
            PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": effect, "Action": actions, "Resource": resource}],
            }),
        )
    return arn


class Caller:
    """Calls ``call_service`` as the non-proxy flow does, with a context built the way
    ``DataPlane.handle`` builds one."""

    def __init__(self, lab: Any, role_arn: str) -> None:
        self.lab = lab
        self.role_arn = role_arn
        self.ctx: InvocationContext | None = None

    def __call__(
        self,
        integration_uri: str,
        *,
        body: bytes | str = b"",
        headers: dict[str, list[str]] | None = None,
        query: dict[str, list[str]] | None = None,
        role: str | None = None,
        stage_variables: dict[str, str] | None = None,
        **integration: Any,
    ) -> ServiceResponse:
        plane = self.lab.gateway
        request_id = plane.ids.uuid4()
        self.ctx = ctx = InvocationContext(
            request=HttpRequest(
                method="POST",
                host=f"abc123.execute-api.{REGION}.amazonaws.com",
                path="/prod/things",
                query="",
                headers=[("Content-Type", "application/json")],
                body=b"{}",
                source_ip="203.0.113.7",
            ),
            request_id=request_id,
            extended_request_id=plane.ids.token(10),
            request_time=plane.clock.now(),
            started=time.perf_counter(),
            account_id=ACCOUNT,
            region=REGION,
            plane=plane,
            api_id="abc123",
            trace=Trace(request_id, api_id="abc123"),
        )
        ctx.stage = StageView("prod", "dep1", dict(stage_variables or {}), {}, None)
        ctx.method_request = MethodRequest(
            "POST", "/things", {"Content-Type": ["application/json"]}, {}, b"{}"
        )
        ctx.resource_path = "/things"
        return call_service(
            ctx,
            {
                "type": "AWS",
                "httpMethod": "POST",
                "uri": integration_uri,
                "credentials": role or self.role_arn,
                **integration,
            },
            body=body.encode() if isinstance(body, str) else body,
            headers=headers or {},
            querystring=query or {},
            path_params={},
        )


@pytest.fixture
def call(fresh_lab: Any) -> Caller:
    return Caller(fresh_lab, make_role("apigw-services", ALL_ACTIONS))


@pytest.fixture
def queue() -> tuple[str, Any]:
    sqs = boto3.client("sqs", region_name=REGION)
    return sqs.create_queue(QueueName="orders")["QueueUrl"], sqs


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


# ====================================================================================== SQS


def test_sqs_path_style_form_body(call: Caller, queue: tuple[str, Any]) -> None:
    """The classic recipe: path override {account}/{queue}, a form template, and the
    Content-Type mapped to the form type. Accept: application/json gives the legacy JSON."""
    url, sqs = queue
    payload = '{"order": 42}'
    answer = call(
        uri("sqs", f"path/{ACCOUNT}/${{stageVariables.queue}}"),
        body=f"Action=SendMessage&MessageBody={quote(payload, safe='')}",
        headers=FORM,
        stage_variables={"queue": "orders"},
    )
    assert answer.status == 200
    assert dict(answer.headers)["Content-Type"] == "application/json"
    data = json.loads(answer.body)
    result = data["SendMessageResponse"]["SendMessageResult"]
    assert data["SendMessageResponse"]["ResponseMetadata"]["RequestId"] == dict(answer.headers)[
        "x-amzn-RequestId"
    ]
    assert result["SequenceNumber"] is None  # members the service left out are null
    messages = received(sqs, url)
    assert [(m["MessageId"], m["Body"]) for m in messages] == [(result["MessageId"], payload)]
    assert answer.request is not None
    assert answer.request.url == f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders"
    assert answer.request.header("Authorization").startswith("AWS4-HMAC-SHA256 Credential=ASIA")
    ctx = call.ctx
    assert ctx is not None
    assert (ctx.integration_status, ctx.integration_latency_ms) == (200, answer.latency_ms)
    entry = ctx.trace.entries[-1]
    assert (entry.step, entry.decision) == ("aws-service", "sqs SendMessage")
    assert entry.details["role"] == "apigw-services" and entry.details["status"] == 200


def test_sqs_action_style_query_parameters(call: Caller, queue: tuple[str, Any]) -> None:
    url, sqs = queue
    answer = call(
        uri("sqs", "action/SendMessage"), query={"QueueUrl": [url], "MessageBody": ["hello"]}
    )
    assert answer.status == 200
    assert [m["Body"] for m in received(sqs, url)] == ["hello"]


def test_sqs_answers_xml_when_the_integration_asks_for_it(
    call: Caller, queue: tuple[str, Any]
) -> None:
    url, sqs = queue
    answer = call(
        uri("sqs", f"path/{ACCOUNT}/orders"),
        body="Action=SendMessage&MessageBody=x",
        headers={**FORM, "Accept": ["application/xml"]},
    )
    assert answer.status == 200
    assert dict(answer.headers)["Content-Type"] == "text/xml"
    assert answer.body.startswith(b"<SendMessageResponse")
    assert len(received(sqs, url)) == 1


def test_sqs_json_protocol(call: Caller, queue: tuple[str, Any]) -> None:
    url, sqs = queue
    answer = call(
        uri("sqs", "path/"),
        body=json.dumps({"QueueUrl": url, "MessageBody": "via json"}),
        headers={"X-Amz-Target": ["AmazonSQS.SendMessage"],
                 "Content-Type": ["application/x-amz-json-1.0"]},
    )
    assert answer.status == 200
    assert set(json.loads(answer.body)) >= {"MessageId", "MD5OfMessageBody"}
    assert [m["Body"] for m in received(sqs, url)] == ["via json"]


def test_sqs_error_is_an_answer_not_an_exception(call: Caller) -> None:
    answer = call(
        uri("sqs", f"path/{ACCOUNT}/no-such-queue"),
        body="Action=SendMessage&MessageBody=x",
        headers=FORM,
    )
    assert answer.status == 400
    error = json.loads(answer.body)
    assert error["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error["RequestId"] == dict(answer.headers)["x-amzn-RequestId"]


@pytest.mark.parametrize(
    ("accept", "content_type"), [(None, "application/json"), ("application/xml", "text/xml")]
)
def test_sqs_refuses_a_role_without_sqs_send_message(
    fresh_lab: Any, queue: tuple[str, Any], accept: str | None, content_type: str
) -> None:
    url, sqs = queue
    call = Caller(fresh_lab, make_role("apigw-no-sqs", ["sqs:ReceiveMessage"]))
    headers = {**FORM, **({"Accept": [accept]} if accept else {})}
    answer = call(
        uri("sqs", f"path/{ACCOUNT}/orders"), body="Action=SendMessage&MessageBody=x",
        headers=headers,
    )
    assert answer.status == 403
    assert dict(answer.headers)["Content-Type"] == content_type
    assert b"AccessDenied" in answer.body
    assert f"Access to the resource {url} is denied.".encode() in answer.body
    assert received(sqs, url) == []
    assert call.ctx is not None and call.ctx.integration_status == 403
    assert call.ctx.trace.entries[-1].decision == "sqs SendMessage refused"


def test_sqs_form_body_with_json_content_type_is_a_limitation(call: Caller) -> None:
    with pytest.raises(EmulatorLimitation, match="names no Action"):
        call(uri("sqs", f"path/{ACCOUNT}/orders"), body="Action=SendMessage&MessageBody=x")


# ====================================================================================== DynamoDB


@pytest.fixture
def table() -> Any:
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName="pets",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def test_dynamodb_put_and_get(call: Caller, table: Any) -> None:
    item = {"id": {"S": "7"}, "name": {"S": "Rex"}}
    answer = call(uri("dynamodb", "action/PutItem"),
                  body=json.dumps({"TableName": "pets", "Item": item}))
    assert (answer.status, json.loads(answer.body)) == (200, {})
    assert table.get_item(TableName="pets", Key={"id": {"S": "7"}})["Item"] == item
    answer = call(uri("dynamodb", "action/GetItem"),
                  body=json.dumps({"TableName": "pets", "Key": {"id": {"S": "7"}}}))
    assert (answer.status, json.loads(answer.body)) == (200, {"Item": item})
    assert answer.request is not None
    assert answer.request.header("X-Amz-Target") == "DynamoDB_20120810.GetItem"


def test_dynamodb_missing_table_is_the_services_400(call: Caller) -> None:
    answer = call(uri("dynamodb", "action/PutItem"),
                  body=json.dumps({"TableName": "nope", "Item": {"id": {"S": "1"}}}))
    assert answer.status == 400
    assert json.loads(answer.body)["__type"].endswith("#ResourceNotFoundException")


@pytest.mark.parametrize(
    ("actions", "effect", "reason"),
    [
        (["dynamodb:GetItem"], "Allow",
         "because no identity-based policy allows the dynamodb:PutItem action"),
        (["dynamodb:PutItem"], "Deny", "with an explicit deny in an identity-based policy"),
    ],
)
def test_dynamodb_refusal(
    fresh_lab: Any, table: Any, actions: list[str], effect: str, reason: str
) -> None:
    call = Caller(fresh_lab, make_role("apigw-ddb", actions, effect=effect))
    answer = call(uri("dynamodb", "action/PutItem"),
                  body=json.dumps({"TableName": "pets", "Item": {"id": {"S": "1"}}}))
    assert answer.status == 400
    assert json.loads(answer.body) == {
        "__type": "com.amazon.coral.service#AccessDeniedException",
        "Message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/apigw-ddb/"
        "BackplaneAssumeRoleSession is not authorized to perform: dynamodb:PutItem on "
        f"resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/pets {reason}",
    }
    assert table.scan(TableName="pets")["Count"] == 0


def test_permission_scoped_to_one_table(fresh_lab: Any, table: Any) -> None:
    call = Caller(fresh_lab, make_role(
        "apigw-one-table", ["dynamodb:PutItem"],
        resource=f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/pets",
    ))
    ok = call(uri("dynamodb", "action/PutItem"),
              body=json.dumps({"TableName": "pets", "Item": {"id": {"S": "1"}}}))
    other = call(uri("dynamodb", "action/PutItem"),
                 body=json.dumps({"TableName": "owners", "Item": {"id": {"S": "1"}}}))
    assert (ok.status, other.status) == (200, 400)
    assert b"table/owners" in other.body


# ====================================================================================== SNS


def test_sns_publish_reaches_a_subscribed_queue(call: Caller, queue: tuple[str, Any]) -> None:
    url, sqs = queue
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="news")["TopicArn"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})
    answer = call(uri("sns", "action/Publish"),
                  query={"TopicArn": [topic], "Message": ["breaking"]})
    assert answer.status == 200
    message_id = json.loads(answer.body)["PublishResponse"]["PublishResult"]["MessageId"]
    assert message_id
    assert [m["Body"] for m in received(sqs, url)] == ["breaking"]


def test_sns_refusal(fresh_lab: Any) -> None:
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="news")["TopicArn"]
    call = Caller(fresh_lab, make_role("apigw-no-sns", ["sqs:SendMessage"]))
    answer = call(uri("sns", "action/Publish"), query={"TopicArn": [topic], "Message": ["x"]},
                  headers={"Accept": ["application/xml"]})
    assert answer.status == 403
    assert b"<Code>AuthorizationError</Code>" in answer.body
    assert f"SNS:Publish on resource: {topic}".encode() in answer.body


# ====================================================================================== EventBridge


def test_eventbridge_put_events_to_a_custom_bus(call: Caller, queue: tuple[str, Any]) -> None:
    url, sqs = queue
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="orders")
    events.put_rule(Name="all-orders", EventBusName="orders",
                    EventPattern=json.dumps({"source": ["shop"]}))
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events.put_targets(Rule="all-orders", EventBusName="orders",
                       Targets=[{"Id": "q", "Arn": queue_arn}])
    entry = {"Source": "shop", "DetailType": "placed", "Detail": '{"id": 1}',
             "EventBusName": "orders"}
    answer = call(
        uri("events", "action/PutEvents"),
        body=json.dumps({"Entries": [entry]}),
        headers={"X-Amz-Target": ["AWSEvents.PutEvents"],
                 "Content-Type": ["application/x-amz-json-1.1"]},
    )
    assert answer.status == 200
    data = json.loads(answer.body)
    assert data["FailedEntryCount"] == 0 and data["Entries"][0]["EventId"]
    bodies = [json.loads(m["Body"]) for m in received(sqs, url)]
    assert [(b["source"], b["detail-type"], b["detail"]) for b in bodies] == [
        ("shop", "placed", {"id": 1})
    ]


def test_eventbridge_permission_is_per_bus(fresh_lab: Any) -> None:
    boto3.client("events", region_name=REGION).create_event_bus(Name="orders")
    call = Caller(fresh_lab, make_role(
        "apigw-default-bus", ["events:PutEvents"],
        resource=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
    ))
    target = {"X-Amz-Target": ["AWSEvents.PutEvents"]}
    entry = {"Source": "shop", "DetailType": "placed", "Detail": "{}"}
    ok = call(uri("events", "action/PutEvents"), headers=target,
              body=json.dumps({"Entries": [entry]}))
    refused = call(uri("events", "action/PutEvents"), headers=target,
                   body=json.dumps({"Entries": [{**entry, "EventBusName": "orders"}]}))
    assert ok.status == 200
    assert refused.status == 400
    assert json.loads(refused.body)["__type"] == "AccessDeniedException"
    assert "event-bus/orders" in json.loads(refused.body)["Message"]


def test_eventbridge_without_its_target_header_is_a_limitation(call: Caller) -> None:
    with pytest.raises(EmulatorLimitation, match="X-Amz-Target"):
        call(uri("events", "action/PutEvents"), body=json.dumps({"Entries": []}))


# ====================================================================================== Step Fns


def test_step_functions_start_execution(call: Caller) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name="checkout",
        definition=json.dumps(
            {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
        ),
        roleArn=make_role("sfn-role", [], trust={"Version": "2012-10-17", "Statement": []}),
    )["stateMachineArn"]
    answer = call(uri("states", "action/StartExecution"),
                  body=json.dumps({"stateMachineArn": machine, "input": '{"cart": 3}',
                                   "name": "run-1"}))
    assert answer.status == 200
    execution = json.loads(answer.body)["executionArn"]
    assert execution.endswith(":checkout:run-1")
    assert sfn.describe_execution(executionArn=execution)["input"] == '{"cart": 3}'


# ====================================================================================== Kinesis


def test_kinesis_put_record(call: Caller) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    data = base64.b64encode(b'{"page": "/"}').decode()
    answer = call(uri("kinesis", "action/PutRecord"),
                  body=json.dumps({"StreamName": "clicks", "Data": data, "PartitionKey": "u1"}))
    assert answer.status == 200
    shard = json.loads(answer.body)["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName="clicks", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [(r["Data"], r["PartitionKey"]) for r in records] == [(b'{"page": "/"}', "u1")]


# ====================================================================================== the role


@pytest.mark.parametrize(
    "make",
    [
        lambda: f"arn:aws:iam::{ACCOUNT}:role/not-there",
        lambda: make_role("lambda-only", ["sqs:*"], trust={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"}],
        }),
    ],
)
def test_role_api_gateway_cannot_assume_is_a_500(
    call: Caller, queue: tuple[str, Any], make: Callable[[], str]
) -> None:
    url, sqs = queue
    role = make()
    with pytest.raises(gw.InternalServerError) as err:
        call(uri("sqs", f"path/{ACCOUNT}/orders"), body="Action=SendMessage&MessageBody=x",
             headers=FORM, role=role)
    assert err.value.status == 500
    assert err.value.body == b'{"message": "Internal server error"}'
    assert f"does not have permission to assume the provided role {role}" in err.value.reason
    assert received(sqs, url) == []


def test_unsupported_service_is_a_limitation(call: Caller) -> None:
    with pytest.raises(EmulatorLimitation, match="does not emulate AWS integrations to 's3'"):
        call(uri("s3", "path/bucket/key"))


# ====================================================================================== full recipe


def _rest_api(role: str, integration: dict[str, Any], *, response: str) -> str:
    apigw = boto3.client("apigateway", region_name=REGION)
    api = apigw.create_rest_api(name="services", endpointConfiguration={"types": ["REGIONAL"]})
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"],
                                     pathPart="things")["id"]
    apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod="POST",
                     authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource, httpMethod="POST",
                          type="AWS", integrationHttpMethod="POST", credentials=role,
                          **integration)
    apigw.put_method_response(restApiId=api["id"], resourceId=resource, httpMethod="POST",
                              statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=resource, httpMethod="POST",
                                   statusCode="200", selectionPattern="",
                                   responseTemplates={"application/json": response})
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    return f"https://{api['id']}.execute-api.{REGION}.amazonaws.com/prod/things"


def test_rest_api_to_sqs(queue: tuple[str, Any]) -> None:
    url, sqs = queue
    role = make_role("apigw-sqs", ["sqs:SendMessage"])
    invoke = _rest_api(
        role,
        {
            "uri": uri("sqs", f"path/{ACCOUNT}/orders"),
            "requestParameters": {
                "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
            },
            "requestTemplates": {
                "application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
            },
            "passthroughBehavior": "NEVER",
        },
        response='{"messageId": '
        '"$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}',
    )
    answer = requests.post(invoke, json={"order": 42}, timeout=5)
    assert answer.status_code == 200
    message_id = answer.json()["messageId"]
    assert [(m["MessageId"], json.loads(m["Body"])) for m in received(sqs, url)] == [
        (message_id, {"order": 42})
    ]


def test_rest_api_to_dynamodb(table: Any) -> None:
    role = make_role("apigw-ddb", ["dynamodb:PutItem"])
    invoke = _rest_api(
        role,
        {
            "uri": uri("dynamodb", "action/PutItem"),
            "requestTemplates": {
                "application/json": '{"TableName": "pets", "Item": {'
                '"id": {"S": "$input.path(\'$.id\')"}, "name": {"S": "$input.path(\'$.name\')"}}}'
            },
            "passthroughBehavior": "WHEN_NO_TEMPLATES",
        },
        response='{"saved": true}',
    )
    answer = requests.post(invoke, json={"id": "7", "name": "Rex"}, timeout=5)
    assert (answer.status_code, answer.json()) == (200, {"saved": True})
    assert table.get_item(TableName="pets", Key={"id": {"S": "7"}})["Item"] == {
        "id": {"S": "7"}, "name": {"S": "Rex"}
    }
