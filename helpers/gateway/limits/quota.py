"""Usage-plan quotas on the lab clock (reference §1.5).

A quota is ``{limit, offset, period}`` with ``period`` one of DAY, WEEK, MONTH. Periods are
calendar periods in UTC: days start at midnight, weeks on Sunday, months on the 1st [unc:
AWS names Sunday as day 0 of a week in older SDK docs, and documents no time zone].

``offset`` has two documented meanings; this lab takes the current API reference's: the
number of requests subtracted from the limit in the *initial* period, the one in which
the key first used the plan [unc]. Both choices sit in this module only.

Counts are kept per day, so ``get_usage`` can answer with daily ``[used, remaining]``
pairs; ``update_usage`` sets what remains of the current period.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from ..interned import interned

DAY_S = 86_400
PERIODS = ("DAY", "WEEK", "MONTH")
#: weeks start on this weekday (Python: Monday=0 ... Sunday=6) [unc]
WEEK_STARTS_ON = 6


#: the periods worked out so far, by (day number, period): a period starts at a midnight,
#: so the day decides it, and every request of a key with a quota asks
_windows: dict[tuple[int, str], tuple[float, float]] = {}


def period_window(now: float, period: str) -> tuple[float, float]:
    """[start, end) of the quota period that contains ``now`` (epoch seconds, UTC)."""
    key = (int(now // DAY_S), period)
    found = _windows.get(key)
    if found is None:
        found = _period_window(key[0] * DAY_S, period)
        if len(_windows) >= 4096:
            _windows.clear()
        _windows[key] = found
    return found


def _period_window(now: float, period: str) -> tuple[float, float]:
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if period == "DAY":
        start, end = day, day + dt.timedelta(days=1)
    elif period == "WEEK":
        start = day - dt.timedelta(days=(day.weekday() - WEEK_STARTS_ON) % 7)
        end = start + dt.timedelta(days=7)
    elif period == "MONTH":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"quota period must be one of {', '.join(PERIODS)}, not {period!r}")
    return start.timestamp(), end.timestamp()


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    period: str
    offset: int = 0

    @classmethod
    def of(cls, spec: dict[str, Any] | None) -> Quota | None:
        """The plan's ``quota`` dict as a Quota (None when the plan has none)."""
        if not spec or spec.get("limit") in (None, ""):
            return None
        return interned(
            cls,
            int(spec["limit"]),
            str(spec.get("period") or "DAY").upper(),
            int(spec.get("offset") or 0),
        )


@dataclass(slots=True)
class _Account:
    """What one key has used under one plan."""

    first_period: float | None = None
    days: dict[int, int] = field(default_factory=dict)  # day number → requests
    extra: dict[float, int] = field(default_factory=dict)  # period start → granted
    window: tuple[float, float] = (0.0, 0.0)
    window_period: str = ""
    used: int = 0  # in ``window``


class QuotaLedger:
    def __init__(self) -> None:
        self._accounts: dict[tuple[str, str], _Account] = {}
        self.lock = threading.Lock()

    def _account(self, plan_id: str, key_id: str) -> _Account:
        found = self._accounts.get((plan_id, key_id))
        if found is None:
            found = self._accounts[(plan_id, key_id)] = _Account()
        return found

    def _sync(self, acct: _Account, quota: Quota, now: float) -> None:
        start, end = acct.window
        if acct.window_period == quota.period and start <= now < end:
            return
        start, end = period_window(now, quota.period)
        acct.window, acct.window_period = (start, end), quota.period
        first, last = int(start // DAY_S), int(end // DAY_S)
        acct.used = sum(n for d, n in acct.days.items() if first <= d < last)
        if acct.first_period is None:
            acct.first_period = start

    def _allowance(self, acct: _Account, quota: Quota) -> int:
        start = acct.window[0]
        initial = (
            acct.first_period is not None
            and period_window(acct.first_period, quota.period)[0] == start
        )
        return quota.limit - (quota.offset if initial else 0) + acct.extra.get(start, 0)

    def remaining(self, plan_id: str, key_id: str, quota: Quota, now: float) -> int:
        acct = self._account(plan_id, key_id)
        self._sync(acct, quota, now)
        return max(self._allowance(acct, quota) - acct.used, 0)

    def consume(self, plan_id: str, key_id: str, quota: Quota | None, now: float) -> None:
        """Count one request (also without a quota, so ``get_usage`` reports it)."""
        acct = self._account(plan_id, key_id)
        day = int(now // DAY_S)
        if quota is not None:
            # sync first: a new window recounts ``used`` from ``days``, which must not
            # hold this request yet (it would be counted twice)
            self._sync(acct, quota, now)
            acct.used += 1
        elif acct.first_period is None:
            acct.first_period = day * DAY_S
        acct.days[day] = acct.days.get(day, 0) + 1

    def set_remaining(
        self, plan_id: str, key_id: str, quota: Quota, now: float, value: int
    ) -> None:
        """``update_usage``: what remains of the current period becomes ``value``."""
        acct = self._account(plan_id, key_id)
        self._sync(acct, quota, now)
        start = acct.window[0]
        acct.extra[start] = (
            acct.extra.get(start, 0) + value - (self._allowance(acct, quota) - acct.used)
        )

    def daily(
        self, plan_id: str, key_id: str, quota: Quota | None, first_day: int, last_day: int
    ) -> list[list[int]]:
        """``[used, remaining]`` for each day from ``first_day`` to ``last_day`` (day
        numbers, inclusive); remaining is the period's remainder at the end of that day
        (0 when the plan has no quota [unc])."""
        acct = self._accounts.get((plan_id, key_id)) or _Account()
        out = []
        for day in range(first_day, last_day + 1):
            used = acct.days.get(day, 0)
            remaining = 0
            if quota is not None:
                start, _ = period_window(day * DAY_S, quota.period)
                probe = _Account(acct.first_period, acct.days, acct.extra)
                probe.window, probe.window_period = (start, day * DAY_S + DAY_S), quota.period
                in_period = sum(n for d, n in acct.days.items() if int(start // DAY_S) <= d <= day)
                remaining = max(self._allowance(probe, quota) - in_period, 0)
            out.append([used, remaining])
        return out

    def clear(self) -> None:
        self._accounts.clear()
