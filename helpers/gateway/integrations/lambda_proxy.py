"""Lambda proxy integration (``AWS_PROXY``), payload format 1.0 (reference §4.1, §4.2)."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from ..context import InvocationContext, called_domain, client_path
from ..errors import IntegrationFailure, InternalServerError
from ..http import HttpResponse, header_problem
from . import lambda_invoke

_RESPONSE_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


#: the last second clf_time formatted, and its text (requests come many to a second)
_clf_last: tuple[int, str] = (-1, "")


def clf_time(epoch: float) -> str:
    """``04/Mar/2020:19:15:17 +0000``, the requestTime format."""
    global _clf_last
    second = int(epoch // 1)
    if _clf_last[0] != second:
        _clf_last = (second, time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second)))
    return _clf_last[1]


def is_binary(content_type: str | None, binary_media_types: list[str]) -> bool:
    if not content_type or not binary_media_types:
        return False
    main = content_type.split(";")[0].strip().lower()
    for pattern in binary_media_types:
        pattern = pattern.lower().replace("~1", "/")
        if pattern == "*/*" or pattern == main:
            return True
        if pattern.endswith("/*") and main.startswith(pattern[:-1]):
            return True
    return False


#: ``requestContext.identity`` of a caller API Gateway knows nothing about, in the order
#: real events list the keys; sourceIp and userAgent are filled in per request
_IDENTITY: dict[str, Any] = {
    "cognitoIdentityPoolId": None,
    "accountId": None,
    "cognitoIdentityId": None,
    "caller": None,
    "sourceIp": None,
    "principalOrgId": None,
    "accessKey": None,
    "cognitoAuthenticationType": None,
    "cognitoAuthenticationProvider": None,
    "userArn": None,
    "userAgent": None,
    "user": None,
}


def identity(ctx: InvocationContext) -> dict[str, Any]:
    mreq = ctx.method_request
    assert mreq is not None
    out = _IDENTITY.copy()
    out["sourceIp"] = ctx.request.source_ip
    out["userAgent"] = mreq.header("user-agent")
    if ctx.source_vpce:
        out["vpceId"] = ctx.source_vpce
    if ctx.identity:
        out.update(ctx.identity)
    return out


def request_context(ctx: InvocationContext) -> dict[str, Any]:
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None and ctx.route is not None
    domain = called_domain(ctx)
    rc: dict[str, Any] = {
        "resourceId": ctx.route.resource_id,
        "resourcePath": ctx.resource_path,
        "httpMethod": mreq.method,
        "extendedRequestId": ctx.extended_request_id,
        "requestTime": clf_time(ctx.request_time),
        "path": client_path(ctx),
        "accountId": ctx.account_id,
        "protocol": "HTTP/1.1",
        "stage": ctx.stage.name,
        "domainPrefix": domain.partition(".")[0],
        "requestTimeEpoch": int(ctx.request_time * 1000),
        "requestId": ctx.request_id,
        "identity": identity(ctx),
        "domainName": domain,
        "apiId": ctx.api_id,
    }
    if ctx.authorizer is not None:
        rc["authorizer"] = ctx.authorizer
    return rc


def build_event(ctx: InvocationContext) -> dict[str, Any]:
    """The payload 1.0 event, with every key a real REST proxy event has."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None and ctx.deployment is not None
    headers = mreq.headers
    query = mreq.query
    body: str | None = None
    b64 = False
    if mreq.body:
        binary_types = ctx.deployment.api.get("binaryMediaTypes") or []
        if is_binary(mreq.header("content-type"), binary_types):
            body, b64 = base64.b64encode(mreq.body).decode(), True
        else:
            body = mreq.body.decode("utf-8", errors="replace")
    return {
        "resource": ctx.resource_path,
        # on a custom domain the base path stays in ``path`` [obs]; ``resource`` has none
        "path": client_path(ctx) if ctx.custom_domain is not None else mreq.path,
        "httpMethod": mreq.method,
        "headers": {k: v[-1] for k, v in headers.items()} if headers else None,
        "multiValueHeaders": {k: list(v) for k, v in headers.items()} if headers else None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": {k: list(v) for k, v in query.items()}
        if query
        else None,
        "pathParameters": dict(mreq.path_params) if mreq.path_params else None,
        "stageVariables": dict(ctx.stage.variables) if ctx.stage.variables else None,
        "requestContext": request_context(ctx),
        "body": body,
        "isBase64Encoded": b64,
    }


def _malformed(why: str) -> IntegrationFailure:
    return IntegrationFailure(
        reason=f"Execution failed due to configuration error: Malformed Lambda proxy response ({why})"
    )


def wire_headers(headers: list[tuple[str, str]], malformed: Any) -> None:
    """Refuse a proxy response whose header fields HTTP/1.1 cannot carry (CR, LF, NUL or
    another control character, a character outside ISO-8859-1, a name that is no token):
    ``malformed(why)`` is the error the API type answers with. [unc] AWS does not document
    it; its front end cannot send such a field either, and a malformed proxy response is
    its answer to every other field it cannot use (not a silently rewritten value)."""
    for name, value in headers:
        problem = header_problem(name, value)
        if problem:
            raise malformed(problem)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _malformed(f"header value {value!r} is not a string")


class BadBase64(ValueError):
    """``isBase64Encoded`` is set but the body is not base64."""


def status_of(value: Any) -> int:
    """A proxy response's ``statusCode`` (an int, or digits); ValueError otherwise."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise ValueError(f"statusCode {value!r} is not an HTTP status")
    return value


def body_of(data: dict[str, Any]) -> bytes:
    """A proxy response's ``body`` as bytes, base64-decoded when ``isBase64Encoded``.

    Raises ValueError when it is not a string, :class:`BadBase64` when it does not decode
    (payload 1.0 and 2.0 share these rules; each caller answers with its API type's error).
    """
    body = data.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str):
        raw = body.encode()
    else:
        raise ValueError("body is not a string")
    if data.get("isBase64Encoded") and raw:
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise BadBase64("isBase64Encoded body is not valid base64") from None
    return raw


#: proxy answers already parsed, by payload: a pure function of the bytes, and a function
#: answers the same few payloads over and over (JSON decoding and the header checks cost
#: about a tenth of a trivial proxy request). Only small payloads; errors are not kept.
_parsed: dict[bytes, tuple[int, tuple[tuple[str, str], ...], bytes]] = {}
_PARSED_KEPT = 256
_PARSED_MAX_BYTES = 4096


def parse_response(payload: bytes) -> HttpResponse:
    """Turn the function's answer into the method response, or raise the 502/500 AWS gives."""
    known = _parsed.get(payload) if type(payload) is bytes else None
    if known is not None:
        # a new response each time: later steps replace (or extend) its headers
        return HttpResponse(known[0], list(known[1]), known[2])
    response = _parse_response(payload)
    if type(payload) is bytes and len(payload) <= _PARSED_MAX_BYTES:
        if len(_parsed) >= _PARSED_KEPT:
            _parsed.clear()
        _parsed[payload] = (response.status, tuple(response.headers), response.body)
    return response


def _parse_response(payload: bytes) -> HttpResponse:
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise _malformed("not JSON") from None
    if not isinstance(data, dict):
        raise _malformed(f"a {type(data).__name__}, not an object")
    extra = set(data) - _RESPONSE_KEYS
    if extra:
        raise _malformed(f"unexpected keys {sorted(extra)}")
    try:
        status = status_of(data.get("statusCode", 200))
    except ValueError as err:
        raise _malformed(str(err)) from None
    merged: dict[str, list[str]] = {}
    single = data.get("headers") or {}
    multi = data.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise _malformed("headers must be objects")
    for name, value in single.items():
        merged[name] = [_header_text(value)]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise _malformed(f"multiValueHeaders[{name!r}] is not a list")
        merged[name] = [_header_text(v) for v in values]  # multiValueHeaders win
    try:
        raw = body_of(data)
    except BadBase64 as err:
        raise InternalServerError(reason=str(err)) from None
    except ValueError as err:
        raise _malformed(str(err)) from None
    headers = [(name, v) for name, values in merged.items() for v in values]
    wire_headers(headers, _malformed)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", "application/json"))
    return HttpResponse(status, headers, raw)


def integrate(ctx: InvocationContext) -> None:
    """AWS_PROXY: send the whole request to Lambda as an event; its answer is the response."""
    assert ctx.route is not None
    integration = ctx.route.integration or {}
    event = build_event(ctx)
    ctx.integration_request = event
    result = lambda_invoke.invoke(ctx, event, integration)
    ctx.integration_response = result
    if result.function_error:
        try:
            err = json.loads(result.payload)
            why = f"{err.get('errorType')}: {err.get('errorMessage')}"
        except (ValueError, AttributeError):
            why = "function error"
        ctx.trace.add("integration", "function error", error=why)
        raise IntegrationFailure(
            reason=f"Lambda execution failed with status 200 due to customer function error: {why}"
        )
    ctx.method_response = parse_response(result.payload)
    ctx.trace.add("integration", f"Lambda answered {ctx.method_response.status}")
