"""Calling a Lambda function as API Gateway does: resolve the integration URI, check the
function's resource-based policy, invoke it through the in-process runtime."""

from __future__ import annotations

import re
import time
from typing import Any

from .. import control_plane
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


def function_from_uri(uri: str, stage_variables: dict[str, str]) -> str:
    """The function ARN (or name) in a Lambda integration URI, stage variables substituted."""
    found = _URI.fullmatch(uri or "")
    if not found:
        raise InternalServerError(reason=f"integration URI is not a Lambda invocation URI: {uri}")
    return fill_stage_variables(found.group(1), stage_variables)


def source_arn(ctx: InvocationContext) -> str:
    """The ARN API Gateway presents to Lambda: stage, method and resource path template
    (HTTP APIs: the route's path template; the ``$default`` route gives ``{stage}/$default``)."""
    assert ctx.stage is not None and ctx.method_request is not None
    tail = f"{ctx.method_request.method}{ctx.resource_path}"
    if ctx.route_key == "$default":
        tail = "$default"
    return f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/{ctx.stage.name}/{tail}"


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
    name = function_from_uri(integration.get("uri", ""), ctx.stage.variables)
    fn = control_plane.lambda_function(ctx.account_id, ctx.region, name)
    if fn is None:
        raise InternalServerError(reason=f"Lambda function {name} does not exist")
    arn = source_arn(ctx)
    if not integration.get("credentials"):
        decision = iam.evaluate(
            control_plane.lambda_policy_statements(fn),
            action="lambda:InvokeFunction",
            resource=fn.function_arn,
            principal={"Service": ["apigateway.amazonaws.com"]},
            context={"AWS:SourceArn": arn, "AWS:SourceAccount": ctx.account_id},
        )
        if not decision.allowed:
            ctx.trace.add("lambda-permission", decision.effect, source_arn=arn)
            raise InternalServerError(
                reason="Execution failed due to configuration error: Invalid permissions on Lambda"
                f" function (no lambda:InvokeFunction for {arn})"
            )
    if asynchronous:
        started = time.perf_counter()
        ctx.plane.runtime.invoke_function_async(fn, event)
        ctx.integration_latency_ms = (time.perf_counter() - started) * 1000
        ctx.integration_status = 202
        ctx.trace.add("integration", "Lambda invoked asynchronously (Event)", status=202)
        return None
    timeout_s = (integration.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000
    started = time.perf_counter()
    result = ctx.plane.runtime.invoke(
        fn.function_arn, event, account_id=ctx.account_id, region=ctx.region, deadline_s=timeout_s
    )
    ctx.integration_latency_ms = (time.perf_counter() - started) * 1000
    if result.caller_deadline_hit:
        ctx.trace.add("integration", "timed out", timeout_ms=int(timeout_s * 1000))
        raise IntegrationTimeout(reason=f"no answer within {int(timeout_s * 1000)} ms")
    ctx.integration_status = 200
    return result
