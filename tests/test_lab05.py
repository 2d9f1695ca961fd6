"""Lab 05, private messages: ``check_lab05`` passes on a chat built to the spec (and again
straight after: it closes its clients and cleans up after itself), fails with a targeted
message (expected, got, hint) on each way of getting it wrong, runs unchanged on the aws
code path (real waits, no trace), and the blank exercise stops at every step with a message
naming it, its check cell failing helpfully. (Generator and sync tests for every lab are in
``test_labs.py``.)
"""

from __future__ import annotations

import ast
import json
import re
import time
from types import SimpleNamespace
from typing import Any

import boto3
import nbformat
import pytest
from test_labs import (
    ACCOUNT,
    EXERCISES,
    REGION,
    assert_blank_setup_and_cleanup_run,
    assert_blank_steps_stop,
    code_cells,
    errors_of,
    run_blank,
)

from helpers import FUNCTIONS, zip_function

SOLUTION = EXERCISES.parent / "solutions" / "05-private-messages.ipynb"
START = "2025-01-01T09:00:00Z"

#: the private-message function of the solution, with knobs: {select} which rows get the
#: message, {text} what they get, {on_gone} what a GoneException does, {nobody} what the
#: sender gets when nobody is connected
PRIVATE = """
import json
import os
import time

import boto3
from boto3.dynamodb.conditions import Attr, Key

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    request = event["requestContext"]
    api = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{{request['domainName']}}/{{request['stage']}}",
    )
    body = json.loads(event["body"])
    to, message = body.get("to", ""), body.get("message", "")
    me = table.get_item(Key={{"connectionId": request["connectionId"]}}).get("Item") or {{}}
    text = json.dumps({text})
    rows = {select}["Items"]
    delivered = 0
    for row in rows:
        try:
            api.post_to_connection(ConnectionId=row["connectionId"], Data=text.encode())
            delivered += 1
        except api.exceptions.GoneException:
{on_gone}
    if not delivered:
        error = {{"error": f"nobody called {{to}} is connected"}}
{nobody}
    return {answer}
"""
SELECT = {
    "index": (
        'table.query(IndexName="UserIdIndex", KeyConditionExpression=Key("userId").eq(to), '
        'FilterExpression=Attr("expiresAt").gt(int(time.time())))'
    ),
    "everyone": "table.scan()",
    "and the sender": (
        'table.scan(FilterExpression=Attr("userId").eq(to) | '
        'Attr("connectionId").eq(request["connectionId"]))'
    ),
}
TEXT = {
    "spec": '{"from": me.get("userId"), "to": to, "message": message, "private": True}',
    "string": '{"from": me.get("userId"), "to": to, "message": message, "private": "true"}',
    "connection id": (
        '{"from": request["connectionId"], "to": to, "message": message, "private": True}'
    ),
}
ON_GONE = {
    "delete": '            table.delete_item(Key={"connectionId": row["connectionId"]})',
    "raise": "            raise",
    "skip": "            pass",
}
NOBODY = {
    "post": (
        '        api.post_to_connection(ConnectionId=request["connectionId"], '
        "Data=json.dumps(error).encode())"
    ),
    "return": '        return {"statusCode": 404, "body": json.dumps(error)}',
}
ANSWER = {
    "none": '{"statusCode": 200}',
    "body": '{"statusCode": 200, "body": json.dumps({"delivered": delivered})}',
}


def private_source(
    *,
    select: str = "index",
    text: str = "spec",
    on_gone: str = "delete",
    nobody: str = "post",
    answer: str = "none",
) -> str:
    return PRIVATE.format(
        select=SELECT[select],
        text=TEXT[text],
        on_gone=ON_GONE[on_gone],
        nobody=NOBODY[nobody],
        answer=ANSWER[answer],
    )


def build_chat(
    lab: Any,
    *,
    source: str | None = None,
    route_key: str = "sendPrivate",
    route: bool = True,
    integrate: str = "private",
    permit: bool = True,
    source_arn: str | None = None,
    redeploy: bool = True,
    route_response: bool = False,
) -> str:
    """The lab's setup and solution calls, with knobs to get each step wrong; returns the
    API id."""
    lab.clock.freeze(START)
    ddb = boto3.client("dynamodb", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    v2 = boto3.client("apigatewayv2", region_name=REGION)
    ddb.create_table(
        TableName="ChatConnections",
        AttributeDefinitions=[
            {"AttributeName": "connectionId", "AttributeType": "S"},
            {"AttributeName": "userId", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "UserIdIndex",
                "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    role_arn = lab.execution_role("apigw-lab-05-chat")
    env = {"Variables": {"TABLE_NAME": "ChatConnections"}}
    chat_arn = lam.create_function(
        FunctionName="chat",
        Runtime="python3.12",
        Role=role_arn,
        Handler="chat.handler",
        Code={"ZipFile": zip_function(FUNCTIONS / "chat.py")},
        Environment=env,
        Timeout=10,
    )["FunctionArn"]

    def uri(arn: str) -> str:
        return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"

    api_id = v2.create_api(
        Name="ChatAPI", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    chat_integration = v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri(chat_arn)
    )["IntegrationId"]
    for key in ("$connect", "$disconnect", "sendMessage"):
        v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{chat_integration}")
    arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}"
    lam.add_permission(
        FunctionName="chat",
        StatementId="apigateway-chat",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"{arn}/*",
    )
    v2.create_stage(ApiId=api_id, StageName="production")
    v2.create_deployment(ApiId=api_id, StageName="production")

    # the learner's part
    private_arn = lam.create_function(
        FunctionName="chat-private",
        Runtime="python3.12",
        Role=role_arn,
        Handler="private_chat.handler",
        Code={"ZipFile": zip_function(source or private_source(), filename="private_chat.py")},
        Environment=env,
        Timeout=10,
    )["FunctionArn"]
    integration = {
        "private": v2.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri(private_arn)
        )["IntegrationId"],
        "chat": chat_integration,
    }[integrate]
    if route:
        route_id = v2.create_route(
            ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration}"
        )["RouteId"]
        if route_response:
            v2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    if permit:
        lam.add_permission(
            FunctionName="chat-private",
            StatementId="apigateway-sendPrivate",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source_arn or f"{arn}/*/sendPrivate",
        )
    if redeploy:
        v2.create_deployment(ApiId=api_id, StageName="production")
    return api_id


def failure(lab: Any, api_id: Any, stage: str = "production") -> str:
    from helpers.checks import CheckFailed, check_lab05

    with pytest.raises(CheckFailed) as caught:
        check_lab05(lab, api_id, stage)
    return str(caught.value)


def table_rows() -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    return ddb.scan(TableName="ChatConnections")["Items"]


PRIVATE_JSON = (
    '{"from": "alice", "to": "bob", "message": "lab 05 check: lunch at noon?", "private": true}'
)
PASSED = [
    "✓ WebSocket API 'ChatAPI' selects routes by $request.body.action",
    "✓ alice, bob and carol connect to stage 'production' (?name=...)",
    '✓ alice → bob {"action": "sendPrivate", "to": "bob", ...}: bob gets '
    + PRIVATE_JSON
    + "; alice and carol get nothing",
    '✓ alice → dave (not connected): alice gets {"error": "nobody called dave is connected"}',
    "✓ alice → bob while the table also names bob for a connection that is gone: bob gets it, "
    "the row of the gone connection is deleted",
    "✓ alice → everyone (sendMessage, the given chat): alice, bob and carol each get "
    '{"from": "alice", "message": "lab 05 check: hello, everyone"}',
    "All 6 checks passed: lab 05, private messages, meets the spec",
]


# ---------------------------------------------------------------------------- it passes


def test_check_passes_on_a_chat_built_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import CHECKS, check_lab05

    assert CHECKS["05-private-messages"] is check_lab05
    api_id = build_chat(fresh_lab)
    capsys.readouterr()
    assert check_lab05(fresh_lab, api_id, "production") is None
    assert capsys.readouterr().out.splitlines() == PASSED
    # the clients are closed and their $disconnect ran: no row is left, none of the check's
    assert table_rows() == []
    assert fresh_lab.gateway.connections.all() == []


def test_the_check_can_run_again_straight_away(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab05

    api_id = build_chat(fresh_lab)
    check_lab05(fresh_lab, api_id, "production")
    capsys.readouterr()
    check_lab05(fresh_lab, api_id, "production")
    assert capsys.readouterr().out.splitlines() == PASSED


def test_a_failing_check_closes_its_clients_and_removes_its_row(fresh_lab: Any) -> None:
    failure(fresh_lab, build_chat(fresh_lab, source=private_source(on_gone="skip")))
    assert table_rows() == []
    assert fresh_lab.gateway.connections.all() == []


# ---------------------------------------------------------------------------- wrong builds

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "forgot to redeploy",
        {"redeploy": False},
        (
            "✗ alice sends bob a private message: bob gets it, and no one else",
            'alice got {"message": "Forbidden"',
            "the stage's deployment has no sendPrivate route: redeploy",
            'apigatewayv2.create_deployment(ApiId=api_id, StageName="production")',
            "no route 'sendPrivate' and no $default route",  # the gateway's trace
        ),
    ),
    (
        "route key in the wrong case",
        {"route_key": "sendprivate"},
        (
            "Forbidden",
            "route key is case-sensitive: found sendprivate",
            'update_route(ApiId=api_id, RouteId=<its id>, RouteKey="sendPrivate")',
        ),
    ),
    (
        "no route",
        {"route": False},
        (
            "Forbidden",
            "your API has no route sendPrivate (its routes: $connect, $disconnect, sendMessage)",
            'create_route(ApiId=api_id, RouteKey="sendPrivate"',
        ),
    ),
    (
        "handler broadcasting instead of sending privately",
        {"source": private_source(select="everyone")},
        (
            "bob gets",
            "carol got",
            "carol got bob's private message: your function posts to every connection",
            'IndexName="UserIdIndex"',
        ),
    ),
    (
        "handler posting to the sender too",
        {"source": private_source(select="and the sender")},
        ("alice got her own private message back: your function posts to the sender too",),
    ),
    (
        "missing permission",
        {"permit": False},
        (
            'alice got {"message": "Internal server error"',
            "function 'chat-private' has no permission for "
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:",
            "/production/sendPrivate",
            "(it has no policy)",
            'lam.add_permission(FunctionName="chat-private"',
            "Invalid permissions on Lambda function",  # the gateway's trace
        ),
    ),
    (
        "permission for sendMessage only",
        {"source_arn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*/*/sendMessage"},
        (
            "has no permission for",
            "(its policy allows only arn:aws:execute-api:us-east-1:123456789012:*/*/sendMessage)",
            '/*/sendPrivate")',
        ),
    ),
    (
        "route integrated with the chat function",
        {"integrate": "chat"},
        (
            "bob got nothing; alice got nothing; carol got nothing",
            "route sendPrivate calls the given chat function 'chat'",
            "create_integration(",
        ),
    ),
    (
        "'private' as a string",
        {"source": private_source(text="string")},
        ("bob's message is not the spec's", "'private' is \"true\", not true (a JSON boolean"),
    ),
    (
        "'from' is the connection id",
        {"source": private_source(text="connection id")},
        ("'from' is \"", 'not "alice"', "The 'from' is the sender's userId", "table.get_item("),
    ),
    (
        "two-way route answering the sender",
        {"route_response": True, "source": private_source(answer="body")},
        (
            'alice got {"delivered": 1}',
            "alice got a message too",
            "only on a two-way route",
            "delete_route_response(",
        ),
    ),
    (
        "the error returned, not posted",
        {"source": private_source(nobody="return")},
        (
            "✗ a private message to dave, who is not connected, gets alice an error",
            "alice got nothing",
            "your function sent alice nothing when nobody called dave is connected",
            'post_to_connection(ConnectionId=event["requestContext"]["connectionId"]',
        ),
    ),
    (
        "GoneException not caught",
        {"source": private_source(on_gone="raise")},
        (
            "✗ a private message to bob, who also has a row of a connection that is gone",
            "Internal server error",
            "post_to_connection raises GoneException for it, and your function failed on it",
            "except api.exceptions.GoneException",
            "GoneException",  # the gateway's trace quotes the function's error
        ),
    ),
    (
        "the gone row not deleted",
        {"source": private_source(on_gone="skip")},
        ("left the row in the table", 'table.delete_item(Key={"connectionId"'),
    ),
]


@pytest.mark.parametrize("build, phrases", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_build_gets_a_targeted_message(
    fresh_lab: Any, build: dict[str, Any], phrases: tuple[str, ...]
) -> None:
    message = failure(fresh_lab, build_chat(fresh_lab, **build))
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


@pytest.mark.parametrize(
    "api_id, stage, phrases",
    [
        (
            None,
            "production",
            ("the WebSocket API id is set", "api_id = None", "A WebSocket API named 'ChatAPI'"),
        ),
        ("nosuchapi", "production", ("no such API", "setup cells again")),
        (
            "API",
            "prod",
            ("the stage is 'production'", "'prod'", 'check_lab05(lab, api_id, "production")'),
        ),
    ],
)
def test_bad_inputs_are_explained(
    fresh_lab: Any, api_id: Any, stage: str, phrases: tuple[str, ...]
) -> None:
    built = build_chat(fresh_lab)
    message = failure(fresh_lab, built if api_id == "API" else api_id, stage)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_stage_without_a_deployment_refuses_the_handshake(fresh_lab: Any) -> None:
    api_id = build_chat(fresh_lab)
    v2 = boto3.client("apigatewayv2", region_name=REGION)
    v2.create_stage(ApiId=api_id, StageName="staging")
    from helpers.checks import CheckFailed
    from helpers.checks.lab05 import _connect
    from helpers.checks.lab05_diagnose import ChatApi

    with pytest.raises(CheckFailed) as caught:
        _connect(ChatApi(fresh_lab, api_id, "staging"), "connect", "alice")
    message = str(caught.value)
    assert "the handshake of alice was refused with HTTP 403" in message
    assert "stage 'staging' does not exist or serves no deployment" in message
    assert "stage staging has no deployment yet" in message  # the gateway's trace


# ---------------------------------------------------------------------------- the aws path


@pytest.fixture
def aws_view(fresh_lab: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The lab as the aws target's code path sees it (no gateway, no trace; settling is a
    wait), answered by the emulator; the aws waits shortened for the test."""
    from helpers.checks import lab05

    monkeypatch.setitem(lab05.WAIT_S, "aws", 3.0)
    monkeypatch.setitem(lab05.QUIET_S, "aws", 0.5)
    return SimpleNamespace(
        target="aws",
        session=fresh_lab.session,
        region=fresh_lab.region,
        account_id=fresh_lab.account_id,
        gateway=None,
        clock=fresh_lab.clock,
        websocket_url=fresh_lab.websocket_url,
        settle=lambda: (time.sleep(0.5), fresh_lab.settle()),
    )


def test_the_aws_path_waits_for_real_and_needs_no_trace(
    fresh_lab: Any, aws_view: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab05

    api_id = build_chat(fresh_lab)
    check_lab05(aws_view, api_id, "production")
    assert capsys.readouterr().out.splitlines() == PASSED


def test_the_aws_path_explains_a_missing_permission_without_a_trace(
    fresh_lab: Any, aws_view: Any
) -> None:
    message = failure(aws_view, build_chat(fresh_lab, permit=False))
    assert "function 'chat-private' has no permission for" in message
    assert "(gateway:" not in message


# ---------------------------------------------------------------------------- the notebook


def test_the_solution_prints_no_port_and_no_account_id() -> None:
    nb = nbformat.read(SOLUTION, as_version=4)
    text = json.dumps([c.outputs for c in code_cells(nb)])
    assert ACCOUNT not in text
    assert "127.0.0.1" not in text and not re.search(r"ws://", text)


def solution_source() -> str:
    """The ``PRIVATE_SOURCE`` the solution notebook deploys."""
    nb = nbformat.read(SOLUTION, as_version=4)
    cell = next(c.source for c in code_cells(nb) if "PRIVATE_SOURCE = None" in c.source)
    found = [
        node.value.value
        for node in ast.parse(cell).body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["PRIVATE_SOURCE"]
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    assert len(found) == 1
    return found[0]


def test_the_solution_notebooks_function_passes(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab05

    api_id = build_chat(fresh_lab, source=solution_source())
    capsys.readouterr()
    check_lab05(fresh_lab, api_id, "production")
    assert capsys.readouterr().out.splitlines() == PASSED


#: what each blank step's NotImplementedError must name (its nudge)
LAB05_STEPS = {
    "Step 1": ("PRIVATE_SOURCE", "UserIdIndex", "connection is gone", "nobody got it", "hint(1)"),
    "Step 2": ('"chat-private"', "lam.create_function", "TABLE_NAME", "private_arn", "hint(2)"),
    "Step 3": ("Lambda proxy integration", "sendPrivate", "lam.add_permission", "hint(3)"),
    "Step 4": ('"production"', "create_deployment", "hint(4)"),
}


@pytest.fixture(scope="module")
def blank_lab05() -> Any:
    return run_blank("05-private-messages.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab05: Any) -> None:
    assert_blank_steps_stop(blank_lab05, LAB05_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab05: Any) -> None:
    (error,) = errors_of(blank_lab05, lambda source: "check_lab05" in source)
    assert error.ename == "CheckFailed"
    message = error.evalue
    assert message.startswith("✗ alice sends bob a private message")
    assert "Forbidden" in message
    assert "your API has no route sendPrivate" in message
    assert 'create_route(ApiId=api_id, RouteKey="sendPrivate"' in message
    assert error.traceback[0] == "CheckFailed: lab check failed"
    assert "\n".join(error.traceback[1:]) == message


def test_the_blank_setup_and_cleanup_cells_run(blank_lab05: Any) -> None:
    cleaned = assert_blank_setup_and_cleanup_run(blank_lab05)
    assert "ChatConnections" in cleaned and "function chat" in cleaned
