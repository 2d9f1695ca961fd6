"""REST non-proxy integrations end to end (reference §5): MOCK, Lambda custom integrations
(templates, error mapping by selectionPattern, asynchronous invocation), passthrough and
415, integration/method response mapping, CORS done the REST way, HTTP and HTTP_PROXY."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

INTERNAL_ERROR = b'{"message": "Internal server error"}'


class Rest:
    """A REST API built with plain boto3 calls, one method at a time."""

    def __init__(self, kit: Any, name: str = "nonproxy") -> None:
        self.kit = kit
        self.apigw = kit.apigw
        self.api_id = kit.rest_api(name, endpoint="REGIONAL")

    def method(
        self,
        path: str,
        http_method: str,
        *,
        integration: dict[str, Any],
        responses: dict[str, dict[str, Any]] | None = None,
        method_responses: dict[str, dict[str, bool]] | None = None,
        **method_kwargs: Any,
    ) -> str:
        rid = self.kit.resource(self.api_id, path)
        self.apigw.put_method(
            restApiId=self.api_id,
            resourceId=rid,
            httpMethod=http_method,
            authorizationType="NONE",
            **method_kwargs,
        )
        self.apigw.put_integration(
            restApiId=self.api_id, resourceId=rid, httpMethod=http_method, **integration
        )
        for status, headers in (method_responses or {"200": {}}).items():
            self.apigw.put_method_response(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod=http_method,
                statusCode=status,
                responseParameters=headers,
            )
        for status, response in (responses or {}).items():
            self.apigw.put_integration_response(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod=http_method,
                statusCode=status,
                **response,
            )
        return rid

    def deploy(self, stage: str = "test", **kwargs: Any) -> None:
        self.kit.deploy(self.api_id, stage, **kwargs)

    def url(self, path: str, stage: str = "test") -> str:
        return self.kit.url(self.api_id, stage, path)

    def lambda_uri(self, fn_arn: str) -> str:
        return (
            f"arn:aws:apigateway:{self.kit.region}:lambda:path/2015-03-31/functions/"
            f"{fn_arn}/invocations"
        )


@pytest.fixture
def rest(kit: Any) -> Rest:
    return Rest(kit)


def last_trace(lab: Any) -> str:
    return str(lab.last_trace())


# ====================================================================================== MOCK


def test_mock_status_from_request_template_selects_integration_response(rest: Rest) -> None:
    rest.method(
        "/health",
        "GET",
        integration={
            "type": "MOCK",
            "requestTemplates": {
                "application/json": '{"statusCode": #if($input.params("fail") == "yes")503'
                "#{else}200#end}"
            },
        },
        responses={
            "200": {
                "selectionPattern": "",
                "responseTemplates": {"application/json": '{"status": "ok"}'},
            },
            "503": {
                "selectionPattern": "5\\d{2}",
                "responseTemplates": {"application/json": '{"status": "down"}'},
            },
        },
        method_responses={"200": {}, "503": {}},
    )
    rest.deploy()
    ok = requests.get(rest.url("/health"))
    assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
    assert ok.headers["Content-Type"] == "application/json"
    down = requests.get(rest.url("/health"), params={"fail": "yes"})
    assert (down.status_code, down.json()) == (503, {"status": "down"})


def test_mock_without_template_uses_default_response(rest: Rest) -> None:
    rest.method(
        "/ping",
        "GET",
        integration={"type": "MOCK"},
        responses={"200": {"responseTemplates": {"application/json": '{"pong": true}'}}},
    )
    rest.deploy()
    got = requests.get(rest.url("/ping"))
    assert (got.status_code, got.json()) == (200, {"pong": True})


def test_no_integration_response_is_a_configuration_error(rest: Rest, fresh_lab: Any) -> None:
    rest.method(
        "/ping", "GET", integration={"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    )
    rest.deploy()
    got = requests.get(rest.url("/ping"))
    # API_CONFIGURATION_ERROR, rendered by the default gateway-response template
    assert (got.status_code, got.content) == (500, b'{"message":"Internal server error"}')
    assert "no match and no default" in last_trace(fresh_lab)


def test_integration_response_needs_a_declared_method_response(rest: Rest) -> None:
    from botocore.exceptions import ClientError

    rid = rest.method(
        "/ping",
        "GET",
        integration={"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        responses={"200": {"selectionPattern": ""}},
        method_responses={"200": {}},
    )
    with pytest.raises(ClientError, match="Invalid Response status code specified"):
        rest.apigw.put_integration_response(
            restApiId=rest.api_id, resourceId=rid, httpMethod="GET", statusCode="201"
        )
    with pytest.raises(ClientError, match=r"method\.response\.header\.X-Undeclared"):
        rest.apigw.put_integration_response(
            restApiId=rest.api_id,
            resourceId=rid,
            httpMethod="GET",
            statusCode="200",
            responseParameters={"method.response.header.X-Undeclared": "'yes'"},
        )


def test_selected_status_whose_method_response_was_deleted_is_500(rest: Rest) -> None:
    rid = rest.method(
        "/ping",
        "GET",
        integration={"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        responses={"200": {"selectionPattern": ""}},
        method_responses={"200": {}},
    )
    rest.apigw.delete_method_response(
        restApiId=rest.api_id, resourceId=rid, httpMethod="GET", statusCode="200"
    )
    rest.deploy()
    assert requests.get(rest.url("/ping")).status_code == 500


# ====================================================================================== CORS (REST)

CORS_HEADERS = {
    "method.response.header.Access-Control-Allow-Origin": False,
    "method.response.header.Access-Control-Allow-Methods": False,
    "method.response.header.Access-Control-Allow-Headers": False,
}


def test_cors_preflight_is_an_options_mock_with_response_headers(rest: Rest, kit: Any) -> None:
    rest.method(
        "/items",
        "OPTIONS",
        integration={"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        responses={
            "200": {
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'https://app.example'",
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                    "method.response.header.Access-Control-Allow-Headers": "'Content-Type'",
                },
                "responseTemplates": {"application/json": ""},
            }
        },
        method_responses={"200": CORS_HEADERS},
    )
    rest.method(
        "/items",
        "GET",
        integration={"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        responses={
            "200": {
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Origin": "'https://app.example'"
                },
                "responseTemplates": {"application/json": "[]"},
            }
        },
        method_responses={
            "200": {"method.response.header.Access-Control-Allow-Origin": False}
        },
    )
    kit.apigw.put_gateway_response(
        restApiId=rest.api_id,
        responseType="DEFAULT_4XX",
        responseParameters={
            "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example'"
        },
    )
    rest.deploy()
    pre = requests.options(
        rest.url("/items"),
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert pre.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert pre.content == b""
    got = requests.get(rest.url("/items"), headers={"Origin": "https://app.example"})
    assert got.headers["Access-Control-Allow-Origin"] == "https://app.example"
    # an error answered by API Gateway itself carries the header only via gateway responses
    missing = requests.get(rest.url("/nope"), headers={"Origin": "https://app.example"})
    assert missing.status_code == 403
    assert missing.headers["Access-Control-Allow-Origin"] == "https://app.example"


# ====================================================================================== Lambda custom

CALCULATOR = '''
def handler(event, context):
    a, b, op = event.get("a"), event.get("b"), event.get("op", "add")
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        raise ValueError("BadRequest: a and b must be numbers")
    if op == "div" and b == 0:
        raise ZeroDivisionError("BadRequest: division by zero")
    if op == "boom":
        raise RuntimeError("something unexpected")
    result = {"add": a + b, "div": a / b if b else None, "boom": None}[op]
    return {"result": result, "requestId": event.get("requestId")}
'''

REQUEST_TEMPLATE = """{
  "a": $input.params('a'),
  "b": $input.params('b'),
  "op": "$util.escapeJavaScript($input.params('op'))",
  "requestId": "$context.requestId"
}"""


@pytest.fixture
def calculator(rest: Rest, kit: Any) -> Rest:
    fn = kit.function(CALCULATOR)
    kit.permit(fn, rest.api_id)
    rest.method(
        "/calc",
        "GET",
        integration={
            "type": "AWS",
            "integrationHttpMethod": "POST",
            "uri": rest.lambda_uri(fn),
            "requestTemplates": {"application/json": REQUEST_TEMPLATE},
            "passthroughBehavior": "WHEN_NO_TEMPLATES",
        },
        responses={
            "200": {
                "selectionPattern": "",
                "responseTemplates": {"application/json": '{"answer": $input.json("$.result")}'},
            },
            "400": {
                "selectionPattern": "BadRequest:.*",
                "responseTemplates": {
                    "application/json": '{"error": "$input.path(\'$.errorMessage\')"}'
                },
            },
        },
        method_responses={"200": {}, "400": {}},
    )
    rest.deploy()
    return rest


def test_lambda_custom_request_template_builds_the_event(calculator: Rest) -> None:
    got = requests.get(calculator.url("/calc"), params={"a": "2", "b": "3", "op": "add"})
    assert (got.status_code, got.json()) == (200, {"answer": 5})


def test_lambda_error_matching_a_pattern_maps_to_its_status(calculator: Rest) -> None:
    got = requests.get(calculator.url("/calc"), params={"a": "1", "b": "0", "op": "div"})
    assert (got.status_code, got.json()) == (400, {"error": "BadRequest: division by zero"})


def test_lambda_error_matching_no_pattern_comes_back_as_200(calculator: Rest, fresh_lab: Any) -> None:
    got = requests.get(calculator.url("/calc"), params={"a": "1", "b": "2", "op": "boom"})
    # the default integration response (200) applies, with its template over the error payload
    assert got.status_code == 200
    assert got.json() == {"answer": None}
    assert "function error" in last_trace(fresh_lab)


def test_passthrough_when_no_templates_refuses_unmapped_content_type(calculator: Rest) -> None:
    got = requests.get(
        calculator.url("/calc"), params={"a": "1", "b": "2"}, headers={"Content-Type": "text/plain"}
    )
    assert got.status_code == 415
    assert got.content == b'{"message":"Unsupported Media Type"}'


@pytest.mark.parametrize(
    ("behaviour", "templates", "content_type", "status"),
    [
        ("WHEN_NO_MATCH", {"application/json": "{}"}, "text/plain", 200),
        ("WHEN_NO_TEMPLATES", {}, "text/plain", 200),
        ("WHEN_NO_TEMPLATES", {"application/json": "{}"}, "text/plain", 415),
        ("NEVER", {}, "application/json", 415),
        ("NEVER", {"application/json": "{}"}, "application/json", 200),
        ("NEVER", {"application/json": "{}"}, None, 200),  # no Content-Type: JSON
    ],
)
def test_passthrough_behaviours(
    rest: Rest, behaviour: str, templates: dict[str, str], content_type: str | None, status: int
) -> None:
    rest.method(
        "/p",
        "POST",
        integration={
            "type": "MOCK",
            "passthroughBehavior": behaviour,
            "requestTemplates": templates,
        },
        responses={"200": {}},
    )
    rest.deploy()
    headers = {"Content-Type": content_type} if content_type else {}
    # a passed-through body reaches the MOCK as it is, so it carries the statusCode itself
    got = requests.post(rest.url("/p"), data=b'{"statusCode": 200}', headers=headers)
    assert got.status_code == status


def test_asynchronous_invocation_answers_at_once(rest: Rest, kit: Any, fresh_lab: Any) -> None:
    fn = kit.function(
        "import time\n\nDONE = []\n\n\ndef handler(event, context):\n"
        "    time.sleep(0.2)\n    DONE.append(event)\n    print('processed', event)\n"
        "    return {'ok': True}\n"
    )
    kit.permit(fn, rest.api_id)
    rest.method(
        "/jobs",
        "POST",
        integration={
            "type": "AWS",
            "integrationHttpMethod": "POST",
            "uri": rest.lambda_uri(fn),
            "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
        },
        responses={
            "200": {"responseTemplates": {"application/json": '{"accepted": true}'}}
        },
    )
    rest.deploy()
    got = requests.post(rest.url("/jobs"), json={"job": 1})
    assert (got.status_code, got.json()) == (200, {"accepted": True})
    assert "asynchronously" in last_trace(fresh_lab)
    fresh_lab.runtime.wait_for_async_invocations(timeout=5)
    events = kit.logs.filter_log_events(logGroupName=f"/aws/lambda/{fn.split(':')[-1]}")
    assert any("processed {'job': 1}" in e["message"] for e in events["events"])


def test_invocation_type_mapped_from_a_method_header(rest: Rest, kit: Any) -> None:
    fn = kit.function("def handler(event, context):\n    return {'sync': True}\n")
    kit.permit(fn, rest.api_id)
    rest.method(
        "/jobs",
        "POST",
        integration={
            "type": "AWS",
            "integrationHttpMethod": "POST",
            "uri": rest.lambda_uri(fn),
            "requestParameters": {
                "integration.request.header.X-Amz-Invocation-Type": "method.request.header.InvocationType"
            },
        },
        responses={"200": {}},
        requestParameters={"method.request.header.InvocationType": False},
    )
    rest.deploy()
    sync = requests.post(rest.url("/jobs"), json={}, headers={"InvocationType": "RequestResponse"})
    assert sync.json() == {"sync": True}
    later = requests.post(rest.url("/jobs"), json={}, headers={"InvocationType": "Event"})
    assert (later.status_code, later.content) == (200, b"")


def test_response_parameters_from_body_and_static(rest: Rest, kit: Any) -> None:
    fn = kit.function("def handler(event, context):\n    return {'id': 'p-1', 'v': 2}\n")
    kit.permit(fn, rest.api_id)
    rest.method(
        "/things",
        "POST",
        integration={"type": "AWS", "integrationHttpMethod": "POST", "uri": rest.lambda_uri(fn)},
        responses={
            "201": {
                "responseParameters": {
                    "method.response.header.Location": "integration.response.body.id",
                    "method.response.header.X-Version": "'v1'",
                },
            }
        },
        method_responses={
            "201": {
                "method.response.header.Location": False,
                "method.response.header.X-Version": False,
            }
        },
    )
    rest.deploy()
    got = requests.post(rest.url("/things"), json={})
    assert got.status_code == 201
    assert got.headers["Location"] == "p-1"
    assert got.headers["X-Version"] == "v1"
    assert got.json() == {"id": "p-1", "v": 2}  # passthrough: no response template


# ====================================================================================== HTTP


@pytest.fixture
def backend() -> Any:
    from helpers.backend import start_backend

    server = start_backend()
    yield server
    server.stop()


def test_http_proxy_forwards_method_path_query_headers_body(rest: Rest, backend: Any) -> None:
    rest.method(
        "/api/{proxy+}",
        "ANY",
        integration={
            "type": "HTTP_PROXY",
            "integrationHttpMethod": "ANY",
            "uri": f"{backend.url}/echo/{{proxy}}",
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
        },
        requestParameters={"method.request.path.proxy": True},
    )
    rest.deploy()
    got = requests.put(
        rest.url("/api/a/b"), params={"x": "1"}, headers={"X-Custom": "yes"}, data=b"payload"
    )
    assert got.status_code == 200
    seen = backend.requests[-1]
    assert seen.method == "PUT"
    assert seen.path == "/echo/a/b"
    assert seen.query == {"x": ["1"]}
    assert seen.header("X-Custom") == "yes"
    assert seen.body == b"payload"


def test_http_proxy_passes_backend_status_through(rest: Rest, backend: Any) -> None:
    rest.method(
        "/s/{code}",
        "GET",
        integration={
            "type": "HTTP_PROXY",
            "integrationHttpMethod": "GET",
            "uri": f"{backend.url}/status/{{code}}",
            "requestParameters": {"integration.request.path.code": "method.request.path.code"},
        },
        requestParameters={"method.request.path.code": True},
    )
    rest.deploy()
    assert requests.get(rest.url("/s/418")).status_code == 418
    assert requests.get(rest.url("/s/503")).status_code == 503


def test_http_backend_refusing_or_hanging_gives_5xx(rest: Rest, backend: Any) -> None:
    from helpers.backend import unused_url

    rest.method(
        "/down",
        "GET",
        integration={"type": "HTTP_PROXY", "integrationHttpMethod": "GET", "uri": unused_url()},
    )
    rest.method(
        "/slow",
        "GET",
        integration={
            "type": "HTTP_PROXY",
            "integrationHttpMethod": "GET",
            "uri": f"{backend.url}/slow/2000",
            "timeoutInMillis": 100,
        },
    )
    rest.deploy()
    down = requests.get(rest.url("/down"))
    assert down.status_code == 504
    assert down.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    slow = requests.get(rest.url("/slow"))
    assert (slow.status_code, slow.json()) == (504, {"message": "Endpoint request timed out"})
    # and the gateway keeps serving
    assert requests.get(rest.url("/down")).status_code == 504


def test_http_custom_integration_maps_request_and_response(rest: Rest, backend: Any) -> None:
    rest.method(
        "/pets",
        "POST",
        integration={
            "type": "HTTP",
            "integrationHttpMethod": "POST",
            "uri": f"{backend.url}/pets",
            "requestTemplates": {
                "application/json": '{"name": "$input.path(\'$.petName\')", "kind": "dog"}'
            },
        },
        responses={
            "200": {
                "selectionPattern": "2\\d{2}",
                "responseTemplates": {
                    "application/json": '#set($p = $input.path(\'$\'))'
                    '{"created": "$p.name", "id": $p.id}'
                },
            },
            "400": {"selectionPattern": "4\\d{2}"},
        },
        method_responses={"200": {}, "400": {}},
    )
    rest.deploy()
    got = requests.post(rest.url("/pets"), json={"petName": "Rex"})
    assert got.status_code == 200
    assert got.json()["created"] == "Rex"
    seen = backend.requests[-1]
    assert json.loads(seen.body) == {"name": "Rex", "kind": "dog"}
