"""The one invocation context every pipeline step reads and writes.

Its records are named after the boxes of the API Gateway console's method execution view:
method request → integration request → integration response → method response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .errors import GatewayError
from .http import HttpRequest, HttpResponse
from .snapshot import MethodConfig, RestSnapshot
from .snapshot_v2 import HttpSnapshot, RouteConfig
from .trace import Trace


@dataclass(slots=True)
class MethodRequest:
    """The client's request as API Gateway understood it (after parsing)."""

    method: str
    #: decoded resource path without the stage, e.g. "/pets/1"
    path: str
    headers: dict[str, list[str]]  # names as sent (or as the endpoint type rewrote them)
    query: dict[str, list[str]]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """The last value sent for ``name``, looked up case-insensitively (as
        :meth:`HttpRequest.header`), also when it came under differently-cased names."""
        name = name.lower()
        size = len(name)
        found = None
        for key, values in self.headers.items():
            # the length first: most names differ in it, and it costs no lower-casing
            if len(key) == size and key.lower() == name and values:
                found = values[-1]
        return found


_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def fill_stage_variables(text: str, variables: dict[str, str]) -> str:
    """``${stageVariables.x}`` in an integration URI or credentials ARN replaced by the
    stage's value (empty when the stage does not set it)."""
    if "${" not in text:
        return text
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


@dataclass(slots=True)
class StageView:
    """The live stage settings (not frozen: stage variables change without a redeploy)."""

    name: str
    deployment_id: str
    variables: dict[str, str]
    method_settings: dict[str, Any]
    access_log_settings: dict[str, Any] | None
    raw: Any = None


@dataclass(slots=True)
class InvocationContext:
    request: HttpRequest
    request_id: str
    extended_request_id: str
    #: lab clock at arrival (epoch seconds) and a real-time stamp for latencies
    request_time: float
    started: float
    account_id: str
    region: str
    #: the DataPlane serving this request (snapshots, Lambda runtime, metrics)
    plane: Any
    api_id: str = ""
    #: the control plane's record of the API, looked up once when the request arrives
    rest_api: Any = None
    api_type: str = "REST"
    endpoint_type: str = "EDGE"
    source_vpce: str | None = None
    stage: StageView | None = None
    deployment: RestSnapshot | None = None
    method_request: MethodRequest | None = None
    route: MethodConfig | None = None
    resource_path: str = ""
    #: what the integration was sent (e.g. the Lambda event) and answered
    integration_request: Any = None
    integration_response: Any = None
    integration_latency_ms: float | None = None
    integration_status: int | None = None
    method_response: HttpResponse | None = None
    error: GatewayError | None = None
    trace: Trace = None  # type: ignore[assignment]
    #: $context.authorizer.* and $context.identity.* extras set by later steps
    authorizer: dict[str, Any] | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    #: the SigV4-authenticated caller (:class:`~helpers.gateway.auth.sigv4.Caller`), if any
    caller: Any = None
    #: the resource policy's decision (:class:`~helpers.gateway.policy.Decision`), REST only
    resource_policy: Any = None
    #: the API key the request presented (header) or its authorizer named (usageIdentifierKey)
    api_key: str | None = None
    #: what a usage plan grants the request's API key (:class:`~.limits.usage_plans.Grant`)
    usage: Any = None
    #: the stage cache: "hit" or "miss" when the method's answers are cached, the entry's
    #: key and TTL, and the warning header an ignored ``Cache-Control`` earns
    cache_status: str | None = None
    cache_key: tuple | None = None
    cache_ttl_s: int = 0
    cache_warning: tuple[str, str] | None = None
    #: HTTP APIs (apigatewayv2): the control plane's Api, the frozen deployment, the
    #: matched route, its key ("GET /pets/{id}", "$default"), and whether the answer is
    #: API Gateway's own CORS preflight
    http_api: Any = None
    http_deployment: HttpSnapshot | None = None
    http_route: RouteConfig | None = None
    route_key: str = ""
    cors_preflight: bool = False
    #: WebSocket APIs: the connection (:class:`~.ws.connections.Connection`), the event
    #: ("CONNECT", "MESSAGE", "DISCONNECT"), the message as received and its id, the frozen
    #: deployment, the handshake's headers, the close code and reason, and the frame to
    #: send back to the client (a two-way route's answer or an error message), if any
    connection: Any = None
    event_type: str = ""
    message: str | bytes | None = None
    message_id: str | None = None
    ws_deployment: Any = None
    handshake_headers: dict[str, list[str]] | None = None
    disconnect: tuple[int, str] | None = None
    reply: str | bytes | None = None
    #: releases: whether the stage's canary answered this request (REST canary releases),
    #: the host name the client called (an execute-api host or a custom domain name) and the
    #: custom domain's base path (API mapping key) that matched, "" on the execute-api host
    canary: bool = False
    domain_name: str = ""
    base_path_matched: str = ""
    #: a request to a custom domain name: where DNS and the mappings sent it
    #: (:class:`~helpers.gateway.custom_domains.DomainMatch`); None on an execute-api host
    custom_domain: Any = None
    #: operations: a Lambda authorizer's time (lab time on a frozen clock, see
    #: :mod:`~helpers.gateway.latency`), the Lambda integration's invocation result (its
    #: request id, init phase, duration), the answer's latency (set once by the observe
    #: step, read by metrics, logs and X-Ray), and the X-Ray trace id when sampled
    authorizer_latency_ms: float = 0.0
    lambda_invocation: Any = None
    response_latency_ms: float | None = None
    xray_trace_id: str | None = None


def called_domain(ctx: InvocationContext) -> str:
    """``$context.domainName``: the host name the client called (a custom domain, or the
    API's execute-api name)."""
    return ctx.domain_name or f"{ctx.api_id}.execute-api.{ctx.region}.amazonaws.com"


def domain_prefix(ctx: InvocationContext) -> str:
    """``$context.domainPrefix``: the first label of the called host name."""
    return called_domain(ctx).split(".", 1)[0]


def client_path(ctx: InvocationContext) -> str:
    """The decoded path the client called: ``/{stage}/pets`` on an execute-api host, the
    path with its base path (no stage) on a custom domain (``/v1/pets``)."""
    if ctx.custom_domain is not None:
        return unquote(ctx.request.path or "/", errors="replace")
    assert ctx.stage is not None and ctx.method_request is not None
    prefix = "" if ctx.stage.name == "$default" else f"/{ctx.stage.name}"
    return prefix + ctx.method_request.path
