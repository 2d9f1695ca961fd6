"""``helpers.traffic.window``: a scenario run in pieces sends what it would send at once."""

from __future__ import annotations

import itertools

import pytest

from helpers.traffic import Client, window

DAY = [
    Client("web", rate=1 / 40, start=7 * 3600, duration=12 * 3600),
    Client("night", rate=1 / 300, duration=7 * 3600),
    Client("partner", rate=1 / 60, start=10 * 3600, duration=3600, bursts=((10.5 * 3600, 40),)),
]


@pytest.mark.parametrize(
    "cuts", [(0, 86400), (0, 36000, 46800, 86400), (0, 1, 37800, 37801, 86400)]
)
def test_pieces_add_up_to_the_whole(cuts: tuple[float, ...]) -> None:
    whole = sorted(t for c in DAY for t in c.arrivals(86400))
    pieces = sorted(
        begin + t
        for begin, end in itertools.pairwise(cuts)
        for c in window(DAY, begin, end)
        for t in c.arrivals(end - begin)
    )
    assert len(pieces) == len(whole)
    assert all(abs(a - b) < 1e-6 for a, b in zip(pieces, whole, strict=True))


def test_clients_outside_the_window_are_left_out() -> None:
    assert [c.name for c in window(DAY, 0, 3600)] == ["night"]
    (partner,) = [c for c in window(DAY, 10.5 * 3600, 10.5 * 3600 + 1) if c.name == "partner"]
    assert partner.bursts == ((0.0, 40),)
