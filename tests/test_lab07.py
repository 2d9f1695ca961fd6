"""Lab 07, the orders API from a template: ``check_lab07`` deploys the learner's template,
passes on one written to the spec (and again straight after: the update changes nothing),
fails with a targeted message (expected, got, hint) on each likely mistake — explained from
the stack's events, the control plane and the trace — and the blank exercise stops at every
step with a message naming it, its check cell failing helpfully. The hints are the course's
(``helpers.checks.hints("lab07")``): a nudge and the documentation from the lab's message
catalogue, then the YAML of the solution's ``%%template`` cell. (Generator and sync tests for every lab are in ``test_labs.py``.)
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import nbformat
import pytest
from test_labs import (
    EXERCISES,
    assert_blank_setup_and_cleanup_run,
    assert_blank_steps_stop,
    code_cells,
    errors_of,
    run_blank,
)

from helpers.checks import hints
from helpers.checks import lab07_spec as spec
from helpers.messages import catalogue

SOLUTION = EXERCISES.parent / "solutions" / "07-orders-template.ipynb"
START = "2025-01-01T09:00:00Z"


def _part(solution_label: str) -> str:
    """The YAML of one ``%%template orders <label>`` cell of the solution (its last one)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    found = [
        c.source.split("\n", 1)[1]
        for c in code_cells(nb)
        if c.source.startswith(f"%%template orders {solution_label}\n")
    ]
    lines = [
        line
        for line in found[-1].splitlines()
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    ]
    return "\n".join(lines) + "\n"


def build(
    *,
    depends_on: bool = True,
    integration: bool = True,
    key_required: bool = True,
    validator: str = "ok",
    permission: str = "ok",
    stage_name: str = "v1",
    plan_stage: str = "ref",
    key_enabled: bool = True,
    plan_key: bool = True,
    burst: int = spec.BURST,
    maximum: int = spec.MAX_QUANTITY,
    deployment: str = "DeploymentV2",
    schema_error: bool = False,
) -> Any:
    """The solution's template, with knobs to get each part of it wrong."""
    from helpers.cloudformation.fragments import Template

    template = Template("orders")
    template.put("function", _part("function"))
    template.put("api", _part("api"))
    validation = _part("validation").replace(f"maximum: {spec.MAX_QUANTITY}", f"maximum: {maximum}")
    if validator == "no_body":
        validation = validation.replace("ValidateRequestBody: true", "ValidateRequestBody: false")
    template.put("validation", validation)
    method = _part("method")
    if not key_required:
        method = method.replace("      ApiKeyRequired: true\n", "")
    if validator == "none":
        method = method.replace("      RequestValidatorId: !Ref BodyValidator\n", "")
    if validator == "no_model":
        method = method.replace("      RequestModels:\n        application/json: !Ref Order\n", "")
    if not integration:
        head, _, rest = method.partition("      Integration:\n")
        method = head + rest[rest.index("  OrdersPermission:") :]
    if permission == "none":
        method = method[: method.index("  OrdersPermission:")]
    elif permission == "wrong":
        method = method.replace("/*/POST/orders", "/*/GET/orders")
    template.put("method", method)
    stage = _part("stage").replace("DeploymentV2", deployment)
    if not depends_on:
        stage = stage.replace("    DependsOn: PostOrderMethod\n", "")
    stage = stage.replace("StageName: v1", f"StageName: {stage_name}")
    if schema_error:  # a stage setting on the Deployment itself, as seed 002 writes it
        stage = stage.replace(
            "      RestApiId: !Ref OrdersApi\n  Stage:",
            "      RestApiId: !Ref OrdersApi\n      CacheClusterEnabled: true\n  Stage:",
        )
    template.put("stage", stage)
    plan = _part("plan").replace("BurstLimit: 10", f"BurstLimit: {burst}")
    if plan_stage == "none":
        plan = plan.replace(
            "      ApiStages:\n        - ApiId: !Ref OrdersApi\n          Stage: !Ref Stage\n", ""
        )
    elif plan_stage in ("v1", "prod"):
        plan = plan.replace("Stage: !Ref Stage", f"Stage: {plan_stage}")
    if not key_enabled:
        plan = plan.replace("      Enabled: true\n", "")
    if not plan_key:
        plan = plan[: plan.index("  PartnerPlanKey:")] + plan[plan.index("Outputs:") :]
    template.put("plan", plan)
    return template


def failure(lab: Any, template: Any) -> str:
    from helpers.checks import CheckFailed, check_lab07

    with pytest.raises(CheckFailed) as caught:
        check_lab07(lab, template)
    return str(caught.value)


def deployed_first(template: Any) -> None:
    """The stack as the learner deployed it earlier (before the change they then made)."""
    cf = boto3.client("cloudformation")
    cf.create_stack(
        StackName=spec.STACK, TemplateBody=template.text, Capabilities=["CAPABILITY_IAM"]
    )
    assert cf.describe_stacks(StackName=spec.STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


# ---------------------------------------------------------------------------- it passes


def test_check_passes_on_a_template_written_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab07

    fresh_lab.clock.freeze(START)
    assert check_lab07(fresh_lab, build()) is None
    lines = capsys.readouterr().out.splitlines()
    assert [line[:2] for line in lines[:-1]] == ["✓ "] * 8
    assert lines[0] == "✓ the template deploys as stack 'orders-api' (CREATE_COMPLETE)"
    assert (
        lines[-1] == "All 8 checks passed: lab 07, the orders API from a template, meets the spec"
    )


def test_the_check_runs_again_as_an_update_that_changes_nothing(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab07

    fresh_lab.clock.freeze(START)
    template = build()
    check_lab07(fresh_lab, template)
    capsys.readouterr()
    check_lab07(fresh_lab, template)  # the same text: "No updates are to be performed."
    assert "(CREATE_COMPLETE)" in capsys.readouterr().out


def test_the_text_of_a_template_is_accepted_too(fresh_lab: Any) -> None:
    from helpers.checks import check_lab07

    fresh_lab.clock.freeze(START)
    check_lab07(fresh_lab, build().text)


def test_on_the_aws_target_the_burst_is_left_out_and_said_so(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The aws code path (no emulator trace, no lab clock to move), run against moto."""
    from helpers.checks import check_lab07

    fresh_lab.clock.freeze(START)
    aws = SimpleNamespace(
        target="aws",
        session=fresh_lab.session,
        region=fresh_lab.region,
        account_id=fresh_lab.account_id,
        gateway=None,
        invoke_url=fresh_lab.invoke_url,
    )
    check_lab07(aws, build())
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("– left out on the aws target") for line in out)
    assert not any("orders at once" in line for line in out)
    assert out[-1] == "All 7 checks passed: lab 07, the orders API from a template, meets the spec"


# ---------------------------------------------------------------------------- wrong templates

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "Deployment without DependsOn",
        {"depends_on": False},
        (
            "ROLLBACK_COMPLETE",
            "doesn't contain any methods",
            "before the method",
            "DependsOn: PostOrderMethod",
        ),
    ),
    (
        "method without integration",
        {"integration": False},
        ("No integration defined for method", "has no Integration", "hint(3, 3)"),
    ),
    (
        "a property the schema does not have",
        {"schema_error": True},
        ("Properties validation failed", "extraneous key [CacheClusterEnabled]", "hint(4, 2)"),
    ),
    (
        "forgot ApiKeyRequired",
        {"key_required": False},
        ("without an API key", "HTTP 201", "does not require an API key", "ApiKeyRequired: true"),
    ),
    (
        "usage plan without the stage",
        {"plan_stage": "none"},
        ("HTTP 403", "names no stage of this API", "ApiStages"),
    ),
    (
        "usage plan names the stage before it exists",
        {"plan_stage": "v1"},
        ("Invalid API Stage", "before the Stage resource", "Stage: !Ref Stage", "DependsOn: Stage"),
    ),
    (
        "usage plan names another stage",
        {"plan_stage": "prod"},
        ("Invalid API Stage", "stage 'prod', which the template does not make", "v1"),
    ),
    (
        "no Lambda permission",
        {"permission": "none"},
        ("HTTP 500", "no resource-based policy", "AWS::Lambda::Permission", "/*/POST/orders"),
    ),
    (
        "permission for another method",
        {"permission": "wrong"},
        ("HTTP 500", "does not allow this API", "/v1/POST/orders", "/*/GET/orders", "SourceArn"),
    ),
    (
        "validator not attached",
        {"validator": "none"},
        ("invalid order", "HTTP 201", "names no request validator", "RequestValidatorId"),
    ),
    (
        "validator that does not check bodies",
        {"validator": "no_body"},
        ("does not validate bodies", "ValidateRequestBody: true"),
    ),
    (
        "no model for the body",
        {"validator": "no_model"},
        ("no model for application/json", "RequestModels"),
    ),
    (
        "key not enabled",
        {"key_enabled": False},
        ("HTTP 403", "is disabled", "Enabled: true"),
    ),
    (
        "key in no plan",
        {"plan_key": False},
        ("HTTP 403", "in no usage plan", "AWS::ApiGateway::UsagePlanKey"),
    ),
    (
        "the model change not made",
        {"maximum": spec.FIRST_MAX},
        ("quantity 15", "HTTP 400", "allows quantity up to 10", "20"),
    ),
    (
        "a burst larger than the spec's",
        {"burst": 100},
        ("11 orders at once", "burstLimit 100", "hint(5, 3)"),
    ),
]


@pytest.mark.parametrize("build_args, phrases", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_template_gets_a_targeted_message(
    fresh_lab: Any, build_args: dict[str, Any], phrases: tuple[str, ...]
) -> None:
    fresh_lab.clock.freeze(START)
    message = failure(fresh_lab, build(**build_args))
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_changed_model_under_the_same_deployment_is_not_live(fresh_lab: Any) -> None:
    """The update trap: the model changed, the Deployment kept its logical id."""
    fresh_lab.clock.freeze(START)
    deployed_first(build(maximum=spec.FIRST_MAX, deployment="Deployment"))
    message = failure(fresh_lab, build(deployment="Deployment"))
    for part in (
        "quantity 15",
        "HTTP 400",
        "stage 'v1' serves deployment",
        "(Deployment), made before the stack's last change to Order",
        "left the Deployment alone",
        "a new logical id (e.g. DeploymentV2)",
    ):
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_method_changed_under_the_same_deployment_is_not_live(fresh_lab: Any) -> None:
    fresh_lab.clock.freeze(START)
    deployed_first(build(key_required=False, deployment="Deployment"))
    message = failure(fresh_lab, build(deployment="Deployment"))
    for part in (
        "without an API key",
        "HTTP 201",
        "last change to PostOrderMethod",
        "DeploymentV2",
    ):
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_stack_left_by_a_failed_create_is_deleted_first(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab07

    fresh_lab.clock.freeze(START)
    failure(fresh_lab, build(depends_on=False))
    capsys.readouterr()
    check_lab07(fresh_lab, build())
    out = capsys.readouterr().out
    assert "was ROLLBACK_COMPLETE (a failed create): it was deleted, then created again" in out


@pytest.mark.parametrize(
    "template, phrases",
    [
        (None, ("the template is written", "None", "%%template cells", "check_lab07(lab, orders)")),
        ("   ", ("the template is written",)),
    ],
)
def test_no_template_is_explained(fresh_lab: Any, template: Any, phrases: tuple[str, ...]) -> None:
    message = failure(fresh_lab, template)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


def test_a_template_without_an_api_names_the_step(fresh_lab: Any) -> None:
    from helpers.cloudformation.fragments import Template

    template = Template("orders")
    template.put("function", _part("function"))
    message = failure(fresh_lab, template)
    assert (
        "no AWS::ApiGateway::RestApi, AWS::ApiGateway::Method, AWS::ApiGateway::Deployment"
        in message
    )
    assert "(steps 1, 3, 4)" in message and "hint(1)" in message


# ---------------------------------------------------------------------------- hints and messages


def test_every_step_has_three_levels_of_hint() -> None:
    hint = hints("lab07")
    assert hint.steps() == ["1", "2", "3", "4", "5", "6", "7"]
    for step in hint.steps():
        nudge, docs, call = (hint(step, level) for level in (1, 2, 3))
        assert nudge.body.startswith(f"Step {step} — ") and "hint 1 of 3" in nudge.heading
        assert docs.pages and all(
            page.url.startswith("https://docs.aws.amazon.com/") for page in docs.pages
        )
        assert call.code.startswith(("Resources:", "Outputs:")) and "hint(" not in call.code
        assert "the YAML" in call.heading and "```yaml" in call._repr_markdown_()
        assert f"hint({step}, 2)" in str(nudge) and "check_lab07" in str(call)
    with pytest.raises(KeyError):
        hint(8)
    with pytest.raises(ValueError):
        hint(1, 4)


def test_each_hint_call_is_the_solutions_yaml() -> None:
    """Hint 3 of a step is exactly what the solution writes for it (steps 1-5; 6 and 7 write
    the validation and stage parts again)."""
    hint = hints("lab07")
    for step, label in (
        ("1", "api"),
        ("2", "validation"),
        ("3", "method"),
        ("4", "stage"),
        ("5", "plan"),
    ):
        first = _first_part(label)
        assert hint(step, 3).code.strip() == first.strip(), step
    assert hint("6", 3).code.strip() == _part("validation").strip()
    assert hint("7", 3).code.strip() == _part("stage").strip()


def _first_part(label: str) -> str:
    nb = nbformat.read(SOLUTION, as_version=4)
    cell = next(c for c in code_cells(nb) if c.source.startswith(f"%%template orders {label}\n"))
    body = cell.source.split("\n", 1)[1]
    return "\n".join(
        line
        for line in body.splitlines()
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    )


def test_texts_fill_and_keep_unknown_fields() -> None:
    messages = catalogue("lab07", "en")
    assert messages.text("criteria.no_key", path="/orders") == (
        "POST /orders without an API key → 403 Forbidden"
    )
    assert messages.text("criteria.deploys") == "the template deploys as stack '{stack}'"
    assert "{ApiId: !Ref OrdersApi" in messages.text("fix.plan_stage")  # {{ }} are braces


def test_the_notebook_shows_the_spec_the_check_holds() -> None:
    """The spec table the learner reads names what the check verifies."""
    nb = nbformat.read(SOLUTION, as_version=4)
    table = next(c.source for c in nb.cells if c.source.startswith("## The spec"))
    for value in (
        f"`{spec.STACK}`",
        f"named `{spec.API_NAME}`, endpoint type `REGIONAL`",
        f"`{spec.METHOD} {spec.PATH}`",
        f"from 1 to {spec.FIRST_MAX}; {spec.MAX_QUANTITY} after the change",
        f"`{spec.STAGE}`, its own `AWS::ApiGateway::Stage` resource",
        f"`{spec.KEY_NAME}`, enabled",
        f"`{spec.PLAN_NAME}` on stage `{spec.STAGE}`: {spec.RATE:g} requests a second, "
        f"burst {spec.BURST}; {spec.QUOTA:,} requests a {spec.PERIOD.lower()}",
        f"more than {spec.BURST} at once → `429`",
    ):
        assert value in table, value


def test_the_solution_prints_no_key_value_and_no_account_id() -> None:
    text = json.dumps(nbformat.read(SOLUTION, as_version=4))
    assert "123456789012" not in text.replace("arn:aws:lambda:us-east-1:123456789012", "")


# ---------------------------------------------------------------------------- blank exercise

LAB07_STEPS = {
    "Step 1": ("REST API", "orders", "REGIONAL", "/orders", "hint(1)"),
    "Step 2": ("model", "Order", "validator", "hint(2)"),
    "Step 3": ("POST /orders", "API key", "permission", "hint(3)"),
    "Step 4": ("deployment", "v1", "OrdersUrl", "hint(4)"),
    "Step 5": ("partner", "partner-plan", "ApiKeyId", "hint(5)"),
    "Step 6": ("validation", "20", "hint(6)"),
    "Step 7": ("live", "stage", "hint(7)"),
}


@pytest.fixture(scope="module")
def blank_lab07() -> Any:
    return run_blank("07-orders-template.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab07: Any) -> None:
    assert_blank_steps_stop(blank_lab07, LAB07_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab07: Any) -> None:
    (error,) = errors_of(blank_lab07, lambda source: "check_lab07" in source)
    assert error.ename == "CheckFailed"
    assert error.evalue.startswith("✗ the template is written")
    assert "(steps 1, 3, 4)" in error.evalue and "hint(1)" in error.evalue
    assert error.traceback[0] == "CheckFailed: lab check failed"


def test_the_blank_setup_and_cleanup_cells_run(blank_lab07: Any) -> None:
    assert_blank_setup_and_cleanup_run(blank_lab07)
