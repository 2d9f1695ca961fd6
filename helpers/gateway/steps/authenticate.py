"""Authenticate (REST ``AWS_IAM`` methods): check the request's SigV4 signature against the
access keys the account holds, and know the caller before the resource policy and the
identity policies are evaluated (reference §3.6)."""

from __future__ import annotations

from ..auth import sigv4
from ..context import InvocationContext


def authorization_type(ctx: InvocationContext) -> str:
    assert ctx.route is not None
    return (ctx.route.method.get("authorizationType") or "NONE").upper()


def step(ctx: InvocationContext) -> None:
    """Authenticate: verify the SigV4 signature of AWS_IAM methods (403s when it fails)."""
    if authorization_type(ctx) != "AWS_IAM":
        return
    caller = sigv4.authenticate(
        ctx.request, region=ctx.region, now=ctx.request_time, account_id=ctx.account_id
    )
    ctx.caller = caller
    ctx.identity.update(caller.identity_fields())
    ctx.trace.add("authenticate", "SigV4 signature valid", caller=caller.arn)
