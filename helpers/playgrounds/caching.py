"""Playground for notebook 10: move the cache TTL and the traffic, watch hits, misses and
backend calls.

The callback does what you would do on AWS, in the same order:

1. set the stage-wide TTL with ``update_stage`` (patch ``/*/*/caching/ttlInSeconds``; 0
   turns caching off for every method that inherits ``*/*``);
2. empty the cache with ``flush_stage_cache`` so every run starts cold;
3. send the load with :func:`helpers.traffic.simulate` (moto target: on the lab clock, in
   a blink; aws target: real requests in real time, ``seconds`` long);
4. draw hits and backend calls per slot (:func:`helpers.plots.caching.plot_hits_over_time`).

The load is ``keys`` distinct values of one cached query parameter (``?category=item-1``,
``item-2``, ...), equally popular, sent round-robin at ``rate`` requests per second in all.

    widget = caching_playground(lab, api_id, "prod")
    widget                      # sliders + figure in Jupyter
    run = widget.redraw(ttl=10, rate=1, keys=1)   # the same callback, without a browser
    run.tally.backend_calls     # 6 in 60 s: one miss every 10 s
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..plots.caching import CacheTally, plot_hits_over_time, tally
from ..tagging import rest_api_needs
from ..traffic import Client, Simulation, simulate
from .panel import panel

#: slider ranges: TTL (s), total rate (requests/s), distinct keys
TTL_RANGE = (0, 300, 5)
RATE_RANGE = (0.5, 20.0, 0.5)
KEYS_RANGE = (1, 20, 1)


@dataclass(frozen=True, slots=True)
class CachingRun:
    """What one redraw did: the sliders, every request's outcome, the counts, the figure."""

    ttl: int
    rate: float
    keys: int
    simulation: Simulation
    tally: CacheTally
    figure: Any


def load(path: str, param: str, rate: float, keys: int) -> list[Client]:
    """``keys`` equally popular clients, ``rate`` requests/s in all, evenly interleaved."""
    if rate <= 0 or keys < 1:
        raise ValueError("rate must be positive and keys at least 1")
    each = rate / keys
    return [
        Client(f"item-{i + 1}", rate=each, path=f"{path}?{param}=item-{i + 1}", start=i / rate)
        for i in range(keys)
    ]


def make_redraw(
    lab: Any,
    api_id: str,
    stage: str,
    *,
    path: str = "products",
    param: str = "category",
    seconds: float = 120.0,
    width: float = 10.0,
) -> Callable[[int, float, int], CachingRun]:
    """The playground's callback as a plain function ``redraw(ttl, rate, keys)``.

    The stage must have a cache cluster and caching enabled under ``*/*``; the method at
    ``path`` must list ``method.request.querystring.<param>`` in its integration's
    ``cacheKeyParameters``.
    """
    apigateway = lab.session.client("apigateway", region_name=lab.region)
    url = lab.invoke_url(api_id, stage)

    def redraw(ttl: int, rate: float, keys: int) -> CachingRun:
        apigateway.update_stage(
            restApiId=api_id,
            stageName=stage,
            patchOperations=[
                {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(int(ttl))}
            ],
        )
        apigateway.flush_stage_cache(restApiId=api_id, stageName=stage)
        simulation = simulate(lab, url, load(path, param, rate, keys), seconds)
        counts = tally(simulation)
        figure = plot_hits_over_time(
            simulation,
            width=width,
            title=(
                f"TTL {int(ttl)} s, {rate:g} req/s over {keys} key(s): "
                f"{counts.hits} hits, {counts.backend_calls} backend calls"
            ),
        )
        return CachingRun(int(ttl), float(rate), int(keys), simulation, counts, figure)

    return redraw


def caching_playground(
    lab: Any,
    api_id: str,
    stage: str,
    *,
    path: str = "products",
    param: str = "category",
    seconds: float = 120.0,
    ttl: int = 30,
    rate: float = 2.0,
    keys: int = 3,
) -> Any:
    """Sliders for TTL, load (requests/s) and distinct keys, and the figure they redraw.

    Returns an ``ipywidgets.VBox`` (three sliders and an ``Output`` with the figure), drawn
    once for the initial values and again whenever a slider is released. Its ``redraw``
    attribute is the callback (:func:`make_redraw`), and ``last_run`` the latest
    :class:`CachingRun`. It holds the API and its function through ``lab.cleanup()`` until
    its Done button is pressed (:func:`helpers.playgrounds.panel.panel`).
    """
    redraw = make_redraw(lab, api_id, stage, path=path, param=param, seconds=seconds)
    return panel(
        [
            ("int", ttl, TTL_RANGE, "cache TTL (s)"),
            ("float", rate, RATE_RANGE, "load (requests/s)"),
            ("int", keys, KEYS_RANGE, "distinct keys"),
        ],
        redraw,
        lambda run: (
            f"hit ratio {run.tally.hit_ratio:.1%}: {run.tally.hits} of {run.tally.requests} "
            f"requests answered from the cache, {run.tally.backend_calls} reached the backend"
        ),
        lab=lab,
        needs=rest_api_needs(lab.session, api_id, region=lab.region),
    )
