"""HTTP API response: the integration's answer or API Gateway's own short JSON error, with
the headers HTTP APIs add (``Date``, ``Content-Length``, ``apigw-requestid``). Unlike REST
APIs there is no ``x-amzn-RequestId``, no ``x-amzn-ErrorType`` and no gateway response to
customise."""

from __future__ import annotations

import json
from email.utils import formatdate

from ..context import InvocationContext
from ..http import HttpResponse

#: headers API Gateway sets itself; an integration's own values are replaced
_OWN = {"date", "content-length", "connection", "transfer-encoding", "apigw-requestid"}


def error_response(ctx: InvocationContext) -> HttpResponse:
    err = ctx.error
    assert err is not None
    body = err.body
    if body is None:
        body = json.dumps({"message": err.message}, separators=(",", ":")).encode()
    return HttpResponse(err.status, [("Content-Type", "application/json"), *err.headers], body)


def step(ctx: InvocationContext) -> None:
    """Response: the answer plus Date, Content-Length and apigw-requestid."""
    if ctx.error is not None:
        resp = error_response(ctx)
    else:
        assert ctx.method_response is not None
        resp = ctx.method_response
    resp.headers = [
        ("Date", formatdate(ctx.request_time, usegmt=True)),
        *[(k, v) for k, v in resp.headers if k.lower() not in _OWN],
        ("Content-Length", str(len(resp.body))),
        ("Connection", "keep-alive"),
        ("apigw-requestid", ctx.request_id),
    ]
    ctx.method_response = resp
    ctx.trace.status = resp.status
