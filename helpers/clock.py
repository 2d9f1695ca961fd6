"""The lab clock: the one notion of "now" shared by the data plane and moto.

On the moto target the clock follows wall time until it is frozen. Frozen, it stands still
until a notebook advances it, so throttling, caching and TTL lessons are exact. Freezing
uses time-machine to move the whole process's ``time.time()`` and ``datetime.now()``, so
moto's own timestamps (and the tokens it issues) agree with the data plane.

Only wall-clock readings are virtual: ``time.monotonic()`` and ``time.perf_counter()``
stay real, so latencies and time-outs are still measured in real time.

On the aws target the service runs on real time: ``freeze`` is ignored (with a note) and
``advance`` really waits, but only up to :data:`REAL_WAIT_LIMIT_S`. A longer wait (an
authorizer cache's five minutes, a token's hour, a WebSocket's idle timeout) is skipped
with a note saying so, because no notebook cell may keep a learner waiting for minutes on
a real account. A lesson that needs the time to pass asks first::

    if lab.clock.can_advance(3600, "both tokens have expired: 401"):
        lab.clock.advance(3600)
        ...

On the moto target ``can_advance`` is always true; on the aws target it is true for short
waits and otherwise prints what would have happened and returns false.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable

from .lazy_imports import import_time_machine

time_machine = import_time_machine()

TimeLike = str | float | int | _dt.datetime | None

#: the longest real wait a cell may cause on the aws target (seconds); longer ones are skipped
REAL_WAIT_LIMIT_S = 30.0


def _to_epoch(at: TimeLike) -> float:
    if at is None:
        return time.time()
    if isinstance(at, (int, float)):
        return float(at)
    if isinstance(at, str):
        at = _dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=_dt.UTC)
    return at.timestamp()


class LabClock:
    """Virtual clock for the moto target (see the module docstring)."""

    def __init__(self) -> None:
        self._traveller: time_machine.travel | None = None
        self._coordinates: time_machine.Coordinates | None = None
        #: called with the new time whenever a notebook moves the clock (freeze, advance):
        #: what runs on the lab clock (WebSocket idle time-outs, DynamoDB TTL) catches up
        self.listeners: list[Callable[[float], None]] = []
        #: whether the clock stands still (frozen by a notebook); and while it does, the time
        #: it shows, read once per move: every request reads the clock several times
        self.frozen = False
        self._frozen_at: float | None = None

    def _moved(self) -> None:
        self._frozen_at = now = time.time()
        self.frozen = True
        for listener in list(self.listeners):
            listener(now)

    #: the lab clock can jump ahead at once (the moto target); a real account's cannot
    jumps = True

    def can_advance(self, seconds: float, what: str = "") -> bool:
        """Whether moving the clock ``seconds`` ahead is instant or short enough to wait for.

        Always true here (the lab clock jumps). The aws target's clock answers false for a
        wait longer than :data:`REAL_WAIT_LIMIT_S`, after printing that the step is skipped
        and ``what`` would have happened."""
        return True

    def now(self) -> float:
        """Seconds since the epoch, as the lab sees them."""
        at = self._frozen_at
        return time.time() if at is None else at

    def datetime(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self.now(), tz=_dt.UTC)

    def freeze(self, at: TimeLike = None) -> float:
        """Stop the clock at ``at`` (ISO 8601 text, epoch seconds or datetime; default: now)."""
        target = _to_epoch(at)
        if self._coordinates is not None:
            self._coordinates.move_to(target)
        else:
            self._traveller = time_machine.travel(target, tick=False)
            self._coordinates = self._traveller.start()
        self._moved()
        return target

    def advance(self, seconds: float) -> float:
        """Move a frozen clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the lab clock only moves forward")
        if self._coordinates is None:
            raise RuntimeError(
                "lab.clock.advance() needs a frozen clock: call lab.clock.freeze() first"
            )
        self._coordinates.shift(seconds)
        self._moved()
        return self.now()

    def unfreeze(self) -> None:
        """Return to wall time."""
        if self._traveller is not None:
            self._traveller.stop()
        self._traveller = None
        self._coordinates = None
        self.frozen = False
        self._frozen_at = None

    def __repr__(self) -> str:
        state = "frozen" if self.frozen else "following wall time"
        return f"<LabClock {state} at {self.datetime().isoformat()}>"


def duration(seconds: float) -> str:
    """``45 s``, ``5 min``, ``1 h 30 min``: a wait as a learner reads it."""
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def skipped_wait_note(seconds: float, what: str = "") -> str:
    """The one note the aws target prints for a wait it skips."""
    note = (
        f"(aws target: skipped a wait of {duration(seconds)} — a real account runs on real "
        f"time, and no cell waits longer than {duration(REAL_WAIT_LIMIT_S)}."
    )
    if what:
        note += f" After that wait: {what}."
    return note + " The moto target shows it in full.)"


class RealClock(LabClock):
    """The aws target's clock: real time only. ``advance`` waits for real up to
    :data:`REAL_WAIT_LIMIT_S`, and skips longer waits with a note."""

    jumps = False

    def freeze(self, at: TimeLike = None) -> float:
        print("(aws target: a real account runs on real time, so the clock is not frozen)")
        return self.now()

    def can_advance(self, seconds: float, what: str = "") -> bool:
        if seconds <= REAL_WAIT_LIMIT_S:
            return True
        print(skipped_wait_note(seconds, what))
        return False

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the lab clock only moves forward")
        if seconds <= REAL_WAIT_LIMIT_S:
            time.sleep(seconds)
        else:
            print(skipped_wait_note(seconds))
        return self.now()

    def unfreeze(self) -> None:
        return None
