"""Resource policy (REST): who may call which method, from where (reference §3.7, §7).

A private API must have a policy that allows the caller's VPC endpoint; any API with a
policy and no authorizer needs an explicit Allow. With an authorizer the policy is
evaluated in two phases: an explicit Deny refuses the call here, before any authorizer
runs; otherwise the decision is kept and combined with the authorizer's in the authorize
step (the documented evaluation table A). Policies are frozen with the deployment, so a
change takes effect on the next redeploy, as on AWS.
"""

from __future__ import annotations

from .. import policy as iam
from ..auth.events import method_arn
from ..context import InvocationContext
from ..errors import AccessDenied
from .authenticate import authorization_type


def masked(arn: str, account_id: str) -> str:
    """An ARN as API Gateway prints it in a denial: the account id masked but its last four."""
    return arn.replace(f":{account_id}:", f":********{account_id[-4:]}:")


def denied(ctx: InvocationContext, arn: str, *, explicit: bool, reason: str) -> AccessDenied:
    """The 403 for a caller (``anonymous`` unless SigV4 named one) the policies refuse."""
    who = ctx.caller.arn if ctx.caller is not None else "anonymous"
    text = (
        f"User: {who} is not authorized to perform: execute-api:Invoke on resource: "
        f"{masked(arn, ctx.account_id)}"
    )
    return AccessDenied(text + (" with an explicit deny" if explicit else ""), reason=reason)


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
    principal = ctx.caller.principal() if ctx.caller is not None else None
    if ctx.caller is not None:
        conditions["aws:PrincipalAccount"] = ctx.caller.account_id
    decision = iam.evaluate(
        expanded,
        action="execute-api:Invoke",
        resource=arn,
        principal=principal,
        context=conditions,
    )
    ctx.resource_policy = decision
    ctx.trace.add("resource-policy", decision.effect, resource=arn)
    if decision.effect == iam.EXPLICIT_DENY:
        raise denied(ctx, arn, explicit=True, reason="the resource policy denies this caller")
    no_authorizer = authorization_type(ctx) == "NONE" or ctx.endpoint_type == "PRIVATE"
    if decision.effect == iam.IMPLICIT_DENY and no_authorizer:
        raise denied(
            ctx,
            arn,
            explicit=False,
            reason="no statement of the resource policy allows this caller",
        )
