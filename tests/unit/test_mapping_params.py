"""REST parameter mappings (helpers.gateway.mapping.params) and the $context map they and
templates read (helpers.gateway.mapping.context_vars)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from helpers.gateway import errors as gw
from helpers.gateway.context import InvocationContext, MethodRequest, StageView
from helpers.gateway.http import HttpRequest
from helpers.gateway.mapping import MappedRequest, context_map, map_request, map_response
from helpers.gateway.mapping import request_value as value
from helpers.gateway.mapping.context_vars import flatten
from helpers.gateway.snapshot import MethodConfig
from helpers.gateway.trace import Trace
from helpers.ids import IdSource

T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z
BODY = {"name": "Rex", "owner": {"id": 7}, "tags": ["a", "b"], "ok": True}


class _Plane:
    ids = IdSource(0)


def ctx_for(body: bytes = json.dumps(BODY).encode(), **overrides: Any) -> InvocationContext:
    ctx = InvocationContext(
        request=HttpRequest("POST", "abc123.execute-api.us-east-1.amazonaws.com", "/prod/pets/7"),
        request_id="c0ffee00-0000-4000-8000-000000000001",
        extended_request_id="JaxQjEw1IAMFlmQ=",
        request_time=T0,
        started=time.perf_counter(),
        account_id="123456789012",
        region="us-east-1",
        plane=_Plane(),
        api_id="abc123",
        trace=Trace("c0ffee00-0000-4000-8000-000000000001", api_id="abc123"),
    )
    ctx.request.source_ip = "203.0.113.7"
    ctx.method_request = MethodRequest(
        "POST",
        "/pets/7",
        {"User-Agent": ["pytest"], "X-Multi": ["1", "2"], "x-multi": ["3"], "Accept": ["*/*"]},
        {"q": ["first", "last"], "single": ["s"], "empty": [""]},
        body,
        {"id": "7"},
    )
    ctx.stage = StageView("prod", "dep1", {"color": "blue"}, {}, None)
    ctx.route = MethodConfig("res0", "/pets/{id}", "POST", {})
    ctx.resource_path = "/pets/{id}"
    ctx.authorizer = {"principalId": "user-1", "numKey": 1, "boolKey": True, "claims": {"sub": "s"}}
    for key, val in overrides.items():
        setattr(ctx, key, val)
    return ctx


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("'static text'", "static text"),
        ("''", ""),
        ("method.request.path.id", "7"),
        ("method.request.path.nope", None),
        ("method.request.querystring.q", "last"),
        ("method.request.querystring.empty", ""),
        ("method.request.querystring.nope", None),
        ("method.request.multivaluequerystring.q", ["first", "last"]),
        ("method.request.multivaluequerystring.nope", None),
        ("method.request.header.user-agent", "pytest"),
        ("method.request.header.X-MULTI", "3"),
        ("method.request.header.nope", None),
        ("method.request.multivalueheader.x-multi", ["1", "2", "3"]),
        ("method.request.body", json.dumps(BODY)),
        ("method.request.body.name", "Rex"),
        ("method.request.body.owner", '{"id":7}'),
        ("method.request.body.owner.id", "7"),
        ("method.request.body.tags[1]", "b"),
        ("method.request.body.ok", "true"),
        ("method.request.body.missing", None),
        ("context.requestId", "c0ffee00-0000-4000-8000-000000000001"),
        ("context.identity.sourceIp", "203.0.113.7"),
        ("context.authorizer.principalId", "user-1"),
        ("context.authorizer.numKey", "1"),
        ("context.authorizer.boolKey", "true"),
        ("context.authorizer.claims.sub", "s"),
        ("context.requestTimeEpoch", str(int(T0 * 1000))),
        ("context.nope.deeper", None),
        ("stageVariables.color", "blue"),
        ("stageVariables.nope", None),
    ],
)
def test_request_value(expr: str, expected: Any) -> None:
    assert value(expr, ctx_for()) == expected


@pytest.mark.parametrize("body", [b"not json", b""])
def test_body_json_path_on_a_body_that_is_not_json(body: bytes) -> None:
    ctx = ctx_for(body)
    assert value("method.request.body.name", ctx) is None
    assert value("method.request.body", ctx) == body.decode()


@pytest.mark.parametrize(
    "expr",
    ["method.request.cookie.x", "method.request.header", "integration.request.header.x", "x"],
)
def test_invalid_request_expressions_are_loud(expr: str) -> None:
    with pytest.raises(gw.EmulatorLimitation, match="Invalid mapping expression"):
        value(expr, ctx_for())


def test_map_request() -> None:
    ctx = ctx_for()
    mapped = map_request(
        {
            "integration.request.path.petId": "method.request.path.id",
            "integration.request.querystring.page": "'2'",
            "integration.request.multivaluequerystring.q": "method.request.multivaluequerystring.q",
            "integration.request.header.X-Caller": "context.identity.sourceIp",
            "integration.request.multivalueheader.X-All": "method.request.multivalueheader.X-Multi",
            "integration.request.header.X-Color": "stageVariables.color",
            "integration.request.header.X-Absent": "method.request.header.nope",
            "integration.request.querystring.absent": "method.request.querystring.nope",
        },
        ctx,
    )
    assert mapped == MappedRequest(
        path={"petId": "7"},
        querystring={"page": ["2"], "q": ["first", "last"]},
        header={"X-Caller": ["203.0.113.7"], "X-All": ["1", "2", "3"], "X-Color": ["blue"]},
    )
    entry = ctx.trace.entries[-1]
    assert (entry.step, entry.decision) == ("request-mapping", "6 of 8 parameters mapped")
    assert entry.details["absent"] == [
        "integration.request.header.X-Absent",
        "integration.request.querystring.absent",
    ]


def test_map_request_with_nothing_to_map() -> None:
    ctx = ctx_for()
    assert map_request({}, ctx) == MappedRequest()
    assert ctx.trace.entries == []


@pytest.mark.parametrize("key", ["integration.request.cookie.x", "method.request.header.x"])
def test_map_request_rejects_bad_targets(key: str) -> None:
    with pytest.raises(gw.EmulatorLimitation):
        map_request({key: "'v'"}, ctx_for())


INTEGRATION_HEADERS = [
    ("Content-Type", "application/json"),
    ("X-Request-Id", "backend-1"),
    ("Set-Cookie", "a=1"),
    ("set-cookie", "b=2"),
]
INTEGRATION_BODY = json.dumps({"id": 42, "item": {"name": "Rex"}, "list": [1, 2]}).encode()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("'*'", "*"),
        ("integration.response.header.x-request-id", "backend-1"),
        ("integration.response.header.Set-Cookie", "b=2"),
        ("integration.response.multivalueheader.Set-Cookie", "a=1,b=2"),
        ("integration.response.body", INTEGRATION_BODY.decode()),
        ("integration.response.body.id", "42"),
        ("integration.response.body.item.name", "Rex"),
        ("integration.response.body.item", '{"name":"Rex"}'),
        ("integration.response.body.list", "[1,2]"),
        ("context.requestId", "c0ffee00-0000-4000-8000-000000000001"),
        ("stageVariables.color", "blue"),
    ],
)
def test_map_response_sources(expr: str, expected: str) -> None:
    out = map_response(
        {"method.response.header.X-Out": expr},
        headers=INTEGRATION_HEADERS,
        body=INTEGRATION_BODY,
        ctx=ctx_for(),
    )
    assert out == [("X-Out", expected)]


def test_map_response_leaves_out_what_is_absent() -> None:
    ctx = ctx_for()
    out = map_response(
        {
            "method.response.header.A": "integration.response.header.nope",
            "method.response.header.B": "integration.response.body.nope",
            "method.response.header.C": "'c'",
        },
        headers=INTEGRATION_HEADERS,
        body=INTEGRATION_BODY,
        ctx=ctx,
    )
    assert out == [("C", "c")]
    assert ctx.trace.entries[-1].decision == "1 of 3 headers mapped"


@pytest.mark.parametrize(
    "mapping",
    [
        {"method.response.body.x": "'v'"},
        {"method.response.header.X": "method.request.header.x"},
        {"method.response.header.X": "integration.response.cookie.x"},
    ],
)
def test_map_response_rejects_bad_mappings(mapping: dict[str, str]) -> None:
    with pytest.raises(gw.EmulatorLimitation):
        map_response(mapping, headers=[], body=b"", ctx=ctx_for())


# ====================================================================================== $context


def test_context_map() -> None:
    ctx = ctx_for()
    values = context_map(ctx)
    assert values["accountId"] == "123456789012"
    assert values["apiId"] == "abc123"
    assert values["domainName"] == "abc123.execute-api.us-east-1.amazonaws.com"
    assert values["domainPrefix"] == "abc123"
    assert values["extendedRequestId"] == "JaxQjEw1IAMFlmQ="
    assert values["httpMethod"] == "POST"
    assert values["path"] == "/prod/pets/7"
    assert values["protocol"] == "HTTP/1.1"
    assert values["requestTime"] == "01/May/2024:12:00:00 +0000"
    assert values["requestTimeEpoch"] == int(T0 * 1000)
    assert values["resourceId"] == "res0"
    assert values["resourcePath"] == "/pets/{id}"
    assert values["stage"] == "prod"
    assert values["awsEndpointRequestId"] is None
    assert values["identity"]["sourceIp"] == "203.0.113.7"
    assert values["identity"]["userAgent"] == "pytest"
    assert values["identity"]["apiKey"] is None
    assert values["authorizer"] == {
        "principalId": "user-1",
        "numKey": "1",
        "boolKey": "true",
        "claims": {"sub": "s"},
    }
    assert values["error"] == {
        "message": None,
        "messageString": None,
        "responseType": None,
        "validationErrorString": None,
    }


def test_context_map_error() -> None:
    err = gw.BadRequestBody()
    err.validation_error = "[instance type (string) does not match]"  # type: ignore[attr-defined]
    values = context_map(ctx_for(error=err))
    assert values["error"] == {
        "message": "Invalid request body",
        "messageString": '"Invalid request body"',
        "responseType": "BAD_REQUEST_BODY",
        "validationErrorString": "[instance type (string) does not match]",
    }


def test_context_map_before_the_method_request() -> None:
    """A request stopped while parsing (e.g. too large) still has a $context for logs."""
    ctx = ctx_for(method_request=None, stage=None, route=None, resource_path="", authorizer=None)
    values = context_map(ctx)
    assert values["httpMethod"] == "POST"
    assert values["path"] == "/prod/pets/7"
    assert values["stage"] is None and values["resourceId"] is None
    assert values["identity"]["sourceIp"] == "203.0.113.7"
    assert values["authorizer"] == {}


def test_flatten() -> None:
    flat = flatten(context_map(ctx_for()))
    assert flat["identity.sourceIp"] == "203.0.113.7"
    assert flat["authorizer.claims.sub"] == "s"
    assert flat["error.message"] is None
    assert "identity" not in flat
