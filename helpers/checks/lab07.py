"""Lab 07's check: the learner's CloudFormation template for the ``orders`` API.

The check *deploys* the template as the stack ``orders-api`` (``create_stack`` the first
time — after deleting a stack a failed create left behind, as one must on AWS —
``update_stack`` after), then calls the API as the partner's system would: no key, the
partner's key with a valid order, invalid orders, the change of steps 6 and 7 (a larger
quantity), and on the moto target a burst past the plan's. A stack that failed is
explained from its first ``*_FAILED`` event; an answer that is wrong, from the stack's
resources as API Gateway describes them, the stack's events (a Deployment the last update
left alone) and, on the moto target, the emulator's trace.

Every sentence it prints comes from :mod:`.lab07_messages`; the spec from :mod:`.lab07_spec`.
``hint(step, level)`` shows a step's hints in the notebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from ..cloudformation.display import events as stack_events
from ..cloudformation.display import wait
from . import lab07_messages as m
from . import lab07_spec as spec
from .common import (
    Report,
    account_id,
    call,
    describe,
    error_code,
    fail,
    gateway_reason,
    invoke_permission,
    short,
)

__all__ = ["Hint", "Hints", "check_lab07", "hint"]

t = m.text

#: the step that writes each resource type (for hints)
STEP_OF_TYPE = {
    "AWS::ApiGateway::RestApi": "1",
    "AWS::ApiGateway::Resource": "1",
    "AWS::ApiGateway::Model": "2",
    "AWS::ApiGateway::RequestValidator": "2",
    "AWS::ApiGateway::Method": "3",
    "AWS::Lambda::Permission": "3",
    "AWS::ApiGateway::Deployment": "4",
    "AWS::ApiGateway::Stage": "4",
    "AWS::ApiGateway::ApiKey": "5",
    "AWS::ApiGateway::UsagePlan": "5",
    "AWS::ApiGateway::UsagePlanKey": "5",
}
#: what a template must declare before it is worth deploying (the rest is judged by calls)
REQUIRED = (
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Deployment",
)
#: the parts of an API a deployment freezes (a change to one is live in a new deployment)
FROZEN_TYPES = frozenset(
    {
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Model",
        "AWS::ApiGateway::RequestValidator",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGateway::GatewayResponse",
    }
)
FAILED_STATES = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED")
#: seconds the lab clock rests before the check's calls (moto): every bucket is full
REST_S = 60.0


# ---------------------------------------------------------------------------- hints


@dataclass(frozen=True)
class Hint:
    """One level of one step's hint; markdown in a notebook, text elsewhere."""

    step: str
    level: int
    heading: str
    body: str
    pages: tuple[tuple[str, str], ...]
    code: str
    more: str

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.heading}**", ""]
        if self.body:
            parts += [self.body, ""]
        parts += [f"- [{title}]({url})" for title, url in self.pages]
        if self.pages:
            parts.append("")
        if self.code:
            parts += ["```yaml", self.code, "```", ""]
        parts.append(f"*{self.more}*")
        return "\n".join(parts) + "\n"

    def __str__(self) -> str:
        parts = [self.heading]
        if self.body:
            parts.append(self.body)
        parts += [f"  {title}: {url}" for title, url in self.pages]
        if self.code:
            parts.append("\n".join(f"    {line}" for line in self.code.splitlines()))
        parts.append(self.more)
        return "\n".join(parts)

    __repr__ = __str__


class Hints:
    """``hint(2)``: step 2's nudge; ``hint(2, 2)``: its documentation; ``hint(2, 3)``: the
    YAML. Nothing is remembered between calls."""

    LEVELS = ("nudge", "docs", "call")

    def __call__(self, step: int | str, level: int = 1) -> Hint:
        step = str(step)
        if step not in m.HINTS:
            raise ValueError(f"lab 07 has hints for steps {', '.join(m.HINTS)}: {step!r}")
        if not 1 <= level <= len(self.LEVELS):
            raise ValueError(f"hint levels go from 1 to {len(self.LEVELS)}: {level!r}")
        entry, name = m.HINTS[step], self.LEVELS[level - 1]
        more = (
            t(f"ui.more_{self.LEVELS[level]}", step=step)
            if level < len(self.LEVELS)
            else t("ui.more_check")
        )
        return Hint(
            step=step,
            level=level,
            heading=t(f"ui.heading_{name}", step=step),
            body=" ".join(entry["nudge"].split())
            if name == "nudge"
            else (" ".join(entry["docs"].split()) if name == "docs" else ""),
            pages=tuple(entry["pages"]) if name == "docs" else (),
            code=entry["call"] if name == "call" else "",
            more=more,
        )

    def todo(self, step: int | str) -> str:
        """What a blank step raises: its nudge, and how to get more."""
        return t("ui.todo", nudge=" ".join(m.HINTS[str(step)]["nudge"].split()), step=step)

    def steps(self) -> list[str]:
        return list(m.HINTS)


hint = Hints()


# ---------------------------------------------------------------------------- the template


def _template(template: Any) -> tuple[str, dict[str, Any]]:
    """(text, parsed) of a Template or a template's text; else a CheckFailed."""
    __tracebackhide__ = True
    from ..cloudformation.fragments import Template, load

    if isinstance(template, Template):
        return template.text, template.parsed()
    if isinstance(template, str) and template.strip():
        return template, load(template) or {}
    fail(
        t("criteria.written"),
        expected=t("expected.template"),
        got=t("got.no_template", value=template),
        hint=t("fix.template"),
    )


def _of_type(parsed: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    found = parsed.get("Resources") or {}
    return {k: v for k, v in found.items() if isinstance(v, dict) and v.get("Type") == type_name}


def _written(parsed: dict[str, Any]) -> None:
    __tracebackhide__ = True
    missing = [kind for kind in REQUIRED if not _of_type(parsed, kind)]
    if missing:
        steps = sorted({STEP_OF_TYPE[kind] for kind in missing})
        fail(
            t("criteria.written"),
            expected=t("expected.resource", type=missing[0]),
            got=t("got.missing", type=", ".join(missing), steps=", ".join(steps)),
            hint=t("fix.missing", step=STEP_OF_TYPE[missing[0]]),
        )


def _stage_names(parsed: dict[str, Any]) -> list[str]:
    names = [
        str((body.get("Properties") or {}).get("StageName"))
        for body in _of_type(parsed, "AWS::ApiGateway::Stage").values()
    ]
    names += [
        str((body.get("Properties") or {}).get("StageName"))
        for body in _of_type(parsed, "AWS::ApiGateway::Deployment").values()
        if (body.get("Properties") or {}).get("StageName")
    ]
    return [n for n in names if n and n != "None"]


# ---------------------------------------------------------------------------- deploying


class _Stack:
    """The learner's stack: deploying it, and what it made."""

    def __init__(self, lab: Any, name: str, parsed: dict[str, Any]) -> None:
        self.lab = lab
        self.name = name
        self.parsed = parsed
        self.cf = lab.session.client("cloudformation", region_name=lab.region)
        self.stack_id = ""
        self.note = ""

    def deploy(self, body: str) -> str:
        """Create or update; return the stack's status when the operation ended."""
        try:
            found = self.cf.describe_stacks(StackName=self.name)["Stacks"][0]
        except ClientError as exc:
            if "does not exist" not in str(exc):
                raise
            found = None
        if found is not None and found["StackStatus"] in FAILED_STATES:
            self.note = t("why.rolled_back", status=found["StackStatus"])
            self.cf.delete_stack(StackName=found["StackId"])
            wait(found["StackId"], client=self.cf)
            found = None
        options = {
            "TemplateBody": body,
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        }
        if found is None:
            self.stack_id = self.cf.create_stack(StackName=self.name, **options)["StackId"]
        else:
            self.stack_id = found["StackId"]
            try:
                self.cf.update_stack(StackName=self.name, **options)
            except ClientError as exc:
                if "No updates are to be performed" not in str(exc):
                    raise
        return str(wait(self.stack_id, client=self.cf)["StackStatus"])

    def events(self, all_operations: bool = False) -> list[dict[str, Any]]:
        return stack_events(self.stack_id, client=self.cf, all_operations=all_operations)

    def resources(self) -> dict[str, tuple[str, str]]:
        """Logical id → (type, physical id) of what the stack holds."""
        found = self.cf.list_stack_resources(StackName=self.stack_id)["StackResourceSummaries"]
        return {
            r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId") or "")
            for r in found
        }

    def logical(self, type_name: str) -> list[str]:
        return [k for k, (kind, _) in self.resources().items() if kind == type_name]

    def physical(self, type_name: str) -> str | None:
        found = [p for kind, p in self.resources().values() if kind == type_name]
        return found[0] if found else None


def _explain_failure(stack: _Stack, status: str) -> NoReturn:
    """The first *_FAILED event of the last operation, and what it means."""
    __tracebackhide__ = True
    failed = next(
        (
            e
            for e in stack.events()
            if e["ResourceStatus"].endswith("_FAILED")
            and e["ResourceType"] != "AWS::CloudFormation::Stack"
        ),
        None,
    )
    reason = (failed or {}).get("ResourceStatusReason") or ""
    logical = (failed or {}).get("LogicalResourceId") or stack.name
    kind = (failed or {}).get("ResourceType") or "AWS::CloudFormation::Stack"
    methods = list(_of_type(stack.parsed, "AWS::ApiGateway::Method")) or ["PostOrderMethod"]
    if "doesn't contain any methods" in reason:
        why = t("why.no_methods", deployment=logical)
        fix = t("fix.depends_on", method=", ".join(methods), deployment=logical)
    elif "No integration defined for method" in reason:
        why, fix = t("why.no_integration"), t("fix.integration")
    elif reason.startswith("Properties validation failed"):
        why, fix = t("why.schema"), t("fix.schema", step=STEP_OF_TYPE.get(kind, "1"))
    elif "Invalid API Stage" in reason:
        named = re.search(r"stage: ([^}]*)\}", reason)
        stage = named.group(1).strip() if named else spec.STAGE
        stages = _stage_names(stack.parsed)
        if stage in stages:
            why, fix = t("why.stage_order", stage=stage), t("fix.stage_order")
        else:
            why = t("why.stage_name", stage=stage, stages=", ".join(stages) or "none")
            fix = t("fix.stage_name")
    else:
        why, fix = t("why.other"), t("fix.other")
    got = t(
        "got.stack_failed",
        stack=stack.name,
        status=status,
        resource=logical,
        type=kind,
        reason=reason,
    )
    fail(
        t("criteria.deploys", stack=stack.name),
        expected=t("expected.stack_ok", stack=stack.name),
        got=f"{got}\nbecause {why}",
        hint=fix,
    )


# ---------------------------------------------------------------------------- the API


class _Orders:
    """The deployed API, as the control plane describes it (for diagnoses)."""

    def __init__(self, lab: Any, stack: _Stack) -> None:
        self.lab = lab
        self.stack = stack
        self.apigw = lab.session.client("apigateway", region_name=lab.region)
        self.awslambda = lab.session.client("lambda", region_name=lab.region)
        self.api_id = stack.physical("AWS::ApiGateway::RestApi") or ""
        self.url = lab.invoke_url(self.api_id, spec.STAGE, spec.PATH.lstrip("/"))

    # --- the control plane
    def resources(self) -> dict[str, dict[str, Any]]:
        items = self.apigw.get_resources(restApiId=self.api_id, limit=500)["items"]
        return {item["path"]: item for item in items}

    def method(self) -> dict[str, Any] | None:
        resource = self.resources().get(spec.PATH)
        if resource is None:
            return None
        try:
            return self.apigw.get_method(
                restApiId=self.api_id, resourceId=resource["id"], httpMethod=spec.METHOD
            )
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise

    def stages(self) -> dict[str, dict[str, Any]]:
        return {s["stageName"]: s for s in self.apigw.get_stages(restApiId=self.api_id)["item"]}

    def model_schema(self) -> dict[str, Any]:
        method = self.method() or {}
        name = (method.get("requestModels") or {}).get("application/json") or spec.MODEL_NAME
        try:
            found = self.apigw.get_model(restApiId=self.api_id, modelName=name)
        except ClientError:
            return {}
        try:
            return dict(json.loads(found.get("schema") or "{}"))
        except ValueError:
            return {}

    def key(self) -> dict[str, Any] | None:
        key_id = self.stack.physical("AWS::ApiGateway::ApiKey")
        if not key_id:
            return None
        return dict(self.apigw.get_api_key(apiKey=key_id, includeValue=True))

    def plans_of(self, key_id: str) -> list[dict[str, Any]]:
        return list(self.apigw.get_usage_plans(keyId=key_id, limit=500).get("items", []))

    # --- calls
    def post(self, criterion: str, body: Any, key: str | None) -> requests.Response:
        __tracebackhide__ = True
        headers = {"x-api-key": key} if key else {}
        return call(
            self.lab,
            criterion,
            "POST",
            self.url,
            json=body,
            headers=headers,
            limitation_hint=t("fix.answer", what="the POST method", step="3"),
        )


def _stale(api: _Orders) -> tuple[str, str] | None:
    """(why, fix) when stage v1 serves a deployment made before the stack's last change to
    a method, model, validator or resource (the update left the Deployment alone)."""
    stage = api.stages().get(spec.STAGE)
    if stage is None:
        return None
    deployment_id = stage.get("deploymentId")
    history = api.stack.events(all_operations=True)
    made = [
        i
        for i, e in enumerate(history)
        if e["ResourceType"] == "AWS::ApiGateway::Deployment"
        and e["ResourceStatus"] == "CREATE_COMPLETE"
        and e.get("PhysicalResourceId") == deployment_id
    ]
    if not made:
        return None
    logical = history[made[-1]]["LogicalResourceId"]
    changed = sorted(
        {
            e["LogicalResourceId"]
            for e in history[made[-1] + 1 :]
            if e["ResourceType"] in FROZEN_TYPES
            and e["ResourceStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
        }
    )
    if not changed:
        return None
    return (
        t(
            "why.stale",
            stage=spec.STAGE,
            deployment_id=deployment_id,
            logical=logical,
            changed=", ".join(changed),
        ),
        t("fix.stale", next=_next_id(logical)),
    )


def _next_id(logical: str) -> str:
    found = re.match(r"^(.*?)(\d+)$", logical)
    return f"{found.group(1)}{int(found.group(2)) + 1}" if found else f"{logical}V2"


def _missing_token(api: _Orders) -> tuple[str, str]:
    """Why the stage answered 403 Missing Authentication Token."""
    stages = api.stages()
    if spec.STAGE not in stages:
        return t("why.no_stage", stage=spec.STAGE, stages=", ".join(stages) or "none"), t(
            "fix.stage"
        )
    paths = api.resources()
    if spec.PATH not in paths:
        return t("why.no_resource", path=spec.PATH, paths=", ".join(sorted(paths))), t(
            "fix.resource"
        )
    if api.method() is None:
        return t("why.no_method", path=spec.PATH, method=spec.METHOD), t("fix.method")
    return _stale(api) or (t("why.other"), t("fix.stale", next="DeploymentV2"))


def _forbidden(api: _Orders) -> tuple[str, str]:
    """Why a request with the partner's key answered 403 Forbidden."""
    key = api.key() or {}
    logical_key = (api.stack.logical("AWS::ApiGateway::ApiKey") or ["PartnerKey"])[0]
    logical_plan = (api.stack.logical("AWS::ApiGateway::UsagePlan") or ["PartnerPlan"])[0]
    name = key.get("name") or spec.KEY_NAME
    if not key.get("enabled"):
        return t("why.key_disabled", key=name), t("fix.key_enabled")
    plans = api.plans_of(key.get("id", ""))
    if not plans:
        return t("why.key_not_in_plan", key=name), t(
            "fix.plan_key", key_id=logical_key, plan_id=logical_plan
        )
    for plan in plans:
        if any(
            s.get("apiId") == api.api_id and s.get("stage") == spec.STAGE
            for s in plan.get("apiStages") or []
        ):
            break
    else:
        named = ", ".join(
            f"{s.get('apiId')}:{s.get('stage')}" for p in plans for s in p.get("apiStages") or []
        )
        return t(
            "why.plan_no_stage", key=name, plan=plans[0].get("name"), stages=named or "none"
        ), t("fix.plan_stage")
    return _stale(api) or (t("why.other"), t("fix.plan_settings"))


def _server_error(api: _Orders) -> tuple[str, str]:
    """Why the function was not invoked (500): its permission."""
    method = api.method() or {}
    uri = str((method.get("methodIntegration") or {}).get("uri") or "")
    found = re.search(r"functions/(arn:aws:lambda:[^/]+)/invocations", uri)
    if not found:
        return t("why.other"), t("fix.function")
    function_arn = found.group(1)
    name = function_arn.split(":")[6]
    source = (
        f"arn:aws:execute-api:{api.lab.region}:{account_id(api.lab)}:{api.api_id}/"
        f"{spec.STAGE}/{spec.METHOD}{spec.PATH}"
    )
    allowed, arns = invoke_permission(
        api.awslambda, name, function_arn, source, account_id(api.lab)
    )
    if allowed:
        return t("why.other"), t("fix.function")
    if not arns:
        try:
            api.awslambda.get_policy(FunctionName=name)
        except ClientError:
            return t("why.no_policy", function=name), t("fix.permission")
    return (
        t(
            "why.wrong_source",
            function=name,
            source_arn=source,
            allowed=", ".join(arns) or "other principals",
        ),
        t("fix.permission"),
    )


def _explain(api: _Orders, response: requests.Response) -> tuple[str, str]:
    """(what happened, hint) for an answer the spec did not want."""
    status = response.status_code
    if status == 403 and "Missing Authentication Token" in response.text:
        why, fix = _missing_token(api)
    elif status == 403:
        why, fix = _forbidden(api)
    elif status == 500:
        why, fix = _server_error(api)
    elif status == 502:
        why, fix = t("why.function_failed"), t("fix.function")
    elif status == 429:
        kind = response.headers.get("x-amzn-ErrorType", "")
        why = t("why.quota") if "LimitExceeded" in kind else t("why.throttled")
        fix = t("fix.plan_settings")
    elif status == 400:
        why, fix = t("why.valid_refused"), t("fix.schema_spec", max=spec.MAX_QUANTITY)
    else:
        why, fix = t("why.other"), t("fix.answer", what="the POST method", step="3")
    got = t("got.because", answer=describe(response), why=why)
    reason = gateway_reason(api.lab)
    if reason:
        got += f"\n(gateway: {short(reason, 300)})"
    return got, fix


def _fail_answer(
    api: _Orders, criterion: str, expected: str, response: requests.Response
) -> NoReturn:
    __tracebackhide__ = True
    got, fix = _explain(api, response)
    fail(criterion, expected=expected, got=got, hint=fix)


def _not_validated(api: _Orders, case: str, response: requests.Response) -> NoReturn:
    """An invalid order reached the function: which part of validation is missing."""
    __tracebackhide__ = True
    criterion = t("criteria.invalid")
    method = api.method() or {}
    validator_id = method.get("requestValidatorId")
    validator = {}
    if validator_id:
        validator = api.apigw.get_request_validator(
            restApiId=api.api_id, requestValidatorId=validator_id
        )
    stale = _stale(api)
    if not validator_id:
        why, fix = t("why.no_validator", method=spec.METHOD, path=spec.PATH), t("fix.validator")
    elif not validator.get("validateRequestBody"):
        why, fix = (
            t("why.validator_no_body", validator=validator.get("name")),
            t("fix.validator_body"),
        )
    elif "application/json" not in (method.get("requestModels") or {}):
        why, fix = t("why.no_model", method=spec.METHOD, path=spec.PATH), t("fix.model")
    elif stale is not None:
        why, fix = stale
    else:
        why = t("why.model_allows", schema=json.dumps(api.model_schema()))
        fix = t("fix.schema_spec", max=spec.MAX_QUANTITY)
    fail(
        criterion,
        expected=t("expected.bad_body"),
        got=t("got.orders", case=case, answer=describe(response)) + f"\nbecause {why}",
        hint=fix,
    )


# ---------------------------------------------------------------------------- the check


def _rest(lab: Any) -> None:
    """Moto: let every bucket fill up (the lab clock moves a minute on)."""
    if lab.target != "moto":
        return
    if not lab.clock.frozen:
        lab.clock.freeze()
    lab.clock.advance(REST_S)


def _invalid_bodies(api: _Orders, key: str) -> None:
    __tracebackhide__ = True
    for body, case in spec.INVALID:
        answer = api.post(t("criteria.invalid"), body, key)
        if answer.status_code == 400 and "Invalid request body" in answer.text:
            continue
        if answer.status_code < 300 or answer.status_code == 502:
            _not_validated(api, case, answer)
        _fail_answer(api, t("criteria.invalid"), t("expected.bad_body"), answer)


def _raised(api: _Orders, key: str) -> None:
    __tracebackhide__ = True
    criterion = t(
        "criteria.raised", raised=spec.RAISED["quantity"], too_many=spec.TOO_MANY["quantity"]
    )
    expected = t(
        "expected.raised",
        raised=spec.RAISED["quantity"],
        too_many=spec.TOO_MANY["quantity"],
        max=spec.MAX_QUANTITY,
    )
    answer = api.post(criterion, spec.RAISED, key)
    if answer.status_code == 400 and "Invalid request body" in answer.text:
        maximum = (api.model_schema().get("properties") or {}).get("quantity", {}).get("maximum")
        if maximum is not None and float(maximum) < spec.MAX_QUANTITY:
            why = t("why.model_max", maximum=maximum, max=spec.MAX_QUANTITY)
            fix = t("fix.raise_max", max=spec.MAX_QUANTITY)
        else:
            why, fix = _stale(api) or (
                t("why.valid_refused"),
                t("fix.schema_spec", max=spec.MAX_QUANTITY),
            )
        fail(
            criterion,
            expected=expected,
            got=t("got.orders", case=f"quantity {spec.RAISED['quantity']}", answer=describe(answer))
            + f"\nbecause {why}",
            hint=fix,
        )
    if answer.status_code != 201:
        _fail_answer(api, criterion, expected, answer)
    answer = api.post(criterion, spec.TOO_MANY, key)
    if answer.status_code != 400:
        why = t("why.model_allows", schema=json.dumps(api.model_schema()))
        fail(
            criterion,
            expected=expected,
            got=t(
                "got.orders", case=f"quantity {spec.TOO_MANY['quantity']}", answer=describe(answer)
            )
            + f"\nbecause {why}",
            hint=t("fix.schema_spec", max=spec.MAX_QUANTITY),
        )


def _burst(api: _Orders, key: str) -> str:
    __tracebackhide__ = True
    size = spec.BURST + 1
    criterion = t("criteria.burst", size=size, burst=spec.BURST)
    _rest(api.lab)
    answers = [api.post(criterion, spec.VALID, key) for _ in range(size)]
    statuses = [a.status_code for a in answers]
    if statuses == [201] * spec.BURST + [429]:
        plan = (api.plans_of((api.key() or {}).get("id", "")) or [{}])[0]
        return t("done.burst", size=size, burst=spec.BURST, plan=plan.get("name"))
    tally = ", ".join(str(s) for s in statuses)
    wrong = next((a for a in answers if a.status_code not in (201, 429)), None)
    if wrong is not None:
        _fail_answer(api, criterion, t("expected.burst", burst=spec.BURST), wrong)
    problems = _config_problems(api)
    fail(
        criterion,
        expected=t("expected.burst", burst=spec.BURST),
        got=t("got.burst", size=size, tally=tally)
        + (f"\nbecause {problems[0]}" if problems else ""),
        hint=t("fix.plan_settings"),
    )


def _config_problems(api: _Orders) -> list[str]:
    key = api.key() or {}
    out: list[str] = []
    if key.get("name") != spec.KEY_NAME:
        out.append(f"the API key is named {key.get('name')!r}, the spec says {spec.KEY_NAME!r}")
    plans = api.plans_of(key.get("id", ""))
    plan = next(
        (
            p
            for p in plans
            if any(
                s.get("apiId") == api.api_id and s.get("stage") == spec.STAGE
                for s in p.get("apiStages") or []
            )
        ),
        None,
    )
    if plan is None:
        return [*out, f"no usage plan with key {spec.KEY_NAME!r} names stage {spec.STAGE!r}"]
    throttle, quota = plan.get("throttle") or {}, plan.get("quota") or {}
    wanted = (
        ("name", plan.get("name"), spec.PLAN_NAME),
        ("rateLimit", float(throttle.get("rateLimit") or 0), spec.RATE),
        ("burstLimit", int(throttle.get("burstLimit") or 0), spec.BURST),
        ("quota limit", int(quota.get("limit") or 0), spec.QUOTA),
        ("quota period", quota.get("period"), spec.PERIOD),
    )
    for what, got, want in wanted:
        if got != want:
            out.append(f"plan {plan.get('name')!r} has {what} {got!r}, the spec says {want!r}")
    return out


def check_lab07(lab: Any, template: Any, stack: str = spec.STACK) -> None:
    """Lab 07: the template deploys, and the ``orders`` API it makes behaves as the spec says."""
    __tracebackhide__ = True
    report = Report(t("done.title"))
    body, parsed = _template(template)
    _written(parsed)
    deployed = _Stack(lab, stack, parsed)
    status = deployed.deploy(body)
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        _explain_failure(deployed, status)
    if deployed.note:
        print(f"– {deployed.note}")
    report.ok(t("done.deployed", stack=stack, status=status))

    api = _Orders(lab, deployed)
    criterion = t("criteria.api", name=spec.API_NAME)
    described = api.apigw.get_rest_api(restApiId=api.api_id)
    types = (described.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if described.get("name") != spec.API_NAME or types != ["REGIONAL"]:
        fail(
            criterion,
            expected=f"name {spec.API_NAME!r}, endpoint type REGIONAL",
            got=f"name {described.get('name')!r}, endpoint type {', '.join(types)}",
            hint=t("fix.answer", what="the RestApi", step="1"),
        )
    report.ok(criterion)

    _rest(lab)
    criterion = t("criteria.no_key", path=spec.PATH)
    answer = api.post(criterion, spec.VALID, None)
    if answer.status_code < 300:
        method = api.method() or {}
        logical = (deployed.logical("AWS::ApiGateway::Method") or ["PostOrderMethod"])[0]
        if method.get("apiKeyRequired"):
            why, fix = _stale(api) or (t("why.other"), t("fix.stale", next="DeploymentV2"))
        else:
            why = t("why.no_key_required", method=spec.METHOD, path=spec.PATH)
            fix = t("fix.key_required", method_id=logical)
        fail(
            criterion,
            expected=t("expected.forbidden"),
            got=t("got.because", answer=describe(answer), why=why),
            hint=fix,
        )
    if answer.status_code != 403 or "Missing Authentication Token" in answer.text:
        _fail_answer(api, criterion, t("expected.forbidden"), answer)
    report.ok(criterion)

    criterion = t("criteria.valid", path=spec.PATH)
    key = api.key()
    if key is None:
        fail(
            criterion,
            expected=t("expected.resource", type="AWS::ApiGateway::ApiKey"),
            got=t("got.missing", type="AWS::ApiGateway::ApiKey", steps="5"),
            hint=t("fix.missing", step="5"),
        )
    value = str(key.get("value"))
    answer = api.post(criterion, spec.VALID, value)
    if answer.status_code != 201:
        _fail_answer(api, criterion, t("expected.created"), answer)
    try:
        order = answer.json()
    except ValueError:
        order = {}
    if not (
        order.get("item") == spec.VALID["item"] and order.get("quantity") == spec.VALID["quantity"]
    ):
        fail(
            criterion,
            expected=t("expected.created"),
            got=describe(answer),
            hint=t("fix.function"),
        )
    report.ok(f"{criterion}: {short(answer.text, 120)}")

    _invalid_bodies(api, value)
    report.ok(t("done.invalid", cases="; ".join(case for _, case in spec.INVALID)))

    _raised(api, value)
    report.ok(
        t("criteria.raised", raised=spec.RAISED["quantity"], too_many=spec.TOO_MANY["quantity"])
    )

    if lab.target == "moto":
        report.ok(_burst(api, value))
    else:
        print(t("done.aws_skipped", size=spec.BURST + 1))

    problems = _config_problems(api)
    if problems:
        fail(
            t("criteria.config"),
            expected=t(
                "expected.config",
                plan=spec.PLAN_NAME,
                stage=spec.STAGE,
                rate=f"{spec.RATE:g}",
                burst=spec.BURST,
                quota=f"{spec.QUOTA:,}",
                period=spec.PERIOD.lower(),
                key=spec.KEY_NAME,
            ),
            got=t("why.plan_settings", what="; ".join(problems)),
            hint=t("fix.plan_settings"),
        )
    report.ok(
        t(
            "done.config",
            plan=spec.PLAN_NAME,
            rate=f"{spec.RATE:g}",
            burst=spec.BURST,
            quota=f"{spec.QUOTA:,}",
            period=spec.PERIOD.lower(),
            key=spec.KEY_NAME,
        )
    )
    report.done()
