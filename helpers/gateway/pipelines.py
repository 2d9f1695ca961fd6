"""The pipelines, as data. REST now; HTTP and WebSocket APIs reuse the same steps where
they apply and add their own (authorizers, throttling, caching slot in between)."""

from __future__ import annotations

from .pipeline import Pipeline
from .steps import endpoint, integration, observe, parse, resource_policy, respond, route

REST = Pipeline(
    "REST API",
    steps=(parse.step, endpoint.step, route.step, resource_policy.step, integration.step),
    finish=(respond.step, observe.step),
)
