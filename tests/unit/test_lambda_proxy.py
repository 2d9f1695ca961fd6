"""Lambda proxy (payload 1.0): building the event and parsing the function's answer
(reference §4.1, §4.2)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from helpers.gateway.context import InvocationContext, MethodRequest, StageView
from helpers.gateway.errors import IntegrationFailure, InternalServerError
from helpers.gateway.http import HttpRequest
from helpers.gateway.integrations import lambda_proxy
from helpers.gateway.snapshot import MethodConfig, RestSnapshot
from helpers.gateway.trace import Trace
from helpers.ids import IdSource

T0 = 1_714_564_800.123  # 2024-05-01T12:00:00.123Z


class _Plane:
    ids = IdSource(0)


def make_ctx(
    *,
    method: str = "GET",
    path: str = "/pets/7",
    headers: dict[str, list[str]] | None = None,
    query: dict[str, list[str]] | None = None,
    body: bytes = b"",
    path_params: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
    binary: list[str] | None = None,
    resource_path: str = "/pets/{id}",
    vpce: str | None = None,
    authorizer: dict[str, Any] | None = None,
) -> InvocationContext:
    api = {"id": "abc123", "name": "pets", "binaryMediaTypes": binary or []}
    ctx = InvocationContext(
        request=HttpRequest(method, "abc123.execute-api.us-east-1.amazonaws.com", "/prod" + path),
        request_id="c0ffee00-0000-4000-8000-000000000001",
        extended_request_id="JaxQjEw1IAMFlmQ=",
        request_time=T0,
        started=time.perf_counter(),
        account_id="123456789012",
        region="us-east-1",
        plane=_Plane(),
        api_id="abc123",
        source_vpce=vpce,
        trace=Trace("c0ffee00-0000-4000-8000-000000000001"),
    )
    ctx.request.source_ip = "203.0.113.7"
    ctx.method_request = MethodRequest(
        method=method,
        path=path,
        headers=headers if headers is not None else {"User-Agent": ["pytest"]},
        query=query or {},
        body=body,
        path_params=path_params or {},
    )
    ctx.stage = StageView("prod", "dep1", variables or {}, {}, None)
    ctx.deployment = RestSnapshot("dep1", api, [])
    ctx.route = MethodConfig("res9", resource_path, method, {})
    ctx.resource_path = resource_path
    ctx.authorizer = authorizer
    return ctx


class TestBuildEvent:
    def test_top_level_keys_are_the_rest_payload_1_0_keys(self) -> None:
        event = lambda_proxy.build_event(make_ctx())
        assert set(event) == {
            "resource",
            "path",
            "httpMethod",
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "requestContext",
            "body",
            "isBase64Encoded",
        }
        assert "version" not in event  # REST events have no version (HTTP APIs add "1.0")

    def test_absent_maps_and_body_are_null(self) -> None:
        event = lambda_proxy.build_event(make_ctx(headers={}, resource_path="/pets", path="/pets"))
        for key in (
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "body",
        ):
            assert event[key] is None, key
        assert event["isBase64Encoded"] is False

    def test_single_and_multi_value_maps(self) -> None:
        ctx = make_ctx(
            headers={"Accept": ["a/b"], "X-Dup": ["one", "two"]},
            query={"q": ["1", "2"], "solo": [""]},
        )
        event = lambda_proxy.build_event(ctx)
        assert event["headers"] == {"Accept": "a/b", "X-Dup": "two"}  # last value wins
        assert event["multiValueHeaders"] == {"Accept": ["a/b"], "X-Dup": ["one", "two"]}
        assert event["queryStringParameters"] == {"q": "2", "solo": ""}
        assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "solo": [""]}

    def test_the_maps_are_copies(self) -> None:
        ctx = make_ctx(headers={"X": ["1"]})
        event = lambda_proxy.build_event(ctx)
        event["multiValueHeaders"]["X"].append("2")
        assert ctx.method_request is not None
        assert ctx.method_request.headers == {"X": ["1"]}

    def test_resource_path_and_parameters(self) -> None:
        event = lambda_proxy.build_event(
            make_ctx(path_params={"id": "7"}, variables={"color": "blue"})
        )
        assert event["resource"] == "/pets/{id}"
        assert event["path"] == "/pets/7"  # without the stage
        assert event["httpMethod"] == "GET"
        assert event["pathParameters"] == {"id": "7"}
        assert event["stageVariables"] == {"color": "blue"}

    def test_request_context(self) -> None:
        rc = lambda_proxy.build_event(make_ctx())["requestContext"]
        assert rc == {
            "resourceId": "res9",
            "resourcePath": "/pets/{id}",
            "httpMethod": "GET",
            "extendedRequestId": "JaxQjEw1IAMFlmQ=",
            "requestTime": "01/May/2024:12:00:00 +0000",
            "path": "/prod/pets/7",  # with the stage
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1714564800123,
            "requestId": "c0ffee00-0000-4000-8000-000000000001",
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": "203.0.113.7",
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": "pytest",
                "user": None,
            },
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "apiId": "abc123",
        }

    def test_authorizer_only_when_one_ran_and_vpce_only_for_private(self) -> None:
        rc = lambda_proxy.build_event(make_ctx())["requestContext"]
        assert "authorizer" not in rc
        assert "vpceId" not in rc["identity"]
        rc = lambda_proxy.build_event(
            make_ctx(authorizer={"principalId": "ann"}, vpce="vpce-0abc123")
        )["requestContext"]
        assert rc["authorizer"] == {"principalId": "ann"}
        assert rc["identity"]["vpceId"] == "vpce-0abc123"

    def test_text_body_is_passed_as_is(self) -> None:
        event = lambda_proxy.build_event(make_ctx(method="POST", body=b'{"not json'))
        assert event["body"] == '{"not json'
        assert event["isBase64Encoded"] is False

    def test_invalid_utf8_text_body_is_replaced_not_fatal(self) -> None:
        event = lambda_proxy.build_event(make_ctx(method="POST", body=b"\xff\xfeok"))
        assert event["body"] == "\ufffd\ufffdok"

    @pytest.mark.parametrize(
        ("binary", "content_type", "encoded"),
        [
            (["image/png"], "image/png", True),
            (["image/*"], "image/png", True),
            (["*/*"], "text/plain", True),
            (["image~1png"], "image/png", True),  # the patch-operation spelling of "/"
            (["image/png"], "IMAGE/PNG; charset=binary", True),
            (["image/png"], "image/jpeg", False),
            ([], "image/png", False),
            (["image/png"], None, False),
        ],
    )
    def test_binary_media_types(
        self, binary: list[str], content_type: str | None, encoded: bool
    ) -> None:
        raw = bytes(range(256))
        headers = {"Content-Type": [content_type]} if content_type else {}
        event = lambda_proxy.build_event(
            make_ctx(method="POST", body=raw, binary=binary, headers=headers)
        )
        assert event["isBase64Encoded"] is encoded
        if encoded:
            assert base64.b64decode(event["body"]) == raw
        else:
            assert event["body"] == raw.decode("utf-8", errors="replace")


def test_clf_time() -> None:
    assert lambda_proxy.clf_time(1583349317.135) == "04/Mar/2020:19:15:17 +0000"
    assert lambda_proxy.clf_time(0) == "01/Jan/1970:00:00:00 +0000"


def parse(value: Any) -> Any:
    payload = value if isinstance(value, bytes) else json.dumps(value).encode()
    return lambda_proxy.parse_response(payload)


class TestParseResponse:
    def test_full_response(self) -> None:
        resp = parse(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "text/plain", "X-One": "1"},
                "multiValueHeaders": {"X-Many": ["a", "b"]},
                "body": "created",
                "isBase64Encoded": False,
            }
        )
        assert resp.status == 201
        assert resp.headers == [
            ("Content-Type", "text/plain"),
            ("X-One", "1"),
            ("X-Many", "a"),
            ("X-Many", "b"),
        ]
        assert resp.body == b"created"

    def test_nothing_is_mandatory(self) -> None:
        resp = parse({})
        assert resp.status == 200
        assert resp.headers == [("Content-Type", "application/json")]
        assert resp.body == b""

    def test_default_content_type_only_when_missing(self) -> None:
        assert parse({"statusCode": 200}).headers == [("Content-Type", "application/json")]
        resp = parse({"headers": {"content-type": "text/html"}, "body": "<p>"})
        assert resp.headers == [("content-type", "text/html")]

    def test_multi_value_headers_win_over_headers(self) -> None:
        resp = parse(
            {"headers": {"X-A": "single", "X-B": "b"}, "multiValueHeaders": {"X-A": ["m1", "m2"]}}
        )
        assert [v for k, v in resp.headers if k == "X-A"] == ["m1", "m2"]
        assert [v for k, v in resp.headers if k == "X-B"] == ["b"]

    def test_header_values(self) -> None:
        resp = parse({"headers": {"X-T": True, "X-F": False, "X-N": 5}})
        assert ("X-T", "true") in resp.headers
        assert ("X-F", "false") in resp.headers
        assert ("X-N", "5") in resp.headers

    def test_null_headers_and_body(self) -> None:
        resp = parse({"statusCode": 204, "headers": None, "multiValueHeaders": None, "body": None})
        assert resp.status == 204
        assert resp.body == b""

    def test_unicode_body_is_utf8(self) -> None:
        assert parse({"body": "café ☕"}).body == "café ☕".encode()

    def test_base64_body_is_decoded(self) -> None:
        raw = bytes(range(256))
        resp = parse({"body": base64.b64encode(raw).decode(), "isBase64Encoded": True})
        assert resp.body == raw

    def test_invalid_base64_is_500(self) -> None:
        with pytest.raises(InternalServerError):
            parse({"body": "not base64!!", "isBase64Encoded": True})

    def test_status_code_as_digits_is_accepted(self) -> None:
        assert parse({"statusCode": "404"}).status == 404

    @pytest.mark.parametrize(
        "payload",
        [
            pytest.param(b"not json", id="not-json"),
            pytest.param(b"", id="empty"),
            pytest.param(b"\xff\xfe", id="not-utf8"),
            pytest.param("just a string", id="json-string"),
            pytest.param([1, 2], id="json-list"),
            pytest.param(None, id="json-null"),
            pytest.param(42, id="json-number"),
            pytest.param({"statusCode": 200, "body": "x", "extra": 1}, id="extra-key"),
            pytest.param({"StatusCode": 200}, id="wrong-case-key"),
            pytest.param({"body": {"a": 1}}, id="body-object"),
            pytest.param({"body": 5}, id="body-number"),
            pytest.param({"statusCode": "abc"}, id="status-text"),
            pytest.param({"statusCode": 200.5}, id="status-float"),
            pytest.param({"statusCode": True}, id="status-bool"),
            pytest.param({"statusCode": 99}, id="status-too-small"),
            pytest.param({"statusCode": 600}, id="status-too-big"),
            pytest.param({"headers": ["a"]}, id="headers-list"),
            pytest.param({"headers": {"X": {"a": 1}}}, id="header-object"),
            pytest.param({"headers": {"X": None}}, id="header-null"),
            pytest.param({"multiValueHeaders": {"X": "a"}}, id="multi-not-list"),
            pytest.param({"multiValueHeaders": "x"}, id="multi-not-object"),
        ],
    )
    def test_malformed_is_integration_failure(self, payload: Any) -> None:
        with pytest.raises(IntegrationFailure) as info:
            parse(payload)
        err = info.value
        assert err.status == 502
        assert err.body == b'{"message": "Internal server error"}'
        assert "Malformed Lambda proxy response" in err.reason


@pytest.mark.parametrize(
    ("content_type", "types", "expected"),
    [
        ("application/octet-stream", ["application/octet-stream"], True),
        ("application/octet-stream", ["application/*"], True),
        ("application/json", ["image/*"], False),
        ("", ["*/*"], False),
        (None, ["*/*"], False),
    ],
)
def test_is_binary(content_type: str | None, types: list[str], expected: bool) -> None:
    assert lambda_proxy.is_binary(content_type, types) is expected


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("X-Ok", "visible ascii, spaces\tand tabs", None),
        ("X-Latin", "café", None),  # an ISO-8859-1 octet (obs-text)
        ("X-Note", "a\r\nb", "carriage return"),
        ("X-Note", "a\nb", "line feed"),
        ("X-Note", "a\x00b", "NUL"),
        ("X-Note", "a\x7fb", "U+007F"),
        ("X-Price", "9 €", "U+20AC"),
        ("X Note", "v", "not an HTTP token"),
        ("", "v", "not an HTTP token"),
        ("X:Note", "v", "not an HTTP token"),
    ],
)
def test_header_problem(name: str, value: str, problem: str | None) -> None:
    from helpers.gateway.http import header_problem

    found = header_problem(name, value)
    assert found is None if problem is None else problem in (found or "")


def test_a_field_http_cannot_carry_makes_the_response_malformed() -> None:
    payload = json.dumps({"statusCode": 200, "headers": {"X-Note": "a\nb"}, "body": "x"})
    with pytest.raises(IntegrationFailure, match=r"Malformed Lambda proxy response.*line feed"):
        lambda_proxy.parse_response(payload.encode())
    payload = json.dumps({"multiValueHeaders": {"X-Price": ["1 €"]}})
    with pytest.raises(IntegrationFailure, match="outside ISO-8859-1"):
        lambda_proxy.parse_response(payload.encode())


def test_a_payload_parsed_again_gives_a_new_response() -> None:
    """Parsed answers are remembered by payload; each call still gets its own response."""
    payload = json.dumps({"statusCode": 201, "headers": {"X-A": "1"}, "body": "hi"}).encode()
    first = lambda_proxy.parse_response(payload)
    expected = (201, [("Content-Type", "application/json"), ("X-A", "1")], b"hi")
    assert (first.status, first.headers, first.body) == expected
    first.headers.append(("X-Added", "later"))
    again = lambda_proxy.parse_response(payload)
    assert again is not first
    assert (again.status, again.headers, again.body) == expected


def test_a_malformed_payload_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(IntegrationFailure):
            lambda_proxy.parse_response(b'{"statusCode": 200, "extra": 1}')
