"""Lab 06, ship v2 safely: ``check_lab06_canary`` passes on a canary built to the spec and
``check_lab06`` on the decision the metrics demand (promote when the canary is healthy, roll
back when it fails); each way of getting it wrong gets a targeted message (expected, got,
hint: what the step wants and the documentation page, the call only through ``hint(N, 3)``);
the blank exercise stops at every step with a message naming it, and its check cells fail
helpfully.
(Generator and sync tests for every lab are in ``test_labs.py``.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from test_labs import (
    EXERCISES,
    REGION,
    assert_blank_setup_and_cleanup_run,
    assert_blank_steps_stop,
    code_cells,
    run_blank,
)

import helpers
from helpers.checks import CheckFailed, check_lab06, check_lab06_canary, hints
from helpers.checks import lab06_spec as spec
from helpers.traffic import Client, simulate

SOLUTION = EXERCISES.parent / "solutions" / "06-ship-v2-safely.ipynb"
START = "2025-01-01T09:00:00Z"


def production(lab: Any) -> str:
    """The lab's setup cell: v1 behind ``live``, the API, its permission, stage prod."""
    lab.clock.freeze(START)
    lam = boto3.client("lambda", region_name=REGION)
    apigw = boto3.client("apigateway", region_name=REGION)
    arn = lam.create_function(
        FunctionName=spec.FUNCTION,
        Runtime="python3.12",
        Role=lab.execution_role(),
        Handler="quotes.handler",
        Code={"ZipFile": helpers.zip_function(helpers.FUNCTIONS / "quotes.py")},
    )["FunctionArn"]
    v1 = lam.publish_version(FunctionName=spec.FUNCTION)["Version"]
    lam.create_alias(FunctionName=spec.FUNCTION, Name=spec.LIVE, FunctionVersion=v1)
    api_id = apigw.create_rest_api(name=spec.NAME, endpointConfiguration={"types": ["REGIONAL"]})[
        "id"
    ]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    quote = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="quote")["id"]
    apigw.put_method(restApiId=api_id, resourceId=quote, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=quote,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"{arn}:${{stageVariables.alias}}/invocations",
    )
    permit(api_id, spec.LIVE)
    apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"alias": spec.LIVE})
    return api_id


def permit(api_id: str, alias: str) -> None:
    boto3.client("lambda", region_name=REGION).add_permission(
        FunctionName=spec.FUNCTION,
        Qualifier=alias,
        StatementId=f"apigateway-{alias}",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:123456789012:{api_id}/*/GET/quote",
    )


def build(
    lab: Any,
    *,
    publish: bool = True,
    alias: bool = True,
    permission: bool = True,
    canary: bool = True,
    overrides: dict[str, str] | None = None,
    percent: float = spec.PERCENT,
    stage_variable: str | None = None,
) -> str:
    """Steps 1-3 with knobs to get each wrong; returns the API id."""
    api_id = production(lab)
    lam = boto3.client("lambda", region_name=REGION)
    apigw = boto3.client("apigateway", region_name=REGION)
    version = "1"
    if publish:
        lam.update_function_code(
            FunctionName=spec.FUNCTION,
            ZipFile=helpers.zip_function(helpers.FUNCTIONS / "quotes_v2.py", filename="quotes.py"),
        )
        version = lam.publish_version(FunctionName=spec.FUNCTION)["Version"]
    if alias:
        lam.create_alias(FunctionName=spec.FUNCTION, Name=spec.NEXT, FunctionVersion=version)
    if permission:
        permit(api_id, spec.NEXT)
    if canary:
        apigw.create_deployment(
            restApiId=api_id,
            stageName="prod",
            canarySettings={
                "percentTraffic": percent,
                "stageVariableOverrides": overrides
                if overrides is not None
                else {"alias": spec.NEXT},
            },
        )
    if stage_variable:
        apigw.update_stage(
            restApiId=api_id,
            stageName="prod",
            patchOperations=[
                {"op": "replace", "path": "/variables/alias", "value": stage_variable}
            ],
        )
    return api_id


def watch(lab: Any, api_id: str, stage_value: str = spec.CANARY_STAGE) -> dict[str, int]:
    """Step 4: ten minutes of traffic, then the Count and 5XXError sums for ``stage_value``."""
    start = lab.clock.datetime()
    simulate(lab, lab.invoke_url(api_id, "prod"), [Client("web", 1, path="quote")], 600)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    out = {}
    for metric in ("Count", "5XXError"):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/ApiGateway",
            MetricName=metric,
            Dimensions=[
                {"Name": "ApiName", "Value": spec.NAME},
                {"Name": "Stage", "Value": stage_value},
            ],
            StartTime=start,
            EndTime=lab.clock.datetime() + dt.timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        out[metric] = int(sum(p["Sum"] for p in points))
    return out


def patch(api_id: str, *ops: dict[str, str]) -> None:
    boto3.client("apigateway", region_name=REGION).update_stage(
        restApiId=api_id, stageName="prod", patchOperations=list(ops)
    )


PROMOTE = (
    {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
    {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
    {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
)
REMOVE = {"op": "remove", "path": "/canarySettings"}


def failure(check: Any, *args: Any) -> CheckFailed:
    with pytest.raises(CheckFailed) as exc:
        check(*args)
    return exc.value


# ---------------------------------------------------------------------------- passing


def test_the_checks_pass_on_a_canary_built_to_the_spec_then_promoted(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    api_id = build(fresh_lab)
    check_lab06_canary(fresh_lab, api_id, "prod")
    metrics = watch(fresh_lab, api_id)
    assert metrics["Count"] > 20 and metrics["5XXError"] == 0
    patch(api_id, *PROMOTE)
    patch(api_id, REMOVE)
    check_lab06(fresh_lab, api_id, "prod", metrics)
    out = capsys.readouterr().out
    assert "All 4 checks passed: the canary is live" in out
    assert "All 4 checks passed: v2 shipped safely" in out
    assert "promoted (the canary's 5XXError rate was 0.0%" in out


def test_a_failing_canary_rolled_back_passes(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    api_id = build(fresh_lab, permission=False)
    metrics = watch(fresh_lab, api_id)
    assert metrics["5XXError"] == metrics["Count"] > 0
    patch(api_id, REMOVE)
    check_lab06(fresh_lab, api_id, "prod", metrics)
    assert "rolled back (the canary's 5XXError rate was 100.0%" in capsys.readouterr().out


# ---------------------------------------------------------------------------- the canary check


@pytest.mark.parametrize(
    ("knobs", "criterion", "got", "hint"),
    [
        (
            {"alias": False, "permission": False},
            "the alias next",
            "no such alias",
            "alias of its own",
        ),
        ({"publish": False}, "the alias next", "answers version 1", "Lambda version freezes"),
        ({"canary": False}, "10 % canary", "no canary", "canarySettings"),
        ({"overrides": {"alias": "live"}}, "10 % canary", '{"alias": "live"}', "canarySettings"),
        ({"percent": 50.0}, "10 % canary", "percentTraffic 50", "/canarySettings/percentTraffic"),
        ({"stage_variable": "next"}, "10 % canary", '"alias": "next"', "Only the canary"),
        ({"permission": False}, "traffic through both", "canary 500", "does not\ncover next"),
    ],
)
def test_a_wrong_canary_gets_a_targeted_message(
    fresh_lab: Any, knobs: dict[str, Any], criterion: str, got: str, hint: str
) -> None:
    api_id = build(fresh_lab, **knobs)
    err = failure(check_lab06_canary, fresh_lab, api_id, "prod")
    assert criterion in err.criterion
    assert got in (err.got or ""), err.render()
    assert hint.replace("\n", " ") in (err.hint or "").replace("\n", " "), err.render()


def test_the_permission_failure_names_the_alias_and_the_trace(fresh_lab: Any) -> None:
    api_id = build(fresh_lab, permission=False)
    err = failure(check_lab06_canary, fresh_lab, api_id, "prod")
    assert f"may not invoke {spec.FUNCTION}:{spec.NEXT}" in (err.got or "")
    assert "Invalid permissions on Lambda function" in (err.got or "")
    assert "amazon-api-gateway-using-stage-variables" in (err.hint or "")
    assert "hint(2, 3)" in (err.hint or "")
    assert "add_permission" not in (err.hint or "")  # the call comes only on request


# ---------------------------------------------------------------------------- the final check


def test_metrics_of_the_stage_are_not_the_canarys(fresh_lab: Any) -> None:
    api_id = build(fresh_lab)
    metrics = watch(fresh_lab, api_id, stage_value="prod")
    patch(api_id, *PROMOTE)
    patch(api_id, REMOVE)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert "the stage's own numbers (Stage=prod)?" in (err.got or "")
    assert "prod/Canary" in (err.hint or "")


@pytest.mark.parametrize("metrics", [None, {"Count": 0, "5XXError": 0}, {"count": 3}])
def test_missing_metrics_are_explained(fresh_lab: Any, metrics: Any) -> None:
    api_id = build(fresh_lab)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert err.criterion.startswith("canary_metrics")
    assert "get_metric_statistics" not in (err.hint or "") and "prod/Canary" in (err.hint or "")


def test_a_promotion_that_left_the_canary_is_explained(fresh_lab: Any) -> None:
    api_id = build(fresh_lab)
    metrics = watch(fresh_lab, api_id)
    patch(api_id, *PROMOTE)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert "a canary at 0 % (promotion copied it; now remove the settings)" in (err.got or "")


def test_no_decision_yet_is_explained(fresh_lab: Any) -> None:
    api_id = build(fresh_lab)
    metrics = watch(fresh_lab, api_id)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert "a canary at 10 %" in (err.got or "")
    assert "promote-canary-deployment" in (err.hint or "")


def test_rolling_back_a_healthy_canary_is_the_wrong_decision(fresh_lab: Any) -> None:
    api_id = build(fresh_lab)
    metrics = watch(fresh_lab, api_id)
    patch(api_id, REMOVE)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert "5XXError rate was 0.0%" in (err.expected or "") and "promote" in (err.expected or "")


def test_promoting_a_failing_canary_is_the_wrong_decision(fresh_lab: Any) -> None:
    api_id = build(fresh_lab, permission=False)
    metrics = watch(fresh_lab, api_id)
    patch(api_id, *PROMOTE)
    patch(api_id, REMOVE)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert "roll back" in (err.expected or "")
    assert "delete-canary-deployment" in (err.hint or "")


def test_a_promotion_without_copying_the_variables_is_caught(fresh_lab: Any) -> None:
    api_id = build(fresh_lab)
    metrics = watch(fresh_lab, api_id)
    patch(
        api_id,
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
    )
    patch(api_id, REMOVE)
    err = failure(check_lab06, fresh_lab, api_id, "prod", metrics)
    assert err.criterion == "every answer now comes from version 2"
    assert '"alias": "live"' in (err.got or "")


# ---------------------------------------------------------------------------- hints and inputs


def test_hints_come_one_step_at_a_time() -> None:
    hint = hints("lab06")
    assert hint.steps() == ["1", "2", "3", "4", "5"]
    nudge, page, code = hint(3), hint(3, 2), hint(3, 3)
    assert nudge.heading == "Step 3 · hint 1 of 3: what to do"
    assert "canarySettings" in nudge.body and not nudge.code and "hint(3, 2)" in nudge.more
    assert [p.key for p in page.pages] == ["create-canary-deployment", "canary-release"]
    assert not page.code and "hint(3, 3)" in page.more
    assert "create_deployment(" in code.code and "canarySettings=" in code.code
    with pytest.raises(KeyError, match=r"no \[hints\.nope\]"):
        hint("nope")


def test_bad_inputs_are_explained(fresh_lab: Any) -> None:
    err = failure(check_lab06_canary, fresh_lab, None, "prod")
    assert err.criterion == "the REST API id is set"
    api_id = production(fresh_lab)
    err = failure(check_lab06_canary, fresh_lab, api_id, "dev")
    assert err.criterion == "the stage is 'prod'"


def test_the_solution_prints_no_account_id_but_motos() -> None:
    import nbformat

    nb = nbformat.read(SOLUTION, as_version=4)
    text = "".join(str(o) for c in code_cells(nb) for o in c.outputs)
    assert "All 4 checks passed: v2 shipped safely" in text


# ---------------------------------------------------------------------------- blank exercise

LAB06_STEPS = {
    "Step 1": ("quotes_v2.py", "publish", '"next"', "hint(1)"),
    "Step 2": ("lam.add_permission", "Qualifier", "GET", "hint(2)"),
    "Step 3": ("create_deployment", "canarySettings", "10 %", "hint(3)"),
    "Step 4": ("get_metric_statistics", "Count", "5XXError", "canary_metrics", "hint(4)"),
    "Step 5": ("1 %", "promote", "roll back", "hint(5)"),
}


@pytest.fixture(scope="module")
def blank_lab06() -> Any:
    return run_blank("06-ship-v2-safely.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab06: Any) -> None:
    assert_blank_steps_stop(blank_lab06, LAB06_STEPS)


def test_the_blank_checks_fail_helpfully(blank_lab06: Any) -> None:
    errors = [
        o
        for cell in code_cells(blank_lab06)
        if "check_lab06" in cell.source
        for o in cell.outputs
        if o.output_type == "error"
    ]
    assert [e.ename for e in errors] == ["CheckFailed", "CheckFailed"]
    canary, final = (e.evalue for e in errors)
    assert canary.startswith("✗ the alias next of apigw-lab-06-quotes runs version 2")
    assert "hint(1, 3)" in canary
    assert final.startswith("✗ canary_metrics are the canary's")
    assert "hint(4, 3)" in final


def test_the_blank_setup_and_cleanup_cells_run(blank_lab06: Any) -> None:
    assert_blank_setup_and_cleanup_run(blank_lab06)
