"""Progressive hints for the labs: a nudge, then the documentation, then the call.

A lab's setup cell makes ``hint = helpers.checks.hints("lab01")``. Then

- ``hint(2)`` shows step 2's **nudge**: what to build and which client has the call;
- ``hint(2, 2)`` names the **documentation** page that explains it (title and URL), and
  what to look for there;
- ``hint(2, 3)`` shows the **call**, ready to type.

One level at a time, each saying how to get the next; nothing is remembered between calls,
so re-running a cell shows the same thing. An exercise's blank step raises
``NotImplementedError(hint.todo(2))``: the nudge, and how to ask for more.

The nudge and the documentation live in the lab's message catalogue
(``helpers/messages/<lang>/labNN.toml``, ``[hints.<step>]``), the shared sentences in
``labs.toml``. The call is the solution itself: the block marked ``# BEGIN SOLUTION
hint:<step>`` in ``labs/solutions/NN-*.ipynb``, so a hint can never drift from the answer
(a catalogue may still give ``call`` to show something else). A step written in a
``%%template`` cell (lab 07) is YAML, and its call is shown as YAML.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .. import docs
from ..messages import HINT_PARTS, Catalogue, catalogue

__all__ = ["Hint", "Hints", "hints"]

LEVELS = len(HINT_PARTS)
SOLUTIONS = Path(__file__).resolve().parents[2] / "labs" / "solutions"
_BEGIN = re.compile(r"^[ \t]*#\s*BEGIN SOLUTION\s+hint:\s*(?P<step>[A-Za-z0-9_-]+)\s*$")
_END = re.compile(r"^[ \t]*#\s*END SOLUTION\b")
#: cell magics whose body is not Python, and the language their blocks are shown in
CELL_LANGUAGES = {"%%template": "yaml"}


@cache
def _solutions(lab: str) -> dict[str, tuple[str, str]]:
    """Each step of ``lab`` ("lab01") → (its solution code, the code's language)."""
    number = lab.removeprefix("lab")
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(SOLUTIONS.glob(f"{number}-*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = cell["source"]
            lines = ("".join(source) if isinstance(source, list) else source).splitlines()
            magic = lines[0].split()[0] if lines and lines[0].startswith("%%") else ""
            language = CELL_LANGUAGES.get(magic, "python")
            step, block = None, []
            for line in lines:
                begin = _BEGIN.match(line)
                if begin:
                    step, block = begin["step"], []
                elif step is not None and _END.match(line):
                    found[step] = (textwrap.dedent("\n".join(block)).strip("\n"), language)
                    step = None
                elif step is not None:
                    block.append(line)
    return found


def solution_blocks(lab: str) -> dict[str, str]:
    """The solution code of each step of ``lab`` ("lab01"), from its solution notebook."""
    return {step: code for step, (code, _) in _solutions(lab).items()}


@dataclass(frozen=True)
class Hint:
    """One level of one step's hint; renders as markdown in a notebook, text elsewhere."""

    step: str
    level: int
    heading: str
    body: str
    pages: tuple[docs.Page, ...]
    code: str
    more: str
    #: the language of ``code`` (a fenced block's info string)
    language: str = "python"

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.heading}**", ""]
        if self.body:
            parts += [self.body, ""]
        parts += [f"- {page.markdown()}" for page in self.pages]
        if self.pages:
            parts.append("")
        if self.code:
            parts += [f"```{self.language}", self.code, "```", ""]
        if self.more:
            parts.append(f"*{self.more}*")
        return "\n".join(parts).rstrip() + "\n"

    def __str__(self) -> str:
        parts = [self.heading]
        if self.body:
            parts.append(self.body)
        parts += [f"  {page}" for page in self.pages]
        if self.code:
            parts.append("\n".join(f"    {line}" for line in self.code.splitlines()))
        if self.more:
            parts.append(self.more)
        return "\n".join(parts)

    def __repr__(self) -> str:
        return str(self)


class Hints:
    """A lab's hints (see the module docstring)."""

    def __init__(self, name: str, lang: str | None = None) -> None:
        self.name = name
        self.lang = lang

    @property
    def _messages(self) -> Catalogue:
        return catalogue(self.name, self.lang)

    def steps(self) -> list[str]:
        return self._messages.keys("hints")

    def __call__(self, step: int | str, level: int = 1) -> Hint:
        step = str(step)
        if not 1 <= level <= LEVELS:
            raise ValueError(f"hint levels go from 1 to {LEVELS}: {level!r}")
        messages = self._messages
        entry = messages.hint(step)
        name = HINT_PARTS[level - 1]
        heading = messages.text(f"ui.hint_heading_{name}", step=step, level=level, levels=LEVELS)
        more = (
            messages.text(f"ui.hint_more_{HINT_PARTS[level]}", step=step, next=level + 1)
            if level < LEVELS
            else messages.text("ui.hint_more_check", step=step)
        )
        body = code = ""
        language = "python"
        pages: tuple[docs.Page, ...] = ()
        if name == "nudge":
            body = str(entry["nudge"]).strip()
        elif name == "docs":
            body = str(entry.get("docs", "")).strip()
            pages = tuple(docs.page(key, self.lang) for key in entry.get("pages", []))
        else:
            solution, language = _solutions(self.name).get(step, ("", language))
            code = str(entry.get("call") or solution).strip("\n")
        return Hint(step, level, heading, body, pages, code, more, language)

    def todo(self, step: int | str) -> str:
        """What a blank step raises: its nudge, and how to get the next hint."""
        nudge = " ".join(str(self._messages.hint(str(step))["nudge"]).split())
        return self._messages.text("ui.todo", nudge=nudge, step=step)

    def __repr__(self) -> str:
        return self._messages.text("ui.hints_repr", lab=self.name, steps=", ".join(self.steps()))


def hints(name: str, lang: str | None = None) -> Hints:
    """The hints of lab ``name`` (``"lab01"``)."""
    return Hints(name, lang)
