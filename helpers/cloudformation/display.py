"""Reading a stack in a notebook: its events (as the console's Events tab) and its outputs."""

from __future__ import annotations

import time
from typing import Any

import boto3


def wait(stack_name: str, *, client: Any = None, timeout: float = 600.0) -> dict[str, Any]:
    """The stack once no operation is in progress (at once on moto, where stacks run
    synchronously; on AWS every 5 s). Returns ``describe_stacks``' entry."""
    cf = client or boto3.client("cloudformation")
    deadline = time.monotonic() + timeout
    while True:
        stack = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return stack
        time.sleep(5)


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
