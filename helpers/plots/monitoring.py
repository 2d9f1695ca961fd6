"""Figures for notebook 14 (operating an API): a CloudWatch-dashboard-like view of one
stage — requests, 4XX/5XX errors and latency percentiles over time — with the incidents
marked. Every function takes plain numbers (what ``get_metric_data`` returned) and returns
a :class:`matplotlib.figure.Figure` with titles, labelled axes and legends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from matplotlib.dates import DateFormatter, HourLocator
from matplotlib.figure import Figure

from .axes import log_scale

COUNT_COLOUR = "#264653"
FOUR_COLOUR = "#e9c46a"
FIVE_COLOUR = "#e76f51"
PERCENTILE_COLOURS = {"p50": "#2a9d8f", "p90": "#f4a261", "p99": "#e76f51"}
INCIDENT_COLOUR = "#adb5bd"


def series(result: dict, default: float | None = 0.0) -> dict[dt.datetime, float | None]:
    """A ``get_metric_data`` result as {timestamp (UTC): value}."""
    return {
        t.astimezone(dt.UTC): v for t, v in zip(result["Timestamps"], result["Values"], strict=True)
    }


def dashboard(
    times: Sequence[dt.datetime],
    count: Sequence[float],
    errors_4xx: Sequence[float],
    errors_5xx: Sequence[float],
    percentiles: dict[str, Sequence[float | None]],
    *,
    title: str,
    period_label: str = "per 15 min",
    incidents: Sequence[tuple[dt.datetime, dt.datetime, str]] = (),
) -> Figure:
    """Three panels over time: ``Count``; ``4XXError`` and ``5XXError``; latency
    percentiles (ms, log scale). ``incidents`` are shaded and labelled on every panel."""
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    width = (times[1] - times[0]) * 0.9 if len(times) > 1 else dt.timedelta(minutes=10)
    axes[0].bar(times, count, width=width, align="edge", color=COUNT_COLOUR, label="Count")
    axes[0].set_ylabel(f"requests {period_label}")
    axes[0].set_title("Count")
    axes[1].bar(times, errors_4xx, width=width, align="edge", color=FOUR_COLOUR, label="4XXError")
    axes[1].bar(
        times,
        errors_5xx,
        width=width,
        align="edge",
        bottom=list(errors_4xx),
        color=FIVE_COLOUR,
        label="5XXError",
    )
    axes[1].set_ylabel(f"errors {period_label}")
    axes[1].set_title("4XXError and 5XXError (Sum)")
    for name, values in percentiles.items():
        points = [(t, v) for t, v in zip(times, values, strict=True) if v is not None]
        if points:
            axes[2].plot(
                [t + width / 2 for t, _ in points],
                [v for _, v in points],
                marker=".",
                color=PERCENTILE_COLOURS.get(name),
                label=f"Latency {name}",
            )
    log_scale(axes[2], "y")
    axes[2].set_ylabel("milliseconds (log scale)")
    axes[2].set_title("Latency percentiles")
    axes[2].set_xlabel("time of day (UTC)")
    axes[2].xaxis.set_major_locator(HourLocator(interval=2))
    axes[2].xaxis.set_major_formatter(DateFormatter("%H:%M"))
    for ax in axes:
        for start, end, _label in incidents:
            ax.axvspan(start, end, color=INCIDENT_COLOUR, alpha=0.35, linewidth=0)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    for start, end, label in incidents:
        axes[0].annotate(
            label,
            xy=(start + (end - start) / 2, 0.97),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="top",
            fontsize="small",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
        )
    fig.suptitle(title)
    return fig
