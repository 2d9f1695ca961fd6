"""The registry of frozen deployments, filled as ``create_deployment`` runs."""

from __future__ import annotations

import threading
from typing import Any

from .snapshot import RestSnapshot, snapshot_rest_api


class Snapshots:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str], RestSnapshot] = {}
        self._lock = threading.Lock()

    def take(self, moto_api: Any, deployment_id: str) -> RestSnapshot:
        snap = snapshot_rest_api(moto_api, deployment_id)
        with self._lock:
            self._by_key[(moto_api.region_name, moto_api.id, deployment_id)] = snap
        return snap

    def for_stage(self, moto_api: Any, deployment_id: str) -> RestSnapshot:
        """The stage's deployment; one made before the lab was watching is frozen now."""
        key = (moto_api.region_name, moto_api.id, deployment_id)
        snap = self._by_key.get(key)
        if snap is None:
            snap = snapshot_rest_api(moto_api, deployment_id, late=True)
            with self._lock:
                self._by_key.setdefault(key, snap)
        return snap

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()
