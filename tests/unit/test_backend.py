"""The local lesson backend (helpers.backend): routes, what it records, determinism, stop()."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from helpers.backend import SERVER_HEADER, Backend, start_backend, unused_url


@pytest.fixture(scope="module")
def shared() -> Iterator[Backend]:
    backend = start_backend()
    yield backend
    backend.stop()


@pytest.fixture
def backend(shared: Backend) -> Backend:
    shared.clear()
    return shared


def call(
    backend: Backend,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request over the standard library's client (independent of http_client)."""
    parts = urlsplit(backend.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def as_json(body: bytes) -> Any:
    return json.loads(body)


def test_echo_describes_the_request(backend: Backend) -> None:
    status, headers, body = call(
        backend,
        "POST",
        "/echo/a%20b/c?x=1&x=2&empty=",
        body=b'{"k": 1}',
        headers={"Content-Type": "application/json", "X-Trace": "t-1"},
    )
    assert status == 200
    assert dict(headers)["Content-Type"] == "application/json"
    echoed = as_json(body)
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/echo/a%20b/c"
    assert echoed["query"] == {"x": ["1", "2"], "empty": [""]}
    assert echoed["headers"]["x-trace"] == "t-1"
    assert echoed["headers"]["content-type"] == "application/json"
    assert echoed["body"] == '{"k": 1}'
    assert echoed["isBase64Encoded"] is False


def test_echo_base64_encodes_binary_bodies(backend: Backend) -> None:
    _, _, body = call(backend, "PUT", "/echo", body=b"\xff\x00\xfe")
    echoed = as_json(body)
    assert echoed == {**echoed, "body": "/wD+", "isBase64Encoded": True}


def test_requests_are_recorded(backend: Backend) -> None:
    call(backend, "DELETE", "/echo/x?y=1", headers={"X-A": "1"})
    call(backend, "GET", "/pets")
    first, second = backend.requests
    assert (first.method, first.path, first.query) == ("DELETE", "/echo/x", {"y": ["1"]})
    assert first.header("x-a") == "1"
    assert first.body == b""
    assert (second.method, second.path) == ("GET", "/pets")
    assert backend.last == second
    # two HTTP connections (http.client closes after each call above)
    assert second.connection == first.connection + 1


@pytest.mark.parametrize(
    ("code", "message"),
    [(200, "OK"), (201, "Created"), (400, "Bad Request"), (404, "Not Found"),
     (418, "I'm a Teapot"), (500, "Internal Server Error"), (503, "Service Unavailable"),
     (599, "")],
)
def test_status_route_answers_that_status(backend: Backend, code: int, message: str) -> None:
    status, _, body = call(backend, "GET", f"/status/{code}")
    assert status == code
    assert as_json(body) == {"status": code, "message": message}


def test_status_204_has_no_body(backend: Backend) -> None:
    status, headers, body = call(backend, "GET", "/status/204")
    assert (status, body) == (204, b"")
    assert "Content-Type" not in dict(headers)


@pytest.mark.parametrize(
    ("path", "location"),
    [("/status/302", "/echo/redirected"), ("/status/301?location=https://example.com/x",
                                          "https://example.com/x")],
)
def test_redirect_status_sends_location(backend: Backend, path: str, location: str) -> None:
    status, headers, _ = call(backend, "GET", path)
    assert status == int(path.split("/")[2][:3])
    assert dict(headers)["Location"] == location


@pytest.mark.parametrize("path", ["/status/abc", "/status/99", "/status/600", "/status"])
def test_bad_status_is_400(backend: Backend, path: str) -> None:
    status, _, _ = call(backend, "GET", path)
    assert status == 400


def test_headers_route_echoes_query_as_response_headers(backend: Backend) -> None:
    status, headers, body = call(
        backend, "GET", "/headers?X-Version=2&X-Version=3&X-Single=a", headers={"X-In": "i"}
    )
    assert status == 200
    assert [v for k, v in headers if k == "X-Version"] == ["2", "3"]
    assert ("X-Single", "a") in headers
    assert as_json(body)["headers"]["x-in"] == "i"


def test_pets_store(backend: Backend) -> None:
    status, _, body = call(backend, "GET", "/pets")
    assert status == 200
    assert [p["type"] for p in as_json(body)] == ["dog", "cat", "fish"]

    assert call(backend, "GET", "/pets/2")[0::2] == (200, b'{"id": 2, "type": "cat", "price": 124.99}')

    status, headers, body = call(
        backend, "POST", "/pets", body=b'{"type": "bird", "price": 9.5}',
        headers={"Content-Type": "application/json"},
    )
    assert status == 201
    assert as_json(body) == {"type": "bird", "price": 9.5, "id": 4}
    assert dict(headers)["Location"] == "/pets/4"

    assert call(backend, "DELETE", "/pets/4")[0::2] == (204, b"")
    status, _, body = call(backend, "GET", "/pets/4")
    assert (status, as_json(body)) == (404, {"message": "Pet not found"})


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/pets/999", None, 404),
        ("GET", "/pets/dog", None, 404),
        ("GET", "/pets/1/toys", None, 404),
        ("POST", "/pets", b"not json", 400),
        ("POST", "/pets", b"[1]", 400),
        ("PUT", "/pets", b"{}", 405),
        ("POST", "/pets/1", b"{}", 405),
        ("GET", "/nowhere", None, 404),
        ("GET", "/", None, 404),
    ],
)
def test_errors(backend: Backend, method: str, path: str, body: bytes | None, status: int) -> None:
    got, headers, answer = call(backend, method, path, body=body)
    assert got == status
    assert dict(headers)["Content-Type"] == "application/json"
    assert "message" in as_json(answer)


def test_clear_restores_the_pet_store(backend: Backend) -> None:
    call(backend, "DELETE", "/pets/1")
    backend.clear()
    assert backend.requests == []
    assert len(as_json(call(backend, "GET", "/pets")[2])) == 3


def test_answers_are_deterministic(backend: Backend) -> None:
    with start_backend() as other:
        first = call(backend, "GET", "/pets/1")
        second = call(other, "GET", "/pets/1")
    assert first == second
    names = [name for name, _ in first[1]]
    assert "Date" not in names
    assert dict(first[1])["Server"] == SERVER_HEADER


def test_stop_interrupts_slow_requests() -> None:
    backend = start_backend()
    outcome: dict[str, Any] = {}

    def slow() -> None:
        try:
            outcome["status"] = call(backend, "GET", "/slow/10000")[0]
        except (OSError, http.client.HTTPException) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=slow)
    worker.start()
    deadline = time.monotonic() + 2
    while not backend.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    backend.stop()
    worker.join(timeout=3)
    assert not worker.is_alive()
    assert time.monotonic() - started < 2
    assert "error" in outcome  # the connection was dropped, no answer
    assert "stopped" in repr(backend)


def test_slow_answers_after_the_delay(backend: Backend) -> None:
    started = time.monotonic()
    status, _, body = call(backend, "GET", "/slow/50")
    assert (status, as_json(body)) == (200, {"slept_ms": 50})
    assert time.monotonic() - started >= 0.05


def test_unused_url_refuses_connections() -> None:
    parts = urlsplit(unused_url())
    assert parts.hostname == "127.0.0.1"
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
    with pytest.raises(ConnectionRefusedError):
        conn.request("GET", "/")
