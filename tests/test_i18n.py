"""The Japanese edition: translation files, generation, the sync check, the message catalogue.

- ``scripts/i18n.py`` on a small repository in a temporary folder: a skeleton for a new
  notebook, stale entries after an English edit, the check's refusals (no translation, a
  todo, a hand-edited Japanese notebook, different code or outputs), pending notebooks,
  links, BEGIN SOLUTION messages through to the Japanese exercise;
- ``helpers.i18n``: the language from ``APIGW_LAB_LANG``, current translations only, and the
  helpers that speak through it (check reports, the pipeline's description, traces).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from helpers import i18n

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


tool = _load("apigw_i18n_script", ROOT / "scripts" / "i18n.py")


# ---------------------------------------------------------------------------- a small repo


def _notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    }
    return nb


def _md(cid: str, text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = cid
    return cell


def _code(cid: str, text: str, output: str = "") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    cell.id = cid
    cell.execution_count = 1
    if output:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    return cell


LESSON = [
    _md(
        "m0",
        "# 01 · A lesson\n\nSee [the lab](../labs/solutions/01-lab.ipynb) and [docs](https://example.com).",
    ),
    _code("k1", "print('hello')", "hello\n"),
    _md("m2", "## Recap\n\nCosts \\$0.02 a day."),
]
LAB = [
    _md("l0", "# Lab 01\n\n<!-- BEGIN SOLUTION -->\nThe answer.\n<!-- END SOLUTION -->"),
    _code(
        "l1",
        "x = None\n# BEGIN SOLUTION Step 1: set x with int()\nx = int('4')\n# END SOLUTION\nprint(x)",
        "4\n",
    ),
]


@pytest.fixture
def repo(tmp_path: Path) -> Any:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "labs" / "solutions").mkdir(parents=True)
    (tmp_path / "labs" / "exercises").mkdir(parents=True)
    nbformat.write(_notebook(LESSON), tmp_path / "notebooks" / "01-lesson.ipynb")
    nbformat.write(_notebook(LAB), tmp_path / "labs" / "solutions" / "01-lab.ipynb")
    exercises = tool._exercises(tool.Layout(tmp_path))
    assert exercises.main([]) == 0  # the English exercise, as make exercises writes it
    return tool.Layout(tmp_path)


def _translate(layout: Any, path: str, ja: dict[str, str]) -> None:
    file = layout.root / path
    entries = tool.load_entries(file)
    for key, text in ja.items():
        entries[key] = {"en": entries[key]["en"], "ja": text}
    file.write_text(tool.dump_entries("# test", {"source": "x"}, entries), encoding="utf-8")


JA_LESSON = {
    "m0": "# 01 · レッスン\n\n[ラボ](../labs/solutions/01-lab.ipynb) と [ドキュメント](https://example.com) を参照。",
    "m2": "## まとめ\n\n1 日 \\$0.02 かかります。",
}
JA_LAB = {
    "l0": "# ラボ 01\n\n<!-- BEGIN SOLUTION -->\n答え。\n<!-- END SOLUTION -->",
    "l1": "ステップ 1: int() で x を設定します",
}


def _translated(layout: Any) -> Any:
    assert tool.translations(layout) == 0
    _translate(layout, "i18n/ja/notebooks/01-lesson.yaml", JA_LESSON)
    _translate(layout, "i18n/ja/labs/01-lab.yaml", JA_LAB)
    assert tool.build(layout) == 0
    return layout


def _check(layout: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = tool.check(layout, messages=False)
    out = capsys.readouterr()
    return code, out.out + out.err


# ---------------------------------------------------------------------------- the workflow


def test_a_new_notebook_without_translation_fails_and_says_how_to_start(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _check(repo, capsys)
    assert code == 1
    assert "notebooks/01-lesson.ipynb has no Japanese translation" in out
    assert "make translations" in out and "pending.txt" in out


def test_the_skeleton_holds_the_english_marked_new(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    tool.translations(repo)
    data = yaml.safe_load((repo.i18n / "notebooks" / "01-lesson.yaml").read_text(encoding="utf-8"))
    assert data["source"] == "notebooks/01-lesson.ipynb"
    assert list(data["entries"]) == ["m0", "m2"]  # one entry per markdown cell, in order
    assert data["entries"]["m0"] == {"todo": "new", "en": LESSON[0].source, "ja": LESSON[0].source}
    lab = yaml.safe_load((repo.i18n / "labs" / "01-lab.yaml").read_text(encoding="utf-8"))
    assert lab["entries"]["l1"]["en"] == "Step 1: set x with int()"  # the BEGIN SOLUTION message
    code, out = _check(repo, capsys)
    assert code == 1 and "cell m0: not translated yet (todo: new)" in out
    assert not (repo.root / "notebooks" / "ja").exists()  # nothing untranslated is shipped


def test_translated_notebooks_are_generated_with_the_english_code(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _translated(repo)
    code, out = _check(repo, capsys)
    assert code == 0, out
    assert "2 notebook(s) shipped (4 texts translated" in out
    ja = nbformat.read(repo.root / "notebooks" / "ja" / "01-lesson.ipynb", as_version=4)
    en = nbformat.read(repo.root / "notebooks" / "01-lesson.ipynb", as_version=4)
    assert ja.cells[1] == en.cells[1]  # code, outputs, execution count: copied
    assert ja.cells[2].source == JA_LESSON["m2"]  # \$ kept as written
    assert ja.metadata["apigw_lab"] == {"lang": "ja", "source": "../01-lesson.ipynb"}
    # relative links point to the Japanese edition from the ja folder; URLs are untouched
    assert "](../../labs/solutions/ja/01-lab.ipynb)" in ja.cells[0].source
    assert "](https://example.com)" in ja.cells[0].source


def test_the_japanese_exercise_is_made_from_the_japanese_solution(repo: Any) -> None:
    _translated(repo)
    solution = (repo.root / "labs" / "solutions" / "ja" / "01-lab.ipynb").read_text(
        encoding="utf-8"
    )
    assert "# BEGIN SOLUTION Step 1: set x with int()" not in solution
    assert "# BEGIN SOLUTION ステップ 1: int() で x を設定します" in solution
    exercise = nbformat.read(repo.root / "labs" / "exercises" / "ja" / "01-lab.ipynb", as_version=4)
    assert exercise.cells[1].source == (
        'x = None\n# YOUR CODE HERE\nraise NotImplementedError("ステップ 1: int() で x を設定します")\nprint(x)'
    )
    assert "答え" not in exercise.cells[0].source  # the markdown solution is hidden too
    assert (
        tool.code_differences(
            repo.root / "labs" / "exercises" / "01-lab.ipynb",
            repo.root / "labs" / "exercises" / "ja" / "01-lab.ipynb",
            exercise=True,
        )
        == []
    )


def test_an_english_edit_marks_the_translation_stale(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _translated(repo)
    path = repo.root / "notebooks" / "01-lesson.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = "## Recap\n\nCosts \\$0.03 a day."
    nbformat.write(nb, path)
    code, out = _check(repo, capsys)
    assert code == 1 and "cell m2: stale" in out
    tool.translations(repo)
    entry = tool.load_entries(repo.i18n / "notebooks" / "01-lesson.yaml")["m2"]
    assert entry == {
        "todo": "changed",
        "was": LESSON[2].source,  # the English the Japanese translates
        "en": "## Recap\n\nCosts \\$0.03 a day.",
        "ja": JA_LESSON["m2"],
    }
    code, out = _check(repo, capsys)
    assert code == 1 and "cell m2: the English changed since it was translated" in out
    _translate(
        repo, "i18n/ja/notebooks/01-lesson.yaml", {"m2": "## まとめ\n\n1 日 \\$0.03 かかります。"}
    )
    assert tool.build(repo) == 0
    assert _check(repo, capsys)[0] == 0


def test_a_code_only_edit_needs_no_translator(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _translated(repo)
    path = repo.root / "notebooks" / "01-lesson.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = "print('hello, world')"
    nbformat.write(nb, path)
    code, out = _check(repo, capsys)
    assert code == 1 and "differs from what `make ja` generates" in out and "code differs" in out
    assert tool.build(repo) == 0
    assert _check(repo, capsys)[0] == 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda nb: setattr(nb.cells[1], "source", "print('bye')"), "cell 1 (k1): code differs"),
        (lambda nb: nb.cells[1].outputs[0].update(text="bye\n"), "cell 1 (k1): outputs differ"),
        (lambda nb: setattr(nb.cells[1], "execution_count", 7), "execution_count differ"),
        (lambda nb: nb.cells.pop(), "2 cells, the English has 3"),
        (lambda nb: nb.metadata.update(kernelspec={}), "notebook metadata differs"),
    ],
)
def test_the_check_proves_code_and_outputs_identical(
    repo: Any, capsys: pytest.CaptureFixture[str], edit: Any, message: str
) -> None:
    _translated(repo)
    path = repo.root / "notebooks" / "ja" / "01-lesson.ipynb"
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)
    code, out = _check(repo, capsys)
    assert code == 1 and message in out, out


def test_only_the_begin_solution_message_may_differ() -> None:
    a = "x = 1\n# BEGIN SOLUTION Step 1: do it\nx = 2\n# END SOLUTION"
    b = "x = 1\n# BEGIN SOLUTION ステップ 1: やる\nx = 2\n# END SOLUTION"
    assert tool._mask(a, False) == tool._mask(b, False)
    assert tool._mask(a, False) != tool._mask(b.replace("x = 2", "x = 3"), False)
    ex_a = '# YOUR CODE HERE\nraise NotImplementedError("Step 1")'
    ex_b = "# YOUR CODE HERE\nraise NotImplementedError('ステップ 1')"
    assert tool._mask(ex_a, True) == tool._mask(ex_b, True)
    # elsewhere, a different NotImplementedError message is a code difference
    assert tool._mask('raise NotImplementedError("a")', True) != tool._mask(
        'raise NotImplementedError("b")', True
    )


def test_pending_notebooks_are_not_shipped(repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _translated(repo)
    repo.pending_file.write_text("# later\nnotebooks/01-lesson.ipynb\n", encoding="utf-8")
    code, out = _check(repo, capsys)
    assert code == 1 and "exists but notebooks/01-lesson.ipynb is pending" in out
    assert tool.build(repo) == 0
    assert not (repo.root / "notebooks" / "ja" / "01-lesson.ipynb").exists()
    # the lab's link no longer points to a Japanese lesson... and the check passes
    code, out = _check(repo, capsys)
    assert code == 0 and "1 notebook(s) shipped" in out and "1 pending" in out
    repo.pending_file.write_text("notebooks/99-typo.ipynb\n", encoding="utf-8")
    assert "99-typo.ipynb is not an English notebook" in _check(repo, capsys)[1]


def test_a_hand_edited_japanese_notebook_fails(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _translated(repo)
    path = repo.root / "notebooks" / "ja" / "01-lesson.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("まとめ", "要約"), encoding="utf-8")
    code, out = _check(repo, capsys)
    assert code == 1 and "differs from what `make ja` generates" in out


def test_a_lost_solution_marker_in_markdown_fails(
    repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _translated(repo)
    _translate(repo, "i18n/ja/labs/01-lab.yaml", {"l0": "# ラボ 01\n\n答え。"})
    code, out = _check(repo, capsys)
    assert code == 1 and "keep the <!-- BEGIN/END SOLUTION --> lines" in out


def test_a_moved_cell_keeps_its_translation(repo: Any) -> None:
    _translated(repo)
    path = repo.root / "notebooks" / "01-lesson.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].id = "recap"  # same English, new id
    nbformat.write(nb, path)
    tool.translations(repo)
    entries = tool.load_entries(repo.i18n / "notebooks" / "01-lesson.yaml")
    assert "m2" not in entries and entries["recap"] == {
        "en": LESSON[2].source,
        "ja": JA_LESSON["m2"],
    }


def test_translations_is_idempotent(repo: Any) -> None:
    _translated(repo)
    tool.translations(repo)  # the canonical form (the test wrote its own)
    before = {p: p.read_text(encoding="utf-8") for p in repo.i18n.rglob("*.yaml")}
    tool.translations(repo)
    assert tool.build(repo) == 0
    assert {p: p.read_text(encoding="utf-8") for p in repo.i18n.rglob("*.yaml")} == before


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "two\nlines",
        "trailing newline\n",
        "two trailing\n\n",
        "  leading spaces\nsecond",
        "tab\there\nx",
        "trailing spaces  \nmarkdown break",
        "quotes \"a\" and 'b': # not a comment\n- a list: item",
        "\\$0.02 and `code` and {braces}",
        "日本語の\nテキスト",
        "x" * 120,
        "",
    ],
)
def test_translation_files_read_back_exactly(text: str) -> None:
    entries = {"c0": {"en": text, "ja": text}, "c#2": {"todo": "new", "en": text, "ja": text}}
    assert (
        tool.load_entries_from_text(tool.dump_entries("# h", {"source": "a b"}, entries)) == entries
    )


def test_same_text_ignores_what_editors_strip() -> None:
    assert i18n.same_text("a  \nb\n\n", "a\nb")
    assert not i18n.same_text("a\nb", "a\nc")


# ---------------------------------------------------------------------------- the catalogue


@pytest.fixture
def catalogue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> i18n.Messages:
    monkeypatch.setattr(i18n, "I18N", tmp_path)
    messages = i18n.messages("test-ns", {"greet": "Hello {name}", "bye": "Bye", "old": "Old"})
    (tmp_path / "ja" / "messages").mkdir(parents=True)
    entries = {
        "greet": {"en": "Hello {name}", "ja": "こんにちは、{name} さん"},
        "bye": {"todo": "new", "en": "Bye", "ja": "Bye"},
        "old": {"en": "Older English", "ja": "古い訳"},
    }
    (tmp_path / "ja" / "messages" / "test-ns.yaml").write_text(
        tool.dump_entries("# t", {"namespace": "test-ns"}, entries), encoding="utf-8"
    )
    return messages


@pytest.mark.parametrize(
    ("value", "lang"),
    [("", "en"), ("en", "en"), ("ja", "ja"), ("ja_JP", "ja"), ("ja-JP.UTF-8", "ja"), ("jam", "en")],
)
def test_the_language_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, lang: str
) -> None:
    monkeypatch.setenv(i18n.ENV, value)
    assert i18n.language() == lang


def test_messages_in_the_learners_language(
    catalogue: i18n.Messages, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert catalogue("greet", name="Aiko") == "Hello Aiko"
    monkeypatch.setenv(i18n.ENV, "ja")
    assert catalogue("greet", name="Aiko") == "こんにちは、Aiko さん"
    assert catalogue.en("greet", name="Aiko") == "Hello Aiko"
    assert catalogue("bye") == "Bye"  # marked todo: the English
    assert catalogue("old") == "Old"  # translated from other English: never shown


def test_the_shipped_catalogue_is_complete_and_current() -> None:
    import helpers.checks.common
    import helpers.gateway.pipelines  # noqa: F401  (declares "pipeline" and "trace")

    for namespace, english in i18n.registered().items():
        if namespace == "test-ns":
            continue
        entries = tool.load_entries(ROOT / "i18n" / "ja" / "messages" / f"{namespace}.yaml")
        for key, text in english.items():
            assert i18n.is_translated(entries.get(key), text), f"{namespace}.{key}"
            assert i18n.fields_of(entries[key]["ja"]) == i18n.fields_of(text), f"{namespace}.{key}"


def test_check_reports_in_japanese(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks.common import CheckFailed, Report

    failure = CheckFailed(
        "GET /books", expected="HTTP 200", got="HTTP 500\nsecond line", hint="fix it"
    )
    assert failure.render() == (
        "✗ GET /books\n  expected: HTTP 200\n  got:      HTTP 500\n            second line\n"
        "  hint:     fix it"
    )
    monkeypatch.setenv(i18n.ENV, "ja")
    failure = CheckFailed(
        "GET /books", expected="HTTP 200", got="HTTP 500\nsecond line", hint="fix it"
    )
    assert failure.render() == (
        "✗ GET /books\n  期待:     HTTP 200\n  実際:     HTTP 500\n            second line\n"
        "  ヒント:   fix it"
    )
    assert failure._render_traceback_()[0] == "CheckFailed: ラボのチェックに失敗しました"
    report = Report("ラボ 01")
    report.ok("one")
    report.done()
    assert capsys.readouterr().out == "✓ one\n1 件のチェックにすべて合格しました: ラボ 01\n"


def test_the_pipeline_describes_itself_in_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.gateway import pipelines

    english = pipelines.REST.describe()
    assert english.splitlines()[0] == "REST API pipeline:"
    assert "Method request: enforce size limits" in english
    monkeypatch.setenv(i18n.ENV, "ja")
    japanese = pipelines.REST.describe()
    assert japanese.splitlines()[0] == "REST API のパイプライン:"
    assert re.search(r"\n +\d+\. parse +メソッドリクエスト:", japanese)
    # the same steps in the same order: only the descriptions change
    assert [line[:27] for line in japanese.splitlines()[1:]] == [
        line[:27] for line in english.splitlines()[1:]
    ]


def test_traces_label_themselves_in_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.gateway.trace import Trace

    trace = Trace("req-1", method="GET", path="/x", status=200)
    trace.add("route", "GET /x", resource="/x")
    assert (
        str(trace) == "GET /x -> 200  (request req-1)\n  route              GET /x  [resource=/x]"
    )
    monkeypatch.setenv(i18n.ENV, "ja")
    assert str(trace).splitlines()[0] == "GET /x -> 200  (リクエスト req-1)"
    assert "<th>ステップ</th><th>判定</th><th>詳細</th>" in trace._repr_html_()
    assert trace.entries[0].decision == "GET /x"  # what steps decided stays data


def test_a_recorded_message_is_english_data_shown_in_japanese(
    catalogue: i18n.Messages, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.gateway.trace import Trace

    decision = catalogue.data("greet", name="route")
    assert decision == "Hello route" and isinstance(decision, str)  # code compares English
    trace = Trace("req-1", method="GET", path="/x", status=200)
    trace.add("route", decision, why=catalogue.data("greet", name="x"))
    monkeypatch.setenv(i18n.ENV, "ja")
    assert trace.entries[0].decision == "Hello route"
    assert (
        str(trace).splitlines()[1]
        == "  route              こんにちは、route さん  [why=こんにちは、x さん]"
    )
    assert i18n.localize(42) == "42"


def test_several_markers_and_empty_cells(tmp_path: Path) -> None:
    (tmp_path / "labs" / "solutions").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    cells = [
        _md("e0", ""),
        _code(
            "k0",
            "# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n# BEGIN SOLUTION Step 2: y\ny = 2\n# END SOLUTION",
        ),
    ]
    nbformat.write(_notebook(cells), tmp_path / "labs" / "solutions" / "01-lab.ipynb")
    layout = tool.Layout(tmp_path)
    tool.translations(layout)
    entries = tool.load_entries(layout.i18n / "labs" / "01-lab.yaml")
    assert list(entries) == [
        "k0#2"
    ]  # the second marker; the empty cell and message are not offered
    _translate(layout, "i18n/ja/labs/01-lab.yaml", {"k0#2": "ステップ 2: y"})
    assert tool.build(layout) == 0
    ja = nbformat.read(tmp_path / "labs" / "solutions" / "ja" / "01-lab.ipynb", as_version=4)
    assert ja.cells[1].source.splitlines()[3] == "# BEGIN SOLUTION ステップ 2: y"
    assert ja.cells[0].source == ""
