"""REST API + Lambda proxy, end to end: boto3 builds it, ``requests`` calls the stage's real
invoke URL (answered in-process by the emulator). Facts from reference §4.2, §6, §8."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
INTERNAL_ERROR = b'{"message": "Internal server error"}'


def answer_source(response: Any) -> str:
    """A handler that returns ``response`` as it is."""
    return f"import json\n\nANSWER = json.loads({json.dumps(json.dumps(response))})\n\n\ndef handler(event, context):\n    return ANSWER\n"


# ====================================================================================== routing

ROUTES = (
    ("GET", "/hello"),
    ("GET", "/pets/mine"),
    ("GET", "/pets/{id}"),
    ("GET", "/pets/{id}/toys/{toy}"),
    ("ANY", "/files/{proxy+}"),
    ("ANY", "/any"),
    ("DELETE", "/any"),
    ("GET", "/"),
)


@pytest.fixture
def routed(kit: Any, functions_dir: Any) -> Any:
    return kit.proxy_api(functions_dir / "echo.py", ROUTES)


@pytest.mark.parametrize(
    ("method", "path", "resource", "params"),
    [
        ("GET", "/", "/", None),
        ("GET", "/hello", "/hello", None),
        ("GET", "/pets/mine", "/pets/mine", None),  # literal before {param}
        ("GET", "/pets/7", "/pets/{id}", {"id": "7"}),
        ("GET", "/pets/7/toys/ball", "/pets/{id}/toys/{toy}", {"id": "7", "toy": "ball"}),
        ("GET", "/files/a", "/files/{proxy+}", {"proxy": "a"}),
        ("PUT", "/files/a/b/c", "/files/{proxy+}", {"proxy": "a/b/c"}),  # {proxy+} last
        ("GET", "/any", "/any", None),  # ANY
        ("PATCH", "/any", "/any", None),
        ("DELETE", "/any", "/any", None),  # the method itself beats ANY
    ],
)
def test_routing(
    routed: Any, method: str, path: str, resource: str, params: dict[str, str] | None
) -> None:
    r = requests.request(method, routed.url(path))
    assert r.status_code == 200
    event = r.json()
    assert event["resource"] == resource
    assert event["path"] == path
    assert event["httpMethod"] == method
    assert event["pathParameters"] == params


def test_any_and_a_defined_method_are_told_apart_in_the_trace(routed: Any, lab: Any) -> None:
    requests.delete(routed.url("/any"))
    assert lab.last_trace().entries[-1].decision.startswith("Lambda answered")
    route_entry = next(e for e in lab.last_trace().entries if e.step == "route")
    assert route_entry.decision == "DELETE /any"
    requests.post(routed.url("/any"))
    route_entry = next(e for e in lab.last_trace().entries if e.step == "route")
    assert route_entry.decision == "ANY /any"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),  # unknown path
        ("POST", "/hello"),  # unknown method on an existing resource
        ("DELETE", "/pets/7"),
        ("GET", "/pets"),  # a resource with no method of its own
        ("GET", "/files"),  # {proxy+} needs at least one segment
        ("GET", "/pets/7/toys"),
    ],
)
def test_no_route_is_403_missing_authentication_token(routed: Any, method: str, path: str) -> None:
    r = requests.request(method, routed.url(path))
    assert r.status_code == 403
    assert r.content == MISSING_TOKEN
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert r.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("stage_path", ["/dev/hello", "/Prod/hello", "/", ""])
def test_unknown_stage_is_403_missing_authentication_token(routed: Any, stage_path: str) -> None:
    url = f"https://{routed.api_id}.execute-api.us-east-1.amazonaws.com{stage_path}"
    r = requests.get(url)
    assert r.status_code == 403
    assert r.content == MISSING_TOKEN
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_unknown_api_id_does_not_resolve(routed: Any) -> None:
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get("https://nosuchapi0.execute-api.us-east-1.amazonaws.com/prod/hello")


def test_api_in_another_region_does_not_resolve(routed: Any) -> None:
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"https://{routed.api_id}.execute-api.eu-west-1.amazonaws.com/prod/hello")


def test_trailing_slash_keeps_the_path_and_matches_the_resource(routed: Any) -> None:
    r = requests.get(routed.url("/pets/7/"))
    assert r.status_code == 200
    event = r.json()
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/7/"
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["path"] == "/prod/pets/7/"


# ====================================================================================== responses


def call_with_answer(kit: Any, response: Any, **kwargs: Any) -> requests.Response:
    api = kit.proxy_api(answer_source(response), **kwargs)
    return requests.get(api.url("/hello"))


def test_full_proxy_response(kit: Any) -> None:
    r = call_with_answer(
        kit,
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Single": "one"},
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "body": "created ✓",
            "isBase64Encoded": False,
        },
    )
    assert r.status_code == 201
    assert r.content == "created ✓".encode()
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.headers["X-Single"] == "one"
    assert r.raw.headers.getlist("X-Multi") == ["a", "b"]
    assert r.headers["Content-Length"] == str(len("created ✓".encode()))


def test_multi_value_headers_win_over_headers(kit: Any) -> None:
    r = call_with_answer(
        kit,
        {
            "statusCode": 200,
            "headers": {"X-Both": "from-headers", "X-Only-Single": "s"},
            "multiValueHeaders": {"X-Both": ["m1", "m2"]},
            "body": "",
        },
    )
    assert r.raw.headers.getlist("X-Both") == ["m1", "m2"]
    assert r.headers["X-Only-Single"] == "s"


@pytest.mark.parametrize(
    ("response", "status", "body"),
    [
        ({"body": "no status"}, 200, b"no status"),  # missing statusCode → 200
        ({"statusCode": 204}, 204, b""),
        ({}, 200, b""),
        ({"statusCode": 418, "body": '{"tea": true}'}, 418, b'{"tea": true}'),
        ({"statusCode": 500, "body": "mine"}, 500, b"mine"),  # the function's own 500
    ],
)
def test_optional_fields(kit: Any, response: Any, status: int, body: bytes) -> None:
    r = call_with_answer(kit, response)
    assert r.status_code == status
    assert r.content == body
    assert r.headers["Content-Type"] == "application/json"  # the default
    assert "x-amzn-ErrorType" not in r.headers


def test_base64_body_is_decoded_with_binary_media_types(kit: Any) -> None:
    raw = bytes(range(256))
    r = call_with_answer(
        kit,
        {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(raw).decode(),
            "isBase64Encoded": True,
        },
        binary=["*/*"],
    )
    assert r.status_code == 200
    assert r.content == raw


def test_set_cookie_headers_reach_the_cookie_jar(kit: Any) -> None:
    r = call_with_answer(
        kit,
        {
            "statusCode": 200,
            "multiValueHeaders": {
                "Set-Cookie": ["session=abc; Path=/; Secure; HttpOnly", "theme=dark; Path=/"]
            },
            "body": "",
        },
    )
    assert r.raw.headers.getlist("Set-Cookie") == [
        "session=abc; Path=/; Secure; HttpOnly",
        "theme=dark; Path=/",
    ]
    assert r.cookies.get("session") == "abc"
    assert r.cookies.get("theme") == "dark"


def test_a_session_sends_the_cookies_back(kit: Any, functions_dir: Any) -> None:
    setter = kit.proxy_api(
        answer_source({"multiValueHeaders": {"Set-Cookie": ["b=2; Path=/", "a=1; Path=/"]}})
    )
    echo = kit.proxy_api(functions_dir / "echo.py")
    with requests.Session() as s:
        s.get(setter.url("/hello"))
        assert s.cookies.get("a") == "1"
        # the cookies belong to the setter's host name, so only the setter gets them back
        event = s.get(echo.url("/hello")).json()
        assert "Cookie" not in event["headers"]
        kit.method(setter.api_id, "/echo", "GET", echo.fn_arn)
        kit.permit(echo.fn_arn, setter.api_id)
        kit.deploy(setter.api_id)
        event = s.get(setter.url("/echo")).json()
        assert event["headers"]["Cookie"] == "a=1; b=2"  # sorted by name (edge)


@pytest.mark.parametrize(
    "response",
    [
        pytest.param("just a string", id="not-an-object"),
        pytest.param([{"statusCode": 200}], id="a-list"),
        pytest.param(None, id="null"),
        pytest.param({"statusCode": 200, "body": "x", "extra": 1}, id="extra-key"),
        pytest.param({"statusCode": 200, "body": {"a": 1}}, id="body-not-a-string"),
        pytest.param({"statusCode": "abc", "body": "x"}, id="bad-statusCode"),
        pytest.param({"statusCode": 200, "multiValueHeaders": {"X": "a"}}, id="multi-not-a-list"),
    ],
)
def test_malformed_response_is_502(kit: Any, response: Any) -> None:
    r = call_with_answer(kit, response)
    assert r.status_code == 502
    assert r.content == INTERNAL_ERROR
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert r.headers["Content-Type"] == "application/json"


def test_function_exception_is_502(kit: Any, lab: Any) -> None:
    api = kit.proxy_api("def handler(event, context):\n    raise ValueError('boom')\n")
    r = requests.get(api.url("/hello"))
    assert r.status_code == 502
    assert r.content == INTERNAL_ERROR
    reason = lab.last_trace().entries[-1].details["reason"]
    assert "customer function error" in reason and "boom" in reason


def test_unserialisable_result_is_502(kit: Any) -> None:
    api = kit.proxy_api("def handler(event, context):\n    return {'body': object()}\n")
    r = requests.get(api.url("/hello"))
    assert r.status_code == 502
    assert r.content == INTERNAL_ERROR


def test_missing_lambda_permission_is_500(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py", permit=False)
    r = requests.get(api.url("/hello"))
    assert r.status_code == 500
    assert r.content == INTERNAL_ERROR
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    kit.permit(api.fn_arn, api.api_id)  # permissions are not frozen: no redeploy needed
    assert requests.get(api.url("/hello")).status_code == 200


def test_function_timeout_is_502(kit: Any) -> None:
    api = kit.proxy_api(
        "import time\n\ndef handler(event, context):\n    time.sleep(5)\n    return {}\n",
        timeout=1,
    )
    r = requests.get(api.url("/hello"))
    assert r.status_code == 502
    assert r.content == INTERNAL_ERROR
    assert r.elapsed.total_seconds() < 3


def test_integration_timeout_is_504(kit: Any, lab: Any) -> None:
    api = kit.proxy_api(
        "import time\n\ndef handler(event, context):\n    time.sleep(5)\n    return {}\n",
        timeout=6,
        timeout_ms=500,
    )
    r = requests.get(api.url("/hello"))
    assert r.status_code == 504
    assert r.content == b'{"message": "Endpoint request timed out"}'
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    # cut at 0.5 s, not after the function's 5 s (a wide margin for a loaded machine)
    assert 0.45 < r.elapsed.total_seconds() < 4
    assert lab.last_trace().entries[-1].decision == "INTEGRATION_TIMEOUT"


def test_body_over_10_mb_is_413(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py", (("POST", "/hello"),))
    r = requests.post(api.url("/hello"), data=b"x" * (10 * 1024 * 1024 + 1))
    assert r.status_code == 413
    assert r.headers["Content-Type"] == "application/json"
    assert "message" in r.json()


def test_every_response_has_a_request_id(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    seen = set()
    for path in ("/hello", "/nowhere", "/hello"):
        r = requests.get(api.url(path))
        rid = r.headers["x-amzn-RequestId"]
        assert len(rid) == 36
        seen.add(rid)
    r = requests.get(api.url("/hello", stage="nostage"))
    seen.add(r.headers["x-amzn-RequestId"])
    assert len(seen) == 4


def test_the_event_carries_the_request_id_of_its_response(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    r = requests.get(api.url("/hello"))
    assert r.json()["requestContext"]["requestId"] == r.headers["x-amzn-RequestId"]
    assert r.json()["requestContext"]["extendedRequestId"] == r.headers["x-amz-apigw-id"]


# ====================================================================================== deployments


def test_changes_are_not_live_until_redeployed(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    kit.method(api.api_id, "/later", "GET", api.fn_arn)
    r = requests.get(api.url("/later"))
    assert r.status_code == 403
    assert r.content == MISSING_TOKEN
    kit.deploy(api.api_id)
    r = requests.get(api.url("/later"))
    assert r.status_code == 200
    assert r.json()["resource"] == "/later"


def test_deleted_method_keeps_answering_until_redeployed(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    kit.apigw.delete_method(
        restApiId=api.api_id, resourceId=api.resources["/hello"], httpMethod="GET"
    )
    kit.method(api.api_id, "/other", "GET", api.fn_arn)
    assert requests.get(api.url("/hello")).status_code == 200
    kit.deploy(api.api_id)
    assert requests.get(api.url("/hello")).status_code == 403


def test_each_stage_serves_its_own_deployment(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    kit.method(api.api_id, "/v2", "GET", api.fn_arn)
    kit.deploy(api.api_id, "beta")
    assert requests.get(api.url("/v2", stage="beta")).status_code == 200
    assert requests.get(api.url("/v2", stage="prod")).status_code == 403
    assert requests.get(api.url("/hello", stage="beta")).json()["requestContext"]["stage"] == "beta"


def test_redeploying_keeps_stage_variables_and_method_settings(
    kit: Any, functions_dir: Any
) -> None:
    api = kit.proxy_api(functions_dir / "echo.py", variables={"color": "blue"})
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"}],
    )
    before = kit.apigw.get_stage(restApiId=api.api_id, stageName="prod")
    kit.method(api.api_id, "/later", "GET", api.fn_arn)
    kit.deploy(api.api_id)
    after = kit.apigw.get_stage(restApiId=api.api_id, stageName="prod")
    assert after["deploymentId"] != before["deploymentId"]
    assert after["variables"] == {"color": "blue"}
    assert after["methodSettings"]["*/*"]["metricsEnabled"] is True
    event = requests.get(api.url("/later")).json()
    assert event["stageVariables"] == {"color": "blue"}


def test_stage_variable_changes_are_live_without_redeploy(kit: Any, functions_dir: Any) -> None:
    api = kit.proxy_api(functions_dir / "echo.py", variables={"color": "blue"})
    assert requests.get(api.url("/hello")).json()["stageVariables"] == {"color": "blue"}
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/variables/color", "value": "red"},
            {"op": "replace", "path": "/variables/size", "value": "xl"},
        ],
    )
    assert requests.get(api.url("/hello")).json()["stageVariables"] == {
        "color": "red",
        "size": "xl",
    }
    kit.apigw.update_stage(
        restApiId=api.api_id,
        stageName="prod",
        patchOperations=[
            {"op": "remove", "path": "/variables/color"},
            {"op": "remove", "path": "/variables/size"},
        ],
    )
    assert requests.get(api.url("/hello")).json()["stageVariables"] is None


def test_stage_variable_picks_the_function(kit: Any, functions_dir: Any) -> None:
    """``${stageVariables.fn}`` in the integration URI, resolved per request."""
    blue = kit.function(answer_source({"body": "blue"}), name="fn-blue")
    green = kit.function(answer_source({"body": "green"}), name="fn-green")
    api_id = kit.rest_api()
    rid = kit.resource(api_id, "/color")
    kit.apigw.put_method(
        restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="NONE"
    )
    kit.apigw.put_integration(
        restApiId=api_id,
        resourceId=rid,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations",
    )
    kit.permit(blue, api_id)
    kit.permit(green, api_id)
    kit.deploy(api_id, "prod", {"fn": "fn-blue"})
    url = kit.url(api_id, "prod", "/color")
    assert requests.get(url).content == b"blue"
    kit.apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/fn", "value": "fn-green"}],
    )
    assert requests.get(url).content == b"green"
