"""The aws target's clock never keeps a cell waiting for minutes: short waits are real,
longer ones are skipped with one note that says what would have happened; ``can_advance``
lets a lesson ask first. The moto clock jumps, so it always can."""

from __future__ import annotations

import time

import pytest

from helpers.clock import REAL_WAIT_LIMIT_S, LabClock, RealClock, duration, skipped_wait_note


def test_a_short_wait_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    clock = RealClock()
    clock.advance(2)
    assert slept == [2]
    assert clock.can_advance(REAL_WAIT_LIMIT_S)


def test_a_long_wait_is_skipped_with_a_note(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    clock = RealClock()
    before = clock.now()
    clock.advance(3600)
    assert slept == [] and clock.now() - before < 5
    out = capsys.readouterr().out
    assert out.startswith("(aws target: skipped a wait of 60 min")
    assert "no cell waits longer than 30 s" in out


def test_a_lesson_asks_before_a_long_wait(capsys: pytest.CaptureFixture[str]) -> None:
    clock = RealClock()
    assert not clock.jumps
    assert clock.can_advance(10 * 60, "Bob's connection is closed") is False
    assert capsys.readouterr().out == skipped_wait_note(600, "Bob's connection is closed") + "\n"
    assert "After that wait: Bob's connection is closed." in skipped_wait_note(600, "Bob's connection is closed")


def test_the_lab_clock_can_always_jump(capsys: pytest.CaptureFixture[str]) -> None:
    clock = LabClock()
    assert clock.jumps and clock.can_advance(2 * 3600, "anything")
    assert capsys.readouterr().out == ""


def test_durations_read_as_a_learner_says_them() -> None:
    assert [duration(s) for s in (45, 119, 600, 3600, 7200, 5400 * 3)] == [
        "45 s",
        "119 s",
        "10 min",
        "60 min",
        "2 h",
        "4 h 30 min",
    ]


def test_the_real_clock_only_moves_forward() -> None:
    with pytest.raises(ValueError, match="forward"):
        RealClock().advance(-1)
