"""The ``%%aws`` cell's bash subset: lines joined at ``\\``, quotes, ``$NAME``/``${NAME}``,
``NAME=$(...)``, ``echo``, ``$?``, and a clear error for anything else. The commands
themselves run through a stand-in for the CLI here (the behaviour tests run the real one)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import cli
from helpers.cli import Shell, ShellSubsetError


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake(argv: list[str]) -> tuple[int, str]:
        calls.append(list(argv))
        if argv[:2] == ["apigateway", "create-rest-api"]:
            return 0, "a1b2c3\n"
        if argv[:1] == ["fail"]:
            return 255, ""
        return 0, "{}\n"

    monkeypatch.setattr(cli, "run_cli", fake)
    return calls


def test_continuations_quotes_and_substitution(ran: list[list[str]]) -> None:
    namespace: dict[str, Any] = {}
    shell = Shell(namespace)
    shell.run(
        """
# a comment
API_ID=$(aws apigateway create-rest-api \\
    --name "Product API" --query id --output text)
aws apigateway update-stage --rest-api-id $API_ID --patch-operations '[
    {"op": "replace", "path": "/x", "value": "$API_ID"}
]' --stage-name "${API_ID}-stage"
"""
    )
    assert namespace["API_ID"] == "a1b2c3" and shell.variables["API_ID"] == "a1b2c3"
    assert ran[0] == [
        "apigateway",
        "create-rest-api",
        "--name",
        "Product API",
        "--query",
        "id",
        "--output",
        "text",
    ]
    assert ran[1][:3] == ["apigateway", "update-stage", "--rest-api-id"]
    assert ran[1][3] == "a1b2c3"
    assert '"value": "$API_ID"' in ran[1][5]  # single quotes keep $ literal
    assert ran[1][-1] == "a1b2c3-stage"


def test_python_names_and_the_exit_status(ran: list[list[str]], capsys: Any) -> None:
    shell = Shell({"FUNCTION_ARN": "arn:aws:lambda:us-east-1:123456789012:function:f"})
    status = shell.run('aws fail\necho "status: $?" $FUNCTION_ARN')
    assert status == 0
    assert (
        capsys.readouterr().out == "status: 255 arn:aws:lambda:us-east-1:123456789012:function:f\n"
    )


@pytest.mark.parametrize(
    "line",
    ["aws apigateway get-rest-apis | jq .", "ls -l", "aws x && aws y", "echo `date`", 'echo "open'],
)
def test_what_is_outside_the_subset_is_refused_by_name(ran: list[list[str]], line: str) -> None:
    with pytest.raises(ShellSubsetError):
        Shell().run(line)
    assert ran == []
