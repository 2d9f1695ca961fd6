"""The Lambda proxy events of WebSocket APIs against the real captures in
/work/shared/reference/events/apiGatewayWebSocketApi{Connect,Message,Disconnect}.json:
same keys in the same order, and the values API Gateway puts there (reference §9)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from helpers.gateway.ws import events
from helpers.gateway.ws.connections import Connection

EVENTS = Path("/work/shared/reference/events")
T0 = 1_731_324_924.553  # the Connect capture's connectedAt


def reference(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"apiGatewayWebSocketApi{name}.json").read_text())


def connection(**kwargs: Any) -> Connection:
    fields: dict[str, Any] = {
        "connection_id": "BFHPhfCWIAMCKlQ=",
        "api_id": "asasasas",
        "stage": "prod",
        "region": "us-east-1",
        "connected_at": T0,
        "last_active_at": T0,
        "source_ip": "166.90.225.1",
        "user_agent": None,
    }
    fields.update(kwargs)
    return Connection(**fields)


def context(conn: Connection, kind: str, now: float = T0, **kwargs: Any) -> dict[str, Any]:
    route = {"CONNECT": "$connect", "DISCONNECT": "$disconnect"}.get(kind, "chat")
    return events.request_context(
        conn, event_type=kind, route_key=route, request_id="REQ=", now=now, **kwargs
    )


def test_connect_context_matches_the_capture() -> None:
    ref = reference("Connect")["requestContext"]
    conn = connection()
    got = context(conn, "CONNECT", now=T0 + 0.008)
    assert list(got) == list(ref)
    same = ("routeKey", "eventType", "messageDirection", "stage", "connectedAt", "identity")
    assert {k: got[k] for k in same} == {k: ref[k] for k in same}
    assert got["requestTimeEpoch"] == 1_731_324_924_561
    assert got["requestTime"] == ref["requestTime"] == "11/Nov/2024:11:35:24 +0000"
    assert got["domainName"] == "asasasas.execute-api.us-east-1.amazonaws.com"
    assert got["connectionId"] == conn.connection_id
    assert got["requestId"] == got["extendedRequestId"] == "REQ="


def test_message_context_has_a_message_id() -> None:
    ref = reference("Message")["requestContext"]
    got = context(connection(), "MESSAGE", message_id="MSG=")
    assert list(got) == list(ref)
    assert got["messageId"] == "MSG="
    assert got["eventType"] == "MESSAGE"


def test_disconnect_context_has_the_close_status() -> None:
    ref = reference("Disconnect")["requestContext"]
    got = context(
        connection(), "DISCONNECT", disconnect=(1005, "Client-side close frame status not set")
    )
    assert list(got) == list(ref)
    assert got["disconnectStatusCode"] == ref["disconnectStatusCode"] == 1005
    assert got["disconnectReason"] == ref["disconnectReason"]
    assert "messageId" not in got


@pytest.mark.parametrize("kind", ["CONNECT", "DISCONNECT"])
def test_only_messages_have_a_message_id(kind: str) -> None:
    assert "messageId" not in context(connection(), kind)


def test_times_are_milliseconds_on_the_given_clock() -> None:
    conn = connection(connected_at=1_000.25)
    got = context(conn, "MESSAGE", now=1_060.5, message_id="M=")
    assert got["connectedAt"] == 1_000_250
    assert got["requestTimeEpoch"] == 1_060_500
    assert got["requestTime"] == "01/Jan/1970:00:17:40 +0000"


def test_identity_and_authorizer() -> None:
    plain = context(connection(), "MESSAGE", message_id="M=")
    assert plain["identity"] == {"sourceIp": "166.90.225.1"}
    assert "authorizer" not in plain
    conn = connection(
        user_agent="wscat/6",
        authorizer={"principalId": "alice", "plan": "gold"},
        identity_extra={"userArn": "arn:aws:iam::123456789012:user/alice"},
    )
    got = context(conn, "MESSAGE", message_id="M=")
    assert got["identity"] == {
        "userArn": "arn:aws:iam::123456789012:user/alice",
        "sourceIp": "166.90.225.1",
        "userAgent": "wscat/6",
    }
    assert got["authorizer"] == {"principalId": "alice", "plan": "gold"}
    keys = [k for k in got if k != "authorizer"]
    assert keys == list(reference("Message")["requestContext"])
    conn.authorizer["plan"] = "changed"
    assert got["authorizer"]["plan"] == "gold"  # a copy per event


def test_handshake_headers_as_api_gateway_passes_them() -> None:
    conn = connection()
    sent = [
        ("Host", "127.0.0.1:8080"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "+W5xw47OHh3OTFsWKjGu9Q=="),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("x-amzn-trace-id", "Root=forged"),
        ("X-Custom", "a"),
        ("X-Custom", "b"),
    ]
    got = events.handshake_headers(conn, sent, "Root=1-6731ebfc-08e1e656421db73c5d2eef31")
    ref = reference("Connect")["multiValueHeaders"]
    assert next(iter(got)) == "Host"
    assert got["Host"] == ["asasasas.execute-api.us-east-1.amazonaws.com"]
    for name in ("Sec-WebSocket-Extensions", "Sec-WebSocket-Key", "Sec-WebSocket-Version"):
        assert got[name] == ref[name]
    assert got["X-Amzn-Trace-Id"] == ref["X-Amzn-Trace-Id"]
    assert got["X-Forwarded-For"] == ["166.90.225.1"]  # the client's own is replaced
    assert got["X-Forwarded-Port"] == ["443"]
    assert got["X-Forwarded-Proto"] == ["https"]
    assert got["X-Custom"] == ["a", "b"]
    assert "Upgrade" not in got and "Connection" not in got
    assert "x-amzn-trace-id" not in got
    assert set(ref) <= set(got)


def test_connect_event_shape() -> None:
    conn = connection()
    headers = {"Host": ["h"], "X-Custom": ["a", "b"]}
    ctx = context(conn, "CONNECT")
    got = events.connect_event(conn, headers, ctx)
    assert list(got) == list(reference("Connect"))
    assert got["headers"] == {"Host": "h", "X-Custom": "b"}
    assert got["multiValueHeaders"] == headers
    assert got["isBase64Encoded"] is False
    assert got["requestContext"] is ctx
    conn.query = {"name": ["alice", "bob"], "room": ["1"]}
    with_query = events.connect_event(conn, headers, ctx)
    assert with_query["queryStringParameters"] == {"name": "bob", "room": "1"}
    assert with_query["multiValueQueryStringParameters"] == conn.query
    query_keys = ("queryStringParameters", "multiValueQueryStringParameters")
    assert [k for k in with_query if k not in query_keys] == list(reference("Connect"))


def test_message_event_shape() -> None:
    ref = reference("Message")
    ctx = context(connection(), "MESSAGE", message_id="M=")
    text = events.message_event(ref["body"], ctx)
    assert list(text) == list(ref)
    assert text["body"] == ref["body"]
    assert text["isBase64Encoded"] is False
    binary = events.message_event(b"\x00\xff", ctx)
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\x00\xff"
    assert "headers" not in binary


def test_disconnect_event_shape() -> None:
    ref = reference("Disconnect")
    conn = connection()
    got = events.disconnect_event(conn, context(conn, "DISCONNECT", disconnect=(1000, "bye")))
    assert list(got) == list(ref)
    assert got["headers"] == ref["headers"]
    assert got["multiValueHeaders"] == ref["multiValueHeaders"]
    assert got["isBase64Encoded"] is False
