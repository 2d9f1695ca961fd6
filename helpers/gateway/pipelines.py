"""The pipelines, as data. HTTP and WebSocket APIs reuse the same mechanisms where they
apply and add their own steps.

The API key and usage plan are checked after the authorizer (a Lambda authorizer may name
the key, and AWS's execution logs verify the usage plan after the authorizer's lines), so
the order differs from ARCHITECTURE.md's sketch, which checks the key first. Throttling
then runs before validation, and the stage cache sits around the integration.

Releases come first: which API and stage the host name reaches (a custom domain's base
path mapping), then (REST) whether the stage's canary answers."""

from __future__ import annotations

from .pipeline import Pipeline
from .steps import (
    api_key,
    authenticate,
    authorize,
    cache,
    canary,
    cors,
    custom_domain,
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
    throttle,
    validate,
    ws_authorize,
    ws_integration,
    ws_respond,
    ws_route,
    ws_stage,
)

REST = Pipeline(
    "REST API",
    steps=(
        custom_domain.step,
        parse.step,
        canary.step,
        endpoint.step,
        route.step,
        authenticate.step,
        resource_policy.step,
        authorize.step,
        api_key.step,
        throttle.step,
        validate.step,
        cache.lookup,
        integration.step,
        cache.store,
    ),
    finish=(respond.step, observe.step),
)

HTTP = Pipeline(
    "HTTP API",
    steps=(
        custom_domain.step,
        http_stage.step,
        cors.preflight,
        http_route.step,
        http_authorize.step,
        throttle.step,
        http_integration.step,
    ),
    finish=(http_respond.step, cors.step, observe.step),
)

#: one pipeline for every WebSocket event: CONNECT (the handshake), MESSAGE, DISCONNECT
WEBSOCKET = Pipeline(
    "WebSocket API",
    steps=(
        ws_stage.step,
        ws_route.step,
        ws_authorize.step,
        throttle.step,
        ws_integration.step,
    ),
    finish=(ws_respond.step, observe.step),
)

#: a custom domain request that no base path / API mapping matches: 403 Forbidden
UNMAPPED = Pipeline("custom domain", steps=(custom_domain.step,), finish=(respond.step, observe.step))
