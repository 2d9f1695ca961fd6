"""``%%template`` cells: parts of one CloudFormation template, merged into one text that
keeps the learner's YAML (short forms, block scalars, comments), replaced by label, and
refused with a clear error when they cannot join."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.cloudformation.fragments import Template, TemplateError, load, run_cell

API = """Resources:
    Api:
        Type: AWS::ApiGateway::RestApi
        Properties: {Name: x}
Outputs:
  Url:
    Value: !Sub 'https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1'
"""
FUNCTION = """# given
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        ZipFile: |
          def handler(event, context):
              return {}
"""


def test_parts_merge_into_one_template_of_sections() -> None:
    template = Template("t")
    template.put("function", FUNCTION)
    template.put("api", API)
    text = template.text
    assert text.count("Resources:") == 1 and text.index("Resources:") < text.index("Outputs:")
    assert "\n  Api:\n      Type: AWS::ApiGateway::RestApi\n" in text  # entries two spaces in
    assert "          def handler(event, context):\n              return {}\n" in text
    parsed = template.parsed()
    assert set(parsed["Resources"]) == {"Fn", "Api"}
    assert parsed["Outputs"]["Url"]["Value"] == {
        "Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1"
    }
    assert list(template.resources("AWS::Lambda::Function")) == ["Fn"]


def test_a_part_put_again_replaces_the_earlier_one() -> None:
    template = Template("t")
    template.put("api", API)
    template.put("api", API.replace("Api:", "Api2:").replace("${Api}", "${Api2}"))
    assert list(template.resources()) == ["Api2"]
    assert repr(template) == "<Template 't': api>"


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("Resources:\n  Api:\n    Type: X\n", "which part 'api' already defines"),
        ("Api:\n  Type: X\n", "'Api' is not a template section"),
        ("Resources:\n  X: [\n", "is not valid YAML"),
        ("- a\n- b\n", "a mapping of sections"),
    ],
)
def test_a_part_that_cannot_join_is_refused(text: str, complaint: str) -> None:
    template = Template("t")
    template.put("api", API)
    with pytest.raises(TemplateError, match=complaint):
        template.put("other", text)
    assert list(template.parts) == ["api"]


def test_short_forms_become_their_functions() -> None:
    assert load("A: !GetAtt Api.RootResourceId\nB: !Ref X\nC: !Join ['', [a, b]]") == {
        "A": {"Fn::GetAtt": ["Api", "RootResourceId"]},
        "B": {"Ref": "X"},
        "C": {"Fn::Join": ["", ["a", "b"]]},
    }


def test_the_cell_makes_the_template_in_the_namespace() -> None:
    namespace: dict[str, Any] = {}
    made = run_cell("orders api", API, namespace)
    assert namespace["orders"] is made and list(made.parts) == ["api"]
    assert run_cell("orders", FUNCTION, namespace) is made  # the default part: "main"
    assert list(made.parts) == ["api", "main"]
    with pytest.raises(TemplateError, match="usage: %%template NAME"):
        run_cell("", API, namespace)


def test_a_blank_exercise_step_raises_its_message() -> None:
    namespace: dict[str, Any] = {"step": lambda n: f"Step {n}: do it"}
    with pytest.raises(NotImplementedError, match="Step 1: declare the API"):
        run_cell("t", '# YOUR CODE HERE\nraise NotImplementedError("Step 1: declare the API")', {})
    with pytest.raises(NotImplementedError, match="Step 2: do it"):
        run_cell(
            "t", "Resources:\n  # YOUR CODE HERE\n  raise NotImplementedError(step(2))", namespace
        )
    assert "t" not in namespace


def test_a_solutions_marker_lines_are_not_part_of_the_template() -> None:
    template = Template("t")
    template.put("api", "# BEGIN SOLUTION Step 1: the API\n" + API + "# END SOLUTION\n")
    assert "SOLUTION" not in template.text


def test_save_writes_the_text(tmp_path: Any) -> None:
    template = Template("t")
    template.put("api", API)
    assert template.save(tmp_path / "t.yaml").read_text() == template.text == str(template)


def test_scalar_sections_keep_their_form() -> None:
    template = Template("t")
    template.put(
        "head",
        "AWSTemplateFormatVersion: '2010-09-09'\nDescription: >\n  The orders API,\n  as a stack.\n",
    )
    template.put("api", API)
    template.put("empty", "Outputs: {}\n")
    parsed = template.parsed()
    assert parsed["AWSTemplateFormatVersion"] == "2010-09-09"
    assert parsed["Description"] == "The orders API, as a stack.\n"
    assert list(parsed["Outputs"]) == ["Url"]
    assert template.text.startswith("AWSTemplateFormatVersion: '2010-09-09'\nDescription: >\n")
