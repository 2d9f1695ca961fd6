"""The router core shared by REST resources, HTTP API routes and (later) WebSocket routes.

Path templates are compiled into a trie. At each segment a literal child is tried before a
``{param}`` child, which is tried before a greedy ``{name+}`` child (which must be last).
A match that needs no greedy segment always beats one that does, as API Gateway
documents for HTTP APIs (and as REST APIs behave). A method falls back to ``ANY``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Node(Generic[T]):
    literals: dict[str, _Node[T]] = field(default_factory=dict)
    param: tuple[str, _Node[T]] | None = None
    greedy: tuple[str, dict[str, T], str] | None = None  # (name, methods, template)
    methods: dict[str, T] = field(default_factory=dict)
    template: str | None = None


@dataclass(slots=True)
class RouteMatch(Generic[T]):
    template: str
    method: str  # the method key that matched ("GET" or "ANY")
    target: T
    path_params: dict[str, str]


#: what Router.match keeps per (path, method): its answer, the routes being fixed once built
_MATCHES_KEPT = 1024


class Router(Generic[T]):
    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self.templates: list[str] = []
        #: answers already worked out, by (decoded path, method); emptied by ``add``
        self._matches: dict[tuple[str, str], RouteMatch[T] | bool | None] = {}

    def add(self, template: str, method: str, target: T) -> None:
        """Register ``target`` for ``method`` (or ``ANY``) at a template such as ``/pets/{id}``."""
        self._matches.clear()
        segments = [s for s in template.split("/") if s]
        node = self._root
        for i, seg in enumerate(segments):
            if seg.startswith("{") and seg.endswith("+}"):
                if i != len(segments) - 1:
                    raise ValueError(f"greedy path variable must be last: {template}")
                name = seg[1:-2]
                if node.greedy is None:
                    node.greedy = (name, {}, template)
                node.greedy[1][method] = target
                self._note(template)
                return
            if seg.startswith("{") and seg.endswith("}"):
                if node.param is None:
                    node.param = (seg[1:-1], _Node())
                node = node.param[1]
            else:
                node = node.literals.setdefault(seg, _Node())
        node.methods[method] = target
        node.template = template if segments else "/"
        self._note(node.template)

    def _note(self, template: str) -> None:
        if template not in self.templates:
            self.templates.append(template)

    def match(self, path: str, method: str) -> RouteMatch[T] | bool | None:
        """The best route for a decoded path.

        Returns a :class:`RouteMatch`, ``False`` when the path exists but not the method
        (API Gateway answers both the same way, the trace tells them apart), or ``None``.
        A path already matched is answered from what was worked out then (each caller gets
        its own copy of the path parameters).
        """
        key = (path, method)
        try:
            found = self._matches[key]
        except KeyError:
            found = self._match(path, method)
            if len(self._matches) >= _MATCHES_KEPT:
                self._matches.clear()
            self._matches[key] = found
        if isinstance(found, RouteMatch):
            return RouteMatch(found.template, found.method, found.target, dict(found.path_params))
        return found

    def _match(self, path: str, method: str) -> RouteMatch[T] | bool | None:
        segments = [s for s in path.split("/") if s]
        params: dict[str, str] = {}
        found = self._walk(self._root, segments, 0, method, params, greedy_ok=False)
        if found is None or found is False:
            again = self._walk(self._root, segments, 0, method, params, greedy_ok=True)
            if isinstance(again, RouteMatch):
                return again
            found = found if found is False else again
        return found

    def _walk(
        self,
        node: _Node[T],
        segs: list[str],
        i: int,
        method: str,
        params: dict[str, str],
        greedy_ok: bool,
    ) -> RouteMatch[T] | bool | None:
        path_found: bool = False
        if i == len(segs):
            if node.template is not None:
                target_key = method if method in node.methods else "ANY"
                if target_key in node.methods:
                    return RouteMatch(
                        node.template, target_key, node.methods[target_key], dict(params)
                    )
                path_found = True
            return False if path_found else None
        seg = segs[i]
        child = node.literals.get(seg)
        if child is not None:
            got = self._walk(child, segs, i + 1, method, params, greedy_ok)
            if isinstance(got, RouteMatch):
                return got
            path_found = path_found or got is False
        if node.param is not None:
            name, child = node.param
            params[name] = seg
            got = self._walk(child, segs, i + 1, method, params, greedy_ok)
            del params[name]
            if isinstance(got, RouteMatch):
                return got
            path_found = path_found or got is False
        if greedy_ok and node.greedy is not None:
            name, methods, template = node.greedy
            target_key = method if method in methods else "ANY"
            if target_key in methods:
                found = dict(params)
                found[name] = "/".join(segs[i:])
                return RouteMatch(template, target_key, methods[target_key], found)
            path_found = True
        return False if path_found else None
