"""What the labs say, as data: the message catalogues, the progressive hints, the cited
documentation pages.

- every catalogue parses; every text a check asks for by a literal path exists (in its
  lab's catalogue or the shared ``labs`` one); every page a hint names is in helpers.docs;
- every step marked ``hint:N`` in a solution has a nudge and a documentation hint, and the
  third level is that step's solution code; hints are revealed one level at a time, each
  saying how to get the next; a blank step's message is its nudge;
- a catalogue in another language is used where it has a text and falls back to English
  where it has not, without touching the check code.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from helpers import docs
from helpers.checks import hints
from helpers.checks.hints import solution_blocks
from helpers.messages import ROOT as MESSAGES
from helpers.messages import Catalogue, catalogue, fill, language, set_language

REPO = Path(__file__).resolve().parents[1]
CHECKS = REPO / "helpers" / "checks"
SOLUTIONS = sorted((REPO / "labs" / "solutions").glob("*.ipynb"))
#: the labs whose steps name their hints (``# BEGIN SOLUTION hint:N``): each has a catalogue
LABS = [f"lab{p.name[:2]}" for p in SOLUTIONS if "BEGIN SOLUTION hint:" in p.read_text()]
#: a literal catalogue path in check code: .text("section.key" ...) / .check("...")
TEXT_CALL = re.compile(r"""\.(?:text|check)\(\s*f?["']([a-z_]+\.[A-Za-z0-9_]+)["']""")


def english(name: str) -> dict[str, Any]:
    with (MESSAGES / "en" / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_every_catalogue_parses_and_each_lab_has_one() -> None:
    files = sorted(p.stem for p in (MESSAGES / "en").glob("*.toml"))
    assert "labs" in files and set(LABS) <= set(files), (LABS, files)
    assert {"lab01", "lab02", "lab03", "lab04", "lab05", "lab06", "lab07"} <= set(LABS)
    for name in files:
        english(name)


@pytest.mark.parametrize("lab", LABS)
def test_every_text_a_check_asks_for_exists(lab: str) -> None:
    own, shared = english(lab), english("labs")
    sources = [CHECKS / "common.py", *sorted(CHECKS.glob(f"{lab}*.py"))]
    asked = {path for source in sources for path in TEXT_CALL.findall(source.read_text())}
    assert asked, f"no catalogue texts found in {lab}'s check code"

    def found(data: dict[str, Any], path: str) -> bool:
        section, key = path.split(".", 1)
        return key in data.get(section, {})

    missing = sorted(p for p in asked if not found(own, p) and not found(shared, p))
    assert not missing, f"{lab}: texts asked for but not in its catalogue: {missing}"


@pytest.mark.parametrize("lab", LABS)
def test_hints_match_the_solution_steps_and_cite_known_pages(lab: str) -> None:
    steps = hints(lab).steps()
    blocks = solution_blocks(lab)
    assert steps and sorted(steps) == sorted(blocks), (steps, sorted(blocks))
    for step in steps:
        entry = catalogue(lab).hint(step)
        assert entry["nudge"].startswith(f"Step {step} — ")
        assert entry["docs"].strip() and entry["pages"]
        for key in entry["pages"]:
            assert key in docs.PAGES, f"{lab} step {step}: unknown page {key!r}"
        assert blocks[step].strip()


def test_a_hint_is_revealed_one_level_at_a_time() -> None:
    hint = hints("lab01")
    nudge, page, code = hint(2), hint(2, 2), hint(2, 3)
    assert nudge.heading == "Step 2 · hint 1 of 3: what to do"
    assert nudge.body.startswith("Step 2 — create the REST API")
    assert "hint(2, 2)" in nudge.more and not nudge.code and not nudge.pages
    assert page.heading.endswith("where the AWS documentation explains it")
    assert [p.key for p in page.pages] == ["api-gateway-set-up-simple-proxy"]
    assert "hint(2, 3)" in page.more and not page.code
    assert 'pathPart="{proxy+}"' in code.code and "create_rest_api" in code.code
    assert "check" in code.more
    # markdown for a notebook, text elsewhere, the same content
    markdown = page._repr_markdown_()
    assert "[Set up a proxy integration with a proxy resource](https://docs.aws.amazon.com/" in markdown
    assert "https://docs.aws.amazon.com/apigateway/latest/developerguide/" in str(page)
    assert code._repr_markdown_().count("```") == 2
    with pytest.raises(ValueError, match="from 1 to 3"):
        hint(2, 4)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_lab_uses_the_one_hint_mechanism(path: Path) -> None:
    """Every lab's setup cell makes ``hint = helpers.checks.hints("labNN")``, every solution
    block names its hint step, and no lab keeps hint plumbing of its own."""
    lab = f"lab{path.name[:2]}"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert f'hint = helpers.checks.hints("{lab}")' in code
    markers = re.findall(r"#\s*BEGIN SOLUTION(.*)", code)
    assert markers and all(re.fullmatch(r" hint:[A-Za-z0-9_-]+", m) for m in markers), markers
    for module in sorted(CHECKS.glob(f"{lab}*.py")):
        source = module.read_text()
        assert "class Hint" not in source and f"def {lab}_hint" not in source, module.name
        assert "HINTS" not in source, module.name


def test_a_template_cells_call_is_shown_as_yaml() -> None:
    """Level 3 comes from the solution: a %%template cell's block is YAML, a code cell's Python."""
    call = hints("lab07")(1, 3)
    assert call.language == "yaml" and call.code.startswith("Resources:")
    assert call.code == solution_blocks("lab07")["1"]
    assert "```yaml" in call._repr_markdown_() and "the YAML" in call.heading
    assert hints("lab06")(1, 3).language == "python"


def test_a_blank_step_says_its_nudge_and_how_to_get_more() -> None:
    text = hints("lab04").todo(3)
    assert text.startswith("Step 3 — throttle the stage itself")
    assert "\n" not in text
    assert "hint(3)" in text and "hint(3, 2)" in text and "hint(3, 3)" in text


def test_hints_are_short_at_first() -> None:
    """The first level is a nudge, not the answer: short, and without the call."""
    for lab in LABS:
        for step in hints(lab).steps():
            nudge = catalogue(lab).hint(step)["nudge"]
            assert len(nudge) < 500, (lab, step, len(nudge))
            block = solution_blocks(lab)[step]
            longest = max(block.splitlines(), key=len).strip()
            assert longest not in nudge, (lab, step)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_hints_prose_is_shown_as_written(lang: str) -> None:
    """Nudges and documentation hints are prose, not templates: braces in them (a JSON
    body, {region} in an ARN, a regex's \\d{2}) reach the learner as they are written."""
    for lab in LABS:
        for step in hints(lab).steps():
            entry = catalogue(lab, lang).hint(step)
            for level, part in ((1, "nudge"), (2, "docs")):
                text = str(entry[part]).strip()
                assert "{{" not in text, (lab, step, part, lang)
                shown = str(hints(lab, lang)(step, level))
                assert " ".join(text.split()) in " ".join(shown.split()), (lab, step, part)
            assert " ".join(str(entry["nudge"]).split()) in hints(lab, lang).todo(step)


def test_texts_fill_their_fields_and_keep_literal_braces() -> None:
    assert fill("{a} and {{b}}", {"a": 1}) == "1 and {b}"
    assert fill("{missing} stays", {}) == "{missing} stays"
    t = catalogue("lab01")
    assert t.text("criteria.env", env="production", stage="prod") == (
        "stage variable env = 'production' reaches the function on stage 'prod' (x-env)"
    )
    assert t.text("inputs.api_id_criterion") == "the REST API id is set"  # from labs.toml
    with pytest.raises(KeyError, match=r"no text 'criteria\.nope'"):
        t.text("criteria.nope")


def test_another_language_is_used_where_it_has_a_current_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lab's texts are namespaces of the one message catalogue (helpers.i18n): a Japanese
    translation in ``i18n/ja/messages/<lab>.yaml`` wins while it translates the current
    English, English fills the gaps, and the check code does not change."""
    import helpers.i18n as i18n_module

    english = catalogue("lab01", "en")
    env_en = english.find("criteria.env")
    nudge_en = english.find("hints.2.nudge")
    heading_en = catalogue("labs", "en").find("ui.hint_heading_nudge")
    messages_dir = tmp_path / "ja" / "messages"
    messages_dir.mkdir(parents=True)

    def entry(en: str, ja: str) -> dict[str, str]:
        return {"en": en, "ja": ja}

    import yaml

    (messages_dir / "lab01.yaml").write_text(
        yaml.safe_dump(
            {
                "namespace": "lab01",
                "entries": {
                    "hints.2.nudge": entry(nudge_en, "ステップ 2 — JA nudge"),
                    "criteria.env": entry(env_en, "JA env {env} {stage}"),
                    # a translation of an older English is stale: English is shown
                    "criteria.notes": entry("an older English text", "JA notes"),
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    (messages_dir / "labs.yaml").write_text(
        yaml.safe_dump(
            {
                "namespace": "labs",
                "entries": {"ui.hint_heading_nudge": entry(heading_en, "JA {step}/{level}")},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n_module, "I18N", tmp_path)
    try:
        monkeypatch.setenv("APIGW_LAB_LANG", "ja")
        assert language() == "ja"
        t = catalogue("lab01")
        assert t.text("criteria.env", env="e", stage="s") == "JA env e s"
        assert t.text("criteria.notes") == "GET /notes answers 200 with a JSON list of notes"
        hint = hints("lab01")(2)
        assert hint.heading == "JA 2/1" and hint.body == "ステップ 2 — JA nudge"
        assert hints("lab01")(2, 2).pages  # docs and pages from English
        set_language("en")
        assert catalogue("lab01").text("criteria.env", env="e", stage="s").startswith("stage")
    finally:
        set_language(None)


def test_a_catalogue_may_have_a_lab_of_its_own_fallbacks() -> None:
    assert Catalogue("lab05").fallbacks == ("labs",)
    assert Catalogue("labs").fallbacks == ()


# ---------------------------------------------------------------------------- documentation


def test_pages_have_titles_and_aws_urls() -> None:
    for key, page in docs.PAGES.items():
        assert page.key == key and page.title.strip()
        assert re.match(r"https://([a-z0-9-]+\.)+[a-z]+/\S+$", page.url), page.url
    guide = docs.page("http-api-stages")
    assert guide.url == (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html"
    )
    assert docs.markdown("http-api-stages") == f"[{guide.title}]({guide.url})"
    with pytest.raises(KeyError, match="no documentation page 'nope'"):
        docs.page("nope")


def test_notebooks_cite_pages_not_the_authoring_reference() -> None:
    """A learner cannot open "reference §N": notebooks and labs cite AWS pages."""
    paths = sorted((REPO / "notebooks").glob("*.ipynb")) + SOLUTIONS
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            text = "".join(cell["source"]) + json.dumps(cell.get("outputs", []))
            assert "reference §" not in text, path.name


def test_a_japanese_learners_pages_link_aws_japanese_documentation() -> None:
    english = docs.page("canary-release", "en")
    japanese = docs.page("canary-release", "ja")
    assert japanese.title == english.title
    assert japanese.url == english.url.replace(
        "https://docs.aws.amazon.com/", "https://docs.aws.amazon.com/ja_jp/"
    )
    others = [p for p in docs.PAGES.values() if not p.url.startswith("https://docs.aws.")]
    for page in others:
        assert docs.page(page.key, "ja") == page  # only AWS's documentation site has ja_jp
    shown = str(hints("lab06", "ja")(3, 2))
    assert "https://docs.aws.amazon.com/ja_jp/apigateway/" in shown
    assert "https://docs.aws.amazon.com/apigateway/" not in shown
