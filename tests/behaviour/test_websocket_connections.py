"""WebSocket connections end to end (reference §9, §8, §1.7, §11): the @connections API from
a test and from inside a Lambda function (the course's chat), frame and message limits, the
idle timeout and the maximum duration on the lab clock, route throttling, metrics, 100
concurrent clients, and a server that survives misbehaving clients."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import requests
import websocket
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

pytestmark = pytest.mark.usefixtures("fresh_lab")

FUNCTIONS = Path(__file__).parents[2] / "functions"
T0 = "2026-11-21T09:00:00Z"
T0_EPOCH = 1_795_251_600
KB = 1024


@contextmanager
def client(url: str, **kwargs: Any) -> Iterator[ClientConnection]:
    """A websockets client that does not ping (pings are no activity on API Gateway)."""
    with ws_connect(url, ping_interval=None, open_timeout=5, close_timeout=2, **kwargs) as ws:
        yield ws


def connection_id(ws: ClientConnection) -> str:
    """The connection's id, from the event the recorder's two-way ``$default`` answers."""
    ws.send("{}")
    return json.loads(ws.recv(timeout=5))["requestContext"]["connectionId"]


def reply(ws: ClientConnection, text: str) -> str:
    ws.send(json.dumps({"reply": text}))
    return ws.recv(timeout=5)


def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """The close frame the server sent (waits for it)."""
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None, "the server sent no close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


def refused_with(ws: ClientConnection, message: str | list[str]) -> int:
    """Send ``message`` (a list: as fragments) and return the close code it earned (the
    server may close before the client finished sending)."""
    with pytest.raises(ConnectionClosed) as closed:
        ws.send(message)
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None, "the server sent no close frame"
    return closed.value.rcvd.code


def still_open(ws: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        ws.recv(timeout=0.2)


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it gives something truthy (a guard on top of ``lab.settle()``
    for a client that vanished without a close frame: the server notices it a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def error_code(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = err.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def disconnects(ws_kit: Any, n: int = 1) -> list[tuple[int, str]]:
    found = eventually(
        lambda: len(ws_kit.recorded("DISCONNECT")) >= n and ws_kit.recorded("DISCONNECT")
    )
    assert found, "no $disconnect ran"
    return [
        (e["requestContext"]["disconnectStatusCode"], e["requestContext"]["disconnectReason"])
        for e in found
    ]


# ---------------------------------------------------------------------------------- @connections


def test_post_to_connection_sends_text_and_binary_frames(ws_kit: Any) -> None:
    api = ws_kit.recorder_api()
    mgmt = api.management()
    with client(api.url) as ws:
        cid = connection_id(ws)
        mgmt.post_to_connection(ConnectionId=cid, Data="héllo".encode())
        assert ws.recv(timeout=5) == "héllo"  # UTF-8: a text frame
        mgmt.post_to_connection(ConnectionId=cid, Data=b"\xff\x00\xfe")
        assert ws.recv(timeout=5) == b"\xff\x00\xfe"  # not UTF-8: a binary frame


def test_get_connection_and_last_active_at(ws_kit: Any) -> None:
    ws_kit.lab.clock.freeze(T0)
    api = ws_kit.recorder_api()
    mgmt = api.management()
    with client(api.url, user_agent_header="lab-test/1.0") as ws:
        cid = connection_id(ws)
        ws_kit.lab.clock.advance(30)
        found = mgmt.get_connection(ConnectionId=cid)
        assert found["ConnectedAt"].timestamp() == T0_EPOCH
        assert found["LastActiveAt"].timestamp() == T0_EPOCH  # asking is no activity
        assert found["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "lab-test/1.0"}
        assert reply(ws, "ok") == "ok"
        moved = mgmt.get_connection(ConnectionId=cid)
    assert moved["ConnectedAt"].timestamp() == T0_EPOCH
    assert moved["LastActiveAt"].timestamp() == T0_EPOCH + 30


def test_delete_connection_closes_the_client_and_disconnect_runs(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(record="DISCONNECT")
    mgmt = api.management()
    with client(api.url) as ws:
        cid = connection_id(ws)
        mgmt.delete_connection(ConnectionId=cid)
        code, _ = closed_with(ws)
    assert code == 1000
    ws_kit.lab.settle()
    assert disconnects(ws_kit)[0][0] == 1000
    with pytest.raises(mgmt.exceptions.GoneException):
        mgmt.get_connection(ConnectionId=cid)
    with pytest.raises(mgmt.exceptions.GoneException):
        mgmt.delete_connection(ConnectionId=cid)


def test_gone_for_unknown_closed_and_not_yet_established_connections(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(record="CONNECT")
    mgmt = api.management()
    with pytest.raises(mgmt.exceptions.GoneException) as unknown:
        mgmt.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
    assert error_code(unknown) == ("GoneException", 410)
    with client(api.url + "?post=1") as ws:
        cid = connection_id(ws)
        mgmt.post_to_connection(ConnectionId=cid, Data=b"now it works")
        assert ws.recv(timeout=5) == "now it works"
    # posting from inside $connect: the connection was not established yet
    assert ws_kit.posted() == ["GoneException"]
    ws_kit.lab.settle()
    with pytest.raises(mgmt.exceptions.GoneException):
        mgmt.post_to_connection(ConnectionId=cid, Data=b"too late")
    other_stage = ws_kit.management(api.api_id, "other")
    with client(api.url) as ws, pytest.raises(other_stage.exceptions.GoneException):
        other_stage.post_to_connection(ConnectionId=connection_id(ws), Data=b"x")


def test_payload_limit_is_128_kb(ws_kit: Any) -> None:
    api = ws_kit.recorder_api()
    mgmt = api.management()
    with client(api.url) as ws:
        cid = connection_id(ws)
        with pytest.raises(mgmt.exceptions.PayloadTooLargeException) as big:
            mgmt.post_to_connection(ConnectionId=cid, Data=b"x" * (128 * KB + 1))
        assert error_code(big) == ("PayloadTooLargeException", 413)
        assert "128 KB" in big.value.response["Error"]["Message"]
        mgmt.post_to_connection(ConnectionId=cid, Data=b"y" * (128 * KB))
        assert ws.recv(timeout=5) == "y" * (128 * KB)


def test_connections_api_on_the_localhost_server(ws_kit: Any) -> None:
    lab = ws_kit.lab
    api = ws_kit.recorder_api(record="DISCONNECT")
    endpoint = f"{lab.server_url}/{api.api_id}/prod"
    local = boto3.client("apigatewaymanagementapi", region_name="us-east-1", endpoint_url=endpoint)
    creds = boto3.Session().get_credentials()

    def signed(method: str, cid: str, body: bytes = b"") -> requests.Response:
        url = f"{endpoint}/@connections/{quote(cid, safe='')}"
        req = AWSRequest(method=method, url=url, data=body)
        SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
        return requests.request(method, url, headers=dict(req.headers), data=body, timeout=5)

    with client(api.url, user_agent_header="lab-test/2.0") as ws:
        cid = connection_id(ws)
        local.post_to_connection(ConnectionId=cid, Data=b"via boto3")
        assert ws.recv(timeout=5) == "via boto3"
        assert signed("POST", cid, b"via requests").status_code == 200
        assert ws.recv(timeout=5) == "via requests"
        got = signed("GET", cid)
        assert got.status_code == 200
        assert got.json()["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "lab-test/2.0"}
        assert local.get_connection(ConnectionId=cid)["Identity"]["UserAgent"] == "lab-test/2.0"
        gone = signed("POST", "AAAAAAAAAAAAAAA=", b"x")
        assert gone.status_code == 410
        assert gone.headers["x-amzn-ErrorType"] == "GoneException"
        assert signed("DELETE", cid).status_code == 204
        code, _ = closed_with(ws)
    assert code == 1000
    lab.settle()
    assert disconnects(ws_kit)[0][0] == 1000
    with pytest.raises(local.exceptions.GoneException):
        local.delete_connection(ConnectionId=cid)


# ---------------------------------------------------------------------------------- the chat


def test_chat_broadcasts_and_forgets_leaked_connections(ws_kit: Any) -> None:
    ddb = ws_kit.ddb
    ddb.create_table(
        TableName="ChatConnections",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    api = ws_kit.lambda_api(
        FUNCTIONS / "chat.py",
        ("$connect", "$disconnect", "sendMessage"),
        two_way=False,
        env={"TABLE_NAME": "ChatConnections"},
    )
    lab = ws_kit.lab
    with ExitStack() as stack:
        alice, bob, carol = (
            stack.enter_context(client(f"{api.url}?name={name}"))
            for name in ("alice", "bob", "carol")
        )
        names = sorted(i["name"]["S"] for i in ddb.scan(TableName="ChatConnections")["Items"])
        assert names == ["alice", "bob", "carol"]
        later = str(int(lab.clock.now()) + 3600)
        ddb.put_item(
            TableName="ChatConnections",
            Item={
                "connectionId": {"S": "leaked000000A="},
                "name": {"S": "ghost"},
                "expiresAt": {"N": later},
            },
        )
        alice.send(json.dumps({"action": "sendMessage", "message": "hi all"}))
        for ws in (alice, bob, carol):
            assert json.loads(ws.recv(timeout=5)) == {"from": "alice", "message": "hi all"}
        lab.settle()
        rows = {i["name"]["S"] for i in ddb.scan(TableName="ChatConnections")["Items"]}
        assert rows == {"alice", "bob", "carol"}  # the leaked row answered Gone: deleted
        with pytest.raises(TimeoutError):
            alice.recv(timeout=0.3)  # sendMessage is one-way: the function's answer stays home
        bob.close()
        lab.settle()
        rows = {i["name"]["S"] for i in ddb.scan(TableName="ChatConnections")["Items"]}
        assert rows == {"alice", "carol"}


# ---------------------------------------------------------------------------------- limits


@pytest.fixture
def sized(ws_kit: Any) -> Any:
    """A two-way ``$default`` route whose function answers with the size of what it got."""
    source = (
        "def handler(event, context):\n    return {'body': str(len(event.get('body') or ''))}\n"
    )
    return ws_kit.lambda_api(source, ("$connect", "$default"))


def test_a_frame_over_32_kb_closes_with_1009(sized: Any) -> None:
    with client(sized.url) as ws:
        ws.send("a" * (32 * KB))  # exactly the frame limit: accepted
        assert ws.recv(timeout=5) == str(32 * KB)
        assert refused_with(ws, "a" * (40 * KB)) == 1009


def test_a_fragmented_message_up_to_128_kb_is_accepted(sized: Any) -> None:
    with client(sized.url) as ws:
        chunks = ["b" * (32 * KB)] * 3 + ["b" * (4 * KB)]  # 100 KB in 4 frames
        ws.send(chunks)
        assert ws.recv(timeout=5) == str(100 * KB)
        ws.send(["c" * (32 * KB)] * 4)  # exactly 128 KB
        assert ws.recv(timeout=5) == str(128 * KB)
        assert refused_with(ws, ["d" * (32 * KB)] * 4 + ["d" * KB]) == 1009  # 129 KB


def test_idle_timeout_on_the_lab_clock(ws_kit: Any) -> None:
    lab = ws_kit.lab
    lab.clock.freeze(T0)
    api = ws_kit.recorder_api(record="DISCONNECT")
    mgmt = api.management()
    with client(api.url) as ws:
        cid = connection_id(ws)
        lab.clock.advance(599)
        still_open(ws)
        assert mgmt.get_connection(ConnectionId=cid)["LastActiveAt"].timestamp() == T0_EPOCH
        assert reply(ws, "here") == "here"  # activity resets the idle timer
        lab.clock.advance(599)  # 1198 s connected, 599 s idle
        still_open(ws)
        lab.clock.advance(2)  # 601 s idle
        assert closed_with(ws) == (1001, "Going away")
    lab.settle()
    assert disconnects(ws_kit) == [(1001, "Going away")]
    with pytest.raises(mgmt.exceptions.GoneException):
        mgmt.get_connection(ConnectionId=cid)


def test_maximum_duration_of_two_hours(ws_kit: Any) -> None:
    lab = ws_kit.lab
    lab.clock.freeze(T0)
    api = ws_kit.recorder_api(record="DISCONNECT")
    with client(api.url) as ws:
        for n in range(1, 24):  # a message every 5 minutes keeps it from idling
            lab.clock.advance(300)
            assert reply(ws, f"t+{n * 5}min") == f"t+{n * 5}min"
        lab.clock.advance(299)  # 7199 s
        assert reply(ws, "last") == "last"
        lab.clock.advance(1)  # 2 hours
        assert closed_with(ws) == (1001, "Going away")
    lab.settle()
    assert disconnects(ws_kit) == [(1001, "Going away")]


# ---------------------------------------------------------------------------------- throttling, metrics


def test_route_throttling_sends_too_many_requests(ws_kit: Any) -> None:
    lab = ws_kit.lab
    lab.clock.freeze(T0)
    api = ws_kit.recorder_api(("$connect", "$default", "sendMessage"), record="MESSAGE")
    ws_kit.v2.update_stage(  # stage settings apply without a redeployment
        ApiId=api.api_id,
        StageName="prod",
        RouteSettings={"sendMessage": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 1}},
    )
    send = json.dumps({"action": "sendMessage", "reply": "ok"})
    with client(api.url) as ws:
        answers = []
        for _ in range(3):
            ws.send(send)
            answers.append(ws.recv(timeout=5))
        assert reply(ws, "default has its own bucket") == "default has its own bucket"
        lab.clock.advance(1)
        ws.send(send)
        assert ws.recv(timeout=5) == "ok"  # one token back after a second
    assert answers[:2] == ["ok", "ok"]
    frame = json.loads(answers[2])
    assert frame["message"] == "Too Many Requests"
    assert set(frame) == {"message", "connectionId", "requestId"}
    throttled = next(t for t in lab.traces(20) if t.request_id == frame["requestId"])
    text = str(throttled)
    assert "throttle" in text and "route bucket empty" in text
    assert "route settings 'sendMessage'" in text
    assert throttled.status == 429
    assert len(ws_kit.recorded("MESSAGE")) == 4  # the throttled message never reached it


def test_connect_count_and_message_count_metrics(ws_kit: Any) -> None:
    lab = ws_kit.lab
    lab.clock.freeze(T0)
    api = ws_kit.recorder_api(("$connect", "$default", "quiet"), two_way=("$default",))
    mgmt = api.management()
    with client(api.url) as a, client(api.url) as b:
        for text in ("1", "2", "3"):
            assert reply(a, text) == text  # 3 in, 3 out
        b.send(json.dumps({"action": "quiet"}))  # 1 in (one-way)
        mgmt.post_to_connection(ConnectionId=connection_id(b), Data=b"hi")  # 1 in, 2 out
        assert b.recv(timeout=5) == "hi"
    lab.settle()
    stage = {"ApiId": api.api_id, "Stage": "prod"}
    assert ws_kit.rest.metric_sum("ConnectCount", stage, at=T0_EPOCH) == 2
    assert ws_kit.rest.metric_sum("MessageCount", stage, at=T0_EPOCH) == 10
    assert ws_kit.rest.metric_sum("MessageCount", {"ApiId": api.api_id}, at=T0_EPOCH) == 10
    assert ws_kit.rest.metric_sum("ClientError", stage, at=T0_EPOCH) == 0


# ---------------------------------------------------------------------------------- many clients


def test_a_hundred_concurrent_clients(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(record="CONNECT,DISCONNECT")
    url = api.url

    async def one(n: int) -> list[str]:
        async with async_connect(url, ping_interval=None, open_timeout=15) as ws:
            got = []
            for i in range(5):
                await ws.send(json.dumps({"reply": f"client {n} message {i}"}))
                got.append(await asyncio.wait_for(ws.recv(), 15))
            return got

    async def everyone() -> list[list[str]]:
        return await asyncio.gather(*(one(n) for n in range(100)))

    started = time.monotonic()
    answers = asyncio.run(everyone())
    for n, got in enumerate(answers):
        assert got == [f"client {n} message {i}" for i in range(5)]
    ws_kit.lab.settle(timeout=20)
    assert len(ws_kit.recorded("CONNECT")) == 100
    found = eventually(lambda: len(ws_kit.recorded("DISCONNECT")) == 100)
    assert found, f"{len(ws_kit.recorded('DISCONNECT'))} $disconnect events, not 100"
    ids = {e["requestContext"]["connectionId"] for e in ws_kit.recorded("DISCONNECT")}
    assert len(ids) == 100
    assert len(ws_kit.lab.gateway.connections) == 0
    assert time.monotonic() - started < 20


def test_the_server_survives_misbehaving_clients(ws_kit: Any) -> None:
    api = ws_kit.recorder_api(record="DISCONNECT")
    with client(api.url) as ws:
        ws.send(json.dumps({"fail": True}))
        assert json.loads(ws.recv(timeout=5))["message"] == "Internal server error"
        assert reply(ws, "still serving") == "still serving"
    # a client that vanishes in the middle of a frame
    raw = websocket.create_connection(api.url, timeout=5)
    frame = websocket.ABNF.create_frame("x" * 1000, websocket.ABNF.OPCODE_TEXT).format()
    raw.sock.sendall(frame[:200])
    raw.sock.shutdown(socket.SHUT_RDWR)
    raw.sock.close()
    # a refused handshake
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(api.url + "?status=403", timeout=5)
    with client(api.url) as ws:
        assert reply(ws, "new connection") == "new connection"
    ws_kit.lab.settle()
    codes = sorted(code for code, _ in disconnects(ws_kit, 3))
    assert codes == [1000, 1000, 1006]


def test_lab_reset_closes_live_connections(ws_kit: Any) -> None:
    lab = ws_kit.lab
    api = ws_kit.recorder_api()
    with client(api.url) as ws:
        assert reply(ws, "hello") == "hello"
        assert len(lab.gateway.connections) == 1
        lab.reset()
        assert closed_with(ws) == (1001, "Going away")
    assert len(lab.gateway.connections) == 0
    lab.settle()
