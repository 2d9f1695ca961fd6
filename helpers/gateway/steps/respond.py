"""Method response: the integration's answer, or the gateway response for an error, plus
the headers API Gateway adds to every answer."""

from __future__ import annotations

import re
from email.utils import formatdate

from ..context import InvocationContext
from ..errors import EmulatorLimitation, GatewayError
from ..http import HttpResponse
from ..mapping import java, params
from ..mapping.context_vars import context_map, error_values, lookup

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


#: customising REQUEST_TOO_LARGE is not supported [doc] DG:api-gateway-known-issues
NOT_CUSTOMISABLE = frozenset({"REQUEST_TOO_LARGE"})
#: what a gateway-response template may substitute (no VTL): $context.*, $stageVariables.*
#: and method request parameters [doc] DG:api-gateway-gatewayResponse-definition
_VARIABLE = re.compile(
    r"\$(?:(context|stageVariables)\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"
    r"|(method\.request\.(?:header|path|querystring)\.[A-Za-z0-9_\-]+))"
)
_PARAMETER_SOURCE = re.compile(r"^method\.request\.(header|path|querystring)\.[^.]+$")


def _customised(ctx: InvocationContext, err: GatewayError) -> dict | None:
    """The deployed gateway response for this type, else the DEFAULT_4XX/5XX one. Every
    type falls back, UNAUTHORIZED too (the DG gives it no fallback sentence; we found no
    sign it behaves otherwise) [unc]."""
    if ctx.deployment is None:
        return None
    responses = ctx.deployment.gateway_responses
    if err.response_type in NOT_CUSTOMISABLE:
        if err.response_type in responses:
            ctx.trace.add("gateway-response", "customisation ignored", type=err.response_type)
        return None
    found = responses.get(err.response_type)
    if found is None:
        fallback = "DEFAULT_4XX" if err.status < 500 else "DEFAULT_5XX"
        found = responses.get(fallback)
        if found is not None:
            ctx.trace.add("gateway-response", f"customised by {fallback}")
    else:
        ctx.trace.add("gateway-response", f"customised {err.response_type}")
    return found


def _parameter(expr: str, ctx: InvocationContext) -> str | None:
    """A ``responseParameters`` value: ``'literal'`` or ``method.request.{header|path|
    querystring}.NAME`` (absent: None)."""
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == expr[-1] == "'":
        return expr[1:-1]
    if not _PARAMETER_SOURCE.match(expr):
        raise EmulatorLimitation(
            f"gateway response parameter value {expr!r}: API Gateway takes only 'literal' or "
            "method.request.{header|path|querystring}.NAME here"
        )
    if ctx.method_request is None:
        return None
    value = params.request_value(expr, ctx)
    return ",".join(value) if isinstance(value, list) else value


def _template(custom: dict, ctx: InvocationContext) -> tuple[str, str]:
    """(content type, template): ``application/json`` when there is one, else the first
    type the client accepts, else the first template [unc]."""
    templates = custom.get("responseTemplates")
    if not templates:
        return "application/json", DEFAULT_TEMPLATE
    if "application/json" in templates:
        return "application/json", templates["application/json"] or ""
    accept = ctx.request.header("accept") or ""
    for wanted in (part.split(";")[0].strip().lower() for part in accept.split(",")):
        for content_type, template in templates.items():
            if content_type.lower() == wanted:
                return content_type, template or ""
    content_type, template = next(iter(templates.items()))
    return content_type, template or ""


def _substitute(template: str, ctx: InvocationContext, err: GatewayError) -> str:
    """Simple substitution (not VTL); a variable with no value becomes empty [unc]."""
    values: dict | None = None

    def value_of(match: re.Match[str]) -> str:
        nonlocal values
        root, name, param = match.groups()
        if param is not None:
            return _parameter(param, ctx) or ""
        if root == "stageVariables":
            return (ctx.stage.variables if ctx.stage else {}).get(name, "")
        if name.startswith("error."):
            return java.text(error_values(err).get(name[len("error.") :]))
        if values is None:
            values = context_map(ctx)
        return java.text(lookup(values, name))

    return _VARIABLE.sub(value_of, template)


def render_gateway_response(ctx: InvocationContext, err: GatewayError) -> HttpResponse:
    """The answer for a gateway error: the type's default, or its customisation (status,
    header parameters, template) or the DEFAULT_4XX/5XX one (reference §6)."""
    custom = _customised(ctx, err)
    status = err.status
    content_type = "application/json"
    extra: list[tuple[str, str]] = []
    if custom is None and err.body is not None:
        body = err.body
    else:
        template = DEFAULT_TEMPLATE
        if custom is not None:
            status = int(custom.get("statusCode") or status)
            content_type, template = _template(custom, ctx)
            for key, expr in (custom.get("responseParameters") or {}).items():
                where, _, name = key.removeprefix("gatewayresponse.").partition(".")
                if where != "header" or not name:
                    continue  # path/querystring parameters shape no part of a response
                value = _parameter(expr, ctx)
                if value is not None:
                    extra.append((name, value))
        body_text = _substitute(template, ctx, err)
        if err.message_key != "message" and custom is None:
            body_text = body_text.replace('"message"', f'"{err.message_key}"', 1)
        body = body_text.encode()
    if any(name.lower() == "content-type" for name, _ in extra):
        headers = extra
    else:
        headers = [("Content-Type", content_type), *extra]
    if err.error_type:
        headers.append(("x-amzn-ErrorType", err.error_type))
    headers += err.headers
    return HttpResponse(status, headers, body)


_last_date: tuple[int, str] = (-1, "")


def http_date(epoch: float) -> str:
    """The ``Date`` header (``Thu, 01 Jan 2026 00:00:00 GMT``); it changes once a second,
    so the last one is kept (formatting it costs more than some steps)."""
    global _last_date
    second = int(epoch)
    last = _last_date  # one tuple, replaced whole: safe across the server's threads
    if last[0] != second:
        last = _last_date = (second, formatdate(second, usegmt=True))
    return last[1]


def step(ctx: InvocationContext) -> None:
    """Method response: the integration's answer or a gateway response, with AWS's headers."""
    if ctx.error is not None:
        resp = render_gateway_response(ctx, ctx.error)
    else:
        assert ctx.method_response is not None
        resp = ctx.method_response
    headers = [
        ("Date", http_date(ctx.request_time)),
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
