"""Gateway responses (reference §6): every default, and customisation with
put_gateway_response + redeploy (status, DEFAULT_4XX/5XX fall-back, header parameters,
template substitution), driven through a deployed REST API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from helpers.gateway import EmulatorLimitation
from helpers.gateway import errors as gw
from helpers.gateway.context import InvocationContext, MethodRequest, StageView
from helpers.gateway.http import HttpRequest
from helpers.gateway.snapshot import RestSnapshot
from helpers.gateway.steps import respond
from helpers.gateway.trace import Trace

# ====================================================================================== defaults

DEFAULTS = [
    # (error, status, body, x-amzn-ErrorType)
    (
        gw.MissingAuthenticationToken(),
        403,
        b'{"message":"Missing Authentication Token"}',
        "MissingAuthenticationTokenException",
    ),
    (gw.Forbidden(), 403, b'{"message":"Forbidden"}', "ForbiddenException"),
    (
        gw.AccessDenied("User is not authorized to access this resource"),
        403,
        b'{"Message":"User is not authorized to access this resource"}',
        "AccessDeniedException",
    ),
    (gw.RequestTooLarge(), 413, b'{"message":"Request Too Long"}', "RequestTooLargeException"),
    (gw.NotFound(), 404, b'{"message":"Not Found"}', "NotFoundException"),
    (
        gw.IntegrationTimeout(),
        504,
        b'{"message": "Endpoint request timed out"}',
        "InternalServerErrorException",
    ),
    (
        gw.IntegrationFailure(),
        502,
        b'{"message": "Internal server error"}',
        "InternalServerErrorException",
    ),
    (
        gw.InternalServerError(),
        500,
        b'{"message": "Internal server error"}',
        "InternalServerErrorException",
    ),
    (
        gw.UnsupportedMediaType(),
        415,
        b'{"message":"Unsupported Media Type"}',
        "UnsupportedMediaTypeException",
    ),
    (
        gw.BadRequestParameters("Missing required request parameters: [a, b]"),
        400,
        b'{"message":"Missing required request parameters: [a, b]"}',
        "BadRequestException",
    ),
    (gw.BadRequestBody(), 400, b'{"message":"Invalid request body"}', "BadRequestException"),
    (
        gw.ApiConfigurationError(),
        500,
        b'{"message":"Internal server error"}',
        "InternalServerErrorException",
    ),
    (
        gw.EndpointUnreachable(),
        504,
        b'{"message":"Network error communicating with endpoint"}',
        "InternalServerErrorException",
    ),
    (gw.Unauthorized(), 401, b'{"message":"Unauthorized"}', "UnauthorizedException"),
    (gw.InvalidApiKey(), 403, b'{"message":"Forbidden"}', "ForbiddenException"),
    (gw.Throttled(), 429, b'{"message":"Too Many Requests"}', "TooManyRequestsException"),
    (gw.QuotaExceeded(), 429, b'{"message":"Limit Exceeded"}', "LimitExceededException"),
    (gw.CacheInvalidationForbidden(), 403, b'{"message":"Forbidden"}', "AccessDeniedException"),
    (
        gw.AuthorizerConfigurationError(),
        500,
        b'{"message": null}',
        "AuthorizerConfigurationException",
    ),
    (
        gw.AuthorizerFailure(),
        500,
        b'{"message":"Internal server error"}',
        "AuthorizerFailureException",
    ),
    (
        gw.InvalidSignature(),
        403,
        b'{"message":"The request signature we calculated does not match the signature you'
        b" provided. Check your AWS Secret Access Key and signing method. Consult the service"
        b' documentation for details."}',
        "InvalidSignatureException",
    ),
    (
        gw.InvalidSecurityToken(),
        403,
        b'{"message":"The security token included in the request is invalid."}',
        "AccessDeniedException",
    ),
    (
        gw.ExpiredToken(),
        403,
        b'{"message":"The security token included in the request is expired"}',
        "ExpiredTokenException",
    ),
]


def bare_ctx(responses: dict[str, dict[str, Any]] | None = None) -> InvocationContext:
    ctx = InvocationContext(
        request=HttpRequest(
            "GET", "abc123.execute-api.us-east-1.amazonaws.com", "/prod/x", headers=[]
        ),
        request_id="c0ffee00-0000-4000-8000-000000000001",
        extended_request_id="JaxQjEw1IAMFlmQ=",
        request_time=1_714_564_800.0,
        started=time.perf_counter(),
        account_id="123456789012",
        region="us-east-1",
        plane=None,
        api_id="abc123",
        trace=Trace("c0ffee00-0000-4000-8000-000000000001"),
    )
    ctx.method_request = MethodRequest("GET", "/x", {}, {}, b"")
    ctx.stage = StageView("prod", "dep1", {"color": "blue"}, {}, None)
    ctx.deployment = RestSnapshot("dep1", {"id": "abc123"}, [], gateway_responses=responses or {})
    return ctx


@pytest.mark.parametrize(("error", "status", "body", "error_type"), DEFAULTS)
def test_default_responses(
    error: gw.GatewayError, status: int, body: bytes, error_type: str
) -> None:
    resp = respond.render_gateway_response(bare_ctx(), error)
    assert (resp.status, resp.body, resp.header("x-amzn-ErrorType")) == (status, body, error_type)
    assert resp.headers[0] == ("Content-Type", "application/json")


def test_every_error_class_is_in_the_table() -> None:
    classes = {
        cls
        for cls in vars(gw).values()
        if isinstance(cls, type) and issubclass(cls, gw.GatewayError) and cls is not gw.GatewayError
    }
    tested = {type(error) for error, *_ in DEFAULTS}
    assert classes - tested == set(), "add the new gateway error to DEFAULTS"


@pytest.mark.parametrize(
    ("responses", "status", "header"),
    [
        ({}, 401, None),
        (
            {
                "DEFAULT_4XX": {
                    "statusCode": "400",
                    "responseParameters": {"gatewayresponse.header.X": "'4'"},
                }
            },
            400,
            "4",
        ),
        ({"DEFAULT_5XX": {"statusCode": "503"}}, 401, None),
        ({"UNAUTHORIZED": {"responseParameters": {"gatewayresponse.header.X": "'u'"}}}, 401, "u"),
    ],
)
def test_unauthorized_falls_back_to_default_4xx(
    responses: dict[str, Any], status: int, header: str | None
) -> None:
    resp = respond.render_gateway_response(bare_ctx(responses), gw.Unauthorized())
    assert (resp.status, resp.header("X")) == (status, header)
    assert resp.body == b'{"message":"Unauthorized"}'


def test_request_too_large_cannot_be_customised() -> None:
    ctx = bare_ctx(
        {
            "REQUEST_TOO_LARGE": {"statusCode": "400"},
            "DEFAULT_4XX": {"statusCode": "418"},
        }
    )
    resp = respond.render_gateway_response(ctx, gw.RequestTooLarge())
    assert (resp.status, resp.body) == (413, b'{"message":"Request Too Long"}')
    assert ctx.trace.entries[-1].decision == "customisation ignored"


# ====================================================================================== end to end

DENY_SECRET = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*/GET/secret",
        },
    ],
}


@pytest.fixture
def api(unit_kit: Any, plane: Any) -> Any:
    return unit_kit.proxy_api(
        None,
        (("GET", "/pets/{id}"), ("GET", "/secret")),
        policy=DENY_SECRET,
        variables={"color": "blue"},
    )


def customise(api: Any, response_type: str, **kwargs: Any) -> None:
    api.kit.apigw.put_gateway_response(restApiId=api.api_id, responseType=response_type, **kwargs)
    api.kit.deploy(api.api_id)


def test_customisation_needs_a_redeploy(api: Any, call: Any) -> None:
    api.kit.apigw.put_gateway_response(
        restApiId=api.api_id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404"
    )
    assert call(api.api_id, "/prod/nowhere").status == 403
    api.kit.deploy(api.api_id)
    assert call(api.api_id, "/prod/nowhere").status == 404


def test_customised_status_headers_and_template(api: Any, call: Any) -> None:
    customise(
        api,
        "MISSING_AUTHENTICATION_TOKEN",
        statusCode="404",
        responseParameters={
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
            "gatewayresponse.header.X-From-Header": "method.request.header.x-client",
            "gatewayresponse.header.X-From-Query": "method.request.querystring.q",
            "gatewayresponse.header.X-From-Path": "method.request.path.id",  # no route: absent
            "gatewayresponse.querystring.ignored": "'x'",
        },
        responseTemplates={
            "application/json": (
                '{"message":$context.error.messageString,"type":"$context.error.responseType",'
                '"id":"$context.requestId","ip":"$context.identity.sourceIp",'
                '"stage":"$context.stage","color":"$stageVariables.color",'
                '"client":"$method.request.header.X-Client","resource":"$context.resourcePath",'
                '"hint":"The HTTP method or resources may not be supported.",'
                "\"statusCode\": '488'}"
            )
        },
    )
    resp = call(
        api.api_id,
        "/prod/nowhere",
        query="q=hello",
        headers=[("User-Agent", "unit-test"), ("X-Client", "c-1")],
    )
    assert resp.status == 404
    assert resp.header("Access-Control-Allow-Origin") == "*"
    assert resp.header("X-From-Header") == "c-1"
    assert resp.header("X-From-Query") == "hello"
    assert resp.header("X-From-Path") is None
    assert resp.header("ignored") is None
    assert resp.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert resp.body.decode() == (
        '{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN",'
        f'"id":"{resp.header("x-amzn-RequestId")}","ip":"203.0.113.7","stage":"prod",'
        '"color":"blue","client":"c-1","resource":"",'
        '"hint":"The HTTP method or resources may not be supported.",'
        "\"statusCode\": '488'}"
    )


def test_default_4xx_changes_every_4xx_type_not_customised(
    api: Any, call: Any, fake_runtime: Any
) -> None:
    customise(
        api,
        "DEFAULT_4XX",
        statusCode="418",
        responseParameters={"gatewayresponse.header.X-Default": "'4xx'"},
        responseTemplates={"application/json": '{"error":"$context.error.message"}'},
    )
    customise(api, "ACCESS_DENIED", responseParameters={"gatewayresponse.header.X-Own": "'ad'"})
    missing = call(api.api_id, "/prod/nowhere")
    assert (missing.status, missing.header("X-Default")) == (418, "4xx")
    assert json.loads(missing.body) == {"error": "Missing Authentication Token"}
    denied = call(api.api_id, "/prod/secret")  # individually customised: own status, no 4xx extras
    assert (denied.status, denied.header("X-Default"), denied.header("X-Own")) == (403, None, "ad")
    assert json.loads(denied.body)["message"].startswith("User: anonymous is not authorized")
    big = call(api.api_id, "/prod/pets/1", "POST", body=b"x" * (10 * 1024 * 1024 + 1))
    assert big.status == 413  # REQUEST_TOO_LARGE is not customisable
    fake_runtime.reply(b"not json")
    failed = call(api.api_id, "/prod/pets/1")  # 5xx: untouched
    assert (failed.status, failed.header("X-Default")) == (502, None)
    assert failed.body == b'{"message": "Internal server error"}'


def test_default_4xx_reset_restores_the_originals(api: Any, call: Any) -> None:
    customise(api, "DEFAULT_4XX", statusCode="418")
    assert call(api.api_id, "/prod/nowhere").status == 418
    api.kit.apigw.delete_gateway_response(restApiId=api.api_id, responseType="DEFAULT_4XX")
    api.kit.deploy(api.api_id)
    assert call(api.api_id, "/prod/nowhere").status == 403


@pytest.mark.parametrize(
    ("answer", "extra", "status", "message"),
    [
        (b"not json", {}, 502, "Internal server error"),
        ({"statusCode": 200}, {"caller_deadline_hit": True}, 504, "Endpoint request timed out"),
    ],
)
def test_default_5xx(
    api: Any, call: Any, fake_runtime: Any, answer: Any, extra: dict, status: int, message: str
) -> None:
    customise(
        api,
        "DEFAULT_5XX",
        statusCode="503",
        responseParameters={"gatewayresponse.header.Retry-After": "'1'"},
    )
    fake_runtime.reply(answer, **extra)
    resp = call(api.api_id, "/prod/pets/1")
    assert (resp.status, resp.header("Retry-After")) == (503, "1")
    assert resp.body == json.dumps({"message": message}, separators=(",", ":")).encode()
    assert resp.header("x-amzn-ErrorType") == "InternalServerErrorException"
    assert call(api.api_id, "/prod/nowhere").status == 403  # 4xx: untouched


def test_missing_permission_is_500(unit_kit: Any, plane: Any, call: Any) -> None:
    api = unit_kit.proxy_api(None, (("GET", "/pets"),), permit=False)
    resp = call(api.api_id, "/prod/pets")
    assert (resp.status, resp.body) == (500, b'{"message": "Internal server error"}')


@pytest.mark.parametrize(
    ("templates", "accept", "content_type", "body"),
    [
        ({"application/json": '{"m":"$context.error.message"}', "text/html": "<b>x</b>"},
         "text/html", "application/json", b'{"m":"Missing Authentication Token"}'),
        ({"text/html": "<b>$context.error.message</b>", "application/xml": "<e/>"},
         "application/xml", "application/xml", b"<e/>"),
        ({"text/html": "<b>$context.error.message</b>", "application/xml": "<e/>"},
         "image/png", "text/html", b"<b>Missing Authentication Token</b>"),
        ({"application/json": ""}, "*/*", "application/json", b""),
    ],
)
def test_template_choice(
    api: Any, call: Any, templates: dict, accept: str, content_type: str, body: bytes
) -> None:
    customise(api, "MISSING_AUTHENTICATION_TOKEN", responseTemplates=templates)
    resp = call(api.api_id, "/prod/nowhere", headers=[("Accept", accept)])
    assert (resp.header("Content-Type"), resp.body) == (content_type, body)


def test_a_header_parameter_can_set_the_content_type(api: Any, call: Any) -> None:
    customise(
        api,
        "MISSING_AUTHENTICATION_TOKEN",
        responseParameters={"gatewayresponse.header.Content-Type": "'text/plain'"},
    )
    resp = call(api.api_id, "/prod/nowhere")
    assert [v for k, v in resp.headers if k.lower() == "content-type"] == ["text/plain"]


def test_unknown_variables_substitute_to_nothing(api: Any, call: Any) -> None:
    customise(
        api,
        "MISSING_AUTHENTICATION_TOKEN",
        responseTemplates={
            "application/json": "[$context.nope][$stageVariables.nope][$context.error.message.]"
            "[$context.error.validationErrorString][$5 and $input.body]"
        },
    )
    assert call(api.api_id, "/prod/nowhere").body == (
        b"[][][Missing Authentication Token.][][$5 and $input.body]"
    )


def test_an_unsupported_parameter_source_is_loud(api: Any, call: Any) -> None:
    customise(
        api,
        "MISSING_AUTHENTICATION_TOKEN",
        responseParameters={"gatewayresponse.header.X": "context.requestId"},
    )
    with pytest.raises(EmulatorLimitation, match="'literal'"):
        call(api.api_id, "/prod/nowhere")


def test_trace_says_which_customisation_answered(api: Any, call: Any, plane: Any) -> None:
    customise(api, "DEFAULT_4XX", statusCode="418")
    call(api.api_id, "/prod/nowhere")
    decisions = [e.decision for e in plane.traces.last().entries if e.step == "gateway-response"]
    assert decisions == ["MISSING_AUTHENTICATION_TOKEN", "customised by DEFAULT_4XX"]
