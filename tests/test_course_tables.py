"""Both READMEs describe every lesson and lab in their course table, in a form the site's
course map reads (``make site`` takes each page's "what it builds" from there)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
assert _spec and _spec.loader
build_site = importlib.util.module_from_spec(_spec)
sys.modules["build_site"] = build_site  # its dataclasses look their module up
_spec.loader.exec_module(build_site)


@pytest.mark.parametrize(
    ("readme", "notebooks", "exercises"),
    [
        ("README.md", "notebooks", "labs/exercises"),
        ("README.ja.md", "notebooks/ja", "labs/exercises/ja"),
    ],
)
def test_every_lesson_and_lab_is_described(readme: str, notebooks: str, exercises: str) -> None:
    described = build_site.readme_descriptions(ROOT / readme)
    expected = {
        p.relative_to(ROOT).as_posix()
        for folder in (notebooks, exercises)
        for p in (ROOT / folder).glob("*.ipynb")
    }
    assert expected and expected <= set(described), sorted(expected - set(described))
    assert all(text.strip() for text in described.values())
