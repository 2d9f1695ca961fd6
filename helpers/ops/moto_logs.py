"""CloudWatch Logs filter patterns for access logs (moto 5.2.5 understands plain terms and
quoted phrases; anything else, JSON patterns included, silently matched every event).

Supported here, as CloudWatch Logs writes them (DG FilterAndPatternSyntax):

- terms and quoted phrases, all of which must appear: ``ERROR``, ``"Execution failed"``,
  ``"Lambda execution failed" 502``; ``-term`` excludes; ``?a ?b`` matches either;
- JSON patterns for JSON events: ``{ $.status = 429 }``, ``{ $.status >= 500 }``,
  ``{ $.path = "/pets*" }`` (``*`` as a wildcard), ``{ $.error != "-" }``, joined with
  ``&&`` / ``||`` (no parentheses), ``{ $.x EXISTS }`` / ``{ $.x NOT EXISTS }``.

Another pattern is refused with ``InvalidParameterException`` rather than answered wrongly.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_JSON_CLAUSE = re.compile(
    r"""^\s*\$\.(?P<path>[A-Za-z0-9_.\[\]-]+)\s*(?:
        (?P<op>=|!=|>=|<=|>|<)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^\s&|}]+)
      | (?P<exists>NOT\s+EXISTS|EXISTS|IS\s+NULL|NOT\s+NULL)
    )\s*$""",
    re.VERBOSE,
)
_TERM = re.compile(r'[-?]?"(?:[^"\\]|\\.)*"|[-?]?[^\s"]+')
SUPPORTED = (
    'terms and "quoted phrases" (-term excludes, ?term for either), or JSON patterns '
    "{ $.field = value } with = != > < >= <=, EXISTS, joined with && or ||"
)


class UnsupportedPattern(ValueError):
    pass


def _lookup(document: Any, path: str) -> Any:
    current = document
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(current, dict):
            if part not in current:
                return _MISSING
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


_MISSING = object()


def _compare(actual: Any, op: str, raw: str) -> bool:
    if actual is _MISSING:
        return op == "!="
    if raw.startswith('"'):
        wanted: Any = json.loads(raw)
    else:
        try:
            wanted = float(raw)
        except ValueError:
            wanted = raw
    if isinstance(wanted, float):
        try:
            number = float(actual)
        except (TypeError, ValueError):
            return op == "!="
        return {
            "=": number == wanted,
            "!=": number != wanted,
            ">": number > wanted,
            "<": number < wanted,
            ">=": number >= wanted,
            "<=": number <= wanted,
        }[op]
    text = "" if actual is None else str(actual)
    if op == "=":
        return fnmatch.fnmatchcase(text, wanted)
    if op == "!=":
        return not fnmatch.fnmatchcase(text, wanted)
    raise UnsupportedPattern(f"{op} compares numbers only")


def _json_clause(document: Any, clause: str) -> bool:
    found = _JSON_CLAUSE.match(clause)
    if found is None:
        raise UnsupportedPattern(clause)
    actual = _lookup(document, found["path"])
    exists = found["exists"]
    if exists:
        kind = " ".join(exists.split())
        if kind == "EXISTS":
            return actual is not _MISSING
        if kind == "NOT EXISTS":
            return actual is _MISSING
        if kind == "IS NULL":
            return actual is None
        return actual is not _MISSING and actual is not None
    return _compare(actual, found["op"], found["value"])


def matches(pattern: str, message: str) -> bool:
    """Whether ``message`` matches the filter ``pattern`` (raises UnsupportedPattern)."""
    pattern = pattern.strip()
    if not pattern:
        return True
    if pattern.startswith("{"):
        if not pattern.endswith("}") or "(" in pattern:
            raise UnsupportedPattern(pattern)
        try:
            document = json.loads(message)
        except ValueError:
            return False
        body = pattern[1:-1]
        return any(
            all(_json_clause(document, c) for c in alternative.split("&&"))
            for alternative in body.split("||")
        )
    if pattern.startswith("["):
        raise UnsupportedPattern(pattern)
    required, excluded, either = [], [], []
    for token in _TERM.findall(pattern):
        bucket = required
        if token[0] in "-?":
            bucket = excluded if token[0] == "-" else either
            token = token[1:]
        if token.startswith('"'):
            token = json.loads(token)
        bucket.append(token)
    return (
        all(t in message for t in required)
        and not any(t in message for t in excluded)
        and (not either or any(t in message for t in either))
    )


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A predicate for ``pattern``, checked once (raises UnsupportedPattern)."""
    matches(pattern, "{}" if pattern.strip().startswith("{") else "")
    return lambda message: matches(pattern, message)


def install() -> None:
    from moto.logs import models, utils
    from moto.logs.exceptions import InvalidParameterException

    class Filter:
        def __init__(self, pattern: str) -> None:
            try:
                self._matches = compile_pattern(pattern or "")
            except UnsupportedPattern as err:
                raise InvalidParameterException(
                    f"apigw-lab understands these filter patterns: {SUPPORTED}; not {err}"
                ) from None

        def matches(self, message: str) -> bool:
            return self._matches(message)

    utils.EventMessageFilter = Filter  # type: ignore[misc,assignment]
    models.EventMessageFilter = Filter  # type: ignore[misc,assignment]
