"""Canary (REST): the stage's deployment or its canary's, chosen by a seeded split."""

from __future__ import annotations

from .. import canary as canaries
from ..context import InvocationContext


def step(ctx: InvocationContext) -> None:
    """Canary: send percentTraffic % of the stage's requests to the canary deployment."""
    assert ctx.stage is not None
    found = canaries.settings(ctx.stage.raw)
    if not found:
        return
    percent = float(found.get("percentTraffic") or 0.0)
    draw = ctx.plane.traffic_split.draw()
    deployment_id = found.get("deploymentId") or ctx.stage.deployment_id
    if not canaries.chooses_canary(percent, draw):
        ctx.trace.add(
            "canary",
            f"stage deployment {ctx.stage.deployment_id} ({100 - percent:g} % of requests)",
            draw=round(draw, 2),
        )
        return
    ctx.canary = True
    api = ctx.rest_api
    ctx.deployment = ctx.plane.snapshots.for_stage(api, deployment_id)
    ctx.stage.variables = canaries.canary_variables(ctx.stage.variables, found)
    ctx.stage.deployment_id = deployment_id
    ctx.trace.add(
        "canary",
        f"canary deployment {deployment_id} ({percent:g} % of requests)",
        draw=round(draw, 2),
        overrides=len(found.get("stageVariableOverrides") or {}),
    )
