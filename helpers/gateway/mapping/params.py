"""REST parameter mappings (DG: request-response-data-mappings): an integration's
``requestParameters`` (``integration.request.header.X`` ← ``method.request.querystring.y``)
and an integration response's ``responseParameters`` (``method.response.header.X`` ←
``integration.response.body.id``). A source that is absent maps to nothing: the target is
left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..context import InvocationContext
from ..errors import EmulatorLimitation
from .context_vars import context_map, lookup
from .java import java_string, json_text
from .jsonpath import JsonPathError, select

_REQUEST_TARGETS = ("path", "querystring", "multivaluequerystring", "header", "multivalueheader")


def _invalid(expr: str, where: str) -> EmulatorLimitation:
    return EmulatorLimitation(
        f"{expr!r} is not a valid {where} mapping expression; API Gateway refuses it when the "
        "mapping is put (BadRequestException: Invalid mapping expression specified), "
        "moto accepted it. Fix the mapping and redeploy."
    )


def _static(expr: str) -> str | None:
    if len(expr) >= 2 and expr[0] == "'" and expr[-1] == "'":
        return expr[1:-1]
    return None


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else java_string(value)


def _body(body: bytes | str, suffix: str) -> str | None:
    """The body, or the value at the JSONPath ``$<suffix>`` in it (strings as they are,
    anything else as JSON text). A body that is not JSON maps to nothing [unc]."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not suffix:
        return text
    try:
        document = json.loads(text)
    except ValueError:
        return None
    try:
        value = select(document, "$" + suffix)
    except JsonPathError:
        raise _invalid("body" + suffix, "body JSONPath") from None
    if value is None:
        return None
    return value if isinstance(value, str) else json_text(value)


def _shared(expr: str, ctx: InvocationContext) -> tuple[bool, Any]:
    """Sources both directions accept: 'static', context.X, stageVariables.X."""
    static = _static(expr)
    if static is not None:
        return True, static
    if expr.startswith("context.") and len(expr) > len("context."):
        return True, _scalar(lookup(context_map(ctx), expr[len("context.") :]))
    if expr.startswith("stageVariables.") and len(expr) > len("stageVariables."):
        variables = ctx.stage.variables if ctx.stage else {}
        return True, variables.get(expr[len("stageVariables.") :])
    return False, None


def request_value(expr: str, ctx: InvocationContext) -> str | list[str] | None:
    """The value of a request mapping expression for this request (None when absent)."""
    expr = expr.strip()
    handled, value = _shared(expr, ctx)
    if handled:
        return value
    mreq = ctx.method_request
    assert mreq is not None
    if not expr.startswith("method.request."):
        raise _invalid(expr, "request parameter")
    rest = expr[len("method.request.") :]
    if rest == "body" or rest.startswith(("body.", "body[")):
        return _body(mreq.body, rest[len("body") :])
    kind, _, name = rest.partition(".")
    if not name:
        raise _invalid(expr, "request parameter")
    if kind == "path":
        return mreq.path_params.get(name)
    if kind == "querystring":
        values = mreq.query.get(name)
        return values[-1] if values else None
    if kind == "multivaluequerystring":
        values = mreq.query.get(name)
        return list(values) if values else None
    if kind == "header":
        return mreq.header(name)
    if kind == "multivalueheader":
        lowered = name.lower()
        found = [v for key, vs in mreq.headers.items() if key.lower() == lowered for v in vs]
        return found or None
    raise _invalid(expr, "request parameter")


@dataclass
class MappedRequest:
    """What the integration request gets from ``requestParameters``."""

    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, list[str]] = field(default_factory=dict)
    header: dict[str, list[str]] = field(default_factory=dict)


def map_request(mapping: dict[str, str], ctx: InvocationContext) -> MappedRequest:
    """Apply an integration's ``requestParameters``; keys are
    ``integration.request.{path|querystring|multivaluequerystring|header|multivalueheader}``
    followed by ``.NAME``."""
    out = MappedRequest()
    missing: list[str] = []
    for key, expr in (mapping or {}).items():
        target = key.removeprefix("integration.request.")
        kind, _, name = target.partition(".")
        if target == key or kind not in _REQUEST_TARGETS or not name:
            raise _invalid(key, "integration request parameter (target)")
        value = request_value(expr, ctx)
        if value is None:
            missing.append(key)
            continue
        values = value if isinstance(value, list) else [value]
        if kind == "path":
            out.path[name] = ",".join(values)  # a list into one path segment [unc]
        elif kind in ("querystring", "multivaluequerystring"):
            out.querystring.setdefault(name, []).extend(values)
        else:
            out.header.setdefault(name, []).extend(values)
    if mapping:
        ctx.trace.add(
            "request-mapping",
            f"{len(mapping) - len(missing)} of {len(mapping)} parameters mapped",
            **({"absent": missing} if missing else {}),
        )
    return out


def _response_value(
    expr: str, headers: list[tuple[str, str]], body: bytes, ctx: InvocationContext
) -> str | None:
    expr = expr.strip()
    handled, value = _shared(expr, ctx)
    if handled:
        return value
    rest = expr.removeprefix("integration.response.")
    if rest == expr:
        raise _invalid(expr, "response parameter")
    if rest == "body" or rest.startswith(("body.", "body[")):
        return _body(body, rest[len("body") :])
    kind, _, name = rest.partition(".")
    lowered = name.lower()
    found = [v for key, v in headers if key.lower() == lowered]
    if kind == "header" and name:
        return found[-1] if found else None
    if kind == "multivalueheader" and name:
        return ",".join(found) if found else None  # one header, values comma-joined [unc]
    raise _invalid(expr, "response parameter")


def map_response(
    mapping: dict[str, str],
    *,
    headers: list[tuple[str, str]],
    body: bytes,
    ctx: InvocationContext,
) -> list[tuple[str, str]]:
    """Apply an integration response's ``responseParameters`` (keys
    ``method.response.header.NAME``); the method response headers, in mapping order."""
    out: list[tuple[str, str]] = []
    missing: list[str] = []
    for key, expr in (mapping or {}).items():
        name = key.removeprefix("method.response.header.")
        if name == key or not name:
            raise _invalid(key, "method response parameter (target)")
        value = _response_value(expr, headers, body, ctx)
        if value is None:
            missing.append(key)
            continue
        out.append((name, value))
    if mapping:
        ctx.trace.add(
            "response-mapping",
            f"{len(out)} of {len(mapping)} headers mapped",
            **({"absent": missing} if missing else {}),
        )
    return out
