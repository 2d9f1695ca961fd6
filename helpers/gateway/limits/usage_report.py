"""``get_usage`` and ``update_usage`` answered from the data plane's real counts.

``get_usage`` gives, per API key, one ``[used, remaining]`` pair per day from ``startDate``
to ``endDate`` (reference §1.5; API:GetUsage). ``update_usage`` takes the patch operation
``replace /remaining`` and sets what the key has left in the current quota period
("grants a temporary extension to the remaining quota").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .quota import DAY_S, Quota
from .state import Limits
from .usage_plans import plan_and_key, usage_plan_key_ids


class UsageError(ValueError):
    """A request AWS refuses with BadRequestException (the message says why)."""


def _day(text: str) -> int:
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(f"Invalid date {text!r}: use yyyy-MM-dd") from None
    return (day - dt.date(1970, 1, 1)).days


def get_usage(
    limits: Limits,
    account_id: str,
    region: str,
    plan_id: str,
    start_date: str,
    end_date: str,
    key_id: str | None = None,
) -> dict[str, Any]:
    first, last = _day(start_date), _day(end_date)
    if last < first:
        raise UsageError("The end date must not be before the start date")
    plan, _ = plan_and_key(account_id, region, plan_id, None)
    quota = Quota.of(plan.quota)
    keys = [key_id] if key_id else usage_plan_key_ids(account_id, region, plan_id)
    with limits.lock:
        values = {k: limits.quotas.daily(plan_id, k, quota, first, last) for k in keys}
    return {"usagePlanId": plan_id, "startDate": start_date, "endDate": end_date, "values": values}


def update_usage(
    limits: Limits,
    account_id: str,
    region: str,
    plan_id: str,
    key_id: str,
    operations: list[dict[str, Any]],
    now: float,
) -> dict[str, Any]:
    plan, _ = plan_and_key(account_id, region, plan_id, key_id)
    quota = Quota.of(plan.quota)
    for op in operations:
        if op.get("op") != "replace" or op.get("path") != "/remaining":
            raise UsageError(
                f"Invalid patch path '{op.get('path')}' specified for op '{op.get('op')}'. "
                "Must be one of: [/remaining] with op replace"
            )
        if quota is None:
            raise UsageError("The usage plan has no quota to extend")
        try:
            value = int(op.get("value"))
        except (TypeError, ValueError):
            raise UsageError(f"Invalid value {op.get('value')!r} for /remaining") from None
        with limits.lock:
            limits.quotas.set_remaining(plan_id, key_id, quota, now, value)
    today = dt.datetime.fromtimestamp(now, tz=dt.UTC).date().isoformat()
    first = int(now // DAY_S)
    with limits.lock:
        values = {key_id: limits.quotas.daily(plan_id, key_id, quota, first, first)}
    return {"usagePlanId": plan_id, "startDate": today, "endDate": today, "values": values}
