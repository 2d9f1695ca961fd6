"""Live WebSocket connections and their limits (reference §9, quotas in §8).

A :class:`Connection` is created when a handshake arrives, *established* once ``$connect``
allowed it, and forgotten once it closed. Until it is established the @connections API
answers ``GoneException`` for it, as AWS does while ``$connect`` still runs.

The registry also enforces the two time limits, on the lab clock: a connection idle for
10 minutes, or open for 2 hours, is closed by API Gateway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

#: DG limits: idle timeout and maximum connection duration
IDLE_TIMEOUT_S = 10 * 60
MAX_DURATION_S = 2 * 60 * 60
#: close code and reason API Gateway sends for both time limits [unc: 1001 "Going away"]
TIMEOUT_CLOSE = (1001, "Going away")
#: what a learner's delete_connection call closes the socket with [unc]
DELETED_CLOSE = (1000, "Connection deleted")
#: what resets the idle timer: data frames from the client [unc: pings are not counted]
IDLE_RESET_BY_PING = False


class Link(Protocol):
    """The server side of one socket: thread-safe ways to send a frame and to close it."""

    def send(self, data: str | bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(slots=True, eq=False)
class Connection:
    connection_id: str
    api_id: str
    stage: str
    region: str
    #: lab-clock epoch seconds
    connected_at: float
    last_active_at: float
    source_ip: str
    user_agent: str | None
    #: the handshake's headers and query string (names as the client sent them)
    headers: dict[str, list[str]] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    #: requestContext.authorizer values from the $connect authorizer
    authorizer: dict[str, Any] | None = None
    #: requestContext.identity fields an IAM-authorized handshake adds (caller, userArn, ...)
    identity_extra: dict[str, Any] = field(default_factory=dict)
    #: the handshake as the front door received it (kept for SigV4 and the pipeline)
    request: Any = None
    #: the subprotocol $connect chose (its Sec-WebSocket-Protocol answer header)
    subprotocol: str | None = None
    established: bool = False
    closed: bool = False
    #: forgotten by a lab reset: its socket is closed without running $disconnect
    discarded: bool = False
    #: why API Gateway closed it (code, reason), when it did
    closed_by_gateway: tuple[int, str] | None = None
    link: Link | None = None
    #: this connection's own seeded ids (request and message ids): what other connections
    #: do at the same time cannot change them, so notebook outputs repeat
    ids: Any = None

    def touch(self, now: float) -> None:
        self.last_active_at = now

    def expired(self, now: float) -> bool:
        return (
            now - self.last_active_at >= IDLE_TIMEOUT_S or now - self.connected_at >= MAX_DURATION_S
        )


class ConnectionRegistry:
    """Every live connection, by id (thread-safe)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Connection] = {}
        self._lock = threading.Lock()
        #: called with the connections the limits closed (tests and the server listen)
        self.on_expired: list[Callable[[Connection], None]] = []

    def add(self, conn: Connection) -> None:
        with self._lock:
            self._by_id[conn.connection_id] = conn

    def remove(self, connection_id: str, conn: Connection | None = None) -> Connection | None:
        """Forget the connection with this id (marked closed). With ``conn``: only if that
        very connection is the one registered, since ids repeat once ``lab.reset()`` reseeded
        them and the late handler of an old socket must not forget a new connection."""
        with self._lock:
            found = self._by_id.get(connection_id)
            if found is not None and (conn is None or found is conn):
                del self._by_id[connection_id]
            else:
                found = None
        for gone in (found, conn):
            if gone is not None:
                gone.closed = True
        return found

    def get(self, connection_id: str) -> Connection | None:
        return self._by_id.get(connection_id)

    def live(self, api_id: str, stage: str, connection_id: str) -> Connection | None:
        """The established, open connection with this id on this API and stage (not one
        API Gateway is closing)."""
        conn = self._by_id.get(connection_id)
        if conn is None or not conn.established or conn.closed:
            return None
        if conn.closed_by_gateway is not None:
            return None  # API Gateway is closing it: no more messages [unc]
        if conn.api_id != api_id or conn.stage != stage:
            return None
        return conn

    def all(self) -> list[Connection]:
        with self._lock:
            return list(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def close(self, conn: Connection, code: int, reason: str) -> None:
        """API Gateway closes ``conn`` (the $disconnect route runs once the socket is closed)."""
        if conn.closed or conn.closed_by_gateway is not None:
            return
        conn.closed_by_gateway = (code, reason)
        if conn.link is not None:
            conn.link.close(code, reason)

    def sweep(self, now: float) -> list[Connection]:
        """Close the connections past the idle timeout or the maximum duration."""
        if not self._by_id:
            return []
        expired = [c for c in self.all() if c.established and not c.closed and c.expired(now)]
        for conn in expired:
            self.close(conn, *TIMEOUT_CLOSE)
            for listener in list(self.on_expired):
                listener(conn)
        return expired

    def clear(self) -> None:
        """Forget every connection (a lab reset): sockets close, no $disconnect runs."""
        for conn in self.all():
            conn.discarded = True
            self.close(conn, 1001, "Going away")
        with self._lock:
            self._by_id.clear()
