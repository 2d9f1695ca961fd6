"""What every notebook's markdown must get right for JupyterLab and the course site to render it
as written (any notebook, any language: the glob picks up new ones).

- **Currency dollars are escaped** (``\\$0.02``): JupyterLab and MyST read ``$…$`` as LaTeX,
  so "$0.020 per hour … about $14.60 a month" would render as italic maths between the two
  dollar signs. Dollars inside code (``$context.requestId``, ``$default``) are left alone.
- **Notebook metadata is what JupyterLab writes itself**, so opening a notebook does not mark
  it modified (and autosave does not rewrite the learner's copy).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p
    for pattern in ("notebooks/**/*.ipynb", "labs/**/*.ipynb")
    for p in ROOT.glob(pattern)
    if ".ipynb_checkpoints" not in p.parts
)

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
#: a dollar sign before a digit that no backslash escapes
CURRENCY = re.compile(r"(?<!\\)\$(?=\s?\d)")


def unescaped_currency(markdown: str) -> list[str]:
    """The places in ``markdown`` where an unescaped ``$`` starts an amount."""
    prose = CODE_SPAN.sub(lambda m: " " * len(m.group()), FENCE.sub("", markdown))
    return [
        prose[max(0, m.start() - 30) : m.end() + 20].replace("\n", " ")
        for m in CURRENCY.finditer(prose)
    ]


def markdown_cells(path: Path) -> list[tuple[int, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        (i, "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "markdown"
    ]


def test_the_pattern_finds_currency_and_only_currency() -> None:
    assert unescaped_currency("costs $0.020 per hour, about $14.60 a month")
    assert unescaped_currency("| $3.50 per million |")
    assert not unescaped_currency(r"costs \$0.020 per hour, about \$14.60 a month")
    assert not unescaped_currency("`$context.requestId` and `$default` and `$1`")
    assert not unescaped_currency("```\necho $1 $2\n```\n")
    assert not unescaped_currency("the $default route")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_currency_in_markdown_is_escaped(path: Path) -> None:
    found = [
        f"cell {i}: …{where}…"
        for i, source in markdown_cells(path)
        for where in unescaped_currency(source)
    ]
    assert not found, (
        "escape currency dollars in markdown as \\$ (JupyterLab renders $…$ as LaTeX):\n"
        + "\n".join(found)
    )


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


#: the keys of ``language_info`` an IPython kernel reports (its values are the kernel's own)
KERNEL_LANGUAGE_INFO = {
    "codemirror_mode",
    "file_extension",
    "mimetype",
    "name",
    "nbconvert_exporter",
    "pygments_lexer",
    "version",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_metadata_is_what_jupyterlab_writes(path: Path) -> None:
    expected = _load("run_notebooks").NOTEBOOK_METADATA
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    for key, value in expected.items():
        assert metadata.get(key) == value, (
            f"{key} is {metadata.get(key)!r}; JupyterLab rewrites it to {value!r} on opening "
            f"(marking the notebook modified): re-save with scripts/run_notebooks.py"
        )
    assert set(metadata.get("language_info", {})) == KERNEL_LANGUAGE_INFO, (
        "language_info is not what the kernel reports; JupyterLab rewrites it on opening: "
        "re-save with scripts/run_notebooks.py (exercises: make exercises)"
    )
