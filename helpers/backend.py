"""A small local HTTP backend for the HTTP-integration lessons.

``start_backend()`` serves on 127.0.0.1 (a free port) from a thread and records every
request it receives, so a notebook can show exactly what API Gateway forwarded:

- ``/echo/...``        200, JSON describing the request (method, path, query, headers, body)
- ``/headers``         200, JSON of the request headers; each query parameter becomes a
                        response header (``/headers?X-Ver=2`` answers ``X-Ver: 2``)
- ``/status/{code}``   that status with a JSON body (3xx also send ``Location``, ``?location=``)
- ``/slow/{ms}``       sleeps, then 200 (stop() interrupts the sleep)
- ``/pets``, ``/pets/{id}``  an in-memory pet store: GET, POST, DELETE (JSON)

Answers are deterministic: no ``Date`` header, a fixed ``Server`` header, no times in bodies.
``unused_url()`` gives a URL nothing listens on, for the "connection refused" lesson.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SERVER_HEADER = "apigw-lab-backend"
#: idle keep-alive connections are closed after this many seconds
IDLE_TIMEOUT_S = 30.0
_PETS = (
    {"id": 1, "type": "dog", "price": 249.99},
    {"id": 2, "type": "cat", "price": 124.99},
    {"id": 3, "type": "fish", "price": 0.99},
)


@dataclass
class ReceivedRequest:
    """One request as the backend received it."""

    method: str
    #: the path as sent (still percent-encoded), without the query string
    path: str
    query: dict[str, list[str]]
    #: in the order received, one pair a header line
    headers: list[tuple[str, str]]
    body: bytes
    #: 1 for the first TCP connection the backend accepted, 2 for the next, ...
    connection: int = 0

    def header(self, name: str) -> str | None:
        """All values of a header (case-insensitive), comma-joined; None when absent."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None

    def describe(self) -> dict[str, Any]:
        """The JSON-able view ``/echo`` answers with."""
        try:
            text, encoded = self.body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(self.body).decode("ascii"), True
        headers: dict[str, str] = {}
        for name, value in self.headers:
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": text,
            "isBase64Encoded": encoded,
        }


@dataclass
class _State:
    received: list[ReceivedRequest] = field(default_factory=list)
    pets: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_pet: int = 1
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    connections: set[socket.socket] = field(default_factory=set)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def reset_pets(self) -> None:
        with self.lock:
            self.pets = {p["id"]: dict(p) for p in _PETS}
            self.next_pet = max(self.pets) + 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = SERVER_HEADER
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    state: _State  # set on the per-backend subclass

    # ------------------------------------------------------------------ plumbing
    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn_no = next(self.state.counter)
        with self.state.lock:
            self.state.connections.add(self.connection)

    def finish(self) -> None:
        with self.state.lock:
            self.state.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def send_response(self, code: int, message: str | None = None) -> None:
        # no Date header: answers are the same on every run
        self.send_response_only(code, message)
        self.send_header("Server", SERVER_HEADER)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(
        self, status: int, payload: Any = None, headers: list[tuple[str, str]] | None = None
    ) -> None:
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        if status in (204, 304) or 100 <= status < 200:
            body = b""
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "application/json")
        for name, value in headers or []:
            self.send_header(name, value)
        if not (status in (204, 304) or 100 <= status < 200):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        request = ReceivedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=self._read_body(),
            connection=self.conn_no,
        )
        with self.state.lock:
            self.state.received.append(request)
        segments = [s for s in parts.path.split("/") if s]
        route = segments[0] if segments else ""
        try:
            handler = _ROUTES.get(route, _not_found)
            handler(self, request, segments[1:])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


# ---------------------------------------------------------------------- routes


def _echo(h: _Handler, request: ReceivedRequest, rest: list[str]) -> None:
    h._answer(200, request.describe())


def _headers(h: _Handler, request: ReceivedRequest, rest: list[str]) -> None:
    extra = [
        (name, value)
        for name, values in request.query.items()
        for value in values
        if "\r" not in name + value and "\n" not in name + value
    ]
    h._answer(200, {"headers": request.describe()["headers"]}, extra)


def _status(h: _Handler, request: ReceivedRequest, rest: list[str]) -> None:
    try:
        code = int(rest[0])
        if not 200 <= code <= 599:
            raise ValueError(code)
    except (IndexError, ValueError):
        h._answer(400, {"message": "use /status/{code} with 200 <= code <= 599"})
        return
    reason = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else ""
    extra = []
    if 300 <= code < 400:
        extra.append(("Location", (request.query.get("location") or ["/echo/redirected"])[0]))
    h._answer(code, {"status": code, "message": reason}, extra)


def _slow(h: _Handler, request: ReceivedRequest, rest: list[str]) -> None:
    try:
        ms = int(rest[0])
    except (IndexError, ValueError):
        h._answer(400, {"message": "use /slow/{milliseconds}"})
        return
    if h.state.stopping.wait(ms / 1000):
        h.close_connection = True  # stopped mid-sleep: drop the connection, answer nothing
        return
    h._answer(200, {"slept_ms": ms})


def _pets(h: _Handler, request: ReceivedRequest, rest: list[str]) -> None:
    state = h.state
    if not rest:
        if request.method in ("GET", "HEAD"):
            with state.lock:
                h._answer(200, list(state.pets.values()))
        elif request.method == "POST":
            try:
                pet = json.loads(request.body or b"null")
                if not isinstance(pet, dict):
                    raise ValueError("not an object")
            except ValueError:
                h._answer(400, {"message": 'send a JSON object, e.g. {"type": "dog"}'})
                return
            with state.lock:
                pet = {**pet, "id": state.next_pet}
                state.pets[state.next_pet] = pet
                state.next_pet += 1
            h._answer(201, pet, [("Location", f"/pets/{pet['id']}")])
        else:
            h._answer(405, {"message": "Method Not Allowed"}, [("Allow", "GET, POST")])
        return
    try:
        pet_id = int(rest[0])
    except ValueError:
        pet_id = -1
    with state.lock:
        pet = state.pets.get(pet_id)
        if pet is not None and request.method == "DELETE":
            del state.pets[pet_id]
    if len(rest) > 1 or pet is None:
        h._answer(404, {"message": "Pet not found"})
    elif request.method in ("GET", "HEAD"):
        h._answer(200, pet)
    elif request.method == "DELETE":
        h._answer(204)
    else:
        h._answer(405, {"message": "Method Not Allowed"}, [("Allow", "GET, DELETE")])


def _not_found(h: _Handler, request: ReceivedRequest, rest: list[str]) -> None:
    h._answer(404, {"message": f"no route for {request.path}"})


_ROUTES = {"echo": _echo, "headers": _headers, "status": _status, "slow": _slow, "pets": _pets}


# ---------------------------------------------------------------------- the server


class Backend:
    """A running local backend. Use :func:`start_backend` to make one."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._state = _State()
        self._state.reset_pets()
        handler = type("BackendHandler", (_Handler,), {"state": self._state})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="apigw-lab-backend",
            daemon=True,
        )
        self._thread.start()
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host}:{bound_port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """What the backend received so far, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.received)

    @property
    def last(self) -> ReceivedRequest | None:
        """The most recent request, or None."""
        with self._state.lock:
            return self._state.received[-1] if self._state.received else None

    def clear(self) -> None:
        """Forget received requests and put the pet store back to its three pets."""
        with self._state.lock:
            self._state.received.clear()
        self._state.reset_pets()

    def stop(self) -> None:
        """Stop serving: interrupts ``/slow`` sleeps and closes open connections."""
        if self._state.stopping.is_set():
            return
        self._state.stopping.set()
        self._server.shutdown()
        with self._state.lock:
            open_connections = list(self._state.connections)
        for sock in open_connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._state.stopping.is_set() else "running"
        return f"<Backend {self.url} {state}, {len(self.requests)} requests>"


def start_backend(host: str = "127.0.0.1", port: int = 0) -> Backend:
    """Start a backend on ``host`` (127.0.0.1) and a free port; ``.url`` says where."""
    return Backend(host, port)


def unused_url(host: str = "127.0.0.1") -> str:
    """``http://127.0.0.1:PORT`` where nothing listens (a port just released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    return f"http://{host}:{port}"
