"""Which token buckets a request must find a token in, in the documented order
(reference §1.3, §1.6, §1.7):

1. REST: the usage plan's per-method throttle, else its per-key throttle (only for methods
   that require an API key);
2. REST: the stage's method settings (the method's own ``{path}/{METHOD}`` entry, else
   ``*/*``); HTTP and WebSocket APIs: the route's settings, else the stage's default route
   settings;
3. the account's limit in the Region, shared by every API type (10,000 rps, burst 5,000).

Stage defaults apply to each method (or route) separately: "per-method limits" [unc: the
DG says the limits apply "at the API method level"; one bucket per method is our reading].
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from ..interned import interned

#: reference §1.2 [doc]
ACCOUNT_RATE = 10_000.0
ACCOUNT_BURST = 5_000


@dataclass(frozen=True, slots=True)
class Limit:
    level: str  # "usage plan", "stage", "route", "account"
    label: str  # what the trace shows, e.g. "usage plan gold, key k1"
    scope: Hashable
    rate: float
    burst: int


#: methodSettings keys already worked out (three steps look one up per request)
_settings_keys: dict[tuple[str, str], str] = {}


def method_settings_key(resource_path: str, http_method: str) -> str:
    """The stage ``methodSettings`` key of one method: ``~1pets/GET``, ``~1/GET`` for
    the root (the patch path's segments, as AWS returns them)."""
    found = _settings_keys.get((resource_path, http_method))
    if found is None:
        found = resource_path.replace("~", "~0").replace("/", "~1") + "/" + http_method
        if len(_settings_keys) >= 4096:
            _settings_keys.clear()
        _settings_keys[(resource_path, http_method)] = found
    return found


def stage_method_settings(
    settings: dict[str, Any], resource_path: str, http_method: str
) -> tuple[str, dict[str, Any]] | None:
    """(key, settings) of the method's own entry, else ``*/*``, else None."""
    if not settings:
        return None
    own = _settings_keys.get((resource_path, http_method)) or method_settings_key(
        resource_path, http_method
    )
    if own in settings:
        return own, settings[own]
    if "*/*" in settings:
        return "*/*", settings["*/*"]
    return None


def _throttle(entry: dict[str, Any], rate_key: str, burst_key: str) -> tuple[float, int] | None:
    rate, burst = entry.get(rate_key), entry.get(burst_key)
    if rate is None and burst is None:
        return None
    return float(ACCOUNT_RATE if rate is None else rate), int(
        ACCOUNT_BURST if burst is None else burst
    )


def plan_limit(grant: Any, api_id: str, stage: str, method_key: str) -> Limit | None:
    if not grant.throttle:
        return None
    found = _throttle(grant.throttle, "rateLimit", "burstLimit")
    if found is None:
        return None
    if grant.throttle_scope == "method":
        scope: Hashable = ("plan-method", grant.plan_id, grant.key_id, api_id, stage, method_key)
        label = f"usage plan {grant.plan_name}, key {grant.masked_key}, {method_key}"
    else:
        # per key, across all the plan's stages [doc]
        scope = ("plan", grant.plan_id, grant.key_id)
        label = f"usage plan {grant.plan_name}, key {grant.masked_key}"
    return interned(Limit, "usage plan", label, scope, *found)


def stage_limit(
    api_id: str, stage: str, settings: dict[str, Any], resource_path: str, http_method: str
) -> Limit | None:
    found = stage_method_settings(settings, resource_path, http_method)
    if found is None:
        return None
    key, entry = found
    throttle = _throttle(entry, "throttlingRateLimit", "throttlingBurstLimit")
    if throttle is None:
        return None
    return interned(
        Limit,
        "stage",
        f"stage {stage} method settings {key}",
        ("stage", api_id, stage, f"{http_method} {resource_path}"),
        *throttle,
    )


def route_limit(
    api_id: str,
    stage: str,
    route_key: str,
    route_settings: dict[str, Any] | None,
    default_settings: dict[str, Any] | None,
) -> Limit | None:
    """HTTP and WebSocket APIs: the route's settings, else the stage's default route
    settings (each route its own bucket)."""
    own = (route_settings or {}).get(route_key) or {}
    throttle = _throttle(own, "throttlingRateLimit", "throttlingBurstLimit")
    where = f"route settings {route_key!r}"
    if throttle is None:
        throttle = _throttle(default_settings or {}, "throttlingRateLimit", "throttlingBurstLimit")
        where = "default route settings"
    if throttle is None:
        return None
    return interned(
        Limit, "route", f"stage {stage} {where}", ("route", api_id, stage, route_key), *throttle
    )


#: the account limits made so far (one per account, Region and setting): every request of
#: every API type needs one, found here without building its label
_account_limits: dict[tuple[str, str, float, int], Limit] = {}


def account_limit(account_id: str, region: str, rate: float, burst: int) -> Limit:
    key = (account_id, region, rate, burst)
    found = _account_limits.get(key)
    if found is None:
        found = interned(
            Limit, "account", f"account {region}", ("account", account_id, region), rate, burst
        )
        if len(_account_limits) >= 256:
            _account_limits.clear()
        _account_limits[key] = found
    return found
