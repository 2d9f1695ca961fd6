"""A short record of what each pipeline step decided, kept for every invocation.

Notebooks print it to show *why* a request got its answer: which route matched, why a
policy denied, how long the integration took.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import i18n

#: the trace's own words. Step names and details are data and stay as recorded; a step
#: that records its decision or a reason as ``M.data(key, ...)`` (helpers.i18n.Message)
#: gets it shown in the learner's language, while code still reads the English.
LABELS = i18n.messages(
    "trace",
    {
        "request": "request {id}",
        "step": "step",
        "decision": "decision",
        "details": "details",
    },
)


@dataclass(slots=True)
class TraceEntry:
    step: str
    decision: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, repr=False)
class Trace:
    request_id: str
    api_id: str = ""
    stage: str = ""
    method: str = ""
    path: str = ""
    status: int = 0
    entries: list[TraceEntry] = field(default_factory=list)

    def add(self, step: str, decision: str, **details: Any) -> None:
        self.entries.append(TraceEntry(step, decision, details))

    def lines(self) -> list[str]:
        request = LABELS("request", id=self.request_id)
        out = [f"{self.method} {self.path} -> {self.status}  ({request})"]
        for entry in self.entries:
            extra = ", ".join(f"{k}={i18n.localize(v)}" for k, v in entry.details.items())
            decision = i18n.localize(entry.decision)
            out.append(f"  {entry.step:<18} {decision}" + (f"  [{extra}]" if extra else ""))
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            "<tr><td><code>{}</code></td><td>{}</td><td><small>{}</small></td></tr>".format(
                escape(e.step),
                escape(i18n.localize(e.decision)),
                escape(", ".join(f"{k}={i18n.localize(v)}" for k, v in e.details.items())),
            )
            for e in self.entries
        )
        head = escape(f"{self.method} {self.path} → {self.status}")
        request = escape(LABELS("request", id=self.request_id))
        columns = "".join(f"<th>{escape(LABELS(c))}</th>" for c in ("step", "decision", "details"))
        return f"<b>{head}</b> <small>({request})</small><table><tr>{columns}</tr>{rows}</table>"


class TraceLog:
    """The most recent traces, newest last (bounded, so long simulations stay small)."""

    def __init__(self, keep: int = 200) -> None:
        from collections import deque

        self._traces: deque[Trace] = deque(maxlen=keep)

    def append(self, trace: Trace) -> None:
        self._traces.append(trace)

    def last(self, n: int | None = None) -> Trace | list[Trace]:
        if n is None:
            if not self._traces:
                raise LookupError("no request has reached the data plane yet")
            return self._traces[-1]
        return list(self._traces)[-n:]

    def discard(self, trace: Trace) -> None:
        """Forget one trace (e.g. a Route 53 health check's probe, not a notebook's request)."""
        for i, kept in enumerate(self._traces):
            if kept is trace:
                del self._traces[i]
                return

    def clear(self) -> None:
        self._traces.clear()
