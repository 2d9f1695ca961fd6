"""The localhost front door: the same emulated stages over real HTTP on 127.0.0.1, so curl,
a browser or any HTTP client can call them.

Two ways to name an API:
- path style: ``http://127.0.0.1:{port}/{api_id}/{stage}/path`` (what ``lab.local_url`` gives);
  an HTTP API's ``$default`` stage is served at ``http://127.0.0.1:{port}/{api_id}/path``;
- host style: a ``Host: {api_id}.execute-api.{region}.amazonaws.com`` header, as in
  ``curl -H 'Host: abc123.execute-api.us-east-1.amazonaws.com' http://127.0.0.1:{port}/prod/``,
  or a custom domain name in a Route 53 public hosted zone
  (``curl -H 'Host: api.example.com' http://127.0.0.1:{port}/v1/users``).

WebSocket APIs are served on a second port of the same server, by
:class:`~helpers.gateway.ws.server.WebSocketFrontDoor`: ``ws://127.0.0.1:{ws_port}/{api_id}/
{stage}`` (what ``lab.websocket_url`` gives). Their @connections management API answers on
both front doors: ``http://127.0.0.1:{port}/{api_id}/{stage}/@connections/{id}``, and
in-process at the real-shaped ``https://{api_id}.execute-api.{region}.amazonaws.com/{stage}``.

It binds to 127.0.0.1 only and runs in a daemon thread of the kernel's process (it shares
moto's in-memory state with the notebook).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn
import uvloop

from .dataplane import DataPlane, UnknownApi
from .http import HttpRequest, HttpResponse, header_problem
from .ws.server import WebSocketFrontDoor

log = logging.getLogger("apigw_lab.server")


def _to_request(
    scope: dict[str, Any], body: bytes, region: str, claims: Any = None
) -> HttpRequest | None:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    host = next((v for k, v in headers if k.lower() == "host"), "")
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    # what the client signed, if it signed (SigV4 covers the Host header and the raw path)
    sent_host: str | None = None
    sent_path: str | None = None
    custom = claims is not None and claims(host.split(":")[0])
    if ".execute-api." not in host and not custom:
        sent_host, sent_path = host, raw_path
        # path style: /{api_id}/{stage}/...
        api_id, _, rest = raw_path.lstrip("/").partition("/")
        if not api_id:
            return None
        host = f"{api_id}.execute-api.{region}.amazonaws.com"
        raw_path = "/" + rest
        headers = [(k, host if k.lower() == "host" else v) for k, v in headers]
    client = scope.get("client") or ("127.0.0.1", 0)
    return HttpRequest(
        method=scope["method"],
        host=host,
        path=raw_path,
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        source_ip=client[0],
        scheme="http",
        sent_host=sent_host,
        sent_path=sent_path,
    )


def _wire_headers(response: HttpResponse) -> list[tuple[bytes, bytes]] | None:
    """The response's header fields as octets, or None when one cannot go on the wire.

    The pipeline refuses such fields where they come in (a Lambda proxy response answers
    502/500 then, in-process as here); this is the last guard, so that a field from
    anywhere else gets a 500 that says so, never a dropped connection."""
    out = []
    for name, value in response.headers:
        if name.lower() in ("content-length", "connection"):
            continue
        problem = header_problem(name, value)
        if problem:
            log.error("apigw-lab cannot send the response: %s", problem)
            return None
        out.append((name.encode("latin-1"), value.encode("latin-1")))
    return out


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())


class LocalServer:
    def __init__(self, plane: DataPlane, *, region: str = "us-east-1", workers: int = 16) -> None:
        self.plane = plane
        self.region = region
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apigw-lab")
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self.websockets = WebSocketFrontDoor(plane, region=region, executor=self._executor)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.websockets.port}"

    def answer(self, request: HttpRequest | None) -> HttpResponse:
        if request is None:
            return _plain(404, "apigw-lab: call /{api_id}/{stage}/{path}\n")
        try:
            return self.plane.handle(request)
        except UnknownApi as exc:
            return _plain(404, f"apigw-lab: {exc}\n")
        except Exception as exc:  # an emulator limitation or bug: say so, keep serving
            log.exception("apigw-lab could not answer %s %s", request.method, request.path)
            return _plain(500, f"apigw-lab emulator error: {type(exc).__name__}: {exc}\n")

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        request = _to_request(
            scope, b"".join(chunks), self.region, self.plane.custom_domains.claims
        )
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self._executor, self.answer, request)
        headers = _wire_headers(response)
        if headers is None:
            response = _plain(500, "apigw-lab emulator error: a response header HTTP cannot carry\n")
            headers = _wire_headers(response)
            assert headers is not None
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    def start(self) -> str:
        if self._thread is not None:
            return self.url
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # inherited by accepted connections: without it every keep-alive request waits ~40 ms
        # (Nagle's algorithm against the client's delayed ACK)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            # a bound method: uvicorn's "auto" detection would take it for ASGI 2
            interface="asgi3",
            http="httptools",
            log_level="warning",
            lifespan="off",
            access_log=False,
            server_header=False,
            date_header=False,
            # the client's address is the socket's, as on AWS: no X-Forwarded-For rewriting
            # (and no middleware in the way of every request)
            proxy_headers=False,
            ws="none",
        )
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def run() -> None:
            # uvloop for this thread's loop only (not a process-wide policy: the notebook's
            # own event loop stays as it is)
            loop = uvloop.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock, started))
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="apigw-lab-server", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the apigw-lab localhost server did not start")
        return self.url

    async def _serve(self, sock: socket.socket, started: threading.Event) -> None:
        assert self._server is not None
        self._server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
        task = asyncio.create_task(self._server.serve(sockets=[sock]))
        await self.websockets.start()
        while not self._server.started:
            await asyncio.sleep(0.01)
        started.set()
        await task
        await self.websockets.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)
        self._thread = None
        self._server = None
