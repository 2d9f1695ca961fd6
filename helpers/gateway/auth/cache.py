"""The authorizer result cache, on the lab clock (reference §3.3, §3.9).

A result is kept for ``authorizerResultTtlInSeconds`` under the identity-source values
(the token for a TOKEN authorizer), per API, stage and authorizer. While it lives, the
same identity gets the same answer for every method or route that uses the authorizer,
without calling the function: the reason a policy naming only one method denies the next.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

#: default TTL of REST authorizers when none is set [doc] API:Authorizer; HTTP APIs [unc]
DEFAULT_TTL_S = 300
#: the hard maximum [doc]
MAX_TTL_S = 3600

CacheKey = tuple[str, str, str, tuple[str, ...]]


@dataclass(slots=True)
class Entry:
    answer: Any
    expires_at: float


class AuthorizerCache:
    """Cached authorizer answers; ``now`` is always the caller's lab-clock reading."""

    def __init__(self) -> None:
        self._entries: dict[CacheKey, Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(api_id: str, stage: str, authorizer_id: str, identity: list[str]) -> CacheKey:
        return (api_id, stage, authorizer_id, tuple(identity))

    def get(self, key: CacheKey, now: float) -> tuple[Any, float] | None:
        """(answer, seconds left) while the entry lives, else None (and it is dropped)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now >= entry.expires_at:
                del self._entries[key]
                return None
            return entry.answer, entry.expires_at - now

    def put(self, key: CacheKey, answer: Any, now: float, ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        with self._lock:
            self._entries[key] = Entry(answer, now + min(ttl_s, MAX_TTL_S))

    def flush(self, api_id: str, stage: str | None = None) -> int:
        """Drop the entries of an API (one stage, or all); returns how many went."""
        with self._lock:
            gone = [k for k in self._entries if k[0] == api_id and stage in (None, k[1])]
            for k in gone:
                del self._entries[k]
            return len(gone)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
