"""Throttle: the usage plan's quota, then the token buckets in the documented order (usage
plan, stage method or route, account); the first empty bucket answers 429 (reference §1).

A request takes a token from every bucket only when all of them have one, and counts
against its key's quota only when admitted. The trace shows the tokens left in each,
unless only account-sized limits apply (then an admitted request adds no trace line).
"""

from __future__ import annotations

from ..context import InvocationContext
from ..errors import GatewayError, QuotaExceeded, Throttled
from ..http_errors import TooManyRequests
from ..limits import layers
from ..limits.layers import Limit
from ..ws_errors import Throttled as WebSocketThrottled


def _limits(ctx: InvocationContext) -> list[Limit]:
    assert ctx.stage is not None
    state = ctx.plane.limits
    found: list[Limit] = []
    if ctx.api_type == "REST":
        assert ctx.route is not None
        method = ctx.route.http_method
        if ctx.usage is not None:
            plan = layers.plan_limit(
                ctx.usage, ctx.api_id, ctx.stage.name, f"{ctx.resource_path}/{method}"
            )
            if plan is not None:
                found.append(plan)
        stage = layers.stage_limit(
            ctx.api_id, ctx.stage.name, ctx.stage.method_settings, ctx.resource_path, method
        )
    else:
        raw = ctx.stage.raw
        stage = layers.route_limit(
            ctx.api_id,
            ctx.stage.name,
            ctx.route_key,
            getattr(raw, "route_settings", None),
            getattr(raw, "default_route_settings", None),
        )
    if stage is not None:
        found.append(stage)
    found.append(
        layers.account_limit(ctx.account_id, ctx.region, state.account_rate, state.account_burst)
    )
    return found


def _throttled(ctx: InvocationContext, reason: str) -> GatewayError:
    if ctx.api_type == "REST":
        return Throttled(reason=reason)
    if ctx.api_type == "WEBSOCKET":
        return WebSocketThrottled(reason=reason)
    return TooManyRequests(reason=reason)


def step(ctx: InvocationContext) -> None:
    """Throttle: usage-plan quota, then usage plan, stage (or route) and account buckets (429)."""
    if ctx.cors_preflight:
        return  # answered by the HTTP API's CORS configuration before any route [unc]
    if ctx.event_type == "DISCONNECT":
        return  # the socket is already closed: nothing left to refuse
    state = ctx.plane.limits
    now = ctx.request_time
    grant = ctx.usage
    limits = _limits(ctx)
    with state.lock:
        if grant is not None and grant.quota is not None:
            left = state.quotas.remaining(grant.plan_id, grant.key_id, grant.quota, now)
            if left <= 0:
                raise QuotaExceeded(
                    reason=f"key {grant.masked_key} used its quota of {grant.quota.limit} per "
                    f"{grant.quota.period} in usage plan {grant.plan_name}"
                )
        verdict = state.admit(limits, now)
        quota_left = None
        if verdict.refused_by is None and grant is not None:
            state.quotas.consume(grant.plan_id, grant.key_id, grant.quota, now)
            if grant.quota is not None:
                quota_left = state.quotas.remaining(grant.plan_id, grant.key_id, grant.quota, now)
    if verdict.refused_by is not None:
        x = verdict.refused_by
        tokens = verdict.tokens()
        ctx.trace.add("throttle", f"{x.level} bucket empty", tokens=tokens)
        raise _throttled(ctx, f"{x.label}: no token left (rate {x.rate:g}/s, burst {x.burst})")
    if grant is None:
        for x in limits:
            if x.rate < layers.ACCOUNT_RATE or x.burst < layers.ACCOUNT_BURST:
                break
        else:
            return  # only the default account-sized limits: nothing worth a trace line
    tokens = verdict.tokens()
    if quota_left is None:
        ctx.trace.add("throttle", "admitted", tokens=tokens)
    else:
        ctx.trace.add("throttle", "admitted", tokens=tokens, quota_left=quota_left)
