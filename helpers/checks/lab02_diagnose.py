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
from .common import (
    Catalogue,
    RestApiView,
    account_id,
    describe,
    error_code,
    full_match,
    messages,
    trace_reason,
    why_403,
)

Problem = tuple[str, str]
_SQS_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


class FeedbackApi(RestApiView):
    """The learner's ``feedback`` API, with the queue and role it uses."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self.sqs = lab.session.client("sqs", region_name=lab.region)
        self.iam = lab.session.client("iam")
        self.account = account_id(lab)
        self.texts: Catalogue = messages("lab02")

    def code(self, key: str) -> str:
        """A boto3 call the hints quote (``[code]`` in the catalogue), with its parts filled."""
        t = self.texts
        parts = {
            name: t.text(f"code.{name}")
            for name in ("uri", "content_type", "request_template", "queued_template")
        }
        return t.text(f"code.{key}", **parts)

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
    t = api.texts
    if not arn:
        return t.text("why.no_role"), t.text("fix.role")
    role = api.role(arn)
    if role is None:
        return t.text("why.role_missing", arn=arn), t.text("fix.role_missing")
    trust = _document(role.get("AssumeRolePolicyDocument"))
    decision = iam_policy.evaluate(
        iam_policy.statements_of(trust),
        action="sts:AssumeRole",
        resource=role["Arn"],
        principal={"Service": ["apigateway.amazonaws.com"]},
    )
    if not decision.allowed:
        services = ", ".join(_services(trust)) or t.text("why.no_service")
        return t.text("why.untrusted", role=role["RoleName"], services=services), api.code("trust")
    statements = api.role_statements(role["RoleName"])
    queue_arn = api.queue_arn()
    if not iam_policy.evaluate(
        statements, action="sqs:SendMessage", resource=queue_arn, check_principal=False
    ).allowed:
        allowed = [_compact(st) for st in statements if st.get("Effect") == "Allow"]
        why = t.text("why.cannot_send", role=role["RoleName"], queue_arn=queue_arn)
        why += (
            "\n" + t.text("why.it_allows", allowed="; ".join(allowed))
            if allowed
            else t.text("why.no_policy")
        )
        return why, api.code("send_policy")
    return None


def post_problem(api: FeedbackApi) -> Problem | None:
    """The first thing wrong with POST /feedback's integration, its role or the queue."""
    t = api.texts
    method = api.post()
    integration = method.get("methodIntegration") or {}
    kind = integration.get("type")
    if kind != "AWS":
        which = t.text("why.a_kind", kind=kind) if kind else t.text("why.no_kind")
        return t.text("why.not_aws", kind=which), api.code("aws_integration")
    uri = integration.get("uri") or ""
    if uri != api.expected_uri():
        return (
            t.text("why.uri", uri=uri, expected=api.expected_uri()),
            t.text("fix.uri", uri=t.text("code.uri")),
        )
    if (integration.get("httpMethod") or "").upper() != "POST":
        return t.text("why.method", method=integration.get("httpMethod")), t.text("fix.method")
    problem = role_problem(api, integration.get("credentials"))
    if problem:
        return problem
    if api.queue_url() is None:
        return t.text("why.no_queue", queue=spec.QUEUE), t.text("fix.queue")
    mapped = {k.lower(): v for k, v in (integration.get("requestParameters") or {}).items()}
    form = mapped.get("integration.request.header.content-type", "")
    if "application/x-www-form-urlencoded" not in form:
        return (
            t.text("why.no_content_type"),
            t.text("fix.content_type", content_type=t.text("code.content_type")),
        )
    template = (integration.get("requestTemplates") or {}).get("application/json") or ""
    if "Action=SendMessage" not in template or "MessageBody=" not in template:
        return (
            t.text("why.template", template=template),
            t.text("fix.template", request_template=t.text("code.request_template")),
        )
    return responses_problem(api, integration, method)


def responses_problem(
    api: FeedbackApi, integration: dict[str, Any], method: dict[str, Any]
) -> Problem | None:
    """A default integration response 200 (with a template) and the method response 200."""
    t = api.texts
    responses = integration.get("integrationResponses") or {}
    found = select(responses, "200")
    if found is None or (found[1].get("statusCode") or found[0]) != "200":
        why = t.text("why.no_200_response")
        if found:
            why += t.text("why.selects_instead", key=found[0])
        return why, t.text("fix.response_200", queued_template=t.text("code.queued_template"))
    if "200" not in (method.get("methodResponses") or {}):
        return t.text("why.no_200_method"), t.text("fix.method_200")
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
    t = api.texts
    method = api.post()
    validator_id = method.get("requestValidatorId")
    if not validator_id:
        return t.text("why.no_validator"), api.code("validator")
    validator = api.apigw.get_request_validator(
        restApiId=api.api_id, requestValidatorId=validator_id
    )
    if not validator.get("validateRequestBody"):
        return t.text("why.no_body_validation", name=validator.get("name")), t.text(
            "fix.enable_body"
        )
    name = (method.get("requestModels") or {}).get("application/json")
    if not name:
        return t.text("why.no_model"), t.text("fix.model")
    schema = json.loads(api.apigw.get_model(restApiId=api.api_id, modelName=name)["schema"])
    missing = _rule_missing(schema, rule)
    if missing:
        return (
            t.text("why.model", name=name, missing=missing),
            t.text("fix.rule", rule=t.text(f"rules.{rule}")),
        )
    return t.text("why.older_deployment"), t.text("fix.redeploy", redeploy=t.text("code.redeploy"))


def _rule_missing(schema: dict[str, Any], rule: str) -> str | None:
    t = messages("lab02")
    props = schema.get("properties") or {}
    if rule == "required" and "email" not in (schema.get("required") or []):
        return t.text("rule.required", required=json.dumps(schema.get("required") or []))
    if rule == "minLength" and int((props.get("message") or {}).get("minLength") or 0) < 1:
        return t.text("rule.minLength")
    if rule == "pattern":
        pattern = (props.get("email") or {}).get("pattern")
        if not pattern or re.search(pattern, "ada.feedback.example"):
            return t.text("rule.pattern", pattern=json.dumps(pattern))
    if rule == "maximum":
        maximum = (props.get("rating") or {}).get("maximum")
        if maximum is None or maximum > 5:
            if maximum:
                return t.text("rule.maximum", maximum=maximum)
            return t.text("rule.maximum_none")
    if rule == "additionalProperties" and schema.get("additionalProperties") is not False:
        return t.text("rule.additionalProperties")
    return None


# ---------------------------------------------------------------------------- MOCK methods


def mock_problem(api: FeedbackApi, method_name: str, path: str) -> Problem | None:
    """A MOCK method with a 200 integration response and a declared method response 200."""
    t = api.texts
    method = api.method(method_name, path) or {}
    integration = method.get("methodIntegration") or {}
    call = f'httpMethod="{method_name}"'
    if integration.get("type") != "MOCK":
        kind = integration.get("type") or t.text("why.no_kind_mock")
        return (
            t.text("why.not_mock", method=method_name, path=path, kind=kind),
            t.text("code.mock", call=call),
        )
    if "200" not in (method.get("methodResponses") or {}):
        return (
            t.text("why.mock_no_200_method", method=method_name, path=path),
            t.text("fix.mock_200", call=call),
        )
    found = select(integration.get("integrationResponses") or {}, "200")
    if found is None:
        return (
            t.text("why.mock_no_200", method=method_name, path=path),
            t.text("fix.mock_response", call=call),
        )
    return None


# ---------------------------------------------------------------------------- explaining


def limitation_hint(message: str) -> str:
    """The hint for an emulator limitation met on lab 02's API."""
    t = messages("lab02")
    parts = {name: t.text(f"code.{name}") for name in ("uri", "content_type", "request_template")}
    if "names no Action" in message:
        return t.text("fix.limitation_action", **parts)
    if "integration URI" in message or "integrations to" in message:
        return t.text("fix.limitation_uri", **parts)
    return t.text("fix.limitation", **parts)


def explain(
    api: FeedbackApi,
    response: requests.Response,
    method: str,
    path: str,
    diagnose: Callable[[], Problem | None] | None = None,
) -> tuple[str, str]:
    """(what happened, hint) for an answer that is not what the spec asks."""
    t = api.texts
    status = response.status_code
    redeploy = t.text("code.redeploy")
    if status == 403 and "Missing Authentication Token" in response.text:
        why, hint = why_403(api, method, path, deploy=t.text("code.deploy"), redeploy=redeploy)
    else:
        problem = diagnose() if diagnose else None
        if problem:
            why, hint = problem
        elif status == 415:
            why = t.text("why.no_template")
            hint = t.text("fix.body", request_template=t.text("code.request_template"))
        elif status == 400 and "Invalid request body" in response.text:
            why, hint = t.text("why.stricter"), t.text("fix.stricter")
        else:
            why, hint = "", t.text("fix.deployed", redeploy=redeploy)
    lines = [describe(response)]
    if why:
        lines.append(t.text("ui.because", why=why))
    reason = trace_reason(api.lab)
    if reason:
        lines.append(t.text("ui.gateway", reason=reason))
    return "\n".join(lines), hint
