"""Lab 04's check: the ``weather-api`` (stage ``v1``) is sold in two tiers, ``free`` and
``pro``, through usage plans and API keys.

Behaviour first. On the moto target the check sends its load with
:func:`helpers.traffic.simulate`, on the lab clock: no key and an unknown key are refused
(403); the free key gets a steady 1 req/s and 2 of a burst of 5, and on the next day (the
clock moved 24 h) 50 requests, one a second, then 429 Limit Exceeded; the pro key gets 20
of a burst of 21, 4 of a burst of 5 on ``GET /forecast/hourly``, and 60 requests in 6 s,
more than the free tier's day. The clock rests a minute before each load, so every bucket
is full. On the aws target it sends a small real probe (about a dozen requests: the
refusals, both keys, 1 req/s for 3 s and a burst of 5 with the free key) and leaves out
what a real account cannot show quickly. The last criterion compares the plans, keys and
stage settings with the spec, on both targets: it catches what a short load cannot show
(a rate above the spec, a quota's period).

Leaving the account as it found it: the check reads each key's remaining quota with
``get_usage`` before a load and gives it back with ``update_usage`` after it (both targets;
in the same quota period only), so the learner's keys keep what they had and the check can
run again at once. On moto it leaves the lab clock a day and about seven minutes later than
it found it (and frozen, if it was not).
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
from . import lab04_spec as spec
from .common import Report, call, check_api, check_inputs, describe, fail
from .lab04_diagnose import (
    Problem,
    WeatherApi,
    config_problems,
    exhausted_problem,
    explain,
    key_problem,
    missing_token_problem,
    number,
    open_problem,
    quota_problem,
    throttle_problem,
)
from .lab04_spec import Tier

__all__ = ["check_lab04"]

#: seconds the clock rests before each load on the moto target: every bucket is full again
REST_S = 60.0
#: a day: the free key's quota is checked on a fresh one (moto)
DAY_S = 86_400.0
#: the steady 1 req/s of the free key: seconds on moto, and on aws (real seconds)
STEADY_S = {"moto": 10, "aws": 3}
#: the pro key's run past the free tier's daily quota: 10 req/s for this many seconds
PRO_RUN_S = 6
#: aws target: how many more answers than the burst a back-to-back burst may get (a token
#: can come back while the requests travel one after the other) [unc]
AWS_BURST_SLACK = 1
#: what the aws target leaves out (a real account would take minutes, and AWS throttles
#: "on a best-effort basis" [doc], too loosely for exact counts) [unc: how loosely]
AWS_SKIPPED = (
    "the free key's 51st request of a day",
    "the pro key's burst of 21",
    "the hourly burst of 5",
    "the pro key past 50 requests a day",
)


# ---------------------------------------------------------------------------- requests


def _get(api: WeatherApi, criterion: str, path: str, key: str | None) -> requests.Response:
    __tracebackhide__ = True
    headers = {"x-api-key": key} if key is not None else {}
    return call(
        api.lab,
        criterion,
        "GET",
        api.lab.invoke_url(api.api_id, api.stage, path.lstrip("/")),
        headers=headers,
        limitation_hint="Integrate both methods as the notebook does (a MOCK integration).",
    )


def _missing_token(response: requests.Response) -> bool:
    return response.status_code == 403 and "Missing Authentication Token" in response.text


def _kind(response: requests.Response) -> str:
    """API Gateway's error type: ``x-amzn-ErrorType``, else the body's message."""
    kind = response.headers.get("x-amzn-ErrorType", "")
    return kind.split(":")[0] or response.text


def _fail(
    api: WeatherApi, criterion: str, expected: str, got: str, problem: Problem | None
) -> NoReturn:
    __tracebackhide__ = True
    text, hint = explain(api, got, problem)
    fail(criterion, expected=expected, got=text, hint=hint)


def _refused(api: WeatherApi, criterion: str, path: str, key: str | None) -> None:
    """Expect 403 Forbidden (INVALID_API_KEY) for a request with no key or a bad one."""
    __tracebackhide__ = True
    answer = _get(api, criterion, path, key)
    if answer.status_code == 403 and not _missing_token(answer):
        return
    if _missing_token(answer):
        problem: Problem | None = missing_token_problem(api, path)
    elif answer.status_code < 400:
        problem = open_problem(api, path)
    else:
        problem = None
    _fail(api, criterion, 'HTTP 403 {"message":"Forbidden"}', describe(answer), problem)


def _answered(api: WeatherApi, criterion: str, path: str, tier: Tier, value: str) -> None:
    """Expect 200 for one request with ``tier``'s key."""
    __tracebackhide__ = True
    answer = _get(api, criterion, path, value)
    if answer.status_code == 200:
        return
    problem: Problem | None = None
    if _missing_token(answer):
        problem = missing_token_problem(api, path)
    elif answer.status_code == 403:
        problem = key_problem(api, tier)
    elif answer.status_code == 429 and "LimitExceeded" in _kind(answer):
        problem = exhausted_problem(api, tier)
    elif answer.status_code == 429:
        problem = throttle_problem(api, tier, path)
    _fail(api, criterion, "HTTP 200 and a forecast", describe(answer), problem)


# ---------------------------------------------------------------------------- loads


def _label(o: Outcome) -> str:
    if o.status < 400:
        return f"HTTP {o.status}"
    if o.why == "over quota":
        return "HTTP 429 Limit Exceeded"
    if o.why.startswith("throttled"):
        level = o.why.partition(": ")[2]
        return "HTTP 429 Too Many Requests" + (f" ({level} bucket)" if level else "")
    return f"HTTP {o.status} ({o.why})"


def tally(outcomes: Sequence[Outcome]) -> str:
    """``2 × HTTP 200, then 3 × HTTP 429 Too Many Requests (usage plan bucket)``: the
    answers in order, runs of the same one counted."""
    runs: list[list[Any]] = []
    for o in outcomes:
        label = _label(o)
        if runs and runs[-1][1] == label:
            runs[-1][0] += 1
        else:
            runs.append([1, label])
    return ", then ".join(f"{n} × {label}" for n, label in runs) or "no answer"


class _Load:
    """Loads for one check run: the clock's rests, and the simulations."""

    def __init__(self, api: WeatherApi) -> None:
        self.api = api
        self.lab = api.lab
        self.moto = self.lab.target == "moto"
        self.url = self.lab.invoke_url(api.api_id, api.stage)

    def rest(self, seconds: float = REST_S) -> None:
        """Let every bucket fill up: the moto clock jumps, the aws target really waits."""
        clock = self.lab.clock
        if self.moto and not clock.frozen:
            clock.freeze()
        clock.advance(seconds)

    def run(
        self, key: str, path: str, *, rate: float = 0.0, seconds: float = 1.0, burst: int = 0
    ) -> list[Outcome]:
        client = Client(
            "check",
            rate=rate,
            api_key=key,
            path=path.lstrip("/"),
            bursts=((0.0, burst),) if burst else (),
        )
        return simulate(self.lab, self.url, [client], seconds).outcomes


def _outcome_problem(api: WeatherApi, tier: Tier, path: str, o: Outcome) -> Problem | None:
    """Why one request of a load with ``tier``'s key got the answer it got."""
    if o.status == 403:
        return key_problem(api, tier) or missing_token_problem(api, path)
    if o.why == "over quota":
        return exhausted_problem(api, tier)
    if o.why.startswith("throttled"):
        return throttle_problem(api, tier, path, o.why.partition(": ")[2] or None)
    return None


def _burst(
    api: WeatherApi,
    load: _Load,
    criterion: str,
    tier: Tier,
    value: str,
    path: str,
    size: int,
    allowed: int,
    limit: str = "the usage plan's burst",
) -> list[Outcome]:
    """``size`` requests at once: the first ``allowed`` answered, the rest throttled by the
    usage plan (moto: its trace says which bucket refused)."""
    __tracebackhide__ = True
    outcomes = load.run(value, path, burst=size)
    statuses = [o.status for o in outcomes]
    want = [200] * allowed + [429] * (size - allowed)
    plan_refused = all(o.why in ("throttled: usage plan", "throttled") for o in outcomes[allowed:])
    if statuses == want and plan_refused:
        return outcomes
    wrong = next((o for o in outcomes if o.status != 200), outcomes[-1])
    problem = _outcome_problem(api, tier, path, wrong)
    if problem is None and statuses.count(200) != allowed:
        problem = throttle_problem(api, tier, path)
    _fail(
        api,
        criterion,
        f"{allowed} × HTTP 200, then {size - allowed} × HTTP 429 Too Many Requests "
        f"({limit} of {allowed})",
        f"{size} requests at once: {tally(outcomes)}",
        problem,
    )


# ---------------------------------------------------------------------------- the keys


def _find_keys(api: WeatherApi) -> dict[str, str]:
    """The value of each tier's key, by tier (read by name, with ``includeValues``)."""
    __tracebackhide__ = True
    values: dict[str, str] = {}
    for name, tier in spec.TIERS.items():
        key = api.key(tier)
        if key is None or not key.get("value"):
            fail(
                f"API keys {spec.FREE.key!r} and {spec.PRO.key!r} exist",
                expected=f"an API key named {tier.key!r}",
                got=f"no API key by that name (get_api_keys(nameQuery={tier.key!r}) finds none)",
                hint=spec.key_hint(tier),
            )
        values[name] = str(key["value"])
    return values


def _period(day: str, period: str) -> str:
    """Which quota period ``day`` (yyyy-mm-dd, UTC) is in: the day, the week (starting on
    the emulator's ``WEEK_STARTS_ON``, Sunday [unc]) or the month."""
    if period == "MONTH":
        return day[:7]
    if period == "WEEK":
        date = dt.date.fromisoformat(day)
        return (date - dt.timedelta(days=(date.weekday() - WEEK_STARTS_ON) % 7)).isoformat()
    return day


class _Quotas:
    """What keys had left of their quotas, to give back with ``update_usage`` in the same
    quota period (a later period starts afresh anyway)."""

    def __init__(self, api: WeatherApi, tiers: Sequence[Tier]) -> None:
        self.api = api
        self.kept: list[tuple[str, str, str, str, int]] = []
        day = api.today()
        for tier in tiers:
            key = api.key(tier)
            plan = api.grant(key["id"]) if key else None
            quota = (plan or {}).get("quota") or {}
            if key is None or plan is None or not quota.get("limit"):
                continue
            usage = api.usage_today(plan["id"], key["id"])
            if usage is not None:
                period = str(quota.get("period") or "DAY")
                self.kept.append((plan["id"], key["id"], period, _period(day, period), usage[1]))

    def give_back(self) -> None:
        day = self.api.today()
        for plan_id, key_id, period, when, remaining in self.kept:
            if _period(day, period) != when:
                continue
            # a ClientError: the plan changed under the check, nothing to give back
            with suppress(ClientError):
                self.api.apigw.update_usage(
                    usagePlanId=plan_id,
                    keyId=key_id,
                    patchOperations=[
                        {"op": "replace", "path": "/remaining", "value": str(remaining)}
                    ],
                )


@contextmanager
def _quota_kept(api: WeatherApi, tiers: Sequence[Tier]) -> Iterator[None]:
    """Give each key of ``tiers`` back, when the block ends, the quota it had left when it
    began (``get_usage``, then ``update_usage``)."""
    quotas = _Quotas(api, tiers)
    try:
        yield
    finally:
        quotas.give_back()


# ---------------------------------------------------------------------------- criteria


def _free_quota(api: WeatherApi, load: _Load, value: str) -> str:
    """Moto: on a new day (the lab clock 24 h later), the free key's first 50 requests, one
    a second, are answered and the 51st is refused with 429 Limit Exceeded. The key gets
    that day's quota back afterwards. Returns the criterion's text."""
    __tracebackhide__ = True
    tier = spec.FREE
    criterion = (
        f"free key: {tier.quota} requests a day are answered, the {tier.quota + 1}st → "
        "429 Limit Exceeded"
    )
    load.rest(DAY_S)
    with _quota_kept(api, [tier]):
        outcomes = load.run(value, spec.FORECAST, rate=1.0, seconds=tier.quota + 1)
    last, first = outcomes[-1], outcomes[:-1]
    if all(o.status == 200 for o in first) and last.why == "over quota":
        return (
            f"free key, the next day (lab clock +24 h): {tier.quota} requests, one a second → "
            f"all 200, the {tier.quota + 1}st → 429 Limit Exceeded"
        )
    wrong = next((o for o in first if o.status != 200), last)
    problem = _outcome_problem(api, tier, spec.FORECAST, wrong)
    if problem is None:
        problem = quota_problem(api, tier)
    _fail(
        api,
        criterion,
        f"on a new day, {tier.quota} × HTTP 200, then HTTP 429 Limit Exceeded",
        f"{tier.quota + 1} requests, one a second: {tally(outcomes)}",
        problem,
    )


def _steady(api: WeatherApi, load: _Load, tier: Tier, value: str, rate: float, seconds: int) -> str:
    __tracebackhide__ = True
    n = round(rate * seconds)
    criterion = f"{tier.plan} key: {n} requests at {number(rate)} req/s are all answered"
    load.rest(REST_S if load.moto else 2.0)
    outcomes = load.run(value, spec.FORECAST, rate=rate, seconds=seconds)
    if all(o.status == 200 for o in outcomes):
        return f"{tier.plan} key: {n} requests in {seconds} s at {number(rate)} req/s → all 200"
    wrong = next(o for o in outcomes if o.status != 200)
    _fail(
        api,
        criterion,
        f"{n} × HTTP 200 ({number(rate)} req/s is within the {tier.plan} tier's "
        f"{number(tier.rate)} req/s)",
        f"{n} requests at {number(rate)} req/s: {tally(outcomes)}",
        _outcome_problem(api, tier, spec.FORECAST, wrong),
    )


def check_lab04(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 04: the free and pro tiers of ``weather-api`` behave as the spec says."""
    __tracebackhide__ = True
    report = Report("lab 04, free and paid tiers, meets the spec")
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab04")
    api = WeatherApi(lab, api_id, stage)
    report.ok(check_api(api, spec.NAME))
    values = _find_keys(api)
    report.ok(f"API keys {spec.FREE.key!r} and {spec.PRO.key!r} exist")
    load = _Load(api)
    free, pro = values["free"], values["pro"]

    with _quota_kept(api, list(spec.TIERS.values())):
        criterion = "a request without an API key is refused with 403 Forbidden"
        for path in spec.PATHS:
            _refused(api, criterion, path, None)
        report.ok(f"no API key → 403 Forbidden on GET {spec.FORECAST} and GET {spec.HOURLY}")

        criterion = "a request with an unknown API key is refused with 403 Forbidden"
        _refused(api, criterion, spec.FORECAST, spec.UNKNOWN_KEY)
        report.ok("an unknown API key → 403 Forbidden")

        criterion = "each tier's key gets an answer"
        _answered(api, criterion, spec.FORECAST, spec.FREE, free)
        _answered(api, criterion, spec.FORECAST, spec.PRO, pro)
        _answered(api, criterion, spec.HOURLY, spec.PRO, pro)
        report.ok(
            f"the free and pro keys → 200 on GET {spec.FORECAST}, the pro key on "
            f"GET {spec.HOURLY} too"
        )

        report.ok(_steady(api, load, spec.FREE, free, spec.FREE.rate, STEADY_S[lab.target]))

        criterion = "free key: a burst of 5 gets 2 answers, then 429 Too Many Requests"
        load.rest(REST_S if load.moto else 3.0)
        if load.moto:
            _burst(api, load, criterion, spec.FREE, free, spec.FORECAST, 5, spec.FREE.burst)
            report.ok("free key: 5 requests at once → 2 × 200, then 3 × 429 Too Many Requests")
        else:
            _aws_burst(api, load, report, criterion, free)

        if load.moto:
            report.ok(_free_quota(api, load, free))

            criterion = "pro key: a burst of 21 gets 20 answers, then 429 Too Many Requests"
            load.rest()
            _burst(api, load, criterion, spec.PRO, pro, spec.FORECAST, 21, spec.PRO.burst)
            report.ok("pro key: 21 requests at once → 20 × 200, then 429 Too Many Requests")

            (rate, burst) = spec.PRO.methods[f"{spec.HOURLY}/GET"]
            criterion = (
                f"pro key on GET {spec.HOURLY}: a burst of {burst + 1} gets {burst} answers "
                "(its per-method throttle)"
            )
            load.rest()
            _burst(
                api,
                load,
                criterion,
                spec.PRO,
                pro,
                spec.HOURLY,
                burst + 1,
                burst,
                "the per-method throttle's burst",
            )
            report.ok(
                f"pro key on GET {spec.HOURLY}: {burst + 1} at once → {burst} × 200, then 429 "
                f"(per-method throttle {number(rate)} req/s, burst {burst})"
            )

            text = _steady(api, load, spec.PRO, pro, spec.PRO.rate, PRO_RUN_S)
            report.ok(f"{text}, past the free tier's {spec.FREE.quota} a day")
        else:
            print(
                "– left out on the aws target (the configuration is checked instead): "
                + "; ".join(AWS_SKIPPED)
            )

    problems = config_problems(api)
    criterion = "the usage plans, keys and stage settings are the spec's"
    if problems:
        why, hint = problems[0]
        more = (
            f"\n(and {len(problems) - 1} more difference(s) after this one)"
            if len(problems) > 1
            else ""
        )
        fail(
            criterion,
            expected="\n".join(_spec_lines()),
            got=why + more,
            hint=hint,
        )
    report.ok(
        "the configuration matches the spec: "
        + "; ".join(_spec_lines())
        + f"; stage {spec.STAGE} does not throttle below pro"
    )
    report.done()


def _spec_lines() -> list[str]:
    out = []
    for tier in spec.TIERS.values():
        line = (
            f"{tier.plan}: {number(tier.rate)} req/s, burst {tier.burst}, "
            f"{number(tier.quota)} per {tier.period}"
        )
        for key, (rate, burst) in tier.methods.items():
            line += f", {key} {number(rate)} req/s, burst {burst}"
        out.append(line)
    return out


def _aws_burst(api: WeatherApi, load: _Load, report: Report, criterion: str, value: str) -> None:
    """AWS: 5 requests sent back to back. AWS throttles on a best-effort basis, so the
    check wants at least one 429 and at most one more answer than the burst allows
    (a token may come back while the requests travel) [unc]; with no 429 at all it says so
    and leaves the plan's settings to the last criterion."""
    __tracebackhide__ = True
    tier = spec.FREE
    outcomes = load.run(value, spec.FORECAST, burst=5)
    answered = sum(o.status == 200 for o in outcomes)
    throttled = sum(o.why == "throttled" for o in outcomes)
    if (
        throttled
        and answered + throttled == len(outcomes)
        and answered <= tier.burst + AWS_BURST_SLACK
    ):
        report.ok(f"free key: 5 requests back to back → {tally(outcomes)}")
        return
    if answered == len(outcomes):
        problem = throttle_problem(api, tier, spec.FORECAST)
        if problem is None:
            print(
                "– free key: 5 requests back to back were all answered (AWS throttles on a "
                "best-effort basis); the plan's settings are checked at the end"
            )
            return
    else:
        wrong = next((o for o in outcomes if o.status != 200), outcomes[-1])
        problem = _outcome_problem(api, tier, spec.FORECAST, wrong)
    _fail(
        api,
        criterion,
        f"{tier.burst} × HTTP 200, then HTTP 429 Too Many Requests",
        f"5 requests back to back: {tally(outcomes)}",
        problem,
    )
