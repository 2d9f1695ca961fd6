"""Waiting for a stack in a notebook cell: at once on moto, at most 30 s on AWS, and a cell
run again while CloudFormation is still at work waits for the same operation."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from helpers.cloudformation import display
from helpers.cloudformation.display import StackInProgress, busy, wait


class Stub:
    """describe_stacks answering from a list of statuses (the last one repeats)."""

    class exceptions:
        ClientError = ClientError

    def __init__(self, *statuses: str | None) -> None:
        self.statuses = list(statuses)
        self.calls = 0

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        if status is None:
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": f"Stack with id {StackName} does not exist"}},
                "DescribeStacks",
            )
        return {"Stacks": [{"StackName": StackName, "StackId": "id", "StackStatus": status}]}


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(display.time, "sleep", sleep)
    monkeypatch.setattr(display.time, "monotonic", lambda: now[0])
    return slept


def test_a_finished_stack_is_returned_at_once(no_sleep: list[float]) -> None:
    assert wait("s", client=Stub("CREATE_COMPLETE"))["StackStatus"] == "CREATE_COMPLETE"
    assert no_sleep == []


def test_a_stack_that_finishes_within_the_limit_is_waited_for(no_sleep: list[float]) -> None:
    stub = Stub("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE")
    assert wait("s", client=stub)["StackStatus"] == "CREATE_COMPLETE"
    assert no_sleep == [5, 5]


def test_no_cell_waits_longer_than_the_course_limit(no_sleep: list[float]) -> None:
    with pytest.raises(StackInProgress, match=r"still CREATE_IN_PROGRESS after 30 s.*run this cell again"):
        wait("s", client=Stub("CREATE_IN_PROGRESS"))
    assert sum(no_sleep) <= 35


def test_busy_tells_a_stack_at_work_from_one_at_rest_or_absent() -> None:
    assert busy("s", client=Stub("UPDATE_IN_PROGRESS"))
    assert busy("s", client=Stub("DELETE_IN_PROGRESS"))
    assert not busy("s", client=Stub("ROLLBACK_COMPLETE"))
    assert not busy("s", client=Stub(None))
