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
    RestApiView,
    account_id,
    describe,
    error_code,
    invoke_permission,
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
    return "; ".join(parts) or "no statement"


# ---------------------------------------------------------------------------- configuration


def method_problem(api: TenantApi) -> Problem | None:
    """GET /tenants/{tenant}/orders uses a Lambda authorizer (CUSTOM) that exists."""
    method = api.orders()
    kind = method.get("authorizationType") or "NONE"
    if kind != "CUSTOM":
        more = (
            "" if api.authorizers() else f"\nCreate the authorizer first:\n{spec.AUTHORIZER_HINT}"
        )
        why = {
            "NONE": "so API Gateway lets every request through to the orders function",
            "COGNITO_USER_POOLS": "so API Gateway checks an ID token itself and never asks your "
            "function about tenants",
            "AWS_IAM": "so API Gateway wants a SigV4 signature, not a Cognito token",
        }.get(kind, "")
        return (
            f"method GET {spec.PATH} has authorizationType {kind}" + (f", {why}" if why else ""),
            spec.METHOD_HINT + more,
        )
    if api.authorizer() is None:
        return (
            f"GET {spec.PATH} names authorizer {method.get('authorizerId')!r}, which does not exist",
            spec.AUTHORIZER_HINT + "\nthen point the method at its id and deploy again.",
        )
    return None


def authorizer_problem(api: TenantApi) -> Problem | None:
    """The authorizer is a TOKEN authorizer reading the Authorization header."""
    problem = method_problem(api)
    if problem:
        return problem
    authorizer = api.authorizer() or {}
    name = authorizer.get("name") or authorizer.get("id")
    if authorizer.get("type") != "TOKEN":
        return (
            f"authorizer {name!r} has type {authorizer.get('type')}: this lab wants a TOKEN "
            "authorizer (its event carries the header in authorizationToken)",
            spec.AUTHORIZER_HINT,
        )
    source = authorizer.get("identitySource") or ""
    if source.lower() != spec.IDENTITY_SOURCE.lower():
        return (
            f"authorizer {name!r} reads the token from {source or 'nowhere'}, and clients send "
            "it in the Authorization header",
            spec.IDENTITY_HINT,
        )
    return None


def _permission_hint(function: str, source_arn: str, statement_id: str) -> str:
    return (
        f'lam.add_permission(FunctionName="{function}", StatementId="{statement_id}",\n'
        '    Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",\n'
        f'    SourceArn="{source_arn}")'
    )


def permission_problem(
    api: TenantApi, uri: str | None, source_arn: str, *, what: str, hint_arn: str, sid: str
) -> Problem | None:
    """The function ``uri`` names exists and lets API Gateway invoke it for ``source_arn``."""
    name = function_name(uri)
    if name is None:
        return (
            f"the {what}'s URI {uri!r} is not a Lambda invocation URI",
            'uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/'
            '{function_arn}/invocations"',
        )
    try:
        fn = api.awslambda.get_function(FunctionName=name)["Configuration"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return (f"the {what} calls function {name!r}, which does not exist", "Create it first.")
    allowed, arns = invoke_permission(
        api.awslambda, name, fn["FunctionArn"], source_arn, api.account
    )
    if allowed:
        return None
    return (
        f"{what} function {name!r} has no permission for {source_arn}"
        + (f"\n(its policy allows only {', '.join(arns)})" if arns else " (it has no policy)"),
        _permission_hint(name, hint_arn, sid),
    )


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
        return (
            f"GET {spec.PATH} has no integration",
            'apigateway.put_integration(..., httpMethod="GET", type="AWS_PROXY", '
            'integrationHttpMethod="POST", uri=<the tenant-orders invocation URI>)',
        )
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
            answer = api.ask(function, header, tenant)
            if answer.error and answer.error != spec.UNAUTHORIZED:
                hint = (
                    spec.UNAUTHORIZED_HINT
                    if "NotAuthorized" in answer.error
                    else f"Read its logs (/aws/lambda/{function}), or call it yourself with "
                    'lam.invoke(FunctionName=..., Payload=json.dumps({"type": "TOKEN", '
                    '"authorizationToken": ..., "methodArn": ...}))'
                )
                return (
                    f"the authorizer function {function!r} failed: {answer.error}\n"
                    'API Gateway answers 500 for any error but Exception("Unauthorized")',
                    hint,
                )
            if answer.malformed:
                return (
                    f"the authorizer function {function!r} answered something that is not an "
                    f"authorizer's answer ({answer.malformed})",
                    'Return {"principalId": ..., "policyDocument": {"Version": "2012-10-17", '
                    '"Statement": [...]}, "context": {...}}',
                )
    return problem or orders_permission_problem(api)


def open_problem(api: TenantApi) -> Problem:
    """Why a request without a token reached the orders function."""
    problem = method_problem(api)
    if problem:
        return problem
    return (
        f"GET {spec.PATH} uses a Lambda authorizer in your API, but stage {api.stage!r} "
        "serves an older deployment",
        f"Changes are not live until you deploy them: apigateway.{spec.REDEPLOY}",
    )


def forged_problem(api: TenantApi, header: str, tenant: str) -> Problem | None:
    """Why a forged token was not refused with 401."""
    problem = authorizer_problem(api)
    function = _authorizer_function(api)
    if problem or not function:
        return problem
    answer = api.ask(function, header, tenant)
    if not answer.error and not answer.malformed:
        return (
            f"your authorizer function {function!r} accepted a forged token (it returned the "
            f"policy {_policy(answer)}): it must ask Cognito whether the token is genuine",
            spec.UNAUTHORIZED_HINT,
        )
    return None


def unauthorized_problem(api: TenantApi, header: str, tenant: str, user_tenant: str) -> Problem:
    """Why a valid token of ``user_tenant`` was refused with 401."""
    problem = authorizer_problem(api)
    if problem:
        return problem
    authorizer = api.authorizer() or {}
    pattern = authorizer.get("identityValidationExpression")
    if pattern and not re.fullmatch(pattern, header):
        return (
            f"the token does not match the authorizer's identityValidationExpression {pattern!r}, "
            "so API Gateway refuses it without calling your function",
            "Remove the expression (update_authorizer, op remove path "
            "/identityValidationExpression), then deploy again.",
        )
    function = _authorizer_function(api)
    if function:
        answer = api.ask(function, header, tenant)
        if answer.error == spec.UNAUTHORIZED:
            bare = header.removeprefix("Bearer ")
            if bare != header and api.ask(function, bare, tenant).error is None:
                return (
                    f"your authorizer function {function!r} refuses 'Bearer <token>' but accepts "
                    "the bare token: the Authorization header carries the 'Bearer ' prefix",
                    spec.BEARER_HINT,
                )
            if tenant != user_tenant:
                return (
                    f"your authorizer function {function!r} answered Unauthorized (401) for a "
                    f"valid {user_tenant} token: 401 means 'who are you?'. A known user of "
                    "another tenant gets 403: return a policy that does not cover this path",
                    spec.POLICY_HINT,
                )
            return (
                f"your authorizer function {function!r} answered Unauthorized for a valid "
                f"access token of a user of tenant {user_tenant}",
                spec.UNAUTHORIZED_HINT + "\n" + spec.TENANT_HINT,
            )
        if answer.error is None and not answer.malformed:
            return (
                f"your authorizer function accepts the token when asked directly, but stage "
                f"{api.stage!r} serves an older deployment of the authorizer",
                f"Deploy again: apigateway.{spec.REDEPLOY}",
            )
    return (
        "API Gateway answered 401 Unauthorized",
        f"Check the authorizer function {function!r}: its logs say why.",
    )


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
    decision = first.decision(arn)
    if decision.effect == iam_policy.EXPLICIT_DENY:
        return (
            f"your authorizer's policy denies {arn} (statement {json.dumps(decision.statement)})",
            spec.POLICY_HINT,
        )
    if decision.allowed:
        return None
    if asked_first:
        return (
            f"API Gateway cached the answer your authorizer gave when this token asked for "
            f"/tenants/{asked_first}/orders, and its policy is {_policy(first)}.\n"
            "API Gateway reuses that answer for every path this token calls "
            "(authorizerResultTtlInSeconds, 300 s by default),\nso the policy must name the "
            "user's own tenant path, whatever path is asked: build it from the user's "
            "custom:tenant, not from the methodArn as it is",
            spec.POLICY_HINT,
        )
    return (
        f"your authorizer's policy for a {tenant} token is {_policy(first)}, which does not "
        f"cover {arn}",
        spec.POLICY_HINT,
    )


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
        return (
            f"the authorizer's policy allows {shown!r} so {user_tenant} reached {tenant}'s orders",
            "Allow exactly the user's own tenant path:\n" + spec.POLICY_HINT,
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
    status = response.status_code
    if status == 403 and "Missing Authentication Token" in response.text:
        problem = why_403(api, "GET", spec.PATH, deploy=spec.DEPLOY, redeploy=spec.REDEPLOY)
    elif problem is None and status == 500:
        problem = server_problem(api, header, tenant)
    elif problem is None and status == 502:
        problem = (
            "API Gateway called the orders function, but it failed or answered in the wrong shape",
            'Create it from functions/tenant_orders.py with Handler="tenant_orders.handler".',
        )
    why, hint = problem or (
        "",
        "Your API's configuration looks right: was it deployed after the last change? "
        f"apigateway.{spec.REDEPLOY}",
    )
    lines = [describe(response)]
    if why:
        lines.append(f"because {why}")
    reason = trace_reason(api.lab, TRACE_STEPS)
    if reason:
        lines.append(f"(gateway: {reason})")
    return "\n".join(lines), hint
