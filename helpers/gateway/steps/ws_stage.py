"""WebSocket API event: the connection's stage and the deployment it serves."""

from __future__ import annotations

from ..context import InvocationContext
from ..ws_errors import StageNotFound
from .http_stage import deployed


def step(ctx: InvocationContext) -> None:
    """Stage: the stage the client connected to, and its deployed routes."""
    conn = ctx.connection
    api = ctx.http_api
    stage = api.stages.get(conn.stage) if api is not None else None
    ctx.trace.stage = conn.stage
    if stage is None:
        raise StageNotFound(reason=f"no stage named {conn.stage!r}")
    ctx.ws_deployment = deployed(ctx, api, stage, ctx.plane.ws_snapshots, StageNotFound)
    if ctx.event_type == "CONNECT":
        ctx.trace.add("stage", f"stage {stage.name}", deployment=ctx.stage.deployment_id)
