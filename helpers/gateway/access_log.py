"""Access logs: one line per request (REST, HTTP) or WebSocket event, in the stage's format,
into CloudWatch Logs — or, for REST stages, Kinesis Data Firehose (DG set-up-logging,
apigateway-logging-to-kinesis, http-api-logging, websocket-api-logging).

A format is any text with ``$context.*`` variables: CLF, JSON, XML, CSV, or your own. It is
parsed once (:func:`compile_format`) and each request fills in its values; a variable with
no value is written ``-`` [unc: AWS's placeholder in CLF-style lines]. Lines are stamped
with the request's arrival on the lab clock and buffered (:mod:`.log_buffer`) until
something reads logs.

Destinations: ``arn:aws:logs:{region}:{account}:log-group:{name}`` (the group must exist:
API Gateway does not create it), or for REST
``arn:aws:firehose:{region}:{account}:deliverystream/amazon-apigateway-{name}``. Canary
requests are logged to the group named ``{name}/Canary`` too (:func:`groups`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .context import InvocationContext
from .integrations.lambda_proxy import clf_time
from .log_buffer import Line, stream_name
from .log_buffer import to_firehose as deliver_to_firehose
from .mapping.context_vars import context_map, flatten

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")
#: [unc] what a variable without a value is written as
MISSING = "-"


@lru_cache(maxsize=512)
def compile_format(fmt: str) -> tuple[tuple[str, str | None], ...]:
    """``"$context.requestId $context.status"`` → ``(("", "requestId"), (" ", "status"))``:
    literal text, then the variable that follows it (None after the last variable)."""
    parts: list[tuple[str, str | None]] = []
    last = 0
    for match in _VARIABLE.finditer(fmt):
        name = match.group(1).rstrip(".")
        parts.append((fmt[last : match.start()], name))
        last = match.start() + 1 + len("context.") + len(name)
    parts.append((fmt[last:], None))
    return tuple(parts)


def _int(value: float | None) -> int | None:
    return None if value is None else round(value)


def _integration_error(ctx: InvocationContext) -> str | None:
    err = ctx.error
    if err is None or ctx.integration_request is None:
        return None
    return err.reason or err.message


def _domain(ctx: InvocationContext) -> str:
    return ctx.domain_name or f"{ctx.api_id}.execute-api.{ctx.region}.amazonaws.com"


#: variables answered from the context directly, without building the whole ``$context``
_FAST: dict[str, Callable[[InvocationContext], Any]] = {
    "requestId": lambda c: c.request_id,
    "extendedRequestId": lambda c: c.extended_request_id,
    "apiId": lambda c: c.api_id,
    "accountId": lambda c: c.account_id,
    "stage": lambda c: c.stage.name if c.stage else None,
    "status": lambda c: _status(c),
    "responseLength": lambda c: len(c.method_response.body) if c.method_response else None,
    "responseLatency": lambda c: _int(c.response_latency_ms),
    "integrationLatency": lambda c: _int(c.integration_latency_ms),
    "integration.latency": lambda c: _int(c.integration_latency_ms),
    "integrationStatus": lambda c: c.integration_status,
    "integration.status": lambda c: c.integration_status,
    "integration.integrationStatus": lambda c: c.integration_status,
    "integrationErrorMessage": _integration_error,
    "integration.error": _integration_error,
    "protocol": lambda c: "HTTP/1.1",
    "httpMethod": lambda c: c.method_request.method if c.method_request else c.request.method,
    "resourcePath": lambda c: c.resource_path or None,
    "resourceId": lambda c: c.route.resource_id if c.route else None,
    "requestTime": lambda c: clf_time(c.request_time),
    "requestTimeEpoch": lambda c: int(c.request_time * 1000),
    "identity.sourceIp": lambda c: c.identity.get("sourceIp", c.request.source_ip),
    "identity.apiKey": lambda c: c.identity.get("apiKey"),
    "identity.apiKeyId": lambda c: c.identity.get("apiKeyId"),
    "path": lambda c: (
        f"/{c.stage.name}{c.method_request.path}"
        if (c.method_request and c.stage)
        else c.request.path
    ),
    "xrayTraceId": lambda c: c.xray_trace_id,
    "domainName": _domain,
    "domainPrefix": lambda c: _domain(c).split(".")[0],
    "customDomain.basePathMatched": lambda c: c.base_path_matched or None,
    "isCanaryRequest": lambda c: "true" if c.canary else "false",
    "error.message": lambda c: c.error.message if c.error else None,
    "error.responseType": lambda c: c.error.response_type if c.error else None,
}


def _status(ctx: InvocationContext) -> int | None:
    resp = ctx.method_response
    if resp is None:
        return None
    if ctx.api_type == "WEBSOCKET" and resp.status == 101:
        return 200  # [unc] an accepted $connect is logged as 200, not 101
    return resp.status


def context_variables(ctx: InvocationContext) -> dict[str, Any]:
    """Every ``$context`` variable an access log format can use, by dotted name: the ones
    templates see (:func:`~helpers.gateway.mapping.context_vars.context_map`) and the
    access-log-only ones (status, latencies, lengths, the domain, X-Ray)."""
    websocket = ctx.api_type == "WEBSOCKET"
    values = _websocket_variables(ctx) if websocket else flatten(context_map(ctx))
    for name, get in _FAST.items():
        if websocket and name in ("domainName", "domainPrefix", "stage", "requestId"):
            continue  # the event's requestContext says it
        values[name] = get(ctx)
    if ctx.api_type == "HTTP":  # DG http-api-logging-variables
        values["routeKey"] = ctx.route_key or None
        # [unc] bytes in and out, as the HTTP API metrics count them
        resp = ctx.method_response
        values["dataProcessed"] = len(ctx.request.body) + (len(resp.body) if resp else 0)
        # the path as requested: with the stage for a named stage, without for $default
        values["path"] = ctx.request.path or "/"
        values["resourceId"] = values["resourcePath"] = None
    if ctx.authorizer_latency_ms:
        values["authorizer.latency"] = values["authorizer.integrationLatency"] = _int(
            ctx.authorizer_latency_ms
        )
    return values


def _websocket_variables(ctx: InvocationContext) -> dict[str, Any]:
    """DG websocket-api-logging: the event's requestContext (connectionId, eventType,
    messageId, routeKey, connectedAt, ...) plus error.message / error.responseType."""
    from .ws import events

    context = events.request_context(
        ctx.connection,
        event_type=ctx.event_type,
        route_key=ctx.route_key,
        request_id=ctx.request_id,
        now=ctx.request_time,
        message_id=ctx.message_id,
        disconnect=ctx.disconnect,
    )
    return flatten(context)


@lru_cache(maxsize=512)
def _rest_renderer(fmt: str) -> Callable[[InvocationContext], str]:
    """A function writing ``fmt``'s line for a REST request, generated once per format:
    one expression joining the literal parts and the variables' values (the variables
    outside :data:`_FAST` are looked up in the whole ``$context``, built only if needed)."""
    namespace: dict[str, Any] = {"_everything": context_variables, "_MISSING": MISSING}
    pieces = []
    slow = False
    for i, (literal, name) in enumerate(compile_format(fmt)):
        if literal:
            namespace[f"_l{i}"] = literal
            pieces.append(f"_l{i}")
        if name is None:
            continue
        if name in _FAST:
            namespace[f"_g{i}"] = _FAST[name]
            value = f"_g{i}(c)"
        else:
            slow = True
            value = f"_all.get({name!r})"
        pieces.append(f"(_MISSING if (_v := {value}) is None else str(_v))")
    body = " + ".join(pieces) or "''"
    prelude = "    _all = _everything(c)\n" if slow else ""
    source = f"def _render(c):\n{prelude}    return {body}\n"
    exec(compile(source, f"<access log format {fmt[:40]!r}>", "exec"), namespace)
    return namespace["_render"]  # type: ignore[no-any-return]


def render(fmt: str, ctx: InvocationContext) -> str:
    """One access-log line: ``fmt`` with this request's values."""
    if ctx.api_type == "REST":
        return _rest_renderer(fmt)(ctx)
    out: list[str] = []
    everything: dict[str, Any] | None = None
    for literal, name in compile_format(fmt):
        out.append(literal)
        if name is None:
            continue
        if everything is None:
            everything = context_variables(ctx)
        value = everything.get(name)
        out.append(MISSING if value is None else str(value))
    return "".join(out)


#: a canary request's access log line goes to a second group, the stage's group name with
#: this suffix [doc: DG canary-release]; API Gateway creating that group is [unc]
CANARY_GROUP_SUFFIX = "/Canary"


def groups(ctx: InvocationContext, group: str) -> list[str]:
    """The log groups a request's access log line goes to: the stage's group, or for a
    canary request ``{group}/Canary``."""
    return [group + CANARY_GROUP_SUFFIX] if ctx.canary else [group]


@lru_cache(maxsize=256)
def destination(arn: str) -> tuple[str, str, str, str] | None:
    """(kind "logs" or "firehose", region, account, group or delivery stream) of a
    destination ARN; None when it is neither."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "logs" and parts[5] == "log-group":
        return "logs", parts[3], parts[4], parts[6]
    if len(parts) >= 6 and parts[2] == "firehose" and parts[5].startswith("deliverystream/"):
        return "firehose", parts[3], parts[4], parts[5].partition("/")[2]
    return None


def write(ctx: InvocationContext) -> None:
    """Buffer the access log line of this request, if the stage has access logging."""
    settings = ctx.stage.access_log_settings if ctx.stage else None
    if not settings:
        return
    arn, fmt = settings.get("destinationArn"), settings.get("format")
    if not arn or not fmt:
        return
    found = destination(arn)
    if found is None:
        return
    kind, region, account, name = found
    stamp = int(ctx.request_time * 1000)
    if kind == "firehose":
        if ctx.api_type == "REST":
            # delivered at once: its readers (S3, ...) have no hook to flush a buffer
            line = {"timestamp": stamp, "message": render(fmt, ctx)}
            deliver_to_firehose(account, region, name, [line])
        return
    line = render(fmt, ctx)
    stream = stream_name(ctx.api_id, ctx.stage.name if ctx.stage else "")
    add = ctx.plane.logs.add
    for group in groups(ctx, name):
        # a canary's group is made by API Gateway [unc]; the stage's own must exist
        add(Line(account, region, group, stream, stamp, line, create_group=group != name))
