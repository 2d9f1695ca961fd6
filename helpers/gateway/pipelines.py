"""The pipelines, as data. HTTP and WebSocket APIs reuse the same mechanisms where they
apply and add their own steps (throttling and caching slot in after authorization)."""

from __future__ import annotations

from .pipeline import Pipeline
from .steps import (
    authenticate,
    authorize,
    cors,
    endpoint,
    http_authorize,
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
        authenticate.step,
        resource_policy.step,
        authorize.step,
        validate.step,
        integration.step,
    ),
    finish=(respond.step, observe.step),
)

HTTP = Pipeline(
    "HTTP API",
    steps=(
        http_stage.step,
        cors.preflight,
        http_route.step,
        http_authorize.step,
        http_integration.step,
    ),
    finish=(http_respond.step, cors.step, observe.step),
)
