"""Function logs: one invocation's lines, and their way into moto's CloudWatch Logs.

Each invocation collects its log events (what the handler printed or logged) in an
:class:`InvocationLog`, and ends as an :class:`InvocationRecord`: those events plus what the
``START``/``END``/``REPORT`` lines Lambda writes around them need. The runtime hands the
records to a :class:`LogWriter`, which keeps them in memory and writes them into moto's
CloudWatch Logs backend in batches: when about 2,000 events are waiting, and whenever
``flush()`` is called (``LambdaRuntime.flush_logs()``, which the lab runs before moto's
CloudWatch Logs backend answers a read, through ``helpers.gateway.moto_hooks``), so a notebook
never sees a stale log.

Why batches: moto stores every event as a tracked model object, which costs a few
microseconds per event, three events at least per invocation. Written one invocation at a
time, that would be the largest part of an invocation's overhead and would sit in the
request path. Batched, the request path only appends a small record to a deque (the text of
the lines is not even formatted until the flush); the flush pays the rest, off the request
path unless the buffer fills up. (Measured: about 13 µs per invocation without log writes, 18
µs with them, amortised. ``LambdaRuntime.write_logs = False`` turns the writes off for long
benchmarks: moto keeps every event in memory.)

Events are written as Lambda writes them: one event per printed line, one per ``logging``
record, each message ending in ``"\\n"``; group ``/aws/lambda/<function name>``, one stream
per execution environment (``2025/01/01/[$LATEST]<32 hex digits>``), timestamps from the lab
clock.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import deque
from collections.abc import Callable
from typing import Any

LogEvent = tuple[int, str]  # (timestamp in ms, message)

TAIL_BYTES = 4096

# moto's CloudWatch Logs backend has no lock of its own; everything written here goes through
# this one. Re-entrant: writing into moto can run a function (a subscription filter's
# destination), whose own logs may come back here on the same thread.
_moto_lock = threading.RLock()


class LogStreamRef:
    """Where one execution environment's logs go."""

    __slots__ = ("account_id", "group_name", "groups", "region", "stream_name")

    def __init__(self, account_id: str, region: str, group_name: str, stream_name: str) -> None:
        from moto.logs.models import logs_backends

        self.account_id = account_id
        self.region = region
        self.group_name = group_name
        self.stream_name = stream_name
        backend = logs_backends[account_id][region]
        # The log groups of the moto state this stream belongs to: if moto's state is reset
        # before the events are flushed, they are dropped rather than resurrect the group.
        self.groups = backend.groups
        # Lambda creates the group (first time) and the stream when an execution environment
        # starts, so they show in DescribeLogGroups/Streams at once; only events are batched.
        with _moto_lock:
            backend.ensure_log_group(group_name)
            group = backend.groups[group_name]
            if stream_name not in group.streams:
                group.create_log_stream(stream_name)


class InvocationLog:
    """The log events of one invocation, in order."""

    __slots__ = ("_now", "_partial", "_partial_ts", "events")

    def __init__(self, now: Callable[[], float]) -> None:
        self.events: list[LogEvent] = []
        self._now = now
        self._partial: list[str] = []
        self._partial_ts = 0

    def timestamp(self) -> int:
        return int(self._now() * 1000)

    def write(self, text: str) -> None:
        """Text printed to stdout or stderr: one event per line."""
        if not text:
            return
        if not self._partial:
            self._partial_ts = self.timestamp()
        self._partial.append(text)
        if "\n" in text:
            lines = "".join(self._partial).split("\n")
            rest = lines.pop()
            ts = self._partial_ts
            self.events.extend((ts, line + "\n") for line in lines)
            self._partial = [rest] if rest else []
            if rest:
                self._partial_ts = self.timestamp()

    def add(self, message: str, ts: int | None = None) -> None:
        """One whole event (a logging record, a runtime line)."""
        if self._partial:
            self.close_partial()
        self.events.append((self.timestamp() if ts is None else ts, message))

    def close_partial(self) -> None:
        if self._partial:
            self.events.append((self._partial_ts, "".join(self._partial)))
            self._partial = []

    def text(self) -> str:
        return "".join(message for _, message in self.events)


class InvocationRecord:
    """One invocation's log: what it captured plus what the ``START``/``END``/``REPORT``
    lines need. The lines are only rendered into text when needed (a flush, a log tail), so
    an invocation whose logs nobody reads costs no string formatting."""

    __slots__ = (
        "captured",
        "duration_ms",
        "end_ms",
        "init_events",
        "init_ms",
        "memory_size",
        "request_id",
        "start_ms",
        "status",
        "version",
    )

    def __init__(
        self,
        request_id: str,
        version: str,
        memory_size: int,
        start_ms: int,
        end_ms: int,
        duration_ms: float,
        init_ms: float | None,
        status: str,
        captured: list[LogEvent],
        init_events: int,
    ) -> None:
        self.request_id = request_id
        self.version = version
        self.memory_size = memory_size
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.duration_ms = duration_ms
        self.init_ms = init_ms
        self.status = status
        self.captured = captured
        self.init_events = init_events

    def __len__(self) -> int:
        return len(self.captured) + 3

    def events(self) -> list[LogEvent]:
        """Init output, ``START``, handler output, ``END``, ``REPORT``, as Lambda writes them.

        ``Max Memory Used`` is not measured: it repeats ``Memory Size``.
        """
        rid = self.request_id
        duration = self.duration_ms
        report = (
            f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\t"
            f"Billed Duration: {max(1, math.ceil(duration))} ms\t"
            f"Memory Size: {self.memory_size} MB\t"
            f"Max Memory Used: {self.memory_size} MB\t"
            + (f"Init Duration: {self.init_ms:.2f} ms\t" if self.init_ms is not None else "")
            + self.status
            + "\n"
        )
        captured = self.captured
        split = self.init_events
        return [
            *captured[:split],
            (self.start_ms, f"START RequestId: {rid} Version: {self.version}\n"),
            *captured[split:],
            (self.end_ms, f"END RequestId: {rid}\n"),
            (self.end_ms, report),
        ]


def tail(events: list[LogEvent]) -> str:
    """The last 4 KB of the invocation's log text, as ``LogType=Tail`` returns it."""
    data = "".join(message for _, message in events).encode()
    return data[-TAIL_BYTES:].decode(errors="ignore")


class LogWriter:
    """Buffers log events and writes them into moto's CloudWatch Logs in batches."""

    def __init__(self, max_pending: int = 2000) -> None:
        self.max_pending = max_pending
        self._pending: deque[tuple[LogStreamRef, InvocationRecord]] = deque()
        self._count = 0
        self._lock = _moto_lock

    def submit(self, stream: LogStreamRef, record: InvocationRecord) -> None:
        self._pending.append((stream, record))
        self._count += len(record)  # approximate under concurrency; only decides when to flush
        if self._count >= self.max_pending:
            try:
                self.flush()
            except Exception as exc:  # never fail an invocation because of its logs
                warnings.warn(f"apigw-lab: could not write Lambda logs: {exc!r}", stacklevel=2)

    def flush(self) -> None:
        """Write every buffered event into moto."""
        from moto.logs.models import logs_backends

        with self._lock:
            batches: dict[LogStreamRef, list[LogEvent]] = {}
            pending = self._pending
            while True:
                try:
                    stream, record = pending.popleft()
                except IndexError:
                    break
                batches.setdefault(stream, []).extend(record.events())
            self._count = 0
            for stream, events in batches.items():
                backend: Any = logs_backends[stream.account_id][stream.region]
                if backend.groups is not stream.groups:
                    continue  # moto's state was reset since: these logs belong to the old one
                backend.ensure_log_group(stream.group_name)
                group = backend.groups[stream.group_name]
                if stream.stream_name not in group.streams:
                    group.create_log_stream(stream.stream_name)
                events.sort(key=lambda event: event[0])  # CloudWatch wants them in time order
                group.put_log_events(
                    stream.stream_name,
                    [{"timestamp": ts, "message": message} for ts, message in events],
                )
