"""Route moto's Lambda ``Invoke`` through the in-process runtime.

moto stores functions but, without Docker, cannot run them. After
:func:`install_moto_invoke_patch`, ``boto3.client("lambda").invoke(...)`` answered by moto
runs the function with a :class:`~helpers.lambda_runtime.LambdaRuntime`:

* ``RequestResponse`` (the default): the response payload is the function's, with
  ``X-Amz-Function-Error: Unhandled`` on errors, ``X-Amz-Executed-Version``, and
  ``X-Amz-Log-Result`` (base64 of the last 4 KB of the log) when ``LogType="Tail"``.
* ``Event``: 202 with an empty payload at once; the function runs in a short-lived background
  thread, as it would run after the response on AWS (``LambdaRuntime.
  wait_for_async_invocations()`` waits for it). Errors are only visible in its logs.
* ``DryRun``: 204, the function does not run.

A function the runtime cannot run (``UnsupportedRuntime``) raises that exception out of the
boto3 call, rather than answer with a fake success. Also patched: moto's Lambda "simple"
backend (``mock_aws(config={"lambda": {"use_docker": False}})``), which would otherwise answer
canned text. (Flushing the runtime's buffered logs before CloudWatch Logs reads is wired by
the lab, through ``helpers.gateway.moto_hooks.before_logs_read``.)

moto also calls this for the event sources it emulates (an SNS subscription, an SQS event
source mapping, ...): those functions then run inline, synchronously, where AWS would invoke
them asynchronously.

Limit: moto hands the patch the function version it resolved, not the alias it was called
through, so ``context.invoked_function_arn`` names the version when invoked through an alias
(and an alias's ``RoutingConfig`` weights apply only to API Gateway's invocations, which the
runtime resolves itself). ``Qualifier`` reaches moto (it read a lower-case name only).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .runtime import LambdaRuntime

_state: dict[str, Any] = {"runtime": None, "installed": False}


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def _client_context(headers: Any) -> Any:
    raw = _header(headers, "X-Amz-Client-Context")
    if not raw:
        return None
    try:
        return json.loads(base64.b64decode(raw))
    except ValueError:
        return None


def _invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    from moto.awslambda.exceptions import LambdaClientError

    runtime: LambdaRuntime = _state["runtime"]
    invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    version = str(fn.version)
    qualifier = None if version == "$LATEST" else version
    if invocation_type == "DryRun":
        return b""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8")
    try:
        event = json.loads(body) if body else {}
    except ValueError as exc:
        raise LambdaClientError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {exc}",
        ) from None
    if invocation_type == "Event":
        runtime.invoke_function_async(fn, event, qualifier=qualifier)
        return b""
    log_type = _header(request_headers, "X-Amz-Log-Type")
    result = runtime.invoke_function(
        fn,
        event,
        qualifier=qualifier,
        log_type=log_type,
        client_context=_client_context(request_headers),
    )
    response_headers["x-amz-executed-version"] = result.executed_version
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    if log_type == "Tail":
        response_headers["x-amz-log-result"] = base64.b64encode(result.log_tail.encode()).decode()
    return result.payload


def _simple_backend_invoke(
    self: Any,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> Any:
    from moto.awslambda.models import LambdaBackend

    return LambdaBackend.invoke(self, function_name, qualifier, body, headers, response_headers)


def install_moto_invoke_patch(runtime: LambdaRuntime) -> None:
    """Make moto's Lambda ``Invoke`` run functions with ``runtime`` (idempotent).

    Calling it again with another runtime switches to that runtime.
    """
    _state["runtime"] = runtime
    if _state["installed"]:
        return
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse
    from moto.awslambda_simple.models import LambdaSimpleBackend

    LambdaFunction.invoke = _invoke  # type: ignore[method-assign,assignment]
    LambdaSimpleBackend.invoke = _simple_backend_invoke  # type: ignore[method-assign]
    original_response = LambdaResponse.invoke

    def invoke_response(self: Any) -> Any:
        # moto 5.2.5 reads the query parameter "qualifier", boto3 sends "Qualifier": without
        # this, invoking a version or an alias ran $LATEST
        found = self.querystring.get("Qualifier")
        if found and "qualifier" not in self.querystring:
            self.querystring["qualifier"] = found
        return original_response(self)

    LambdaResponse.invoke = invoke_response  # type: ignore[method-assign]
    _state["installed"] = True
