"""Lab 04, free and paid tiers: ``check_lab04`` passes on an API built to the spec (and
again straight after, its quota use given back), fails with a targeted message (expected,
got, hint) on each way of getting it wrong, runs its small real-time probe when the target
is aws, and the blank exercise stops at every step with a message naming it, its check
cell failing helpfully. (Generator and sync tests for every lab are in ``test_labs.py``.)
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import boto3
import nbformat
import pytest
from test_labs import (
    EXERCISES,
    REGION,
    assert_blank_check_fails,
    assert_blank_setup_and_cleanup_run,
    assert_blank_steps_stop,
    code_cells,
    run_blank,
)

from helpers.checks import lab04_spec as spec

SOLUTION = EXERCISES.parent / "solutions" / "04-pricing-tiers.ipynb"
START = "2025-01-01T09:00:00Z"
HOURLY_KEY = "/forecast/hourly/GET"


def build_weather(
    lab: Any,
    *,
    free_throttle: tuple[float, int] = (1, 2),
    free_quota: tuple[int, str] = (50, "DAY"),
    pro_throttle: tuple[float, int] = (10, 20),
    pro_quota: tuple[int, str] = (10_000, "MONTH"),
    method_throttles: dict[str, tuple[float, int]] | None = None,
    key_required: tuple[str, ...] = ("/forecast", "/forecast/hourly"),
    late_key_required: bool = False,
    stage_throttle: tuple[float, int] | None = None,
    free_enabled: bool = True,
    attach: tuple[str, ...] = ("free", "pro"),
    swap_keys: bool = False,
    deploy: bool = True,
) -> str:
    """The lab's boto3 calls, with knobs to get each of them wrong; returns the API id."""
    lab.clock.freeze(START)
    apigateway = boto3.client("apigateway", region_name=REGION)
    api_id = apigateway.create_rest_api(
        name="weather-api", endpointConfiguration={"types": ["REGIONAL"]}
    )["id"]
    root_id = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    forecast_id = apigateway.create_resource(
        restApiId=api_id, parentId=root_id, pathPart="forecast"
    )["id"]
    hourly_id = apigateway.create_resource(
        restApiId=api_id, parentId=forecast_id, pathPart="hourly"
    )["id"]
    for path, resource_id in (("/forecast", forecast_id), ("/forecast/hourly", hourly_id)):
        get = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": "GET"}
        apigateway.put_method(
            **get,
            authorizationType="NONE",
            apiKeyRequired=path in key_required and not late_key_required,
        )
        apigateway.put_integration(
            **get, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
        )
        apigateway.put_method_response(**get, statusCode="200")
        apigateway.put_integration_response(
            **get,
            statusCode="200",
            selectionPattern="",
            responseTemplates={"application/json": json.dumps({"path": path})},
        )
    if deploy:
        apigateway.create_deployment(restApiId=api_id, stageName="v1")
    if late_key_required:  # changed after the deployment: not live until redeployed
        for resource_id in (forecast_id, hourly_id):
            apigateway.update_method(
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod="GET",
                patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}],
            )
    if stage_throttle is not None:
        rate, burst = stage_throttle
        apigateway.update_stage(
            restApiId=api_id,
            stageName="v1",
            patchOperations=[
                {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(rate)},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(burst)},
            ],
        )
    throttles = {HOURLY_KEY: (2, 4)} if method_throttles is None else method_throttles
    plans = {}
    for name, (rate, burst), (limit, period), methods in (
        ("free", free_throttle, free_quota, {}),
        ("pro", pro_throttle, pro_quota, throttles),
    ):
        stage: dict[str, Any] = {"apiId": api_id, "stage": "v1"}
        if methods:
            stage["throttle"] = {
                k: {"rateLimit": r, "burstLimit": b} for k, (r, b) in methods.items()
            }
        plans[name] = apigateway.create_usage_plan(
            name=name,
            apiStages=[stage] if deploy else [],  # AWS refuses a stage that does not exist
            throttle={"rateLimit": rate, "burstLimit": burst},
            quota={"limit": limit, "period": period},
        )["id"]
    for name in ("free", "pro"):
        key_id = apigateway.create_api_key(
            name=f"{name}-customer", enabled=free_enabled or name != "free"
        )["id"]
        if name in attach:
            plan = plans[{"free": "pro", "pro": "free"}[name] if swap_keys else name]
            apigateway.create_usage_plan_key(usagePlanId=plan, keyId=key_id, keyType="API_KEY")
    return api_id


def failure(lab: Any, api_id: Any, stage: str = "v1") -> str:
    from helpers.checks import CheckFailed, check_lab04

    with pytest.raises(CheckFailed) as caught:
        check_lab04(lab, api_id, stage)
    return str(caught.value)


# ---------------------------------------------------------------------------- it passes

PASSED = [
    "✓ REST API 'weather-api' exists with a REGIONAL endpoint",
    "✓ API keys 'free-customer' and 'pro-customer' exist",
    "✓ no API key → 403 Forbidden on GET /forecast and GET /forecast/hourly",
    "✓ an unknown API key → 403 Forbidden",
    "✓ the free and pro keys → 200 on GET /forecast, the pro key on GET /forecast/hourly too",
    "✓ free key: 10 requests in 10 s at 1 req/s → all 200",
    "✓ free key: 5 requests at once → 2 × 200, then 3 × 429 Too Many Requests",
    "✓ free key, the next day (lab clock +24 h): 50 requests, one a second → all 200, the "
    "51st → 429 Limit Exceeded",
    "✓ pro key: 21 requests at once → 20 × 200, then 429 Too Many Requests",
    "✓ pro key on GET /forecast/hourly: 5 at once → 4 × 200, then 429 (per-method throttle "
    "2 req/s, burst 4)",
    "✓ pro key: 60 requests in 6 s at 10 req/s → all 200, past the free tier's 50 a day",
    "✓ the configuration matches the spec: free: 1 req/s, burst 2, 50 per DAY; pro: 10 req/s, "
    "burst 20, 10,000 per MONTH, /forecast/hourly/GET 2 req/s, burst 4; stage v1 does not "
    "throttle below pro",
    "All 12 checks passed: lab 04, free and paid tiers, meets the spec",
]


def usage(day: str) -> dict[str, list[int]]:
    """[used, remaining] on ``day`` of each key, by key name."""
    apigateway = boto3.client("apigateway", region_name=REGION)
    names = {k["id"]: k["name"] for k in apigateway.get_api_keys()["items"]}
    out = {}
    for plan in apigateway.get_usage_plans()["items"]:
        found = apigateway.get_usage(usagePlanId=plan["id"], startDate=day, endDate=day)["items"]
        out.update({names[k]: v[-1] for k, v in found.items()})
    return out


def test_check_passes_on_an_api_built_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import CHECKS, check_lab04

    assert CHECKS["04-pricing-tiers"] is check_lab04
    api_id = build_weather(fresh_lab)
    capsys.readouterr()
    assert check_lab04(fresh_lab, api_id, "v1") is None
    assert capsys.readouterr().out.splitlines() == PASSED
    # the check gave back the quota it used; the lab clock moved a day and a few minutes
    assert usage("2025-01-01")["free-customer"] == [13, 37]  # a past day: not given back
    assert usage("2025-01-02") == {"free-customer": [50, 50], "pro-customer": [84, 10_000]}
    assert fresh_lab.clock.datetime().isoformat() == "2025-01-02T09:06:10+00:00"


def test_the_check_can_run_again_straight_away(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab04

    api_id = build_weather(fresh_lab)
    check_lab04(fresh_lab, api_id, "v1")
    capsys.readouterr()
    check_lab04(fresh_lab, api_id, "v1")
    assert capsys.readouterr().out.splitlines() == PASSED


def test_the_learner_keeps_the_quota_left(fresh_lab: Any) -> None:
    """Requests the learner made before the check: the check still passes (it measures the
    free quota on a day of its own) and gives back only what it used."""
    import requests

    from helpers.checks import check_lab04

    api_id = build_weather(fresh_lab)
    apigateway = boto3.client("apigateway", region_name=REGION)
    url = fresh_lab.invoke_url(api_id, "v1", "forecast")
    for name, count in (("free-customer", 30), ("pro-customer", 5)):
        (key,) = apigateway.get_api_keys(nameQuery=name, includeValues=True)["items"]
        for _ in range(count):
            fresh_lab.clock.advance(1)
            assert requests.get(url, headers={"x-api-key": key["value"]}).status_code == 200
    check_lab04(fresh_lab, api_id, "v1")
    assert usage("2025-01-02") == {"free-customer": [50, 50], "pro-customer": [84, 9_995]}


def test_a_key_that_used_its_quota_is_explained(fresh_lab: Any) -> None:
    import requests

    api_id = build_weather(fresh_lab)
    apigateway = boto3.client("apigateway", region_name=REGION)
    (free,) = apigateway.get_api_keys(nameQuery="free-customer", includeValues=True)["items"]
    url = fresh_lab.invoke_url(api_id, "v1", "forecast")
    for _ in range(50):
        fresh_lab.clock.advance(1)
        requests.get(url, headers={"x-api-key": free["value"]})
    message = failure(fresh_lab, api_id)
    for part in (
        "✗ each tier's key gets an answer",
        'HTTP 429 {"message":"Limit Exceeded"}',
        "key free-customer has used its quota of 50 per DAY (get_usage: 50 used today, 0 left)",
        "apigateway.update_usage(usagePlanId=<id of plan 'free'>",
        "lab.clock.advance(24 * 3600)",
    ):
        assert part in message, f"{part!r} not in:\n{message}"


# ---------------------------------------------------------------------------- wrong builds

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "free burst 5",
        {"free_throttle": (1, 5)},
        (
            "✗ free key: a burst of 5 gets 2 answers",
            "5 requests at once: 5 × HTTP 200",
            "plan free has burstLimit 5, the spec says 2",
            '"path": "/throttle/burstLimit", "value": "2"',
        ),
    ),
    (
        "free rate 5 (only the configuration shows it)",
        {"free_throttle": (5, 2)},
        (
            "✗ the usage plans, keys and stage settings are the spec's",
            "plan free has rateLimit 5, the spec says 1",
            '"path": "/throttle/rateLimit", "value": "1"',
        ),
    ),
    (
        "free quota 100",
        {"free_quota": (100, "DAY")},
        (
            "✗ free key: 50 requests a day are answered, the 51st → 429 Limit Exceeded",
            "51 requests, one a second: 51 × HTTP 200",
            "plan free has quota 100 per DAY, the spec says 50 per DAY",
            '"path": "/quota/limit", "value": "50"',
        ),
    ),
    (
        "free quota per WEEK",
        {"free_quota": (50, "WEEK")},
        (
            "✗ free key: 50 requests a day are answered",
            "37 × HTTP 200, then 14 × HTTP 429 Limit Exceeded",
            "plan free has quota 50 per WEEK, the spec says 50 per DAY",
        ),
    ),
    (
        "pro quota per DAY (only the configuration shows it)",
        {"pro_quota": (10_000, "DAY")},
        ("plan pro has quota 10,000 per DAY, the spec says 10,000 per MONTH", "/quota/period"),
    ),
    (
        "pro with the free tier's quota",
        {"pro_quota": (50, "DAY")},
        (
            "✗ pro key: 60 requests at 10 req/s are all answered",
            "HTTP 429 Limit Exceeded",
            "plan pro has quota 50 per DAY, the spec says 10,000 per MONTH",
        ),
    ),
    (
        "pro key not attached",
        {"attach": ("free",)},
        (
            "✗ each tier's key gets an answer",
            'HTTP 403 {"message":"Forbidden"}',
            "key pro-customer is in no usage plan for weather-api/v1",
            "apigateway.create_usage_plan_key(usagePlanId=<id of plan 'pro'>",
            "in no usage plan for stage",  # the gateway's trace
        ),
    ),
    (
        "keys in each other's plans",
        {"swap_keys": True},
        (
            "✗ free key: a burst of 5 gets 2 answers",
            "key free-customer is in usage plan 'pro' for weather-api/v1; the spec puts it in "
            "plan 'free'",
            "delete_usage_plan_key(",
        ),
    ),
    (
        "free key disabled",
        {"free_enabled": False},
        (
            "✗ each tier's key gets an answer",
            "HTTP 403",
            "key free-customer is disabled",
            '"path": "/enabled", "value": "true"',
        ),
    ),
    (
        "per-method key without the leading slash",
        {"method_throttles": {"forecast/hourly/GET": (2, 4)}},
        (
            "✗ pro key on GET /forecast/hourly: a burst of 5 gets 4 answers",
            "5 requests at once: 5 × HTTP 200",
            "the per-method throttle key must be '/forecast/hourly/GET'",
            "not 'forecast/hourly/GET'",
            "/apiStages/{api_id}:v1/throttle/~1forecast~1hourly/GET/burstLimit",
        ),
    ),
    (
        "per-method key written 'GET /forecast/hourly'",
        {"method_throttles": {"GET /forecast/hourly": (2, 4)}},
        ("the per-method throttle key must be '/forecast/hourly/GET'", "'GET /forecast/hourly'"),
    ),
    (
        "no per-method throttle",
        {"method_throttles": {}},
        ("plan pro sets no per-method throttle on weather-api/v1", "burst 4"),
    ),
    (
        "per-method burst 10",
        {"method_throttles": {HOURLY_KEY: (2, 10)}},
        ("plan pro's per-method throttle /forecast/hourly/GET has burstLimit 10, the spec says 4",),
    ),
    (
        "GET /forecast/hourly without apiKeyRequired",
        {"key_required": ("/forecast",)},
        (
            "✗ a request without an API key is refused with 403 Forbidden",
            "HTTP 200",
            "method GET /forecast/hourly does not require an API key (apiKeyRequired false)",
            '"path": "/apiKeyRequired", "value": "true"',
        ),
    ),
    (
        "apiKeyRequired set after the deployment",
        {"late_key_required": True},
        (
            "HTTP 200",
            "serves an older deployment",
            'create_deployment(restApiId=api_id, stageName="v1")',
        ),
    ),
    (
        "stage */* throttle 5/10",
        {"stage_throttle": (5, 10)},
        (
            "✗ pro key: a burst of 21 gets 20 answers",
            "10 × HTTP 200, then 11 × HTTP 429 Too Many Requests (stage bucket)",
            "the stage's */* throttle (rate 5, burst 10) caps the pro tier (rate 10, burst 20)",
            '"path": "/*/*/throttling/burstLimit", "value": "20"',
        ),
    ),
    (
        "no deployment",
        {"deploy": False},
        ("HTTP 403", "Missing Authentication Token", "no stage 'v1'", "create_deployment("),
    ),
]


@pytest.mark.parametrize("build, phrases", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_build_gets_a_targeted_message(
    fresh_lab: Any, build: dict[str, Any], phrases: tuple[str, ...]
) -> None:
    message = failure(fresh_lab, build_weather(fresh_lab, **build))
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_missing_key_is_named(fresh_lab: Any) -> None:
    api_id = build_weather(fresh_lab)
    apigateway = boto3.client("apigateway", region_name=REGION)
    (pro,) = apigateway.get_api_keys(nameQuery="pro-customer")["items"]
    apigateway.delete_api_key(apiKey=pro["id"])
    message = failure(fresh_lab, api_id)
    assert "✗ API keys 'free-customer' and 'pro-customer' exist" in message
    assert "an API key named 'pro-customer'" in message
    assert 'create_api_key(name="pro-customer", enabled=True)' in message


@pytest.mark.parametrize(
    "api_id, stage, phrases",
    [
        (None, "v1", ("api_id = None", 'create_rest_api(name="weather-api"', "has not run yet")),
        ("nosuchapi", "v1", ("no such REST API", "create_rest_api step again")),
        ("API", "prod", ("the stage is 'v1'", "'prod'", 'check_lab04(lab, api_id, "v1")')),
    ],
)
def test_bad_inputs_are_explained(
    fresh_lab: Any, api_id: Any, stage: str, phrases: tuple[str, ...]
) -> None:
    built = build_weather(fresh_lab)
    message = failure(fresh_lab, built if api_id == "API" else api_id, stage)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


# ---------------------------------------------------------------------------- the aws probe


def test_the_aws_probe_sends_little_and_says_what_it_leaves_out(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The aws target's code path, answered by the emulator on wall time: real requests
    through ``requests``, real waits (about 6 s), no trace to read."""
    from helpers.checks import check_lab04
    from helpers.clock import RealClock

    api_id = build_weather(fresh_lab)
    fresh_lab.clock.unfreeze()
    aws = SimpleNamespace(
        target="aws",
        session=fresh_lab.session,
        region=fresh_lab.region,
        account_id=fresh_lab.account_id,
        gateway=None,
        clock=RealClock(),
        invoke_url=fresh_lab.invoke_url,
    )
    before = len(fresh_lab.gateway.traces.last(1000))
    check_lab04(aws, api_id, "v1")
    out = capsys.readouterr().out.splitlines()
    sent = len(fresh_lab.gateway.traces.last(1000)) - before
    assert sent <= 15
    assert "✓ free key: 3 requests in 3 s at 1 req/s → all 200" in out
    assert any(
        line.startswith("✓ free key: 5 requests back to back → 2 × HTTP 200") for line in out
    )
    assert out[-2].startswith("✓ the configuration matches the spec")
    skipped = next(line for line in out if line.startswith("– left out on the aws target"))
    assert "the free key's 51st request of a day" in skipped
    assert out[-1] == "All 8 checks passed: lab 04, free and paid tiers, meets the spec"


# ---------------------------------------------------------------------------- the notebook


def test_the_notebook_shows_the_spec_table() -> None:
    nb = nbformat.read(SOLUTION, as_version=4)
    assert any(spec.spec_table() in c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_solution_prints_no_key_value_and_no_account_id() -> None:
    nb = nbformat.read(SOLUTION, as_version=4)
    text = json.dumps([c.outputs for c in code_cells(nb)])
    assert "123456789012" not in text
    # key values are 20+ alphanumerics; ids and everything else printed are shorter
    assert not re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{20,}(?![A-Za-z0-9])", text)


@pytest.mark.parametrize(
    "written",
    [
        "/forecast/hourly/GET",
        "forecast/hourly/GET",
        "/forecast/hourly/get",
        "GET /forecast/hourly",
        "~1forecast~1hourly/GET",
        "/forecast/hourly/GET ",
    ],
)
def test_a_per_method_key_is_recognised_however_it_is_written(written: str) -> None:
    from helpers.checks.lab04_diagnose import _normal

    assert _normal(written) == ("/forecast/hourly", "GET")


#: what each blank step's NotImplementedError must name (the thing to build, the call to use)
LAB04_STEPS = {
    "Step 1": (
        "create_rest_api(",
        "/forecast/hourly",
        "apiKeyRequired=True",
        "mock_forecast(",
    ),
    "Step 2": ("create_deployment(", '"v1"'),
    "Step 3": (
        "create_usage_plan(",
        '"free"',
        '"pro"',
        "apiStages",
        "quota",
        '"/forecast/hourly/GET"',
    ),
    "Step 4": ("create_api_key(", "free-customer", "enabled=True", "create_usage_plan_key("),
}


@pytest.fixture(scope="module")
def blank_lab04() -> Any:
    return run_blank("04-pricing-tiers.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab04: Any) -> None:
    assert_blank_steps_stop(blank_lab04, LAB04_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab04: Any) -> None:
    assert_blank_check_fails(blank_lab04, "check_lab04", "weather-api")


def test_the_blank_setup_and_cleanup_cells_run(blank_lab04: Any) -> None:
    assert_blank_setup_and_cleanup_run(blank_lab04)
