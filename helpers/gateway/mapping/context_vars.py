"""The ``$context`` object: what mapping templates, parameter mappings, gateway responses
and access logs read about the request in hand (DG: api-gateway-mapping-template-reference).

:func:`context_map` builds it, nested as templates address it (``$context.identity.sourceIp``);
:func:`flatten` gives the dotted names access logs use. Values not known (yet) are None.
"""

from __future__ import annotations

import json
from typing import Any

from ..context import InvocationContext, called_domain, client_path, domain_prefix
from ..errors import GatewayError
from ..integrations.lambda_proxy import clf_time, identity
from .java import java_string


def _identity(ctx: InvocationContext) -> dict[str, Any]:
    if ctx.method_request is not None:
        out = identity(ctx)
    else:  # the request never got past parsing: only the connection is known
        out = {
            "sourceIp": ctx.request.source_ip,
            "userAgent": ctx.request.header("user-agent"),
            "caller": None,
            "user": None,
            "userArn": None,
            "accountId": None,
            **ctx.identity,
        }
    out.setdefault("apiKey", None)
    out.setdefault("apiKeyId", None)
    return out


def _authorizer(values: dict[str, Any] | None) -> dict[str, Any]:
    """Authorizer context values come out as strings (``1`` → ``"1"``, ``true`` →
    ``"true"``) [doc]; Cognito ``claims`` stay a map."""
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if key == "claims" or isinstance(value, (dict, list)) or value is None:
            out[key] = value
        else:
            out[key] = java_string(value)
    return out


def error_values(err: GatewayError | None) -> dict[str, Any]:
    """``$context.error``: message, the message JSON-quoted, the response type and the
    request validator's findings."""
    if err is None:
        return {
            "message": None,
            "messageString": None,
            "responseType": None,
            "validationErrorString": None,
        }
    return {
        "message": err.message,
        "messageString": json.dumps(err.message),
        "responseType": err.response_type,
        "validationErrorString": getattr(err, "validation_error", None),
    }


def context_map(ctx: InvocationContext) -> dict[str, Any]:
    """The nested ``$context`` for this invocation, as far as the pipeline has got."""
    mreq = ctx.method_request
    stage = ctx.stage
    return {
        "accountId": ctx.account_id,
        "apiId": ctx.api_id,
        "authorizer": _authorizer(ctx.authorizer),
        "awsEndpointRequestId": getattr(ctx.integration_response, "request_id", None),
        "customDomain": {"basePathMatched": ctx.base_path_matched or None},
        "deploymentId": stage.deployment_id if stage else None,
        "domainName": called_domain(ctx),
        "domainPrefix": domain_prefix(ctx),
        "error": error_values(ctx.error),
        "extendedRequestId": ctx.extended_request_id,
        "httpMethod": mreq.method if mreq else ctx.request.method,
        "identity": _identity(ctx),
        "isCanaryRequest": ctx.canary,
        "path": client_path(ctx) if (mreq and stage) else ctx.request.path,
        "protocol": "HTTP/1.1",
        "requestId": ctx.request_id,
        "requestTime": clf_time(ctx.request_time),
        "requestTimeEpoch": int(ctx.request_time * 1000),
        "resourceId": ctx.route.resource_id if ctx.route else None,
        "resourcePath": ctx.resource_path or None,
        "stage": stage.name if stage else None,
        "wafResponseCode": None,
        "webaclArn": None,
    }


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"identity": {"sourceIp": ...}}`` → ``{"identity.sourceIp": ...}``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def lookup(values: dict[str, Any], dotted: str) -> Any:
    """``lookup(context_map(ctx), "identity.sourceIp")``; None when any part is missing."""
    current: Any = values
    for part in dotted.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current
