"""API keys and usage plans, read from the control plane (reference §1.4).

A key identifies a client when it exists, is enabled, and a usage plan both names the
API stage and holds the key (a key may be in only one plan per stage). The plan then
gives the client's throttle (per method, or for the whole plan) and quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..control_plane import apigateway_backend
from .quota import Quota


class KeyRefused(Exception):
    """Why a required API key does not open this stage (for the trace)."""


@dataclass(slots=True)
class Grant:
    """What a usage plan grants one API key on one stage."""

    plan_id: str
    plan_name: str
    key_id: str
    key_value: str
    #: {"rateLimit", "burstLimit"}: the plan's, or the plan's per-method one for this method
    throttle: dict[str, Any] | None
    throttle_scope: str  # "plan" or "method"
    quota: Quota | None

    @property
    def masked_key(self) -> str:
        """Execution logs show keys as ``****`` plus the last four characters."""
        return "****" + self.key_value[-4:]


_backend = apigateway_backend


def any_plans(account_id: str, region: str) -> bool:
    return bool(_backend(account_id, region).usage_plans)


def method_throttle_key(resource_path: str, http_method: str) -> str:
    """A plan's per-method throttle key: ``/pets/GET``, ``//GET`` for the root [doc]."""
    return f"{resource_path}/{http_method}"


def grant_for(
    account_id: str,
    region: str,
    api_id: str,
    stage: str,
    value: str | None,
    resource_path: str,
    http_method: str,
) -> Grant:
    """The plan that lets ``value`` call this stage, or :class:`KeyRefused`."""
    if not value:
        raise KeyRefused("no API key")
    backend = _backend(account_id, region)
    key = None
    for candidate in backend.keys.values():
        if candidate.value == value:
            key = candidate
            break
    if key is None:
        raise KeyRefused("no API key has this value")
    if not key.enabled:
        raise KeyRefused(f"API key {key.id} is disabled")
    plan_keys = backend.usage_plan_keys
    for plan in backend.usage_plans.values():
        if key.id not in plan_keys.get(plan.id, ()):
            continue
        for entry in plan.api_stages:
            if entry.get("apiId") == api_id and entry.get("stage") == stage:
                break
        else:
            continue
        per_method = (entry.get("throttle") or {}).get(
            method_throttle_key(resource_path, http_method)
        )
        return Grant(
            plan_id=plan.id,
            plan_name=plan.name or plan.id,
            key_id=key.id,
            key_value=key.value,
            throttle=per_method or plan.throttle or None,
            throttle_scope="method" if per_method else "plan",
            quota=Quota.of(plan.quota),
        )
    raise KeyRefused(f"API key {key.id} is in no usage plan for stage {api_id}/{stage}")


def plan_and_key(account_id: str, region: str, plan_id: str, key_id: str | None) -> tuple[Any, Any]:
    """moto's UsagePlan and ApiKey (None when ``key_id`` is None) for ``get_usage`` and
    ``update_usage``; KeyError when either does not exist."""
    backend = _backend(account_id, region)
    plan = backend.usage_plans[plan_id]
    if key_id is None:
        return plan, None
    if key_id not in backend.usage_plan_keys.get(plan_id, {}):
        raise KeyError(key_id)
    return plan, backend.keys[key_id]


def usage_plan_key_ids(account_id: str, region: str, plan_id: str) -> list[str]:
    return list(_backend(account_id, region).usage_plan_keys.get(plan_id, {}))
