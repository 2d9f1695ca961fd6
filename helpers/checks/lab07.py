"""Lab 07's check: the learner's CloudFormation template for the ``orders`` API.

The check *deploys* the template as the stack ``orders-api`` (``create_stack`` the first
time — after deleting a stack a failed create left behind, as one must on AWS —
``update_stack`` after), then calls the API as the partner's system would: no key, the
partner's key with a valid order, invalid orders, the change of steps 6 and 7 (a larger
quantity), and on the moto target a burst past the plan's. A stack that failed is
explained from its first ``*_FAILED`` event; an answer that is wrong, from the stack's
resources as API Gateway describes them, the stack's events (a Deployment the last update
left alone) and, on the moto target, the emulator's trace.

Every learner-facing text is in ``helpers/messages/<lang>/lab07.toml`` (the spec is in
:mod:`.lab07_spec`); the notebook's ``hint = helpers.checks.hints("lab07")`` shows a step's
hints, the YAML of the solution's ``%%template`` cell last.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from ..cloudformation.display import events as stack_events
from ..cloudformation.display import wait
from . import lab07_spec as spec
from .common import (
    Catalogue,
    Report,
    account_id,
    call,
    describe,
    error_code,
    fail,
    gateway_reason,
    invoke_permission,
    messages,
    short,
)

__all__ = ["check_lab07"]

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


# ---------------------------------------------------------------------------- the template


def _template(t: Catalogue, template: Any) -> tuple[str, dict[str, Any]]:
    """(text, parsed) of a Template or a template's text; else a CheckFailed."""
    __tracebackhide__ = True
    from ..cloudformation.fragments import Template, load

    if isinstance(template, Template):
        return template.text, template.parsed()
    if isinstance(template, str) and template.strip():
        return template, load(template) or {}
    fail(
        t.text("criteria.written"),
        expected=t.text("expected.template"),
        got=t.text("got.no_template", value=template),
        hint=t.text("fix.template"),
    )


def _of_type(parsed: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    found = parsed.get("Resources") or {}
    return {k: v for k, v in found.items() if isinstance(v, dict) and v.get("Type") == type_name}


def _written(t: Catalogue, parsed: dict[str, Any]) -> None:
    __tracebackhide__ = True
    missing = [kind for kind in REQUIRED if not _of_type(parsed, kind)]
    if missing:
        steps = sorted({STEP_OF_TYPE[kind] for kind in missing})
        fail(
            t.text("criteria.written"),
            expected=t.text("expected.resource", type=missing[0]),
            got=t.text("got.missing", type=", ".join(missing), steps=", ".join(steps)),
            hint=t.text("fix.missing", step=STEP_OF_TYPE[missing[0]]),
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

    def __init__(self, lab: Any, name: str, parsed: dict[str, Any], texts: Catalogue) -> None:
        self.lab = lab
        self.name = name
        self.parsed = parsed
        self.texts = texts
        self.cf = lab.session.client("cloudformation", region_name=lab.region)
        self.stack_id = ""
        #: the status of a stack a failed create left, deleted before this deployment
        self.replaced = ""

    def deploy(self, body: str) -> str:
        """Create or update; return the stack's status when the operation ended."""
        found = self._found()
        if found is not None and found["StackStatus"].endswith("_IN_PROGRESS"):
            # the check run again while CloudFormation is still at work (on AWS a cell waits
            # 30 s at most): let that operation end rather than start another beside it
            wait(found["StackId"], client=self.cf)
            found = self._found()
        if found is not None and found["StackStatus"] in FAILED_STATES:
            self.replaced = found["StackStatus"]
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

    def _found(self) -> dict[str, Any] | None:
        """The stack as describe_stacks has it, or None (never created, or deleted)."""
        try:
            return self.cf.describe_stacks(StackName=self.name)["Stacks"][0]
        except ClientError as exc:
            if "does not exist" not in str(exc):
                raise
            return None

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
    t = stack.texts
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
        why = t.text("why.no_methods", deployment=logical)
        fix = t.text("fix.depends_on", method=", ".join(methods), deployment=logical)
    elif "No integration defined for method" in reason:
        why, fix = t.text("why.no_integration"), t.text("fix.integration")
    elif reason.startswith("Properties validation failed"):
        why, fix = t.text("why.schema"), t.text("fix.schema", step=STEP_OF_TYPE.get(kind, "1"))
    elif "Invalid API Stage" in reason:
        named = re.search(r"stage: ([^}]*)\}", reason)
        stage = named.group(1).strip() if named else spec.STAGE
        stages = _stage_names(stack.parsed)
        if stage in stages:
            why, fix = t.text("why.stage_order", stage=stage), t.text("fix.stage_order")
        else:
            why = t.text(
                "why.stage_name", stage=stage, stages=", ".join(stages) or t.text("why.none")
            )
            fix = t.text("fix.stage_name")
    else:
        why, fix = t.text("why.other"), t.text("fix.other")
    got = t.text(
        "got.stack_failed",
        stack=stack.name,
        status=status,
        resource=logical,
        type=kind,
        reason=reason,
    )
    fail(
        t.text("criteria.deploys", stack=stack.name),
        expected=t.text("expected.stack_ok", stack=stack.name),
        got=t.text("got.because", answer=got, why=why),
        hint=fix,
    )


# ---------------------------------------------------------------------------- the API


class _Orders:
    """The deployed API, as the control plane describes it (for diagnoses)."""

    def __init__(self, lab: Any, stack: _Stack) -> None:
        self.lab = lab
        self.stack = stack
        self.texts = stack.texts
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
        t = self.texts
        headers = {"x-api-key": key} if key else {}
        return call(
            self.lab,
            criterion,
            "POST",
            self.url,
            json=body,
            headers=headers,
            limitation_hint=t.text("fix.answer", what=t.text("part.post_method"), step="3"),
        )


def _stale(api: _Orders) -> tuple[str, str] | None:
    """(why, fix) when stage v1 serves a deployment made before the stack's last change to
    a method, model, validator or resource (the update left the Deployment alone)."""
    t = api.texts
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
        t.text(
            "why.stale",
            stage=spec.STAGE,
            deployment_id=deployment_id,
            logical=logical,
            changed=", ".join(changed),
        ),
        t.text("fix.stale", next=_next_id(logical)),
    )


def _next_id(logical: str) -> str:
    found = re.match(r"^(.*?)(\d+)$", logical)
    return f"{found.group(1)}{int(found.group(2)) + 1}" if found else f"{logical}V2"


def _missing_token(api: _Orders) -> tuple[str, str]:
    """Why the stage answered 403 Missing Authentication Token."""
    t = api.texts
    stages = api.stages()
    if spec.STAGE not in stages:
        return t.text(
            "why.no_stage", stage=spec.STAGE, stages=", ".join(stages) or t.text("why.none")
        ), t.text("fix.stage")
    paths = api.resources()
    if spec.PATH not in paths:
        return t.text("why.no_resource", path=spec.PATH, paths=", ".join(sorted(paths))), t.text(
            "fix.resource"
        )
    if api.method() is None:
        return t.text("why.no_method", path=spec.PATH, method=spec.METHOD), t.text("fix.method")
    return _stale(api) or (t.text("why.other"), t.text("fix.stale", next="DeploymentV2"))


def _forbidden(api: _Orders) -> tuple[str, str]:
    """Why a request with the partner's key answered 403 Forbidden."""
    t = api.texts
    key = api.key() or {}
    logical_key = (api.stack.logical("AWS::ApiGateway::ApiKey") or ["PartnerKey"])[0]
    logical_plan = (api.stack.logical("AWS::ApiGateway::UsagePlan") or ["PartnerPlan"])[0]
    name = key.get("name") or spec.KEY_NAME
    if not key.get("enabled"):
        return t.text("why.key_disabled", key=name), t.text("fix.key_enabled")
    plans = api.plans_of(key.get("id", ""))
    if not plans:
        return t.text("why.key_not_in_plan", key=name), t.text(
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
        return t.text(
            "why.plan_no_stage",
            key=name,
            plan=plans[0].get("name"),
            stages=named or t.text("why.none"),
        ), t.text("fix.plan_stage")
    return _stale(api) or (t.text("why.other"), t.text("fix.plan_settings"))


def _server_error(api: _Orders) -> tuple[str, str]:
    """Why the function was not invoked (500): its permission."""
    t = api.texts
    method = api.method() or {}
    uri = str((method.get("methodIntegration") or {}).get("uri") or "")
    found = re.search(r"functions/(arn:aws:lambda:[^/]+)/invocations", uri)
    if not found:
        return t.text("why.other"), t.text("fix.function")
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
        return t.text("why.other"), t.text("fix.function")
    if not arns:
        try:
            api.awslambda.get_policy(FunctionName=name)
        except ClientError:
            return t.text("why.no_policy", function=name), t.text("fix.permission")
    return (
        t.text(
            "why.wrong_source",
            function=name,
            source_arn=source,
            allowed=", ".join(arns) or t.text("why.none"),
        ),
        t.text("fix.permission"),
    )


def _explain(api: _Orders, response: requests.Response) -> tuple[str, str]:
    """(what happened, hint) for an answer the spec did not want."""
    t = api.texts
    status = response.status_code
    if status == 403 and "Missing Authentication Token" in response.text:
        why, fix = _missing_token(api)
    elif status == 403:
        why, fix = _forbidden(api)
    elif status == 500:
        why, fix = _server_error(api)
    elif status == 502:
        why, fix = t.text("why.function_failed"), t.text("fix.function")
    elif status == 429:
        kind = response.headers.get("x-amzn-ErrorType", "")
        why = t.text("why.quota") if "LimitExceeded" in kind else t.text("why.throttled")
        fix = t.text("fix.plan_settings")
    elif status == 400:
        why, fix = t.text("why.valid_refused"), t.text("fix.schema_spec", max=spec.MAX_QUANTITY)
    else:
        why, fix = (
            t.text("why.other"),
            t.text("fix.answer", what=t.text("part.post_method"), step="3"),
        )
    got = t.text("got.because", answer=describe(response), why=why)
    reason = gateway_reason(api.lab)
    if reason:
        got += "\n" + t.text("ui.gateway", reason=short(reason, 300))
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
    t = api.texts
    criterion = t.text("criteria.invalid")
    method = api.method() or {}
    validator_id = method.get("requestValidatorId")
    validator = {}
    if validator_id:
        validator = api.apigw.get_request_validator(
            restApiId=api.api_id, requestValidatorId=validator_id
        )
    stale = _stale(api)
    if not validator_id:
        why, fix = (
            t.text("why.no_validator", method=spec.METHOD, path=spec.PATH),
            t.text("fix.validator"),
        )
    elif not validator.get("validateRequestBody"):
        why, fix = (
            t.text("why.validator_no_body", validator=validator.get("name")),
            t.text("fix.validator_body"),
        )
    elif "application/json" not in (method.get("requestModels") or {}):
        why, fix = t.text("why.no_model", method=spec.METHOD, path=spec.PATH), t.text("fix.model")
    elif stale is not None:
        why, fix = stale
    else:
        why = t.text("why.model_allows", schema=json.dumps(api.model_schema()))
        fix = t.text("fix.schema_spec", max=spec.MAX_QUANTITY)
    fail(
        criterion,
        expected=t.text("expected.bad_body"),
        got=t.text(
            "got.because",
            answer=t.text("got.orders", case=case, answer=describe(response)),
            why=why,
        ),
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
    t = api.texts
    for body, case in spec.INVALID:
        answer = api.post(t.text("criteria.invalid"), body, key)
        if answer.status_code == 400 and "Invalid request body" in answer.text:
            continue
        if answer.status_code < 300 or answer.status_code == 502:
            _not_validated(api, t.text(f"case.{case}"), answer)
        _fail_answer(api, t.text("criteria.invalid"), t.text("expected.bad_body"), answer)


def _raised(api: _Orders, key: str) -> None:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text(
        "criteria.raised", raised=spec.RAISED["quantity"], too_many=spec.TOO_MANY["quantity"]
    )
    expected = t.text(
        "expected.raised",
        raised=spec.RAISED["quantity"],
        too_many=spec.TOO_MANY["quantity"],
        max=spec.MAX_QUANTITY,
    )
    answer = api.post(criterion, spec.RAISED, key)
    if answer.status_code == 400 and "Invalid request body" in answer.text:
        maximum = (api.model_schema().get("properties") or {}).get("quantity", {}).get("maximum")
        if maximum is not None and float(maximum) < spec.MAX_QUANTITY:
            why = t.text("why.model_max", maximum=maximum, max=spec.MAX_QUANTITY)
            fix = t.text("fix.raise_max", max=spec.MAX_QUANTITY)
        else:
            why, fix = _stale(api) or (
                t.text("why.valid_refused"),
                t.text("fix.schema_spec", max=spec.MAX_QUANTITY),
            )
        fail(
            criterion,
            expected=expected,
            got=t.text(
                "got.because",
                answer=t.text(
                    "got.orders",
                    case=t.text("case.quantity", quantity=spec.RAISED["quantity"]),
                    answer=describe(answer),
                ),
                why=why,
            ),
            hint=fix,
        )
    if answer.status_code != 201:
        _fail_answer(api, criterion, expected, answer)
    answer = api.post(criterion, spec.TOO_MANY, key)
    if answer.status_code != 400:
        why = t.text("why.model_allows", schema=json.dumps(api.model_schema()))
        fail(
            criterion,
            expected=expected,
            got=t.text(
                "got.because",
                answer=t.text(
                    "got.orders",
                    case=t.text("case.quantity", quantity=spec.TOO_MANY["quantity"]),
                    answer=describe(answer),
                ),
                why=why,
            ),
            hint=t.text("fix.schema_spec", max=spec.MAX_QUANTITY),
        )


def _burst(api: _Orders, key: str) -> str:
    __tracebackhide__ = True
    t = api.texts
    size = spec.BURST + 1
    criterion = t.text("criteria.burst", size=size, burst=spec.BURST)
    _rest(api.lab)
    answers = [api.post(criterion, spec.VALID, key) for _ in range(size)]
    statuses = [a.status_code for a in answers]
    if statuses == [201] * spec.BURST + [429]:
        plan = (api.plans_of((api.key() or {}).get("id", "")) or [{}])[0]
        return t.text("done.burst", size=size, burst=spec.BURST, plan=plan.get("name"))
    tally = ", ".join(str(s) for s in statuses)
    wrong = next((a for a in answers if a.status_code not in (201, 429)), None)
    if wrong is not None:
        _fail_answer(api, criterion, t.text("expected.burst", burst=spec.BURST), wrong)
    problems = _config_problems(api)
    fail(
        criterion,
        expected=t.text("expected.burst", burst=spec.BURST),
        got=t.text(
            "got.because", answer=t.text("got.burst", size=size, tally=tally), why=problems[0]
        )
        if problems
        else t.text("got.burst", size=size, tally=tally),
        hint=t.text("fix.plan_settings"),
    )


def _config_problems(api: _Orders) -> list[str]:
    t = api.texts
    key = api.key() or {}
    out: list[str] = []
    if key.get("name") != spec.KEY_NAME:
        out.append(t.text("why.key_name", name=key.get("name"), spec=spec.KEY_NAME))
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
        return [*out, t.text("why.no_plan", key=spec.KEY_NAME, stage=spec.STAGE)]
    throttle, quota = plan.get("throttle") or {}, plan.get("quota") or {}
    wanted = (
        ("name", plan.get("name"), spec.PLAN_NAME),
        ("rateLimit", float(throttle.get("rateLimit") or 0), spec.RATE),
        ("burstLimit", int(throttle.get("burstLimit") or 0), spec.BURST),
        ("quota.limit", int(quota.get("limit") or 0), spec.QUOTA),
        ("quota.period", quota.get("period"), spec.PERIOD),
    )
    for what, got, want in wanted:
        if got != want:
            out.append(
                t.text("why.plan_value", plan=plan.get("name"), what=what, got=got, want=want)
            )
    return out


def check_lab07(lab: Any, template: Any, stack: str = spec.STACK) -> None:
    """Lab 07: the template deploys, and the ``orders`` API it makes behaves as the spec says."""
    __tracebackhide__ = True
    t = messages("lab07")
    report = Report(t.text("done.title"))
    body, parsed = _template(t, template)
    _written(t, parsed)
    deployed = _Stack(lab, stack, parsed, t)
    status = deployed.deploy(body)
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        _explain_failure(deployed, status)
    if deployed.replaced:
        print(t.text("done.rolled_back", status=deployed.replaced))
    report.ok(t.text("done.deployed", stack=stack, status=status))

    api = _Orders(lab, deployed)
    criterion = t.text("criteria.api", name=spec.API_NAME)
    described = api.apigw.get_rest_api(restApiId=api.api_id)
    types = (described.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if described.get("name") != spec.API_NAME or types != ["REGIONAL"]:
        fail(
            criterion,
            expected=t.text("expected.api", name=spec.API_NAME),
            got=t.text("got.api", name=described.get("name"), types=", ".join(types)),
            hint=t.text("fix.answer", what=t.text("part.rest_api"), step="1"),
        )
    report.ok(criterion)

    _rest(lab)
    criterion = t.text("criteria.no_key", path=spec.PATH)
    answer = api.post(criterion, spec.VALID, None)
    if answer.status_code < 300:
        method = api.method() or {}
        logical = (deployed.logical("AWS::ApiGateway::Method") or ["PostOrderMethod"])[0]
        if method.get("apiKeyRequired"):
            why, fix = _stale(api) or (
                t.text("why.other"),
                t.text("fix.stale", next="DeploymentV2"),
            )
        else:
            why = t.text("why.no_key_required", method=spec.METHOD, path=spec.PATH)
            fix = t.text("fix.key_required", method_id=logical)
        fail(
            criterion,
            expected=t.text("expected.forbidden"),
            got=t.text("got.because", answer=describe(answer), why=why),
            hint=fix,
        )
    if answer.status_code != 403 or "Missing Authentication Token" in answer.text:
        _fail_answer(api, criterion, t.text("expected.forbidden"), answer)
    report.ok(criterion)

    criterion = t.text("criteria.valid", path=spec.PATH)
    key = api.key()
    if key is None:
        fail(
            criterion,
            expected=t.text("expected.resource", type="AWS::ApiGateway::ApiKey"),
            got=t.text("got.missing", type="AWS::ApiGateway::ApiKey", steps="5"),
            hint=t.text("fix.missing", step="5"),
        )
    value = str(key.get("value"))
    answer = api.post(criterion, spec.VALID, value)
    if answer.status_code != 201:
        _fail_answer(api, criterion, t.text("expected.created"), answer)
    try:
        order = answer.json()
    except ValueError:
        order = {}
    if not (
        order.get("item") == spec.VALID["item"] and order.get("quantity") == spec.VALID["quantity"]
    ):
        fail(
            criterion,
            expected=t.text("expected.created"),
            got=describe(answer),
            hint=t.text("fix.function"),
        )
    report.ok(t.text("done.valid", criterion=criterion, answer=short(answer.text, 120)))

    _invalid_bodies(api, value)
    report.ok(
        t.text("done.invalid", cases="; ".join(t.text(f"case.{case}") for _, case in spec.INVALID))
    )

    _raised(api, value)
    report.ok(
        t.text(
            "criteria.raised", raised=spec.RAISED["quantity"], too_many=spec.TOO_MANY["quantity"]
        )
    )

    if lab.target == "moto":
        report.ok(_burst(api, value))
    else:
        print(t.text("done.aws_skipped", size=spec.BURST + 1))

    problems = _config_problems(api)
    if problems:
        fail(
            t.text("criteria.config"),
            expected=t.text(
                "expected.config",
                plan=spec.PLAN_NAME,
                stage=spec.STAGE,
                rate=f"{spec.RATE:g}",
                burst=spec.BURST,
                quota=f"{spec.QUOTA:,}",
                period=spec.PERIOD.lower(),
                key=spec.KEY_NAME,
            ),
            got=t.text("why.plan_settings", what="; ".join(problems)),
            hint=t.text("fix.plan_settings"),
        )
    report.ok(
        t.text(
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
