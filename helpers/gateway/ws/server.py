"""The localhost WebSocket front door: real WebSocket connections to the emulated stages,
on ``ws://127.0.0.1:{port}/{api_id}/{stage}`` (what ``lab.websocket_url`` gives).

It runs on the localhost server's event loop (see :mod:`helpers.gateway.server`) and hands
every event to the data plane's WebSocket pipeline in a worker thread:

- the handshake waits for ``$connect`` (authorizer, integration): refused with its status,
  or upgraded;
- each message, in the order the client sent them, goes through route selection and the
  integration; a two-way route's answer or an error message goes back;
- once the socket closed (either side, or without a close frame), ``$disconnect`` runs.

Frames are limited as on AWS: 32 KB per frame, 128 KB per message; more closes the
connection with 1009 (``max_size`` of the websockets library does exactly that).
"""

from __future__ import annotations

import asyncio
import http
import logging
import threading
from concurrent.futures import Executor
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from ...ids import IdSource
from ..errors import EmulatorLimitation
from ..http import HttpRequest
from .connections import Connection
from .events import handshake_headers

log = logging.getLogger("apigw_lab.websocket")

#: DG limits: frame and message size (bigger: closed with 1009)
MAX_FRAME_BYTES = 32 * 1024
MAX_MESSAGE_BYTES = 128 * 1024
#: the reasons API Gateway gives $disconnect: no status in the client's close frame (as
#: captured), and a socket lost without any close frame [unc]
NO_STATUS = (1005, "Client-side close frame status not set")
ABNORMAL = (1006, "")
#: how often the wall-clock sweep looks for idle or too-old connections (real seconds)
SWEEP_EVERY_S = 1.0
#: how long a sender waits for a frame to be written before calling the client gone
SEND_TIMEOUT_S = 10.0


class _Link:
    """Thread-safe sending and closing for one socket (the @connections API calls these
    from worker threads; the server's own loop may call them too)."""

    def __init__(self, ws: ServerConnection, loop: asyncio.AbstractEventLoop) -> None:
        self.ws = ws
        self.loop = loop
        self.thread = threading.get_ident()

    def _run(self, coro: Any, wait: bool) -> None:
        if threading.get_ident() == self.thread:
            self.loop.create_task(coro)
            return
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        if wait:
            try:
                future.result(SEND_TIMEOUT_S)
            except (ConnectionClosed, TimeoutError) as exc:
                raise ConnectionError(str(exc)) from None

    def send(self, data: str | bytes) -> None:
        self._run(self.ws.send(data), wait=True)

    def close(self, code: int, reason: str) -> None:
        self._run(self.ws.close(code, reason), wait=False)


def _split(path: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urlsplit(path)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    return parts.path, parts.query, query


def _refusal(status: int, body: bytes) -> Response:
    """The HTTP answer that refuses an upgrade (any status a $connect function returns)."""
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    headers = Headers([("Content-Length", str(len(body)))])
    if body:
        headers["Content-Type"] = "application/json"
    return Response(status, reason, headers, body)


class WebSocketFrontDoor:
    def __init__(self, plane: Any, *, region: str, executor: Executor) -> None:
        self.plane = plane
        self.region = region
        self.executor = executor
        self.port: int | None = None
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = 0
        self._idle = threading.Condition()
        self._pending: dict[int, Connection] = {}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> int:
        self._loop = asyncio.get_running_loop()
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            process_request=self._process_request,
            process_response=self._process_response,
            max_size=(MAX_MESSAGE_BYTES, MAX_FRAME_BYTES),
            # API Gateway does not negotiate permessage-deflate and sends no pings
            compression=None,
            ping_interval=None,
            close_timeout=2,
            server_header=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop.create_task(self._sweep_forever())
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            try:
                self.plane.connections.sweep(self.plane.clock.now())
            except Exception:  # keep sweeping whatever one connection did
                log.exception("apigw-lab: the connection sweep failed")

    # ------------------------------------------------------------------ settling
    def _enter(self) -> None:
        with self._idle:
            self._busy += 1

    def _leave(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until no handshake, message or ``$disconnect`` is being processed, and every
        connection API Gateway closed has run its ``$disconnect``. True when settled."""

        def closing(conn: Connection) -> bool:
            # closed by API Gateway, or a close frame went either way, and $disconnect has
            # not started yet (a client's close() returns before the server's handler ends)
            if conn.closed:
                return False
            if conn.closed_by_gateway is not None:
                return True
            link = conn.link
            return link is not None and link.ws.state is not State.OPEN

        def quiet() -> bool:
            return self._busy == 0 and not any(closing(c) for c in self.plane.connections.all())

        self._read_pending(timeout)
        with self._idle:
            return self._idle.wait_for(quiet, timeout)

    def _read_pending(self, timeout: float) -> None:
        """Let the server's loop read what its sockets already received (a close frame, or
        the EOF of a client that vanished without one: its ``shutdown()`` returns before the
        loop has noticed), so that :meth:`settle` sees those connections closing."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return
        try:
            if asyncio.get_running_loop() is loop:
                return  # called on the loop itself: nothing to wait for
        except RuntimeError:
            pass
        for _ in range(2):  # one turn reads the socket, the next runs what that scheduled
            try:
                asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result(timeout)
            except TimeoutError:
                return

    # ------------------------------------------------------------------ handshake
    def _request(self, ws: ServerConnection, request: Request) -> tuple[HttpRequest, str, str]:
        path, query_text, _ = _split(request.path)
        host = request.headers.get("Host", "")
        headers = list(request.headers.raw_items())
        sent_host = sent_path = None
        if ".execute-api." in host:
            api_id = host.split(".", 1)[0]
            stage = path.strip("/").split("/")[0]
        else:
            sent_host, sent_path = host, path
            api_id, _, rest = path.lstrip("/").partition("/")
            stage = rest.strip("/").split("/")[0]
            host = f"{api_id}.execute-api.{self.region}.amazonaws.com"
            path = "/" + rest
        remote = ws.remote_address or ("127.0.0.1", 0)
        handshake = HttpRequest(
            method="GET",
            host=host,
            path=path,
            query=query_text,
            headers=headers,
            source_ip=str(remote[0]),
            scheme="wss",
            sent_host=sent_host,
            sent_path=sent_path,
        )
        return handshake, api_id, stage

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        from .. import control_plane

        handshake, api_id, stage = self._request(ws, request)
        if control_plane.websocket_api(self.plane.account_id, self.region, api_id) is None:
            return ws.respond(404, f"apigw-lab: no WebSocket API with id {api_id!r}\n")
        now = self.plane.clock.now()
        _, _, query = _split(request.path)
        conn = Connection(
            connection_id=self.plane.ids.token(11),
            api_id=api_id,
            stage=stage,
            region=self.region,
            connected_at=now,
            last_active_at=now,
            source_ip=handshake.source_ip,
            user_agent=request.headers.get("User-Agent"),
            query=query,
            request=handshake,
        )
        # the connection's own id source, seeded from the lab's: its request and message
        # ids do not depend on what other connections do meanwhile
        conn.ids = IdSource(self.plane.ids.seed_value())
        trace_id = f"Root=1-{int(now):08x}-{conn.ids.hex(24)}"
        headers = handshake_headers(conn, list(request.headers.raw_items()), trace_id)
        conn.headers = headers
        self.plane.connections.add(conn)
        self._enter()
        try:
            ctx = await asyncio.get_running_loop().run_in_executor(
                self.executor, self._connect, conn, headers
            )
        except Exception as exc:
            self.plane.connections.remove(conn.connection_id, conn)
            self._leave()
            log.exception("apigw-lab could not run $connect")
            return ws.respond(500, f"apigw-lab emulator error: {type(exc).__name__}: {exc}\n")
        answer = ctx.method_response
        if answer is None or answer.status != 101:
            self.plane.connections.remove(conn.connection_id, conn)
            self._leave()
            status = answer.status if answer is not None else 500
            return _refusal(status, answer.body if answer is not None else b"")
        self._pending[id(ws)] = conn
        conn.subprotocol = answer.header("Sec-WebSocket-Protocol")
        return None

    def _connect(self, conn: Connection, headers: dict[str, list[str]]) -> Any:
        return self.plane.websocket_event(conn, "CONNECT", headers=headers)

    def _process_response(
        self, ws: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        conn = self._pending.get(id(ws))
        chosen = conn.subprotocol if conn is not None else None
        if chosen and response.status_code == 101:
            response.headers["Sec-WebSocket-Protocol"] = chosen
        return None

    # ------------------------------------------------------------------ the connection
    async def _handler(self, ws: ServerConnection) -> None:
        conn = self._pending.pop(id(ws), None)
        if conn is None:
            return
        loop = asyncio.get_running_loop()
        conn.link = _Link(ws, loop)
        conn.established = True
        self._leave()  # the handshake is over
        try:
            async for message in ws:
                conn.touch(self.plane.clock.now())
                self._enter()
                try:
                    ctx = await loop.run_in_executor(self.executor, self._message, conn, message)
                finally:
                    self._leave()
                if ctx is not None and ctx.reply is not None:
                    await ws.send(ctx.reply)
        except ConnectionClosed:
            pass
        finally:
            self._enter()
            try:
                status = self._close_status(ws, conn)
                self.plane.connections.remove(conn.connection_id, conn)
                if not conn.discarded:
                    await loop.run_in_executor(self.executor, self._disconnect, conn, status)
            finally:
                self._leave()

    def _message(self, conn: Connection, message: str | bytes) -> Any:
        try:
            return self.plane.websocket_event(conn, "MESSAGE", message=message)
        except EmulatorLimitation as exc:
            log.error("apigw-lab: %s", exc)
            conn.link.send(f'{{"message": "apigw-lab emulator limitation: {exc}"}}')
        except Exception:
            log.exception("apigw-lab could not process a message on %s", conn.connection_id)
        return None

    def _disconnect(self, conn: Connection, status: tuple[int, str]) -> None:
        try:
            self.plane.websocket_event(conn, "DISCONNECT", disconnect=status)
        except Exception:  # best effort, as on AWS
            log.exception("apigw-lab could not run $disconnect for %s", conn.connection_id)

    @staticmethod
    def _close_status(ws: ServerConnection, conn: Connection) -> tuple[int, str]:
        if conn.closed_by_gateway is not None:
            return conn.closed_by_gateway
        protocol = ws.protocol
        received, sent = protocol.close_rcvd, protocol.close_sent
        if received is None and sent is None:
            return ABNORMAL
        if received is not None and (sent is None or protocol.close_rcvd_then_sent):
            if received.code == 1005:
                return NO_STATUS
            return int(received.code), received.reason
        if sent is not None:
            return int(sent.code), sent.reason
        return ABNORMAL
