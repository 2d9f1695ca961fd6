"""WebSocket API event: the connection's stage and the deployment it serves."""

from __future__ import annotations

from .. import control_plane
from ..context import InvocationContext, StageView
from ..ws_errors import StageNotFound


def step(ctx: InvocationContext) -> None:
    """Stage: the stage the client connected to, and its deployed routes."""
    conn = ctx.connection
    api = ctx.http_api
    stage = api.stages.get(conn.stage) if api is not None else None
    ctx.trace.stage = conn.stage
    if stage is None:
        raise StageNotFound(reason=f"no stage named {conn.stage!r}")
    ctx.stage = StageView(
        name=stage.name,
        deployment_id=getattr(stage, "deployment_id", None) or "",
        variables=dict(stage.stage_variables or {}),
        method_settings={},
        access_log_settings=stage.access_log_settings,
        raw=stage,
    )
    if not ctx.stage.deployment_id:
        raise StageNotFound(reason=f"stage {stage.name} has no deployment yet")
    deployment_id = ctx.stage.deployment_id
    ctx.ws_deployment = ctx.plane.ws_snapshots.get(
        ctx.region,
        ctx.api_id,
        deployment_id,
        lambda: control_plane.http_deployment_document(api, deployment_id),
    )
    if ctx.ws_deployment is None:
        raise StageNotFound(reason=f"deployment {deployment_id} no longer exists")
    if ctx.event_type == "CONNECT":
        ctx.trace.add("stage", f"stage {stage.name}", deployment=deployment_id)
