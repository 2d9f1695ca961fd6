"""Pipeline as data: an ordered list of small steps over one invocation context.

A step is a plain function ``step(ctx)`` with a docstring; it records what it decided in
``ctx.trace`` and raises a :class:`~helpers.gateway.errors.GatewayError` to answer early.
``describe()`` prints the pipeline, so a notebook can show what happens to a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .context import InvocationContext
from .errors import GatewayError

Step = Callable[[InvocationContext], None]


@dataclass(frozen=True, slots=True)
class Pipeline:
    name: str
    steps: Sequence[Step]
    #: runs once the answer is known, error or not (method response, metrics, logs)
    finish: Sequence[Step]

    def run(self, ctx: InvocationContext) -> None:
        try:
            for step in self.steps:
                step(ctx)
        except GatewayError as err:
            ctx.error = err
            ctx.trace.add("gateway-response", err.response_type, reason=err.reason or err.message)
        for step in self.finish:
            step(ctx)

    def describe(self) -> str:
        lines = [f"{self.name} pipeline:"]
        for i, step in enumerate([*self.steps, *self.finish], 1):
            doc = (step.__doc__ or "").strip().splitlines()[0] if step.__doc__ else ""
            lines.append(f"  {i:>2}. {step.__module__.rsplit('.', 1)[-1]:<20} {doc}")
        return "\n".join(lines)
