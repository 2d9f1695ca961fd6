"""Velocity mapping templates for REST non-proxy integrations (reference §5.1).

``render(template, TemplateInput(...), context=..., stage_variables=...)`` runs a request
or response template with ``$input``, ``$util``, ``$context`` and ``$stageVariables`` as
API Gateway defines them, and returns the text plus whatever the template set on
``$context.requestOverride`` / ``$context.responseOverride``. Templates are parsed once and
cached by their text.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from . import java
from .engine import Exposed, ForeachLimit, air, compile_template
from .jsonpath import JsonPathError, is_definite, select

#: documented limit on a mapping template's size [doc] (KB taken as 1,024 bytes [unc])
MAX_TEMPLATE_BYTES = 300 * 1024
#: what ``$input.body`` / ``$input.json('$')`` see when the payload is empty [obs LS] [unc]
EMPTY_BODY = "{}"
#: what ``$input.json('$.x')`` writes when ``x`` is absent (Jayway's "leaf to null") [unc]
JSON_OF_MISSING = "null"


class TemplateError(Exception):
    """The template cannot be parsed or failed while it ran (API Gateway answers 500)."""


@dataclass
class TemplateInput:
    body: str  # the payload as text ($input.body)
    path: dict[str, str]  # path params
    querystring: dict[str, str]
    header: dict[str, str]


@dataclass
class Rendered:
    text: str
    #: {"request": {"header": {}, "path": {}, "querystring": {}},
    #:  "response": {"status": int | None, "header": {}}}
    overrides: dict[str, Any] = field(default_factory=dict)


class HeaderMap(dict):
    """Header parameters; ``get`` ignores case as HTTP header names do [unc]."""

    __slots__ = ()

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        if isinstance(key, str):
            lowered = key.lower()
            for name, value in self.items():
                if name.lower() == lowered:
                    return value
        return default


class Input(Exposed):
    """``$input``: the payload and the method request parameters."""

    def __init__(self, inp: TemplateInput) -> None:
        self._inp = inp
        self._parsed = False
        self._document: Any = None

    @property
    def body(self) -> str:
        return self._inp.body or EMPTY_BODY

    def _json(self) -> Any:
        if not self._parsed:
            raw = self._inp.body
            try:
                self._document = java.from_json(json.loads(raw)) if raw.strip() else {}
            except ValueError:
                # [unc] AWS's exact answer to JSONPath over a non-JSON payload is not documented
                raise TemplateError(
                    "$input.json/$input.path need a JSON payload; this one is not JSON"
                ) from None
            self._parsed = True
        return self._document

    def _select(self, expr: Any) -> Any:
        try:
            return select(self._json(), java.java_string(expr))
        except JsonPathError as exc:
            raise TemplateError(str(exc)) from None

    def json(self, expr: Any = "$") -> str:
        """JSONPath → JSON text."""
        value = self._select(expr)
        if value is None and is_definite(java.java_string(expr)):
            return JSON_OF_MISSING
        return java.json_text(value)

    def path(self, expr: Any) -> Any:
        """JSONPath → an object the template can walk (maps, lists, strings, numbers)."""
        return self._select(expr)

    def params(self, name: Any = None) -> Any:
        """All parameters (``path``, ``querystring``, ``header``), or one by name."""
        inp = self._inp
        if name is None:
            return {
                "path": dict(inp.path),
                "querystring": dict(inp.querystring),
                "header": HeaderMap(inp.header),
            }
        key = java.java_string(name)
        for source in (inp.path, inp.querystring):
            if key in source:
                return source[key]
        found = HeaderMap(inp.header).get(key)
        return "" if found is None else found


class Util(Exposed):
    """``$util`` (method names are AWS's). A null argument gives null (nothing printed)."""

    def escapeJavaScript(self, value: Any) -> str | None:
        return None if value is None else java.escape_javascript(java.java_string(value))

    def parseJson(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return java.from_json(json.loads(java.java_string(value)))
        except ValueError as exc:
            raise TemplateError(f"$util.parseJson: not JSON: {exc}") from None

    def urlEncode(self, value: Any) -> str | None:
        return None if value is None else java.url_encode(java.java_string(value))

    def urlDecode(self, value: Any) -> str | None:
        return None if value is None else java.url_decode(java.java_string(value))

    def base64Encode(self, value: Any) -> str | None:
        if value is None:
            return None
        return base64.b64encode(java.java_string(value).encode()).decode()

    def base64Decode(self, value: Any) -> str | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(java.java_string(value), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise TemplateError(f"$util.base64Decode: not base64: {exc}") from None
        return raw.decode("utf-8", errors="replace")


_UTIL = Util()


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _texts(mapping: Any) -> dict[str, str]:
    if not isinstance(mapping, dict):
        return {}
    return {java.java_string(k): java.text(v) for k, v in mapping.items() if v is not None}


def _overrides(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("requestOverride") or {}
    response = context.get("responseOverride") or {}
    status = response.get("status") if isinstance(response, dict) else None
    if status is not None:
        try:
            status = int(java.java_string(status))
        except ValueError:
            raise TemplateError(
                f"$context.responseOverride.status must be a status code, not {status!r}"
            ) from None
    return {
        "request": {part: _texts(request.get(part)) for part in ("header", "path", "querystring")},
        "response": {
            "status": status,
            "header": _texts(response.get("header") if isinstance(response, dict) else None),
        },
    }


def literal(template: str | None) -> Rendered | None:
    """The answer for a template with no reference (``$``) and no directive (``#``): Velocity
    copies such text as it is, so there is nothing to run (None when there is)."""
    text = "" if template is None else template
    if "$" in text or "#" in text or len(text) > MAX_TEMPLATE_BYTES // 4:
        return None
    return Rendered(
        text,
        {
            "request": {"header": {}, "path": {}, "querystring": {}},
            "response": {"status": None, "header": {}},
        },
    )


def render(
    template: str | None,
    inp: TemplateInput,
    *,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> Rendered:
    """Run a mapping template. Raises :class:`TemplateError` when it cannot be parsed, is
    over 300 KB, loops more than 1,000 times or fails while it runs."""
    if template is None:  # a content type mapped to no template (stored as null)
        template = ""
    size = len(template.encode("utf-8"))
    if size > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"mapping template of {size} bytes is over the 300 KB limit")
    try:
        compiled = compile_template(template)
    except air.TemplateError as exc:
        raise TemplateError(f"invalid mapping template: {exc}") from None
    ctx_vars = _copy(context)
    ctx_vars["requestOverride"] = {"header": {}, "path": {}, "querystring": {}}
    ctx_vars["responseOverride"] = {"status": None, "header": {}}
    namespace = {
        "input": Input(inp),
        "util": _UTIL,
        "context": ctx_vars,
        "stageVariables": dict(stage_variables),
    }
    try:
        text = compiled.merge(namespace)
    except air.TemplateError as exc:
        cause = exc.__cause__
        if isinstance(cause, (TemplateError, ForeachLimit)):
            raise TemplateError(str(cause)) from None
        raise TemplateError(f"mapping template failed: {exc}") from None
    return Rendered(text, _overrides(ctx_vars))
