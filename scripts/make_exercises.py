#!/usr/bin/env python3
"""Generate the learners' lab notebooks from the solutions (the one source of truth).

Each notebook in ``labs/solutions/`` marks its solution code in code cells::

    api_id = None
    # BEGIN SOLUTION create the REST API "bookshelf" (apigateway.create_rest_api)
    api_id = apigateway.create_rest_api(name="bookshelf", ...)["id"]
    # END SOLUTION

and ``labs/exercises/<same name>.ipynb`` gets, in place of each marked block (at the
block's indentation)::

    # YOUR CODE HERE
    raise NotImplementedError('create the REST API "bookshelf" (apigateway.create_rest_api)')

The text after ``BEGIN SOLUTION`` (an optional ``:`` or ``-`` first) becomes the message,
so "Run all" stops at the first unfinished step and says what it wants. A marker that names
a hint instead, ``# BEGIN SOLUTION hint:2``, takes its message from the lab's message
catalogue at run time (the step's nudge, in the learner's language)::

    # YOUR CODE HERE
    raise NotImplementedError(hint.todo(2))

(the lab's setup cell defines ``hint = helpers.checks.hints("labNN")``). Markdown cells may
hide text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` lines. A cell
tagged ``solution-only`` is left out of the exercise.

Exercises have no outputs, no execution counts and the notebook metadata JupyterLab itself
writes (so opening one does not mark it modified): ipykernel's kernelspec and the solution's
``language_info``. Regenerating is deterministic. ``--check`` regenerates in memory and exits 1 naming the
files that differ (CI runs it).

Usage: ``python scripts/make_exercises.py [--check] [SOLUTION.ipynb ...]``
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "labs" / "solutions"
EXERCISES = ROOT / "labs" / "exercises"

BEGIN = re.compile(
    r"^(?P<indent>[ \t]*)#\s*BEGIN SOLUTION\b[ \t]*[:\-—]?[ \t]*(?P<message>.*?)\s*$"
)
END = re.compile(r"^[ \t]*#\s*END SOLUTION\b")
MD_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\b.*-->\s*$")
MD_END = re.compile(r"^\s*<!--\s*END SOLUTION\b.*-->\s*$")

DEFAULT_MESSAGE = "replace this line with your code"
#: a marker message that names a hint step: the message comes from the lab's catalogue
HINT_MARKER = re.compile(r"^hint:\s*(?P<step>[A-Za-z0-9_-]+)$")
SOLUTION_ONLY_TAG = "solution-only"

#: the exercise's notebook metadata: what JupyterLab writes when it opens a notebook (else
#: opening it marks it modified), with the ``language_info`` the solution's kernel reported
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
}
#: the only cell metadata an exercise keeps
KEPT_CELL_METADATA = ("tags",)


class MarkerError(ValueError):
    """Unbalanced or nested solution markers."""


def string_literal(text: str) -> str:
    """A Python literal for ``text``, in double quotes unless the text holds some."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text and "'" not in text:
        literal = f'"{literal[1:-1]}"'
    return literal


def _strip(
    source: str,
    where: str,
    begin_pattern: re.Pattern[str],
    end_pattern: re.Pattern[str],
    replacement: Callable[[re.Match[str]], list[str]],
) -> tuple[str, int]:
    """``source`` with every marked block replaced; returns (new source, blocks replaced)."""
    out: list[str] = []
    blocks = 0
    inside: int | None = None
    for number, line in enumerate(source.splitlines(), 1):
        begin = begin_pattern.match(line)
        if begin:
            if inside is not None:
                raise MarkerError(
                    f"{where}: line {number}: BEGIN SOLUTION inside the block "
                    f"opened on line {inside}"
                )
            inside = number
            out.extend(replacement(begin))
            continue
        if end_pattern.match(line):
            if inside is None:
                raise MarkerError(f"{where}: line {number}: END SOLUTION without BEGIN SOLUTION")
            inside = None
            blocks += 1
            continue
        if inside is None:
            out.append(line)
    if inside is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION on line {inside} has no END SOLUTION")
    return "\n".join(out), blocks


def _code_placeholder(begin: re.Match[str]) -> list[str]:
    indent = begin.group("indent")
    message = begin.group("message") or DEFAULT_MESSAGE
    step = HINT_MARKER.match(message)
    argument = f"hint.todo({string_literal(step['step'])})" if step else string_literal(message)
    return [
        f"{indent}# YOUR CODE HERE",
        f"{indent}raise NotImplementedError({argument})",
    ]


def strip_code(source: str, where: str = "cell") -> tuple[str, int]:
    """A code cell with each marked block replaced by a placeholder that says what to do."""
    text, blocks = _strip(source, where, BEGIN, END, _code_placeholder)
    if blocks:
        _assert_valid_python(text, where)
    return text, blocks


def strip_markdown(source: str, where: str = "cell") -> tuple[str, int]:
    """A markdown cell with each marked block removed."""
    return _strip(source, where, MD_BEGIN, MD_END, lambda _: [])


def _assert_valid_python(text: str, where: str) -> None:
    """The exercise cell must still parse (IPython magics and shell lines aside). A cell
    magic's body is not Python (``%%template`` holds YAML, whose placeholder the magic
    raises itself), so such a cell is left as it is."""
    if text.lstrip().startswith("%%"):
        return
    plain = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()
    )
    try:
        ast.parse(plain)
    except SyntaxError as exc:
        raise MarkerError(
            f"{where}: the exercise would not be valid Python (line {exc.lineno}: {exc.msg}); "
            "put the markers around whole statements"
        ) from None


def make_exercise(
    solution: nbformat.NotebookNode, name: str = "notebook"
) -> tuple[nbformat.NotebookNode, int]:
    """The learner's notebook for ``solution``; returns (notebook, solution blocks replaced)."""
    cells = []
    blocks = 0
    for index, cell in enumerate(solution.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_ONLY_TAG in tags:
            blocks += 1
            continue
        where = f"{name}, cell {index}"
        metadata = {
            k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.get("metadata", {})
        }
        if cell.cell_type == "code":
            source, found = strip_code(cell.source, where)
            new = nbformat.v4.new_code_cell(source=source, metadata=metadata)
        elif cell.cell_type == "markdown":
            source, found = strip_markdown(cell.source, where)
            new = nbformat.v4.new_markdown_cell(source=source, metadata=metadata)
            if "attachments" in cell:
                new.attachments = cell.attachments
        else:
            found = 0
            new = nbformat.v4.new_raw_cell(source=cell.source, metadata=metadata)
        # stable ids: the solution's, or one derived from the cell's place
        new.id = cell.get("id") or f"cell-{index}"
        blocks += found
        cells.append(new)
    language = solution.metadata.get("language_info") or {"name": "python"}
    metadata = {**NOTEBOOK_METADATA, "language_info": language}
    nb = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    nb.nbformat, nb.nbformat_minor = 4, max(5, solution.get("nbformat_minor", 5))
    nbformat.validate(nb)
    return nb, blocks


def render(nb: nbformat.NotebookNode) -> str:
    """Exactly what nbformat writes (indent 1, sorted keys) plus a trailing newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def exercise_path(solution_path: Path) -> Path:
    """``labs/exercises/<name>``; a translated solution in ``labs/solutions/<lang>/`` (made by
    ``scripts/i18n.py``) gets its exercise in ``labs/exercises/<lang>/``."""
    if solution_path.resolve().parent.parent == SOLUTIONS.resolve():
        return EXERCISES / solution_path.parent.name / solution_path.name
    return EXERCISES / solution_path.name


def exercise_text(solution_path: Path) -> str:
    solution = nbformat.read(solution_path, as_version=4)
    nb, blocks = make_exercise(solution, _display(solution_path))
    if blocks == 0:
        raise MarkerError(f"{_display(solution_path)} has no BEGIN SOLUTION / END SOLUTION block")
    return render(nb)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any exercise differs from its solution",
    )
    parser.add_argument(
        "solutions",
        nargs="*",
        type=Path,
        help="solution notebooks (default: all of labs/solutions/*.ipynb)",
    )
    args = parser.parse_args(argv)

    solutions = (
        sorted(args.solutions)
        if args.solutions
        else sorted(SOLUTIONS.glob("*.ipynb")) + sorted(SOLUTIONS.glob("*/*.ipynb"))
    )
    if not solutions:
        print(f"no solution notebooks in {_display(SOLUTIONS)}", file=sys.stderr)
        return 1
    stale: list[str] = []
    try:
        for path in solutions:
            target = exercise_path(path)
            text = exercise_text(path)
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current == text:
                continue
            if args.check:
                stale.append(f"{_display(target)} ({'missing' if current is None else 'differs'})")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {_display(target)}")
    except MarkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    if not args.solutions:
        made = {exercise_path(p).resolve() for p in solutions}
        found = [*EXERCISES.glob("*.ipynb"), *EXERCISES.glob("*/*.ipynb")]
        orphans = sorted(p for p in found if p.resolve() not in made)
        stale += [f"{_display(p)} (no solution in {_display(SOLUTIONS)})" for p in orphans]
    if args.check and stale:
        print("exercises out of date with their solutions:", file=sys.stderr)
        for line in stale:
            print(f"  {line}", file=sys.stderr)
        print(
            "run `make exercises` (python scripts/make_exercises.py) and commit the result",
            file=sys.stderr,
        )
        return 1
    if not args.check and stale:
        for line in stale:
            print(f"warning: {line}", file=sys.stderr)
    if args.check:
        print(f"{len(solutions)} exercise(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
