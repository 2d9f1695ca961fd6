"""Bad input never takes the data plane down: after each odd request, a normal one still
gets its 200, in-process and through the localhost server (which keeps serving)."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

RAISES = "def handler(event, context):\n    raise RuntimeError('bad day')\n"
HANGS = "def handler(event, context):\n    while True:\n        pass\n"
ROUTES = (("GET", "/hello"), ("POST", "/hello"), ("GET", "/items/{id}"), ("ANY", "/raw/{proxy+}"))


@pytest.fixture
def api(kit: Any, functions_dir: Path) -> Any:
    api = kit.proxy_api(functions_dir / "echo.py", ROUTES)
    for path, source in (("/raises", RAISES), ("/hangs", HANGS)):
        fn = kit.function(source, timeout=1)
        kit.method(api.api_id, path, "GET", fn)
        kit.permit(fn, api.api_id)
    kit.deploy(api.api_id)
    return api


def still_serving(get: Callable[[str], Any]) -> None:
    r = get("/hello")
    status = getattr(r, "status_code", None) or r.status
    assert status == 200


# ====================================================================================== in-process


def test_malformed_json_body_passes_through_as_a_string(api: Any) -> None:
    body = b'{"name": "Rex", "age": '
    r = requests.post(api.url("/hello"), data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.json()["body"] == body.decode()
    still_serving(lambda p: requests.get(api.url(p)))


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/items/a%20b", "a b"),
        ("/items/caf%C3%A9", "café"),
        ("/items/🐍", "🐍"),  # requests percent-encodes it
        ("/items/%2E%2E", ".."),
        ("/items/100%25", "100%"),
    ],
)
def test_encoded_and_unicode_paths(api: Any, path: str, param: str) -> None:
    r = requests.get(api.url(path))
    assert r.status_code == 200
    assert r.json()["pathParameters"] == {"id": param}
    still_serving(lambda p: requests.get(api.url(p)))


@pytest.mark.parametrize(
    "path",
    [
        "/items/bad%ZZ",
        "/items/%FF%FE",
        "/items/a%2Fb",  # decoded before routing: two segments, no {id} match (403)
        "/raw/a/../../hello",
        "/" + "x" * 9000,
        "/items/%00",
    ],
)
def test_odd_paths_get_an_answer(api: Any, path: str) -> None:
    r = requests.get(api.url(path))
    assert r.status_code in (200, 403)
    assert r.headers["x-amzn-RequestId"]
    still_serving(lambda p: requests.get(api.url(p)))


def test_huge_header_is_413(api: Any) -> None:
    r = requests.get(api.url("/hello"), headers={"X-Huge": "h" * 20_000})
    assert r.status_code == 413
    assert r.headers["x-amzn-RequestId"]
    still_serving(lambda p: requests.get(api.url(p)))


def test_handler_that_raises(api: Any) -> None:
    r = requests.get(api.url("/raises"))
    assert r.status_code == 502
    assert r.content == b'{"message": "Internal server error"}'
    still_serving(lambda p: requests.get(api.url(p)))


def test_handler_that_hangs(api: Any) -> None:
    r = requests.get(api.url("/hangs"))
    assert r.status_code == 502  # the function's own time-out (1 s), before the 29 s limit
    assert r.content == b'{"message": "Internal server error"}'
    assert r.elapsed.total_seconds() < 3
    still_serving(lambda p: requests.get(api.url(p)))


def test_odd_methods_and_bodies(api: Any) -> None:
    # Non-standard methods: AWS's answer is not documented; the emulator must just answer.
    assert requests.request("PURGE", api.url("/hello")).status_code < 500
    assert requests.request("PURGE", api.url("/raw/x")).status_code < 500
    r = requests.get(api.url("/hello"), data=b"\xff\x00 a GET with a body")
    assert r.status_code == 200
    assert r.json()["body"] == "\ufffd\x00 a GET with a body"
    still_serving(lambda p: requests.get(api.url(p)))


# ====================================================================================== localhost


def raw_request(lab: Any, api: Any, target: str, headers: dict[str, str] | None = None) -> Any:
    """Send exactly ``target`` (no normalisation) to the localhost server."""
    url = urlsplit(lab.server_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.putrequest("GET", f"/{api.api_id}/prod{target}", skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        resp.body = resp.read()
        return resp
    finally:
        conn.close()


def test_localhost_serves_the_same_stage(api: Any, lab: Any) -> None:
    r = requests.get(lab.local_url(api.api_id, "prod", "/items/7"), params={"q": "1"})
    assert r.status_code == 200
    event = r.json()
    assert event["pathParameters"] == {"id": "7"}
    assert event["queryStringParameters"] == {"q": "1"}
    assert event["requestContext"]["path"] == "/prod/items/7"
    assert r.headers["x-amzn-RequestId"] == event["requestContext"]["requestId"]
    missing = requests.get(lab.local_url(api.api_id, "prod", "/nowhere"))
    assert missing.status_code == 403
    assert missing.content == b'{"message":"Missing Authentication Token"}'


def test_localhost_malformed_json_body(api: Any, lab: Any) -> None:
    r = requests.post(
        lab.local_url(api.api_id, "prod", "/hello"),
        data=b'{"broken": ',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200
    assert r.json()["body"] == '{"broken": '
    still_serving(lambda p: raw_request(lab, api, p))


def test_localhost_host_style(api: Any, lab: Any) -> None:
    host = f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    r = requests.get(f"{lab.server_url}/prod/items/7", headers={"Host": host})
    assert r.status_code == 200
    assert r.json()["headers"]["Host"] == host


def test_localhost_unknown_api_is_404(api: Any, lab: Any) -> None:
    r = requests.get(lab.local_url("nosuchapi0", "prod", "/hello"))
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("target", "statuses"),
    [
        ("/raw/a/../../hello", {200, 403}),
        ("/items/..", {200, 403}),
        ("/items/bad%ZZ", {200}),
        ("/items/%FF", {200}),
        ("/items/caf%C3%A9", {200}),
        ("/raises", {502}),
        ("/hangs", {502}),
    ],
)
def test_localhost_survives_bad_input(api: Any, lab: Any, target: str, statuses: set[int]) -> None:
    resp = raw_request(lab, api, target)
    assert resp.status in statuses
    still_serving(lambda p: raw_request(lab, api, p))


def test_localhost_huge_header(api: Any, lab: Any) -> None:
    try:
        resp = raw_request(lab, api, "/hello", {"X-Huge": "h" * 20_000})
        assert resp.status in (400, 413, 431)
    except (http.client.HTTPException, ConnectionError):
        pass  # the HTTP server may refuse the request line outright; it must keep serving
    still_serving(lambda p: raw_request(lab, api, p))


def test_localhost_garbage_bytes(api: Any, lab: Any) -> None:
    url = urlsplit(lab.server_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01\x02\x00garbage that is not HTTP\r\n\r\n")
        with contextlib.suppress(TimeoutError, ConnectionError):
            sock.recv(1024)
    still_serving(lambda p: raw_request(lab, api, p))


def test_localhost_keeps_serving_many_requests(api: Any, lab: Any) -> None:
    with requests.Session() as s:
        statuses = [
            s.get(lab.local_url(api.api_id, "prod", "/hello")).status_code for _ in range(20)
        ]
    assert statuses == [200] * 20
    body = json.loads(raw_request(lab, api, "/items/x").body)
    assert body["pathParameters"] == {"id": "x"}
