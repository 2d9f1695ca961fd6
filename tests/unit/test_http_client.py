"""The shared HTTP client (integrations.http_client) against the local lesson backend."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from helpers.backend import Backend, start_backend, unused_url
from helpers.gateway import transport
from helpers.gateway.errors import EmulatorLimitation
from helpers.gateway.http import HttpRequest, HttpResponse
from helpers.gateway.integrations.http_client import (
    BackendResponse,
    BackendTimeout,
    BackendUnreachable,
    send,
)


@pytest.fixture(scope="module")
def shared() -> Iterator[Backend]:
    backend = start_backend()
    yield backend
    backend.stop()


@pytest.fixture
def backend(shared: Backend) -> Backend:
    shared.clear()
    return shared


def get(url: str, **kwargs: object) -> BackendResponse:
    options: dict = {"headers": [], "body": b"", "timeout_s": 5.0, **kwargs}
    return send("GET", url, **options)


def test_echo_round_trip(backend: Backend) -> None:
    resp = send(
        "POST",
        backend.url + "/echo/a?x=1&x=2",
        headers=[("Content-Type", "application/json"), ("X-Multi", "1"), ("X-Multi", "2")],
        body=b'{"pet": "dog"}',
        timeout_s=5,
    )
    assert resp.status == 200
    assert resp.header("content-type") == "application/json"
    assert resp.latency_ms > 0
    echoed = json.loads(resp.body)
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/echo/a"
    assert echoed["query"] == {"x": ["1", "2"]}
    assert echoed["body"] == '{"pet": "dog"}'
    received = backend.last
    assert received is not None
    # repeated headers arrive as separate lines, in order
    assert [v for k, v in received.headers if k == "X-Multi"] == ["1", "2"]


def test_sends_exactly_the_headers_given(backend: Backend) -> None:
    get(backend.url + "/echo")
    received = backend.last
    assert received is not None
    names = [name.lower() for name, _ in received.headers]
    # no User-Agent / Accept-Encoding of urllib3's own; Host names the backend
    assert names == ["host"]
    assert received.header("host") == backend.url.removeprefix("http://")


def test_host_header_given_is_sent(backend: Backend) -> None:
    get(backend.url + "/echo", headers=[("Host", "pets.example.com"), ("User-Agent", "ua/1")])
    received = backend.last
    assert received is not None
    assert received.header("host") == "pets.example.com"
    assert received.header("user-agent") == "ua/1"


def test_body_bytes_are_sent_unchanged(backend: Backend) -> None:
    payload = bytes(range(256))
    resp = send("PUT", backend.url + "/echo/bin", headers=[], body=payload, timeout_s=5)
    assert resp.status == 200
    assert backend.last is not None and backend.last.body == payload
    assert json.loads(resp.body)["isBase64Encoded"] is True


def test_response_body_bytes_are_returned_unchanged(backend: Backend) -> None:
    resp = get(backend.url + "/pets/1")
    assert resp.body == b'{"id": 1, "type": "dog", "price": 249.99}'
    assert resp.header("Content-Length") == str(len(resp.body))


@pytest.mark.parametrize("code", [200, 201, 202, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504])
def test_status_codes_pass_through(backend: Backend, code: int) -> None:
    resp = get(f"{backend.url}/status/{code}")
    assert resp.status == code
    assert json.loads(resp.body)["status"] == code


def test_no_content(backend: Backend) -> None:
    resp = send("DELETE", backend.url + "/pets/3", headers=[], body=b"", timeout_s=5)
    assert (resp.status, resp.body) == (204, b"")


def test_head_has_no_body(backend: Backend) -> None:
    resp = send("HEAD", backend.url + "/pets", headers=[], body=b"", timeout_s=5)
    assert resp.status == 200
    assert resp.body == b""


def test_repeated_response_headers_are_kept(backend: Backend) -> None:
    resp = get(backend.url + "/headers?Set-Cookie=a%3D1&Set-Cookie=b%3D2")
    assert [v for k, v in resp.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirects_are_not_followed(backend: Backend, code: int) -> None:
    resp = get(f"{backend.url}/status/{code}")
    assert resp.status == code
    assert resp.header("Location") == "/echo/redirected"
    assert [r.path for r in backend.requests] == [f"/status/{code}"]


def test_keep_alive_reuses_the_connection(backend: Backend) -> None:
    for _ in range(3):
        assert get(backend.url + "/pets").status == 200
    connections = {r.connection for r in backend.requests}
    assert len(connections) == 1


def test_refused_is_unreachable() -> None:
    with pytest.raises(BackendUnreachable, match="refused"):
        get(unused_url() + "/pets")


@pytest.mark.parametrize(
    "url",
    ["http://nonexistent.invalid/x", "ftp://127.0.0.1/x", "not a url", "http:///nohost",
     "http://[::1/x"],
)
def test_bad_urls_are_unreachable(url: str) -> None:
    with pytest.raises(BackendUnreachable):
        get(url, timeout_s=2)


def test_slow_backend_times_out(backend: Backend) -> None:
    started = time.perf_counter()
    with pytest.raises(BackendTimeout):
        get(backend.url + "/slow/5000", timeout_s=0.2)
    assert time.perf_counter() - started < 4  # cut at 0.2 s, not after the backend's 5 s
    # the pool dropped the timed-out connection: the next call works
    assert get(backend.url + "/pets").status == 200


def test_slow_backend_within_timeout(backend: Backend) -> None:
    resp = get(backend.url + "/slow/30", timeout_s=2)
    assert resp.status == 200
    assert resp.latency_ms >= 30


# ------------------------------------------------------------ execute-api, in-process

API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets?x=1"


def test_execute_api_urls_are_answered_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[HttpRequest] = []

    def handler(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse(201, [("X-From", "plane"), ("X-From", "again")], b"made")

    monkeypatch.setitem(transport._state, "handler", handler)
    resp = send("POST", API_URL, headers=[("X-A", "1")], body=b"{}", timeout_s=5)
    assert (resp.status, resp.headers, resp.body) == (
        201, [("X-From", "plane"), ("X-From", "again")], b"made",
    )
    (request,) = seen
    assert (request.method, request.path, request.query, request.body) == (
        "POST", "/prod/pets", "x=1", b"{}",
    )
    assert request.host == "abc123.execute-api.us-east-1.amazonaws.com"
    assert request.header("x-a") == "1"
    assert request.header("host") == "abc123.execute-api.us-east-1.amazonaws.com"


def test_unknown_execute_api_host_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(transport._state, "handler", lambda request: None)
    with pytest.raises(BackendUnreachable, match="does not resolve"):
        send("GET", API_URL, headers=[], body=b"", timeout_s=5)


def test_execute_api_loops_are_a_limitation(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        resp = send("GET", API_URL, headers=[], body=b"", timeout_s=5)
        return HttpResponse(resp.status, resp.headers, resp.body)

    monkeypatch.setitem(transport._state, "handler", handler)
    with pytest.raises(EmulatorLimitation, match="deep"):
        send("GET", API_URL, headers=[], body=b"", timeout_s=5)
    # the depth counter unwound: a plain call works again
    monkeypatch.setitem(transport._state, "handler", lambda r: HttpResponse(200, [], b"ok"))
    assert send("GET", API_URL, headers=[], body=b"", timeout_s=5).body == b"ok"
