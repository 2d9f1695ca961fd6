"""The Lambda proxy events of WebSocket APIs: CONNECT, MESSAGE and DISCONNECT, shaped as
the real captures in ``../shared/reference/events/apiGatewayWebSocketApi*.json`` (same keys,
same order).

- CONNECT carries the handshake's ``headers``/``multiValueHeaders`` (plus the query string,
  if any) and no body;
- MESSAGE carries ``body`` and ``isBase64Encoded``, no headers; ``requestContext`` adds
  ``messageId``;
- DISCONNECT carries the fixed headers AWS sends (``Host``, empty ``x-api-key``,
  ``X-Forwarded-For`` and ``x-restapi``) and ``disconnectStatusCode``/``disconnectReason``.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from .connections import Connection

#: handshake headers API Gateway does not pass on (hop-by-hop)
_DROPPED = {"connection", "upgrade"}


def domain_name(conn: Connection) -> str:
    return f"{conn.api_id}.execute-api.{conn.region}.amazonaws.com"


def request_time(epoch_s: float) -> str:
    """``11/Nov/2024:11:35:24 +0000`` (the CLF time API Gateway writes)."""
    return dt.datetime.fromtimestamp(epoch_s, tz=dt.UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def identity(conn: Connection) -> dict[str, Any]:
    """``{"sourceIp"}``, plus ``userAgent`` when the handshake sent one [unc], plus the
    caller's fields when IAM authorized the handshake."""
    found: dict[str, Any] = {**conn.identity_extra, "sourceIp": conn.source_ip}
    if conn.user_agent:
        found["userAgent"] = conn.user_agent
    return found


def request_context(
    conn: Connection,
    *,
    event_type: str,
    route_key: str,
    request_id: str,
    now: float,
    message_id: str | None = None,
    disconnect: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """``requestContext`` for one event, keys in the order of the captures."""
    out: dict[str, Any] = {"routeKey": route_key}
    if disconnect is not None:
        out["disconnectStatusCode"] = disconnect[0]
    if message_id is not None:
        out["messageId"] = message_id
    out["eventType"] = event_type
    out["extendedRequestId"] = request_id
    out["requestTime"] = request_time(now)
    out["messageDirection"] = "IN"
    if disconnect is not None:
        out["disconnectReason"] = disconnect[1]
    out["stage"] = conn.stage
    out["connectedAt"] = round(conn.connected_at * 1000)
    out["requestTimeEpoch"] = round(now * 1000)
    out["identity"] = identity(conn)
    if conn.authorizer is not None:
        out["authorizer"] = dict(conn.authorizer)
    out["requestId"] = request_id
    out["domainName"] = domain_name(conn)
    out["connectionId"] = conn.connection_id
    out["apiId"] = conn.api_id
    return out


def handshake_headers(
    conn: Connection, sent: list[tuple[str, str]], trace_id: str
) -> dict[str, list[str]]:
    """The CONNECT event's headers: as the client sent them (minus hop-by-hop ones), the
    ``Host`` of the API, and the ``X-Amzn-Trace-Id`` and ``X-Forwarded-*`` API Gateway adds."""
    headers: dict[str, list[str]] = {}
    for name, value in sent:
        low = name.lower()
        if low in _DROPPED or low == "host":
            continue
        if low.startswith("x-forwarded-") or low == "x-amzn-trace-id":
            continue
        headers.setdefault(name, []).append(value)
    out: dict[str, list[str]] = {"Host": [domain_name(conn)]}
    out.update(headers)
    out["X-Amzn-Trace-Id"] = [trace_id]
    out["X-Forwarded-For"] = [conn.source_ip]
    out["X-Forwarded-Port"] = ["443"]
    out["X-Forwarded-Proto"] = ["https"]
    return out


def connect_event(
    conn: Connection, headers: dict[str, list[str]], context: dict[str, Any]
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "headers": {k: v[-1] for k, v in headers.items()},
        "multiValueHeaders": {k: list(v) for k, v in headers.items()},
    }
    if conn.query:
        event["queryStringParameters"] = {k: v[-1] for k, v in conn.query.items()}
        event["multiValueQueryStringParameters"] = {k: list(v) for k, v in conn.query.items()}
    event["requestContext"] = context
    event["isBase64Encoded"] = False
    return event


def message_event(message: str | bytes, context: dict[str, Any]) -> dict[str, Any]:
    if isinstance(message, bytes):
        return {
            "requestContext": context,
            "body": base64.b64encode(message).decode(),
            "isBase64Encoded": True,
        }
    return {"requestContext": context, "body": message, "isBase64Encoded": False}


def disconnect_event(conn: Connection, context: dict[str, Any]) -> dict[str, Any]:
    headers = {
        "Host": domain_name(conn),
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }
