"""moto's CloudWatch Logs streams, bounded (moto target only).

moto keeps every event ever put into a log stream, and the lab writes one for everything
that happens: three lines per Lambda invocation (START, END, REPORT) and whatever the
function prints, access-log lines, execution-log lines. Under sustained load (the localhost
server answering for minutes) that is the one structure that grows without limit: about
300 bytes per event, 0.2 MB/s at 200 req/s. AWS keeps events until the log group's
retention removes them; the lab keeps the newest :data:`MAX_EVENTS_PER_STREAM` of each
stream, far more than any lesson reads, so memory levels off.
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
    from moto.logs.models import LogStream

    original = LogStream.put_log_events

    def put_log_events(self: Any, log_events: list[dict[str, Any]]) -> str:
        token = original(self, log_events)
        over = len(self.events) - MAX_EVENTS_PER_STREAM
        if over > 0:
            del self.events[:over]  # the oldest first: events are kept in time order
        return token

    LogStream.put_log_events = put_log_events
    _installed = True
