"""HTTP APIs (apigatewayv2) with Lambda proxy integrations, end to end: boto3 builds them,
``requests`` calls the invoke URL (answered in-process). Facts from reference §4.3, §4.4,
§10, §11 and the sample events in /work/shared/reference/events/."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

NOT_FOUND = b'{"message":"Not Found"}'
INTERNAL = b'{"message":"Internal Server Error"}'
UNAVAILABLE = b'{"message":"Service Unavailable"}'
EVENTS = Path("/work/shared/reference/events")

USERS_POSTS = (
    "GET /users",
    "POST /users",
    "GET /users/{id}",
    "PATCH /users/{id}",
    "DELETE /users/{id}",
    "GET /posts",
    "POST /posts",
    "GET /posts/{id}",
    "PATCH /posts/{id}",
    "DELETE /posts/{id}",
)


def answer_source(response: Any) -> str:
    """A handler that returns ``response`` as it is."""
    return (
        "import json\n\nANSWER = json.loads("
        f"{json.dumps(json.dumps(response))})\n\n\ndef handler(event, context):\n    return ANSWER\n"
    )


def send(lab: Any, api_id: str, path: str, method: str = "GET", **kwargs: Any) -> Any:
    """Straight to the data plane, for what ``requests`` cannot send (repeated headers)."""
    from helpers.gateway import HttpRequest

    return lab.gateway.handle(
        HttpRequest(
            method=method,
            host=f"{api_id}.execute-api.us-east-1.amazonaws.com",
            path=path,
            source_ip="203.0.113.7",
            **kwargs,
        )
    )


@pytest.fixture
def echo(http_kit: Any, functions_dir: Path) -> Any:
    return http_kit.lambda_api(functions_dir / "echo.py", USERS_POSTS)


# ====================================================================================== routing


USERS_POSTS_REQUESTS = (
    ("GET", "/users", "GET /users", None),
    ("POST", "/users", "POST /users", None),
    ("GET", "/users/u-1", "GET /users/{id}", {"id": "u-1"}),
    ("PATCH", "/users/u-1", "PATCH /users/{id}", {"id": "u-1"}),
    ("DELETE", "/users/u-1", "DELETE /users/{id}", {"id": "u-1"}),
    ("GET", "/posts", "GET /posts", None),
    ("POST", "/posts", "POST /posts", None),
    ("GET", "/posts/p%201", "GET /posts/{id}", {"id": "p 1"}),  # decoded
    ("PATCH", "/posts/p-1", "PATCH /posts/{id}", {"id": "p-1"}),
    ("DELETE", "/posts/p-1", "DELETE /posts/{id}", {"id": "p-1"}),
)


def test_users_and_posts_routes_on_one_function(echo: Any) -> None:
    for method, path, route_key, params in USERS_POSTS_REQUESTS:
        r = requests.request(method, echo.url(path))
        assert r.status_code == 200, (method, path)
        event = r.json()
        assert event["routeKey"] == route_key, (method, path)
        assert event["requestContext"]["routeKey"] == route_key
        assert event.get("pathParameters") == params, (method, path)


def test_no_route_is_404_not_found(echo: Any) -> None:
    for method, path in (("PUT", "/users"), ("GET", "/comments"), ("GET", "/"), ("GET", "/users/1/x")):
        r = requests.request(method, echo.url(path))
        assert r.status_code == 404, (method, path)
        assert r.content == NOT_FOUND
        assert r.headers["Content-Type"] == "application/json"
        assert r.headers["Content-Length"] == str(len(NOT_FOUND))
        assert len(r.headers["apigw-requestid"]) == 16
        # HTTP APIs send neither REST's request-id headers nor an error type
        for absent in ("x-amzn-RequestId", "x-amz-apigw-id", "x-amzn-ErrorType"):
            assert absent not in r.headers


def test_default_route_catches_the_rest(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /users", "$default"))
    event = requests.post(api.url("/anything/at/all?x=1")).json()
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/anything/at/all"
    assert "pathParameters" not in event
    assert requests.get(api.url("/users")).json()["routeKey"] == "GET /users"


def test_default_stage_is_served_at_the_root(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",))
    event = requests.get(api.url("/hello")).json()
    assert event["rawPath"] == "/hello"
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["http"]["path"] == "/hello"
    # a first segment that names no stage is part of the path on the $default stage
    assert requests.get(api.url("/dev/hello")).status_code == 404


def test_a_named_stage_is_the_first_path_segment(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",))
    http_kit.stage(api.api_id, "dev", AutoDeploy=True, StageVariables={"color": "blue"})
    event = requests.get(http_kit.url(api.api_id, "dev", "/hello")).json()
    assert event["requestContext"]["stage"] == "dev"
    assert event["rawPath"] == "/dev/hello"  # the stage stays in the raw path
    assert event["requestContext"]["http"]["path"] == "/dev/hello"
    assert event["stageVariables"] == {"color": "blue"}
    assert requests.get(api.url("/hello")).json()["requestContext"]["stage"] == "$default"


def test_without_a_default_stage_an_unknown_stage_is_404(
    http_kit: Any, functions_dir: Path
) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",), stage="prod")
    assert requests.get(api.url("/hello")).status_code == 200
    r = requests.get(http_kit.url(api.api_id, "$default", "/hello"))
    assert (r.status_code, r.content) == (404, NOT_FOUND)
    r = requests.get(http_kit.url(api.api_id, "beta", "/hello"))
    assert (r.status_code, r.content) == (404, NOT_FOUND)


def test_unknown_api_does_not_resolve(lab: Any) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get("https://nosuchapi.execute-api.us-east-1.amazonaws.com/hello")


# ====================================================================================== deployments


def test_changes_are_not_live_until_deployed(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",), auto_deploy=False)
    v2 = http_kit.v2
    first = v2.get_stage(ApiId=api.api_id, StageName="$default")["DeploymentId"]
    http_kit.route(api.api_id, "GET /later", api.integration_id)
    assert requests.get(api.url("/later")).content == NOT_FOUND
    dep = v2.create_deployment(ApiId=api.api_id, StageName="$default", Description="v2")
    assert dep["DeploymentStatus"] == "DEPLOYED" and dep["AutoDeployed"] is False
    assert requests.get(api.url("/later")).json()["routeKey"] == "GET /later"
    stage = v2.get_stage(ApiId=api.api_id, StageName="$default")
    assert stage["DeploymentId"] == dep["DeploymentId"]
    # pointing the stage back at the first deployment rolls the change back
    v2.update_stage(ApiId=api.api_id, StageName="$default", DeploymentId=first)
    assert requests.get(api.url("/later")).status_code == 404
    assert {d["DeploymentId"] for d in v2.get_deployments(ApiId=api.api_id)["Items"]} == {
        first,
        dep["DeploymentId"],
    }


def test_a_deployment_without_a_stage_changes_nothing(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",), auto_deploy=False)
    http_kit.route(api.api_id, "GET /later", api.integration_id)
    dep = http_kit.deploy(api.api_id)  # no StageName
    assert requests.get(api.url("/later")).status_code == 404
    http_kit.v2.update_stage(ApiId=api.api_id, StageName="$default", DeploymentId=dep)
    assert requests.get(api.url("/later")).status_code == 200


def test_auto_deploy_makes_every_change_live(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",))
    v2 = http_kit.v2
    before = v2.get_stage(ApiId=api.api_id, StageName="$default")
    route = http_kit.route(api.api_id, "GET /later", api.integration_id)
    assert requests.get(api.url("/later")).status_code == 200
    after = v2.get_stage(ApiId=api.api_id, StageName="$default")
    assert after["DeploymentId"] != before["DeploymentId"]
    assert after["LastDeploymentStatusMessage"] == (
        f"Successfully deployed stage with deployment ID '{after['DeploymentId']}'"
    )
    deployment = v2.get_deployment(ApiId=api.api_id, DeploymentId=after["DeploymentId"])
    assert deployment["AutoDeployed"] is True
    v2.delete_route(ApiId=api.api_id, RouteId=route)
    assert requests.get(api.url("/later")).status_code == 404


def test_a_stage_without_a_deployment_is_404(http_kit: Any, functions_dir: Path) -> None:
    fn = http_kit.function(functions_dir / "echo.py")
    api_id = http_kit.api()
    http_kit.route(api_id, "GET /hello", http_kit.lambda_integration(api_id, fn))
    http_kit.permit(fn, api_id)
    http_kit.stage(api_id, "$default")  # AutoDeploy off, no DeploymentId
    assert requests.get(http_kit.url(api_id, "$default", "/hello")).content == NOT_FOUND
    http_kit.deploy(api_id, "$default")
    assert requests.get(http_kit.url(api_id, "$default", "/hello")).status_code == 200


def test_deploying_an_api_without_routes_is_refused(http_kit: Any) -> None:
    api_id = http_kit.api()
    with pytest.raises(http_kit.v2.exceptions.BadRequestException):
        http_kit.deploy(api_id)


def test_quick_create_with_a_lambda_target(http_kit: Any, functions_dir: Path) -> None:
    fn = http_kit.function(functions_dir / "echo.py")
    api_id = http_kit.v2.create_api(Name="quick", ProtocolType="HTTP", Target=fn)["ApiId"]
    stage = http_kit.v2.get_stages(ApiId=api_id)["Items"][0]
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    integration = http_kit.v2.get_integrations(ApiId=api_id)["Items"][0]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    url = http_kit.url(api_id, "$default", "/any/path")
    assert requests.get(url).content == INTERNAL  # quick create adds no Lambda permission
    http_kit.permit(fn, api_id)
    event = requests.get(url).json()
    assert event["routeKey"] == "$default"


def test_creating_the_default_stage_again_after_quick_create_is_a_conflict(
    http_kit: Any, functions_dir: Path
) -> None:
    """The source documents' recipe: quick create (which makes an auto-deploying $default
    stage), then ``create-stage --stage-name '$default' --auto-deploy``: AWS refuses the
    second stage with 409 ConflictException, and the first one stays as it was."""
    fn = http_kit.function(functions_dir / "echo.py")
    api_id = http_kit.v2.create_api(Name="SimpleAPI", ProtocolType="HTTP", Target=fn)["ApiId"]
    with pytest.raises(http_kit.v2.exceptions.ClientError) as refused:
        http_kit.v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error["Error"] == {"Code": "ConflictException", "Message": "Stage already exists"}
    stages = http_kit.v2.get_stages(ApiId=api_id)["Items"]
    assert [(s["StageName"], s.get("ApiGatewayManaged")) for s in stages] == [("$default", True)]
    # a named stage is still fine, and so is the same name on another API
    http_kit.v2.create_stage(ApiId=api_id, StageName="dev")
    with pytest.raises(http_kit.v2.exceptions.ClientError, match="ConflictException"):
        http_kit.v2.create_stage(ApiId=api_id, StageName="dev")


# ====================================================================================== events


def assert_same_shape(actual: Any, sample: Any, where: str, free: set[str], skip: set[str]) -> None:
    """Same keys (except under ``free`` maps, whose keys are the request's) and value types."""
    if isinstance(sample, dict):
        assert isinstance(actual, dict), f"{where} is {actual!r}"
        if where in free:
            for key, value in actual.items():
                assert isinstance(value, type(next(iter(sample.values())))), f"{where}.{key}"
            return
        wanted = {k for k in sample if f"{where}.{k}" not in skip}
        assert set(actual) == wanted, f"{where}: {sorted(set(actual) ^ wanted)}"
        for key in wanted:
            assert_same_shape(actual[key], sample[key], f"{where}.{key}", free, skip)
    elif sample is None:
        assert actual is None, f"{where} is {actual!r}, the sample has null"
    elif isinstance(sample, bool):
        assert isinstance(actual, bool), where
    elif isinstance(sample, int):
        assert isinstance(actual, int) and not isinstance(actual, bool), where
    else:
        assert isinstance(actual, type(sample)), f"{where}: {type(actual)} vs {type(sample)}"


def test_payload_2_event_has_the_sample_shape(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(
        functions_dir / "echo.py", ("POST /my/{parameter1}",), variables={"stageVariable1": "v"}
    )
    r = requests.post(
        api.url("/my/path?parameter1=value1&parameter1=value2&parameter2=value"),
        data=b'{"message": "hello world", "username": "tom"}',
        headers={"Content-Type": "application/json", "Cookie": "cookie1; cookie2"},
    )
    event = r.json()
    sample = json.loads((EVENTS / "apiGatewayProxyV2Event.json").read_text())
    assert_same_shape(
        event,
        sample,
        "event",
        free={"event.headers", "event.queryStringParameters", "event.pathParameters",
              "event.stageVariables"},
        # mutual TLS and a JWT authorizer made those; this API has neither
        skip={"event.requestContext.authentication", "event.requestContext.authorizer"},
    )
    assert list(event) == [k for k in sample if k in event]  # the sample's key order
    assert event["version"] == "2.0"
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event["cookies"] == ["cookie1", "cookie2"]
    assert "cookie" not in event["headers"]
    assert event["body"] == '{"message": "hello world", "username": "tom"}'
    assert event["isBase64Encoded"] is False
    assert event["pathParameters"] == {"parameter1": "path"}
    ctx = event["requestContext"]
    assert ctx["requestId"] == r.headers["apigw-requestid"]
    assert ctx["domainName"] == f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    assert ctx["domainPrefix"] == ctx["apiId"] == api.api_id
    assert ctx["http"]["method"] == "POST"
    assert ctx["http"]["userAgent"] == r.request.headers["User-Agent"]


def test_payload_2_headers_are_lower_case_and_repeats_comma_joined(
    http_kit: Any, functions_dir: Path, lab: Any
) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",))
    resp = send(
        lab,
        api.api_id,
        "/hello",
        headers=[
            ("X-Custom", "one"),
            ("x-custom", "two"),
            ("User-Agent", "agent/1"),
            ("Cookie", "a=1; b=2"),
            ("Cookie", "c=3"),
        ],
    )
    event = json.loads(resp.body)
    headers = event["headers"]
    assert headers["x-custom"] == "one,two"
    assert headers["user-agent"] == "agent/1"
    assert all(name == name.lower() for name in headers)
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert headers["x-forwarded-for"] == "203.0.113.7"
    assert headers["x-forwarded-proto"] == "https"
    assert headers["host"] == f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    assert event["requestContext"]["http"]["sourceIp"] == "203.0.113.7"


def test_payload_2_leaves_out_what_the_request_does_not_have(
    http_kit: Any, functions_dir: Path
) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",))
    event = requests.get(api.url("/hello")).json()
    for absent in ("cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"):
        assert absent not in event
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False


BASE64_BY_CONTENT_TYPE = (
    ("text/plain", False),
    ("text/html; charset=utf-8", False),
    ("application/json", False),
    ("application/xml", False),
    ("application/javascript", False),
    ("application/octet-stream", True),
    ("application/x-www-form-urlencoded", True),
    ("image/png", True),
    (None, True),
)


def test_payload_2_base64_encodes_non_text_bodies(
    http_kit: Any, functions_dir: Path, lab: Any
) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("POST /upload",))
    body = b"a=1&b=caf\xc3\xa9"
    for content_type, encoded in BASE64_BY_CONTENT_TYPE:
        headers = [("Content-Type", content_type)] if content_type else []
        resp = send(lab, api.api_id, "/upload", "POST", headers=headers, body=body)
        event = json.loads(resp.body)
        assert event["isBase64Encoded"] is encoded, content_type
        assert event["body"] == (base64.b64encode(body).decode() if encoded else body.decode())


def test_payload_1_event_has_the_sample_shape(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("POST /my/path",), payload="1.0")
    r = requests.post(
        api.url("/my/path?parameter1=value1&parameter1=value2&parameter2=value"),
        data="Hello from Lambda!",
        headers={"Content-Type": "text/plain", "Origin": "https://aws.amazon.com"},
    )
    event = r.json()
    sample = json.loads((EVENTS / "apiGatewayProxyEvent.json").read_text())
    assert_same_shape(
        event,
        sample,
        "event",
        free={"event.headers", "event.multiValueHeaders", "event.queryStringParameters",
              "event.multiValueQueryStringParameters"},
        skip={"event.requestContext.identity.clientCert"},  # mutual TLS only
    )
    assert event["version"] == "1.0"
    assert event["resource"] == event["path"] == "/my/path"
    assert event["multiValueQueryStringParameters"] == {
        "parameter1": ["value1", "value2"],
        "parameter2": ["value"],
    }
    assert event["queryStringParameters"] == {"parameter1": "value2", "parameter2": "value"}
    assert event["headers"]["origin"] == "https://aws.amazon.com"
    assert event["body"] == "Hello from Lambda!"
    ctx = event["requestContext"]
    assert ctx["requestId"] == ctx["extendedRequestId"] == r.headers["apigw-requestid"]
    assert (ctx["stage"], ctx["resourcePath"], ctx["httpMethod"]) == ("$default", "/my/path", "POST")


def test_payload_1_on_a_named_stage(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(
        functions_dir / "echo.py", ("GET /pets/{id}",), payload="1.0", stage="dev"
    )
    event = requests.get(api.url("/pets/7")).json()
    assert event["resource"] == "/pets/{id}"
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["path"] == "/dev/pets/7"


# ====================================================================================== responses


#: a function that returns whatever JSON the request body holds
TOLD = "import json\n\n\ndef handler(event, context):\n    return json.loads(event['body'])\n"

PAYLOAD_2_ANSWERS = (
    # no statusCode: the answer is the body, 200, application/json (DG table)
    ("Hello from Lambda!", 200, "application/json", b"Hello from Lambda!"),
    ({"message": "Hello"}, 200, "application/json", b'{"message": "Hello"}'),
    (42, 200, "application/json", b"42"),
    ([1, 2], 200, "application/json", b"[1, 2]"),
    ({"body": "not a proxy answer"}, 200, "application/json", b'{"body": "not a proxy answer"}'),
    # statusCode: the custom format
    ({"statusCode": 201, "body": "made"}, 201, "text/plain; charset=utf-8", b"made"),
    ({"statusCode": "202"}, 202, "text/plain; charset=utf-8", b""),
    (
        {"statusCode": 200, "headers": {"Content-Type": "text/csv"}, "body": "a,b"},
        200,
        "text/csv",
        b"a,b",
    ),
    (
        {
            "statusCode": 200,
            "body": base64.b64encode(b"\x00\xff").decode(),
            "isBase64Encoded": True,
            "headers": {"content-type": "application/octet-stream"},
        },
        200,
        "application/octet-stream",
        b"\x00\xff",
    ),
)


def test_payload_2_response_rules(http_kit: Any) -> None:
    api = http_kit.lambda_api(TOLD, ("POST /answer",))
    for returned, status, content_type, body in PAYLOAD_2_ANSWERS:
        r = requests.post(api.url("/answer"), json=returned)
        assert r.status_code == status, returned
        assert r.headers["Content-Type"] == content_type, returned
        assert r.content == body, returned


def test_payload_2_cookies_become_set_cookie_headers(http_kit: Any) -> None:
    api = http_kit.lambda_api(
        answer_source(
            {
                "statusCode": 200,
                "cookies": ["session=abc; Path=/; Secure; HttpOnly", "theme=dark"],
                "headers": {"X-Single": "one", "X-Flag": True},
                "body": "ok",
            }
        )
    )
    r = requests.get(api.url("/hello"))
    assert r.raw.headers.getlist("set-cookie") == [
        "session=abc; Path=/; Secure; HttpOnly",
        "theme=dark",
    ]
    assert r.cookies.get("theme") == "dark"
    assert r.headers["X-Single"] == "one"
    assert r.headers["X-Flag"] == "true"


INVALID_PAYLOAD_2_ANSWERS = (
    {"statusCode": "abc", "body": "x"},
    {"statusCode": 700},
    {"statusCode": 200, "body": {"a": 1}},
    {"statusCode": 200, "headers": ["a"]},
    {"statusCode": 200, "cookies": "a=1"},
    {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
)


def test_invalid_payload_2_response_is_500(http_kit: Any) -> None:
    api = http_kit.lambda_api(TOLD, ("POST /answer",))
    for returned in INVALID_PAYLOAD_2_ANSWERS:
        r = requests.post(api.url("/answer"), json=returned)
        assert (r.status_code, r.content) == (500, INTERNAL), returned
        assert r.headers["Content-Type"] == "application/json"
        assert "x-amzn-ErrorType" not in r.headers


def test_invalid_payload_1_response_is_500_not_502(http_kit: Any) -> None:
    api = http_kit.lambda_api(TOLD, ("POST /answer",), payload="1.0")
    for returned in ("just a string", {"statusCode": 200, "extra": 1}, {"body": {"a": 1}}):
        r = requests.post(api.url("/answer"), json=returned)
        assert (r.status_code, r.content) == (500, INTERNAL), returned


def test_payload_1_response_follows_the_rest_rules(http_kit: Any) -> None:
    api = http_kit.lambda_api(
        answer_source(
            {"statusCode": 201, "multiValueHeaders": {"X-Multi": ["a", "b"]}, "body": "made"}
        ),
        payload="1.0",
    )
    r = requests.get(api.url("/hello"))
    assert (r.status_code, r.content) == (201, b"made")
    assert r.raw.headers.getlist("X-Multi") == ["a", "b"]


@pytest.mark.parametrize("payload", ["2.0", "1.0"])
def test_function_error_is_500(http_kit: Any, lab: Any, payload: str) -> None:
    api = http_kit.lambda_api(
        "def handler(event, context):\n    raise ValueError('boom')\n", payload=payload
    )
    r = requests.get(api.url("/hello"))
    assert (r.status_code, r.content) == (500, INTERNAL)
    assert "boom" in lab.last_trace().entries[-1].details["reason"]


def test_missing_lambda_permission_is_500(http_kit: Any, functions_dir: Path) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", permit=False)
    r = requests.get(api.url("/hello"))
    assert (r.status_code, r.content) == (500, INTERNAL)
    http_kit.permit(api.fn_arn, api.api_id)  # permissions are not deployed: live at once
    assert requests.get(api.url("/hello")).status_code == 200


@pytest.mark.parametrize(
    ("routes", "source_arn_tail", "path", "status"),
    [
        (("GET /pets/{id}",), "*/GET/pets/{id}", "/pets/1", 200),
        (("GET /pets/{id}",), "*/POST/pets/{id}", "/pets/1", 500),
        (("$default",), "$default/$default", "/any/thing", 200),
        (("$default",), "*/GET/any/thing", "/any/thing", 500),
    ],
)
def test_the_source_arn_lambda_sees(
    http_kit: Any,
    functions_dir: Path,
    routes: tuple[str, ...],
    source_arn_tail: str,
    path: str,
    status: int,
) -> None:
    """``{api}/{stage}/{METHOD}{route path}``, or ``{api}/{stage}/$default``."""
    api = http_kit.lambda_api(functions_dir / "echo.py", routes, permit=False)
    http_kit.rest.permit(
        api.fn_arn,
        api.api_id,
        source_arn=f"arn:aws:execute-api:us-east-1:123456789012:{api.api_id}/{source_arn_tail}",
    )
    assert requests.get(api.url(path)).status_code == status


def test_integration_timeout_is_503(http_kit: Any, lab: Any) -> None:
    api = http_kit.lambda_api(
        "import time\n\ndef handler(event, context):\n    time.sleep(5)\n    return 'late'\n",
        timeout=6,
        timeout_ms=500,
    )
    r = requests.get(api.url("/hello"))
    assert (r.status_code, r.content) == (503, UNAVAILABLE)
    assert r.headers["apigw-requestid"]
    # cut at 0.5 s, not after the function's 5 s (a wide margin: parallel test workers on a
    # loaded machine delay the answer, never by seconds)
    assert 0.45 < r.elapsed.total_seconds() < 4
    assert lab.last_trace().entries[-1].decision == "INTEGRATION_TIMEOUT"


def test_stage_variables_pick_the_function(http_kit: Any) -> None:
    blue = http_kit.function(answer_source("blue"), name="fn-blue")
    api_id = http_kit.api()
    integration = http_kit.lambda_integration(
        api_id, "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}"
    )
    http_kit.route(api_id, "GET /color", integration)
    http_kit.permit(blue, api_id)
    http_kit.stage(api_id, "$default", AutoDeploy=True, StageVariables={"fn": "fn-blue"})
    assert requests.get(http_kit.url(api_id, "$default", "/color")).content == b"blue"


# ====================================================================================== observability


def test_metrics_by_api_id_stage_and_route(http_kit: Any, functions_dir: Path, lab: Any) -> None:
    lab.clock.freeze("2024-05-01T12:00:00Z")
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /hello",))
    http_kit.v2.update_stage(
        ApiId=api.api_id, StageName="$default", DefaultRouteSettings={"DetailedMetricsEnabled": True}
    )
    for path in ("/hello", "/hello", "/nowhere"):
        requests.get(api.url(path))
    at = 1714564800.0
    rest = http_kit.rest
    by_api = {"ApiId": api.api_id}
    by_stage = {"ApiId": api.api_id, "Stage": "$default"}
    by_route = {"ApiId": api.api_id, "Stage": "$default", "Route": "GET /hello"}
    assert rest.metric_sum("Count", by_api, at) == 3
    assert rest.metric_sum("4xx", by_stage, at) == 1
    assert rest.metric_sum("5xx", by_stage, at) == 0
    assert rest.metric_sum("Count", by_route, at) == 2
    assert rest.metric_sum("DataProcessed", by_api, at) > 0
    assert rest.metric_sum("4XXError", by_api, at) is None  # REST's names are not used


def test_access_log_with_route_key(http_kit: Any, functions_dir: Path, lab: Any) -> None:
    api = http_kit.lambda_api(functions_dir / "echo.py", ("GET /pets/{id}",))
    logs = http_kit.rest.logs
    logs.create_log_group(logGroupName="http-access")
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:http-access"
    http_kit.v2.update_stage(
        ApiId=api.api_id,
        StageName="$default",
        AccessLogSettings={
            "DestinationArn": arn,
            "Format": "$context.requestId $context.httpMethod $context.routeKey "
            "$context.path $context.status $context.stage",
        },
    )
    r = requests.get(api.url("/pets/3"))
    requests.get(api.url("/nowhere"))
    events = logs.filter_log_events(logGroupName="http-access")["events"]
    lines = [e["message"] for e in events]
    rid = r.headers["apigw-requestid"]
    assert lines[0] == f"{rid} GET GET /pets/{{id}} /pets/3 200 $default"
    assert lines[1].endswith(" GET - /nowhere 404 $default")


def test_an_integration_timeout_over_30_seconds_is_refused(http_kit: Any) -> None:
    api_id = http_kit.api()
    fn = "arn:aws:lambda:us-east-1:123456789012:function:any"
    with pytest.raises(http_kit.v2.exceptions.BadRequestException, match="30000 ms"):
        http_kit.lambda_integration(api_id, fn, timeout_ms=30_001)
    assert http_kit.v2.get_integration(
        ApiId=api_id, IntegrationId=http_kit.lambda_integration(api_id, fn)
    )["TimeoutInMillis"] == 30_000
