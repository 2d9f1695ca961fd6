"""The labs: exercises generated from their solutions, and checks that judge behaviour.

- the exercises in ``labs/exercises/`` are exactly what ``scripts/make_exercises.py`` makes
  from ``labs/solutions/`` (CI also runs ``--check``), and hold no solution code;
- the generator keeps indentation, stays valid Python and refuses broken markers;
- ``check_lab01`` passes on an API built to the spec, and fails with a targeted message
  (what was expected, what happened, what to try) on each way of getting it wrong;
- the blank exercise, run top to bottom, stops at every step with a message naming it,
  and its check cell fails helpfully rather than with a ``NameError``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "labs" / "solutions").glob("*.ipynb"))
EXERCISES = ROOT / "labs" / "exercises"
REGION = "us-east-1"
ACCOUNT = "123456789012"


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_exercises", ROOT / "scripts" / "make_exercises.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_exercises", module)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def solution_blocks(source: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in source.splitlines():
        if gen.BEGIN.match(line):
            current = []
        elif gen.END.match(line):
            assert current is not None
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


# ---------------------------------------------------------------------------- (a) in sync


def test_there_are_labs() -> None:
    assert SOLUTIONS, "labs/solutions/ holds no notebooks"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_regenerating_the_exercise_changes_nothing(solution: Path) -> None:
    target = EXERCISES / solution.name
    assert target.exists(), f"{target} is missing: run `make exercises`"
    assert gen.exercise_text(solution) == target.read_text(encoding="utf-8"), (
        f"{target.name} is out of date: run `make exercises`"
    )


def test_check_mode_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["--check"]) == 0, capsys.readouterr().err
    assert "up to date" in capsys.readouterr().out


def test_check_mode_names_the_stale_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(gen, "EXERCISES", tmp_path)
    (tmp_path / SOLUTIONS[0].name).write_text(
        gen.exercise_text(SOLUTIONS[0]).replace("YOUR CODE HERE", "edited"), encoding="utf-8"
    )
    assert gen.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert SOLUTIONS[0].name in err and "differs" in err and "make exercises" in err
    for other in SOLUTIONS[1:]:
        assert f"{other.name} (missing)" in err


def test_generation_is_deterministic() -> None:
    for solution in SOLUTIONS:
        first = gen.exercise_text(solution)
        assert first == gen.exercise_text(solution)
        assert first.endswith("}\n") and json.loads(first)["nbformat"] == 4
        assert first.startswith('{\n "cells": [\n')  # nbformat's indent=1, sorted keys


# ---------------------------------------------------------------------------- (b) no solutions


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_has_marked_blocks_and_exercise_has_none_of_their_code(solution: Path) -> None:
    sol = nbformat.read(solution, as_version=4)
    exercise = nbformat.read(EXERCISES / solution.name, as_version=4)
    blocks = [b for cell in code_cells(sol) for b in solution_blocks(cell.source)]
    assert blocks, f"{solution.name} has no BEGIN SOLUTION / END SOLUTION pair"

    text = "\n".join(c.source for c in exercise.cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    exercise_lines = {line.strip() for c in code_cells(exercise) for line in c.source.splitlines()}
    # every substantial solution line is gone (short ones such as ")" may occur elsewhere)
    leaked = {
        line.strip()
        for block in blocks
        for line in block
        if len(line.strip()) > 12 and line.strip() in exercise_lines
    }
    assert not leaked, f"solution code left in the exercise: {sorted(leaked)}"
    raises = sum(c.source.count("raise NotImplementedError(") for c in code_cells(exercise))
    assert raises == len(blocks)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_exercise_is_clean_valid_python(solution: Path) -> None:
    exercise = nbformat.read(EXERCISES / solution.name, as_version=4)
    nbformat.validate(exercise)
    solution_language = nbformat.read(solution, as_version=4).metadata["language_info"]
    assert exercise.metadata == {**gen.NOTEBOOK_METADATA, "language_info": solution_language}
    for cell in code_cells(exercise):
        assert cell.outputs == [] and cell.execution_count is None
        assert set(cell.metadata) <= set(gen.KEPT_CELL_METADATA)
        if not cell.source.startswith("%%"):  # a cell magic's body is not Python (%%template)
            ast.parse(cell.source)
    sol_ids = [c.id for c in nbformat.read(solution, as_version=4).cells]
    assert [c.id for c in exercise.cells] == sol_ids


# ---------------------------------------------------------------------------- the generator


def test_blocks_keep_their_indentation_and_message() -> None:
    source = (
        "total = None\n"
        "for x in range(3):\n"
        "    # BEGIN SOLUTION add x to the total (hint: total += x)\n"
        "    total = (total or 0) + x\n"
        "    # END SOLUTION\n"
        "print(total)"
    )
    out, blocks = gen.strip_code(source)
    assert blocks == 1
    assert out == (
        "total = None\n"
        "for x in range(3):\n"
        "    # YOUR CODE HERE\n"
        '    raise NotImplementedError("add x to the total (hint: total += x)")\n'
        "print(total)"
    )
    ast.parse(out)


def test_a_hint_marker_takes_its_message_from_the_catalogue() -> None:
    source = "if True:\n    # BEGIN SOLUTION hint:3\n    x = 1\n    # END SOLUTION"
    out, blocks = gen.strip_code(source)
    assert blocks == 1
    assert out == 'if True:\n    # YOUR CODE HERE\n    raise NotImplementedError(hint.todo("3"))'


def test_marker_without_message_gets_a_default() -> None:
    out, _ = gen.strip_code("# BEGIN SOLUTION\nx = 1\n# END SOLUTION")
    assert out == f'# YOUR CODE HERE\nraise NotImplementedError("{gen.DEFAULT_MESSAGE}")'


def test_quotes_in_the_message_stay_valid_python() -> None:
    out, _ = gen.strip_code('# BEGIN SOLUTION: call f("it\'s")\nf("x")\n# END SOLUTION')
    assert ast.literal_eval(out.splitlines()[1].removeprefix("raise NotImplementedError")) == (
        'call f("it\'s")'
    )


@pytest.mark.parametrize(
    "source, complaint",
    [
        ("# BEGIN SOLUTION\nx = 1", "has no END SOLUTION"),
        ("x = 1\n# END SOLUTION", "without BEGIN SOLUTION"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside the block"),
        ("if x:\n# BEGIN SOLUTION\n    y = 1\n# END SOLUTION\n    z = 2", "not be valid Python"),
    ],
)
def test_broken_markers_are_refused(source: str, complaint: str) -> None:
    with pytest.raises(gen.MarkerError, match=complaint):
        gen.strip_code(source, "lab.ipynb, cell 3")


def test_markdown_solutions_and_solution_only_cells_are_dropped() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "Intro\n<!-- BEGIN SOLUTION -->\nthe answer\n<!-- END SOLUTION -->\nend"
            ),
            nbformat.v4.new_code_cell("secret = 42", metadata={"tags": ["solution-only"]}),
            nbformat.v4.new_code_cell(
                "# BEGIN SOLUTION\nx = 1\n# END SOLUTION",
                execution_count=3,
                outputs=[nbformat.v4.new_output("stream", text="1\n")],
                metadata={"tags": ["keep"], "scrolled": True},
            ),
        ]
    )
    exercise, blocks = gen.make_exercise(nb)
    assert blocks == 3
    assert [c.source for c in exercise.cells] == [
        "Intro\nend",
        f'# YOUR CODE HERE\nraise NotImplementedError("{gen.DEFAULT_MESSAGE}")',
    ]
    assert exercise.cells[1].metadata == {"tags": ["keep"]}
    assert exercise.cells[1].outputs == [] and exercise.cells[1].execution_count is None


# ---------------------------------------------------------------------------- building lab 01


def build_notes(
    lab: Any,
    *,
    endpoint: str = "REGIONAL",
    name: str = "notes",
    proxy_part: str = "{proxy+}",
    proxy_verbs: tuple[str, ...] = ("ANY",),
    root: bool = True,
    integration_method: str = "POST",
    permit: bool = True,
    source_arn: str | None = None,
    stages: dict[str, dict[str, str]] | None = None,
    late_root: bool = False,
    code: bytes | None = None,
) -> str:
    """Lab 01's boto3 calls, with knobs to get each of them wrong; returns the API id."""
    from helpers import zip_function

    iam = boto3.client("iam", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    apigateway = boto3.client("apigateway", region_name=REGION)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(
        RoleName="apigw-lab-01-notes", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    function_arn = lam.create_function(
        FunctionName="notes-router",
        Runtime="python3.12",
        Role=role_arn,
        Handler="notes_router.handler",
        Code={"ZipFile": code or zip_function(NOTES_ROUTER)},
        Timeout=5,
    )["FunctionArn"]
    api_id = apigateway.create_rest_api(name=name, endpointConfiguration={"types": [endpoint]})[
        "id"
    ]
    root_id = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    proxy_id = apigateway.create_resource(restApiId=api_id, parentId=root_id, pathPart=proxy_part)[
        "id"
    ]
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"

    def method(resource_id: str, verb: str) -> None:
        apigateway.put_method(
            restApiId=api_id, resourceId=resource_id, httpMethod=verb, authorizationType="NONE"
        )
        apigateway.put_integration(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=verb,
            type="AWS_PROXY",
            integrationHttpMethod=integration_method,
            uri=uri,
        )

    if root and not late_root:
        method(root_id, "ANY")
    for verb in proxy_verbs:
        method(proxy_id, verb)
    if permit:
        lam.add_permission(
            FunctionName="notes-router",
            StatementId="apigateway-invoke-notes",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source_arn or f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*/*",
        )
    chosen = stages if stages is not None else LAB01_STAGES
    for stage, variables in chosen.items():
        apigateway.create_deployment(restApiId=api_id, stageName=stage, variables=variables)
    if late_root:  # added after the deployments: not live until deployed again
        method(root_id, "ANY")
    return api_id


LAB01_STAGES = {"dev": {"env": "development"}, "prod": {"env": "production"}}
NOTES_ROUTER = ROOT / "functions" / "notes_router.py"


def failure(lab: Any, api_id: Any) -> str:
    from helpers.checks import CheckFailed, check_lab01

    with pytest.raises(CheckFailed) as caught:
        check_lab01(lab, api_id)
    return str(caught.value)


# ---------------------------------------------------------------------------- (c) it passes


def test_check_passes_on_an_api_built_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import check_lab01

    api_id = build_notes(fresh_lab)
    capsys.readouterr()
    assert check_lab01(fresh_lab, api_id) is None
    lines = capsys.readouterr().out.splitlines()
    assert [line[:2] for line in lines[:-1]] == ["✓ "] * 11
    assert lines[0] == "✓ REST API 'notes' exists with a REGIONAL endpoint"
    assert "x-env: development" in lines[1] and "x-env: production" in lines[8]
    assert "no route for PATCH /drafts/7/title" in lines[7]
    assert lines[-1] == "All 11 checks passed: lab 01, a catch-all REST API, meets the spec"


def test_a_prod_stage_made_with_create_stage_passes_too(fresh_lab: Any) -> None:
    """The hint's other way: a new stage pointing at the dev stage's deployment."""
    from helpers.checks import check_lab01

    api_id = build_notes(fresh_lab, stages={"dev": {"env": "development"}})
    apigateway = boto3.client("apigateway", region_name=REGION)
    deployment = apigateway.get_stage(restApiId=api_id, stageName="dev")["deploymentId"]
    apigateway.create_stage(
        restApiId=api_id,
        stageName="prod",
        deploymentId=deployment,
        variables={"env": "production"},
    )
    assert check_lab01(fresh_lab, api_id) is None


def test_check_failed_is_an_assertion_error_with_parts() -> None:
    from helpers.checks import CheckFailed

    err = CheckFailed("a criterion", expected="this", got="that\nand more", hint="try this")
    assert isinstance(err, AssertionError)
    assert str(err) == (
        "✗ a criterion\n"
        "  expected: this\n"
        "  got:      that\n"
        "            and more\n"
        "  hint:     try this"
    )


# ---------------------------------------------------------------------------- wrong builds

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "edge endpoint",
        {"endpoint": "EDGE"},
        (
            "REGIONAL",
            "got:      endpoint type EDGE",
            'endpointConfiguration={"types": ["REGIONAL"]}',
        ),
    ),
    ("wrong name", {"name": "memos"}, ("name 'notes'", "name 'memos'")),
    (
        "no method on the root",
        {"root": False},
        ("GET / on stage 'dev'", "HTTP 403", "root resource", "never \"/\" itself", "resourceId=root_id"),
    ),
    (
        "{proxy} without the +",
        {"proxy_part": "{proxy}"},
        ("GET /notes", "HTTP 403", "/{proxy}", "exactly one segment", 'pathPart="{proxy+}"'),
    ),
    (
        "GET instead of ANY on {proxy+}",
        {"proxy_verbs": ("GET",)},
        ("POST /notes", "HTTP 403", "has only GET", "a POST request finds no method", "ANY"),
    ),
    (
        "no permission: 500",
        {"permit": False},
        (
            "HTTP 500",
            "no resource-based policy",
            "lam.add_permission(",
            'Principal="apigateway.amazonaws.com"',
            "/*/*/*",
        ),
    ),
    (
        "a permission for GET only: POST is 500",
        {"source_arn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:API/*/GET/*"},
        ("POST /notes", "HTTP 500", "does not allow this API", "/dev/POST/notes", "/*/GET/*"),
    ),
    (
        "no deployment: 403",
        {"stages": {}},
        ("HTTP 403", "Missing Authentication Token", "no stage 'dev'", "create_deployment("),
    ),
    (
        "forgot to redeploy after adding the root method",
        {"late_root": True},
        ("GET /", "HTTP 403", "not in the deployment", "create_deployment("),
    ),
    (
        "no prod stage",
        {"stages": {"dev": {"env": "development"}}},
        ("GET / on stage 'prod'", "no stage 'prod'", 'stageName="prod"', "production"),
    ),
    (
        "no stage variable on dev",
        {"stages": {"dev": {}, "prod": {"env": "production"}}},
        ("x-env", "no x-env header", "no stage variable env", 'variables={"env": "development"}'),
    ),
    (
        "prod with dev's variable",
        {"stages": {"dev": {"env": "development"}, "prod": {"env": "development"}}},
        ("stage 'prod'", "x-env: development", "env='development'", "production"),
    ),
    (
        "integration invoked with GET",
        {"integration_method": "GET"},
        ("integrationHttpMethod GET", 'integrationHttpMethod="POST"', "always invokes Lambda"),
    ),
]


@pytest.mark.parametrize("build, phrases", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_build_gets_a_targeted_message(
    fresh_lab: Any, build: dict[str, Any], phrases: tuple[str, ...]
) -> None:
    if "source_arn" in build:
        api_id = build_notes(fresh_lab, permit=False)
        boto3.client("lambda", region_name=REGION).add_permission(
            FunctionName="notes-router",
            StatementId="apigateway-invoke-get",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=build["source_arn"].replace("API", api_id),
        )
    else:
        api_id = build_notes(fresh_lab, **build)
    message = failure(fresh_lab, api_id)
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


def test_behaviour_is_judged_not_configuration(fresh_lab: Any) -> None:
    """Wired exactly right, but to a function that answers wrongly: the check notices."""
    from helpers import zip_function

    wrong = zip_function(
        "import json\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps({'service': 'notes'})}\n",
        filename="notes_router.py",
    )
    message = failure(fresh_lab, build_notes(fresh_lab, code=wrong))
    assert "stage variable env" in message and "no x-env header" in message


def test_a_failing_function_is_explained(fresh_lab: Any) -> None:
    from helpers import zip_function

    broken = zip_function(
        "def handler(event, context):\n    raise ValueError('notebook on fire')\n",
        filename="notes_router.py",
    )
    message = failure(fresh_lab, build_notes(fresh_lab, code=broken))
    assert "HTTP 502" in message and "notes_router.handler" in message
    assert "notebook on fire" in message  # the emulator's reason, as execution logs would say


@pytest.mark.parametrize(
    "api_id, phrases",
    [
        (None, ("api_id = None", "create_rest_api(", "has not run yet")),
        ("", ("api_id = ''", "create_rest_api(")),
        ("nosuchapi", ("no such REST API", "create_rest_api step again")),
    ],
)
def test_bad_inputs_are_explained(fresh_lab: Any, api_id: Any, phrases: tuple[str, ...]) -> None:
    build_notes(fresh_lab)
    message = failure(fresh_lab, api_id)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


def test_an_unassigned_id_points_at_the_api_that_exists(fresh_lab: Any) -> None:
    built = build_notes(fresh_lab)
    message = failure(fresh_lab, None)
    assert f"A REST API named 'notes' exists (id {built})" in message


# ---------------------------------------------------------------------------- (d) blank exercise

#: what each blank step's NotImplementedError must name (its nudge: the thing to build, and
#: the client that has the call), and that it points at the hints
LAB01_STEPS = {
    "Step 1": ("notes-router", "lam.create_function", "function_arn", "hint(1)"),
    "Step 2": ("REST API", "notes", "api_id", "greedy path parameter", "hint(2)"),
    "Step 3": ("every HTTP verb", "Lambda proxy integration", "put_integration", "hint(3)"),
    "Step 4": ("lam.add_permission", "every method", "SourceArn", "hint(4)"),
    "Step 5": ('"dev"', "env", '"development"', "create_deployment", "hint(5)"),
    "Step 6": ('"prod"', '"production"', "hint(6)"),
}


def run_blank(name: str) -> Any:
    """A learner's exercise notebook exactly as shipped, run top to bottom in a fresh kernel."""
    from nbclient import NotebookClient

    nb = nbformat.read(EXERCISES / name, as_version=4)
    NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        timeout=120,
        resources={"metadata": {"path": str(EXERCISES)}},
    ).execute()
    return nb


def assert_blank_steps_stop(nb: Any, steps: dict[str, tuple[str, ...]]) -> None:
    """Every blank step raises NotImplementedError naming the step and what to call."""
    errors = errors_of(nb, lambda source: "YOUR CODE HERE" in source)
    assert [e.ename for e in errors] == ["NotImplementedError"] * len(steps)
    for error, (step, phrases) in zip(errors, steps.items(), strict=True):
        assert error.evalue.startswith(step), error.evalue
        for phrase in phrases:
            assert phrase in error.evalue, f"{phrase!r} not in {error.evalue!r}"


def assert_blank_check_fails(nb: Any, check: str, api_name: str) -> str:
    """The check on a blank notebook says the API id is not set and how to create it; the
    notebook shows the message, not a wall of helper frames. Returns the message."""
    (error,) = errors_of(nb, lambda source: check in source)
    assert error.ename == "CheckFailed"
    message = error.evalue
    assert message.startswith("✗ the REST API id is set")
    assert "api_id = None" in message and "has not run yet" in message
    assert f'apigateway.create_rest_api(name="{api_name}"' in message
    assert error.traceback[0] == "CheckFailed: lab check failed"
    assert "\n".join(error.traceback[1:]) == message
    return message


def assert_blank_setup_and_cleanup_run(nb: Any) -> str:
    """The first and last code cells run on a blank notebook; returns the clean-up output."""
    cells = code_cells(nb)
    setup, cleanup = cells[0], cells[-1]
    assert "helpers.connect" in setup.source and "lab.cleanup()" in cleanup.source
    for cell in (setup, cleanup):
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    return json.dumps(cleanup.outputs)


@pytest.fixture(scope="module")
def blank_lab01() -> Any:
    return run_blank("01-first-rest-api.ipynb")


def errors_of(nb: Any, where: Callable[[str], bool]) -> list[Any]:
    return [
        output
        for cell in code_cells(nb)
        if where(cell.source)
        for output in cell.outputs
        if output.output_type == "error"
    ]


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab01: Any) -> None:
    assert_blank_steps_stop(blank_lab01, LAB01_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab01: Any) -> None:
    assert "hint:" in assert_blank_check_fails(blank_lab01, "check_lab01", "notes")


def test_the_blank_setup_and_cleanup_cells_run(blank_lab01: Any) -> None:
    assert re.search(r"role apigw-lab-01-notes", assert_blank_setup_and_cleanup_run(blank_lab01))
