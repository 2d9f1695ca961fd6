"""The data plane's throttling and quota state: every bucket and every quota count."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .bucket import BucketStore
from .layers import ACCOUNT_BURST, ACCOUNT_RATE, Limit
from .quota import QuotaLedger


@dataclass(frozen=True, slots=True)
class Admission:
    """What the buckets said: the first empty one (None: admitted) and, per limit, the
    tokens left after this request."""

    refused_by: Limit | None
    tokens_left: tuple[tuple[Limit, float], ...]


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
        buckets = [get(x.scope, x.rate, x.burst, now) for x in limits]
        for limit, bucket in zip(limits, buckets, strict=True):
            if not bucket.has_token(now):
                # level(now): the buckets after this one were not looked at yet
                left = [b.level(now) for b in buckets]
                return Admission(limit, tuple(zip(limits, left, strict=True)))
        for bucket in buckets:
            bucket.tokens -= 1.0  # has_token(now) has just brought it up to ``now``
        return Admission(None, tuple(zip(limits, [b.tokens for b in buckets], strict=True)))

    def clear(self) -> None:
        with self.lock:
            self.buckets.clear()
            self.quotas.clear()
            self.account_rate, self.account_burst = ACCOUNT_RATE, ACCOUNT_BURST
