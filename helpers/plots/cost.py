"""Figures for notebook 15 (what an API costs): monthly cost against traffic, cost per
million calls against payload size, and polling against push. Every function takes plain
numbers and returns a :class:`matplotlib.figure.Figure` with a title, labelled axes and a
legend; break-even points are marked where the caller found them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .axes import log_scale

COLOURS = ("#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#6d597a")


def _dollars(value: float, _: object = None) -> str:
    if value >= 1000:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:g}"
    return f"${value:.2g}"


def _requests(value: float, _: object = None) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"


def monthly_cost(
    volumes: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    *,
    title: str,
    marks: Sequence[tuple[float, float, str]] = (),
) -> Figure:
    """Monthly bill (log scale) against monthly calls (log scale), one line per design;
    ``marks`` are (calls, dollars, label) points such as break-evens."""
    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.subplots()
    for colour, (name, costs) in zip(COLOURS, curves.items(), strict=False):
        points = [(v, c) for v, c in zip(volumes, costs, strict=True) if c > 0]
        ax.plot([v for v, _ in points], [c for _, c in points], color=colour, label=name)
    _mark(ax, marks, (8, -14))
    log_scale(ax, "x")
    log_scale(ax, "y")
    ax.xaxis.set_major_formatter(FuncFormatter(_requests))
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_xlabel("calls per month (log scale)")
    ax.set_ylabel("API Gateway bill per month, USD (log scale)")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left")
    return fig


def per_million_vs_payload(
    sizes_kb: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    *,
    title: str,
    marks: Sequence[tuple[float, float, str]] = (),
) -> Figure:
    """Price of a million calls against the size of request + response (KB)."""
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    for colour, (name, costs) in zip(COLOURS, curves.items(), strict=False):
        ax.step(sizes_kb, costs, where="post", color=colour, label=name)
    _mark(ax, marks, (8, 6))
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_xlabel("request + response size per call (KB)")
    ax.set_ylabel("USD per million calls")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def polling_vs_push(
    intervals_s: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    *,
    title: str,
    marks: Sequence[tuple[float, float, str]] = (),
) -> Figure:
    """Monthly bill against how often a client polls (seconds between polls, log scale)."""
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    for colour, (name, costs) in zip(COLOURS, curves.items(), strict=False):
        ax.plot(intervals_s, costs, color=colour, label=name)
    _mark(ax, marks, (8, 6))
    log_scale(ax, "x")
    log_scale(ax, "y")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} s"))
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_xlabel("seconds between two polls of one client (log scale)")
    ax.set_ylabel("API Gateway bill per month, USD (log scale)")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper right")
    return fig


def _mark(ax: Any, marks: Sequence[tuple[float, float, str]], offset: tuple[int, int]) -> None:
    """A black dot and its label at each (x, y, label)."""
    for x, y, label in marks:
        ax.plot([x], [y], marker="o", color="black")
        ax.annotate(label, (x, y), textcoords="offset points", xytext=offset, fontsize="small")
