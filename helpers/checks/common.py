"""What every lab check shares: the failure type and the report, calling the API, reading
the emulator's trace, the learner's REST API as the control plane describes it, and the
first criteria every lab starts with (the inputs, the API itself, a 403 explained).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from ..messages import Catalogue, catalogue

__all__ = [
    "Catalogue",
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
    "messages",
    "short",
    "trace_reason",
    "why_403",
]


def messages(name: str = "labs") -> Catalogue:
    """The learner-facing texts of lab ``name`` (``"lab01"``), in the chosen language."""
    return catalogue(name)


def _width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


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
        ui = messages()
        lines = [f"✗ {self.criterion}"]
        parts = (("expected", self.expected), ("got", self.got), ("hint", self.hint))
        labels = {name: ui.text(f"ui.label_{name}") for name, _ in parts}
        width = max(9, *(_width(label) for label in labels.values()))
        for name, text in parts:
            if text:
                first, *rest = str(text).splitlines() or [""]
                label = labels[name]
                lines.append(f"  {label}{' ' * (width - _width(label))} {first}")
                lines += [f"  {'':<{width}} {line}" for line in rest]
        return "\n".join(lines)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone, no helper frames."""
        failed = messages().text("ui.check_failed")
        return [f"{type(self).__name__}: {failed}", *self.render().splitlines()]


class Report:
    """Prints one ``✓`` line per passed criterion, and a summary at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.passed: list[str] = []

    def ok(self, text: str) -> None:
        self.passed.append(text)
        print(f"✓ {text}")

    def done(self) -> None:
        print(messages().text("ui.all_passed", n=len(self.passed), title=self.title))


def fail(criterion: str, **kwargs: Any) -> NoReturn:
    """Raise :class:`CheckFailed` (``expected=``, ``got=``, ``hint=``)."""
    __tracebackhide__ = True
    raise CheckFailed(criterion, **kwargs)


def fail_with(texts: Catalogue, key: str, /, **values: Any) -> NoReturn:
    """Raise the check message at ``path`` of a catalogue (its criterion, expected, got and
    hint, filled with ``values``); ``criterion=``, ``expected=``, ``got=`` or ``hint=`` in
    ``values`` give a part that the entry leaves out."""
    __tracebackhide__ = True
    parts = texts.check(key, **values)
    for part in ("criterion", "expected", "got", "hint"):
        if not parts.get(part) and values.get(part):
            parts[part] = str(values[part])
    raise CheckFailed(
        parts["criterion"] or key, expected=parts["expected"], got=parts["got"], hint=parts["hint"]
    )


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
    limitation_hint: str | Callable[[str], str] | None = None,
    limitation_expected: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    """``requests.request`` that turns "no answer at all" (and an emulator limitation) into
    a :class:`CheckFailed`."""
    __tracebackhide__ = True
    texts = messages()
    try:
        return requests.request(method, url, timeout=30, **kwargs)
    except requests.ConnectionError as exc:
        fail(
            criterion,
            expected=texts.text("call.no_answer_expected", url=url),
            got=texts.text("call.no_answer_got", error=short(str(exc))),
            hint=texts.text("call.no_answer_hint"),
        )
    except requests.Timeout:
        fail(
            criterion,
            expected=texts.text("call.timeout_expected", url=url),
            got=texts.text("call.timeout_got"),
        )
    except Exception as exc:
        if type(exc).__name__ != "EmulatorLimitation":
            raise
        if limitation_hint is None:
            limitation_hint = texts.text("call.limitation_hint")
        fail(
            criterion,
            expected=limitation_expected or texts.text("call.limitation_expected"),
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
    texts = messages()
    if not api.has_stage():
        return (
            texts.text("why403.no_stage", stage=api.stage),
            texts.text("why403.no_stage_hint", deploy=deploy),
        )
    resources = api.resources()
    if path not in resources:
        parent_path, _, part = path.rpartition("/")
        parent = parent_path or "/"
        where = (
            texts.text("why403.under_parent", parent=parent)
            if parent != "/"
            else texts.text("why403.under_root")
        )
        return (
            texts.text("why403.no_resource", path=path, paths=", ".join(sorted(resources))),
            texts.text("why403.no_resource_hint", part=part, where=where),
        )
    try:
        api.apigw.get_method(
            restApiId=api.api_id, resourceId=resources[path]["id"], httpMethod=method
        )
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
        return (
            texts.text("why403.no_method", path=path, method=method),
            texts.text("why403.no_method_hint", path=path, method=method),
        )
    return (
        texts.text("why403.not_deployed", method=method, path=path, stage=api.stage),
        texts.text("why403.not_deployed_hint", redeploy=redeploy),
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
    texts = messages()
    if not api_id or not isinstance(api_id, str):
        found = _apis_named(lab, name)
        hint = texts.text("inputs.api_id_hint", name=name)
        if found:
            hint = texts.text("inputs.api_id_exists", name=name, ids=", ".join(found)) + "\n" + hint
        fail(
            texts.text("inputs.api_id_criterion"),
            expected=texts.text("inputs.api_id_expected"),
            got=texts.text("inputs.api_id_got", api_id=api_id),
            hint=hint,
        )
    if stage != stage_name:
        fail(
            texts.text("inputs.stage_criterion", stage_name=stage_name),
            expected=texts.text("inputs.stage_expected", stage_name=stage_name),
            got=texts.text("inputs.stage_got", stage=stage),
            hint=texts.text("inputs.stage_hint", check=check, stage_name=stage_name),
        )


def check_api(api: RestApiView, name: str) -> str:
    """Criterion: the REST API exists, is named ``name`` and has a REGIONAL endpoint.
    Returns the criterion's text (for the report)."""
    __tracebackhide__ = True
    texts = messages()
    criterion = texts.text("api.criterion", name=name)
    try:
        described = api.apigw.get_rest_api(restApiId=api.api_id)
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
        fail(
            criterion,
            expected=texts.text("api.missing_expected", api_id=api.api_id),
            got=texts.text("api.missing_got"),
            hint=texts.text("api.missing_hint"),
        )
    if described.get("name") != name:
        fail(
            criterion,
            expected=texts.text("api.name_expected", name=name),
            got=texts.text("api.name_got", actual=described.get("name")),
            hint=texts.text("api.name_hint", name=name),
        )
    types = (described.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if types != ["REGIONAL"]:
        fail(
            criterion,
            expected=texts.text("api.endpoint_expected"),
            got=texts.text("api.endpoint_got", types=", ".join(types))
            + (texts.text("api.endpoint_default") if types == ["EDGE"] else ""),
            hint=texts.text("api.endpoint_hint"),
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
