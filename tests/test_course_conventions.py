"""Conventions every notebook and lab follows, so a learner meets the same things in the
same places (README.md, "Writing a notebook"):

- the **real-account box** is the second cell: what it creates, what it costs and how long it
  takes on a real account, as three bullets ``Creates``, ``Costs``, ``Takes``;
- wherever a learner meets ``[unc]`` (a documented guess), the one note that explains it
  (:data:`helpers.display.GUESS_NOTE`) comes first, in that cell or before it;
- a correction of the source documents is marked the same way everywhere;
- no notebook hard-codes the moto region in its code: it reads ``lab.region``;
- an AWS documentation page is cited as a link with its title, and it is a page of
  :mod:`helpers.docs` (``helpers.docs.markdown(key)`` gives the link), so every page the course
  cites has one title and one URL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import docs
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


#: a markdown link, and an AWS page's address written without one
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
AWS_PAGE = re.compile(r"https://(?:docs\.aws\.amazon\.com|aws\.amazon\.com|repost\.aws)/\S*")


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_aws_pages_are_cited_by_title_from_helpers_docs(path: Path) -> None:
    pages = {page.url: page for page in docs.PAGES.values()}
    for cell in cells(path):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        for title, url in LINK.findall(text):
            if not AWS_PAGE.match(url):
                continue
            page = pages.get(url)
            assert page is not None, f"{path.name}: {url} is not a page of helpers.docs"
            assert " ".join(title.split()) == page.title, (
                f"{path.name}: cite {url} as {page.markdown()}"
            )
        bare = AWS_PAGE.findall(LINK.sub("", text))
        assert not bare, f"{path.name}: an AWS page without its title: {bare}"
