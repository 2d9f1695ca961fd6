"""Frozen HTTP API deployments, and their registry.

A deployment (see :mod:`helpers.gateway.moto_v2`) keeps the API as the apigatewayv2 API
returns it (``get_api``, ``get_routes``, ``get_integrations``, ``get_authorizers``). An
:class:`HttpSnapshot` adds what the data plane needs to serve it: a router over the route
keys (``GET /pets/{id}``, ``ANY /{proxy+}``), with the ``$default`` route kept aside as
the catch-all, and every route's integration looked up once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .router import RouteMatch, Router

DEFAULT_ROUTE = "$default"


@dataclass(slots=True)
class RouteConfig:
    """One deployed route with its integration, as the apigatewayv2 API returns them."""

    route_id: str
    route_key: str
    #: "GET", "ANY", ...; "" for the $default route
    method: str
    #: the path template ("/pets/{id}"); "" for the $default route
    path: str
    route: dict[str, Any]
    integration: dict[str, Any] | None


def parse_route_key(route_key: str) -> tuple[str, str]:
    """``"GET /pets/{id}"`` → ``("GET", "/pets/{id}")``; ``"$default"`` → ``("", "")``."""
    if route_key == DEFAULT_ROUTE:
        return "", ""
    method, _, path = route_key.partition(" ")
    return method.upper(), path or "/"


@dataclass(slots=True)
class HttpSnapshot:
    deployment_id: str
    api: dict[str, Any]
    routes: list[dict[str, Any]]
    integrations: dict[str, dict[str, Any]]
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)
    router: Router[RouteConfig] = field(default_factory=Router)
    default_route: RouteConfig | None = None
    #: route keys AWS would have refused (e.g. a greedy variable that is not last)
    skipped: list[str] = field(default_factory=list)

    @property
    def api_id(self) -> str:
        return self.api["apiId"]

    @property
    def api_name(self) -> str:
        return self.api.get("name") or self.api["apiId"]

    @property
    def cors(self) -> dict[str, Any] | None:
        """The deployed ``corsConfiguration`` (None when CORS is not configured)."""
        return self.api.get("corsConfiguration") or None

    def match(self, path: str, method: str) -> RouteMatch[RouteConfig] | None:
        """The route for a request, in the documented order: method + path (a literal
        segment before a ``{param}``, a method before ``ANY``), then a greedy ``{proxy+}``,
        then ``$default``. ``None`` when nothing matches."""
        found = self.router.match(path, method)
        if isinstance(found, RouteMatch):
            return found
        if self.default_route is not None:
            return RouteMatch(DEFAULT_ROUTE, "", self.default_route, {})
        return None


def build_snapshot(deployment_id: str, document: dict[str, Any]) -> HttpSnapshot:
    """An :class:`HttpSnapshot` from a deployment's frozen document."""
    integrations = {i["integrationId"]: i for i in document.get("integrations") or []}
    snap = HttpSnapshot(
        deployment_id=deployment_id,
        api=document["api"],
        routes=list(document.get("routes") or []),
        integrations=integrations,
        authorizers={a["authorizerId"]: a for a in document.get("authorizers") or []},
    )
    for route in snap.routes:
        key = route.get("routeKey") or ""
        target = route.get("target") or ""
        integration = None
        if target.startswith("integrations/"):
            integration = integrations.get(target.split("/", 1)[1])
        method, path = parse_route_key(key)
        config = RouteConfig(route.get("routeId", ""), key, method, path, route, integration)
        if key == DEFAULT_ROUTE:
            snap.default_route = config
            continue
        try:
            snap.router.add(path, method, config)
        except ValueError:
            snap.skipped.append(key)
    return snap


class HttpSnapshots:
    """Snapshots by (region, API id, deployment id), built once from the deployment (by
    ``build``: HTTP API snapshots by default; WebSocket APIs pass their own builder)."""

    def __init__(self, build: Callable[[str, dict[str, Any]], Any] = build_snapshot) -> None:
        self._build = build
        self._by_key: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def take(self, region: str, deployment_id: str, document: dict[str, Any]) -> Any:
        snap = self._build(deployment_id, document)
        with self._lock:
            self._by_key[(region, snap.api_id, deployment_id)] = snap
        return snap

    def get(
        self,
        region: str,
        api_id: str,
        deployment_id: str,
        document: Callable[[], dict[str, Any] | None],
    ) -> Any:
        """The deployment's snapshot; ``document`` reads the frozen API the first time."""
        key = (region, api_id, deployment_id)
        snap = self._by_key.get(key)
        if snap is None:
            frozen = document()
            if frozen is None:
                return None
            snap = self._build(deployment_id, frozen)
            with self._lock:
                snap = self._by_key.setdefault(key, snap)
        return snap

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()
