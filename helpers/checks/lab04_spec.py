"""Lab 04's spec as data (the ``weather-api`` sold in two tiers), the table the notebook
shows, and the boto3 calls its hints quote."""

from __future__ import annotations

from dataclasses import dataclass, field

NAME = "weather-api"
STAGE = "v1"
FORECAST = "/forecast"
HOURLY = "/forecast/hourly"
#: the methods the spec asks for: both GET, both with apiKeyRequired
PATHS = (FORECAST, HOURLY)


@dataclass(frozen=True)
class Tier:
    """One tier: its usage plan (named like the tier), its customer's API key, the plan's
    per-key throttle and quota, and its per-method throttles (``"/path/METHOD"`` →
    (rate, burst))."""

    plan: str
    key: str
    rate: float
    burst: int
    quota: int
    period: str
    methods: dict[str, tuple[float, int]] = field(default_factory=dict)


#: the tiers, by usage-plan name
TIERS: dict[str, Tier] = {
    "free": Tier(plan="free", key="free-customer", rate=1.0, burst=2, quota=50, period="DAY"),
    "pro": Tier(
        plan="pro",
        key="pro-customer",
        rate=10.0,
        burst=20,
        quota=10_000,
        period="MONTH",
        methods={f"{HOURLY}/GET": (2.0, 4)},
    ),
}
FREE, PRO = TIERS["free"], TIERS["pro"]
#: the stage's own throttle (method settings) may not be below the pro tier's
STAGE_FLOOR = (PRO.rate, PRO.burst)

#: a key value no one has (alphanumeric, 20+ characters, as API key values are)
UNKNOWN_KEY = "lab04CheckNoSuchKey00000000"


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value):,}"


def spec_table() -> str:
    """The tiers as the Markdown table the notebook shows (a test keeps the two equal)."""
    lines = [
        "| tier (usage plan) | API key | throttle | quota | per-method throttle |",
        "|---|---|---|---|---|",
    ]
    for tier in TIERS.values():
        methods = (
            ", ".join(
                f"`{key}`: {_number(rate)} req/s, burst {burst}"
                for key, (rate, burst) in tier.methods.items()
            )
            or "—"
        )
        lines.append(
            f"| `{tier.plan}` | `{tier.key}` | {_number(tier.rate)} req/s, burst {tier.burst} "
            f"| {_number(tier.quota)} per {tier.period} | {methods} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------- hint texts

DEPLOY = f'apigateway.create_deployment(restApiId=api_id, stageName="{STAGE}")'
REDEPLOY = f'create_deployment(restApiId=api_id, stageName="{STAGE}")'
API_KEY_REQUIRED_HINT = (
    "apigateway.update_method(restApiId=api_id, resourceId=<id of {path}>, "
    'httpMethod="GET",\n'
    '    patchOperations=[{{"op": "replace", "path": "/apiKeyRequired", "value": "true"}}])\n'
    f"then deploy again: apigateway.{REDEPLOY}"
)


def plan_hint(tier: Tier) -> str:
    """The ``create_usage_plan`` call of ``tier``."""
    stage = f'{{"apiId": api_id, "stage": "{STAGE}"'
    if tier.methods:
        throttles = ", ".join(
            f'"{key}": {{"rateLimit": {_number(rate)}, "burstLimit": {burst}}}'
            for key, (rate, burst) in tier.methods.items()
        )
        stage += f',\n                "throttle": {{{throttles}}}'
    return (
        f'apigateway.create_usage_plan(name="{tier.plan}",\n'
        f"    apiStages=[{stage}}}],\n"
        f'    throttle={{"rateLimit": {_number(tier.rate)}, "burstLimit": {tier.burst}}},\n'
        f'    quota={{"limit": {tier.quota}, "period": "{tier.period}"}})'
    )


def key_hint(tier: Tier) -> str:
    """Create ``tier``'s key and put it in its plan."""
    return (
        f'key_id = apigateway.create_api_key(name="{tier.key}", enabled=True)["id"]\n'
        "apigateway.create_usage_plan_key(usagePlanId=<id of plan "
        f'{tier.plan!r}>, keyId=key_id, keyType="API_KEY")'
    )


def plan_key_hint(tier: Tier) -> str:
    return (
        f"apigateway.create_usage_plan_key(usagePlanId=<id of plan {tier.plan!r}>, "
        f'keyId=<id of key {tier.key!r}>, keyType="API_KEY")'
    )


def enable_hint(tier: Tier) -> str:
    return (
        f"apigateway.update_api_key(apiKey=<id of key {tier.key!r}>,\n"
        '    patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}])'
    )


def update_plan_hint(tier: Tier, *changes: tuple[str, object]) -> str:
    """``update_usage_plan`` with one ``replace`` per (patch path, value)."""
    ops = ",\n".join(
        f'        {{"op": "replace", "path": "{path}", "value": "{value}"}}'
        for path, value in changes
    )
    return (
        f"apigateway.update_usage_plan(usagePlanId=<id of plan {tier.plan!r}>, patchOperations=[\n"
        f"{ops}])"
    )


def method_throttle_path(method_key: str, field_name: str) -> str:
    """The patch path of one per-method throttle field, ``/`` in the resource path written
    ``~1``: ``/apiStages/{api_id}:v1/throttle/~1forecast~1hourly/GET/rateLimit``."""
    path, _, method = method_key.rpartition("/")
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"/apiStages/{{api_id}}:{STAGE}/throttle/{escaped}/{method}/{field_name}"


def method_throttle_hint(tier: Tier) -> str:
    changes: list[tuple[str, object]] = []
    for key, (rate, burst) in tier.methods.items():
        changes += [
            (method_throttle_path(key, "rateLimit"), _number(rate)),
            (method_throttle_path(key, "burstLimit"), burst),
        ]
    return (
        update_plan_hint(tier, *changes)
        + "\n(in a patch path, each / of the resource path is written ~1)"
    )


STAGE_HINT = (
    f'apigateway.update_stage(restApiId=api_id, stageName="{STAGE}", patchOperations=[\n'
    f'        {{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "{_number(PRO.rate)}"}},\n'
    f'        {{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "{PRO.burst}"}}])\n'
    "or leave the stage's throttling at its defaults (10,000 req/s, burst 5,000). Stage "
    "settings apply at once, without a deployment."
)


def restore_hint(tier: Tier) -> str:
    """Give a key its day back: ``update_usage`` (both targets), or a new day (moto)."""
    return (
        f"apigateway.update_usage(usagePlanId=<id of plan {tier.plan!r}>, keyId=<id of key "
        f"{tier.key!r}>,\n"
        f'    patchOperations=[{{"op": "replace", "path": "/remaining", "value": "{tier.quota}"}}])\n'
        "or, on the local emulator, move to the next day: lab.clock.advance(24 * 3600)"
    )
