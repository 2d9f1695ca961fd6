"""The input events a Lambda authorizer receives (reference §3.1, §3.9; samples in
../shared/reference/events/apiGatewayAuthorizer*.json).

The REQUEST events reuse the proxy integration's event builders, so the authorizer sees
the same headers, query strings and ``requestContext`` the integration will see; only the
body is never sent to an authorizer.
"""

from __future__ import annotations

from typing import Any

from ..context import InvocationContext
from ..integrations import lambda_proxy, lambda_proxy_v2

_NO_BODY = ("body", "isBase64Encoded")


def method_arn(ctx: InvocationContext) -> str:
    """``arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{path}``: the path as
    requested (``/GET/`` for the root). HTTP APIs call it the route ARN."""
    assert ctx.stage is not None and ctx.method_request is not None
    mreq = ctx.method_request
    return (
        f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/"
        f"{ctx.stage.name}/{mreq.method}{mreq.path}"
    )


def rest_token(ctx: InvocationContext, token: str) -> dict[str, Any]:
    """A REST ``TOKEN`` authorizer's event: the header value and the method ARN."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn(ctx)}


def rest_request(ctx: InvocationContext) -> dict[str, Any]:
    """A REST ``REQUEST`` authorizer's event: the proxy event's fields without the body."""
    proxy = lambda_proxy.build_event(ctx)
    event: dict[str, Any] = {"type": "REQUEST", "methodArn": method_arn(ctx)}
    event.update((k, v) for k, v in proxy.items() if k not in _NO_BODY)
    return event


def http_v2(ctx: InvocationContext, identity: list[str]) -> dict[str, Any]:
    """An HTTP API Lambda authorizer's payload 2.0 event."""
    proxy = lambda_proxy_v2.build_event_v2(ctx)
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": method_arn(ctx),
        "identitySource": list(identity),
    }
    event.update((k, v) for k, v in proxy.items() if k not in (*_NO_BODY, "version"))
    return event


def http_v1(ctx: InvocationContext, identity: list[str]) -> dict[str, Any]:
    """An HTTP API Lambda authorizer's payload 1.0 event: REST's REQUEST shape plus
    ``version``, ``identitySource`` and ``authorizationToken`` (both comma-joined)."""
    proxy = lambda_proxy_v2.build_event_v1(ctx)
    joined = ",".join(identity)
    event: dict[str, Any] = {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": method_arn(ctx),
        "identitySource": joined,
        "authorizationToken": joined,
    }
    event.update((k, v) for k, v in proxy.items() if k not in (*_NO_BODY, "version"))
    return event


def websocket_connect(
    *,
    method_arn: str,
    headers: dict[str, list[str]],
    query: dict[str, list[str]],
    stage_variables: dict[str, str],
    request_context: dict[str, Any],
) -> dict[str, Any]:
    """A WebSocket API's ``$connect`` REQUEST authorizer event (methodArn ends in
    ``/$connect``); ``request_context`` is the CONNECT event's ``requestContext``."""
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "headers": {k: v[-1] for k, v in headers.items()},
        "multiValueHeaders": {k: list(v) for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()},
        "multiValueQueryStringParameters": {k: list(v) for k, v in query.items()},
        "stageVariables": dict(stage_variables),
        "requestContext": request_context,
    }
