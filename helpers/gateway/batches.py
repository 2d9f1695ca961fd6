"""What the data plane records per request (log lines, metric samples) and writes to moto
later, in batches: one list append on the request path, the writing when something reads
(or when enough has piled up)."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Batched(Generic[T]):
    """Items kept in order until :meth:`flush`, which a subclass defines over :meth:`take`;
    ``flush_every`` items trigger a flush from the request that adds the last one."""

    def __init__(self, flush_every: int) -> None:
        self._pending: list[T] = []
        self._lock = threading.Lock()
        self._flush_every = flush_every

    def push(self, item: T) -> None:
        self._pending.append(item)
        if len(self._pending) >= self._flush_every:
            self.flush()

    def take(self) -> list[T]:
        """Everything pushed so far, leaving nothing behind (thread-safe)."""
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def flush(self) -> None:
        raise NotImplementedError
