"""Why lab 02's ``feedback`` API answered as it did, read from the control plane: the
integration to SQS, its execution role, the queue, the validator and model, the MOCK
methods and CORS settings. Each function returns ``(what is wrong, hint)`` or None."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import requests
from botocore.exceptions import ClientError

from ..gateway import policy as iam_policy
from . import lab02_spec as spec
from .common import RestApiView, account_id, describe, error_code, full_match, trace_reason, why_403

Problem = tuple[str, str]
_SQS_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


class FeedbackApi(RestApiView):
    """The learner's ``feedback`` API, with the queue and role it uses."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self.sqs = lab.session.client("sqs", region_name=lab.region)
        self.iam = lab.session.client("iam")
        self.account = account_id(lab)

    def queue_arn(self, name: str = spec.QUEUE) -> str:
        return f"arn:aws:sqs:{self.lab.region}:{self.account}:{name}"

    def expected_uri(self) -> str:
        return f"arn:aws:apigateway:{self.lab.region}:sqs:path/{self.account}/{spec.QUEUE}"

    def queue_url(self) -> str | None:
        try:
            return str(self.sqs.get_queue_url(QueueName=spec.QUEUE)["QueueUrl"])
        except ClientError as exc:
            if error_code(exc) in _SQS_MISSING:
                return None
            raise

    def post(self) -> dict[str, Any]:
        return self.method("POST", "/feedback") or {}

    def post_integration(self) -> dict[str, Any]:
        return self.post().get("methodIntegration") or {}

    def role(self, arn: str) -> dict[str, Any] | None:
        try:
            return self.iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return None
            raise

    def role_statements(self, name: str) -> list[dict[str, Any]]:
        """The statements of the role's inline and attached policies."""
        docs = [
            self.iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in self.iam.list_role_policies(RoleName=name)["PolicyNames"]
        ]
        for attached in self.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            found = self.iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            docs.append(
                self.iam.get_policy_version(
                    PolicyArn=found["Arn"], VersionId=found["DefaultVersionId"]
                )["PolicyVersion"]["Document"]
            )
        return [dict(st) for doc in docs for st in iam_policy.statements_of(_document(doc))]


def _document(doc: Any) -> dict[str, Any]:
    if isinstance(doc, dict):
        return doc
    text = str(doc or "")
    return json.loads(unquote(text) if text.lstrip().startswith("%") else text or "{}")


def _services(trust: dict[str, Any]) -> list[str]:
    """The services a trust policy names as principals."""
    found: set[str] = set()
    for statement in iam_policy.statements_of(trust):
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            value = principal.get("Service") or []
            found.update([value] if isinstance(value, str) else value)
    return sorted(found)


def _compact(statement: dict[str, Any]) -> str:
    return json.dumps(statement, separators=(", ", ": "), sort_keys=True)


# ---------------------------------------------------------------------------- POST /feedback


def role_problem(api: FeedbackApi, arn: str | None) -> Problem | None:
    """The integration's role: set, existing, assumable by API Gateway, allowed to send."""
    if not arn:
        return (
            "the integration has no execution role (credentials), so API Gateway has no "
            "permission to call SQS",
            "put_integration(..., credentials=role_arn): the role apigw-lab-02-feedback-sqs.",
        )
    role = api.role(arn)
    if role is None:
        return (f"the integration's role {arn} does not exist", "Create it (Step 2); use its ARN.")
    trust = _document(role.get("AssumeRolePolicyDocument"))
    decision = iam_policy.evaluate(
        iam_policy.statements_of(trust),
        action="sts:AssumeRole",
        resource=role["Arn"],
        principal={"Service": ["apigateway.amazonaws.com"]},
    )
    if not decision.allowed:
        return (
            f"role {role['RoleName']!r} does not let apigateway.amazonaws.com assume it "
            f"(its trust policy trusts {', '.join(_services(trust)) or 'no service'})",
            spec.TRUST,
        )
    statements = api.role_statements(role["RoleName"])
    queue_arn = api.queue_arn()
    if not iam_policy.evaluate(
        statements, action="sqs:SendMessage", resource=queue_arn, check_principal=False
    ).allowed:
        allowed = [_compact(st) for st in statements if st.get("Effect") == "Allow"]
        return (
            f"role {role['RoleName']!r} may not sqs:SendMessage to {queue_arn}"
            + (f"\n(it allows: {'; '.join(allowed)})" if allowed else " (it has no policy)"),
            spec.SEND_POLICY,
        )
    return None


def post_problem(api: FeedbackApi) -> Problem | None:
    """The first thing wrong with POST /feedback's integration, its role or the queue."""
    method = api.post()
    integration = method.get("methodIntegration") or {}
    kind = integration.get("type")
    if kind != "AWS":
        return (
            f"POST /feedback has {f'a {kind}' if kind else 'no'} integration",
            'put_integration(..., type="AWS", integrationHttpMethod="POST", '
            f"{spec.URI},\n    credentials=role_arn, {spec.CONTENT_TYPE},\n"
            f'    {spec.REQUEST_TEMPLATE}, passthroughBehavior="NEVER")',
        )
    uri = integration.get("uri") or ""
    if uri != api.expected_uri():
        return (
            f"the integration URI is {uri!r}; the feedback queue's is {api.expected_uri()!r}",
            f"put_integration(..., {spec.URI})",
        )
    if (integration.get("httpMethod") or "").upper() != "POST":
        return (
            f"the integration calls SQS with {integration.get('httpMethod')}",
            'put_integration(..., integrationHttpMethod="POST", ...): SendMessage, a form body.',
        )
    problem = role_problem(api, integration.get("credentials"))
    if problem:
        return problem
    if api.queue_url() is None:
        return (f"there is no SQS queue {spec.QUEUE!r}", 'sqs.create_queue(QueueName="feedback")')
    mapped = {k.lower(): v for k, v in (integration.get("requestParameters") or {}).items()}
    form = mapped.get("integration.request.header.content-type", "")
    if "application/x-www-form-urlencoded" not in form:
        return (
            "the integration does not send SQS the form Content-Type its query API reads",
            f"put_integration(..., {spec.CONTENT_TYPE}, ...)",
        )
    template = (integration.get("requestTemplates") or {}).get("application/json") or ""
    if "Action=SendMessage" not in template or "MessageBody=" not in template:
        return (
            f"the request template for application/json is {template!r}",
            f"put_integration(..., {spec.REQUEST_TEMPLATE}, ...)",
        )
    return responses_problem(api, integration, method)


def responses_problem(
    api: FeedbackApi, integration: dict[str, Any], method: dict[str, Any]
) -> Problem | None:
    """A default integration response 200 (with a template) and the method response 200."""
    responses = integration.get("integrationResponses") or {}
    found = select(responses, "200")
    if found is None or (found[1].get("statusCode") or found[0]) != "200":
        return (
            "a 200 from SQS selects no integration response 200"
            + (f" (it selects {found[0]})" if found else ""),
            'put_integration_response(..., httpMethod="POST", statusCode="200", '
            f'selectionPattern="",\n    {spec.QUEUED_TEMPLATE})',
        )
    if "200" not in (method.get("methodResponses") or {}):
        return (
            "POST /feedback declares no method response 200",
            'put_method_response(..., httpMethod="POST", statusCode="200", ...)',
        )
    return None


def select(responses: dict[str, dict[str, Any]], status: str) -> tuple[str, dict[str, Any]] | None:
    """The integration response API Gateway selects for a backend ``status`` (§5.3)."""
    default = None
    for key, response in responses.items():
        pattern = response.get("selectionPattern")
        if pattern and full_match(pattern, status):
            return key, response
        if not pattern and default is None:
            default = (key, response)
    return default


# ---------------------------------------------------------------------------- validation


def accepted_problem(api: FeedbackApi, rule: str) -> Problem:
    """Why an invalid body was not refused (``rule``: the model keyword that should)."""
    method = api.post()
    validator_id = method.get("requestValidatorId")
    if not validator_id:
        return (
            "POST /feedback has no request validator, so API Gateway passes every body on",
            spec.VALIDATOR,
        )
    validator = api.apigw.get_request_validator(
        restApiId=api.api_id, requestValidatorId=validator_id
    )
    if not validator.get("validateRequestBody"):
        return (
            f"request validator {validator.get('name')!r} does not validate the body",
            "apigateway.update_request_validator(restApiId=api_id, requestValidatorId=...,\n"
            '    patchOperations=[{"op": "replace", "path": "/validateRequestBody", '
            '"value": "true"}]), then deploy again.',
        )
    name = (method.get("requestModels") or {}).get("application/json")
    if not name:
        return (
            "POST /feedback names no model for application/json, so the validator has "
            "nothing to check the body against",
            'put_method(..., requestModels={"application/json": "Feedback"}) (or '
            "update_method), then deploy again.",
        )
    schema = json.loads(api.apigw.get_model(restApiId=api.api_id, modelName=name)["schema"])
    missing = _rule_missing(schema, rule)
    if missing:
        return (
            f"model {name!r} {missing}",
            f"The spec's schema has {spec.RULES[rule]}: fix the model "
            "(delete_model and create_model, or update_model), then deploy again.",
        )
    return (
        "your API's configuration refuses it, but the stage serves an older deployment",
        f"Deploy again: apigateway.{spec.REDEPLOY}",
    )


def _rule_missing(schema: dict[str, Any], rule: str) -> str | None:
    props = schema.get("properties") or {}
    if rule == "required" and "email" not in (schema.get("required") or []):
        return f'does not require "email" (required: {json.dumps(schema.get("required") or [])})'
    if rule == "minLength" and int((props.get("message") or {}).get("minLength") or 0) < 1:
        return 'lets "message" be empty (no "minLength": 1)'
    if rule == "pattern":
        pattern = (props.get("email") or {}).get("pattern")
        if not pattern or re.search(pattern, "ada.feedback.example"):
            return f'accepts an email without "@" (pattern {json.dumps(pattern)})'
    if rule == "maximum":
        maximum = (props.get("rating") or {}).get("maximum")
        if maximum is None or maximum > 5:
            return 'lets "rating" be 9 (' + (f"maximum {maximum})" if maximum else "no maximum)")
    if rule == "additionalProperties" and schema.get("additionalProperties") is not False:
        return 'allows properties it does not list (no "additionalProperties": false)'
    return None


# ---------------------------------------------------------------------------- MOCK methods


def mock_problem(api: FeedbackApi, method_name: str, path: str) -> Problem | None:
    """A MOCK method with a 200 integration response and a declared method response 200."""
    method = api.method(method_name, path) or {}
    integration = method.get("methodIntegration") or {}
    call = f'httpMethod="{method_name}"'
    if integration.get("type") != "MOCK":
        return (
            f"{method_name} {path} has {integration.get('type') or 'no'} integration, not MOCK",
            f'put_integration(..., {call}, type="MOCK",\n'
            '    requestTemplates={"application/json": \'{"statusCode": 200}\'})',
        )
    if "200" not in (method.get("methodResponses") or {}):
        return (
            f"{method_name} {path} declares no method response 200",
            f'put_method_response(..., {call}, statusCode="200", ...)',
        )
    found = select(integration.get("integrationResponses") or {}, "200")
    if found is None:
        return (
            f"{method_name} {path} has no integration response for the MOCK's 200",
            f'put_integration_response(..., {call}, statusCode="200", ...)',
        )
    return None


# ---------------------------------------------------------------------------- explaining


def limitation_hint(message: str) -> str:
    """The hint for an emulator limitation met on lab 02's API."""
    if "names no Action" in message:
        return f"Map the form Content-Type SQS reads: put_integration(..., {spec.CONTENT_TYPE})"
    if "integration URI" in message or "integrations to" in message:
        return f"put_integration(..., {spec.URI}, ...)"
    return (
        'Build POST /feedback as the spec says: type="AWS", integrationHttpMethod="POST", '
        f"{spec.URI},\ncredentials=role_arn, {spec.CONTENT_TYPE} and {spec.REQUEST_TEMPLATE}."
    )


def explain(
    api: FeedbackApi,
    response: requests.Response,
    method: str,
    path: str,
    diagnose: Callable[[], Problem | None] | None = None,
) -> tuple[str, str]:
    """(what happened, hint) for an answer that is not what the spec asks."""
    status = response.status_code
    if status == 403 and "Missing Authentication Token" in response.text:
        why, hint = why_403(api, method, path, deploy=spec.DEPLOY, redeploy=spec.REDEPLOY)
    else:
        problem = diagnose() if diagnose else None
        if problem:
            why, hint = problem
        elif status == 415:
            why = "no request template matches the request's Content-Type"
            hint = f"put_integration(..., {spec.REQUEST_TEMPLATE}, ...)"
        elif status == 400 and "Invalid request body" in response.text:
            why = "the validator refused valid feedback: the model is stricter than the spec"
            hint = 'Compare get_model(restApiId=api_id, modelName="Feedback") with the spec.'
        else:
            why = ""
            hint = (
                "Your API's configuration looks right: was it deployed after the last change? "
                f"apigateway.{spec.REDEPLOY}"
            )
    lines = [describe(response)]
    if why:
        lines.append(f"because {why}")
    reason = trace_reason(api.lab)
    if reason:
        lines.append(f"(gateway: {reason})")
    return "\n".join(lines), hint
