"""WebSocket APIs end to end with real WebSocket clients (reference §9, §3.1): routes and
route selection, two-way and one-way routes, the error frames API Gateway sends, ``$connect``
refusals and authorizers, the CONNECT/MESSAGE/DISCONNECT events against the captures in
/work/shared/reference/events/, and what ``$disconnect`` learns about the close."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import websocket
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

pytestmark = pytest.mark.usefixtures("fresh_lab")

EVENTS = Path("/work/shared/reference/events")
ACCOUNT = "123456789012"
T0 = "2026-11-21T09:00:00Z"
T0_EPOCH = 1_795_251_600
#: the frame API Gateway sends when it cannot process a message (spacing as AWS sends it)
ERROR_FRAME = re.compile(
    r'^\{"message": "(?P<message>[^"]*)", "connectionId":"(?P<cid>[^"]+)", '
    r'"requestId":"(?P<rid>[^"]+)"\}$'
)


def reference(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"apiGatewayWebSocketApi{name}.json").read_text())


@contextmanager
def client(url: str, **kwargs: Any) -> Iterator[ClientConnection]:
    """A websockets client that does not ping (pings are no activity on API Gateway)."""
    with ws_connect(url, ping_interval=None, open_timeout=5, close_timeout=2, **kwargs) as ws:
        yield ws


def ask(ws: ClientConnection, message: str | bytes) -> Any:
    """Send a message to a two-way route of the recorder and return the event it got."""
    ws.send(message)
    return json.loads(ws.recv(timeout=5))


def assert_silent(ws: ClientConnection, timeout: float = 0.5) -> None:
    """Nothing arrives within ``timeout`` seconds."""
    with pytest.raises(TimeoutError):
        got = ws.recv(timeout=timeout)
        pytest.fail(f"expected no message, got {got!r}")


def error_frame(text: str) -> dict[str, str]:
    found = ERROR_FRAME.match(text)
    assert found, f"not API Gateway's error frame: {text!r}"
    return found.groupdict()


# ---------------------------------------------------------------------------------- routes


def test_connect_message_and_disconnect_each_reach_their_route(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default", "sendMessage"))
    with client(api.url) as ws:
        first = ask(ws, json.dumps({"action": "sendMessage", "text": "hi"}))
        second = ask(ws, json.dumps({"action": "somethingElse"}))
    ws_kit.lab.settle()
    assert first["requestContext"]["routeKey"] == "sendMessage"
    assert second["requestContext"]["routeKey"] == "$default"
    seen = [
        (e["requestContext"]["eventType"], e["requestContext"]["routeKey"])
        for e in ws_kit.recorded()
    ]
    assert seen == [
        ("CONNECT", "$connect"),
        ("MESSAGE", "sendMessage"),
        ("MESSAGE", "$default"),
        ("DISCONNECT", "$disconnect"),
    ]
    ids = {e["requestContext"]["connectionId"] for e in ws_kit.recorded()}
    assert len(ids) == 1


@pytest.mark.parametrize(
    ("selection", "routes", "messages"),
    [
        pytest.param(
            "$request.body.action",
            ("sendMessage",),
            [
                ('{"action": "sendMessage"}', "sendMessage"),
                ('{"action": "SendMessage"}', "$default"),  # route keys are case-sensitive
                ('{"other": "sendMessage"}', "$default"),  # missing path: "" -> $default
                ("not json at all", "$default"),
                (b"\x00\xffbinary", "$default"),
            ],
            id="action",
        ),
        pytest.param(
            "$request.body.a.b",
            ("nested",),
            [
                ('{"a": {"b": "nested"}}', "nested"),
                ('{"a": "nested"}', "$default"),
                ('{"b": "nested"}', "$default"),
            ],
            id="nested-path",
        ),
        pytest.param(
            "${request.body.service}/${request.body.action}",
            ("chat/send", "chat/"),
            [
                ('{"service": "chat", "action": "send"}', "chat/send"),
                ('{"service": "chat"}', "chat/"),  # a missing part is ""
                ('{"service": "mail", "action": "send"}', "$default"),
            ],
            id="two-variables",
        ),
        pytest.param(
            "sendMessage",
            ("sendMessage",),
            [('{"action": "whatever"}', "sendMessage"), ('{"x": 1}', "sendMessage")],
            id="static",
        ),
    ],
)
def test_route_selection_expressions(
    ws_kit: Any, selection: str, routes: tuple[str, ...], messages: list[tuple[Any, str]]
) -> None:
    api = ws_kit.recorder_api(("$connect", "$default", *routes), selection=selection)
    with client(api.url) as ws:
        for message, route in messages:
            event = ask(ws, message)
            assert event["requestContext"]["routeKey"] == route, message
            if isinstance(message, bytes):
                assert event["isBase64Encoded"] is True
                assert event["body"] == "AP9iaW5hcnk="


def test_no_route_and_no_default_sends_the_forbidden_frame(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(("$connect", "sendMessage"))
    with client(api.url) as ws:
        ws.send(json.dumps({"action": "nope"}))
        frame = error_frame(ws.recv(timeout=5))
        ws.send("not json")  # non-JSON goes to $default, which is missing too
        again = error_frame(ws.recv(timeout=5))
        assert ask(ws, json.dumps({"action": "sendMessage"}))["requestContext"]["routeKey"] == (
            "sendMessage"
        )  # the connection stays open
    connection_id = ws_kit.recorded("CONNECT")[0]["requestContext"]["connectionId"]
    assert frame["message"] == again["message"] == "Forbidden"
    assert frame["cid"] == again["cid"] == connection_id
    assert frame["rid"] != again["rid"]
    assert len(ws_kit.recorded("MESSAGE")) == 1  # the function never saw the two failures


def test_an_action_named_connect_does_not_reach_connect(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"))
    with client(api.url) as ws:
        event = ask(ws, json.dumps({"action": "$connect"}))
        assert ask(ws, json.dumps({"action": "$disconnect"}))["requestContext"]["routeKey"] == (
            "$default"
        )
    assert event["requestContext"]["routeKey"] == "$default"
    assert event["requestContext"]["eventType"] == "MESSAGE"
    ws_kit.lab.settle()
    assert len(ws_kit.recorded("CONNECT")) == 1
    assert len(ws_kit.recorded("DISCONNECT")) == 1


def test_an_action_named_connect_without_default_is_forbidden(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(("$connect", "sendMessage"))
    with client(api.url) as ws:
        ws.send(json.dumps({"action": "$connect"}))
        assert error_frame(ws.recv(timeout=5))["message"] == "Forbidden"
    assert len(ws_kit.recorded("CONNECT")) == 1


# ---------------------------------------------------------------------------------- two-way, one-way


def test_two_way_route_answers_and_one_way_route_stays_silent(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(("$connect", "talk", "listen"), two_way=("talk",))
    with client(api.url) as ws:
        ws.send(json.dumps({"action": "talk", "reply": "pong"}))
        assert ws.recv(timeout=5) == "pong"
        ws.send(json.dumps({"action": "listen", "reply": "pong"}))
        assert_silent(ws)
        ws.send(json.dumps({"action": "talk", "reply": "still here"}))
        assert ws.recv(timeout=5) == "still here"
    routes = [e["requestContext"]["routeKey"] for e in ws_kit.recorded("MESSAGE")]
    assert routes == ["talk", "listen", "talk"]  # the one-way route's function did run


@pytest.mark.parametrize("two_way", [True, False], ids=["two-way", "one-way"])
def test_a_function_error_sends_internal_server_error(ws_kit: Any, two_way: bool) -> None:
    api = ws_kit.recorder_api(("$connect", "$default"), two_way=two_way)
    with client(api.url) as ws:
        ws.send(json.dumps({"fail": True}))
        frame = error_frame(ws.recv(timeout=5))
        ws.send(json.dumps({"reply": "after"}))
        if two_way:
            assert ws.recv(timeout=5) == "after"
    assert frame["message"] == "Internal server error"
    assert frame["cid"] == ws_kit.recorded("CONNECT")[0]["requestContext"]["connectionId"]
    assert frame["rid"] == ws_kit.recorded("MESSAGE")[0]["requestContext"]["requestId"]


# ---------------------------------------------------------------------------------- $connect


@pytest.mark.parametrize("status", [400, 403])
def test_connect_function_status_refuses_the_handshake(ws_kit: Any, status: int) -> None:
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"))
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{api.url}?status={status}", timeout=5)
    assert refused.value.status_code == status
    with pytest.raises(InvalidStatus) as again, client(f"{api.url}?status={status}"):
        pass
    assert again.value.response.status_code == status
    ws_kit.lab.settle()
    assert len(ws_kit.recorded("CONNECT")) == 2
    assert ws_kit.recorded("DISCONNECT") == []  # never connected, so no $disconnect
    assert len(ws_kit.lab.gateway.connections) == 0
    with client(f"{api.url}?status=201") as ws:  # any 2xx accepts
        assert ask(ws, "{}")["requestContext"]["routeKey"] == "$default"


AUTHORIZER = """
def handler(event, context):
    token = event["queryStringParameters"]["token"]
    effect = "Allow" if token == "let-me-in" else "Deny"
    return {
        "principalId": "alice",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
        "context": {"plan": "gold", "seats": 3},
    }
"""


@pytest.fixture
def authorized(ws_kit: Any) -> Any:
    """The recorder behind a REQUEST authorizer on $connect (token from the query string)."""
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"), deploy=False)
    auth_fn = ws_kit.function(AUTHORIZER)
    ws_kit.permit(auth_fn, api.api_id)
    authorizer = ws_kit.request_authorizer(api.api_id, auth_fn)
    ws_kit.v2.update_route(
        ApiId=api.api_id,
        RouteId=api.routes["$connect"],
        AuthorizationType="CUSTOM",
        AuthorizerId=authorizer,
    )
    ws_kit.deploy(api.api_id)
    return api


@pytest.mark.parametrize(("query", "status"), [("", 401), ("?token=wrong", 403)])
def test_request_authorizer_refuses(authorized: Any, ws_kit: Any, query: str, status: int) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(authorized.url + query, timeout=5)
    assert refused.value.status_code == status
    assert ws_kit.recorded() == []  # the $connect function never ran


def test_request_authorizer_allows_and_its_context_reaches_later_events(
    authorized: Any, ws_kit: Any
) -> None:
    with client(authorized.url + "?token=let-me-in") as ws:
        event = ask(ws, "{}")
    ws_kit.lab.settle()
    found = event["requestContext"]["authorizer"]
    assert found["principalId"] == "alice"
    assert found["plan"] == "gold"
    assert found["seats"] == "3"  # context values reach the integration as text
    for recorded in ws_kit.recorded():
        assert recorded["requestContext"]["authorizer"]["principalId"] == "alice"
    kinds = [e["requestContext"]["eventType"] for e in ws_kit.recorded()]
    assert kinds == ["CONNECT", "MESSAGE", "DISCONNECT"]


def test_the_course_chat_authorizer_reads_a_token_from_the_query_string(ws_kit: Any) -> None:
    """functions/chat_authorizer.py (notebook 11, step 15): no token → 401 without a call,
    an unknown token → 403, a known one → connected, its user in the context."""
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"), deploy=False)
    auth_fn = ws_kit.function(
        Path(__file__).resolve().parents[2] / "functions" / "chat_authorizer.py"
    )
    ws_kit.permit(auth_fn, api.api_id)
    authorizer = ws_kit.request_authorizer(api.api_id, auth_fn)
    ws_kit.v2.update_route(
        ApiId=api.api_id,
        RouteId=api.routes["$connect"],
        AuthorizationType="CUSTOM",
        AuthorizerId=authorizer,
    )
    ws_kit.deploy(api.api_id)
    for query, status in (("", 401), ("?token=guess", 403)):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(api.url + query, timeout=5)
        assert refused.value.status_code == status
    with client(api.url + "?name=heidi&token=t-heidi") as ws:
        event = ask(ws, "{}")
    assert event["requestContext"]["authorizer"]["principalId"] == "heidi"
    assert event["requestContext"]["authorizer"]["user"] == "heidi"


@pytest.fixture
def iam_api(ws_kit: Any) -> Any:
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"), deploy=False)
    ws_kit.v2.update_route(
        ApiId=api.api_id, RouteId=api.routes["$connect"], AuthorizationType="AWS_IAM"
    )
    ws_kit.deploy(api.api_id)
    return api


def iam_user(name: str, resource: str | None) -> Credentials:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName=name)
    if resource is not None:
        statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}
        iam.put_user_policy(
            UserName=name,
            PolicyName="connect",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def presigned(url: str, creds: Credentials) -> str:
    """The handshake URL presigned with SigV4 (service execute-api) in the query string."""
    request = AWSRequest(method="GET", url=url.replace("ws://", "http://", 1))
    SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=60).add_auth(request)
    return request.url.replace("http://", "ws://", 1)


def test_iam_on_connect_refuses_unsigned_handshakes(iam_api: Any, ws_kit: Any) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(iam_api.url, timeout=5)
    assert refused.value.status_code == 403
    nobody = iam_user("nobody", None)  # signed, but no policy allows the connection
    with pytest.raises(InvalidStatus) as denied, client(presigned(iam_api.url, nobody)):
        pass
    assert denied.value.response.status_code == 403
    assert ws_kit.recorded() == []


def test_iam_on_connect_accepts_a_presigned_handshake(iam_api: Any, ws_kit: Any) -> None:
    arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{iam_api.api_id}/prod/$connect"
    alice = iam_user("alice", arn)
    with client(presigned(iam_api.url, alice)) as ws:
        event = ask(ws, "{}")
    identity = event["requestContext"]["identity"]
    assert identity["userArn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert identity["accessKey"] == alice.access_key
    assert identity["sourceIp"] == "127.0.0.1"


# ---------------------------------------------------------------------------------- events


def test_events_have_the_shape_of_the_captures(ws_kit: Any) -> None:
    lab = ws_kit.lab
    lab.clock.freeze(T0)
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"))
    with client(api.url + "?name=alice&name=bob&room=1") as ws:
        lab.clock.advance(2.5)
        ws.send(json.dumps({"action": "hello"}))
        ws.recv(timeout=5)
        lab.clock.advance(1)
        ws.close(1000, "bye")
    lab.settle()
    connect, message, disconnect = ws_kit.recorded()
    expected = {"CONNECT": connect, "MESSAGE": message, "DISCONNECT": disconnect}
    domain = f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    for name, event in zip(("Connect", "Message", "Disconnect"), expected.values(), strict=True):
        ref = reference(name)
        context = event["requestContext"]
        assert list(context) == list(ref["requestContext"]), name
        assert context["eventType"] == name.upper()
        assert ("messageId" in context) is (name == "Message")
        assert context["messageDirection"] == "IN"
        assert context["connectedAt"] == T0_EPOCH * 1000
        assert context["stage"] == "prod"
        assert context["apiId"] == api.api_id
        assert context["domainName"] == domain
        assert context["connectionId"] == connect["requestContext"]["connectionId"]
        assert context["extendedRequestId"] == context["requestId"]
        assert context["identity"]["sourceIp"] == "127.0.0.1"
        assert event["isBase64Encoded"] is False
    query_keys = ("queryStringParameters", "multiValueQueryStringParameters")
    assert [k for k in connect if k not in query_keys] == list(reference("Connect"))
    assert list(message) == list(reference("Message"))
    assert list(disconnect) == list(reference("Disconnect"))
    # times on the lab clock, in milliseconds
    times = [e["requestContext"]["requestTimeEpoch"] for e in expected.values()]
    assert times == [T0_EPOCH * 1000, T0_EPOCH * 1000 + 2500, T0_EPOCH * 1000 + 3500]
    assert connect["requestContext"]["requestTime"] == "21/Nov/2026:09:00:00 +0000"
    assert message["requestContext"]["requestTime"] == "21/Nov/2026:09:00:02 +0000"
    # CONNECT: the handshake's headers (as the capture's) and the query string
    assert set(reference("Connect")["headers"]) <= set(connect["headers"])
    assert connect["headers"]["Host"] == domain
    assert connect["headers"]["X-Forwarded-Proto"] == "https"
    assert connect["headers"]["X-Forwarded-Port"] == "443"
    assert connect["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert "Connection" not in connect["headers"] and "Upgrade" not in connect["headers"]
    assert connect["multiValueHeaders"]["Host"] == [domain]
    assert connect["queryStringParameters"] == {"name": "bob", "room": "1"}
    assert connect["multiValueQueryStringParameters"] == {"name": ["alice", "bob"], "room": ["1"]}
    # MESSAGE: the body as sent, no headers
    assert message["body"] == '{"action": "hello"}'
    assert message["requestContext"]["routeKey"] == "$default"
    assert message["requestContext"]["messageId"] != message["requestContext"]["requestId"]
    # DISCONNECT: the fixed headers and the client's close
    ref_headers = reference("Disconnect")["headers"]
    assert disconnect["headers"] == {**ref_headers, "Host": domain}
    assert disconnect["multiValueHeaders"] == {k: [v] for k, v in disconnect["headers"].items()}
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000
    assert disconnect["requestContext"]["disconnectReason"] == "bye"
    ids = {e["requestContext"]["requestId"] for e in expected.values()}
    assert len(ids) == 3


def _close_without_status(ws: ClientConnection) -> None:
    ws.close(code=None)  # type: ignore[arg-type]  # websockets then sends an empty close frame


def _vanish(ws: ClientConnection) -> None:
    ws.socket.shutdown(socket.SHUT_RDWR)  # TCP goes away, no close frame was ever sent


@pytest.mark.parametrize(
    ("leave", "status", "reason"),
    [
        pytest.param(lambda ws: ws.close(1000, "bye"), 1000, "bye", id="close-1000"),
        pytest.param(lambda ws: ws.close(4001, "custom"), 4001, "custom", id="close-4001"),
        pytest.param(
            _close_without_status, 1005, "Client-side close frame status not set", id="no-status"
        ),
        pytest.param(_vanish, 1006, "", id="vanished"),
    ],
)
def test_disconnect_learns_how_the_client_left(
    ws_kit: Any, leave: Any, status: int, reason: str
) -> None:
    api = ws_kit.recorder_api(("$connect", "$disconnect", "$default"), record="DISCONNECT")
    with client(api.url) as ws:
        ws.send(json.dumps({"reply": "ready"}))
        assert ws.recv(timeout=5) == "ready"
        leave(ws)
    ws_kit.lab.settle()
    (event,) = ws_kit.recorded("DISCONNECT")
    assert event["requestContext"]["disconnectStatusCode"] == status
    assert event["requestContext"]["disconnectReason"] == reason
    assert len(ws_kit.lab.gateway.connections) == 0
