"""Reading a stack in a notebook: its events (as the console's Events tab) and its outputs."""

from __future__ import annotations

import time
from typing import Any

import boto3

from ..clock import REAL_WAIT_LIMIT_S


class StackInProgress(RuntimeError):
    """A stack still busy when :func:`wait` stopped waiting (real accounts only)."""


def wait(stack_name: str, *, client: Any = None, timeout: float | None = None) -> dict[str, Any]:
    """The stack once no operation is in progress: at once on moto, where stacks run
    synchronously; on AWS polled every 5 s for at most ``timeout`` seconds (by default the
    course's longest wait in a cell, 30 s). Returns ``describe_stacks``' entry.

    Raises :class:`StackInProgress` when the stack is still busy then (CloudFormation takes a
    minute or so for a small stack, several for a cache cluster): the message asks the
    learner to run the cell again, and a cell that runs again finds the same operation."""
    cf = client or boto3.client("cloudformation")
    limit = REAL_WAIT_LIMIT_S if timeout is None else timeout
    deadline = time.monotonic() + limit
    while True:
        stack = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
        status = stack["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            return stack
        if time.monotonic() > deadline:
            raise StackInProgress(
                f"stack {stack['StackName']} is still {status} after {limit:g} s "
                "(CloudFormation takes a minute or so, several for a cache cluster): "
                "run this cell again to go on waiting"
            )
        time.sleep(5)


def busy(stack_name: str, *, client: Any = None) -> bool:
    """Whether ``stack_name`` exists with an operation in progress: a cell run again while
    its stack is still being created, updated or deleted waits for it instead of starting
    the operation a second time."""
    cf = client or boto3.client("cloudformation")
    try:
        stack = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
    except cf.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return str(stack["StackStatus"]).endswith("_IN_PROGRESS")


def events(
    stack_name: str, *, client: Any = None, all_operations: bool = False
) -> list[dict[str, Any]]:
    """The stack's events oldest first: those of its last operation (or all)."""
    cf = client or boto3.client("cloudformation")
    found = list(reversed(cf.describe_stack_events(StackName=stack_name)["StackEvents"]))
    if not all_operations:
        starts = [
            i
            for i, e in enumerate(found)
            if e["ResourceType"] == "AWS::CloudFormation::Stack"
            and e.get("ResourceStatusReason") == "User Initiated"
        ]
        if starts:
            found = found[starts[-1] :]
    return found


def show_events(stack_name: str, *, client: Any = None, all_operations: bool = False) -> None:
    """Print the last operation's events: resource, type, status, and why."""
    rows = events(stack_name, client=client, all_operations=all_operations)
    width = max((len(e["LogicalResourceId"]) for e in rows), default=10)
    for e in rows:
        kind = e["ResourceType"].replace("AWS::", "")
        line = f"{e['LogicalResourceId']:<{width}}  {kind:<28} {e['ResourceStatus']}"
        if e.get("ResourceStatusReason") and e["ResourceStatusReason"] != "User Initiated":
            line += f"\n{'':<{width}}    ↳ {e['ResourceStatusReason']}"
        print(line)


def outputs(stack_name: str, *, client: Any = None) -> dict[str, str]:
    """The stack's outputs as ``{key: value}``."""
    cf = client or boto3.client("cloudformation")
    stack = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
