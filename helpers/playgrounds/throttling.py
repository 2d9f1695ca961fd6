"""Playground for notebook 09: move a stage's throttle (rate, burst) and the load, and watch
the token bucket accept and refuse requests.

The callback does what you would do on AWS, in the same order:

1. set the stage-wide throttle with ``update_stage`` (patches
   ``/*/*/throttling/rateLimit`` and ``/*/*/throttling/burstLimit``: every method without a
   method setting of its own gets these limits, each method its own bucket);
2. wait ``burst / rate`` seconds, until an empty bucket is full again (moto target: on the
   lab clock; aws: for real — and AWS may take a moment to apply new stage settings [unc]);
3. send ``load`` requests per second, evenly spaced, with
   :func:`helpers.traffic.simulate` for ``seconds`` (moto: on the lab clock, in a blink;
   aws: real requests in real time);
4. draw the stage bucket (:func:`helpers.plots.throttling.bucket_figure`).

    widget = throttling_playground(lab, api_id, "playground", path="health")
    widget                                        # sliders + figure in Jupyter
    run = widget.redraw(rate=5, burst=10, load=20)  # the same callback, without a browser
    run.accepted                                  # 59 of 200 in 10 s: 10 + 5/s × 9.95 s

Use a method that does not require an API key (or a stage in no usage plan): otherwise the
key's usage-plan bucket is checked first and may refuse before the stage's does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..plots.throttling import bucket_figure, model_tokens
from ..tagging import rest_api_needs
from ..traffic import Client, Simulation, simulate
from .panel import panel

#: slider ranges (min, max, step): rate (requests/s), burst (requests), load (requests/s)
RATE_RANGE = (1, 50, 1)
BURST_RANGE = (1, 100, 1)
LOAD_RANGE = (1, 100, 1)
#: the simulated client's name in the Simulation
CLIENT = "load"


@dataclass(frozen=True, slots=True)
class ThrottlingRun:
    """What one redraw did: the sliders, every request's outcome, the counts, the figure."""

    rate: float
    burst: int
    load: float
    simulation: Simulation
    #: requests answered 2xx, and refused with 429 by a token bucket
    accepted: int
    throttled: int
    #: what the token-bucket model predicts for the same arrivals (a full bucket at first)
    predicted: int
    figure: Any


def stage_throttle_patch(rate: float, burst: int) -> list[dict[str, str]]:
    """The ``update_stage`` patch operations for a stage-wide (``*/*``) throttle."""
    return [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": f"{float(rate):g}"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(int(burst))},
    ]


def make_redraw(
    lab: Any,
    api_id: str,
    stage: str,
    *,
    path: str = "",
    api_key: str | None = None,
    seconds: float = 10.0,
) -> Callable[[float, int, float], ThrottlingRun]:
    """The playground's callback as a plain function ``redraw(rate, burst, load)``."""
    apigateway = lab.session.client("apigateway", region_name=lab.region)
    url = lab.invoke_url(api_id, stage)

    def redraw(rate: float, burst: int, load: float) -> ThrottlingRun:
        if rate <= 0 or burst < 1 or load <= 0:
            raise ValueError("rate and load must be positive and burst at least 1")
        apigateway.update_stage(
            restApiId=api_id, stageName=stage, patchOperations=stage_throttle_patch(rate, burst)
        )
        # start once an empty bucket would be full again: moto, later on the lab clock;
        # aws, after really waiting
        wait = burst / rate
        start = None
        if lab.target == "moto":
            start = lab.clock.now() + wait
        else:
            lab.clock.advance(wait)
        client = Client(CLIENT, rate=load, api_key=api_key, path=path)
        simulation = simulate(lab, url, [client], seconds, start=start)
        statuses = simulation.statuses(CLIENT)
        accepted = sum(n for status, n in statuses.items() if status < 400)
        throttled = sum(
            n for why, n in simulation.counts(CLIENT).items() if why.startswith("throttled")
        )
        predicted = sum(ok for _, ok in model_tokens(client.arrivals(seconds), rate, burst))
        figure = bucket_figure(
            simulation,
            "stage",
            client=CLIENT,
            rate=rate,
            burst=int(burst),
            title=(
                f"rate {rate:g}/s, burst {int(burst)}, load {load:g} req/s for {seconds:g} s: "
                f"{accepted} of {len(simulation)} accepted (the bucket predicts {predicted})"
            ),
        )
        return ThrottlingRun(
            float(rate),
            int(burst),
            float(load),
            simulation,
            accepted,
            throttled,
            predicted,
            figure,
        )

    return redraw


def throttling_playground(
    lab: Any,
    api_id: str,
    stage: str,
    *,
    path: str = "",
    api_key: str | None = None,
    seconds: float = 10.0,
    rate: float = 5,
    burst: int = 10,
    load: float = 20,
) -> Any:
    """Sliders for the stage's rate and burst and the load (requests/s), and the bucket
    figure they redraw.

    Returns an ``ipywidgets.VBox``; its ``redraw`` attribute is the callback
    (:func:`make_redraw`), and ``last_run`` the latest :class:`ThrottlingRun`. It holds
    the API through ``lab.cleanup()`` until its Done button is pressed
    (:func:`helpers.playgrounds.panel.panel`).
    """
    redraw = make_redraw(lab, api_id, stage, path=path, api_key=api_key, seconds=seconds)
    return panel(
        [
            ("int", rate, RATE_RANGE, "stage rate (req/s)"),
            ("int", burst, BURST_RANGE, "stage burst (requests)"),
            ("int", load, LOAD_RANGE, "load (req/s)"),
        ],
        redraw,
        lambda run: (
            f"{run.accepted} accepted, {run.throttled} throttled (429) of "
            f"{len(run.simulation)} requests; the token bucket predicts {run.predicted} accepted"
        ),
        lab=lab,
        needs=rest_api_needs(lab.session, api_id, region=lab.region),
    )
