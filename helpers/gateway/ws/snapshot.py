"""Frozen WebSocket API deployments: the routes by key, each with its integration.

A deployment's document is the one :mod:`helpers.gateway.moto_v2` freezes for every
apigatewayv2 API (``api``, ``routes`` with their ``routeResponses``, ``integrations``,
``authorizers``); the registry of built snapshots is the HTTP APIs' one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..snapshot_v2 import RouteConfig


@dataclass(slots=True)
class WebSocketSnapshot:
    deployment_id: str
    api: dict[str, Any]
    routes: dict[str, RouteConfig] = field(default_factory=dict)
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def api_id(self) -> str:
        return self.api["apiId"]

    @property
    def route_selection_expression(self) -> str:
        return self.api.get("routeSelectionExpression") or "$request.body.action"

    @staticmethod
    def two_way(route: RouteConfig) -> bool:
        """Whether the integration's answer goes back to the client: the route has a route
        response (only ``$default`` is supported as its key)."""
        return bool(route.route.get("routeResponses"))


def build_snapshot(deployment_id: str, document: dict[str, Any]) -> WebSocketSnapshot:
    integrations = {i["integrationId"]: i for i in document.get("integrations") or []}
    snap = WebSocketSnapshot(
        deployment_id=deployment_id,
        api=document["api"],
        authorizers={a["authorizerId"]: a for a in document.get("authorizers") or []},
    )
    for route in document.get("routes") or []:
        key = route.get("routeKey") or ""
        target = route.get("target") or ""
        integration = None
        if target.startswith("integrations/"):
            integration = integrations.get(target.split("/", 1)[1])
        snap.routes[key] = RouteConfig(route.get("routeId", ""), key, "", "", route, integration)
    return snap
