"""Why lab 04's ``weather-api`` answered as it did, read from the control plane: the two
methods (``apiKeyRequired``), the API keys, the usage plans that bind them to stage ``v1``
(throttle, quota, per-method throttles) and the stage's own throttle (method settings).
Each ``*_problem`` function returns ``(what is wrong, hint)`` or None.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.exceptions import ClientError

from . import lab04_spec as spec
from .common import RestApiView, error_code, trace_reason, why_403
from .lab04_spec import Tier

Problem = tuple[str, str]

#: the trace steps that say why a request with (or without) a key got its answer
TRACE_STEPS = ("api-key", "throttle", "gateway-response")


def number(value: Any) -> str:
    """``5`` for 5.0, ``2.5`` for 2.5, ``10,000`` for 10000 (as the spec table writes them)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


class WeatherApi(RestApiView):
    """The learner's ``weather-api`` with its API keys, usage plans and stage settings."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self._plans: list[dict[str, Any]] | None = None
        self._plan_keys: dict[str, set[str]] = {}
        self._keys: dict[str, list[dict[str, Any]]] = {}

    # ------------------------------------------------------------------ keys and plans

    def keys_named(self, name: str) -> list[dict[str, Any]]:
        """The API keys named exactly ``name`` (with their values); ``nameQuery`` alone
        matches names that start with it."""
        if name not in self._keys:
            found = self.apigw.get_api_keys(nameQuery=name, includeValues=True, limit=500)
            self._keys[name] = [k for k in found.get("items", []) if k.get("name") == name]
        return self._keys[name]

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
        """The plan's ``apiStages`` entry for this API's stage, or None."""
        for entry in plan.get("apiStages") or []:
            if entry.get("apiId") == self.api_id and entry.get("stage") == self.stage:
                return entry
        return None

    def grant(self, key_id: str) -> dict[str, Any] | None:
        """The usage plan that lets ``key_id`` call this stage (AWS allows one), or None."""
        for plan in self.plans():
            if self.api_stage(plan) is not None and key_id in self.plan_key_ids(plan["id"]):
                return plan
        return None

    def key(self, tier: Tier) -> dict[str, Any] | None:
        """The key the check uses for ``tier``: of the keys with its name, one a plan binds
        to this stage if there is one (the learner may have run a cell twice)."""
        keys = self.keys_named(tier.key)
        for key in keys:
            if self.grant(key["id"]) is not None:
                return key
        return keys[0] if keys else None

    def plans_named(self, name: str) -> list[dict[str, Any]]:
        return [p for p in self.plans() if p.get("name") == name]

    def method_settings(self) -> dict[str, Any]:
        stage = self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)
        return dict(stage.get("methodSettings") or {})

    # ------------------------------------------------------------------ usage

    def today(self) -> str:
        """Today's date (UTC) as the lab sees it: quota days start at midnight UTC."""
        return dt.datetime.fromtimestamp(self.lab.clock.now(), tz=dt.UTC).date().isoformat()

    def usage_today(self, plan_id: str, key_id: str) -> tuple[int, int] | None:
        """(used, remaining) of ``key_id`` today, from ``get_usage``; None if it fails."""
        day = self.today()
        try:
            found = self.apigw.get_usage(
                usagePlanId=plan_id, startDate=day, endDate=day, keyId=key_id
            )
        except ClientError:
            return None
        rows = (found.get("items") or {}).get(key_id) or []
        if not rows:
            return 0, 0
        used, remaining = rows[-1][:2]
        return int(used), int(remaining)


# ---------------------------------------------------------------------------- methods


def open_problem(api: WeatherApi, path: str) -> Problem:
    """Why ``GET path`` answered a request without a valid key."""
    method = api.method("GET", path) or {}
    if not method.get("apiKeyRequired"):
        return (
            f"method GET {path} does not require an API key (apiKeyRequired false), so API "
            "Gateway lets every request through, and no usage plan's limits apply to it",
            spec.API_KEY_REQUIRED_HINT.format(path=path),
        )
    return (
        f"GET {path} requires an API key in your API, but stage {api.stage!r} serves an "
        "older deployment, made before you set apiKeyRequired",
        f"Deploy again: apigateway.{spec.REDEPLOY}",
    )


def missing_token_problem(api: WeatherApi, path: str) -> Problem:
    """Why ``GET path`` answered 403 Missing Authentication Token (no such route)."""
    return why_403(api, "GET", path, deploy=spec.DEPLOY, redeploy=spec.REDEPLOY)


# ---------------------------------------------------------------------------- keys


def key_problem(api: WeatherApi, tier: Tier) -> Problem | None:
    """Why a request with ``tier``'s key got 403 Forbidden (the key does not open v1)."""
    key = api.key(tier)
    if key is None:
        return (f"there is no API key named {tier.key!r}", spec.key_hint(tier))
    if not key.get("enabled"):
        return (
            f"key {tier.key} is disabled: API Gateway refuses a disabled key as if it "
            "did not exist",
            spec.enable_hint(tier),
        )
    if api.grant(key["id"]) is not None:
        return None
    holding = [p for p in api.plans() if key["id"] in api.plan_key_ids(p["id"])]
    where = f"{spec.NAME}/{api.stage}"
    if not holding:
        plans = api.plans_named(tier.plan)
        hint = spec.plan_key_hint(tier)
        if not plans:
            hint = f"Create the plan first:\n{spec.plan_hint(tier)}\nthen\n{hint}"
        return (
            f"key {tier.key} is in no usage plan for {where} (it is in no usage plan at all): "
            "a key opens a stage only through a plan that names the stage",
            hint,
        )
    names = ", ".join(repr(p.get("name")) for p in holding)
    stages = sorted(
        f"{s.get('apiId')}:{s.get('stage')}" for p in holding for s in p.get("apiStages") or []
    )
    return (
        f"key {tier.key} is in no usage plan for {where}: its plan {names} names "
        + (f"the stages {', '.join(stages)}" if stages else "no API stage at all")
        + f", not {api.api_id}:{api.stage}",
        f"apigateway.update_usage_plan(usagePlanId=<id of plan {tier.plan!r}>,\n"
        f'    patchOperations=[{{"op": "add", "path": "/apiStages", "value": '
        f'f"{{api_id}}:{spec.STAGE}"}}])',
    )


def exhausted_problem(api: WeatherApi, tier: Tier) -> Problem | None:
    """A 429 Limit Exceeded where the check wanted an answer: the quota is not the spec's,
    or the key has used it up (with the learner's own requests before the check)."""
    key = api.key(tier)
    plan = api.grant(key["id"]) if key else None
    if key is None or plan is None:
        return None
    problem = quota_problem(api, tier)
    if problem:
        return problem
    usage = api.usage_today(plan["id"], key["id"])
    used = f" (get_usage: {usage[0]} used today, {usage[1]} left)" if usage else ""
    return (
        f"key {tier.key} has used its quota of {number(tier.quota)} per {tier.period}{used}: "
        "that is the quota working, but the check needs a few of its requests",
        spec.restore_hint(tier),
    )


# ---------------------------------------------------------------------------- plans


def _throttle_problems(
    where: str, got: dict[str, Any] | None, rate: float, burst: int, fix: str
) -> list[Problem]:
    got = got or {}
    out: list[Problem] = []
    if got.get("rateLimit") is None and got.get("burstLimit") is None:
        return [
            (f"{where} has no throttle; the spec says {number(rate)} req/s, burst {burst}", fix)
        ]
    if got.get("burstLimit") is None or int(got["burstLimit"]) != burst:
        out.append(
            (f"{where} has burstLimit {number(got.get('burstLimit'))}, the spec says {burst}", fix)
        )
    if got.get("rateLimit") is None or float(got["rateLimit"]) != rate:
        out.append(
            (
                f"{where} has rateLimit {number(got.get('rateLimit'))}, the spec says "
                f"{number(rate)}",
                fix,
            )
        )
    return out


def _normal(method_key: str) -> tuple[str, str]:
    """(resource path, METHOD) of a per-method throttle key however it was written:
    ``/forecast/hourly/GET``, ``forecast/hourly/get``, ``GET /forecast/hourly``,
    ``~1forecast~1hourly/GET``."""
    text = method_key.strip().replace("~1", "/").replace("~0", "~")
    head, _, tail = text.partition(" ")
    if tail and head.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        path, method = tail, head
    else:
        path, _, method = text.rpartition("/")
    return "/" + path.strip("/"), method.upper()


def method_throttle_problems(api: WeatherApi, tier: Tier, plan: dict[str, Any]) -> list[Problem]:
    """The plan's per-method throttles on this stage against the tier's."""
    entry = api.api_stage(plan) or {}
    throttles: dict[str, Any] = dict(entry.get("throttle") or {})
    name = plan.get("name")
    out: list[Problem] = []
    for key, (rate, burst) in tier.methods.items():
        fix = spec.method_throttle_hint(tier)
        if key in throttles:
            out += _throttle_problems(
                f"plan {name}'s per-method throttle {key}", throttles[key], rate, burst, fix
            )
            continue
        near = [k for k in throttles if _normal(k) == _normal(key)]
        others = sorted(throttles)
        if near:
            out.append(
                (
                    f"the per-method throttle key must be {key!r} (the resource path, then the "
                    f"method), not {near[0]!r}: API Gateway matches the key exactly, so plan "
                    f"{name}'s throttle of {number(tier.rate)} req/s, burst {tier.burst} applies "
                    f"to GET {_normal(key)[0]} instead",
                    fix + '\nand remove the wrong one (op "remove" with the path of that key).',
                )
            )
        elif others:
            out.append(
                (
                    f"plan {name}'s per-method throttles on {spec.NAME}/{api.stage} are for "
                    f"{', '.join(repr(k) for k in others)}; the spec limits {key!r}",
                    fix,
                )
            )
        else:
            out.append(
                (
                    f"plan {name} sets no per-method throttle on {spec.NAME}/{api.stage}, so its "
                    f"{number(tier.rate)} req/s, burst {tier.burst} applies to {_normal(key)[0]} "
                    f"too; the spec limits {key!r} to {number(rate)} req/s, burst {burst}",
                    fix,
                )
            )
    extra = [
        k
        for k in throttles
        if k not in tier.methods and not any(_normal(k) == _normal(m) for m in tier.methods)
    ]
    if extra:
        out.append(
            (
                f"plan {name} has a per-method throttle for {', '.join(repr(k) for k in extra)}; "
                f"the spec has {'none' if not tier.methods else 'only ' + ', '.join(tier.methods)} "
                f"in plan {name}",
                'Remove it: apigateway.update_usage_plan(usagePlanId=..., patchOperations=[{"op": '
                '"remove", "path": "/apiStages/{api_id}:v1/throttle/<resource path with / as ~1>'
                '/<METHOD>"}])',
            )
        )
    return out


#: what :func:`plan_problems` compares: the plan the key is in, its throttle, its quota,
#: its per-method throttles
PARTS = ("plan", "throttle", "quota", "methods")


def plan_problems(api: WeatherApi, tier: Tier, parts: tuple[str, ...] = PARTS) -> list[Problem]:
    """What about ``tier``'s key and plan differs from the spec (``parts`` of it; the key
    itself is always checked first)."""
    key = api.key(tier)
    if key is None:
        return [(f"there is no API key named {tier.key!r}", spec.key_hint(tier))]
    if not key.get("enabled"):
        return [(f"key {tier.key} is disabled", spec.enable_hint(tier))]
    plan = api.grant(key["id"])
    if plan is None:
        problem = key_problem(api, tier)
        return [problem] if problem else []
    if plan.get("name") != tier.plan:
        return [
            (
                f"key {tier.key} is in usage plan {plan.get('name')!r} for {spec.NAME}/{api.stage}; "
                f"the spec puts it in plan {tier.plan!r}",
                "Take it out of that plan (apigateway.delete_usage_plan_key(usagePlanId=..., "
                f"keyId=...)) and put it in its own:\n{spec.plan_key_hint(tier)}",
            )
        ]
    out: list[Problem] = []
    if "throttle" in parts:
        out += _throttle_problems(
            f"plan {tier.plan}",
            plan.get("throttle"),
            tier.rate,
            tier.burst,
            spec.update_plan_hint(
                tier,
                ("/throttle/rateLimit", number(tier.rate)),
                ("/throttle/burstLimit", tier.burst),
            ),
        )
    if "quota" in parts:
        out += _quota_problems(tier, plan.get("quota") or {})
    if "methods" in parts:
        out += method_throttle_problems(api, tier, plan)
    return out


def _quota_problems(tier: Tier, quota: dict[str, Any]) -> list[Problem]:
    fix = spec.update_plan_hint(tier, ("/quota/limit", tier.quota), ("/quota/period", tier.period))
    if not quota.get("limit"):
        return [
            (
                f"plan {tier.plan} has no quota; the spec says {number(tier.quota)} per "
                f"{tier.period}",
                fix,
            )
        ]
    if int(quota["limit"]) != tier.quota or str(quota.get("period")) != tier.period:
        return [
            (
                f"plan {tier.plan} has quota {number(quota['limit'])} per {quota.get('period')}, "
                f"the spec says {number(tier.quota)} per {tier.period}",
                fix,
            )
        ]
    if quota.get("offset"):
        return [
            (
                f"plan {tier.plan}'s quota has offset {quota['offset']}: the spec has none (it "
                "takes requests off the first period)",
                spec.update_plan_hint(tier, ("/quota/offset", 0)),
            )
        ]
    return []


# ---------------------------------------------------------------------------- the stage


def stage_problem(api: WeatherApi) -> Problem | None:
    """The stage's method settings throttle a method below the pro tier."""
    floor_rate, floor_burst = spec.STAGE_FLOOR
    try:
        settings = api.method_settings()
    except ClientError as exc:
        if error_code(exc) == "NotFoundException":
            return None
        raise
    wanted = {"*/*"} | {path.replace("/", "~1") + "/GET" for path in spec.PATHS}
    for key in sorted(wanted & set(settings)):
        entry = settings[key] or {}
        rate, burst = entry.get("throttlingRateLimit"), entry.get("throttlingBurstLimit")
        if rate is None and burst is None:
            continue
        low_rate = rate is not None and float(rate) < floor_rate
        low_burst = burst is not None and int(burst) < floor_burst
        if low_rate or low_burst:
            which = "*/*" if key == "*/*" else key
            applies = "every method" if key == "*/*" else "GET " + key[:-4].replace("~1", "/")
            return (
                f"the stage's {which} throttle (rate {number(rate)}, burst {number(burst)}) caps "
                f"the pro tier (rate {number(floor_rate)}, burst {floor_burst}): stage limits "
                f"apply to {applies} whatever the usage plans allow",
                spec.STAGE_HINT,
            )
    return None


def throttle_problem(
    api: WeatherApi, tier: Tier, path: str, refused_by: str | None = None
) -> Problem | None:
    """Why a burst with ``tier``'s key on ``GET path`` was admitted otherwise than the spec
    says: the key's plan (its throttle, or its per-method throttle for ``path``), or the
    stage's own throttle. ``refused_by``: the level whose bucket refused (``"stage"``,
    ``"usage plan"``), when the trace says."""
    per_method = f"{path}/GET" in tier.methods
    part = "methods" if per_method else "throttle"

    def plan() -> Problem | None:
        return next(iter(plan_problems(api, tier, ("plan", part))), None)

    checks = [plan, lambda: stage_problem(api)]
    for check in checks if refused_by != "stage" else checks[::-1]:
        problem = check()
        if problem:
            return problem
    return None


def quota_problem(api: WeatherApi, tier: Tier) -> Problem | None:
    """The key's plan has another quota than the spec's."""
    return next(iter(plan_problems(api, tier, ("plan", "quota"))), None)


def config_problems(api: WeatherApi) -> list[Problem]:
    """Everything the spec sets that the control plane shows otherwise (the last criterion:
    what a few seconds of traffic cannot show, such as rates above the spec or the
    quota's period)."""
    out: list[Problem] = []
    for tier in spec.TIERS.values():
        out += plan_problems(api, tier)
    for path in spec.PATHS:
        method = api.method("GET", path)
        if method is not None and not method.get("apiKeyRequired"):
            out.append(open_problem(api, path))
    problem = stage_problem(api)
    if problem:
        out.append(problem)
    return out


# ---------------------------------------------------------------------------- explaining


def explain(api: WeatherApi, got: str, problem: Problem | None) -> tuple[str, str]:
    """(what happened, hint): ``got`` (the answers), the diagnosis, and on the moto target
    what the gateway's trace of the last request says."""
    why, hint = problem or (
        "",
        "Your API's configuration looks right: was it deployed after the last change? "
        f"apigateway.{spec.REDEPLOY}",
    )
    lines = [got]
    if why:
        lines.append(f"because {why}")
    reason = trace_reason(api.lab, TRACE_STEPS)
    if reason:
        lines.append(f"(gateway: {reason})")
    return "\n".join(lines), hint
