"""moto's memory under sustained load, bounded (moto target only).

Two things in moto grow with every request the lab answers, and never shrink until moto
resets:

- **every model object moto ever made.** moto's ``BaseModel`` appends each instance to a
  class-level list (``instances_tracked``), only for its ``/moto-api/data.json`` dashboard,
  which the lab never serves. A log event, an SQS message, a metric datum stays alive after
  moto itself dropped it. :func:`install` makes new instances untracked.
- **every event ever put into a log stream.** The lab writes one for everything that
  happens: three lines per Lambda invocation (START, END, REPORT) and whatever the function
  prints, access-log and execution-log lines; about 300 bytes each. AWS keeps events until
  the log group's retention removes them; the lab keeps the newest
  :data:`MAX_EVENTS_PER_STREAM` of each stream, far more than any lesson reads.

With both, the localhost server's memory levels off under load (``benchmarks/memory.py``).
"""

from __future__ import annotations

from typing import Any

#: [unc] an emulator bound, not an AWS limit (AWS keeps events for the group's retention)
MAX_EVENTS_PER_STREAM = 10_000

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import reset_model_data
    from moto.logs.models import LogStream

    def untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)

    BaseModel.__new__ = untracked_new  # type: ignore[method-assign, assignment]
    reset_model_data()  # forget what was tracked so far (the lists only; models stay)

    original = LogStream.put_log_events

    def put_log_events(self: Any, log_events: list[dict[str, Any]]) -> str:
        token = original(self, log_events)
        over = len(self.events) - MAX_EVENTS_PER_STREAM
        if over > 0:
            del self.events[:over]  # the oldest first: events are kept in time order
        return token

    LogStream.put_log_events = put_log_events
    _installed = True
