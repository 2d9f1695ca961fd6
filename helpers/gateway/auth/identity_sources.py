"""Where an authorizer reads the caller's identity (reference §3.3, §3.9).

Each API type spells identity sources its own way; all name the same four places:

=============  ==============================  ===========================  ==============================
place          REST                            HTTP API                     WebSocket API
=============  ==============================  ===========================  ==============================
header         ``method.request.header.X``     ``$request.header.X``        ``route.request.header.X``
query string   ``method.request.querystring.Y`` ``$request.querystring.Y``  ``route.request.querystring.Y``
stage variable ``stageVariables.Z``            ``$stageVariables.Z``        ``stageVariables.Z``
context        ``context.W``                   ``$context.W``               ``context.W``
=============  ==============================  ===========================  ==============================

Header names are case-insensitive, query-string names case-sensitive. Path parameters
cannot be identity sources. A source that is absent, null or empty means no identity:
API Gateway answers 401 without calling the authorizer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..mapping.context_vars import lookup

PLACES = ("header", "querystring", "stageVariables", "context")

# A request place needs its API type's prefix (``method.``, ``$``, ``route.``); stage and
# context variables are written with or without ``$``. Which spelling belongs to which API
# type is not enforced: moto stores any text, and the meaning is the same.
_PATTERN = re.compile(
    r"^(?:(?:\$|method\.|route\.)request\.(header|querystring)\.(.+)"
    r"|\$?(stageVariables|context)\.(.+))$"
)


@dataclass(frozen=True, slots=True)
class Source:
    """One identity source: its place (header, querystring, stageVariables, context),
    the name there, and the expression as configured."""

    place: str
    name: str
    text: str


def parse(expressions: str | list[str] | None) -> list[Source]:
    """The sources of an authorizer's ``identitySource``: a comma-separated text (REST,
    WebSocket) or a list (HTTP APIs). Raises ValueError for an expression API Gateway
    would refuse (a path parameter, say)."""
    if not expressions:
        return []
    items = expressions.split(",") if isinstance(expressions, str) else list(expressions)
    out = []
    for raw in items:
        text = raw.strip()
        if not text:
            continue
        found = _PATTERN.match(text)
        if not found:
            raise ValueError(
                f"identity source {text!r}: use a header, query string, stage variable or "
                "context variable (path parameters cannot be identity sources)"
            )
        place, name = (found.group(1), found.group(2)) if found.group(1) else found.group(3, 4)
        out.append(Source(place, name, text))
    return out


@dataclass(frozen=True, slots=True)
class RequestView:
    """What identity sources may read from one request."""

    headers: Mapping[str, list[str]]
    query: Mapping[str, list[str]]
    stage_variables: Mapping[str, str]
    #: ``$context`` variable by dotted name (``routeKey``, ``identity.sourceIp``)
    context: Callable[[str], Any]

    @classmethod
    def lazily(
        cls,
        headers: Mapping[str, list[str]],
        query: Mapping[str, list[str]],
        stage_variables: Mapping[str, str],
        build_context: Callable[[], dict[str, Any]],
    ) -> RequestView:
        """A view whose ``$context`` map is built only if a context source is read."""
        built: dict[str, Any] = {}

        def context(name: str) -> Any:
            if not built:
                built.update(build_context())
            return lookup(built, name)

        return cls(headers, query, stage_variables, context)


def _header(headers: Mapping[str, list[str]], name: str) -> str | None:
    name = name.lower()
    found: list[str] = []
    for key, values in headers.items():
        if key.lower() == name:
            found += values
    return ",".join(found) if found else None


def value(source: Source, view: RequestView) -> str | None:
    """The value of one source; None when the request does not carry it. Several header or
    query values are joined with commas."""
    if source.place == "header":
        return _header(view.headers, source.name)
    if source.place == "querystring":
        values = view.query.get(source.name)
        return ",".join(values) if values else None
    if source.place == "stageVariables":
        return view.stage_variables.get(source.name)
    found = view.context(source.name)
    if found is None:
        return None
    if isinstance(found, bool):
        return "true" if found else "false"
    return str(found)


def values(sources: list[Source], view: RequestView) -> list[str | None]:
    return [value(s, view) for s in sources]


def missing(sources: list[Source], found: list[str | None]) -> list[str]:
    """The expressions whose value is absent or empty (each means 401, no call)."""
    return [s.text for s, v in zip(sources, found, strict=True) if v is None or v == ""]
