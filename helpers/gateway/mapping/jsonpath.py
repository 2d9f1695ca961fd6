"""JSONPath over a payload, with Jayway's rule for what comes back: a *definite* path
(``$.a.b[0]``) gives one value (or None when absent), an *indefinite* one (wildcards,
``..``, filters, slices, unions) gives a list of every match."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext import parse

from .java import JsonArray

_INDEFINITE = re.compile(r"\*|\.\.|\[\s*\?|\[[^\]'\"]*[,:][^\]'\"]*\]")


class JsonPathError(ValueError):
    """The expression is not JSONPath."""


@lru_cache(maxsize=1024)
def _compiled(expr: str) -> Any:
    try:
        return parse(expr)
    except Exception as exc:  # jsonpath-ng raises several parser error types
        raise JsonPathError(f"invalid JSONPath expression {expr!r}: {exc}") from None


def is_definite(expr: str) -> bool:
    return _INDEFINITE.search(expr) is None


def select(document: Any, expr: str) -> Any:
    """The value at ``expr`` in ``document`` (parsed JSON), Jayway-style."""
    matches = [m.value for m in _compiled(expr.strip()).find(document)]
    if is_definite(expr):
        return matches[0] if matches else None
    return JsonArray(matches)
