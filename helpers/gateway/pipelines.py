"""The pipelines, as data. REST now; HTTP and WebSocket APIs reuse the same steps where
they apply and add their own (authorizers, throttling, caching slot in between)."""

from __future__ import annotations

from .pipeline import Pipeline
from .steps import (
    cors,
    endpoint,
    http_integration,
    http_respond,
    http_route,
    http_stage,
    integration,
    observe,
    parse,
    resource_policy,
    respond,
    route,
    validate,
)

REST = Pipeline(
    "REST API",
    steps=(
        parse.step,
        endpoint.step,
        route.step,
        resource_policy.step,
        validate.step,
        integration.step,
    ),
    finish=(respond.step, observe.step),
)

HTTP = Pipeline(
    "HTTP API",
    steps=(http_stage.step, cors.preflight, http_route.step, http_integration.step),
    finish=(http_respond.step, cors.step, observe.step),
)
