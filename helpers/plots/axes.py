"""Axis set-up the course's figures share."""

from __future__ import annotations

from typing import Any, Literal

from matplotlib.ticker import LogLocator

#: the minor ticks of a log axis: 2 and 5 in each decade (1-2-5, the steps a reader reads
#: off a log axis). Matplotlib's default puts one at every digit, 2 to 9: over the six or
#: seven decades a price axis spans that is sixty-odd ticks, which clutter the axis and
#: cost a figure about a third of its drawing time.
LOG_MINOR_SUBS = (2.0, 5.0)


def log_scale(ax: Any, axis: Literal["x", "y"] = "y") -> None:
    """Put ``axis`` of ``ax`` on a base-10 log scale with minor ticks at 2 and 5."""
    getattr(ax, f"set_{axis}scale")("log")
    getattr(ax, f"{axis}axis").set_minor_locator(LogLocator(subs=LOG_MINOR_SUBS))
