"""Canary releases (REST): which deployment answers a request (reference §2.1).

A stage with ``canarySettings`` sends ``percentTraffic`` percent of its requests to the
canary's deployment, each request on its own (no stickiness, no header to force a branch)
[doc] DG canary-release. The emulator draws from a seeded source (:class:`TrafficSplit`),
so a notebook sees the same split on every run. A canary request sees the stage variables
overlaid by ``stageVariableOverrides`` (overrides may add names).
"""

from __future__ import annotations

import random
from typing import Any


class TrafficSplit:
    """Seeded draws in [0, 100) for percentage splits (no module-level random)."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(f"canary:{seed}")

    def reseed(self, seed: int) -> None:
        self._rng.seed(f"canary:{seed}")

    def draw(self) -> float:
        return self._rng.random() * 100.0


def settings(stage: Any) -> dict[str, Any] | None:
    """The stage's ``canarySettings`` (a moto Stage or a plain dict), or None."""
    if isinstance(stage, dict):
        return stage.get("canarySettings")
    return getattr(stage, "canary_settings", None)


def chooses_canary(percent: float, draw: float) -> bool:
    """A request drawn ``draw`` (in [0, 100)) goes to the canary at ``percent`` %."""
    return draw < percent


def canary_variables(variables: dict[str, str], canary: dict[str, Any]) -> dict[str, str]:
    """The stage variables a canary request sees: overrides on top of the stage's."""
    return {**variables, **(canary.get("stageVariableOverrides") or {})}
