"""A log stream keeps its newest events only, so memory levels off under sustained load."""

from __future__ import annotations

import time
from typing import Any

import boto3

from helpers.gateway import moto_memory


def test_a_stream_keeps_its_newest_events(moto_env: None, monkeypatch: Any) -> None:
    moto_memory.install()
    monkeypatch.setattr(moto_memory, "MAX_EVENTS_PER_STREAM", 5)
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="/aws/lambda/busy")
    logs.create_log_stream(logGroupName="/aws/lambda/busy", logStreamName="s")
    now = int(time.time() * 1000)
    for batch in range(3):
        logs.put_log_events(
            logGroupName="/aws/lambda/busy",
            logStreamName="s",
            logEvents=[
                {"timestamp": now + batch * 10 + i, "message": f"{batch}-{i}"}
                for i in range(3)
            ],
        )
    events = logs.get_log_events(
        logGroupName="/aws/lambda/busy", logStreamName="s", startFromHead=True
    )["events"]
    assert [e["message"] for e in events] == ["1-1", "1-2", "2-0", "2-1", "2-2"]


def test_moto_keeps_no_list_of_every_model_object(moto_env: None) -> None:
    """moto's dashboard list of every instance would keep dropped log events alive."""
    from moto.logs.models import LogEvent

    moto_memory.install()
    LogEvent(0, {"timestamp": 0, "message": "x"})
    assert LogEvent.instances_tracked == []
