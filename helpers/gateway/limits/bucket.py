"""A token bucket on the lab clock (reference §1.1).

Capacity is the burst limit, the refill is the rate limit in tokens per second, and a new
bucket starts full [unc: AWS does not document either; this is the natural reading]. One
request takes one token; a request that finds less than one token is throttled. Refill is
continuous (AWS does not document its granularity [unc]).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass

#: a request arriving up to this long before its token is due still gets it: clock readings
#: are floats of epoch seconds (about 0.24 µs apart in 2025), so the refill computed from two
#: readings can fall a hair short of a whole token (rate 3/s, a request every 1/9 s: three
#: refills of 1/3 sum to 0.9999998) [emulator: not an AWS setting]
EARLY_S = 1e-6


@dataclass(slots=True)
class TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, burst: int, now: float) -> TokenBucket:
        return cls(float(rate), int(burst), float(max(burst, 0)), now)

    def level(self, now: float) -> float:
        """Tokens in the bucket at ``now`` (refilled up to the burst limit)."""
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        return self.tokens

    def has_token(self, now: float) -> bool:
        return self.level(now) >= 1.0 - self.rate * EARLY_S

    def take(self, now: float) -> None:
        """Take one token (call :meth:`has_token` first)."""
        self.level(now)
        self.tokens -= 1.0


class BucketStore:
    """Buckets by scope. A scope whose limits change gets a new, full bucket [unc]."""

    def __init__(self) -> None:
        self._buckets: dict[Hashable, TokenBucket] = {}
        self.lock = threading.Lock()

    def get(self, scope: Hashable, rate: float, burst: int, now: float) -> TokenBucket:
        bucket = self._buckets.get(scope)
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            bucket = self._buckets[scope] = TokenBucket.full(rate, burst, now)
        return bucket

    def peek(self, scope: Hashable) -> TokenBucket | None:
        return self._buckets.get(scope)

    def clear(self) -> None:
        self._buckets.clear()

    def __len__(self) -> int:
        return len(self._buckets)
