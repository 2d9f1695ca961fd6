"""HTTP API parameter mapping (``requestParameters`` / ``responseParameters`` of an
apigatewayv2 integration), as pure functions.

Reference §10 and DG ``http-api-parameter-mapping``. Request keys
``append|overwrite|remove:header.<name>``, ``append|overwrite|remove:querystring.<name>``,
``overwrite:path``; response mappings are keyed by the integration's status code and take
``append|overwrite|remove:header.<name>`` and ``overwrite:statuscode``. Values are
``$request.header.x``, ``$request.querystring.x``, ``$request.body.<jsonpath>``,
``$request.path``, ``$request.path.<param>``, ``$context.x``, ``$stageVariables.x``,
``$response.header.x``, ``$response.body.<jsonpath>`` or static text; ``${...}`` combines
several in one value (``"Bearer ${request.header.token}"``).

Every value is read from the *incoming* request (or the backend's response), never from
what earlier mappings wrote, so "rename a header" (append the new, remove the old) works in
any key order. Configuration errors (a reserved header, an unknown key or expression)
raise ``ValueError``: the HTTP API control plane rejects them when the integration is made.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from jsonpath_ng import parse as jsonpath_parse
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError

from ..errors import EmulatorLimitation

#: the body is cut here before a JSONPath is applied (DG: "100 KB"; 1 KB = 1024 B [unc])
BODY_JSONPATH_LIMIT = 100 * 1024
#: headers no mapping may touch, request or response (DG "Reserved headers"), lower case
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "connection",
        "content-encoding",
        "content-length",
        "content-location",
        "forwarded",
        "keep-alive",
        "origin",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "via",
    }
)
RESERVED_HEADER_PREFIXES = ("access-control-", "apigw-", "x-amz-", "x-amzn-")
#: [unc] the order actions are applied in when several keys name the same parameter
ACTION_ORDER = ("remove", "overwrite", "append")
#: [unc] a value that is a single reference to something absent (no such header, no match in
#: the body) skips its mapping; inside ``${...}`` combinations an absent part becomes "".
MISSING_REFERENCE_SKIPS_MAPPING = True

_REQUEST_KEY = re.compile(r"^(append|overwrite|remove):(header|querystring)\.(.+)$")
_RESPONSE_KEY = re.compile(r"^(append|overwrite|remove):header\.(.+)$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_STATUS_KEY = re.compile(r"^[1-5][0-9][0-9]$")
_TEMPLATE_PART = re.compile(r"\$\{([^}]*)\}")
_REQUEST_SOURCES = ("request.header.", "request.querystring.", "request.body", "request.path")
_RESPONSE_SOURCES = ("response.header.", "response.body")
_SHARED_SOURCES = ("context.", "stageVariables.")


@dataclass
class OutgoingRequest:
    """The request API Gateway is about to send to the backend."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class MappingVariables:
    """What mapping values may read: the client's request as received, and context."""

    request_headers: dict[str, list[str]]
    request_query: dict[str, list[str]]
    request_body: bytes
    #: the request path without the stage name
    request_path: str
    path_params: dict[str, str]
    #: ``$context`` variables, nested as in the 2.0 event (``{"identity": {"sourceIp": ...}}``)
    context: dict[str, Any]
    stage_variables: dict[str, str]


@dataclass
class _Response:
    headers: list[tuple[str, str]]
    body: bytes


# ---------------------------------------------------------------------- validation


def check_header_name(name: str) -> None:
    """Raise ``ValueError`` if ``name`` is reserved or not a valid header name."""
    lowered = name.lower()
    if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_HEADER_PREFIXES):
        raise ValueError(f"header {name!r} is reserved: parameter mapping cannot change it")
    if not _HEADER_NAME.match(name):
        raise ValueError(f"{name!r} is not a valid header name")


def _check_value(value: str, *, response: bool) -> None:
    allowed = _SHARED_SOURCES + (_RESPONSE_SOURCES if response else ()) + _REQUEST_SOURCES
    # [unc] the DG's response table lists $request.header too; we accept $request.* there
    for expr in _expressions(value):
        if not expr.startswith(allowed) or expr.endswith("."):
            raise ValueError(f"invalid mapping expression ${expr!s} in {value!r}")
        for source in ("request.body", "response.body"):
            if expr.startswith(source):
                _body_path(expr[len(source) :], value)


def validate_request_parameters(mapping: dict[str, str]) -> None:
    """Raise ``ValueError`` naming the first key or value HTTP APIs would reject."""
    for key, value in mapping.items():
        if key == "overwrite:path":
            _check_value(value, response=False)
            continue
        found = _REQUEST_KEY.match(key)
        if not found:
            raise ValueError(
                f"invalid request parameter key {key!r}: use append|overwrite|remove:"
                "header.<name>, append|overwrite|remove:querystring.<name> or overwrite:path"
            )
        action, kind, name = found.groups()
        if kind == "header":
            check_header_name(name)
        if action != "remove":
            _check_value(value, response=False)


def validate_response_parameters(mapping: dict[str, dict[str, str]]) -> None:
    """Raise ``ValueError`` naming the first status, key or value HTTP APIs would reject."""
    for status, params in mapping.items():
        if not _STATUS_KEY.match(status) or not 200 <= int(status) <= 599:
            raise ValueError(f"invalid response parameter status code {status!r}")
        for key, value in params.items():
            if key == "overwrite:statuscode":
                _check_value(value, response=True)
                if not _expressions(value) and not _valid_status(value):
                    raise ValueError(f"overwrite:statuscode needs a status 200-599, not {value!r}")
                continue
            found = _RESPONSE_KEY.match(key)
            if not found:
                raise ValueError(
                    f"invalid response parameter key {key!r}: use "
                    "append|overwrite|remove:header.<name> or overwrite:statuscode"
                )
            action, name = found.groups()
            check_header_name(name)
            if action != "remove":
                _check_value(value, response=True)


def _valid_status(text: str) -> bool:
    return text.isdigit() and 200 <= int(text) <= 599


# ---------------------------------------------------------------------- values


def _expressions(value: str) -> list[str]:
    """The ``$...`` expressions a value reads (without the ``$``)."""
    if "${" in value:
        return _TEMPLATE_PART.findall(value)
    if value.startswith("$"):
        return [value[1:]]
    return []


def _body_path(rest: str, value: str) -> Any:
    """The compiled JSONPath for what follows ``request.body`` / ``response.body`` (None for
    the whole body)."""
    if rest == "":
        return None
    if ".." in rest or "?" in rest:
        raise ValueError(
            f"{value!r}: recursive descent (..) and filter expressions are not supported"
        )
    if not rest.startswith((".", "[")):
        raise ValueError(f"invalid body expression in {value!r}")
    try:
        return jsonpath_parse("$" + rest)
    except (JsonPathLexerError, JsonPathParserError, AttributeError, TypeError) as exc:
        raise ValueError(f"invalid JSONPath in {value!r}: {exc}") from exc


def _joined(values: list[str] | None) -> str | None:
    return ",".join(values) if values else None


def _header_values(headers: dict[str, list[str]], name: str) -> list[str]:
    lowered = name.lower()
    return [v for key, values in headers.items() if key.lower() == lowered for v in values]


def _text(found: Any) -> str:
    if isinstance(found, str):
        return found
    # [unc] non-string JSON values are sent as compact JSON text (true, 12, {"a":1})
    return json.dumps(found, separators=(",", ":"))


def _from_body(body: bytes, rest: str, value: str) -> str | None:
    path = _body_path(rest, value)
    if path is None:
        return body.decode("utf-8", errors="replace")
    try:
        document = json.loads(body[:BODY_JSONPATH_LIMIT])
    except ValueError:
        return None  # not JSON, or cut mid-document by the 100 KB limit
    matches = [m.value for m in path.find(document)]
    if not matches:
        return None
    return ",".join(_text(m) for m in matches)  # [unc] several matches comma-joined


def _from_context(context: dict[str, Any], name: str) -> str | None:
    if name in context:
        found: Any = context[name]
    else:
        found = context
        for part in name.split("."):
            if not isinstance(found, dict) or part not in found:
                return None
            found = found[part]
    return None if found is None else _text(found)


def _evaluate(expr: str, value: str, v: MappingVariables, resp: _Response | None) -> str | None:
    if expr.startswith("request.header."):
        return _joined(_header_values(v.request_headers, expr[len("request.header.") :]))
    if expr.startswith("request.querystring."):
        return _joined(v.request_query.get(expr[len("request.querystring.") :]))
    if expr.startswith("request.body"):
        return _from_body(v.request_body, expr[len("request.body") :], value)
    if expr == "request.path":
        return v.request_path
    if expr.startswith("request.path."):
        return v.path_params.get(expr[len("request.path.") :])
    if expr.startswith("context."):
        return _from_context(v.context, expr[len("context.") :])
    if expr.startswith("stageVariables."):
        return v.stage_variables.get(expr[len("stageVariables.") :])
    if resp is not None and expr.startswith("response.header."):
        wanted = expr[len("response.header.") :].lower()
        return _joined([val for key, val in resp.headers if key.lower() == wanted])
    if resp is not None and expr.startswith("response.body"):
        return _from_body(resp.body, expr[len("response.body") :], value)
    raise ValueError(f"invalid mapping expression ${expr} in {value!r}")


def _resolve(
    value: str, variables: MappingVariables, response: _Response | None = None
) -> str | None:
    """The text a mapping value stands for; None when it is a single reference to something
    absent (see :data:`MISSING_REFERENCE_SKIPS_MAPPING`)."""
    if "${" in value:
        return _TEMPLATE_PART.sub(
            lambda m: _evaluate(m.group(1), value, variables, response) or "", value
        )
    if value.startswith("$"):
        found = _evaluate(value[1:], value, variables, response)
        if found is None and not MISSING_REFERENCE_SKIPS_MAPPING:
            return ""
        return found
    return value


# ---------------------------------------------------------------------- request


def _ordered(items: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    return sorted(items, key=lambda item: ACTION_ORDER.index(item[0]))


def map_request(
    mapping: dict[str, str], out: OutgoingRequest, *, variables: MappingVariables
) -> OutgoingRequest:
    """``out`` with the integration's ``requestParameters`` applied (``out`` is not changed).

    Raises ``ValueError`` for a mapping HTTP APIs would reject (e.g. a reserved header).
    """
    validate_request_parameters(mapping)
    result = copy.deepcopy(out)
    actions: list[tuple[str, str, str, str]] = []
    for key, value in mapping.items():
        if key == "overwrite:path":
            actions.append(("overwrite", "path", "", value))
        else:
            action, kind, name = _REQUEST_KEY.match(key).groups()  # type: ignore[union-attr]
            actions.append((action, kind, name, value))
    for action, kind, name, value in _ordered(actions):
        text = None if action == "remove" else _resolve(value, variables)
        if action != "remove" and text is None:
            continue
        if kind == "path":
            result.path = text  # type: ignore[assignment]
        elif kind == "header":
            _apply_header(result.headers, action, name, text)
        else:
            _apply_query(result.query, action, name, text)
    return result


def _apply_header(headers: dict[str, list[str]], action: str, name: str, text: str | None) -> None:
    same = [key for key in headers if key.lower() == name.lower()]
    if action == "append" and same:
        headers[same[0]].append(text)  # type: ignore[arg-type]
        return
    for key in same:
        del headers[key]
    if action != "remove":
        headers[name] = [text]  # type: ignore[list-item]


def _apply_query(query: dict[str, list[str]], action: str, name: str, text: str | None) -> None:
    if action == "remove":
        query.pop(name, None)
    elif action == "overwrite":
        query[name] = [text]  # type: ignore[list-item]
    else:
        query.setdefault(name, []).append(text)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- response


def map_response(
    mapping: dict[str, dict[str, str]],
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    variables: MappingVariables,
) -> tuple[int, list[tuple[str, str]]]:
    """(status, headers) after the ``responseParameters`` for the backend's ``status``.

    Only the mapping keyed by ``str(status)`` applies; with none, both come back unchanged.
    Values read the backend's response as received (``$response.header.x`` etc.).
    """
    validate_response_parameters(mapping)
    params = mapping.get(str(status))
    if not params:
        return status, list(headers)
    response = _Response(headers=list(headers), body=body)
    result = list(headers)
    new_status = status
    actions: list[tuple[str, str, str, str]] = []
    for key, value in params.items():
        if key == "overwrite:statuscode":
            actions.append(("overwrite", "statuscode", "", value))
        else:
            action, name = _RESPONSE_KEY.match(key).groups()  # type: ignore[union-attr]
            actions.append((action, "header", name, value))
    for action, kind, name, value in _ordered(actions):
        text = None if action == "remove" else _resolve(value, variables, response)
        if action != "remove" and text is None:
            continue
        if kind == "statuscode":
            if not _valid_status(text or ""):
                raise EmulatorLimitation(
                    f"overwrite:statuscode resolved to {text!r}, not a status 200-599; "
                    "what API Gateway answers then is not documented"
                )
            new_status = int(text)  # type: ignore[arg-type]
            continue
        lowered = name.lower()
        if action in ("remove", "overwrite"):
            result = [(k, val) for k, val in result if k.lower() != lowered]
        if action != "remove":
            result.append((name, text))  # type: ignore[arg-type]
    return new_status, result
