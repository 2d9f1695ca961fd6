"""Pipeline as data: an ordered list of small steps over one invocation context.

A step is a plain function ``step(ctx)`` with a docstring; it records what it decided in
``ctx.trace`` and raises a :class:`~helpers.gateway.errors.GatewayError` to answer early.
``describe()`` prints the pipeline, so a notebook can show what happens to a request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import i18n
from .context import InvocationContext
from .errors import GatewayError

Step = Callable[[InvocationContext], None]


@dataclass(frozen=True, slots=True)
class Pipeline:
    name: str
    steps: Sequence[Step]
    #: runs once the answer is known, error or not (method response, metrics, logs)
    finish: Sequence[Step]

    def __post_init__(self) -> None:
        # each step's one-line description is learner-facing text: the catalogue's
        # "pipeline" namespace, keyed module.function (its Japanese: i18n/ja/messages/)
        i18n.messages("pipeline", {step_key(s): step_doc(s) for s in self.all_steps()})

    def all_steps(self) -> list[Step]:
        return [*self.steps, *self.finish]

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
        lines = [LABELS("pipeline", name=self.name)]
        for i, step in enumerate(self.all_steps(), 1):
            doc = i18n.translated("pipeline", step_key(step), step_doc(step))
            lines.append(f"  {i:>2}. {step.__module__.rsplit('.', 1)[-1]:<20} {doc}")
        return "\n".join(lines)


def step_key(step: Step) -> str:
    """``cache.lookup``: the step's module and function, its key in the catalogue."""
    name = getattr(step, "__name__", type(step).__name__)
    return f"{step.__module__.rsplit('.', 1)[-1]}.{name}"


def step_doc(step: Step) -> str:
    """The first line of the step's docstring: what it does, in a sentence."""
    return (step.__doc__ or "").strip().splitlines()[0] if step.__doc__ else ""


LABELS = i18n.messages("trace", {"pipeline": "{name} pipeline:"})
