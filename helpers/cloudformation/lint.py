"""cfn-lint, AWS's template linter, from a notebook: the problems CloudFormation would
report, before anything is deployed.

``lint("templates/13/api.yaml")`` prints the findings the way the ``cfn-lint`` command
does (rule id and message, then ``file:line:column``) and returns them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: the Region the templates are checked for (the moto target's)
REGIONS = ("us-east-1",)


def findings(template: str | Path, regions: tuple[str, ...] = REGIONS) -> list[Any]:
    """cfn-lint's matches for a template file (or a template's text)."""
    from cfnlint.api import ManualArgs, lint_file

    if "\n" not in str(template) and Path(template).exists():
        return list(lint_file(Path(template), config=ManualArgs(regions=list(regions))))
    return _lint_text(str(template), regions)


def _lint_text(text: str, regions: tuple[str, ...]) -> list[Any]:
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as lint_text

    return list(lint_text(text, config=ManualArgs(regions=list(regions))))


def lint(template: str | Path, regions: tuple[str, ...] = REGIONS) -> list[Any]:
    """Print the findings as the ``cfn-lint`` command does (in file order); return them."""
    matches = sorted(
        findings(template, regions), key=lambda m: (m.linenumber, m.columnnumber, m.rule.id, m.message)
    )
    for match in matches:
        where = match.filename or "template"
        print(f"{match.rule.id} {match.message}\n{where}:{match.linenumber}:{match.columnnumber}\n")
    if not matches:
        print("cfn-lint: no findings")
    return matches
