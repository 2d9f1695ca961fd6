"""The @connections management API (reference §9; botocore ``apigatewaymanagementapi``):
POST/GET/DELETE on live connections, and the errors as botocore reads them (status,
``x-amzn-ErrorType``, JSON body)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from helpers.gateway.limits.state import Limits
from helpers.gateway.ws import management
from helpers.gateway.ws.connections import DELETED_CLOSE, Connection, ConnectionRegistry
from helpers.gateway.ws.management import ManagementError

ACCOUNT = "123456789012"
REGION = "us-east-1"
T0 = 1_795_251_600.0
KB = 1024


class FakeLink:
    def __init__(self, gone: bool = False) -> None:
        self.sent: list[str | bytes] = []
        self.closed: list[tuple[int, str]] = []
        self.gone = gone

    def send(self, data: str | bytes) -> None:
        if self.gone:
            raise ConnectionError("the socket is gone")
        self.sent.append(data)

    def close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))


class FakeClock:
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


@dataclass
class FakePlane:
    """What the management module uses of a DataPlane."""

    account_id: str = ACCOUNT
    clock: FakeClock = field(default_factory=lambda: FakeClock(T0))
    limits: Limits = field(default_factory=Limits)
    connections: ConnectionRegistry = field(default_factory=ConnectionRegistry)
    outgoing: list[str] = field(default_factory=list)

    def record_outgoing(self, conn: Connection) -> None:
        self.outgoing.append(conn.connection_id)


def connection(plane: FakePlane, cid: str = "CID=", *, established: bool = True) -> Connection:
    conn = Connection(
        connection_id=cid,
        api_id="api1",
        stage="prod",
        region=REGION,
        connected_at=T0,
        last_active_at=T0 + 42.5,
        source_ip="203.0.113.7",
        user_agent="wscat/6",
        established=established,
        link=FakeLink(),
    )
    plane.connections.add(conn)
    return conn


@pytest.fixture
def plane() -> FakePlane:
    return FakePlane()


def call(plane: FakePlane, method: str, cid: str = "CID=", body: bytes = b"", stage: str = "prod"):
    return management.answer(plane, method, REGION, "api1", stage, cid, body)


def decoded(response: Any) -> tuple[int, str | None, dict[str, Any]]:
    return (
        response.status,
        response.header("x-amzn-ErrorType"),
        json.loads(response.body) if response.body else {},
    )


def test_post_sends_text_or_binary_and_counts_the_message(plane: FakePlane) -> None:
    conn = connection(plane)
    assert call(plane, "POST", body="héllo".encode()).status == 200
    assert call(plane, "POST", body=b"\xff\x00").status == 200
    assert conn.link.sent == ["héllo", b"\xff\x00"]
    assert plane.outgoing == ["CID=", "CID="]


def test_post_up_to_128_kb(plane: FakePlane) -> None:
    conn = connection(plane)
    assert call(plane, "POST", body=b"x" * (128 * KB)).status == 200
    status, kind, body = decoded(call(plane, "POST", body=b"x" * (128 * KB + 1)))
    assert (status, kind) == (413, "PayloadTooLargeException")
    assert body == {"message": management.PAYLOAD_TOO_LARGE_MESSAGE}
    assert len(conn.link.sent) == 1


def test_get_connection(plane: FakePlane) -> None:
    connection(plane)
    response = call(plane, "GET")
    assert response.status == 200
    assert response.header("Content-Type") == "application/json"
    assert json.loads(response.body) == {
        "connectedAt": "2026-11-21T09:00:00.000Z",
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "wscat/6"},
        "lastActiveAt": "2026-11-21T09:00:42.500Z",
    }


def test_get_connection_without_user_agent(plane: FakePlane) -> None:
    connection(plane).user_agent = None
    assert json.loads(call(plane, "GET").body)["identity"] == {"sourceIp": "203.0.113.7"}


def test_delete_closes_the_socket(plane: FakePlane) -> None:
    conn = connection(plane)
    response = call(plane, "DELETE")
    assert (response.status, response.body) == (204, b"")
    assert conn.link.closed == [DELETED_CLOSE]
    assert conn.closed_by_gateway == DELETED_CLOSE


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_gone_for_unknown_pending_closed_and_elsewhere(plane: FakePlane, method: str) -> None:
    gone = (410, "GoneException", {})
    assert decoded(call(plane, method, "NOPE=")) == gone
    connection(plane, "PENDING=", established=False)  # its $connect still runs
    assert decoded(call(plane, method, "PENDING=")) == gone
    connection(plane, "CLOSED=")
    plane.connections.remove("CLOSED=")
    assert decoded(call(plane, method, "CLOSED=")) == gone
    connection(plane, "HERE=")
    assert decoded(call(plane, method, "HERE=", stage="other")) == gone


def test_gone_when_the_socket_went_away_while_sending(plane: FakePlane) -> None:
    conn = connection(plane)
    conn.link = FakeLink(gone=True)
    assert decoded(call(plane, "POST", body=b"x"))[:2] == (410, "GoneException")
    assert plane.outgoing == []


def test_limit_exceeded_when_the_account_bucket_is_empty(plane: FakePlane) -> None:
    connection(plane)
    plane.limits.set_account_limits(rate=1, burst=2)
    answers = [call(plane, "GET").status for _ in range(2)]
    status, kind, body = decoded(call(plane, "POST", body=b"x"))
    assert answers == [200, 200]
    assert (status, kind) == (429, "LimitExceededException")
    assert body == {"message": management.LIMIT_EXCEEDED_MESSAGE}
    plane.clock.at += 1  # a token comes back
    assert call(plane, "GET").status == 200


def test_other_methods_are_forbidden(plane: FakePlane) -> None:
    connection(plane)
    status, kind, body = decoded(call(plane, "PUT"))
    assert (status, kind, body) == (403, "ForbiddenException", {"message": "Forbidden"})


def test_management_error_response() -> None:
    err = ManagementError(413, "PayloadTooLargeException", "too big")
    response = err.response()
    assert response.status == 413
    assert response.header("x-amzn-ErrorType") == "PayloadTooLargeException"
    assert response.header("Content-Type") == "application/json"
    assert json.loads(response.body) == {"message": "too big"}
    assert json.loads(ManagementError(410, "GoneException").response().body) == {}
    assert str(err) == "PayloadTooLargeException (413): too big"


def test_functions_raise_management_errors(plane: FakePlane) -> None:
    with pytest.raises(ManagementError) as err:
        management.get_connection(plane, REGION, "api1", "prod", "NOPE=")
    assert (err.value.status, err.value.code) == (410, "GoneException")
    conn = connection(plane)
    found = management.get_connection(plane, REGION, "api1", "prod", "CID=")
    assert found["connectedAt"] == "2026-11-21T09:00:00.000Z"
    management.delete_connection(plane, REGION, "api1", "prod", "CID=")
    assert conn.link.closed == [DELETED_CLOSE]


def test_an_old_socket_does_not_forget_a_new_connection_with_its_id(plane: FakePlane) -> None:
    """Ids repeat after lab.reset() reseeds them: the late handler of an old socket removes
    only its own connection."""
    old = connection(plane, "SAME=")
    plane.connections.clear()
    new = connection(plane, "SAME=")
    assert plane.connections.remove("SAME=", old) is None
    assert old.closed and not new.closed
    assert call(plane, "GET", "SAME=").status == 200
    assert plane.connections.remove("SAME=", new) is new
    assert decoded(call(plane, "GET", "SAME="))[:2] == (410, "GoneException")
