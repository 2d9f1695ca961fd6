"""``helpers.cloudformation.lint``: cfn-lint's findings, printed as the command prints them,
for a template file or a template's text; the rule set is built once and reused."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

# the module, not the package's function of the same name
lint_module = importlib.import_module("helpers.cloudformation.lint")

TEMPLATES = Path(__file__).resolve().parents[2] / "notebooks" / "templates" / "13"


def test_a_misplaced_property_is_found_where_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    found = lint_module.lint(TEMPLATES / "caching-as-written.yaml")
    assert [(m.rule.id, m.linenumber) for m in found] == [("E3002", 49), ("E3002", 50)]
    printed = capsys.readouterr().out
    assert (
        "E3002 Additional properties are not allowed ('CacheClusterEnabled' was unexpected)"
        in printed
    )
    assert f"{TEMPLATES / 'caching-as-written.yaml'}:49:7" in printed


def test_text_and_a_clean_template(capsys: pytest.CaptureFixture[str]) -> None:
    text = (TEMPLATES / "usage-plan-as-written.yaml").read_text()
    assert [m.rule.id for m in lint_module.lint(text)] == ["E3002"]
    assert "template:14:9" in capsys.readouterr().out
    assert lint_module.lint(TEMPLATES / "rest-api.yaml") == []
    assert capsys.readouterr().out == "cfn-lint: no findings\n"


def test_broken_yaml_is_a_finding_not_an_exception() -> None:
    (match,) = lint_module.findings("Resources:\n  X: [\n")
    assert match.rule.id == "E0000"


def test_the_rule_set_is_built_once() -> None:
    lint_module.findings(TEMPLATES / "rest-api.yaml")
    runner = lint_module._runner(lint_module.REGIONS)
    lint_module.findings(TEMPLATES / "cors.yaml")
    assert lint_module._runner(lint_module.REGIONS) is runner
