"""Lambda proxy integration (``AWS_PROXY``) of HTTP APIs: payload format 2.0 (reference §4.3,
§4.4) and 1.0 (§4.1, §4.2, with ``"version": "1.0"``).

The function is called through :mod:`helpers.gateway.integrations.lambda_invoke`, as for
REST APIs; only the events, the response rules and the error answers differ: every failure
is 500 ``{"message":"Internal Server Error"}`` and a time-out is 503 ``Service Unavailable``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from ..context import InvocationContext, called_domain, client_path, domain_prefix
from ..errors import GatewayError, IntegrationTimeout, InternalServerError
from ..http import HttpResponse
from ..http_errors import ConfigurationError, IntegrationError, ServiceUnavailable
from . import lambda_invoke, lambda_proxy

#: request content types delivered to the function as text; every other body (a missing
#: Content-Type and application/x-www-form-urlencoded included) is base64-encoded [obs:
#: checked against AWS by ministack PR #766; the DG only says "if the content type is binary"]
TEXT_APPLICATION_SUBTYPES = {"json", "xml", "javascript"}
#: Content-Type of a 2.0 response that names none [unc: text/plain is what AWS is seen to send]
V2_DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8"
#: [unc] the Cookie header is not repeated in ``headers`` once it is split into ``cookies``
V2_COOKIE_HEADER_KEPT = False
#: [unc] payload 1.0 on HTTP APIs: requestContext.authorizer as in the DG sample
V1_AUTHORIZER: dict[str, Any] = {"claims": None, "scopes": None}
_LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:.+")


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    main = content_type.split(";")[0].strip().lower()
    kind, _, sub = main.partition("/")
    return kind == "text" or (kind == "application" and sub in TEXT_APPLICATION_SUBTYPES)


def encode_body(ctx: InvocationContext) -> tuple[str | None, bool]:
    """The event's ``body`` and ``isBase64Encoded``."""
    mreq = ctx.method_request
    assert mreq is not None
    if not mreq.body:
        return None, False
    if is_text(mreq.header("content-type")):
        try:
            return mreq.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(mreq.body).decode(), True


def stage_path(ctx: InvocationContext) -> str:
    """The decoded path with the stage in front for a named stage (§4.3); on a custom
    domain the path as called, with the API mapping key."""
    return client_path(ctx)


def build_event_v2(ctx: InvocationContext) -> dict[str, Any]:
    """The payload 2.0 event; keys with nothing to say are left out, as AWS does."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None
    cookies: list[str] = []
    headers: dict[str, str] = {}
    for name, values in mreq.headers.items():
        if name == "cookie":
            cookies += [c.strip() for v in values for c in v.split(";") if c.strip()]
            if not V2_COOKIE_HEADER_KEPT:
                continue
        headers[name] = ",".join(values)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": ctx.route_key,
        "rawPath": ctx.request.path or "/",
        "rawQueryString": ctx.request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if mreq.query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in mreq.query.items()}
    event["requestContext"] = {
        "accountId": ctx.account_id,
        "apiId": ctx.api_id,
        **({"authorizer": ctx.authorizer} if ctx.authorizer is not None else {}),
        "domainName": called_domain(ctx),
        "domainPrefix": domain_prefix(ctx),
        "http": {
            "method": mreq.method,
            "path": stage_path(ctx),
            "protocol": "HTTP/1.1",
            "sourceIp": ctx.request.source_ip,
            "userAgent": ctx.request.header("user-agent") or "",
        },
        "requestId": ctx.request_id,
        "routeKey": ctx.route_key,
        "stage": ctx.stage.name,
        "time": lambda_proxy.clf_time(ctx.request_time),
        "timeEpoch": int(ctx.request_time * 1000),
    }
    body, b64 = encode_body(ctx)
    if body is not None:
        event["body"] = body
    if mreq.path_params:
        event["pathParameters"] = dict(mreq.path_params)
    event["isBase64Encoded"] = b64
    if ctx.stage.variables:
        event["stageVariables"] = dict(ctx.stage.variables)
    return event


def build_event_v1(ctx: InvocationContext) -> dict[str, Any]:
    """The payload 1.0 event of an HTTP API: REST's shape plus ``version`` (§4.1)."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None
    headers, query = mreq.headers, mreq.query
    # [unc] the $default route reports the request path as its resource (DG sample)
    resource = mreq.path if ctx.route_key == "$default" else ctx.resource_path
    path = stage_path(ctx)
    identity = {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": ctx.request.source_ip,
        "user": None,
        "userAgent": ctx.request.header("user-agent"),
        "userArn": None,
        **ctx.identity,
    }
    body, b64 = encode_body(ctx)
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": mreq.method,
        "headers": {k: v[-1] for k, v in headers.items()} if headers else None,
        "multiValueHeaders": {k: list(v) for k, v in headers.items()} if headers else None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": (
            {k: list(v) for k, v in query.items()} if query else None
        ),
        "requestContext": {
            "accountId": ctx.account_id,
            "apiId": ctx.api_id,
            "authorizer": ctx.authorizer if ctx.authorizer is not None else dict(V1_AUTHORIZER),
            "domainName": called_domain(ctx),
            "domainPrefix": domain_prefix(ctx),
            "extendedRequestId": ctx.extended_request_id,
            "httpMethod": mreq.method,
            "identity": identity,
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": ctx.request_id,
            "requestTime": lambda_proxy.clf_time(ctx.request_time),
            "requestTimeEpoch": int(ctx.request_time * 1000),
            "resourceId": None,  # [unc] null in the DG sample
            "resourcePath": resource,
            "stage": ctx.stage.name,
        },
        "pathParameters": dict(mreq.path_params) if mreq.path_params else None,
        "stageVariables": dict(ctx.stage.variables) if ctx.stage.variables else None,
        "body": body,
        "isBase64Encoded": b64,
    }


def _invalid(why: str) -> IntegrationError:
    return IntegrationError(reason=f"Malformed Lambda proxy response (payload 2.0): {why}")


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _invalid(f"{what} {value!r} is not a string")


def parse_response_v2(payload: bytes) -> HttpResponse:
    """The 2.0 response rules: a JSON answer without ``statusCode`` is the body (200,
    application/json); with it, the custom format (``cookies`` → one set-cookie each)."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("not JSON") from None
    if not isinstance(data, dict) or "statusCode" not in data:
        body = data.encode() if isinstance(data, str) else bytes(payload)
        return HttpResponse(200, [("Content-Type", "application/json")], body)
    try:
        status = lambda_proxy.status_of(data["statusCode"])
    except ValueError as err:
        raise _invalid(str(err)) from None
    raw_headers = data.get("headers") or {}
    cookies = data.get("cookies") or []
    if not isinstance(raw_headers, dict):
        raise _invalid("headers must be an object")
    if not isinstance(cookies, list):
        raise _invalid("cookies must be a list")
    headers = [(str(k), _text(v, f"header {k}")) for k, v in raw_headers.items()]
    headers += [("set-cookie", _text(c, "cookie")) for c in cookies]
    lambda_proxy.wire_headers(headers, _invalid)
    try:
        raw = lambda_proxy.body_of(data)
    except ValueError as err:
        raise _invalid(str(err)) from None
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.insert(0, ("Content-Type", V2_DEFAULT_CONTENT_TYPE))
    return HttpResponse(status, headers, raw)


def invoke_spec(ctx: InvocationContext, integration: dict[str, Any]) -> dict[str, Any]:
    """The integration in the shape :func:`lambda_invoke.invoke` reads (REST's names); a
    plain function ARN becomes the Lambda invocation URI it stands for."""
    uri = integration.get("integrationUri") or ""
    if _LAMBDA_ARN.fullmatch(uri):
        uri = f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{uri}/invocations"
    return {
        "uri": uri,
        "credentials": integration.get("credentialsArn"),
        "timeoutInMillis": integration.get("timeoutInMillis"),
    }


def integrate(ctx: InvocationContext) -> None:
    """AWS_PROXY: send the request to Lambda as a 2.0 (or 1.0) event; its answer is the
    response."""
    assert ctx.http_route is not None
    integration = ctx.http_route.integration or {}
    # [unc] AWS refuses an AWS_PROXY integration without payloadFormatVersion at create time
    version = integration.get("payloadFormatVersion") or "1.0"
    event = build_event_v2(ctx) if version == "2.0" else build_event_v1(ctx)
    ctx.integration_request = event
    try:
        result = lambda_invoke.invoke(ctx, event, invoke_spec(ctx, integration))
    except IntegrationTimeout as exc:
        raise ServiceUnavailable(reason=exc.reason) from None
    except InternalServerError as exc:
        raise ConfigurationError(reason=exc.reason) from None
    ctx.integration_response = result
    if result.function_error:
        why = lambda_invoke.function_error_reason(result.payload)
        ctx.trace.add("integration", "function error", error=why)
        raise IntegrationError(reason=f"The Lambda function returned an error: {why}")
    try:
        if version == "2.0":
            ctx.method_response = parse_response_v2(result.payload)
        else:
            ctx.method_response = lambda_proxy.parse_response(result.payload)
    except IntegrationError:
        raise
    except GatewayError as exc:  # REST's 502/500 for a malformed 1.0 answer
        raise IntegrationError(reason=exc.reason or exc.message or "") from None
    ctx.trace.add("integration", f"Lambda answered {ctx.method_response.status}", payload=version)
