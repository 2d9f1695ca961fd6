"""Calling a Lambda function as API Gateway does: resolve the integration URI, check the
function's resource-based policy, invoke it through the in-process runtime."""

from __future__ import annotations

import re
import time
from typing import Any

from .. import control_plane, latency
from .. import policy as iam
from ..context import InvocationContext, fill_stage_variables
from ..errors import IntegrationTimeout, InternalServerError

_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:[^:]+:lambda:path/2015-03-31/functions/(.+)/invocations"
)
DEFAULT_TIMEOUT_MS = 29_000


def is_lambda_uri(uri: str) -> bool:
    """Whether an integration URI names a Lambda function (else: another AWS service)."""
    return _URI.fullmatch(uri or "") is not None


#: the function part of the Lambda invocation URIs read so far
_functions_in_uris: dict[str, str] = {}


def function_from_uri(uri: str, stage_variables: dict[str, str]) -> str:
    """The function ARN (or name) in a Lambda integration URI, stage variables substituted."""
    name = _functions_in_uris.get(uri)
    if name is None:
        found = _URI.fullmatch(uri or "")
        if not found:
            raise InternalServerError(
                reason=f"integration URI is not a Lambda invocation URI: {uri}"
            )
        name = found.group(1)
        if len(_functions_in_uris) >= 1024:
            _functions_in_uris.clear()
        _functions_in_uris[uri] = name
    return fill_stage_variables(name, stage_variables)


def invoked_arn(name: str, fn: Any) -> str:
    """The ARN API Gateway invokes: the function's, with the version or alias the URI names
    (``...:function:greeter:prod``). Lambda checks the resource-based policy of exactly
    that qualifier: a permission on the unqualified function does not cover an alias or a
    version [doc] Lambda DG "access-control-resource-based"; ``$LATEST`` is the
    unqualified function."""
    base = f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"
    tail = name.rsplit(":function:", 1)[-1] if ":function:" in name else name
    _, _, qualifier = tail.partition(":")
    return f"{base}:{qualifier}" if qualifier and qualifier != "$LATEST" else base


def source_arn(ctx: InvocationContext) -> str:
    """The ARN API Gateway presents to Lambda: stage, method and resource path template
    (HTTP APIs: the route's path template; the ``$default`` route gives ``{stage}/$default``;
    WebSocket APIs: the route key)."""
    assert ctx.stage is not None
    if ctx.api_type == "WEBSOCKET" or ctx.route_key == "$default":
        tail = ctx.route_key  # WebSocket APIs: {stage}/{route key}, e.g. prod/$connect
    else:
        assert ctx.method_request is not None
        tail = f"{ctx.method_request.method}{ctx.resource_path}"
    return f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/{ctx.stage.name}/{tail}"


def function_error_reason(payload: bytes) -> str:
    """``"ErrorType: message"`` from a function's error payload (for traces and logs)."""
    import json

    try:
        err = json.loads(payload)
        return f"{err.get('errorType')}: {err.get('errorMessage')}"
    except (ValueError, AttributeError):
        return "function error"


class FunctionUnavailable(Exception):
    """API Gateway cannot call the function: it does not exist, or may not be invoked."""


class FunctionTimedOut(Exception):
    """The caller's deadline ran out before the function answered."""


#: the last decisions of functions' resource-based policies, by (function, the invoked
#: version or alias ARN, source ARN, account); each holds the function and the statements
#: it was made from, and is used only while the function's policy holds the same statements
#: (moto replaces or removes a statement, never edits one), so a changed permission is seen
#: at once
_decisions: dict[tuple[int, str, str, str], tuple[Any, tuple[Any, ...], iam.Decision]] = {}
_DECISIONS_KEPT = 1024


def _permission(fn: Any, arn: str, source_arn: str, account_id: str) -> iam.Decision:
    """May API Gateway, calling from ``source_arn``, invoke ``arn`` (``fn`` or one of its
    versions or aliases)? (Its resource policy.)"""
    statements = tuple(control_plane.lambda_policy_statements(fn))
    key = (id(fn), arn, source_arn, account_id)
    known = _decisions.get(key)
    # tuple equality looks at identity first: the same statement objects compare at once
    if known is not None and known[0] is fn and known[1] == statements:
        return known[2]
    decision = iam.evaluate(
        statements,
        action="lambda:InvokeFunction",
        resource=arn,
        principal={"Service": ["apigateway.amazonaws.com"]},
        context={"AWS:SourceArn": source_arn, "AWS:SourceAccount": account_id},
    )
    if len(_decisions) >= _DECISIONS_KEPT:
        _decisions.clear()
    _decisions[key] = (fn, statements, decision)
    return decision


def resolve_function(
    ctx: InvocationContext, uri: str, *, source_arn: str, credentials: str | None
) -> tuple[Any, str]:
    """The function a Lambda invocation URI names and the (qualified) ARN to invoke, once
    API Gateway may invoke it: the resource-based policy of that version or alias must allow
    ``source_arn`` (unless API Gateway calls with a role, ``credentials``). Raises
    :class:`FunctionUnavailable`."""
    assert ctx.stage is not None
    name = function_from_uri(uri, ctx.stage.variables)
    fn = control_plane.lambda_function(ctx.account_id, ctx.region, name)
    if fn is None:
        raise FunctionUnavailable(f"Lambda function {name} does not exist")
    arn = invoked_arn(name, fn)
    if not credentials:
        decision = _permission(fn, arn, source_arn, ctx.account_id)
        if not decision.allowed:
            ctx.trace.add(
                "lambda-permission", decision.effect, function=arn, source_arn=source_arn
            )
            raise FunctionUnavailable(
                "Execution failed due to configuration error: Invalid permissions on Lambda"
                f" function (no lambda:InvokeFunction on {arn} for {source_arn})"
            )
    return fn, arn


def call_function(
    ctx: InvocationContext,
    uri: str,
    event: Any,
    *,
    source_arn: str,
    credentials: str | None,
    timeout_s: float,
) -> Any:
    """Invoke the function a Lambda invocation URI names, as API Gateway does for an
    integration or an authorizer: check its resource-based policy for ``source_arn`` (unless
    API Gateway calls with a role, ``credentials``), then run it in the in-process runtime.

    Raises :class:`FunctionUnavailable` (no such function, no permission) and
    :class:`FunctionTimedOut`; each caller answers with its own gateway error.
    """
    fn, arn = resolve_function(ctx, uri, source_arn=source_arn, credentials=credentials)
    unqualified = ":" not in arn.rsplit(":function:", 1)[-1]
    # the unqualified function is the one just resolved; a version or an alias is looked up
    # by the runtime, which also routes a weighted alias's invocations
    result = ctx.plane.runtime.invoke(
        arn,
        event,
        account_id=ctx.account_id,
        region=ctx.region,
        deadline_s=timeout_s,
        resolved=fn if unqualified else None,
    )
    if result.caller_deadline_hit:
        raise FunctionTimedOut(f"no answer within {int(timeout_s * 1000)} ms")
    return result


def invoke(
    ctx: InvocationContext, event: Any, integration: dict[str, Any], *, asynchronous: bool = False
) -> Any:
    """Invoke the integration's function with ``event``; returns the runtime's result.

    ``asynchronous`` (``X-Amz-Invocation-Type: Event``, non-proxy only): the function runs
    after API Gateway has answered; the result is ``None`` (Lambda's 202, no payload).

    Raises the gateway errors AWS answers with: 500 when the function is missing or API
    Gateway may not invoke it, 504 when ``timeoutInMillis`` runs out first.
    """
    assert ctx.stage is not None
    uri = integration.get("uri", "")
    if asynchronous:
        try:
            fn, _ = resolve_function(
                ctx, uri, source_arn=source_arn(ctx), credentials=integration.get("credentials")
            )
        except FunctionUnavailable as err:
            raise InternalServerError(reason=str(err)) from None
        started = time.perf_counter()
        ctx.plane.runtime.invoke_function_async(fn, event)
        measured = (time.perf_counter() - started) * 1000
        ctx.integration_latency_ms = latency.aws_service_ms(ctx, measured)
        ctx.integration_status = 202
        ctx.trace.add("integration", "Lambda invoked asynchronously (Event)", status=202)
        return None
    timeout_s = (integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
    started = time.perf_counter()
    try:
        result = call_function(
            ctx,
            uri,
            event,
            source_arn=source_arn(ctx),
            credentials=integration.get("credentials"),
            timeout_s=timeout_s,
        )
    except FunctionUnavailable as err:
        raise InternalServerError(reason=str(err)) from None
    except FunctionTimedOut as err:
        measured = (time.perf_counter() - started) * 1000
        ctx.integration_latency_ms = latency.timed_out_ms(ctx, timeout_s * 1000, measured)
        ctx.trace.add("integration", "timed out", timeout_ms=int(timeout_s * 1000))
        raise IntegrationTimeout(reason=str(err)) from None
    measured = (time.perf_counter() - started) * 1000
    ctx.integration_latency_ms = latency.lambda_ms(ctx, result, measured)
    ctx.integration_status = 200
    ctx.lambda_invocation = result
    return result
