"""Figures for notebook 10 (the REST stage cache): hits and backend calls over time, hit
ratio against TTL, backend calls with and without the cache, and what a cache cluster costs
against the backend calls it saves.

Every plot function takes plain numbers (or a :class:`~helpers.traffic.Simulation` for the
"over time" view) and returns a :class:`matplotlib.figure.Figure` with a title, labelled
axes and a legend; nothing is drawn through pyplot's global state.

What counts as what, from a simulation's outcomes (``Outcome.why``):

- a **hit** is a request the stage cache answered (``"cache hit"``): the backend was not
  called;
- a **backend call** is a request the gateway let through to the integration (``"ok"`` or
  an error status from the backend, ``"status 5xx"``);
- a **refusal** is anything the gateway answered itself before the integration (throttled,
  over quota, forbidden): neither a hit nor a backend call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..cost import region_prices
from ..gateway.stage_cache import PRICE_PER_HOUR_USD
from .axes import log_scale

#: hours in a month as AWS's pricing examples count them (365 × 24 / 12)
HOURS_PER_MONTH = 730
#: seconds in a 30-day month, to turn a steady load (requests/s) into monthly calls
SECONDS_PER_MONTH = 30 * 24 * 3600
#: cluster sizes whose hourly price is only "commonly quoted", not confirmed from AWS's own
#: pricing page [unc]: the price file (helpers/pricing/api_gateway.toml) lists them
UNCERTAIN_PRICE_SIZES = frozenset(
    region_prices("us-east-1")["cache_per_hour"].get("uncertain_sizes", ())
)

HIT_COLOUR = "#2a9d8f"
BACKEND_COLOUR = "#e76f51"
SENT_COLOUR = "#264653"


@dataclass(frozen=True, slots=True)
class CacheTally:
    """How a batch of requests ended, from the cache's point of view."""

    requests: int
    hits: int
    backend_calls: int
    refused: int

    @property
    def hit_ratio(self) -> float:
        """Hits over the requests that reached the cache (hits + backend calls)."""
        looked_up = self.hits + self.backend_calls
        return self.hits / looked_up if looked_up else 0.0


def _is_backend_call(why: str) -> bool:
    return why == "ok" or why.startswith("status ")


def tally(simulation: Any, client: str | None = None) -> CacheTally:
    """Hits, backend calls and refusals of one simulation (optionally one client)."""
    hits = backend = refused = 0
    for outcome in simulation.of(client):
        if outcome.why == "cache hit":
            hits += 1
        elif _is_backend_call(outcome.why):
            backend += 1
        else:
            refused += 1
    return CacheTally(hits + backend + refused, hits, backend, refused)


def per_slot(simulation: Any, width: float = 60.0) -> dict[str, list[float]]:
    """Per time slot of ``width`` seconds: ``t`` (slot start, s), requests ``sent``,
    cache ``hits`` and ``backend`` calls."""
    slots = max(int(simulation.seconds / width + 0.999999), 1)
    sent, hits, backend = [0] * slots, [0] * slots, [0] * slots
    for outcome in simulation.outcomes:
        i = min(int(outcome.t / width), slots - 1)
        sent[i] += 1
        if outcome.why == "cache hit":
            hits[i] += 1
        elif _is_backend_call(outcome.why):
            backend[i] += 1
    return {"t": [i * width for i in range(slots)], "sent": sent, "hits": hits, "backend": backend}


def plot_hits_over_time(
    simulation: Any, *, width: float = 10.0, title: str = "What the stage cache answered"
) -> Figure:
    """Stacked bars per ``width``-second slot: cache hits and backend calls."""
    slots = per_slot(simulation, width)
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(
        slots["t"],
        slots["hits"],
        width=width * 0.9,
        align="edge",
        color=HIT_COLOUR,
        label="cache hits",
    )
    ax.bar(
        slots["t"],
        slots["backend"],
        width=width * 0.9,
        align="edge",
        bottom=slots["hits"],
        color=BACKEND_COLOUR,
        label="backend calls (misses)",
    )
    ax.set_title(title)
    ax.set_xlabel("time since the start of the load (s)")
    ax.set_ylabel(f"requests per {width:g} s")
    ax.set_xlim(0, max(simulation.seconds, width))
    ax.set_ylim(0, max(slots["sent"] or [1]) * 1.25 or 1)
    ax.legend(loc="upper right", ncols=2)
    return fig


def plot_hit_ratio_vs_ttl(
    ttls: Sequence[float],
    ratios: Mapping[str, Sequence[float]],
    *,
    title: str = "Hit ratio against the cache TTL",
) -> Figure:
    """One line per series (e.g. "all requests" and one per key): hit ratio (%) at each
    TTL."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    for i, (label, values) in enumerate(ratios.items()):
        ax.plot(
            list(ttls),
            [100 * v for v in values],
            marker="o",
            linewidth=2.5 if i == 0 else 1.2,
            linestyle="-" if i == 0 else "--",
            label=label,
        )
    positive = [t for t in ttls if t > 0]
    if positive and len(positive) < len(ttls):
        # 0 (no cache) and a wide range of TTLs: linear near 0, logarithmic above
        ax.set_xscale("symlog", linthresh=min(positive))
        ax.set_xticks(list(ttls), [f"{t:g}" for t in ttls])
    ax.set_title(title)
    ax.set_xlabel("cacheTtlInSeconds (s)")
    ax.set_ylabel("hit ratio (% of requests)")
    ax.set_ylim(-3, 103)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


def plot_backend_calls(
    minutes: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    sent: Sequence[float] | None = None,
    title: str = "Backend calls per minute",
) -> Figure:
    """Backend calls in each minute (a step per minute, from its start) for each series
    (e.g. "without cache", "TTL 300 s"), and optionally the requests clients sent, dotted on
    top. The y axis is logarithmic above 1 so that 0, a few and hundreds all show."""
    fig = Figure(figsize=(8, 3.8), layout="constrained")
    ax = fig.add_subplot()
    xs = [*minutes, (minutes[-1] + (minutes[-1] - minutes[-2] if len(minutes) > 1 else 1))]
    for label, values in series.items():
        ax.step(xs, [*values, values[-1]], where="post", linewidth=2, label=label)
    if sent is not None:
        ax.step(
            xs,
            [*sent, sent[-1]],
            where="post",
            color=SENT_COLOUR,
            linestyle=":",
            linewidth=2,
            zorder=5,
            label="requests sent by clients",
        )
    ax.set_yscale("symlog", linthresh=1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlim(xs[0], xs[-1])
    ax.set_title(title)
    ax.set_xlabel("minute of the load")
    ax.set_ylabel("backend calls per minute (log scale)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def monthly_price(
    prices: Mapping[str, float] = PRICE_PER_HOUR_USD, hours: float = HOURS_PER_MONTH
) -> dict[str, float]:
    """USD per month for each cluster size, billed by the hour whether used or not."""
    return {size: round(price * hours, 2) for size, price in prices.items()}


def cost_per_million_saved(price_per_hour: float, load_rps: float, hit_ratio: float) -> float:
    """USD the cache costs per million backend calls it saves, for a steady ``load_rps``
    answered ``hit_ratio`` of the time from the cache (inf when it saves nothing)."""
    saved = load_rps * hit_ratio * SECONDS_PER_MONTH
    return price_per_hour * HOURS_PER_MONTH / saved * 1e6 if saved > 0 else float("inf")


def plot_cache_costs(
    prices: Mapping[str, float] = PRICE_PER_HOUR_USD,
    *,
    uncertain: frozenset[str] | set[str] = UNCERTAIN_PRICE_SIZES,
    hit_ratio: float = 0.9,
    loads: Sequence[float] = (0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000),
    compare: Sequence[str] = ("0.5", "6.1", "237"),
    title: str = "What a cache cluster costs (us-east-1)",
) -> Figure:
    """Left: monthly price of each cluster size (hatched: price not confirmed [unc]).
    Right: USD per million backend calls saved, against the steady load, for a few sizes at
    ``hit_ratio``."""
    monthly = monthly_price(prices)
    sizes = list(monthly)
    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    confirmed = [s for s in sizes if s not in uncertain]
    guessed = [s for s in sizes if s in uncertain]
    for group, label, hatch in (
        (confirmed, "price with a source", None),
        (guessed, "commonly quoted, not confirmed [unc]", "//"),
    ):
        if group:
            left.bar(
                [sizes.index(s) for s in group],
                [monthly[s] for s in group],
                color="#8ab17d",
                edgecolor="#333333",
                hatch=hatch,
                label=label,
            )
    for i, size in enumerate(sizes):
        left.annotate(
            f"${monthly[size]:,.0f}",
            (i, monthly[size]),
            ha="center",
            va="bottom",
            fontsize="x-small",
            xytext=(0, 2),
            textcoords="offset points",
        )
    left.set_xticks(range(len(sizes)), [f"{s} GB" for s in sizes], rotation=45)
    log_scale(left, "y")
    left.set_ylim(top=max(monthly.values()) * 3)
    left.set_title("Price per month (730 h, running or not)")
    left.set_xlabel("cacheClusterSize")
    left.set_ylabel("USD per month")
    left.legend(loc="upper left", fontsize="small")

    for size in compare:
        values = [cost_per_million_saved(prices[size], load, hit_ratio) for load in loads]
        right.plot(
            list(loads),
            values,
            marker="o",
            linestyle="--" if size in uncertain else "-",
            label=f"{size} GB",
        )
    log_scale(right, "x")
    log_scale(right, "y")
    right.set_title(f"USD per million backend calls saved (hit ratio {hit_ratio:.1%})")
    right.set_xlabel("steady load on the cached methods (requests/s)")
    right.set_ylabel("USD per million calls saved")
    right.grid(alpha=0.3)
    right.legend(title="cluster", loc="upper right", fontsize="small")
    fig.suptitle(title)
    return fig
