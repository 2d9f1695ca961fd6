"""Route selection for WebSocket messages (reference §9; DG
``apigateway-websocket-api-selection-expressions``).

An API's ``routeSelectionExpression`` is evaluated against each incoming message:

- ``$request.body.action``: the value at that JSON path of the message body;
- ``${request.body.service}/${request.body.action}``: several values with literals between;
- a static value (every message goes to that route key); ``\\$default`` escapes the dollar.

A path missing from the body gives ``""``; arrays and objects are turned into text
(``[item1, item2]``). The route whose key equals the result is used, else ``$default``. A
message that is not JSON (or is binary) goes to ``$default``, unless the expression is a
static value: that needs nothing from the body [unc].
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jsonpath_ng import parse as jsonpath

DEFAULT = "$default"
_BRACED = re.compile(r"\$\{request\.body\.([^}]*)\}")
_BARE = re.compile(r"^\$request\.body\.(.+)$")
_MISSING = object()


class NotJson(ValueError):
    """The message is not a JSON text (binary, or text that does not parse)."""


@lru_cache(maxsize=256)
def _path(path: str) -> Any:
    return jsonpath("$." + path)


def _text(value: Any) -> str:
    """A selected value as route-key text [unc: objects are shown as JSON]."""
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return json.dumps(value)


def _value(body: Any, path: str) -> str:
    if not path:
        return ""
    try:
        found = _path(path).find(body)
    except Exception:  # a path jsonpath-ng cannot read gives nothing, as a missing one
        return ""
    return _text(found[0].value) if found else ""


def evaluate(expression: str, message: str | bytes) -> str:
    """The route key ``expression`` selects for ``message``. Raises :class:`NotJson`."""
    if expression.startswith("\\$"):
        return expression[1:]
    if "$" not in expression.replace("\\$", ""):
        return expression.replace("\\$", "$")
    if isinstance(message, bytes):
        raise NotJson("binary message")
    try:
        body = json.loads(message)
    except ValueError:
        raise NotJson("not JSON") from None
    bare = _BARE.match(expression)
    if bare and "${" not in expression:
        return _value(body, bare.group(1))
    return _BRACED.sub(lambda m: _value(body, m.group(1)), expression)


def select(expression: str, message: str | bytes, route_keys: Any) -> tuple[str | None, str]:
    """(the route key to use or None, what the expression gave): the exact match, else
    ``$default`` when the API has it, else None."""
    try:
        selected = evaluate(expression, message)
    except NotJson:
        return (DEFAULT if DEFAULT in route_keys else None), "(not JSON)"
    if selected in route_keys and not selected.startswith("$"):
        return selected, selected
    if selected == DEFAULT and DEFAULT in route_keys:
        return DEFAULT, selected
    return (DEFAULT if DEFAULT in route_keys else None), selected
