"""Routing over the deployed resource tree (literal, then {param}, then {proxy+}; ANY)."""

from __future__ import annotations

from ..context import InvocationContext
from ..errors import MissingAuthenticationToken


def step(ctx: InvocationContext) -> None:
    """Route: find the deployed resource and method; 403 Missing Authentication Token if none."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.deployment is not None
    found = ctx.deployment.router.match(mreq.path, mreq.method)
    if found is None:
        raise MissingAuthenticationToken(reason=f"no resource matches {mreq.path}")
    if found is False:
        raise MissingAuthenticationToken(reason=f"resource has no {mreq.method} (nor ANY) method")
    ctx.route = found.target
    ctx.resource_path = found.template
    mreq.path_params = found.path_params
    ctx.trace.add(
        "route",
        f"{found.method} {found.template}",
        **({"params": found.path_params} if found.path_params else {}),
    )
