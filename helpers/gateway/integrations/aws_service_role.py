"""The execution role of a REST ``AWS`` integration, as API Gateway uses it: assume the
``credentials`` role (its trust policy must let ``apigateway.amazonaws.com`` in, else the
client gets 500), then judge each service call by the role's identity policies and
permissions boundary (:mod:`helpers.gateway.policy` evaluates them)."""

from __future__ import annotations

from typing import Any

from .. import policy as iam
from ..context import InvocationContext, fill_stage_variables
from ..errors import EmulatorLimitation, InternalServerError
from . import aws_service_moto as moto_side
from .aws_service_catalog import SESSION_NAME

#: ``credentials`` meaning "call with the caller's own IAM credentials" (AWS_IAM methods)
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"
#: [unc] an AWS integration without an execution role: we answer 500 as for a role API
#: Gateway may not assume (the exact execution-log text is not documented)
NO_ROLE_REASON = "Execution failed due to configuration error: no execution role (credentials)"


def _source_arn(ctx: InvocationContext) -> str:
    stage = ctx.stage.name if ctx.stage else ""
    method = ctx.method_request.method if ctx.method_request else ""
    return (
        f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{ctx.api_id}/"
        f"{stage}/{method}{ctx.resource_path}"
    )


def _cannot_assume(ctx: InvocationContext, arn: str, why: str) -> InternalServerError:
    ctx.trace.add("aws-service", "cannot assume the execution role", role=arn, why=why)
    return InternalServerError(
        reason="Execution failed due to configuration error: API Gateway does not have "
        f"permission to assume the provided role {arn}"
    )


def execution_role(
    ctx: InvocationContext, integration: dict[str, Any]
) -> tuple[moto_side.RoleRecord, moto_side.SessionCredentials]:
    """The integration's role and an STS session for it, as API Gateway assumes it.

    Raises InternalServerError (500) when there is no role, no such role, or its trust
    policy does not let ``apigateway.amazonaws.com`` assume it."""
    variables = ctx.stage.variables if ctx.stage else {}
    arn = fill_stage_variables(integration.get("credentials") or "", variables)
    if not arn:
        ctx.trace.add("aws-service", "no execution role")
        raise InternalServerError(reason=NO_ROLE_REASON)
    if arn == CALLER_CREDENTIALS:
        raise EmulatorLimitation(
            "credentials 'arn:aws:iam::*:user/*' (call with the caller's own credentials) is "
            "not emulated; give the integration an execution role"
        )
    role = moto_side.find_role(arn)
    if role is None:
        raise _cannot_assume(ctx, arn, "no such role")
    try:
        trust = iam.evaluate(
            iam.statements_of(role.trust_policy),
            action="sts:AssumeRole",
            resource=arn,
            principal={"Service": ["apigateway.amazonaws.com"]},
            # [unc] the confused-deputy keys API Gateway presents when assuming the role
            context={"aws:SourceAccount": ctx.account_id, "aws:SourceArn": _source_arn(ctx)},
        )
    except ValueError as err:
        raise EmulatorLimitation(f"role {arn} trust policy: {err}") from None
    if not trust.allowed:
        raise _cannot_assume(ctx, arn, f"trust policy: {trust.effect}")
    assumed = moto_side.assume_role(ctx.account_id, ctx.region, arn, SESSION_NAME)
    return role, moto_side.session_credentials(assumed)


def assumed_role_arn(role: moto_side.RoleRecord) -> str:
    """``arn:aws:sts::{account}:assumed-role/{name}/BackplaneAssumeRoleSession``."""
    return f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{SESSION_NAME}"


def authorize(
    role: moto_side.RoleRecord, action: str, resource: str, *, region: str
) -> tuple[iam.Decision, bool]:
    """(decision, refused by the permissions boundary) for one action on one resource."""
    context = {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": role.account_id,
        "aws:RequestedRegion": region,
        "aws:SecureTransport": "true",
    }
    statements = [st for doc in role.policies for st in iam.statements_of(doc)]
    try:
        decision = iam.evaluate(
            statements, action=action, resource=resource, context=context, check_principal=False
        )
        if decision.allowed and role.boundary is not None:
            bound = iam.evaluate(
                iam.statements_of(role.boundary),
                action=action,
                resource=resource,
                context=context,
                check_principal=False,
            )
            if not bound.allowed:
                return bound, True
    except ValueError as err:
        raise EmulatorLimitation(f"role {role.arn} policies: {err}") from None
    return decision, False
