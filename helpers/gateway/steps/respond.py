"""Method response: the integration's answer, or the gateway response for an error, plus
the headers API Gateway adds to every answer."""

from __future__ import annotations

import json
from email.utils import formatdate

from ..context import InvocationContext
from ..errors import GatewayError
from ..http import HttpResponse

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


def _customised(ctx: InvocationContext, err: GatewayError) -> dict | None:
    """The deployed gateway response for this type, else the DEFAULT_4XX/5XX one."""
    if ctx.deployment is None:
        return None
    responses = ctx.deployment.gateway_responses
    found = responses.get(err.response_type)
    if found is None:
        fallback = "DEFAULT_4XX" if err.status < 500 else "DEFAULT_5XX"
        found = responses.get(fallback)
    return found


def render_gateway_response(ctx: InvocationContext, err: GatewayError) -> HttpResponse:
    custom = _customised(ctx, err)
    message = err.message
    status = err.status
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    if custom is None and err.body is not None:
        body = err.body
    else:
        template = DEFAULT_TEMPLATE
        if custom is not None:
            status = int(custom.get("statusCode") or status)
            template = (custom.get("responseTemplates") or {}).get("application/json", template)
            for key, value in (custom.get("responseParameters") or {}).items():
                name = key.rsplit(".", 1)[-1]
                if value.startswith("'") and value.endswith("'"):
                    headers.append((name, value[1:-1]))
        substitutions = {
            "$context.error.messageString": json.dumps(message),
            "$context.error.message": message or "",
            "$context.error.responseType": err.response_type,
            "$context.requestId": ctx.request_id,
        }
        body_text = template
        for variable in sorted(substitutions, key=len, reverse=True):
            body_text = body_text.replace(variable, substitutions[variable])
        if err.message_key != "message" and custom is None:
            body_text = body_text.replace('"message"', f'"{err.message_key}"', 1)
        body = body_text.encode()
    if err.error_type:
        headers.append(("x-amzn-ErrorType", err.error_type))
    return HttpResponse(status, headers, body)


def step(ctx: InvocationContext) -> None:
    """Method response: the integration's answer or a gateway response, with AWS's headers."""
    if ctx.error is not None:
        resp = render_gateway_response(ctx, ctx.error)
    else:
        assert ctx.method_response is not None
        resp = ctx.method_response
    headers = [
        ("Date", formatdate(ctx.request_time, usegmt=True)),
        *resp.headers,
        ("Content-Length", str(len(resp.body))),
        ("Connection", "keep-alive"),
        ("x-amzn-RequestId", ctx.request_id),
        ("x-amz-apigw-id", ctx.extended_request_id),
    ]
    if ctx.endpoint_type == "EDGE":
        ids = ctx.plane.ids
        headers += [
            ("X-Cache", "Error from cloudfront" if resp.status >= 400 else "Miss from cloudfront"),
            ("Via", f"1.1 {ids.hex(32)}.cloudfront.net (CloudFront)"),
            ("X-Amz-Cf-Pop", "IAD89-C1"),
            ("X-Amz-Cf-Id", ids.token(40).rstrip("=")),
        ]
    resp.headers = headers
    ctx.method_response = resp
    ctx.trace.status = resp.status
