"""The data plane's throttling and quota state: every bucket and every quota count."""

from __future__ import annotations

import threading

from .bucket import BucketStore
from .layers import ACCOUNT_BURST, ACCOUNT_RATE, Limit
from .quota import QuotaLedger


class Admission:
    """What the buckets said: the first empty one (None: admitted) and, per limit, the
    tokens left after this request (``tokens_left``: (limit, tokens) pairs)."""

    __slots__ = ("_levels", "_limits", "refused_by")

    def __init__(self, refused_by: Limit | None, limits: list[Limit], levels: list[float]):
        self.refused_by = refused_by
        self._limits = limits
        self._levels = levels

    @property
    def tokens_left(self) -> tuple[tuple[Limit, float], ...]:
        return tuple(zip(self._limits, self._levels, strict=True))

    def tokens(self) -> dict[str, float]:
        """The tokens left by level, rounded as traces show them (``{"stage": 4.0}``)."""
        # round() on a float formats it in decimal: a whole number of tokens, the usual
        # case, is its own rounding
        return {
            x.level: left if left.is_integer() else round(left, 3)
            for x, left in zip(self._limits, self._levels, strict=True)
        }


class Limits:
    def __init__(self) -> None:
        self.buckets = BucketStore()
        self.quotas = QuotaLedger()
        #: the account's limit in each Region (reference §1.2); on AWS, Support raises it
        self.account_rate = ACCOUNT_RATE
        self.account_burst = ACCOUNT_BURST
        self.lock = threading.RLock()

    def set_account_limits(self, rate: float = ACCOUNT_RATE, burst: int = ACCOUNT_BURST) -> None:
        """What a Support case does on AWS: change the account-level throttle (emulator
        only; a lesson can use it to see the account bucket run out)."""
        self.account_rate, self.account_burst = float(rate), int(burst)

    def admit(self, limits: list[Limit], now: float) -> Admission:
        """Check every bucket in order; take a token from each only if all have one."""
        get = self.buckets.get
        buckets = []
        for limit in limits:
            bucket = get(limit.scope, limit.rate, limit.burst, now)
            if not bucket.has_token(now):
                # every bucket's level at ``now``: those after this one were not looked at yet
                left = [get(x.scope, x.rate, x.burst, now).level(now) for x in limits]
                return Admission(limit, limits, left)
            buckets.append(bucket)
        levels = []
        for bucket in buckets:
            bucket.tokens -= 1.0  # has_token(now) has just brought it up to ``now``
            levels.append(bucket.tokens)
        return Admission(None, limits, levels)

    def clear(self) -> None:
        with self.lock:
            self.buckets.clear()
            self.quotas.clear()
            self.account_rate, self.account_burst = ACCOUNT_RATE, ACCOUNT_BURST
