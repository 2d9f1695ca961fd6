"""Lab 04, a public API that protects itself: ``check_lab04`` passes on an API built to the
spec (and again straight after, the partner's quota given back), fails with a targeted
message (expected, got, hint) on each way of getting it wrong, runs its small probe when
the target is aws, and the blank exercise stops at every step with its nudge, its check
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

SOLUTION = EXERCISES.parent / "solutions" / "04-pricing-tiers.ipynb"
START = "2025-01-01T09:00:00Z"
PARTNER_KEY = "transit-partner-7f3a9c2e51d84b60"


def build_transit(
    lab: Any,
    *,
    public_key_required: tuple[str, ...] = (),
    reports_key_required: bool = True,
    late_key_required: bool = False,
    stage_patches: dict[str, str] | None = None,
    plan_throttle: tuple[float, int] | None = (2, 4),
    quota: tuple[int, str] | None = (200, "WEEK"),
    plan_stage: bool = True,
    key_value: str | None = PARTNER_KEY,
    key_enabled: bool = True,
    attach: bool = True,
    deploy: bool = True,
) -> str:
    """The lab's boto3 calls, with knobs to get each of them wrong; returns the API id."""
    lab.clock.freeze(START)
    apigateway = boto3.client("apigateway", region_name=REGION)
    api_id = apigateway.create_rest_api(
        name="transit-api", endpointConfiguration={"types": ["REGIONAL"]}
    )["id"]
    root_id = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    ids = {
        part: apigateway.create_resource(restApiId=api_id, parentId=root_id, pathPart=part)["id"]
        for part in ("stops", "departures", "reports")
    }
    answers = {"stops": ("GET", 200), "departures": ("GET", 200), "reports": ("POST", 201)}
    for part, (verb, status) in answers.items():
        required = (
            part in public_key_required
            if part != "reports"
            else reports_key_required and not late_key_required
        )
        method = {"restApiId": api_id, "resourceId": ids[part], "httpMethod": verb}
        apigateway.put_method(**method, authorizationType="NONE", apiKeyRequired=required)
        apigateway.put_integration(
            **method,
            type="MOCK",
            requestTemplates={"application/json": json.dumps({"statusCode": status})},
        )
        apigateway.put_method_response(**method, statusCode=str(status))
        apigateway.put_integration_response(
            **method,
            statusCode=str(status),
            selectionPattern="",
            responseTemplates={"application/json": json.dumps({"part": part})},
        )
    if not deploy:  # the key exists; a plan could not name the missing stage
        apigateway.create_api_key(name="partner-key", value=PARTNER_KEY, enabled=True)
        return api_id
    apigateway.create_deployment(restApiId=api_id, stageName="v1")
    if late_key_required:  # set after the deployment: not live until deployed again
        apigateway.update_method(
            restApiId=api_id,
            resourceId=ids["reports"],
            httpMethod="POST",
            patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}],
        )
    patches = (
        stage_patches
        if stage_patches is not None
        else {
            "/*/*/throttling/rateLimit": "5",
            "/*/*/throttling/burstLimit": "10",
            "/~1departures/GET/throttling/rateLimit": "1",
            "/~1departures/GET/throttling/burstLimit": "2",
        }
    )
    if patches:
        apigateway.update_stage(
            restApiId=api_id,
            stageName="v1",
            patchOperations=[
                {"op": "replace", "path": path, "value": value} for path, value in patches.items()
            ],
        )
    plan: dict[str, Any] = {
        "name": "partner",
        "apiStages": [{"apiId": api_id, "stage": "v1"}] if plan_stage else [],
    }
    if plan_throttle:
        plan["throttle"] = {"rateLimit": plan_throttle[0], "burstLimit": plan_throttle[1]}
    if quota:
        plan["quota"] = {"limit": quota[0], "period": quota[1]}
    plan_id = apigateway.create_usage_plan(**plan)["id"]
    key: dict[str, Any] = {"name": "partner-key", "enabled": key_enabled}
    if key_value:
        key["value"] = key_value
    key_id = apigateway.create_api_key(**key)["id"]
    if attach:
        apigateway.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
    return api_id


def failure(lab: Any, api_id: Any) -> str:
    from helpers.checks import CheckFailed, check_lab04

    with pytest.raises(CheckFailed) as caught:
        check_lab04(lab, api_id)
    return str(caught.value)


def remaining(api_id: str) -> int:
    apigateway = boto3.client("apigateway", region_name=REGION)
    (plan,) = apigateway.get_usage_plans()["items"]
    day = "2025-01-01"
    found = apigateway.get_usage(usagePlanId=plan["id"], startDate=day, endDate=day)["items"]
    return int(next(iter(found.values()))[-1][1]) if found else 200


# ---------------------------------------------------------------------------- it passes


def test_check_passes_on_an_api_built_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import CHECKS, check_lab04

    assert CHECKS["04-pricing-tiers"] is check_lab04
    api_id = build_transit(fresh_lab)
    capsys.readouterr()
    assert check_lab04(fresh_lab, api_id) is None
    out = capsys.readouterr().out.splitlines()
    assert [line[:2] for line in out[:-1]] == ["✓ "] * 11
    assert "15 at once → 10 × HTTP 200, then 5 × HTTP 429" in out[5]
    assert "(stage bucket)" in out[5]
    assert "4 at once → 2 × HTTP 200, then 2 × HTTP 429" in out[6]
    assert "6 at once → 4 × HTTP 201, then 2 × HTTP 429" in out[7] and "usage plan" in out[7]
    assert "200 answered" in out[9] and "Limit Exceeded" in out[9]
    assert out[-1] == "All 11 checks passed: lab 04, a public API that protects itself, meets the spec"
    # the check gave back the quota it used
    assert remaining(api_id) == 200


def test_the_check_can_run_again_straight_away(fresh_lab: Any) -> None:
    from helpers.checks import check_lab04

    api_id = build_transit(fresh_lab)
    check_lab04(fresh_lab, api_id)
    check_lab04(fresh_lab, api_id)
    assert remaining(api_id) == 200


def test_the_partner_keeps_the_quota_it_used_before(fresh_lab: Any) -> None:
    import requests

    from helpers.checks import check_lab04

    api_id = build_transit(fresh_lab)
    url = fresh_lab.invoke_url(api_id, "v1", "reports")
    for _ in range(5):
        fresh_lab.clock.advance(1)
        assert requests.post(url, headers={"x-api-key": PARTNER_KEY}).status_code == 201
    check_lab04(fresh_lab, api_id)
    assert remaining(api_id) == 195


# ---------------------------------------------------------------------------- wrong builds

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "a public method requires a key",
        {"public_key_required": ("stops",)},
        ("GET /stops and GET /departures answer", "HTTP 403", "apiKeyRequired true",
         '"value": "false"'),
    ),
    (
        "POST /reports open to everyone",
        {"reports_key_required": False},
        ("without an API key is refused", "HTTP 201", "apiKeyRequired false", '"value": "true"'),
    ),
    (
        "apiKeyRequired set after the deployment",
        {"late_key_required": True},
        ("HTTP 201", "older deployment", "Deploy again"),
    ),
    (
        "the key is in no plan",
        {"attach": False},
        ("partner's key answers 201", "HTTP 403", "in no usage plan", "create_usage_plan_key("),
    ),
    (
        "the plan names no stage",
        {"plan_stage": False},
        ("HTTP 403", "names no API stage", '"op": "add", "path": "/apiStages"'),
    ),
    (
        "the key was created with a generated value",
        {"key_value": None},
        ("exists with the partner's value", "another value", "value=PARTNER_KEY", "delete_api_key"),
    ),
    (
        "the key is disabled",
        {"key_enabled": False},
        ("is disabled", '"path": "/enabled"'),
    ),
    (
        "no stage throttling",
        {"stage_patches": {}},
        ("15 requests at once", "15 × HTTP 200", "no throttling for */*", "/*/*/throttling/burstLimit"),
    ),
    (
        "a departures setting written with / instead of ~1",
        {
            "stage_patches": {
                "/*/*/throttling/rateLimit": "5",
                "/*/*/throttling/burstLimit": "10",
                "/departures/GET/throttling/rateLimit": "1",
                "/departures/GET/throttling/burstLimit": "2",
            }
        },
        ("GET /departures has its own", "no method settings for GET /departures", "~1departures/GET"),
    ),
    (
        "no plan throttle",
        {"plan_throttle": None},
        ("6 requests at once", "has no throttle", '"path": "/throttle/burstLimit"'),
    ),
    (
        "a daily quota",
        {"quota": (200, "DAY")},
        ("quota: 200 requests a week", "200 requests per DAY", '"value": "WEEK"'),
    ),
    (
        "a quota of 100",
        {"quota": (100, "WEEK")},
        ("quota: 200 requests a week", "100 requests per WEEK", '"path": "/quota/limit"'),
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
    message = failure(fresh_lab, build_transit(fresh_lab, **build))
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_missing_key_is_named(fresh_lab: Any) -> None:
    api_id = build_transit(fresh_lab)
    apigateway = boto3.client("apigateway", region_name=REGION)
    for key in apigateway.get_api_keys()["items"]:
        apigateway.delete_api_key(apiKey=key["id"])
    message = failure(fresh_lab, api_id)
    assert "no API key named 'partner-key'" in message and "create_api_key(" in message


@pytest.mark.parametrize(
    "api_id, phrases",
    [
        (None, ("api_id = None", "create_rest_api(", "has not run yet")),
        ("nosuchapi", ("no such REST API", "create_rest_api step again")),
    ],
)
def test_bad_inputs_are_explained(fresh_lab: Any, api_id: Any, phrases: tuple[str, ...]) -> None:
    build_transit(fresh_lab)
    message = failure(fresh_lab, api_id)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


# ---------------------------------------------------------------------------- the aws probe


def test_the_aws_probe_sends_little_and_says_what_it_leaves_out(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The aws target's code path, answered by the emulator on wall time: single requests
    through ``requests``, no load, no trace to read, the settings compared instead."""
    from helpers.checks import check_lab04
    from helpers.clock import RealClock

    api_id = build_transit(fresh_lab)
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
    check_lab04(aws, api_id)
    out = capsys.readouterr().out.splitlines()
    assert len(fresh_lab.gateway.traces.last(1000)) - before <= 10
    assert any(line.startswith("– left out on the aws target") for line in out)
    assert out[-2].startswith("✓ the configuration matches the spec")
    assert out[-1] == "All 7 checks passed: lab 04, a public API that protects itself, meets the spec"


# ---------------------------------------------------------------------------- the notebook


def test_the_solution_prints_no_key_value_and_no_account_id() -> None:
    nb = nbformat.read(SOLUTION, as_version=4)
    text = json.dumps([c.outputs for c in code_cells(nb)])
    assert "123456789012" not in text and PARTNER_KEY not in text
    assert not re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{20,}(?![A-Za-z0-9])", text)


def test_the_notebook_and_the_check_agree_on_the_partners_key() -> None:
    from helpers.checks import lab04

    nb = nbformat.read(SOLUTION, as_version=4)
    assert f'PARTNER_KEY = "{lab04.PARTNER_KEY}"' in code_cells(nb)[0].source


#: what each blank step's NotImplementedError must name (its nudge)
LAB04_STEPS = {
    "Step 1": ("transit-api", "/stops", "apiKeyRequired", "mock_answer", "hint(1)"),
    "Step 2": ('"v1"', "create_deployment", "hint(2)"),
    "Step 3": ("update_stage", "5 requests a second, burst 10", "GET /departures", "hint(3)"),
    "Step 4": ('"partner"', "200 requests a WEEK", "create_usage_plan", "hint(4)"),
    "Step 5": ('"partner-key"', "PARTNER_KEY", "create_usage_plan_key", "hint(5)"),
}


@pytest.fixture(scope="module")
def blank_lab04() -> Any:
    return run_blank("04-pricing-tiers.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab04: Any) -> None:
    assert_blank_steps_stop(blank_lab04, LAB04_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab04: Any) -> None:
    assert_blank_check_fails(blank_lab04, "check_lab04", "transit-api")


def test_the_blank_setup_and_cleanup_cells_run(blank_lab04: Any) -> None:
    assert_blank_setup_and_cleanup_run(blank_lab04)
