"""Lab 04's check: the ``transit-api`` (stage ``v1``) protects itself. Its public methods
answer anyone, within the **stage's** throttle (``*/*`` 5 req/s, burst 10; ``GET
/departures`` its own 1 req/s, burst 2); ``POST /reports`` takes only the partner's API
key, which a usage plan ``partner`` limits (2 req/s, burst 4, 200 requests a week).

Behaviour first. On the moto target the loads go through :func:`helpers.traffic.simulate`
on the lab clock (which rests a minute before each, so every bucket is full again): bursts
against each bucket, and the partner's week of quota used up. On the aws target a small
real probe (the refusals, the partner's key, the quota untouched by public calls) replaces
the loads, and the configuration is compared with the spec on both. The check gives the
partner's key back the quota it used (``update_usage``, in the same week).

Every learner-facing text is in ``helpers/messages/<lang>/lab04.toml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from ..gateway.limits.quota import WEEK_STARTS_ON
from ..traffic import Client, Outcome, simulate
from .common import (
    Catalogue,
    Report,
    RestApiView,
    call,
    check_api,
    check_inputs,
    describe,
    fail,
    messages,
    trace_reason,
    why_403,
)

__all__ = ["PARTNER_KEY", "check_lab04"]

NAME = "transit-api"
STAGE = "v1"
PLAN = "partner"
KEY_NAME = "partner-key"
#: the value the partner already sends in x-api-key (the lab's setup cell defines it too)
PARTNER_KEY = "transit-partner-7f3a9c2e51d84b60"
UNKNOWN_KEY = "made-up-key-0123456789abcdef"
STOPS, DEPARTURES, REPORTS = "/stops", "/departures", "/reports"
#: (rate, burst) of the stage's */*, of GET /departures' method setting, of the plan
STAGE_LIMIT = (5.0, 10)
DEPARTURES_LIMIT = (1.0, 2)
PLAN_LIMIT = (2.0, 4)
QUOTA = (200, "WEEK")
DEPARTURES_SETTING = "~1departures/GET"
#: moto: the lab clock rests this long before each load, so every bucket is full again
REST_S = 60.0
#: public calls with the partner's key that must not touch its quota
PUBLIC_CALLS = 3

Problem = tuple[str, str]


def _number(value: Any) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


class TransitApi(RestApiView):
    """The learner's ``transit-api`` with its stage settings, usage plan and key."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self.texts: Catalogue = messages("lab04")
        self._plans: list[dict[str, Any]] | None = None
        self._plan_keys: dict[str, set[str]] = {}

    def keys_named(self, name: str = KEY_NAME) -> list[dict[str, Any]]:
        found = self.apigw.get_api_keys(nameQuery=name, includeValues=True, limit=500)
        return [k for k in found.get("items", []) if k.get("name") == name]

    def partner_key(self) -> dict[str, Any] | None:
        """The key with the partner's value (whatever its name), else the one named like it."""
        every = self.apigw.get_api_keys(includeValues=True, limit=500).get("items", [])
        for key in every:
            if key.get("value") == PARTNER_KEY:
                return dict(key)
        named = self.keys_named()
        return dict(named[0]) if named else None

    def plans(self) -> list[dict[str, Any]]:
        if self._plans is None:
            self._plans = list(self.apigw.get_usage_plans(limit=500).get("items", []))
        return self._plans

    def plan_key_ids(self, plan_id: str) -> set[str]:
        if plan_id not in self._plan_keys:
            items = self.apigw.get_usage_plan_keys(usagePlanId=plan_id, limit=500)["items"]
            self._plan_keys[plan_id] = {str(k["id"]) for k in items}
        return self._plan_keys[plan_id]

    def api_stage(self, plan: dict[str, Any]) -> dict[str, Any] | None:
        for entry in plan.get("apiStages") or []:
            if entry.get("apiId") == self.api_id and entry.get("stage") == self.stage:
                return dict(entry)
        return None

    def grant(self, key_id: str) -> dict[str, Any] | None:
        """The usage plan that lets ``key_id`` call this stage, or None."""
        for plan in self.plans():
            if self.api_stage(plan) is not None and key_id in self.plan_key_ids(plan["id"]):
                return plan
        return None

    def plan(self) -> dict[str, Any] | None:
        """The plan the check judges: the partner key's, else the one named ``partner``."""
        key = self.partner_key()
        if key is not None:
            found = self.grant(key["id"])
            if found is not None:
                return found
        named = [p for p in self.plans() if p.get("name") == PLAN]
        return named[0] if named else None

    def method_settings(self) -> dict[str, Any]:
        stage = self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)
        return dict(stage.get("methodSettings") or {})

    def today(self) -> str:
        return dt.datetime.fromtimestamp(self.lab.clock.now(), tz=dt.UTC).date().isoformat()

    def remaining(self, plan_id: str, key_id: str) -> int | None:
        """What is left of the key's quota today (``get_usage``); None when unknown."""
        day = self.today()
        try:
            found = self.apigw.get_usage(
                usagePlanId=plan_id, startDate=day, endDate=day, keyId=key_id
            )
        except ClientError:
            return None
        rows = (found.get("items") or {}).get(key_id) or []
        return int(rows[-1][1]) if rows else None


# ---------------------------------------------------------------------------- diagnoses


def _method_problem(api: TransitApi, verb: str, path: str, *, public: bool) -> Problem:
    """Why ``verb path`` let a keyless request in (``public=False``) or refused it."""
    t = api.texts
    required = bool((api.method(verb, path) or {}).get("apiKeyRequired"))
    if public:
        if required:
            return t.text("why.key_required", path=path), t.text("fix.public", path=path)
        return t.text("why.key_required_old", path=path, stage=api.stage), t.text(
            "fix.redeploy_hint"
        )
    if not required:
        return t.text("why.open"), t.text("fix.required")
    return t.text("why.open_old", stage=api.stage), t.text("fix.redeploy_hint")


def _key_problem(api: TransitApi) -> Problem | None:
    """Why the partner's key is refused (or None when it should be accepted)."""
    t = api.texts
    key = api.partner_key()
    if key is None:
        return t.text("got.no_key", key=KEY_NAME), t.text("fix.key")
    if key.get("value") != PARTNER_KEY:
        return t.text("got.key_value", key=key.get("name")), t.text("fix.key_value")
    if not key.get("enabled", True):
        return t.text("got.key_disabled", key=key.get("name")), t.text("fix.enable")
    if api.grant(key["id"]) is None:
        holding = [p for p in api.plans() if key["id"] in api.plan_key_ids(p["id"])]
        if holding:
            plan = holding[0]
            stages = ", ".join(
                f"{s.get('apiId')}:{s.get('stage')}" for s in plan.get("apiStages") or []
            ) or t.text("why.no_stages")
            return (
                t.text(
                    "why.plan_no_stage",
                    plan=plan.get("name"),
                    stages=stages,
                    stage=api.stage,
                    api_id=api.api_id,
                ),
                t.text("fix.plan_stage", api_id=api.api_id),
            )
        return t.text("why.no_plan", key=key.get("name"), stage=api.stage), t.text("fix.plan_key")
    return None


def _stage_problem(api: TransitApi) -> Problem:
    t = api.texts
    settings = api.method_settings()
    throttle = settings.get("*/*") or {}
    rate, burst = throttle.get("throttlingRateLimit"), throttle.get("throttlingBurstLimit")
    if rate is None or burst is None or rate < 0 or burst < 0:
        listed = ", ".join(sorted(settings)) or t.text("why.none")
        return t.text("why.stage_unthrottled", stage=api.stage, settings=listed), t.text(
            "fix.stage"
        )
    return (
        t.text("why.stage_throttle", stage=api.stage, rate=_number(rate), burst=_number(burst)),
        t.text("fix.stage"),
    )


def _departures_problem(api: TransitApi) -> Problem:
    t = api.texts
    settings = api.method_settings()
    found = settings.get(DEPARTURES_SETTING)
    if found is None or found.get("throttlingBurstLimit") is None:
        keys = ", ".join(sorted(settings)) or t.text("why.none")
        why = t.text("why.departures_missing", stage=api.stage, keys=keys)
        bad = [k for k in settings if "departures" in k and k != DEPARTURES_SETTING]
        if bad:
            why += t.text("why.departures_key", bad=bad[0])
        return why, t.text("fix.departures")
    return (
        t.text(
            "why.departures_throttle",
            stage=api.stage,
            rate=_number(found.get("throttlingRateLimit")),
            burst=_number(found.get("throttlingBurstLimit")),
        ),
        t.text("fix.departures"),
    )


def _plan_problem(api: TransitApi) -> Problem:
    t = api.texts
    plan = api.plan() or {}
    throttle = plan.get("throttle") or {}
    if not throttle:
        return t.text("why.no_plan_throttle", plan=plan.get("name", PLAN)), t.text(
            "fix.plan_throttle"
        )
    return (
        t.text(
            "why.plan_throttle",
            plan=plan.get("name", PLAN),
            rate=_number(throttle.get("rateLimit")),
            burst=_number(throttle.get("burstLimit")),
        ),
        t.text("fix.plan_throttle"),
    )


def _quota_problem(api: TransitApi) -> Problem:
    t = api.texts
    plan = api.plan() or {}
    quota = plan.get("quota") or {}
    if not quota.get("limit"):
        return t.text("why.no_quota", plan=plan.get("name", PLAN)), t.text("fix.quota")
    return (
        t.text(
            "why.quota",
            plan=plan.get("name", PLAN),
            limit=_number(quota.get("limit")),
            period=quota.get("period"),
        ),
        t.text("fix.quota"),
    )


def _explain(api: TransitApi, got: str, problem: Problem | None) -> tuple[str, str]:
    t = api.texts
    lines = [got]
    hint = t.text("fix.redeploy_hint")
    if problem is not None:
        why, hint = problem
        lines.append(t.text("ui.because", why=why))
    reason = trace_reason(api.lab, ("api-key", "throttle", "gateway-response"))
    if reason:
        lines.append(t.text("ui.gateway", reason=reason))
    return "\n".join(lines), hint


def _fail(
    api: TransitApi, criterion: str, expected: str, got: str, problem: Problem | None
) -> NoReturn:
    __tracebackhide__ = True
    text, hint = _explain(api, got, problem)
    fail(criterion, expected=expected, got=text, hint=hint)


# ---------------------------------------------------------------------------- requests


def _missing_token(response: requests.Response) -> bool:
    return response.status_code == 403 and "Missing Authentication Token" in response.text


def _send(
    api: TransitApi, criterion: str, verb: str, path: str, key: str | None = None
) -> requests.Response:
    __tracebackhide__ = True
    return call(
        api.lab,
        criterion,
        verb,
        api.lab.invoke_url(api.api_id, api.stage, path.lstrip("/")),
        headers={"x-api-key": key} if key else {},
        limitation_hint=api.texts.text("fix.limitation"),
    )


def _why_403(api: TransitApi, verb: str, path: str) -> Problem:
    t = api.texts
    return why_403(api, verb, path, deploy=t.text("fix.deploy"), redeploy=t.text("fix.redeploy"))


def _public(api: TransitApi, criterion: str, path: str) -> None:
    __tracebackhide__ = True
    answer = _send(api, criterion, "GET", path)
    if answer.status_code == 200:
        return
    if _missing_token(answer):
        problem: Problem | None = _why_403(api, "GET", path)
    elif answer.status_code == 403:
        problem = _method_problem(api, "GET", path, public=True)
    else:
        problem = None
    _fail(api, criterion, api.texts.text("expected.public"), describe(answer), problem)


def _refused(api: TransitApi, criterion: str, key: str | None) -> None:
    __tracebackhide__ = True
    answer = _send(api, criterion, "POST", REPORTS, key)
    if answer.status_code == 403 and not _missing_token(answer):
        return
    if _missing_token(answer):
        problem: Problem | None = _why_403(api, "POST", REPORTS)
    elif answer.status_code < 400:
        problem = _method_problem(api, "POST", REPORTS, public=False)
    else:
        problem = None
    _fail(api, criterion, api.texts.text("expected.forbidden"), describe(answer), problem)


def _partner_answered(api: TransitApi, criterion: str) -> None:
    __tracebackhide__ = True
    answer = _send(api, criterion, "POST", REPORTS, PARTNER_KEY)
    if answer.status_code == 201:
        return
    if _missing_token(answer):
        problem: Problem | None = _why_403(api, "POST", REPORTS)
    elif answer.status_code == 403:
        problem = _key_problem(api)
    elif answer.status_code == 429 and "LimitExceeded" in answer.headers.get(
        "x-amzn-ErrorType", ""
    ):
        problem = _quota_problem(api)
    elif answer.status_code == 429:
        problem = _plan_problem(api)
    else:
        problem = None
    _fail(api, criterion, api.texts.text("expected.created"), describe(answer), problem)


# ---------------------------------------------------------------------------- loads


def _label(o: Outcome, t: Catalogue) -> str:
    """An answer as the checks name it (status lines stay AWS's English)."""
    if o.status < 400:
        return f"HTTP {o.status}"
    if o.why == "over quota":
        return "HTTP 429 Limit Exceeded"
    if o.why.startswith("throttled"):
        level = o.why.partition(": ")[2]
        label = "HTTP 429 Too Many Requests"
        return t.text("tally.bucket", label=label, level=level) if level else label
    return f"HTTP {o.status} ({o.why})"


def tally(outcomes: Sequence[Outcome], t: Catalogue | None = None) -> str:
    """``10 × HTTP 200, then 5 × HTTP 429 Too Many Requests (stage bucket)``."""
    t = t or messages("lab04")
    runs: list[list[Any]] = []
    for o in outcomes:
        label = _label(o, t)
        if runs and runs[-1][1] == label:
            runs[-1][0] += 1
        else:
            runs.append([1, label])
    joined = t.text("tally.then").join(t.text("tally.run", n=n, label=label) for n, label in runs)
    return joined or t.text("tally.none")


class _Load:
    def __init__(self, api: TransitApi) -> None:
        self.api = api
        self.lab = api.lab
        self.url = self.lab.invoke_url(api.api_id, api.stage)

    def rest(self, seconds: float = REST_S) -> None:
        clock = self.lab.clock
        if not clock.frozen:
            clock.freeze()
        clock.advance(seconds)

    def run(
        self,
        path: str,
        *,
        method: str = "GET",
        key: str | None = None,
        burst: int = 0,
        rate: float = 0.0,
        seconds: float = 1.0,
    ) -> list[Outcome]:
        client = Client(
            "check",
            rate=rate,
            api_key=key,
            path=path.lstrip("/"),
            method=method,
            bursts=((0.0, burst),) if burst else (),
        )
        return simulate(self.lab, self.url, [client], seconds).outcomes


def _burst(
    api: TransitApi,
    load: _Load,
    criterion: str,
    path: str,
    size: int,
    allowed: int,
    level: str,
    limit: str,
    problem: Problem,
    *,
    method: str = "GET",
    key: str | None = None,
    status: int = 200,
) -> list[Outcome]:
    """``size`` requests at once: the first ``allowed`` answered, the rest refused by the
    ``level`` bucket ("stage", "usage plan")."""
    __tracebackhide__ = True
    t = api.texts
    load.rest()
    outcomes = load.run(path, method=method, key=key, burst=size)
    statuses = [o.status for o in outcomes]
    refused_by_level = all(o.why == f"throttled: {level}" for o in outcomes[allowed:])
    if statuses == [status] * allowed + [429] * (size - allowed) and refused_by_level:
        return outcomes
    wrong = next((o for o in outcomes if o.status not in (status, 429)), None)
    if wrong is not None and wrong.status == 403:
        problem = _key_problem(api) or _method_problem(api, method, path, public=key is None)
    elif wrong is not None and wrong.why == "over quota":
        problem = _quota_problem(api)
    elif not refused_by_level and any(o.why.startswith("throttled") for o in outcomes):
        other = next(o.why for o in outcomes if o.why.startswith("throttled"))
        problem = (t.text("why.other", why=other) + "; " + problem[0], problem[1])
    _fail(
        api,
        criterion,
        t.text(
            "expected.burst",
            allowed=allowed,
            status=status,
            refused=size - allowed,
            limit=limit,
        ),
        t.text("got.load", size=size, tally=tally(outcomes, t)),
        problem,
    )


def _period_start(day: str, period: str) -> str:
    if period == "MONTH":
        return day[:7]
    if period == "WEEK":
        date = dt.date.fromisoformat(day)
        return (date - dt.timedelta(days=(date.weekday() - WEEK_STARTS_ON) % 7)).isoformat()
    return day


@contextmanager
def _quota_kept(api: TransitApi) -> Iterator[None]:
    """Give the partner's key back, when the block ends, the quota it had left when it
    began (``get_usage``, then ``update_usage``), within the same quota period."""
    key = api.partner_key()
    plan = api.grant(key["id"]) if key else None
    kept = None
    if key is not None and plan is not None and (plan.get("quota") or {}).get("limit"):
        left = api.remaining(plan["id"], key["id"])
        period = str(plan["quota"].get("period") or "DAY")
        if left is not None:
            kept = (plan["id"], key["id"], period, _period_start(api.today(), period), left)
    try:
        yield
    finally:
        if kept is not None and _period_start(api.today(), kept[2]) == kept[3]:
            with suppress(ClientError):
                api.apigw.update_usage(
                    usagePlanId=kept[0],
                    keyId=kept[1],
                    patchOperations=[
                        {"op": "replace", "path": "/remaining", "value": str(kept[4])}
                    ],
                )


# ---------------------------------------------------------------------------- criteria


def _check_key(api: TransitApi) -> str:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.key", key=KEY_NAME)
    key = api.partner_key()
    problem = None
    if key is None:
        problem = (t.text("got.no_key", key=KEY_NAME), t.text("fix.key"))
    elif key.get("value") != PARTNER_KEY:
        problem = (t.text("got.key_value", key=key.get("name")), t.text("fix.key_value"))
    elif not key.get("enabled", True):
        problem = (t.text("got.key_disabled", key=key.get("name")), t.text("fix.enable"))
    if problem is not None:
        fail(
            criterion,
            expected=t.text("expected.key", key=KEY_NAME),
            got=problem[0],
            hint=problem[1],
        )
    return criterion


def _check_public_free(api: TransitApi, load: _Load) -> str:
    """The partner's key on a keyless method: answered, and not counted."""
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.public_free")
    key = api.partner_key() or {}
    plan = api.grant(key.get("id", "")) or {}
    before = api.remaining(plan["id"], key["id"]) if plan else None
    if api.lab.target == "moto":
        load.rest()
    for _ in range(PUBLIC_CALLS):
        _public(api, criterion, STOPS)
    after = api.remaining(plan["id"], key["id"]) if plan else None
    if before is not None and after is not None and after != before:
        _fail(
            api,
            criterion,
            t.text("expected.quota_unchanged", remaining=before),
            t.text("got.remaining", before=before, after=after),
            (
                t.text("why.quota_counted", before=before, after=after),
                t.text("fix.public", path=STOPS),
            ),
        )
    return t.text(
        "criteria.public_free_ok", n=PUBLIC_CALLS, remaining=after if after is not None else "?"
    )


def _check_quota(api: TransitApi, load: _Load) -> str:
    """Moto: at 2 req/s the partner's key gets what is left of its week, then 429 Limit
    Exceeded; the quota is given back afterwards."""
    __tracebackhide__ = True
    t = api.texts
    limit = QUOTA[0]
    criterion = t.text("criteria.quota", limit=limit)
    key = api.partner_key() or {}
    plan = api.grant(key.get("id", "")) or {}
    left = api.remaining(plan["id"], key["id"]) if plan else None
    quota = plan.get("quota") or {}
    if (quota.get("limit"), quota.get("period")) != QUOTA or left is None:
        why, hint = _quota_problem(api)
        fail(criterion, expected=t.text("expected.quota", limit=limit), got=why, hint=hint)
    n = min(left, limit) + 1
    load.rest()
    with _quota_kept(api):
        outcomes = load.run(
            REPORTS, method="POST", key=PARTNER_KEY, rate=PLAN_LIMIT[0], seconds=n / PLAN_LIMIT[0]
        )
    answered = [o for o in outcomes[:-1] if o.status == 201]
    if len(answered) == len(outcomes) - 1 and outcomes[-1].why == "over quota":
        return t.text("criteria.quota_ok", answered=len(answered), limit=limit)
    wrong = next((o for o in outcomes[:-1] if o.status != 201), outcomes[-1])
    problem = _plan_problem(api) if wrong.why.startswith("throttled") else _quota_problem(api)
    _fail(
        api,
        criterion,
        t.text("expected.quota", limit=limit),
        t.text("got.run", n=len(outcomes), tally=tally(outcomes, t)),
        problem,
    )


def _config_problems(api: TransitApi) -> list[Problem]:
    """Every difference between the stage's throttling, the plan and the spec."""
    found: list[Problem] = []
    settings = api.method_settings()
    everything = settings.get("*/*") or {}
    if (
        everything.get("throttlingRateLimit"),
        everything.get("throttlingBurstLimit"),
    ) != STAGE_LIMIT:
        found.append(_stage_problem(api))
    departures = settings.get(DEPARTURES_SETTING) or {}
    if (
        departures.get("throttlingRateLimit"),
        departures.get("throttlingBurstLimit"),
    ) != DEPARTURES_LIMIT:
        found.append(_departures_problem(api))
    plan = api.plan() or {}
    throttle = plan.get("throttle") or {}
    if (throttle.get("rateLimit"), throttle.get("burstLimit")) != PLAN_LIMIT:
        found.append(_plan_problem(api))
    quota = plan.get("quota") or {}
    if (quota.get("limit"), quota.get("period")) != QUOTA:
        found.append(_quota_problem(api))
    problem = _key_problem(api)
    if problem is not None:
        found.append(problem)
    return found


def _summary(api: TransitApi) -> str:
    return api.texts.text(
        "text.summary",
        stage_rate=_number(STAGE_LIMIT[0]),
        stage_burst=STAGE_LIMIT[1],
        dep_rate=_number(DEPARTURES_LIMIT[0]),
        dep_burst=DEPARTURES_LIMIT[1],
        plan_rate=_number(PLAN_LIMIT[0]),
        plan_burst=PLAN_LIMIT[1],
        limit=QUOTA[0],
        period=QUOTA[1],
    )


def check_lab04(lab: Any, api_id: Any) -> None:
    """Lab 04: ``transit-api`` answers the public, refuses the keyless, lets the partner in,
    and throttles and counts as its spec says."""
    __tracebackhide__ = True
    t = messages("lab04")
    report = Report(t.text("report.title"))
    check_inputs(lab, api_id, STAGE, name=NAME, stage_name=STAGE, check="check_lab04")
    api = TransitApi(lab, api_id, STAGE)
    moto = lab.target == "moto"
    load = _Load(api)
    report.ok(check_api(api, NAME))
    report.ok(_check_key(api))

    with _quota_kept(api):
        criterion = t.text("criteria.public")
        _public(api, criterion, STOPS)
        _public(api, criterion, DEPARTURES)
        report.ok(t.text("criteria.public_ok"))

        criterion = t.text("criteria.no_key")
        _refused(api, criterion, None)
        _refused(api, criterion, UNKNOWN_KEY)
        report.ok(t.text("criteria.no_key_ok"))

        criterion = t.text("criteria.partner")
        _partner_answered(api, criterion)
        report.ok(t.text("criteria.partner_ok"))

        if moto:
            burst = STAGE_LIMIT[1]
            size = burst + 5
            criterion = t.text("criteria.stage_burst", burst=burst, size=size)
            outcomes = _burst(
                api,
                load,
                criterion,
                STOPS,
                size,
                burst,
                "stage",
                t.text("limit.stage", burst=burst),
                _stage_problem(api),
            )
            report.ok(
                t.text("criteria.stage_burst_ok", size=size, tally=tally(outcomes, t), burst=burst)
            )

            burst = DEPARTURES_LIMIT[1]
            size = burst + 2
            criterion = t.text("criteria.departures", burst=burst, size=size)
            outcomes = _burst(
                api,
                load,
                criterion,
                DEPARTURES,
                size,
                burst,
                "stage",
                t.text("limit.departures", burst=burst),
                _departures_problem(api),
            )
            after = _send(api, criterion, "GET", STOPS)
            if after.status_code != 200:
                _fail(
                    api,
                    criterion,
                    t.text("expected.stops_after"),
                    describe(after),
                    _departures_problem(api),
                )
            report.ok(t.text("criteria.departures_ok", size=size, tally=tally(outcomes, t)))

            burst = PLAN_LIMIT[1]
            size = burst + 2
            criterion = t.text("criteria.plan_burst", burst=burst, size=size)
            outcomes = _burst(
                api,
                load,
                criterion,
                REPORTS,
                size,
                burst,
                "usage plan",
                t.text("limit.plan", burst=burst),
                _plan_problem(api),
                method="POST",
                key=PARTNER_KEY,
                status=201,
            )
            report.ok(t.text("criteria.plan_burst_ok", size=size, tally=tally(outcomes, t)))

        report.ok(_check_public_free(api, load))

    if moto:
        report.ok(_check_quota(api, load))
    else:
        print(t.text("ui.left_out", what=t.text("text.aws_left_out")))

    problems = _config_problems(api)
    criterion = t.text("criteria.config")
    if problems:
        why, hint = problems[0]
        fail(criterion, expected=_summary(api), got=why, hint=hint)
    report.ok(t.text("criteria.config_ok", summary=_summary(api)))
    report.done()
