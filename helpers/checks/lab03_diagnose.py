"""Why lab 03's ``tenant-orders`` API answered as it did, read from the control plane (the
method, its authorizer, the two functions and their permissions) and from the learner's
authorizer function itself, asked directly with ``lambda.invoke`` and the event API
Gateway would send it. Each ``*_problem`` function returns ``(what is wrong, hint)`` or None.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests
from botocore.exceptions import ClientError

from ..gateway import policy as iam_policy
from . import lab03_spec as spec
from .common import (
    Catalogue,
    RestApiView,
    account_id,
    describe,
    error_code,
    invoke_permission,
    messages,
    trace_reason,
    why_403,
)

Problem = tuple[str, str]

_FUNCTION_URI = re.compile(r":lambda:path/2015-03-31/functions/(.+)/invocations$")
#: the trace steps that say why an authorized request got its answer (moto target)
TRACE_STEPS = ("authorizer", "authorize", "lambda-permission", "integration", "gateway-response")


def function_name(uri: str | None) -> str | None:
    """The function an invocation URI names (its name, from an ARN), or None."""
    found = _FUNCTION_URI.search(uri or "")
    if not found:
        return None
    arn = found.group(1)
    return arn.split(":function:", 1)[1].split(":")[0] if ":function:" in arn else arn


@dataclass
class AuthorizerAnswer:
    """What the learner's authorizer function answered when asked directly."""

    #: the function's errorMessage, when it failed (``"Unauthorized"`` means 401)
    error: str | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    #: the answer is not shaped like an authorizer's answer
    malformed: str | None = None

    def decision(self, arn: str) -> iam_policy.Decision:
        return iam_policy.evaluate(
            self.statements, action="execute-api:Invoke", resource=arn, check_principal=False
        )


class TenantApi(RestApiView):
    """The learner's ``tenant-orders`` API with its authorizer and functions."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self.awslambda = lab.session.client("lambda", region_name=lab.region)
        self.account = account_id(lab)
        self.texts: Catalogue = messages("lab03")

    def api_arn(self) -> str:
        return f"arn:aws:execute-api:{self.lab.region}:{self.account}:{self.api_id}"

    def method_arn(self, tenant: str) -> str:
        """The ARN API Gateway hands the authorizer (``methodArn``): the path as requested."""
        return f"{self.api_arn()}/{self.stage}/GET/tenants/{tenant}/orders"

    def orders(self) -> dict[str, Any]:
        return self.method("GET", spec.PATH) or {}

    def authorizer(self) -> dict[str, Any] | None:
        """The authorizer ``GET /tenants/{tenant}/orders`` names, or None."""
        authorizer_id = self.orders().get("authorizerId")
        if not authorizer_id:
            return None
        try:
            return self.apigw.get_authorizer(restApiId=self.api_id, authorizerId=authorizer_id)
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise

    def authorizers(self) -> list[dict[str, Any]]:
        return list(self.apigw.get_authorizers(restApiId=self.api_id, limit=500).get("items", []))

    def ask(self, function: str, header: str, tenant: str) -> AuthorizerAnswer:
        """Invoke the authorizer function with the TOKEN event API Gateway would send for
        ``GET /tenants/{tenant}/orders`` with ``Authorization: header``."""
        event = {
            "type": "TOKEN",
            "authorizationToken": header,
            "methodArn": self.method_arn(tenant),
        }
        try:
            answer = self.awslambda.invoke(
                FunctionName=function, Payload=json.dumps(event).encode()
            )
        except ClientError as exc:
            return AuthorizerAnswer(error=f"lambda.invoke failed: {error_code(exc)}")
        raw = answer["Payload"].read()
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            return AuthorizerAnswer(malformed=f"not JSON: {raw[:100]!r}")
        if answer.get("FunctionError"):
            message = payload.get("errorMessage") if isinstance(payload, dict) else None
            kind = payload.get("errorType") if isinstance(payload, dict) else None
            text = str(message or kind or "function error")
            if kind and text != spec.UNAUTHORIZED and kind not in text:
                text = f"{kind}: {text}"
            return AuthorizerAnswer(error=text)
        if not isinstance(payload, dict) or not isinstance(payload.get("policyDocument"), dict):
            return AuthorizerAnswer(malformed=f"no policyDocument in {json.dumps(payload)[:150]}")
        statements = [dict(s) for s in iam_policy.statements_of(payload["policyDocument"])]
        context = payload.get("context")
        return AuthorizerAnswer(
            statements=statements, context=dict(context) if isinstance(context, dict) else {}
        )


def _policy(answer: AuthorizerAnswer) -> str:
    """``Allow 'arn:...'; Deny 'arn:...'``: what the answer's policy says, on one line."""
    parts = []
    for statement in answer.statements:
        resource = statement.get("Resource")
        resources = [resource] if isinstance(resource, str) else list(resource or [])
        parts += [f"{statement.get('Effect')} {r!r}" for r in resources]
    return "; ".join(parts) or messages("lab03").text("why.no_statement")


# ---------------------------------------------------------------------------- configuration


def method_problem(api: TenantApi) -> Problem | None:
    """GET /tenants/{tenant}/orders uses a Lambda authorizer (CUSTOM) that exists."""
    t = api.texts
    method = api.orders()
    kind = method.get("authorizationType") or "NONE"
    if kind != "CUSTOM":
        more = (
            "\n" + t.text("fix.create_first", authorizer=t.text("code.authorizer"))
            if not api.authorizers()
            else ""
        )
        why = t.text(f"why.kind_{kind}") if t.has(f"why.kind_{kind}") else ""
        return (
            t.text("why.authorization_type", kind=kind) + (f", {why}" if why else ""),
            t.text("code.method") + more,
        )
    if api.authorizer() is None:
        return (
            t.text("why.no_authorizer", authorizer_id=method.get("authorizerId")),
            t.text("fix.then_point", authorizer=t.text("code.authorizer")),
        )
    return None


def authorizer_problem(api: TenantApi) -> Problem | None:
    """The authorizer is a TOKEN authorizer reading the Authorization header."""
    problem = method_problem(api)
    if problem:
        return problem
    t = api.texts
    authorizer = api.authorizer() or {}
    name = authorizer.get("name") or authorizer.get("id")
    if authorizer.get("type") != "TOKEN":
        return (
            t.text("why.not_token", name=name, kind=authorizer.get("type")),
            t.text("code.authorizer"),
        )
    source = authorizer.get("identitySource") or ""
    if source.lower() != spec.IDENTITY_SOURCE.lower():
        return (
            t.text("why.identity", name=name, source=source or t.text("why.nowhere")),
            t.text("code.identity"),
        )
    return None


def _permission_hint(function: str, source_arn: str, statement_id: str) -> str:
    return messages("lab03").text(
        "code.permission", function=function, statement_id=statement_id, source_arn=source_arn
    )


def permission_problem(
    api: TenantApi, uri: str | None, source_arn: str, *, what: str, hint_arn: str, sid: str
) -> Problem | None:
    """The function ``uri`` names exists and lets API Gateway invoke it for ``source_arn``."""
    t = api.texts
    label = t.text(f"why.what_{what}")
    name = function_name(uri)
    if name is None:
        return t.text("why.not_lambda_uri", what=label, uri=uri), t.text("code.lambda_uri")
    try:
        fn = api.awslambda.get_function(FunctionName=name)["Configuration"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return t.text("why.no_function", what=label, name=name), t.text("fix.create_it")
    allowed, arns = invoke_permission(
        api.awslambda, name, fn["FunctionArn"], source_arn, api.account
    )
    if allowed:
        return None
    why = t.text("why.no_permission", what=label, name=name, source_arn=source_arn)
    why += (
        "\n" + t.text("why.policy_allows", arns=", ".join(arns))
        if arns
        else t.text("why.no_policy")
    )
    return why, _permission_hint(name, hint_arn, sid)


def authorizer_permission_problem(api: TenantApi) -> Problem | None:
    authorizer = api.authorizer()
    if authorizer is None:
        return None
    arn = f"{api.api_arn()}/authorizers/{authorizer['id']}"
    return permission_problem(
        api,
        authorizer.get("authorizerUri"),
        arn,
        what="authorizer",
        hint_arn=arn,
        sid="apigateway-authorizer",
    )


def orders_permission_problem(api: TenantApi) -> Problem | None:
    integration = api.integration("GET", spec.PATH)
    if integration is None:
        return api.texts.text("why.no_integration"), api.texts.text("code.integration")
    return permission_problem(
        api,
        integration.get("uri"),
        f"{api.api_arn()}/{api.stage}/GET{spec.PATH}",
        what="orders",
        hint_arn=f"{api.api_arn()}/*/GET/tenants/*/orders",
        sid="apigateway-invoke",
    )


def _authorizer_function(api: TenantApi) -> str | None:
    return function_name((api.authorizer() or {}).get("authorizerUri"))


# ---------------------------------------------------------------------------- by situation


def server_problem(api: TenantApi, header: str | None, tenant: str) -> Problem | None:
    """Why a request answered 500: the authorizer, its permission, its failure, or the
    orders function's permission."""
    problem = authorizer_problem(api) if api.orders().get("authorizationType") == "CUSTOM" else None
    if problem is None and api.orders().get("authorizationType") == "CUSTOM":
        problem = authorizer_permission_problem(api)
        function = _authorizer_function(api)
        if problem is None and function and header:
            t = api.texts
            answer = api.ask(function, header, tenant)
            if answer.error and answer.error != spec.UNAUTHORIZED:
                hint = (
                    t.text("code.unauthorized")
                    if "NotAuthorized" in answer.error
                    else t.text("fix.logs", function=function)
                )
                return t.text("why.authorizer_failed", function=function, error=answer.error), hint
            if answer.malformed:
                return (
                    t.text("why.malformed", function=function, malformed=answer.malformed),
                    t.text("code.answer_shape"),
                )
    return problem or orders_permission_problem(api)


def open_problem(api: TenantApi) -> Problem:
    """Why a request without a token reached the orders function."""
    problem = method_problem(api)
    if problem:
        return problem
    t = api.texts
    return (
        t.text("why.older_deployment", stage=api.stage),
        t.text("fix.redeploy", redeploy=t.text("code.redeploy")),
    )


def forged_problem(api: TenantApi, header: str, tenant: str) -> Problem | None:
    """Why a forged token was not refused with 401."""
    problem = authorizer_problem(api)
    function = _authorizer_function(api)
    if problem or not function:
        return problem
    answer = api.ask(function, header, tenant)
    if not answer.error and not answer.malformed:
        t = api.texts
        return (
            t.text("why.accepted_forged", function=function, policy=_policy(answer)),
            t.text("code.unauthorized"),
        )
    return None


def unauthorized_problem(api: TenantApi, header: str, tenant: str, user_tenant: str) -> Problem:
    """Why a valid token of ``user_tenant`` was refused with 401."""
    problem = authorizer_problem(api)
    if problem:
        return problem
    t = api.texts
    authorizer = api.authorizer() or {}
    pattern = authorizer.get("identityValidationExpression")
    if pattern and not re.fullmatch(pattern, header):
        return t.text("why.validation", pattern=pattern), t.text("fix.validation")
    function = _authorizer_function(api)
    if function:
        answer = api.ask(function, header, tenant)
        if answer.error == spec.UNAUTHORIZED:
            bare = header.removeprefix("Bearer ")
            if bare != header and api.ask(function, bare, tenant).error is None:
                return t.text("why.bearer", function=function), t.text("code.bearer")
            if tenant != user_tenant:
                return (
                    t.text("why.unauthorized_other", function=function, user_tenant=user_tenant),
                    t.text("code.policy"),
                )
            return (
                t.text("why.unauthorized_valid", function=function, user_tenant=user_tenant),
                t.text(
                    "fix.tenant",
                    unauthorized=t.text("code.unauthorized"),
                    tenant=t.text("code.tenant"),
                ),
            )
        if answer.error is None and not answer.malformed:
            return (
                t.text("why.stale", stage=api.stage),
                t.text("fix.deploy_again", redeploy=t.text("code.redeploy")),
            )
    return t.text("why.answered_401"), t.text("fix.check_function", function=function)


def denied_problem(
    api: TenantApi, header: str, tenant: str, *, asked_first: str | None = None
) -> Problem | None:
    """Why a token of ``tenant`` got 403 on its own tenant's orders. ``asked_first``: the
    tenant path the same token was used on before (its answer is in the cache)."""
    problem = authorizer_problem(api)
    function = _authorizer_function(api)
    if problem or not function:
        return problem
    arn = api.method_arn(tenant)
    first = api.ask(function, header, asked_first or tenant)
    if first.error or first.malformed:
        return None
    t = api.texts
    policy = t.text("code.policy")
    decision = first.decision(arn)
    if decision.effect == iam_policy.EXPLICIT_DENY:
        why = t.text("why.explicit_deny", arn=arn, statement=json.dumps(decision.statement))
        return why, policy
    if decision.allowed:
        return None
    if asked_first:
        return t.text("why.cached", asked_first=asked_first, policy=_policy(first)), policy
    return t.text("why.not_covered", tenant=tenant, policy=_policy(first), arn=arn), policy


def crossed_problem(api: TenantApi, header: str, tenant: str, user_tenant: str) -> Problem | None:
    """Why a token of ``user_tenant`` reached ``tenant``'s orders."""
    problem = method_problem(api)
    function = _authorizer_function(api)
    if problem or not function:
        return problem
    arn = api.method_arn(tenant)
    answer = api.ask(function, header, tenant)
    decision = answer.decision(arn)
    if decision.allowed and decision.statement is not None:
        resource = decision.statement.get("Resource")
        shown = resource if isinstance(resource, str) else ", ".join(resource or [])
        t = api.texts
        return (
            t.text("why.crossed", shown=shown, user_tenant=user_tenant, tenant=tenant),
            t.text("fix.exactly", policy=t.text("code.policy")),
        )
    return None


# ---------------------------------------------------------------------------- explaining


def explain(
    api: TenantApi,
    response: requests.Response,
    problem: Problem | None,
    *,
    header: str | None,
    tenant: str,
) -> tuple[str, str]:
    """(what happened, hint) for an answer that is not what the spec asks: ``problem`` if
    the situation's diagnosis found one, else what the status code alone suggests."""
    t = api.texts
    redeploy = t.text("code.redeploy")
    status = response.status_code
    if status == 403 and "Missing Authentication Token" in response.text:
        problem = why_403(api, "GET", spec.PATH, deploy=t.text("code.deploy"), redeploy=redeploy)
    elif problem is None and status == 500:
        problem = server_problem(api, header, tenant)
    elif problem is None and status == 502:
        problem = t.text("why.orders_failed"), t.text("fix.orders_function")
    why, hint = problem or ("", t.text("fix.deployed", redeploy=redeploy))
    lines = [describe(response)]
    if why:
        lines.append(t.text("ui.because", why=why))
    reason = trace_reason(api.lab, TRACE_STEPS)
    if reason:
        lines.append(t.text("ui.gateway", reason=reason))
    return "\n".join(lines), hint
