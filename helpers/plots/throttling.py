"""Figures for notebook 09 (throttling, API keys, usage plans and quotas), drawn from what a
:class:`~helpers.traffic.Simulation` recorded.

- :func:`bucket_figure`: the tokens left in one token bucket over time, with every request
  marked where it met the bucket: accepted, throttled by this bucket, or refused by
  something else (another bucket, the quota, a missing key).
- :func:`layers_figure`: the same for several buckets of one load, one panel each (usage
  plan, stage, account): which bucket ran dry.
- :func:`outcomes_figure`: requests accepted and refused per second, one panel per client.

The figures are made with pyplot (``plt.show()`` in a notebook displays them) and returned,
so a test can read their titles, labels and legends; every one has all three.

Where the tokens come from: on the moto target the data plane reports, for every request
that reached the throttle, the tokens left in each bucket (``Outcome.tokens``). Between two
requests a bucket refills at ``rate`` tokens per second up to ``burst``; when the bucket's
rate and burst are passed in, the line shows that refill instead of a staircase. On the aws
target nothing reports tokens: pass ``rate`` and ``burst`` and the line is the token-bucket
model run over the same arrivals (the markers are still what AWS answered).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..gateway.limits.bucket import EARLY_S

ACCEPTED_COLOUR = "#2a9d8f"
THROTTLED_COLOUR = "#e63946"
REFUSED_COLOUR = "#8d99ae"
TOKENS_COLOUR = "#264653"
BURST_COLOUR = "#f4a261"

#: requests the gateway itself refused for another reason than throttling
_STATUS_OK = 400


def _meets(outcome: Any, level: str) -> bool:
    """Did this request reach the throttle, where ``level``'s bucket was consulted?"""
    return outcome.tokens is not None and level in outcome.tokens


def _reached_throttle(outcome: Any) -> bool:
    return outcome.tokens is not None or outcome.why == "ok" or outcome.why.startswith("throttled")


def model_tokens(times: Sequence[float], rate: float, burst: int) -> list[tuple[float, bool]]:
    """The token-bucket model over ``times`` (seconds, ascending): for each arrival, the
    tokens left after it and whether it found a token. The bucket is full at the first
    arrival and refills continuously, as the data plane's (``limits/bucket.py``)."""
    tokens, last, out = float(burst), None, []
    for t in times:
        if last is not None:
            tokens = min(float(burst), tokens + (t - last) * rate)
        last = t
        admitted = tokens >= 1.0 - rate * EARLY_S
        if admitted:
            tokens -= 1.0
        out.append((tokens, admitted))
    return out


def _samples(
    simulation: Any, level: str, client: str | None, rate: float | None, burst: int | None
) -> tuple[list[tuple[Any, float, bool | None]], bool]:
    """Each request that met ``level``'s bucket, the tokens left after it and (model only)
    whether the model found it a token; and whether these are the model's numbers (no
    request recorded any tokens, as on the aws target)."""
    seen = [(o, float(o.tokens[level]), None) for o in simulation.of(client) if _meets(o, level)]
    if seen:
        return seen, False
    if rate is None or burst is None:
        raise ValueError(
            f"no request recorded tokens for the {level!r} bucket (the aws target reports "
            "none): pass rate= and burst= to draw the token-bucket model instead"
        )
    reached = [o for o in simulation.of(client) if _reached_throttle(o)]
    modelled = model_tokens([o.t for o in reached], rate, burst)
    return [(o, left, ok) for o, (left, ok) in zip(reached, modelled, strict=True)], True


def _refill_line(
    times: list[float], tokens: list[float], rate: float, burst: int, end: float
) -> tuple[list[float], list[float]]:
    """Tokens as a continuous line: after each request the bucket refills at ``rate`` up to
    ``burst`` until the next request takes its token."""
    xs: list[float] = []
    ys: list[float] = []
    for i, (t, left) in enumerate(zip(times, tokens, strict=True)):
        xs.append(t)
        ys.append(left)
        until = times[i + 1] if i + 1 < len(times) else end
        if until <= t:
            continue
        if rate > 0 and left < burst:
            full_at = t + (burst - left) / rate
            if full_at < until:
                xs += [full_at, until]
                ys += [float(burst), float(burst)]
                continue
            xs.append(until)
            ys.append(left + (until - t) * rate)
        else:
            xs.append(until)
            ys.append(left)
    return xs, ys


def draw_bucket(
    ax: Any,
    simulation: Any,
    level: str,
    *,
    client: str | None = None,
    rate: float | None = None,
    burst: int | None = None,
    title: str | None = None,
) -> None:
    """Draw ``level``'s bucket on ``ax`` (see :func:`bucket_figure`)."""
    samples, modelled = _samples(simulation, level, client, rate, burst)
    times = [o.t for o, _, _ in samples]
    tokens = [left for _, left, _ in samples]
    if rate is not None and burst is not None:
        xs, ys = _refill_line(times, tokens, rate, burst, simulation.seconds)
        ax.plot(
            xs,
            ys,
            color=TOKENS_COLOUR,
            linewidth=1.2,
            label="tokens (token-bucket model)" if modelled else "tokens in the bucket",
        )
        ax.axhline(
            burst,
            color=BURST_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"burst = bucket size ({burst})",
        )
    else:
        ax.step(
            times,
            tokens,
            where="post",
            color=TOKENS_COLOUR,
            linewidth=1.2,
            label="tokens in the bucket",
        )
    throttled_here = f"throttled by the {level} bucket" + (" (model)" if modelled else "")
    marks: dict[str, tuple[list[float], list[float]]] = {
        "accepted": ([], []),
        throttled_here: ([], []),
        "refused by something else": ([], []),
    }
    for o, left, model_ok in samples:
        if o.status < _STATUS_OK:
            kind = "accepted"
        elif o.why == f"throttled: {level}" or (modelled and o.status == 429 and not model_ok):
            kind = throttled_here
        else:
            kind = "refused by something else"
        marks[kind][0].append(o.t)
        marks[kind][1].append(left)
    styles = {
        "accepted": {"color": ACCEPTED_COLOUR, "marker": "o", "s": 14},
        throttled_here: {"color": THROTTLED_COLOUR, "marker": "x", "s": 28},
        "refused by something else": {"color": REFUSED_COLOUR, "marker": "s", "s": 12},
    }
    for kind, (xs_, ys_) in marks.items():
        if xs_:
            ax.scatter(xs_, ys_, zorder=3, label=f"{kind} ({len(xs_)})", **styles[kind])
    ax.set_xlim(0, simulation.seconds)
    ax.set_ylim(bottom=min(-0.5, *(tokens or [0.0])))
    ax.set_xlabel("time since the start of the load (s)")
    ax.set_ylabel("tokens left")
    who = f" ({client})" if client else ""
    ax.set_title(title or f"The {level} bucket{who}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")


def bucket_figure(
    simulation: Any,
    level: str = "stage",
    *,
    client: str | None = None,
    rate: float | None = None,
    burst: int | None = None,
    title: str | None = None,
) -> Figure:
    """Tokens left in ``level``'s bucket ("usage plan", "stage", "route", "account") over
    the simulation, each request marked where it met the bucket.

    ``client`` keeps one client's requests: needed for usage-plan buckets, which are per API
    key. With the bucket's ``rate`` and ``burst`` the line shows the refill between requests
    (and on the aws target, which reports no tokens, the model's bucket).
    """
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    draw_bucket(ax, simulation, level, client=client, rate=rate, burst=burst, title=title)
    return fig


def layers_figure(
    simulation: Any,
    levels: Sequence[str] = ("usage plan", "stage", "account"),
    *,
    client: str | None = None,
    limits: Mapping[str, tuple[float, int]] | None = None,
    title: str = "Which bucket ran dry?",
) -> Figure:
    """One panel per bucket the requests met, top to bottom in the order API Gateway checks
    them; ``limits`` maps a level to its (rate, burst) to draw the refill (and, when no
    request recorded tokens, as on the aws target, each bucket's model)."""
    limits = limits or {}
    shown = [lv for lv in levels if any(_meets(o, lv) for o in simulation.of(client))]
    if not shown:  # the aws target reports no tokens: the model of each bucket given limits
        shown = [lv for lv in levels if lv in limits]
    if not shown:
        raise ValueError("no request recorded tokens for these buckets, and no limits given")
    fig, axes = plt.subplots(
        len(shown),
        1,
        figsize=(9, 2.8 * len(shown)),
        sharex=True,
        layout="constrained",
        squeeze=False,
    )
    for ax, level in zip(axes[:, 0], shown, strict=True):
        rate, burst = limits.get(level, (None, None))
        draw_bucket(
            ax, simulation, level, client=client, rate=rate, burst=burst, title=f"{level} bucket"
        )
    fig.suptitle(title)
    return fig


#: how a request ended, for :func:`outcomes_figure`: (label, colour), bottom to top
OUTCOME_KINDS = {
    "accepted": ("accepted", ACCEPTED_COLOUR),
    "throttled": ("throttled (429 Too Many Requests)", THROTTLED_COLOUR),
    "over quota": ("over quota (429 Limit Exceeded)", "#6a4c93"),
    "other": ("refused otherwise (403, 5xx ...)", REFUSED_COLOUR),
}


def outcome_kind(why: str, status: int) -> str:
    """One of :data:`OUTCOME_KINDS` for an outcome's ``why`` and status."""
    if status < _STATUS_OK:
        return "accepted"
    if why.startswith("throttled"):
        return "throttled"
    if why == "over quota":
        return "over quota"
    return "other"


def per_slot(simulation: Any, client: str | None, width: float = 1.0) -> dict[str, list[int]]:
    """Per ``width``-second slot, how many of ``client``'s requests ended each way
    (:data:`OUTCOME_KINDS`), plus the slot starts under ``"t"``."""
    slots = max(int(simulation.seconds / width + 0.999999), 1)
    counts: dict[str, list[int]] = {kind: [0] * slots for kind in OUTCOME_KINDS}
    for o in simulation.of(client):
        counts[outcome_kind(o.why, o.status)][min(int(o.t / width), slots - 1)] += 1
    return {"t": [i * width for i in range(slots)], **counts}


def outcomes_figure(
    simulation: Any,
    clients: Sequence[str] | None = None,
    *,
    width: float = 1.0,
    title: str = "What each client got, second by second",
) -> Figure:
    """Per client, stacked bars per ``width``-second slot: requests accepted, throttled,
    over quota and refused otherwise (only the kinds that happened), one panel each."""
    names = list(clients or simulation.clients)
    present = {outcome_kind(o.why, o.status) for o in simulation.outcomes} | {"accepted"}
    fig, axes = plt.subplots(
        len(names),
        1,
        figsize=(9, 2.6 * len(names) + 0.4),
        sharex=True,
        layout="constrained",
        squeeze=False,
    )
    for ax, name in zip(axes[:, 0], names, strict=True):
        slots = per_slot(simulation, name, width)
        bottom = [0] * len(slots["t"])
        for kind, (label, colour) in OUTCOME_KINDS.items():
            if kind not in present:
                continue
            ax.bar(
                slots["t"],
                slots[kind],
                width=width * 0.9,
                align="edge",
                bottom=bottom,
                color=colour,
                label=label,
            )
            bottom = [b + n for b, n in zip(bottom, slots[kind], strict=True)]
        sent = len(simulation.of(name))
        accepted = sum(slots["accepted"])
        ax.set_title(f"{name}: {sent} sent, {accepted} accepted, {sent - accepted} refused")
        ax.set_ylabel(f"requests per {width:g} s")
        ax.set_xlabel("time since the start of the load (s)")
        ax.set_xlim(0, simulation.seconds)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(loc="upper right", fontsize="small")
    fig.suptitle(title)
    return fig
