"""Stage cache (REST): answer from the cache when the method's answers are cached and an
entry lives; otherwise let the integration answer and keep its answer (reference §2).

The key is the cache namespace (``cacheNamespace``, by default the resource id), the
HTTP method and the values of the integration's ``cacheKeyParameters``. Path parameters
count only when listed [doc], so ``/pets/1`` and ``/pets/2`` share an entry unless
``method.request.path.id`` is a cache key parameter. That the method is part of the key
is implied, not stated [unc].

``Cache-Control: max-age=0`` asks for a fresh answer. With
``requireAuthorizationForCacheControl`` the caller needs ``execute-api:InvalidateCache``
(so a SigV4-signed request from an identity allowed it); otherwise the method's
``unauthorizedCacheControlHeaderStrategy`` decides: fail with 403, or ignore the header
with or without a warning header.
"""

from __future__ import annotations

from .. import canary as canaries
from ..auth import sigv4
from ..context import InvocationContext
from ..errors import CacheInvalidationForbidden
from ..mapping import params
from ..stage_cache import UNAUTHORIZED_WARNING, CachePolicy, policy_for


def _policy(ctx: InvocationContext) -> CachePolicy | None:
    assert ctx.stage is not None and ctx.route is not None
    return policy_for(
        ctx.stage.raw, ctx.stage.method_settings, ctx.resource_path, ctx.route.http_method
    )


def _key(ctx: InvocationContext) -> tuple:
    assert ctx.route is not None
    integration = ctx.route.integration or {}
    namespace = integration.get("cacheNamespace") or ctx.route.resource_id
    if ctx.canary and ctx.stage is not None:
        # a canary of another deployment keeps its entries apart [doc] DG canary-release
        namespace = f"{namespace}@{ctx.stage.deployment_id}"
    values = []
    for expr in integration.get("cacheKeyParameters") or []:
        value = params.request_value(expr, ctx)
        values.append((expr, tuple(value) if isinstance(value, list) else value))
    return (namespace, ctx.route.http_method, tuple(values))


def _wants_fresh(ctx: InvocationContext) -> bool:
    assert ctx.method_request is not None
    value = (ctx.method_request.header("cache-control") or "").replace(" ", "").lower()
    return "max-age=0" in value.split(",")


def _may_invalidate(ctx: InvocationContext, policy: CachePolicy) -> bool:
    if not policy.require_authorization:
        return True
    if ctx.caller is None:
        return False
    assert ctx.stage is not None and ctx.method_request is not None
    arn = (
        f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/{ctx.stage.name}/"
        f"{ctx.method_request.method}{ctx.method_request.path}"
    )
    return sigv4.may_invoke(ctx.caller, arn, action="execute-api:InvalidateCache").allowed


def _stage_key(ctx: InvocationContext) -> tuple[str, str, str]:
    assert ctx.stage is not None
    return (ctx.region, ctx.api_id, ctx.stage.name)


def _size(ctx: InvocationContext) -> str:
    assert ctx.stage is not None
    return str(getattr(ctx.stage.raw, "cache_cluster_size", None) or "0.5")


def lookup(ctx: InvocationContext) -> None:
    """Cache lookup: a live entry answers without the integration (CacheHitCount)."""
    policy = _policy(ctx)
    if policy is None:
        return
    if ctx.canary and not (canaries.settings(ctx.stage.raw) or {}).get("useStageCache"):
        ctx.trace.add("cache", "not used: the canary has useStageCache false")
        return
    key = _key(ctx)
    ctx.cache_key, ctx.cache_ttl_s = key, policy.ttl_s
    if _wants_fresh(ctx):
        if _may_invalidate(ctx, policy):
            ctx.cache_status = "miss"
            ctx.trace.add("cache", "invalidated by Cache-Control: max-age=0", key=_shown(key))
            return
        if policy.unauthorized_strategy == "FAIL_WITH_403":
            raise CacheInvalidationForbidden(
                reason="Cache-Control: max-age=0 without execute-api:InvalidateCache"
            )
        if policy.unauthorized_strategy == "SUCCEED_WITH_RESPONSE_HEADER":
            ctx.cache_warning = UNAUTHORIZED_WARNING
        ctx.trace.add(
            "cache",
            "Cache-Control ignored: caller may not invalidate",
            strategy=policy.unauthorized_strategy,
        )
    found = ctx.plane.stage_cache.get(_stage_key(ctx), _size(ctx), key, ctx.request_time)
    if found is None:
        ctx.cache_status = "miss"
        ctx.trace.add("cache", "miss", key=_shown(key))
        return
    entry, left = found
    ctx.cache_status = "hit"
    response = entry.response()
    if ctx.cache_warning:
        response.headers.append(ctx.cache_warning)
    ctx.method_response = response
    ctx.trace.add(
        "cache", "hit: the integration is not called", key=_shown(key), ttl_left=round(left, 3)
    )


def store(ctx: InvocationContext) -> None:
    """Cache store: keep the integration's answer for the TTL (not over 1 MB)."""
    if ctx.cache_status != "miss" or ctx.method_response is None or ctx.cache_key is None:
        return
    kept = ctx.plane.stage_cache.put(
        _stage_key(ctx),
        _size(ctx),
        ctx.cache_key,
        ctx.method_response,
        ctx.request_time,
        ctx.cache_ttl_s,
    )
    if ctx.cache_warning:
        ctx.method_response.headers.append(ctx.cache_warning)
    if not kept:
        ctx.trace.add("cache", "not stored: the answer is over 1 MB")
    else:
        ctx.trace.add("cache", "stored", ttl=ctx.cache_ttl_s)


def _shown(key: tuple) -> str:
    namespace, method, values = key
    parts = [f"{expr.rsplit('.', 1)[-1]}={value}" for expr, value in values]
    return " ".join([f"{method} ns={namespace}", *parts])
