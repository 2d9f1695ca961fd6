"""HTTP API parameter mapping (integrations.http_mapping_v2), table-driven from the DG
``http-api-parameter-mapping`` examples and rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers.gateway.errors import EmulatorLimitation
from helpers.gateway.integrations.http_mapping_v2 import (
    BODY_JSONPATH_LIMIT,
    MappingVariables,
    OutgoingRequest,
    map_request,
    map_response,
    validate_request_parameters,
    validate_response_parameters,
)

REQUEST_ID = "Ab1cDEfGhIjKlMn="
BODY = json.dumps(
    {"user": {"id": "u-7", "age": 31, "admin": False}, "pets": [{"name": "rex"}, {"name": "tom"}]}
).encode()


def variables(**overrides: Any) -> MappingVariables:
    base: dict[str, Any] = {
        "request_headers": {"Header1": ["value1"], "X-Multi": ["a", "b"], "token": ["t0k"]},
        "request_query": {"q": ["1", "2"], "Page": ["3"]},
        "request_body": BODY,
        "request_path": "/pets/42",
        "path_params": {"petId": "42", "proxy": "a/b"},
        "context": {
            "requestId": REQUEST_ID,
            "identity": {"sourceIp": "203.0.113.9"},
            "authorizer": {"claims": {"sub": "user-1"}},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        },
        "stage_variables": {"environmentId": "dev", "backend": "pets.internal"},
    }
    base.update(overrides)
    return MappingVariables(**base)


def outgoing(**overrides: Any) -> OutgoingRequest:
    base: dict[str, Any] = {
        "method": "GET",
        "path": "/pets/42",
        "query": {"q": ["1", "2"], "Page": ["3"]},
        "headers": {"Header1": ["value1"], "X-Multi": ["a", "b"], "token": ["t0k"]},
        "body": BODY,
    }
    base.update(overrides)
    return OutgoingRequest(**base)


# ------------------------------------------------------------------ request: headers

HEADER_CASES = [
    # DG: "Add a header to an API request" (populated with the request ID)
    ({"append:header.header1": "$context.requestId"}, {"Header1": ["value1", REQUEST_ID]}),
    ({"append:header.new": "$context.requestId"}, {"new": [REQUEST_ID]}),
    # DG: "Rename a request header"
    ({"append:header.header2": "$request.header.header1", "remove:header.header1": "''"},
     {"header2": ["value1"], "Header1": None}),
    # key order does not matter: values read the incoming request
    ({"remove:header.header1": "''", "append:header.header2": "$request.header.header1"},
     {"header2": ["value1"], "Header1": None}),
    ({"overwrite:header.header1": "static"}, {"header1": ["static"], "Header1": None}),
    # several values are comma-joined
    ({"overwrite:header.x-joined": "$request.header.x-multi"}, {"x-joined": ["a,b"]}),
    ({"append:header.x-q": "$request.querystring.q"}, {"x-q": ["1,2"]}),
    # query names are case-sensitive, header names are not
    ({"append:header.x-page": "$request.querystring.page"}, {"x-page": None}),
    ({"append:header.x-tok": "$request.header.TOKEN"}, {"x-tok": ["t0k"]}),
    ({"append:header.x-path": "$request.path"}, {"x-path": ["/pets/42"]}),
    ({"append:header.x-pet": "$request.path.petId"}, {"x-pet": ["42"]}),
    ({"append:header.x-ip": "$context.identity.sourceIp"}, {"x-ip": ["203.0.113.9"]}),
    ({"append:header.x-sub": "$context.authorizer.claims.sub"}, {"x-sub": ["user-1"]}),
    ({"append:header.x-env": "$stageVariables.environmentId"}, {"x-env": ["dev"]}),
    ({"append:header.x-user": "$request.body.user.id"}, {"x-user": ["u-7"]}),
    ({"append:header.x-age": "$request.body.user.age"}, {"x-age": ["31"]}),
    ({"append:header.x-admin": "$request.body.user.admin"}, {"x-admin": ["false"]}),
    ({"append:header.x-first": "$request.body.pets[0].name"}, {"x-first": ["rex"]}),
    ({"append:header.x-user-obj": "$request.body.user"},
     {"x-user-obj": ['{"id":"u-7","age":31,"admin":false}']}),
    ({"append:header.x-all": "$request.body.pets[*].name"}, {"x-all": ["rex,tom"]}),
    # ${...} combines several values with static text
    ({"overwrite:header.x-auth": "Bearer ${request.header.token}"}, {"x-auth": ["Bearer t0k"]}),
    ({"append:header.x-combo": "${request.path.petId}-${stageVariables.environmentId}"},
     {"x-combo": ["42-dev"]}),
    ({"append:header.x-combo": "${request.header.absent}x"}, {"x-combo": ["x"]}),
    # a single reference to something absent skips the mapping [unc]
    ({"append:header.x-none": "$request.header.absent"}, {"x-none": None}),
    ({"append:header.x-none": "$request.body.user.nothing"}, {"x-none": None}),
    ({"overwrite:header.header1": "$stageVariables.absent"}, {"Header1": ["value1"]}),
    ({"remove:header.HEADER1": ""}, {"Header1": None, "X-Multi": ["a", "b"]}),
]


@pytest.mark.parametrize(("mapping", "expected"), HEADER_CASES)
def test_request_headers(mapping: dict[str, str], expected: dict[str, Any]) -> None:
    out = map_request(mapping, outgoing(), variables=variables())
    for name, values in expected.items():
        if values is None:
            assert name not in out.headers
        else:
            assert out.headers[name] == values


# ------------------------------------------------------------------ request: query, path

QUERY_CASES = [
    ({"append:querystring.q": "3"}, {"q": ["1", "2", "3"]}),
    ({"overwrite:querystring.q": "only"}, {"q": ["only"]}),
    ({"remove:querystring.q": "''"}, {"q": None, "Page": ["3"]}),
    ({"remove:querystring.page": "''"}, {"Page": ["3"]}),  # case-sensitive
    ({"append:querystring.user": "$request.body.user.id"}, {"user": ["u-7"]}),
    ({"overwrite:querystring.from": "$request.header.x-multi"}, {"from": ["a,b"]}),
    ({"append:querystring.rid": "$context.requestId"}, {"rid": [REQUEST_ID]}),
]


@pytest.mark.parametrize(("mapping", "expected"), QUERY_CASES)
def test_request_query(mapping: dict[str, str], expected: dict[str, Any]) -> None:
    out = map_request(mapping, outgoing(), variables=variables())
    for name, values in expected.items():
        if values is None:
            assert name not in out.query
        else:
            assert out.query[name] == values


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("/v2/pets", "/v2/pets"),
        ("$request.path", "/pets/42"),
        ("/api/${request.path.proxy}", "/api/a/b"),
        ("/pets/${request.path.petId}/owner", "/pets/42/owner"),
        ("/${stageVariables.environmentId}${request.path}", "/dev/pets/42"),
        ("$request.path.absent", "/pets/42"),
    ],
)
def test_overwrite_path(value: str, path: str) -> None:
    out = map_request({"overwrite:path": value}, outgoing(), variables=variables())
    assert out.path == path


def test_map_request_leaves_its_input_alone() -> None:
    original = outgoing()
    out = map_request(
        {"append:header.Header1": "x", "remove:querystring.q": "''", "overwrite:path": "/p"},
        original,
        variables=variables(),
    )
    assert original == outgoing()
    assert (out.method, out.body) == (original.method, original.body)
    assert out.headers["Header1"] == ["value1", "x"]


def test_empty_mapping_is_identity() -> None:
    assert map_request({}, outgoing(), variables=variables()) == outgoing()


def test_whole_body_is_not_truncated() -> None:
    big = b"x" * (BODY_JSONPATH_LIMIT + 10)
    out = map_request(
        {"append:header.x-body": "$request.body"}, outgoing(), variables=variables(request_body=big)
    )
    assert out.headers["x-body"] == [big.decode()]


@pytest.mark.parametrize(("pad", "found"), [(BODY_JSONPATH_LIMIT - 100, True),
                                            (BODY_JSONPATH_LIMIT, False)])
def test_body_is_cut_at_100_kb_before_jsonpath(pad: int, found: bool) -> None:
    body = json.dumps({"id": "u-7", "pad": "p" * pad}).encode()
    out = map_request(
        {"append:header.x-id": "$request.body.id"}, outgoing(), variables=variables(request_body=body)
    )
    assert ("x-id" in out.headers) is found


def test_non_json_body_gives_nothing() -> None:
    out = map_request(
        {"append:header.x-id": "$request.body.id"},
        outgoing(),
        variables=variables(request_body=b"id=1"),
    )
    assert "x-id" not in out.headers


# ------------------------------------------------------------------ configuration errors

RESERVED = [
    "Authorization", "Connection", "Content-Encoding", "Content-Length", "Content-Location",
    "Forwarded", "Keep-Alive", "Origin", "Proxy-Authenticate", "Proxy-Authorization", "TE",
    "Trailers", "Transfer-Encoding", "Upgrade", "X-Forwarded-For", "X-Forwarded-Host",
    "X-Forwarded-Proto", "Via", "access-control-allow-origin", "apigw-requestid",
    "x-amz-date", "X-Amzn-Trace-Id", "authorization",
]


@pytest.mark.parametrize("name", RESERVED)
@pytest.mark.parametrize("action", ["append", "overwrite", "remove"])
def test_reserved_headers_are_rejected(name: str, action: str) -> None:
    with pytest.raises(ValueError, match=name):
        map_request({f"{action}:header.{name}": "x"}, outgoing(), variables=variables())
    with pytest.raises(ValueError, match=name):
        map_response({"200": {f"{action}:header.{name}": "x"}}, 200, [], b"",
                     variables=variables())


@pytest.mark.parametrize(
    "mapping",
    [
        {"append:header.x": "$request.body..name"},  # recursive descent
        {"append:header.x": "$request.body.pets[?(@.name=='rex')]"},  # filter
        {"append:header.x": "$request.bogus"},
        {"append:header.x": "$context."},
        {"append:header.x": "$response.header.x"},  # response values are for responses
        {"append:header.x": "${unknown.thing}"},
        {"append:path": "/x"},
        {"overwrite:body": "x"},
        {"replace:header.x": "y"},
        {"append:header.bad name": "y"},
        {"append:header.": "y"},
    ],
)
def test_invalid_request_mappings_are_rejected(mapping: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        validate_request_parameters(mapping)
    with pytest.raises(ValueError):
        map_request(mapping, outgoing(), variables=variables())


@pytest.mark.parametrize(
    "mapping",
    [
        {"abc": {"overwrite:statuscode": "403"}},
        {"100": {"overwrite:statuscode": "403"}},
        {"500": {"overwrite:statuscode": "forbidden"}},
        {"500": {"overwrite:statuscode": "700"}},
        {"500": {"overwrite:path": "/x"}},
        {"500": {"append:querystring.x": "y"}},
        {"500": {"append:header.x": "$response.body..id"}},
    ],
)
def test_invalid_response_mappings_are_rejected(mapping: dict[str, dict[str, str]]) -> None:
    with pytest.raises(ValueError):
        validate_response_parameters(mapping)


# ------------------------------------------------------------------ response

# DG: "Change the response from an integration"
DG_RESPONSE = {
    "500": {"append:header.header1": "$context.requestId", "overwrite:statuscode": "403"},
    "404": {"append:header.error": "$stageVariables.environmentId"},
}
BACKEND_HEADERS = [("Content-Type", "application/json"), ("X-Backend", "b1"),
                   ("X-Backend", "b2"), ("Header1", "orig")]
BACKEND_BODY = b'{"code": 409, "detail": {"reason": "taken"}, "ok": false}'


@pytest.mark.parametrize(
    ("status", "new_status", "added"),
    [
        (500, 403, [("header1", REQUEST_ID)]),
        (404, 404, [("error", "dev")]),
        (200, 200, []),
        (502, 502, []),
    ],
)
def test_dg_response_example(status: int, new_status: int, added: list[tuple[str, str]]) -> None:
    got_status, headers = map_response(
        DG_RESPONSE, status, BACKEND_HEADERS, BACKEND_BODY, variables=variables()
    )
    assert got_status == new_status
    assert headers == BACKEND_HEADERS + added


RESPONSE_CASES = [
    ({"append:header.x-copy": "$response.header.x-backend"},
     [*BACKEND_HEADERS, ("x-copy", "b1,b2")]),
    ({"overwrite:header.x-backend": "one"},
     [("Content-Type", "application/json"), ("Header1", "orig"), ("x-backend", "one")]),
    ({"remove:header.X-BACKEND": "''"},
     [("Content-Type", "application/json"), ("Header1", "orig")]),
    ({"append:header.x-reason": "$response.body.detail.reason"},
     [*BACKEND_HEADERS, ("x-reason", "taken")]),
    ({"append:header.x-ok": "$response.body.ok"}, [*BACKEND_HEADERS, ("x-ok", "false")]),
    ({"append:header.x-missing": "$response.header.nope"}, BACKEND_HEADERS),
    ({"append:header.x-mix": "${context.requestId}/${response.header.header1}"},
     [*BACKEND_HEADERS, ("x-mix", f"{REQUEST_ID}/orig")]),
    ({"append:header.x-env": "$stageVariables.backend"},
     [*BACKEND_HEADERS, ("x-env", "pets.internal")]),
    ({"append:header.x-client": "$request.header.token"}, [*BACKEND_HEADERS, ("x-client", "t0k")]),
]


@pytest.mark.parametrize(("params", "expected"), RESPONSE_CASES)
def test_response_headers(params: dict[str, str], expected: list[tuple[str, str]]) -> None:
    status, headers = map_response(
        {"200": params}, 200, BACKEND_HEADERS, BACKEND_BODY, variables=variables()
    )
    assert status == 200
    assert headers == expected


@pytest.mark.parametrize(
    ("value", "status"),
    [("201", 201), ("$response.body.code", 409), ("${response.body.code}", 409),
     ("$response.body.absent", 200)],
)
def test_overwrite_statuscode(value: str, status: int) -> None:
    got, _ = map_response({"200": {"overwrite:statuscode": value}}, 200, BACKEND_HEADERS,
                          BACKEND_BODY, variables=variables())
    assert got == status


def test_status_from_data_that_is_not_a_status_is_a_limitation() -> None:
    with pytest.raises(EmulatorLimitation, match="statuscode"):
        map_response({"200": {"overwrite:statuscode": "$response.body.detail.reason"}}, 200,
                     BACKEND_HEADERS, BACKEND_BODY, variables=variables())


def test_response_input_headers_are_not_changed() -> None:
    headers = list(BACKEND_HEADERS)
    map_response({"200": {"remove:header.x-backend": "''"}}, 200, headers, BACKEND_BODY,
                 variables=variables())
    assert headers == BACKEND_HEADERS
