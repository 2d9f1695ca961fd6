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
alias (per qualifier), the canary settings, the stage's deployment and variables. Its hint
says what the step wants and names the documentation page; the call itself comes only on
request, from the lab's hints (``hint(N, 3)``). Every learner-facing text is in
``helpers/messages/<lang>/lab06.toml``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from .. import docs
from ..traffic import Client, simulate
from . import lab06_spec as spec
from .common import (
    Catalogue,
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
    messages,
)

__all__ = ["check_lab06", "check_lab06_canary"]

#: api id -> the canary deployment check_lab06_canary found (the final check decides on it)
_canary_seen: dict[str, str] = {}


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
        self.texts: Catalogue = messages("lab06")

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


def _step_hint(
    t: Catalogue, step: str, fix: str, pages: Sequence[str] | None = None, **values: Any
) -> str:
    """A failure's hint for ``step``: what to do (``fix.<fix>``), the documentation page(s)
    (the step's, or ``pages``), and how to get the call — never the call itself."""
    keys = pages if pages is not None else t.hint(step).get("pages", [])
    lines = [t.text(f"fix.{fix}", **values)]
    lines += [str(docs.page(key)) for key in keys]
    lines.append(t.text("ui.hint_more_call", step=step, next=3))
    return "\n".join(lines)


def _fail(
    api: QuotesApi,
    criterion: str,
    *,
    expected: str,
    got: str,
    step: str | None = None,
    fix: str = "",
    pages: Sequence[str] | None = None,
    hint: str = "",
) -> NoReturn:
    """Raise CheckFailed; with ``step``, the hint is that step's (see :func:`_step_hint`)."""
    __tracebackhide__ = True
    if step is not None:
        hint = _step_hint(
            api.texts,
            step,
            fix,
            pages,
            function=spec.FUNCTION,
            alias=spec.NEXT,
            canary_stage=spec.CANARY_STAGE,
        )
    fail(criterion, expected=expected, got=got, hint=hint)


def _version(response: requests.Response) -> str | None:
    try:
        return str(response.json().get("version"))
    except (ValueError, AttributeError):
        return None


def _percent(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------------------- criteria


def _alias_criterion(api: QuotesApi, report: Report) -> None:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.alias", alias=spec.NEXT, function=spec.FUNCTION)
    version = api.alias_version(spec.NEXT)
    if version is None:
        _fail(
            api,
            criterion,
            expected=t.text("expected.alias", alias=spec.NEXT),
            got=t.text("got.no_alias"),
            step="1",
            fix="alias",
        )
    answered = api.invoke_alias(spec.NEXT)
    if answered != "2":
        unpublished = version in ("$LATEST", api.alias_version(spec.LIVE))
        _fail(
            api,
            criterion,
            expected=t.text("expected.alias_v2", alias=spec.NEXT),
            got=t.text("got.alias_version", alias=spec.NEXT, version=version, answered=answered),
            step="1",
            fix="version" if unpublished else "alias",
        )
    live = api.invoke_alias(spec.LIVE)
    if live != "1":
        _fail(
            api,
            criterion,
            expected=t.text("expected.live_v1", alias=spec.LIVE),
            got=t.text(
                "got.live_version",
                alias=spec.LIVE,
                version=api.alias_version(spec.LIVE),
                answered=live,
            ),
            hint=t.text("fix.live", alias=spec.LIVE),
        )
    report.ok(criterion)


def _canary_config_criterion(api: QuotesApi, report: Report) -> None:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text(
        "criteria.canary",
        stage=api.stage,
        percent=_percent(spec.PERCENT),
        variable=spec.VARIABLE,
        alias=spec.NEXT,
    )
    stage = api.stage_config()
    canary = stage.get("canarySettings")
    if not canary:
        _fail(
            api,
            criterion,
            expected=t.text("expected.canary"),
            got=t.text("got.no_canary"),
            step="3",
            fix="canary",
        )
    _canary_seen[api.api_id] = canary.get("deploymentId") or ""
    overrides = canary.get("stageVariableOverrides") or {}
    percent = float(canary.get("percentTraffic") or 0)
    if overrides.get(spec.VARIABLE) != spec.NEXT:
        _fail(
            api,
            criterion,
            expected=t.text("expected.overrides", variable=spec.VARIABLE, alias=spec.NEXT),
            got=t.text("got.overrides", overrides=json.dumps(overrides)),
            step="3",
            fix="canary",
        )
    if percent != spec.PERCENT:
        _fail(
            api,
            criterion,
            expected=t.text("expected.percent", percent=_percent(spec.PERCENT)),
            got=t.text("got.percent", percent=_percent(percent)),
            hint=t.text("fix.percent", percent=_percent(spec.PERCENT)),
        )
    if (stage.get("variables") or {}).get(spec.VARIABLE) != spec.LIVE:
        _fail(
            api,
            criterion,
            expected=t.text("expected.variables", variable=spec.VARIABLE, alias=spec.LIVE),
            got=t.text("got.variables", variables=json.dumps(stage.get("variables") or {})),
            hint=t.text("fix.stage_variable", variable=spec.VARIABLE, alias=spec.LIVE),
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
    t = api.texts
    reason = _failed_canary_reason(api)
    expected = t.text("expected.all_200_canary")
    if not api.alias_may_be_invoked(spec.NEXT):
        why = t.text("why.no_permission", function=spec.FUNCTION, alias=spec.NEXT)
        if reason:
            why += " " + t.text("ui.gateway", reason=reason)
        _fail(
            api,
            criterion,
            expected=expected,
            got=got + "\n" + t.text("ui.because", why=why),
            step="2",
            fix="permission",
        )
    _fail(
        api,
        criterion,
        expected=expected,
        got=got + ("\n" + t.text("ui.because", why=reason) if reason else ""),
        hint=t.text("fix.invoke", alias=spec.NEXT),
    )


def _traffic_criterion(api: QuotesApi, report: Report) -> None:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.traffic", percent=_percent(spec.PERCENT))
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
        summary = ", ".join(
            t.text("got.branch", n=n, branch=t.text(f"branch.{b}"), status=s)
            for (b, s), n in sorted(branches.items())
        )
        load = t.text("got.load", total=total, summary=summary)
        if any(s != 200 for _, s in branches):
            if any(b == "canary" and s != 200 for b, s in branches):
                _canary_errors(api, criterion, load)
            _fail(
                api,
                criterion,
                expected=t.text("expected.all_200"),
                got=load,
                hint=t.text("fix.stage_errors", variable=spec.VARIABLE, alias=spec.LIVE),
            )
        share = 100 * sum(n for (b, _), n in branches.items() if b == "canary") / max(total, 1)
        if abs(share - spec.PERCENT) > spec.SHARE_SLACK:
            _fail(
                api,
                criterion,
                expected=t.text("expected.share", percent=_percent(spec.PERCENT)),
                got=t.text("got.share", share=f"{share:.0f}", summary=summary),
                step="3",
                fix="canary",
            )
        seen = _sample_branches(api)
    else:
        seen = _sample_versions(api, criterion)
    if seen.get("canary") not in (None, "2") or seen.get("stage") != "1":
        wrong_canary = seen.get("canary") != "2"
        _fail(
            api,
            criterion,
            expected=t.text("expected.versions"),
            got=", ".join(
                t.text("got.answered", branch=t.text(f"branch.{b}"), version=v)
                for b, v in seen.items()
            ),
            step="3" if wrong_canary else "1",
            fix="canary" if wrong_canary else "alias",
        )
    if "canary" not in seen:
        _fail(
            api,
            criterion,
            expected=t.text("expected.some_v2"),
            got=t.text("got.none"),
            step="3",
            fix="canary",
        )
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
        _canary_errors(
            api,
            criterion,
            api.texts.text("got.bad", bad=len(bad), total=len(answers), answer=describe(bad[0])),
        )
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
    report = Report(api.texts.text("report.canary"))
    report.ok(check_api(api.view, spec.NAME))
    _alias_criterion(api, report)
    _canary_config_criterion(api, report)
    _traffic_criterion(api, report)
    report.done()


def _metrics_criterion(
    api: QuotesApi, report: Report, canary_metrics: Any, since: dt.datetime
) -> dict[str, int]:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.metrics", canary_stage=spec.CANARY_STAGE)
    if not isinstance(canary_metrics, dict) or not {"Count", "5XXError"} <= set(canary_metrics):
        _fail(
            api,
            criterion,
            expected=t.text("expected.metrics"),
            got=repr(canary_metrics),
            step="4",
            fix="metrics",
        )
    count, errors = int(canary_metrics["Count"] or 0), int(canary_metrics["5XXError"] or 0)
    if count <= 0 or not 0 <= errors <= count:
        _fail(
            api,
            criterion,
            expected=t.text("expected.metrics_range"),
            got=t.text("got.metrics", count=count, errors=errors),
            step="4",
            fix="metrics",
        )
    canary = api.metric_sums(spec.CANARY_STAGE, since)
    if api.lab.target == "moto" and (count > canary["Count"] or errors > canary["5XXError"]):
        stage = api.metric_sums(spec.STAGE, since)
        looks_like_stage = count <= stage["Count"] + canary["Count"]
        _fail(
            api,
            criterion,
            expected=t.text(
                "expected.metrics_canary", count=canary["Count"], errors=canary["5XXError"]
            ),
            got=t.text("got.metrics", count=count, errors=errors)
            + (t.text("got.stage_numbers", stage=spec.STAGE) if looks_like_stage else ""),
            step="4",
            fix="metrics",
        )
    report.ok(criterion)
    return canary


def check_lab06(lab: Any, api_id: Any, stage: Any = spec.STAGE, canary_metrics: Any = None) -> None:
    """After the decision: promoted (error rate under 1 %) or rolled back, as the canary's
    metrics demand, with every answer from the right version."""
    __tracebackhide__ = True
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab06")
    api = QuotesApi(lab, api_id, stage)
    t = api.texts
    report = Report(t.text("report.title"))
    report.ok(check_api(api.view, spec.NAME))
    newest = api.canary_deployment()
    since = newest["createdDate"]
    canary = _metrics_criterion(api, report, canary_metrics, since)
    rate = canary["5XXError"] / canary["Count"] if canary["Count"] else 0.0
    promote = canary["Count"] > 0 and rate < spec.ERROR_BUDGET
    verdict = t.text(
        "text.verdict",
        rate=f"{rate:.1%}",
        errors=canary["5XXError"],
        count=canary["Count"],
        deployment=newest["id"],
        decision=t.text("text.promote" if promote else "text.roll_back"),
    )
    done = t.text("text.promoted" if promote else "text.rolled_back")
    criterion = t.text("criteria.decision", done=done)
    decide = {"step": "5", "fix": "promote" if promote else "rollback"}
    pages = ["promote-canary-deployment" if promote else "delete-canary-deployment"]
    config = api.stage_config()
    left = config.get("canarySettings")
    if left:
        percent = float(left.get("percentTraffic") or 0)
        _fail(
            api,
            criterion,
            expected=t.text("expected.no_canary"),
            got=t.text("got.canary_left", percent=_percent(percent))
            + (t.text("got.canary_copied") if percent == 0 else ""),
            pages=pages,
            **decide,
        )
    served = config["deploymentId"]
    if promote and served != newest["id"]:
        _fail(
            api,
            criterion,
            expected=t.text(
                "expected.promoted", stage=api.stage, deployment=newest["id"], verdict=verdict
            ),
            got=t.text("got.serving", stage=api.stage, deployment=served),
            pages=pages,
            **decide,
        )
    if not promote and served == newest["id"]:
        _fail(
            api,
            criterion,
            expected=t.text("expected.rolled_back", stage=api.stage, verdict=verdict),
            got=t.text("got.serving_canary", stage=api.stage, deployment=served),
            pages=pages,
            **decide,
        )
    report.ok(t.text("criteria.decision_ok", done=done, verdict=verdict))
    wanted = "2" if promote else "1"
    criterion = t.text("criteria.answers", version=wanted)
    answers = [call(lab, criterion, "GET", api.url) for _ in range(20)]
    versions = Counter(_version(a) if a.status_code == 200 else describe(a) for a in answers)
    if set(versions) != {wanted}:
        variables = config.get("variables") or {}
        _fail(
            api,
            criterion,
            expected=t.text("expected.answers", n=len(answers), version=wanted),
            got=", ".join(t.text("got.answers", n=n, answer=v) for v, n in versions.items())
            + t.text("got.variables_now", variables=json.dumps(variables)),
            pages=pages,
            **decide,
        )
    report.ok(criterion)
    report.done()
