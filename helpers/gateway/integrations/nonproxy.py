"""Non-proxy integrations (REST ``AWS``, ``HTTP`` and ``MOCK``): one flow, three backends.

Each box of the console's method-execution view is one function here:

1. **integration request** — parameter mappings (``requestParameters``) and the request
   template chosen by Content-Type, or passthrough per ``passthroughBehavior`` (§5.2);
2. **the backend** — Lambda (custom integration, sync or ``Event``), another AWS service
   signed with the integration's role, an HTTP endpoint, or nothing at all (MOCK);
3. **integration response** — chosen by ``selectionPattern`` against the Lambda
   ``errorMessage`` or the backend's HTTP status (§5.3), then its parameter mappings and
   response template;
4. **method response** — the selected status must be a declared method response.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..context import InvocationContext
from ..errors import ApiConfigurationError, InternalServerError, UnsupportedMediaType
from ..http import HttpResponse
from ..mapping import params as param_mapping
from ..mapping import vtl
from ..mapping.context_vars import context_map
from . import lambda_invoke

#: a missing Content-Type is treated as JSON when choosing a template (§5.2)
DEFAULT_CONTENT_TYPE = "application/json"


@dataclass(slots=True)
class IntegrationRequest:
    """What API Gateway sends to the backend (shown in traces and notebooks)."""

    body: bytes
    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, list[str]] = field(default_factory=dict)
    header: dict[str, list[str]] = field(default_factory=dict)
    template: str | None = None  # the content type whose template ran, None for passthrough
    overrides: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass(slots=True)
class BackendAnswer:
    """The endpoint's answer, before the integration response maps it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: Lambda custom integrations: the function error's ``errorMessage`` (None on success)
    error_message: str | None = None
    lambda_error: bool = False
    is_lambda: bool = False


# ------------------------------------------------------------------ integration request


def request_content_type(ctx: InvocationContext) -> str:
    mreq = ctx.method_request
    assert mreq is not None
    value = mreq.header("content-type")
    if not value:
        return DEFAULT_CONTENT_TYPE
    return value.split(";")[0].strip().lower()


def template_input(ctx: InvocationContext, body: bytes) -> vtl.TemplateInput:
    mreq = ctx.method_request
    assert mreq is not None
    return vtl.TemplateInput(
        body=body.decode("utf-8", errors="replace"),
        path=dict(mreq.path_params),
        querystring={k: v[-1] for k, v in mreq.query.items() if v},
        header={k: v[-1] for k, v in mreq.headers.items() if v},
    )


def render(ctx: InvocationContext, template: str, body: bytes, *, what: str) -> vtl.Rendered:
    assert ctx.stage is not None
    plain = vtl.literal(template)
    if plain is not None:
        return plain
    try:
        return vtl.render(
            template,
            template_input(ctx, body),
            context=context_map(ctx),
            stage_variables=dict(ctx.stage.variables),
        )
    except vtl.TemplateError as err:
        ctx.trace.add(what, "template failed", error=str(err))
        raise ApiConfigurationError(
            reason=f"Execution failed due to configuration error: Unable to transform {what}: {err}"
        ) from None


def build_request(ctx: InvocationContext, integration: dict[str, Any]) -> IntegrationRequest:
    """Parameter mappings, then the request template or passthrough (or 415)."""
    mreq = ctx.method_request
    assert mreq is not None
    mapped = param_mapping.map_request(integration.get("requestParameters") or {}, ctx)
    out = IntegrationRequest(
        body=mreq.body, path=mapped.path, querystring=mapped.querystring, header=mapped.header
    )
    templates: dict[str, str] = integration.get("requestTemplates") or {}
    content_type = request_content_type(ctx)
    behaviour = integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
    template = templates.get(content_type)
    if template is None:
        if behaviour == "NEVER" or (behaviour == "WHEN_NO_TEMPLATES" and templates):
            ctx.trace.add(
                "integration-request",
                f"415: no template for {content_type}",
                passthrough=behaviour,
                templates=sorted(templates),
            )
            raise UnsupportedMediaType(
                reason=f"no request template for {content_type} and passthrough is {behaviour}"
            )
        ctx.trace.add("integration-request", "passthrough", content_type=content_type)
        return out
    rendered = render(ctx, template, mreq.body, what="request")
    out.body = rendered.text.encode()
    out.template = content_type
    out.overrides = rendered.overrides
    overrides = rendered.overrides.get("request") or {}
    for name, value in (overrides.get("header") or {}).items():
        out.header[name] = [str(value)]
    for name, value in (overrides.get("querystring") or {}).items():
        out.querystring[name] = [str(value)]
    for name, value in (overrides.get("path") or {}).items():
        out.path[name] = str(value)
    ctx.trace.add("integration-request", f"template {content_type}", sent=_preview(out.body))
    return out


def _preview(body: bytes, limit: int = 160) -> str:
    """The body on one line, for the trace (``{"a": 2, "b": 3}``)."""
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------ backends


def _header(mapped: dict[str, list[str]], name: str) -> str | None:
    for key, values in mapped.items():
        if key.lower() == name.lower() and values:
            return values[-1]
    return None


#: MOCK statuses already read, by mapped request body (a pure function of the bytes; a
#: MOCK's template renders the same few bodies over and over)
_mock_statuses: dict[bytes, int] = {}
_MOCK_STATUSES_KEPT = 256


def call_mock(ctx: InvocationContext, request: IntegrationRequest) -> BackendAnswer:
    """MOCK: the request template's ``statusCode`` is the "backend" status (§5.4)."""
    body = request.body
    status = _mock_statuses.get(body) if type(body) is bytes else None
    if status is None:
        status = _mock_status(body)
        if type(body) is bytes and len(body) <= 4096:
            if len(_mock_statuses) >= _MOCK_STATUSES_KEPT:
                _mock_statuses.clear()
            _mock_statuses[body] = status
    ctx.integration_status = status
    ctx.integration_latency_ms = 0.0
    ctx.trace.add("integration", f"MOCK answered {status}")
    return BackendAnswer(status, [], b"")


def _mock_status(body: bytes) -> int:
    """The ``statusCode`` a MOCK's mapped request body asks for (200 without one)."""
    if not body.strip():
        return 200
    try:
        data = json.loads(body)
    except ValueError:
        # [unc] AWS fails a MOCK whose mapped request is not JSON
        raise InternalServerError(
            reason="Execution failed due to configuration error: the MOCK request "
            'template must produce JSON such as {"statusCode": 200}'
        ) from None
    value = data.get("statusCode", 200) if isinstance(data, dict) else 200
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InternalServerError(reason=f"MOCK statusCode {value!r} is not a number") from None


def call_lambda(
    ctx: InvocationContext, integration: dict[str, Any], request: IntegrationRequest
) -> BackendAnswer:
    """Lambda custom integration: the mapped body is the event; errors keep status 200."""
    try:
        event = json.loads(request.body) if request.body.strip() else {}
    except ValueError:
        ctx.trace.add("integration", "Lambda refused the payload: not JSON")
        raise InternalServerError(
            reason="Lambda Invoke: InvalidRequestContentException: Could not parse request "
            "body into json (the integration request is not JSON)"
        ) from None
    invocation_type = _header(request.header, "X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type == "Event":
        lambda_invoke.invoke(ctx, event, integration, asynchronous=True)
        return BackendAnswer(202, [], b"", is_lambda=True)
    result = lambda_invoke.invoke(ctx, event, integration)
    payload = result.payload if isinstance(result.payload, bytes) else bytes(result.payload)
    message = None
    if result.function_error:
        try:
            data = json.loads(payload)
            message = data.get("errorMessage") if isinstance(data, dict) else None
        except ValueError:
            message = None
        message = "" if message is None else str(message)
        ctx.trace.add("integration", "function error", errorMessage=message)
    else:
        ctx.trace.add("integration", "Lambda answered")
    return BackendAnswer(
        200,
        [],
        payload,
        error_message=message,
        lambda_error=bool(result.function_error),
        is_lambda=True,
    )


def call_aws_service(
    ctx: InvocationContext, integration: dict[str, Any], request: IntegrationRequest
) -> BackendAnswer:
    from .aws_service import call_service

    answer = call_service(
        ctx,
        integration,
        body=request.body,
        headers=request.header,
        querystring=request.querystring,
        path_params=request.path,
    )
    return BackendAnswer(answer.status, list(answer.headers), answer.body)


def call_http(
    ctx: InvocationContext, integration: dict[str, Any], request: IntegrationRequest
) -> BackendAnswer:
    from .http import call_http_backend

    return call_http_backend(ctx, integration, request)


def call_backend(
    ctx: InvocationContext, integration: dict[str, Any], request: IntegrationRequest
) -> BackendAnswer:
    kind = integration.get("type")
    if kind == "MOCK":
        return call_mock(ctx, request)
    if kind == "HTTP":
        return call_http(ctx, integration, request)
    if lambda_invoke.is_lambda_uri(integration.get("uri") or ""):
        return call_lambda(ctx, integration, request)
    return call_aws_service(ctx, integration, request)


# ------------------------------------------------------------------ integration response


def select_response(
    responses: dict[str, dict[str, Any]], answer: BackendAnswer
) -> tuple[str, dict[str, Any]] | None:
    """The integration response for this answer (§5.3), or None.

    Lambda: patterns are matched against ``errorMessage`` (function errors only; a success
    takes the default response). Others: against the backend's status code. A pattern
    must match the whole text (Java ``String.matches``); ``.`` does not cross newlines.
    """
    default: tuple[str, dict[str, Any]] | None = None
    patterned = []
    for key, response in responses.items():
        pattern = response.get("selectionPattern")
        if pattern:
            patterned.append((key, response, pattern))
        elif default is None:
            default = (key, response)
    if answer.is_lambda:
        subject = answer.error_message if answer.lambda_error else None
    else:
        subject = str(answer.status)
    if subject is not None:
        for key, response, pattern in patterned:
            try:
                if re.fullmatch(pattern, subject):
                    return key, response
            except re.error:
                continue
    if default is None and subject is None:
        # [unc] a success with only patterned responses: ".*" still matches it
        for key, response, pattern in patterned:
            if re.fullmatch(pattern, ""):
                return key, response
    return default


def response_template(templates: dict[str, str], ctx: InvocationContext) -> tuple[str, str] | None:
    """(content type, template): the client's Accept first, then JSON, then the first one."""
    if not templates:
        return None
    mreq = ctx.method_request
    assert mreq is not None
    accept = mreq.header("accept") or ""
    for part in accept.split(","):
        wanted = part.split(";")[0].strip().lower()
        if wanted in templates:
            return wanted, templates[wanted]
    if DEFAULT_CONTENT_TYPE in templates:
        return DEFAULT_CONTENT_TYPE, templates[DEFAULT_CONTENT_TYPE]
    first = next(iter(templates))
    return first, templates[first]


def build_response(
    ctx: InvocationContext, integration: dict[str, Any], answer: BackendAnswer
) -> HttpResponse:
    responses: dict[str, dict[str, Any]] = integration.get("integrationResponses") or {}
    selected = select_response(responses, answer)
    if selected is None:
        ctx.trace.add(
            "integration-response",
            "no match and no default",
            status=answer.status,
            **({"errorMessage": answer.error_message} if answer.lambda_error else {}),
        )
        raise ApiConfigurationError(
            reason="Execution failed due to configuration error: No match for output mapping "
            f"and no default output mapping configured. Endpoint Response Status Code: "
            f"{answer.status}"
        )
    key, response = selected
    status = int(response.get("statusCode") or key)
    assert ctx.route is not None
    method_responses = ctx.route.method.get("methodResponses") or {}
    if str(status) not in method_responses:
        ctx.trace.add("method-response", f"{status} is not a method response")
        raise ApiConfigurationError(
            reason=f"Execution failed due to configuration error: Output mapping refers to an "
            f"invalid method response: {status}"
        )
    headers = param_mapping.map_response(
        response.get("responseParameters") or {},
        headers=answer.headers,
        body=answer.body,
        ctx=ctx,
    )
    chosen = response_template(response.get("responseTemplates") or {}, ctx)
    if chosen is None:
        content_type, body = DEFAULT_CONTENT_TYPE, answer.body
        how = "passthrough"
    else:
        content_type, template = chosen
        rendered = render(ctx, template, answer.body, what="response")
        body = rendered.text.encode()
        how = f"template {content_type}"
        override = rendered.overrides.get("response") or {}
        if override.get("status"):
            status = int(override["status"])
        for name, value in (override.get("header") or {}).items():
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
            headers.append((name, str(value)))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", content_type))
    pattern = response.get("selectionPattern")
    ctx.trace.add(
        "integration-response",
        f"{key} ({'pattern ' + repr(pattern) if pattern else 'default'}) -> {status}",
        body=how,
    )
    return HttpResponse(status, headers, body)


# ------------------------------------------------------------------ the flow


def integrate(ctx: InvocationContext) -> None:
    """AWS / HTTP / MOCK: map the request, call the backend, map its answer."""
    assert ctx.route is not None
    integration = ctx.route.integration or {}
    request = build_request(ctx, integration)
    ctx.integration_request = request
    answer = call_backend(ctx, integration, request)
    ctx.integration_response = answer
    ctx.method_response = build_response(ctx, integration, answer)
