"""Lab 06's checks: ship v2 of the ``quotes-api`` safely.

``check_lab06_canary(lab, api_id, "prod")`` runs while the canary is live. It drives
traffic through both deployments — on the moto target with the traffic simulator, on the lab
clock; on a real account with a few dozen requests — and expects every answer to be 200,
about 10 % of them from the canary, the canary answering version 2 (through the alias
``next``) and the stage's own deployment version 1 (through ``live``).

``check_lab06(lab, api_id, "prod", canary_metrics)`` runs after the decision. The canary's
own metrics since its deployment (``Stage`` = ``prod/Canary``) say what the decision should
have been: promote under a 1 % 5XXError rate, else roll back. It checks that
``canary_metrics`` are the canary's numbers (not the stage's), that the stage no longer has
a canary, that it serves the canary's deployment (promoted) or its old one (rolled back) as
the metrics demand, and that every answer now comes from the right version.

A failure explains itself from the configuration: the alias, the invoke permission of the
alias (per qualifier), the canary settings, the stage's deployment and variables. Hints come
in steps (a nudge, the documentation page, then the call): the failure shows the first two,
:func:`lab06_hint` the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from ..traffic import Client, simulate
from . import lab06_spec as spec
from .common import (
    Report,
    RestApiView,
    account_id,
    call,
    check_api,
    check_inputs,
    describe,
    error_code,
    fail,
    gateway_reason,
)

__all__ = ["check_lab06", "check_lab06_canary", "lab06_hint"]

_hint_level: dict[str, int] = {}
#: api id -> the canary deployment check_lab06_canary found (the final check decides on it)
_canary_seen: dict[str, str] = {}


def lab06_hint(step: str, level: int | None = None) -> None:
    """Print the next hint for a step of lab 06 (``"version"``, ``"alias"``,
    ``"permission"``, ``"canary"``, ``"metrics"``, ``"promote"``, ``"rollback"``): first a
    nudge, then the documentation page, then the call. ``level`` (1-3) picks one."""
    if step not in spec.HINTS:
        print(f"no hints for {step!r}: ask for one of {', '.join(spec.HINTS)}")
        return
    shown = level if level is not None else min(_hint_level.get(step, 0) + 1, 3)
    _hint_level[step] = max(_hint_level.get(step, 0), shown)
    labels = ("a nudge", "the documentation", "the call")
    print(f"Hint {shown}/3 for {step} ({labels[shown - 1]}):")
    print(spec.HINTS[step][shown - 1])


# ---------------------------------------------------------------------------- the learner's API


class QuotesApi:
    """The learner's quotes API and function, as the control plane describes them."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        self.lab = lab
        self.api_id = api_id
        self.stage = stage
        self.view = RestApiView(lab, api_id, stage)
        self.apigw = self.view.apigw
        self.lam = lab.session.client("lambda", region_name=lab.region)
        self.cloudwatch = lab.session.client("cloudwatch", region_name=lab.region)
        self.url = lab.invoke_url(api_id, stage, spec.PATH)

    def stage_config(self) -> dict[str, Any]:
        return self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)

    def canary_deployment(self) -> dict[str, Any]:
        """The deployment the canary ran: the one ``check_lab06_canary`` saw, else the
        newest (by creation time, then by the order the API lists them)."""
        items = self.apigw.get_deployments(restApiId=self.api_id, limit=500)["items"]
        seen = _canary_seen.get(self.api_id)
        for item in items:
            if item["id"] == seen:
                return item
        order = {d["id"]: i for i, d in enumerate(items)}
        return max(items, key=lambda d: (d["createdDate"], order[d["id"]]))

    def alias_version(self, alias: str) -> str | None:
        try:
            return str(
                self.lam.get_alias(FunctionName=spec.FUNCTION, Name=alias)["FunctionVersion"]
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise

    def invoke_alias(self, alias: str) -> str | None:
        """The version the function answers with through ``alias`` (a direct invoke)."""
        answer = self.lam.invoke(
            FunctionName=spec.FUNCTION,
            Qualifier=alias,
            Payload=json.dumps({"queryStringParameters": {"day": "0"}}),
        )
        try:
            return json.loads(json.loads(answer["Payload"].read())["body"]).get("version")
        except (ValueError, KeyError, TypeError):
            return None

    def source_arn(self) -> str:
        region = self.lab.region
        return f"arn:aws:execute-api:{region}:{account_id(self.lab)}:{self.api_id}/{self.stage}/GET/{spec.PATH}"

    def alias_may_be_invoked(self, alias: str) -> bool:
        """Whether the alias's resource-based policy lets this stage's GET /quote invoke it
        (Lambda policies are per qualifier)."""
        from ..gateway import policy as iam_policy

        try:
            text = self.lam.get_policy(FunctionName=spec.FUNCTION, Qualifier=alias)["Policy"]
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return False
        region = self.lab.region
        arn = f"arn:aws:lambda:{region}:{account_id(self.lab)}:function:{spec.FUNCTION}:{alias}"
        decision = iam_policy.evaluate(
            iam_policy.statements_of(json.loads(text)),
            action="lambda:InvokeFunction",
            resource=arn,
            principal={"Service": ["apigateway.amazonaws.com"]},
            context={"AWS:SourceArn": self.source_arn(), "AWS:SourceAccount": account_id(self.lab)},
        )
        return bool(decision.allowed)

    def metric_sums(self, stage_value: str, since: dt.datetime) -> dict[str, int]:
        """``Count`` and ``5XXError`` sums for ``Stage`` = ``stage_value`` since ``since``."""
        end = self.lab.clock.datetime() + dt.timedelta(minutes=1)
        out = {}
        for metric in ("Count", "5XXError"):
            points = self.cloudwatch.get_metric_statistics(
                Namespace="AWS/ApiGateway",
                MetricName=metric,
                Dimensions=[
                    {"Name": "ApiName", "Value": spec.NAME},
                    {"Name": "Stage", "Value": stage_value},
                ],
                StartTime=since - dt.timedelta(minutes=1),
                EndTime=end,
                Period=60,
                Statistics=["Sum"],
            )["Datapoints"]
            out[metric] = int(sum(p["Sum"] for p in points))
        return out


def _fail(
    criterion: str, *, expected: str, got: str, step: str | None = None, hint: str = ""
) -> NoReturn:
    __tracebackhide__ = True
    text = spec.hint_text(step) if step else hint
    fail(criterion, expected=expected, got=got, hint=text)


def _version(response: requests.Response) -> str | None:
    try:
        return str(response.json().get("version"))
    except (ValueError, AttributeError):
        return None


# ---------------------------------------------------------------------------- criteria


def _alias_criterion(api: QuotesApi, report: Report) -> None:
    __tracebackhide__ = True
    criterion = f"the alias {spec.NEXT} of {spec.FUNCTION} runs version 2"
    version = api.alias_version(spec.NEXT)
    if version is None:
        _fail(criterion, expected=f"an alias {spec.NEXT!r}", got="no such alias", step="alias")
    answered = api.invoke_alias(spec.NEXT)
    if answered != "2":
        step = "version" if version in ("$LATEST", api.alias_version(spec.LIVE)) else "alias"
        _fail(
            criterion,
            expected=f"{spec.NEXT} -> a published version whose code answers version 2",
            got=f"{spec.NEXT} -> version {version}, which answers version {answered}",
            step=step,
        )
    live = api.invoke_alias(spec.LIVE)
    if live != "1":
        _fail(
            criterion,
            expected=f"{spec.LIVE} still on version 1 (production until the canary proves v2)",
            got=f"{spec.LIVE} -> version {api.alias_version(spec.LIVE)}, answering version {live}",
            hint=f'lam.update_alias(FunctionName=FUNCTION, Name="{spec.LIVE}", FunctionVersion="1")',
        )
    report.ok(criterion)


def _canary_config_criterion(api: QuotesApi, report: Report) -> None:
    __tracebackhide__ = True
    criterion = (
        f"stage {api.stage} has a {spec.PERCENT:g} % canary that sees {spec.VARIABLE}={spec.NEXT}"
    )
    stage = api.stage_config()
    canary = stage.get("canarySettings")
    if not canary:
        _fail(criterion, expected="canarySettings on the stage", got="no canary", step="canary")
    _canary_seen[api.api_id] = canary.get("deploymentId") or ""
    overrides = canary.get("stageVariableOverrides") or {}
    percent = float(canary.get("percentTraffic") or 0)
    if overrides.get(spec.VARIABLE) != spec.NEXT:
        _fail(
            criterion,
            expected=f'stageVariableOverrides {{"{spec.VARIABLE}": "{spec.NEXT}"}}',
            got=f"stageVariableOverrides {json.dumps(overrides)}",
            step="canary",
        )
    if percent != spec.PERCENT:
        _fail(
            criterion,
            expected=f"percentTraffic {spec.PERCENT:g}",
            got=f"percentTraffic {percent:g}",
            hint='apigateway.update_stage(..., patchOperations=[{"op": "replace", '
            f'"path": "/canarySettings/percentTraffic", "value": "{spec.PERCENT:g}"}}])',
        )
    if (stage.get("variables") or {}).get(spec.VARIABLE) != spec.LIVE:
        _fail(
            criterion,
            expected=f"the stage's own variables unchanged: {spec.VARIABLE}={spec.LIVE}",
            got=f"variables {json.dumps(stage.get('variables') or {})}",
            hint="Only the canary sees the new alias: put it in stageVariableOverrides and "
            f'set the stage\'s variable back: replace /variables/{spec.VARIABLE} = "{spec.LIVE}".',
        )
    report.ok(criterion)


def _failed_canary_reason(api: QuotesApi) -> str | None:
    """moto: why API Gateway answered a canary request with an error (its trace)."""
    if api.lab.target != "moto":
        return None
    for _ in range(60):
        answer = requests.get(api.url, timeout=30)
        if answer.status_code >= 500:
            return gateway_reason(api.lab)
    return None


def _canary_errors(api: QuotesApi, criterion: str, got: str) -> NoReturn:
    __tracebackhide__ = True
    reason = _failed_canary_reason(api)
    if not api.alias_may_be_invoked(spec.NEXT):
        _fail(
            criterion,
            expected="every answer 200, the canary's too",
            got=got
            + f"\nbecause API Gateway may not invoke {spec.FUNCTION}:{spec.NEXT}"
            + (f" ({reason})" if reason else ""),
            step="permission",
        )
    _fail(
        criterion,
        expected="every answer 200, the canary's too",
        got=got + (f"\nbecause {reason}" if reason else ""),
        hint="Call the canary's alias directly (lam.invoke(FunctionName=FUNCTION, "
        f'Qualifier="{spec.NEXT}")) and read its error.',
    )


def _traffic_criterion(api: QuotesApi, report: Report) -> None:
    __tracebackhide__ = True
    criterion = "traffic through both deployments: ~10 % canary on version 2, the rest on version 1"
    lab = api.lab
    if lab.target == "moto":
        run = simulate(
            lab,
            lab.invoke_url(api.api_id, api.stage),
            [Client("check", spec.LOAD_RATE, path=spec.PATH)],
            spec.LOAD_SECONDS,
        )
        total = len(run.outcomes)
        branches = Counter(("canary" if o.canary else "stage", o.status) for o in run.outcomes)
        summary = ", ".join(f"{n} × {b} {s}" for (b, s), n in sorted(branches.items()))
        if any(s != 200 for _, s in branches):
            if any(b == "canary" and s != 200 for b, s in branches):
                _canary_errors(api, criterion, f"{total} requests: {summary}")
            _fail(
                criterion,
                expected="every answer 200",
                got=f"{total} requests: {summary}",
                hint="The stage's own deployment should answer as before the lab: its "
                f"variable {spec.VARIABLE}={spec.LIVE}, the alias {spec.LIVE} on version 1.",
            )
        share = 100 * sum(n for (b, _), n in branches.items() if b == "canary") / max(total, 1)
        if abs(share - spec.PERCENT) > spec.SHARE_SLACK:
            _fail(
                criterion,
                expected=f"about {spec.PERCENT:g} % canary answers",
                got=f"{share:.0f} % ({summary})",
                step="canary",
            )
        seen = _sample_branches(api)
    else:
        seen = _sample_versions(api, criterion)
    if seen.get("canary") not in (None, "2") or seen.get("stage") != "1":
        _fail(
            criterion,
            expected="the canary answering version 2, the stage's deployment version 1",
            got=", ".join(f"{b} answered version {v}" for b, v in seen.items()),
            step="canary" if seen.get("canary") != "2" else "alias",
        )
    if "canary" not in seen:
        _fail(criterion, expected="some answers from version 2", got="none", step="canary")
    report.ok(criterion)


def _sample_branches(api: QuotesApi) -> dict[str, str | None]:
    """moto: a few requests until each branch answered once; the trace says which."""
    seen: dict[str, str | None] = {}
    for _ in range(60):
        answer = requests.get(api.url, timeout=30)
        trace = api.lab.last_trace()
        branch = (
            "canary"
            if any(e.step == "canary" and e.decision.startswith("canary") for e in trace.entries)
            else "stage"
        )
        seen.setdefault(branch, _version(answer))
        if len(seen) == 2:
            break
    return seen


def _sample_versions(api: QuotesApi, criterion: str) -> dict[str, str | None]:
    """aws: which versions answer (the canary is the one answering version 2)."""
    __tracebackhide__ = True
    answers = [call(api.lab, criterion, "GET", api.url) for _ in range(spec.AWS_REQUESTS)]
    bad = [a for a in answers if a.status_code != 200]
    if bad:
        _canary_errors(api, criterion, f"{len(bad)} of {len(answers)}: {describe(bad[0])}")
    versions = Counter(_version(a) for a in answers)
    seen: dict[str, str | None] = {"stage": "1" if versions.get("1") else next(iter(versions))}
    if versions.get("2"):
        seen["canary"] = "2"
    return seen


# ---------------------------------------------------------------------------- the checks


def check_lab06_canary(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """The canary is live: v2 through the alias next, 10 % of prod, both deployments 200."""
    __tracebackhide__ = True
    check_inputs(
        lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab06_canary"
    )
    api = QuotesApi(lab, api_id, stage)
    report = Report("the canary is live; now watch its metrics")
    report.ok(check_api(api.view, spec.NAME))
    _alias_criterion(api, report)
    _canary_config_criterion(api, report)
    _traffic_criterion(api, report)
    report.done()


def _metrics_criterion(
    api: QuotesApi, report: Report, canary_metrics: Any, since: dt.datetime
) -> dict[str, int]:
    __tracebackhide__ = True
    criterion = "canary_metrics are the canary's Count and 5XXError (Stage prod/Canary)"
    if not isinstance(canary_metrics, dict) or not {"Count", "5XXError"} <= set(canary_metrics):
        _fail(
            criterion,
            expected='canary_metrics = {"Count": <sum>, "5XXError": <sum>}',
            got=repr(canary_metrics),
            step="metrics",
        )
    count, errors = int(canary_metrics["Count"] or 0), int(canary_metrics["5XXError"] or 0)
    if count <= 0 or not 0 <= errors <= count:
        _fail(
            criterion,
            expected="a Count above 0 and at most Count errors",
            got=f"Count {count}, 5XXError {errors}",
            step="metrics",
        )
    canary = api.metric_sums(spec.CANARY_STAGE, since)
    if api.lab.target == "moto" and (count > canary["Count"] or errors > canary["5XXError"]):
        stage = api.metric_sums(spec.STAGE, since)
        looks_like_stage = count <= stage["Count"] + canary["Count"]
        _fail(
            criterion,
            expected=f"at most the canary's {canary['Count']} requests and "
            f"{canary['5XXError']} errors since its deployment",
            got=f"Count {count}, 5XXError {errors}"
            + (" — the stage's own numbers (Stage=prod)?" if looks_like_stage else ""),
            step="metrics",
        )
    report.ok(criterion)
    return canary


def check_lab06(lab: Any, api_id: Any, stage: Any = spec.STAGE, canary_metrics: Any = None) -> None:
    """After the decision: promoted (error rate under 1 %) or rolled back, as the canary's
    metrics demand, with every answer from the right version."""
    __tracebackhide__ = True
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab06")
    api = QuotesApi(lab, api_id, stage)
    report = Report("v2 shipped safely")
    report.ok(check_api(api.view, spec.NAME))
    newest = api.canary_deployment()
    since = newest["createdDate"]
    canary = _metrics_criterion(api, report, canary_metrics, since)
    rate = canary["5XXError"] / canary["Count"] if canary["Count"] else 0.0
    promote = canary["Count"] > 0 and rate < spec.ERROR_BUDGET
    verdict = (
        f"the canary's 5XXError rate was {rate:.1%} ({canary['5XXError']} of {canary['Count']}"
        f" since its deployment {newest['id']}): {'promote' if promote else 'roll back'}"
    )
    criterion = f"the decision follows the metrics: {'promoted' if promote else 'rolled back'}"
    config = api.stage_config()
    left = config.get("canarySettings")
    if left:
        percent = float(left.get("percentTraffic") or 0)
        _fail(
            criterion,
            expected="no canary on the stage",
            got=f"a canary at {percent:g} %"
            + (" (promotion copied it; now remove the settings)" if percent == 0 else ""),
            step="promote" if promote else "rollback",
            hint="",
        )
    served = config["deploymentId"]
    if promote and served != newest["id"]:
        _fail(
            criterion,
            expected=f"prod serving the canary's deployment {newest['id']} ({verdict})",
            got=f"prod serving deployment {served}",
            step="promote",
        )
    if not promote and served == newest["id"]:
        _fail(
            criterion,
            expected=f"prod back on its own deployment ({verdict})",
            got=f"prod serving the canary's deployment {served}",
            step="rollback",
        )
    report.ok(criterion + f" ({verdict})")
    wanted = "2" if promote else "1"
    criterion = f"every answer now comes from version {wanted}"
    answers = [call(lab, criterion, "GET", api.url) for _ in range(20)]
    versions = Counter(_version(a) if a.status_code == 200 else describe(a) for a in answers)
    if set(versions) != {wanted}:
        variables = config.get("variables") or {}
        _fail(
            criterion,
            expected=f"20 × version {wanted}",
            got=", ".join(f"{n} × {v}" for v, n in versions.items())
            + f" (stage variables {json.dumps(variables)})",
            step="promote" if promote else "rollback",
        )
    report.ok(criterion)
    report.done()
