"""The REST stage cache, on the lab clock (reference §2).

A stage with a cache cluster keeps integration answers for ``cacheTtlInSeconds``
(default 300, at most 3600; 0 turns caching off). Entries are grouped by stage; resizing
the cluster or turning it off empties it, and ``flush_stage_cache`` does so on demand.
Responses larger than 1,048,576 bytes are not cached.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .http import HttpResponse
from .interned import interned
from .limits.layers import stage_method_settings

DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
MAX_ENTRY_BYTES = 1_048_576
#: cacheClusterSize values in GB [doc]; US East (N. Virginia) price per hour in USD, read
#: from the course's one price file (helpers/pricing/api_gateway.toml): the smallest and
#: largest from AWS, the others as commonly quoted [unc]
CLUSTER_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")


def _cache_prices() -> dict[str, float]:
    from ..cost import region_prices

    table = region_prices("us-east-1")["cache_per_hour"]
    return {size: float(table[size]) for size in CLUSTER_SIZES}


PRICE_PER_HOUR_USD = _cache_prices()
#: what SUCCEED_WITH_RESPONSE_HEADER adds to the answer [unc: AWS does not document it]
UNAUTHORIZED_WARNING = (
    "Warning",
    '199 - "Cache-Control header ignored: not authorized to invalidate the cache"',
)

StageKey = tuple[str, str, str]  # region, api id, stage


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How one method of one stage uses the cache."""

    ttl_s: int
    require_authorization: bool
    unauthorized_strategy: str
    settings_key: str


def policy_for(
    stage: Any, settings: dict[str, Any], resource_path: str, http_method: str
) -> CachePolicy | None:
    """The method's cache policy, or None when its answers are not cached: no cluster,
    caching off, a TTL of 0, or a method other than GET under the stage-wide ``*/*``
    setting (only GET methods are cached by default; others need their own entry)."""
    if not getattr(stage, "cache_cluster_enabled", False):
        return None
    if getattr(stage, "cache_cluster_status", "AVAILABLE") not in (None, "AVAILABLE"):
        return None
    found = stage_method_settings(settings, resource_path, http_method)
    if found is None:
        return None
    key, entry = found
    if not entry.get("cachingEnabled"):
        return None
    if key == "*/*" and http_method != "GET":
        return None
    ttl = int(entry.get("cacheTtlInSeconds", DEFAULT_TTL_S))
    if ttl <= 0:
        return None
    return interned(
        CachePolicy,
        min(ttl, MAX_TTL_S),
        bool(entry.get("requireAuthorizationForCacheControl", True)),
        str(entry.get("unauthorizedCacheControlHeaderStrategy") or "SUCCEED_WITH_RESPONSE_HEADER"),
        key,
    )


@dataclass(slots=True)
class Entry:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    expires_at: float

    def response(self) -> HttpResponse:
        return HttpResponse(self.status, list(self.headers), self.body)


class StageCache:
    def __init__(self) -> None:
        self._stages: dict[StageKey, dict[tuple, Entry]] = {}
        self._sizes: dict[StageKey, str] = {}
        self.lock = threading.Lock()

    def _entries(self, stage: StageKey, size: str) -> dict[tuple, Entry]:
        if self._sizes.get(stage) != size:
            # a new or resized cluster starts empty [doc]
            self._stages[stage] = {}
            self._sizes[stage] = size
        return self._stages.setdefault(stage, {})

    def get(self, stage: StageKey, size: str, key: tuple, now: float) -> tuple[Entry, float] | None:
        """(entry, seconds left) while it lives."""
        with self.lock:
            entries = self._entries(stage, size)
            entry = entries.get(key)
            if entry is None:
                return None
            if now >= entry.expires_at:
                del entries[key]
                return None
            return entry, entry.expires_at - now

    def put(
        self, stage: StageKey, size: str, key: tuple, response: HttpResponse, now: float, ttl_s: int
    ) -> bool:
        """Keep the answer; False when it is too large to cache."""
        if len(response.body) > MAX_ENTRY_BYTES:
            return False
        with self.lock:
            self._entries(stage, size)[key] = Entry(
                response.status, list(response.headers), response.body, now + ttl_s
            )
        return True

    def flush(self, stage: StageKey) -> int:
        """Empty one stage's cache (``flush_stage_cache``); returns how many entries went."""
        with self.lock:
            gone = len(self._stages.get(stage, {}))
            self._stages[stage] = {}
            return gone

    def drop(self, stage: StageKey) -> None:
        """The cluster was turned off: nothing survives."""
        with self.lock:
            self._stages.pop(stage, None)
            self._sizes.pop(stage, None)

    def size(self, stage: StageKey, now: float | None = None) -> int:
        """Entries held (live ones only when ``now`` is given)."""
        entries = self._stages.get(stage, {})
        if now is None:
            return len(entries)
        return sum(1 for e in entries.values() if e.expires_at > now)

    def clear(self) -> None:
        with self.lock:
            self._stages.clear()
            self._sizes.clear()
