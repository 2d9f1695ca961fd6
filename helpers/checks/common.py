"""What every lab check shares: the failure type and the report, calling the API, reading
the emulator's trace, the learner's REST API as the control plane describes it, and the
first criteria every lab starts with (the inputs, the API itself, a 403 explained).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

__all__ = [
    "CheckFailed",
    "Report",
    "RestApiView",
    "account_id",
    "call",
    "check_api",
    "check_inputs",
    "describe",
    "error_code",
    "fail",
    "full_match",
    "gateway_reason",
    "json_body",
    "short",
    "trace_reason",
    "why_403",
]


class CheckFailed(AssertionError):
    """A lab criterion is not met: what was expected, what happened, and a hint."""

    def __init__(
        self,
        criterion: str,
        *,
        expected: str | None = None,
        got: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.criterion = criterion
        self.expected = expected
        self.got = got
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"✗ {self.criterion}"]
        for label, text in (("expected", self.expected), ("got", self.got), ("hint", self.hint)):
            if text:
                first, *rest = str(text).splitlines() or [""]
                lines.append(f"  {label + ':':<9} {first}")
                lines += [f"  {'':<9} {line}" for line in rest]
        return "\n".join(lines)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone, no helper frames."""
        return [f"{type(self).__name__}: lab check failed", *self.render().splitlines()]


class Report:
    """Prints one ``✓`` line per passed criterion, and a summary at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.passed: list[str] = []

    def ok(self, text: str) -> None:
        self.passed.append(text)
        print(f"✓ {text}")

    def done(self) -> None:
        print(f"All {len(self.passed)} checks passed: {self.title}")


def fail(criterion: str, **kwargs: Any) -> NoReturn:
    """Raise :class:`CheckFailed` (``expected=``, ``got=``, ``hint=``)."""
    __tracebackhide__ = True
    raise CheckFailed(criterion, **kwargs)


# ---------------------------------------------------------------------------- calling the API


def short(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(response: requests.Response) -> str:
    """``HTTP 403 {"message":"Missing Authentication Token"}``, on one line."""
    body = response.content.decode("utf-8", errors="replace")
    return f"HTTP {response.status_code} {short(body)}".rstrip()


def gateway_reason(lab: Any) -> str | None:
    """Why the emulator answered as it did (moto target), from the last trace."""
    gateway = getattr(lab, "gateway", None)
    if gateway is None:
        return None
    try:
        trace = gateway.traces.last()
    except LookupError:
        return None
    for entry in reversed(trace.entries):
        if entry.step in ("gateway-response", "lambda-permission", "integration"):
            reason = entry.details.get("reason") or entry.details.get("error")
            if reason:
                return str(reason)
    return None


#: trace steps that say why a non-proxy request got its answer, and the details worth quoting
TRACE_STEPS = (
    "validate",
    "integration-request",
    "aws-service",
    "integration-response",
    "method-response",
    "gateway-response",
)
_QUIET_DETAILS = frozenset({"latency_ms", "protocol", "sent", "body", "passthrough"})


def trace_reason(lab: Any, steps: Iterable[str] = TRACE_STEPS, limit: int = 2) -> str | None:
    """The last ``limit`` telling entries of the last trace (moto target), on one line:
    ``aws-service: sqs SendMessage refused (action=sqs:SendMessage, ...); gateway-response:
    ...``. None on the aws target (there, the stage's execution logs say it)."""
    gateway = getattr(lab, "gateway", None)
    if gateway is None:
        return None
    try:
        trace = gateway.traces.last()
    except LookupError:
        return None
    wanted = set(steps)
    found: list[str] = []
    for entry in trace.entries:
        if entry.step not in wanted:
            continue
        if entry.step == "gateway-response":
            reason = entry.details.get("reason")
            if reason:
                found.append(f"{entry.step}: {entry.decision}: {reason}")
            continue
        if entry.step == "validate" and entry.decision == "passed":
            continue
        details = ", ".join(f"{k}={v}" for k, v in entry.details.items() if k not in _QUIET_DETAILS)
        found.append(f"{entry.step}: {entry.decision}" + (f" ({details})" if details else ""))
    return "; ".join(found[-limit:]) or None


def call(
    lab: Any,
    criterion: str,
    method: str,
    url: str,
    *,
    limitation_hint: str | Callable[[str], str] = (
        'Use type="AWS_PROXY" (a Lambda proxy integration) for every method.'
    ),
    limitation_expected: str = "an integration the course supports",
    **kwargs: Any,
) -> requests.Response:
    """``requests.request`` that turns "no answer at all" (and an emulator limitation) into
    a :class:`CheckFailed`."""
    __tracebackhide__ = True
    try:
        return requests.request(method, url, timeout=30, **kwargs)
    except requests.ConnectionError as exc:
        fail(
            criterion,
            expected=f"an answer from API Gateway at {url}",
            got=f"no API answers there ({short(str(exc))})",
            hint="Check api_id: it is the id create_rest_api returned (apigateway.get_rest_apis() "
            "lists them).",
        )
    except requests.Timeout:
        fail(criterion, expected=f"an answer from {url} within 30 s", got="no answer in time")
    except Exception as exc:
        if type(exc).__name__ != "EmulatorLimitation":
            raise
        fail(
            criterion,
            expected=limitation_expected,
            got=str(exc),
            hint=limitation_hint(str(exc)) if callable(limitation_hint) else limitation_hint,
        )


def json_body(criterion: str, response: requests.Response, expected: str, hint: str) -> Any:
    """The response's JSON body, or a :class:`CheckFailed` saying it is not JSON."""
    __tracebackhide__ = True
    try:
        return response.json()
    except ValueError:
        fail(criterion, expected=expected, got=describe(response), hint=hint)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def account_id(lab: Any) -> str:
    """The target's account id (moto's, or the caller's on AWS; a placeholder if unknown)."""
    if getattr(lab, "account_id", ""):
        return str(lab.account_id)
    try:
        return str(lab.session.client("sts").get_caller_identity()["Account"])
    except Exception:
        return "<your account id>"


# ---------------------------------------------------------------------------- the learner's API


class RestApiView:
    """The learner's REST API as the control plane describes it (for diagnoses only)."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        self.lab = lab
        self.api_id = api_id
        self.stage = stage
        self.apigw = lab.session.client("apigateway", region_name=lab.region)
        self._resources: dict[str, dict[str, Any]] | None = None

    def resources(self) -> dict[str, dict[str, Any]]:
        if self._resources is None:
            items = self.apigw.get_resources(restApiId=self.api_id, limit=500)["items"]
            self._resources = {item["path"]: item for item in items}
        return self._resources

    def has_stage(self) -> bool:
        try:
            self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return False
            raise
        return True

    def stage_variables(self) -> dict[str, str]:
        stage = self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)
        return dict(stage.get("variables") or {})

    def method(self, method: str, path: str) -> dict[str, Any] | None:
        """``get_method`` (with its integration), or None when there is no such method."""
        resource = self.resources().get(path)
        if resource is None:
            return None
        try:
            return self.apigw.get_method(
                restApiId=self.api_id, resourceId=resource["id"], httpMethod=method
            )
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise

    def integration(self, method: str, path: str) -> dict[str, Any] | None:
        resource = self.resources().get(path)
        if resource is None:
            return None
        try:
            found = self.apigw.get_integration(
                restApiId=self.api_id, resourceId=resource["id"], httpMethod=method
            )
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise
        return found if found.get("type") else None


def why_403(
    api: RestApiView, method: str, path: str, *, deploy: str, redeploy: str
) -> tuple[str, str]:
    """(what is wrong, hint) when API Gateway answered 403 Missing Authentication Token.

    ``deploy`` is the lab's first ``create_deployment(...)`` call, ``redeploy`` how to say
    "deploy again" (e.g. ``create_deployment(restApiId=api_id, stageName="v1")``)."""
    if not api.has_stage():
        return (
            f"there is no stage {api.stage!r}, so no URL under /{api.stage}/ exists",
            f"Deploy: {deploy}",
        )
    resources = api.resources()
    if path not in resources:
        parent_path, _, part = path.rpartition("/")
        parent = parent_path or "/"
        where = (
            f"under the {parent} resource (parentId = its id)"
            if parent != "/"
            else 'under the root resource "/"'
        )
        return (
            f"the API has no resource {path} (it has: {', '.join(sorted(resources))})",
            f'apigateway.create_resource(restApiId=api_id, parentId=..., pathPart="{part}") {where}, '
            "then deploy again.",
        )
    try:
        api.apigw.get_method(
            restApiId=api.api_id, resourceId=resources[path]["id"], httpMethod=method
        )
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
        return (
            f"the resource {path} has no {method} method",
            f'apigateway.put_method(restApiId=api_id, resourceId=<id of {path}>, httpMethod="{method}", '
            'authorizationType="NONE"), add its integration, then deploy again.',
        )
    return (
        f"{method} {path} exists in your API, but not in the deployment stage {api.stage!r} serves",
        f"Changes are not live until you deploy them: call apigateway.{redeploy} again.",
    )


def _apis_named(lab: Any, name: str) -> list[str]:
    try:
        apigw = lab.session.client("apigateway", region_name=lab.region)
        return [
            a["id"]
            for a in apigw.get_rest_apis(limit=500).get("items", [])
            if a.get("name") == name
        ]
    except Exception:
        return []


def check_inputs(
    lab: Any, api_id: Any, stage: Any, *, name: str, stage_name: str, check: str
) -> None:
    """The learner passed an API id (a string) and the spec's stage; else explain.

    ``name`` is the API's name in the spec, ``check`` the check function's name."""
    __tracebackhide__ = True
    if not api_id or not isinstance(api_id, str):
        found = _apis_named(lab, name)
        hint = (
            f'api_id = apigateway.create_rest_api(name="{name}", '
            'endpointConfiguration={"types": ["REGIONAL"]})["id"]'
        )
        if found:
            hint = (
                f"A REST API named {name!r} exists (id {', '.join(found)}): assign its id "
                "to api_id.\n" + hint
            )
        fail(
            "the REST API id is set",
            expected="api_id: the id create_rest_api returned (a string such as 'a1b2c3d4e5')",
            got=f"api_id = {api_id!r}: the step that creates the REST API has not run yet",
            hint=hint,
        )
    if stage != stage_name:
        fail(
            f"the stage is {stage_name!r}",
            expected=f"the spec's stage name {stage_name!r}",
            got=f"{stage!r}",
            hint=f'{check}(lab, api_id, "{stage_name}") after deploying stage {stage_name!r}',
        )


def check_api(api: RestApiView, name: str) -> str:
    """Criterion: the REST API exists, is named ``name`` and has a REGIONAL endpoint.
    Returns the criterion's text (for the report)."""
    __tracebackhide__ = True
    criterion = f"REST API {name!r} exists with a REGIONAL endpoint"
    try:
        described = api.apigw.get_rest_api(restApiId=api.api_id)
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
        fail(
            criterion,
            expected=f"a REST API with id {api.api_id!r}",
            got="no such REST API (deleted, or an id from another run?)",
            hint="Run the create_rest_api step again and use the id it returns.",
        )
    if described.get("name") != name:
        fail(
            criterion,
            expected=f"name {name!r}",
            got=f"name {described.get('name')!r}",
            hint=f'create_rest_api(name="{name}", ...)',
        )
    types = (described.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if types != ["REGIONAL"]:
        fail(
            criterion,
            expected="endpoint type REGIONAL",
            got=f"endpoint type {', '.join(types)}"
            + (" (the default when you do not choose)" if types == ["EDGE"] else ""),
            hint='create_rest_api(..., endpointConfiguration={"types": ["REGIONAL"]}), or '
            "update_rest_api with a patch /endpointConfiguration/types/EDGE → REGIONAL.",
        )
    return criterion


def full_match(pattern: str, text: str) -> bool:
    """Java's ``String.matches`` (what ``selectionPattern`` uses); a bad pattern never matches."""
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


def invoke_permission(
    awslambda: Any, function: str, function_arn: str, source_arn: str, account: str
) -> tuple[bool, list[str]]:
    """Whether the function's resource-based policy lets API Gateway invoke it from
    ``source_arn`` (as the data plane decides), and the source ARNs the policy does name."""
    import json

    from ..gateway import policy as iam_policy

    try:
        policy = json.loads(awslambda.get_policy(FunctionName=function)["Policy"])
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        policy = {}
    statements = iam_policy.statements_of(policy)
    decision = iam_policy.evaluate(
        statements,
        action="lambda:InvokeFunction",
        resource=function_arn,
        principal={"Service": ["apigateway.amazonaws.com"]},
        context={"AWS:SourceArn": source_arn, "AWS:SourceAccount": account},
    )
    arns = sorted(
        {
            str(value)
            for statement in statements
            for condition in (statement.get("Condition") or {}).values()
            for key, value in condition.items()
            if key.lower() == "aws:sourcearn"
        }
    )
    return decision.allowed, arns
