"""A Lambda proxy response's header fields on the wire: a field HTTP/1.1 cannot carry (CR,
LF, NUL or another control character, a character outside ISO-8859-1, a name that is no
token) makes the response malformed — REST 502 ``Internal server error``, HTTP APIs 500
``Internal Server Error`` — and the in-process transport and the localhost server give the
same answer (status, body, headers), then go on serving."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

pytestmark = pytest.mark.usefixtures("fresh_lab")

#: a function that answers with whatever JSON the request body holds
TOLD = "import json\n\n\ndef handler(event, context):\n    return json.loads(event['body'])\n"
REST_ERROR = (502, b'{"message": "Internal server error"}')
HTTP_ERROR = (500, b'{"message":"Internal Server Error"}')

BAD_FIELDS = [
    pytest.param({"X-Note": "a\r\nSet-Cookie: evil=1"}, "carriage return", id="crlf-injection"),
    pytest.param({"X-Note": "line\nbreak"}, "line feed", id="lf"),
    pytest.param({"X-Note": "nul\x00byte"}, "NUL", id="nul"),
    pytest.param({"X-Note": "bell\x07"}, "U+0007", id="control"),
    pytest.param({"X-Price": "9 €"}, "outside ISO-8859-1", id="euro"),
    pytest.param({"Content-Disposition": "attachment; filename=日本.txt"}, "U+65E5", id="cjk"),
    pytest.param({"X Bad Name": "v"}, "not an HTTP token", id="name-with-spaces"),
    pytest.param({"X-Ünicode": "v"}, "not an HTTP token", id="non-ascii-name"),
]


@pytest.fixture
def apis(kit: Any, http_kit: Any) -> dict[str, Any]:
    """A REST API and two HTTP APIs (payload 2.0 and 1.0) behind the same function."""
    return {
        "REST": kit.proxy_api(TOLD, (("POST", "/answer"),)),
        "HTTP 2.0": http_kit.lambda_api(TOLD, ("POST /answer",)),
        "HTTP 1.0": http_kit.lambda_api(TOLD, ("POST /answer",), payload="1.0"),
    }


def local(lab: Any, api: Any, answer: Any) -> tuple[int, bytes, CaseInsensitiveDict]:
    """POST over a real socket to the localhost server (http.client, no normalisation)."""
    url = urlsplit(lab.local_url(api.api_id, api.stage, "/answer"))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(
            "POST",
            url.path,
            body=json.dumps(answer).encode(),
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        return resp.status, resp.read(), CaseInsensitiveDict(resp.getheaders())
    finally:
        conn.close()


def in_process(api: Any, answer: Any) -> tuple[int, bytes, CaseInsensitiveDict]:
    r = requests.post(api.url("/answer"), json=answer)
    return r.status_code, r.content, CaseInsensitiveDict(r.headers)


def answer_with(headers: dict[str, str], kind: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"statusCode": 200, "headers": headers, "body": "ok"}
    if kind == "REST":
        # the same field in multiValueHeaders is checked too
        answer = {"statusCode": 200, "multiValueHeaders": {k: [v] for k, v in headers.items()}}
    return answer


@pytest.mark.parametrize("kind", ["REST", "HTTP 2.0", "HTTP 1.0"])
@pytest.mark.parametrize(("headers", "why"), BAD_FIELDS)
def test_a_field_http_cannot_carry_is_a_malformed_response_on_both_front_doors(
    apis: dict[str, Any], lab: Any, kind: str, headers: dict[str, str], why: str
) -> None:
    api = apis[kind]
    expected = REST_ERROR if kind == "REST" else HTTP_ERROR
    single = {"statusCode": 200, "headers": headers, "body": "ok"}
    for answer in (single, answer_with(headers, kind)):
        status, body, got = in_process(api, answer)
        assert (status, body) == expected, answer
        reason = lab.last_trace().entries[-1].details["reason"]
        assert "Malformed Lambda proxy response" in reason and why in reason
        l_status, l_body, l_got = local(lab, api, answer)
        assert (l_status, l_body) == expected, answer
        assert lab.last_trace().entries[-1].details["reason"] == reason
        assert l_got["Content-Type"] == got["Content-Type"] == "application/json"
        for name in headers:
            assert name not in got and name not in l_got
    # both front doors go on serving
    fine = {"statusCode": 200, "headers": {"X-Fine": "yes"}, "body": "ok"}
    assert in_process(api, fine)[:2] == local(lab, api, fine)[:2] == (200, b"ok")


def test_rest_error_is_the_internal_server_error_gateway_response(
    apis: dict[str, Any], lab: Any
) -> None:
    answer = {"statusCode": 200, "headers": {"X-Note": "a\nb"}, "body": "ok"}
    _, _, got = in_process(apis["REST"], answer)
    assert got["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert local(lab, apis["REST"], answer)[2]["x-amzn-ErrorType"] == got["x-amzn-ErrorType"]


def test_payload_2_cookies_are_checked_too(apis: dict[str, Any], lab: Any) -> None:
    answer = {"statusCode": 200, "cookies": ["a=1\r\nX-Evil: 1"], "body": "ok"}
    assert in_process(apis["HTTP 2.0"], answer)[:2] == HTTP_ERROR
    assert local(lab, apis["HTTP 2.0"], answer)[:2] == HTTP_ERROR


@pytest.mark.parametrize("kind", ["REST", "HTTP 2.0", "HTTP 1.0"])
def test_fields_http_can_carry_arrive_alike_on_both_front_doors(
    apis: dict[str, Any], lab: Any, kind: str
) -> None:
    """ISO-8859-1 octets (obs-text) and tabs are allowed; http.client and requests decode
    the octets as ISO-8859-1, so both front doors show the same text."""
    headers = {"X-Latin": "café crème", "X-Tab": "a\tb", "X-Symbols": "!#$%&'*+-.^_`|~"}
    answer = {"statusCode": 201, "headers": headers, "body": "made"}
    status, body, got = in_process(apis[kind], answer)
    l_status, l_body, l_got = local(lab, apis[kind], answer)
    assert (status, body) == (l_status, l_body) == (201, b"made")
    for name, value in headers.items():
        assert got[name] == l_got[name] == value


def test_the_localhost_server_answers_500_for_a_field_from_anywhere_else() -> None:
    """The last guard: a field the pipeline let through (not from a proxy response) gets a
    500 that says what happened, never a dropped connection."""
    from helpers.gateway.http import HttpResponse
    from helpers.gateway.server import _wire_headers

    assert _wire_headers(HttpResponse(200, [("X-Note", "a\nb")])) is None
    assert _wire_headers(HttpResponse(200, [("X-Price", "€")])) is None
    assert _wire_headers(HttpResponse(200, [("X-Ok", "café"), ("Content-Length", "9")])) == [
        (b"X-Ok", b"caf\xe9")
    ]
