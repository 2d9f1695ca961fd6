"""The @connections management API (reference §9): what boto3's
``apigatewaymanagementapi`` client calls at ``https://{api-id}.execute-api.{region}
.amazonaws.com/{stage}``, answered from the live connections.

- ``POST @connections/{id}``: send the data (at most 128 KB) to the client, 200;
- ``GET @connections/{id}``: ``connectedAt``, ``identity``, ``lastActiveAt``, 200;
- ``DELETE @connections/{id}``: close the connection, 204.

A connection that is gone, never existed, or is not established yet (its ``$connect``
still runs) answers ``GoneException`` (410). Callbacks share the account's token bucket
with every API (reference §1): an empty bucket answers ``LimitExceededException`` (429).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..http import HttpResponse
from ..limits import layers
from .connections import DELETED_CLOSE, Connection

#: DG limits: message payload size
MAX_DATA_BYTES = 128 * 1024
#: [unc] the message texts (the service model documents only the error codes)
PAYLOAD_TOO_LARGE_MESSAGE = "Message too long. Max message size is 128 KB."
LIMIT_EXCEEDED_MESSAGE = "Rate exceeded"


class ManagementError(Exception):
    """An @connections error: the status, the code botocore raises, and the message."""

    def __init__(self, status: int, code: str, message: str | None = None) -> None:
        super().__init__(f"{code} ({status})" + (f": {message}" if message else ""))
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> HttpResponse:
        body: dict[str, Any] = {} if self.message is None else {"message": self.message}
        return HttpResponse(
            self.status,
            [("Content-Type", "application/json"), ("x-amzn-ErrorType", self.code)],
            json.dumps(body).encode(),
        )


def _gone(connection_id: str) -> ManagementError:
    return ManagementError(410, "GoneException")


def _iso(epoch_s: float) -> str:
    stamp = dt.datetime.fromtimestamp(epoch_s, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def _admit(plane: Any, region: str) -> None:
    state = plane.limits
    account = layers.account_limit(
        plane.account_id, region, state.account_rate, state.account_burst
    )
    with state.lock:
        verdict = state.admit([account], plane.clock.now())
    if verdict.refused_by is not None:
        raise ManagementError(429, "LimitExceededException", LIMIT_EXCEEDED_MESSAGE)


def _live(plane: Any, api_id: str, stage: str, connection_id: str) -> Connection:
    conn = plane.connections.live(api_id, stage, connection_id)
    if conn is None:
        raise _gone(connection_id)
    return conn


def post_to_connection(
    plane: Any, region: str, api_id: str, stage: str, connection_id: str, data: bytes
) -> None:
    """Send ``data`` to the client (a text frame when it is UTF-8, else a binary one)."""
    _admit(plane, region)
    if len(data) > MAX_DATA_BYTES:
        raise ManagementError(413, "PayloadTooLargeException", PAYLOAD_TOO_LARGE_MESSAGE)
    conn = _live(plane, api_id, stage, connection_id)
    try:
        frame: str | bytes = data.decode("utf-8")
    except UnicodeDecodeError:
        frame = data
    assert conn.link is not None
    try:
        conn.link.send(frame)
    except ConnectionError:
        raise _gone(connection_id) from None
    plane.record_outgoing(conn)


def get_connection(
    plane: Any, region: str, api_id: str, stage: str, connection_id: str
) -> dict[str, Any]:
    _admit(plane, region)
    conn = _live(plane, api_id, stage, connection_id)
    identity = {"sourceIp": conn.source_ip}
    if conn.user_agent:
        identity["userAgent"] = conn.user_agent
    return {
        "connectedAt": _iso(conn.connected_at),
        "identity": identity,
        "lastActiveAt": _iso(conn.last_active_at),
    }


def delete_connection(plane: Any, region: str, api_id: str, stage: str, connection_id: str) -> None:
    _admit(plane, region)
    conn = _live(plane, api_id, stage, connection_id)
    plane.connections.close(conn, *DELETED_CLOSE)


def answer(
    plane: Any, method: str, region: str, api_id: str, stage: str, connection_id: str, body: bytes
) -> HttpResponse:
    """One @connections call as HTTP (for moto's dispatch and the localhost server)."""
    try:
        if method == "POST":
            post_to_connection(plane, region, api_id, stage, connection_id, body)
            return HttpResponse(200, [("Content-Type", "application/json")], b"")
        if method == "GET":
            found = get_connection(plane, region, api_id, stage, connection_id)
            return HttpResponse(
                200, [("Content-Type", "application/json")], json.dumps(found).encode()
            )
        if method == "DELETE":
            delete_connection(plane, region, api_id, stage, connection_id)
            return HttpResponse(204, [], b"")
    except ManagementError as err:
        return err.response()
    return ManagementError(403, "ForbiddenException", "Forbidden").response()
