"""Figures for notebook 12 (releases): requests per deployment over a canary rollout, and
requests per Region across a Route 53 failover.

Each function takes a :class:`~helpers.traffic.Simulation` and returns a
:class:`matplotlib.figure.Figure` with a title, labelled axes and a legend; nothing is drawn
through pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

STAGE_COLOUR = "#264653"
CANARY_COLOUR = "#e9c46a"
ERROR_COLOUR = "#e76f51"
REGION_COLOURS = ("#2a9d8f", "#e76f51", "#264653", "#e9c46a")


def rollout_counts(simulation: Any, width: float = 60.0) -> dict[str, list[int]]:
    """Per slot of ``width`` seconds: answers from the stage's deployment and from the
    canary, and the 5xx among each."""
    slots = max(int(simulation.seconds / width + 0.999999), 1)
    out = {k: [0] * slots for k in ("stage", "canary", "stage_5xx", "canary_5xx")}
    for o in simulation.outcomes:
        i = min(int(o.t / width), slots - 1)
        branch = "canary" if o.canary else "stage"
        out[branch][i] += 1
        if o.status >= 500:
            out[branch + "_5xx"][i] += 1
    out["t"] = [i * width for i in range(slots)]
    return out


def rollout(
    simulation: Any,
    phases: Sequence[tuple[float, str]] = (),
    *,
    width: float = 60.0,
    title: str = "A canary rollout: requests per deployment",
) -> Figure:
    """Stacked bars per minute: answered by the stage's deployment, by the canary, and the
    5xx errors among them; ``phases`` are (start second, label) markers."""
    counts = rollout_counts(simulation, width)
    minutes = [t / 60 for t in counts["t"]]
    bar = width / 60 * 0.9
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    stage_ok = [a - b for a, b in zip(counts["stage"], counts["stage_5xx"], strict=True)]
    canary_ok = [a - b for a, b in zip(counts["canary"], counts["canary_5xx"], strict=True)]
    errors = [a + b for a, b in zip(counts["stage_5xx"], counts["canary_5xx"], strict=True)]
    ax.bar(minutes, stage_ok, bar, align="edge", color=STAGE_COLOUR, label="stage deployment")
    ax.bar(
        minutes, canary_ok, bar, bottom=stage_ok, align="edge", color=CANARY_COLOUR, label="canary"
    )
    bottom = [a + b for a, b in zip(stage_ok, canary_ok, strict=True)]
    ax.bar(minutes, errors, bar, bottom=bottom, align="edge", color=ERROR_COLOUR, label="5xx")
    top = max((a + b for a, b in zip(bottom, errors, strict=True)), default=1)
    for start, label in phases:
        ax.axvline(start / 60, color="grey", linestyle="--", linewidth=1)
        ax.text(start / 60 + 0.1, top * 1.02, label, fontsize=8, va="bottom")
    ax.set_ylim(0, top * 1.2)
    ax.set_title(title)
    ax.set_xlabel("simulated time (minutes)")
    ax.set_ylabel(f"requests per {width:g} s")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def failover_counts(simulation: Any, width: float = 10.0) -> dict[str, list[int]]:
    """Per slot of ``width`` seconds: requests each Region answered, ``"<region>"`` for the
    successful ones and ``"<region> 5xx"`` for server errors."""
    slots = max(int(simulation.seconds / width + 0.999999), 1)
    out: dict[str, list[int]] = {}
    for o in simulation.outcomes:
        label = (o.region or "?") + (" 5xx" if o.status >= 500 else "")
        out.setdefault(label, [0] * slots)[min(int(o.t / width), slots - 1)] += 1
    return {"t": [i * width for i in range(slots)], **dict(sorted(out.items()))}


def failover(
    simulation: Any,
    events: Sequence[tuple[float, str]] = (),
    *,
    width: float = 10.0,
    title: str = "Route 53 failover: which Region answered",
) -> Figure:
    """One line per Region (dashed: its 5xx answers): requests per ``width`` seconds;
    ``events`` are (second, label) markers such as the outage and the switch."""
    per = failover_counts(simulation, width)
    t = [x / 60 for x in per.pop("t")]
    regions = sorted({label.split()[0] for label in per})
    colours = dict(zip(regions, REGION_COLOURS, strict=False))
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    for label, counts in per.items():
        region, _, kind = label.partition(" ")
        ax.step(
            t,
            counts,
            where="post",
            color=colours[region],
            linestyle="--" if kind else "-",
            label=f"{region}: {kind or 'answered'}",
            linewidth=2,
        )
    top = max((max(c) for c in per.values()), default=1)
    for at, label in events:
        ax.axvline(at / 60, color="grey", linestyle=":", linewidth=1)
        ax.text(at / 60 + 0.05, top * 1.05, label, fontsize=8, va="bottom")
    ax.set_ylim(0, top * 1.3)
    ax.set_title(title)
    ax.set_xlabel("simulated time (minutes)")
    ax.set_ylabel(f"requests per {width:g} s")
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    return fig
