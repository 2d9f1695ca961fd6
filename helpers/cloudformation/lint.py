"""cfn-lint, AWS's template linter, from a notebook: the problems CloudFormation would
report, before anything is deployed.

``lint("templates/13/api.yaml")`` prints the findings the way the ``cfn-lint`` command
does (rule id and message, then ``file:line:column``) and returns them.

cfn-lint's own API builds its whole rule set (some 340 rules) for every file it is given;
here the rule set is built once per set of Regions and every later file reuses it, as the
``cfn-lint`` command does for the files of one invocation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

#: the Region the templates are checked for (the moto target's)
REGIONS = ("us-east-1",)


@cache
def _runner(regions: tuple[str, ...]) -> Any:
    """cfn-lint's runner with the default rules, made once per set of Regions."""
    from cfnlint.api import ManualArgs
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([], **ManualArgs(regions=list(regions))))


def findings(template: str | Path, regions: tuple[str, ...] = REGIONS) -> list[Any]:
    """cfn-lint's matches for a template file (or a template's text)."""
    from cfnlint.api import ManualArgs
    from cfnlint.config import ConfigMixIn

    runner = _runner(tuple(regions))
    if "\n" not in str(template) and Path(template).exists():
        runner.config = ConfigMixIn(
            ["--template", str(template)], **ManualArgs(regions=list(regions))
        )
        return list(runner.run())
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    parsed, errors = decode_str(str(template))
    if errors or parsed is None:
        return list(errors or [])
    config = ConfigMixIn([], **ManualArgs(regions=list(regions)))
    return list(run_template_by_data(parsed, config, runner.rules))


def lint(template: str | Path, regions: tuple[str, ...] = REGIONS) -> list[Any]:
    """Print the findings as the ``cfn-lint`` command does (in file order); return them."""
    matches = sorted(
        findings(template, regions),
        key=lambda m: (m.linenumber, m.columnnumber, m.rule.id, m.message),
    )
    for match in matches:
        where = match.filename or "template"
        print(f"{match.rule.id} {match.message}\n{where}:{match.linenumber}:{match.columnnumber}\n")
    if not matches:
        print("cfn-lint: no findings")
    return matches
