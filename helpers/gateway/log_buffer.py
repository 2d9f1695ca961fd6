"""Log lines the data plane writes (access logs, execution logs), buffered.

Writing a line costs one list append on the request path; the lines go into the target's
CloudWatch Logs (or Kinesis Data Firehose) in batches just before anything reads logs
(``moto_hooks.before_logs_read``), so a notebook reads them with ``filter_log_events`` /
``get_log_events`` as it would on AWS.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any, NamedTuple

from .batches import Batched


class Line(NamedTuple):
    account: str
    region: str
    #: a log group name, or a Firehose delivery stream name (``firehose`` set)
    destination: str
    stream: str
    timestamp_ms: int
    message: str
    #: API Gateway creates execution-log groups itself; an access log needs the group
    create_group: bool = False
    firehose: bool = False


@lru_cache(maxsize=1024)
def stream_name(*parts: str) -> str:
    """A stable, opaque stream name (API Gateway's streams are hashes too)."""
    return hashlib.md5("/".join(parts).encode()).hexdigest()


class LogBuffer(Batched[Line]):
    def __init__(self, flush_every: int = 20_000) -> None:
        super().__init__(flush_every)

    add = Batched.push

    def flush(self) -> None:
        pending = self.take()
        if not pending:
            return
        batches: dict[tuple, list[dict]] = {}
        for line in pending:
            key = (line.account, line.region, line.destination, line.stream, line.create_group)
            if line.firehose:
                key = (*key, "firehose")
            batches.setdefault(key, []).append(
                {"timestamp": line.timestamp_ms, "message": line.message}
            )
        for key, events in batches.items():
            if len(key) == 6:
                to_firehose(key[0], key[1], key[2], events)
            else:
                _to_logs(*key, events)

    def clear(self) -> None:
        self.take()


def _to_logs(
    account: str, region: str, group: str, stream: str, create: bool, events: list[dict]
) -> None:
    from moto.logs.models import logs_backends

    backend = logs_backends[account][region]
    if group not in backend.groups:
        if not create:
            return  # API Gateway cannot write an access log into a group that does not exist
        backend.create_log_group(group, {})
    log_group = backend.groups[group]
    if stream not in log_group.streams:
        backend.create_log_stream(group, stream)
    target = log_group.streams[stream]
    if log_group.subscription_filters:
        target.put_log_events(events)  # moto's own path forwards them to subscriptions
        return
    _append(target, events)


def _append(stream: Any, events: list[dict]) -> None:
    """What moto's ``LogStream.put_log_events`` does, without registering every event in
    moto's instance tracker (a third of the cost of a line, and memory never given back)."""
    from moto.core.utils import unix_time_millis, utcnow
    from moto.logs.models import LogEvent

    now = utcnow()
    ingested = int(unix_time_millis(now))
    made = []
    next_id = LogEvent._event_id
    for event in events:
        item = object.__new__(LogEvent)
        item.ingestion_time = ingested
        item.timestamp = event["timestamp"]
        item.message = event["message"]
        item.event_id = next_id
        next_id += 1
        made.append(item)
    LogEvent._event_id = next_id
    stream.last_ingestion_time = now
    stream.stored_bytes += sum(len(event["message"]) for event in events)
    stream.events += made
    stream.upload_sequence_token += 1


def to_firehose(account: str, region: str, name: str, events: list[dict]) -> None:
    from moto.firehose.models import firehose_backends

    backend = firehose_backends[account][region]
    if name not in backend.delivery_streams:
        return
    backend.put_record_batch(name, [{"Data": e["message"].encode()} for e in events])
