"""Conventions every notebook and lab follows, so a learner meets the same things in the
same places (README.md, "Writing a notebook"):

- the **real-account box** is the second cell: what it creates, what it costs and how long it
  takes on a real account, as three bullets ``Creates``, ``Costs``, ``Takes``;
- wherever a learner meets ``[unc]`` (a documented guess), the one note that explains it
  (:data:`helpers.display.GUESS_NOTE`) comes first, in that cell or before it;
- a correction of the source documents is marked the same way everywhere;
- no notebook hard-codes the moto region in its code: it reads ``lab.region``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.display import GUESS_NOTE, GUESS_NOTE_TEXT

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
LABS = sorted((REPO / "labs" / "solutions").glob("*.ipynb"))
ALL = NOTEBOOKS + LABS
BOX = re.compile(
    r"^> \*\*On a real AWS account\*\* \(`APIGW_LAB_TARGET=aws`\)\n>\n"
    r"> - \*\*Creates:\*\* .+\n> - \*\*Costs:\*\* .+\n> - \*\*Takes:\*\* .+",
)
CORRECTION = "> **A correction to the source documents.**"


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_the_second_cell_is_the_real_account_box(path: Path) -> None:
    box = cells(path)[1]
    assert box["cell_type"] == "markdown" and box.get("id") == "real-account", path.name
    assert BOX.match(source(box)), f"{path.name}: the box does not follow the convention"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_unc_is_explained_where_a_learner_meets_it(path: Path) -> None:
    explained = False
    for cell in cells(path):
        text = source(cell)
        outputs = json.dumps(cell.get("outputs", []))
        if GUESS_NOTE in text or GUESS_NOTE_TEXT in outputs:
            explained = True
        if "[unc]" in text.replace(GUESS_NOTE, "") or "[unc]" in outputs:
            assert explained, f"{path.name}: [unc] before the note that explains it"


def test_the_welcome_notebook_says_what_is_exact_and_what_is_a_guess() -> None:
    text = "\n".join(source(c) for c in cells(REPO / "notebooks" / "00-welcome.ipynb"))
    assert "## Exact, or a documented guess?" in text
    assert GUESS_NOTE in text
    assert "EmulatorLimitation" in text and "APIGW_LAB_REGION" in text
    assert "exactly as API Gateway would" not in text


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_corrections_of_the_source_documents_look_the_same(path: Path) -> None:
    for cell in cells(path):
        text = source(cell)
        if "correction to the source documents" in text.lower():
            assert CORRECTION in text, path.name


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_code_reads_the_region_from_the_lab(path: Path) -> None:
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert "us-east-1" not in source(cell), f"{path.name}: use lab.region"
