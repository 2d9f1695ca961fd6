"""Resource policy (REST): who may call which method, from where (reference §3.7, §7).

A private API must have a policy that allows the caller's VPC endpoint; any API with a
policy and no authorizer needs an explicit Allow. Policies are frozen with the deployment,
so a change takes effect on the next redeploy, as on AWS.
"""

from __future__ import annotations

from .. import policy as iam
from ..context import InvocationContext
from ..errors import AccessDenied


def method_arn(ctx: InvocationContext) -> str:
    mreq = ctx.method_request
    assert mreq is not None and ctx.stage is not None
    return (
        f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/"
        f"{ctx.stage.name}/{mreq.method}{mreq.path}"
    )


def expand_resource(resource: str, ctx: InvocationContext) -> str:
    """``execute-api:/stage/GET/path`` is shorthand for this API's full ARN."""
    if resource.startswith("execute-api:/"):
        return (
            f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/"
            + resource[len("execute-api:/") :]
        )
    return resource


def step(ctx: InvocationContext) -> None:
    """Resource policy: evaluate the deployed policy (mandatory for private APIs)."""
    snap = ctx.deployment
    assert snap is not None
    statements = iam.statements_of(snap.policy)
    if not statements and ctx.endpoint_type != "PRIVATE":
        return
    arn = method_arn(ctx)
    shown = arn.replace(f":{ctx.account_id}:", f":********{ctx.account_id[-4:]}:")
    expanded = []
    for st in statements:
        st = dict(st)
        for key in ("Resource", "NotResource"):
            if key in st:
                values = st[key] if isinstance(st[key], list) else [st[key]]
                st[key] = [expand_resource(r, ctx) for r in values]
        expanded.append(st)
    conditions = {
        "aws:SourceIp": ctx.request.source_ip,
        "aws:SourceVpce": ctx.source_vpce,
        "aws:SecureTransport": "true",
        "aws:UserAgent": ctx.request.header("user-agent"),
    }
    conditions = {k: v for k, v in conditions.items() if v is not None}
    decision = iam.evaluate(
        expanded, action="execute-api:Invoke", resource=arn, principal=None, context=conditions
    )
    ctx.trace.add("resource-policy", decision.effect, resource=arn)
    if decision.effect == iam.EXPLICIT_DENY:
        raise AccessDenied(
            f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {shown}"
            " with an explicit deny",
            reason="the resource policy denies this caller",
        )
    if decision.effect == iam.IMPLICIT_DENY:
        raise AccessDenied(
            f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {shown}",
            reason="no statement of the resource policy allows this caller",
        )
