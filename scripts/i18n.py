#!/usr/bin/env python3
"""The Japanese edition: notebooks generated from the English ones plus translation files.

One source of truth for code. ``notebooks/ja/NN-name.ipynb`` is ``notebooks/NN-name.ipynb``
with its markdown cells replaced by the Japanese of ``i18n/ja/notebooks/NN-name.yaml``;
``labs/solutions/ja/NN-name.ipynb`` likewise from ``i18n/ja/labs/NN-name.yaml``, whose
code-cell entries also translate the ``# BEGIN SOLUTION <message>`` lines (the message a
learner reads in the exercise). ``scripts/make_exercises.py`` then makes
``labs/exercises/ja/`` from the Japanese solutions, exactly as it makes the English
exercises. Code cells, their outputs, execution counts and metadata are copied.

A translation file has one entry per translatable cell, keyed by the cell's id, with the
English it translates (``en``) beside the Japanese (``ja``). ``make translations`` writes a
skeleton for a notebook that has none and keeps ``en`` in step with the notebook: a new
cell arrives marked ``todo: new`` (``ja`` holds the English to translate), a changed one
``todo: changed`` with the English it was translated from in ``was``. Message catalogues of
the helpers (``helpers/i18n.py``) get the same files in ``i18n/ja/messages/``.

Commands (the Makefile's targets)::

    python scripts/i18n.py translations [PATH ...]   # make translations: write/update files
    python scripts/i18n.py build                     # make ja: generate the Japanese edition
    python scripts/i18n.py check                     # make test: fail on anything out of sync
    python scripts/i18n.py status                    # what is translated, what is left

``check`` fails when a notebook has no translation file, an entry is missing, stale or
marked ``todo``, a generated notebook differs from what ``build`` writes, or a Japanese
notebook's code differs from its English source. That last test does not trust the
generator: it compares the two files' code cells, outputs, execution counts and metadata
byte for byte (canonical JSON), masking only the ``BEGIN SOLUTION`` messages (and, in the
exercises, the ``NotImplementedError`` messages made from them). Notebooks listed in
``i18n/ja/pending.txt`` are not shipped in Japanese yet: no Japanese file may exist for
them, and the check counts them.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import posixpath
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
LANG = "ja"

BEGIN = re.compile(r"^(?P<head>[ \t]*#\s*BEGIN SOLUTION\b[ \t]*[:\-—]?[ \t]*)(?P<message>.*?)\s*$")
MD_MARKER = re.compile(r"^\s*<!--\s*(BEGIN|END) SOLUTION\b.*-->\s*$", re.MULTILINE)
PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError\(.*\)\s*$")
#: markdown link targets: [text](target), <img src="target">, <a href="target">
LINK = re.compile(r"(?P<pre>\]\(\s*<?|\b(?:src|href)\s*=\s*[\"'])(?P<target>[^)\s\"'>]+)")

HEADER = """\
# Japanese translation of {source}
# One entry per translatable cell, keyed by the cell's id. Translate `ja:` only
# (i18n/ja/STYLE.md); `en:` is the English it translates, and `make translations` keeps it
# in step with the notebook. `todo: new`: `ja:` still holds the English. `todo: changed`:
# the English changed, `was:` is the English your `ja:` translates. Translate, delete the
# `todo:` (and `was:`) line, then `make ja`. A code cell's entry is its `# BEGIN SOLUTION`
# message (one line: the exercise's NotImplementedError); the code is copied as it is.
"""
MESSAGES_HEADER = """\
# Japanese messages of the helpers' namespace `{namespace}` (helpers/i18n.py): one entry per
# key, the English (`en:`, from the code) beside the Japanese (`ja:`). Keep every `{{field}}`
# of the English. Translate, delete the `todo:` (and `was:`) line; `make test` checks it.
"""


# ------------------------------------------------------------------------------- the layout


@dataclass(frozen=True)
class Unit:
    """One English notebook and what the Japanese edition makes of it."""

    english: Path
    japanese: Path
    translation: Path
    root: Path

    @property
    def name(self) -> str:
        return rel(self.english, self.root)


@dataclass(frozen=True)
class Layout:
    root: Path = ROOT

    #: (English folder, translation folder under i18n/ja) — the Japanese go in <folder>/ja
    SOURCES = (("notebooks", "notebooks"), ("labs/solutions", "labs"))

    @property
    def i18n(self) -> Path:
        return self.root / "i18n" / LANG

    @property
    def pending_file(self) -> Path:
        return self.i18n / "pending.txt"

    def units(self) -> list[Unit]:
        found = []
        for folder, where in self.SOURCES:
            for english in sorted((self.root / folder).glob("*.ipynb")):
                found.append(
                    Unit(
                        english,
                        self.root / folder / LANG / english.name,
                        self.i18n / where / f"{english.stem}.yaml",
                        self.root,
                    )
                )
        return found

    def japanese_notebooks(self) -> list[Path]:
        return sorted(
            p for folder, _ in self.SOURCES for p in (self.root / folder / LANG).glob("*.ipynb")
        )

    def translation_files(self) -> list[Path]:
        return sorted(p for _, where in self.SOURCES for p in (self.i18n / where).glob("*.yaml"))

    def pending(self) -> set[str]:
        """Paths (relative to the root) listed in pending.txt: English notebooks not yet
        shipped in Japanese, and ``messages/<namespace>`` catalogues not yet translated."""
        if not self.pending_file.exists():
            return set()
        lines = self.pending_file.read_text(encoding="utf-8").splitlines()
        return {line.split("#")[0].strip() for line in lines} - {""}


def rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _same_text() -> Any:
    """helpers.i18n.same_text / is_translated, without importing the helpers package (and
    boto3 with it) for a check of notebooks."""
    spec = importlib.util.spec_from_file_location("_apigw_i18n", ROOT / "helpers" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fmt = _same_text()
same_text = _fmt.same_text
is_translated = _fmt.is_translated
fields_of = _fmt.fields_of


# ------------------------------------------------------------------ what a notebook offers


def solution_messages(source: str) -> list[str]:
    """The messages of the ``# BEGIN SOLUTION <message>`` lines of a code cell, in order."""
    return [m.group("message") for line in source.splitlines() if (m := BEGIN.match(line))]


def english_entries(nb: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """(key, English, kind) for every translatable text of a notebook, in order: each
    markdown cell, and each ``BEGIN SOLUTION`` message (``id``, then ``id#2``, ...)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if cell.source.strip():  # an empty cell has nothing to translate
                out.append((cell.id, cell.source, "markdown"))
        elif cell.cell_type == "code":
            for n, message in enumerate(solution_messages(cell.source), 1):
                if message:
                    out.append((cell.id if n == 1 else f"{cell.id}#{n}", message, "solution"))
    return out


def read_notebook(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    missing = [i for i, c in enumerate(nb.cells) if not c.get("id")]
    ids = [c.get("id") for c in nb.cells]
    if missing or len(set(ids)) != len(ids):
        raise SystemExit(f"{path}: every cell needs a unique id (nbformat 4.5) to be translated")
    return nb


# ---------------------------------------------------------------------- translation files


def load_entries(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    try:
        return load_entries_from_text(path.read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError) as exc:
        raise SystemExit(f"{path}: {exc}") from None


def load_entries_from_text(text: str) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(text) or {}
    entries = data.get("entries") or {}
    if not isinstance(entries, dict):
        raise ValueError("`entries:` must be a mapping of cell id to entry")
    return {str(k): {f: str(v) for f, v in (e or {}).items()} for k, e in entries.items()}


def _scalar(text: str, indent: str) -> str:
    """A YAML scalar for ``text``: a literal block where it reads back exactly, else a
    double-quoted (JSON) string."""
    multiline = "\n" in text.rstrip("\n") or len(text) > 80
    plain = not text.startswith((" ", "\n", "\t")) and "\r" not in text and "\t" not in text
    tail = len(text) - len(text.rstrip("\n"))
    if text and multiline and plain and tail <= 1:
        lines = [f"{indent}{line}" if line else "" for line in text.split("\n")]
        block = f"|{'' if tail else '-'}\n" + "\n".join(lines[:-1] if tail else lines)
        try:
            if yaml.safe_load(f"x: {block}\n") == {"x": text}:
                return block
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./#-]*$")


def _word(text: str) -> str:
    """A key or a short value, unquoted where YAML reads it back as the same string."""
    if _PLAIN.match(text) and text.lower() not in {
        "true",
        "false",
        "null",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
    }:
        return text
    return json.dumps(text, ensure_ascii=False)


def dump_entries(
    header: str,
    meta: dict[str, str],
    entries: dict[str, dict[str, Any]],
    notes: dict[str, str] | None = None,
) -> str:
    out = [header.rstrip("\n"), ""]
    out += [f"{k}: {_word(v)}" for k, v in meta.items()]
    out.append("entries:" if entries else "entries: {}")
    for key, entry in entries.items():
        if notes and key in notes:
            out.append(f"  # {notes[key]}")
        out.append(f"  {_word(key)}:")
        for field in ("todo", "was", "en", "ja"):
            if field in entry:
                value = str(entry[field])
                shown = _word(value) if field == "todo" else _scalar(value, "      ")
                out.append(f"    {field}: {shown}")
        out.append("")
    text = "\n".join(out).rstrip("\n") + "\n"
    check = yaml.safe_load(text)
    assert {k: {f: str(v) for f, v in e.items()} for k, e in (check["entries"] or {}).items()} == {
        k: {f: str(v) for f, v in e.items() if f in ("todo", "was", "en", "ja")}
        for k, e in entries.items()
    }, "translation file does not read back as written"
    return text


def sync_entries(
    offered: list[tuple[str, str]], old: dict[str, dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """New entries for the English ``offered`` (key, text), keeping what ``old`` translated.

    Unchanged English keeps its translation; changed English keeps it too but is marked
    ``todo: changed`` with the English it was made from in ``was``; a new key is marked
    ``todo: new`` with the English in ``ja`` (or reuses the translation of an entry whose
    key is gone but whose English is the same); entries for keys that are gone are dropped."""
    keys = {k for k, _ in offered}
    orphans = {k: e for k, e in old.items() if k not in keys}
    counts = {"new": 0, "changed": 0, "dropped": 0, "reused": 0}
    out: dict[str, dict[str, Any]] = {}
    for key, english in offered:
        entry = old.get(key)
        if entry is None:
            reuse = next(
                (
                    k
                    for k, e in orphans.items()
                    if "todo" not in e and same_text(str(e.get("en", "")), english)
                ),
                None,
            )
            if reuse is not None:
                out[key] = {"en": english, "ja": orphans.pop(reuse)["ja"]}
                counts["reused"] += 1
            else:
                out[key] = {"todo": "new", "en": english, "ja": english}
                counts["new"] += 1
            continue
        ja = str(entry.get("ja", ""))
        before = str(entry.get("en", ""))
        if entry.get("todo") == "new":
            # not translated yet: follow the English while the translator has not started
            out[key] = {
                "todo": "new",
                "en": english,
                "ja": english if same_text(ja, before) else ja,
            }
            continue
        # without todo the Japanese translates `en`; marked changed, it translates `was`
        made_from = str(entry.get("was", before)) if entry.get("todo") else before
        if same_text(made_from, english) and ja.strip():
            out[key] = {"en": english, "ja": ja}
        else:
            out[key] = {"todo": "changed", "was": made_from, "en": english, "ja": ja}
            counts["changed"] += not same_text(before, english)
    counts["dropped"] = len(orphans)
    return out, counts


def translations(layout: Layout, only: Iterable[Path] = ()) -> int:
    """``make translations``: write or update every translation file (or only those of
    ``only``), notebooks and message catalogues."""
    wanted = {p.resolve() for p in only}
    pending = layout.pending()
    for unit in layout.units():
        named = unit.english.resolve() in wanted or unit.translation.resolve() in wanted
        if wanted and not named:
            continue
        if not named and unit.name in pending and not unit.translation.exists():
            continue  # started by naming it: make translations NB=<the English notebook>
        nb = read_notebook(unit.english)
        found = english_entries(nb)
        offered = [(k, text) for k, text, _ in found]
        notes = {
            k: "code cell: its BEGIN SOLUTION message" for k, _, kind in found if kind == "solution"
        }
        old = load_entries(unit.translation)
        entries, counts = sync_entries(offered, old)
        text = dump_entries(HEADER.format(source=unit.name), {"source": unit.name}, entries, notes)
        _write(unit.translation, text, layout, counts, entries)
    if not wanted:
        for namespace, english in catalogue().items():
            path = layout.i18n / "messages" / f"{namespace}.yaml"
            old = load_entries(path)
            entries, counts = sync_entries(list(english.items()), old)
            header = MESSAGES_HEADER.format(namespace=namespace)
            _write(
                path,
                dump_entries(header, {"namespace": namespace}, entries),
                layout,
                counts,
                entries,
            )
    return 0


def _write(
    path: Path, text: str, layout: Layout, counts: dict[str, int], entries: dict[str, Any]
) -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if current == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    todo = sum(1 for e in entries.values() if "todo" in e)
    what = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    print(
        f"{'wrote' if current is None else 'updated'} {rel(path, layout.root)}: "
        f"{len(entries)} entries, {todo} to translate" + (f" ({what})" if what else "")
    )


def catalogue() -> dict[str, dict[str, str]]:
    """Every message namespace the helpers declare, with its English (imports the helpers
    modules that print learner-facing text)."""
    sys.path.insert(0, str(ROOT))
    import helpers.i18n as i18n

    for module in CATALOGUE_MODULES:
        __import__(module)
    return i18n.registered()


#: modules whose import declares every message namespace (helpers.i18n.messages): helpers.checks
#: imports each lab's check module, so a lab's namespace is found without listing it here
CATALOGUE_MODULES = ("helpers.checks", "helpers.gateway.pipelines", "helpers.gateway.trace")


# -------------------------------------------------------------------------- generation


def problems_of_translation(
    unit: Unit, nb: nbformat.NotebookNode, entries: dict[str, dict[str, Any]]
) -> list[str]:
    """Why ``entries`` cannot (yet) make the Japanese notebook: missing, stale, todo, orphan
    entries, markers a markdown translation lost."""
    out = []
    offered = english_entries(nb)
    keys = {k for k, _, _ in offered}
    for key, english, kind in offered:
        entry = entries.get(key)
        where = f"cell {key}" if kind == "markdown" else f"cell {key} (BEGIN SOLUTION message)"
        if entry is None:
            out.append(f"{where}: no entry (a new cell?)")
        elif entry.get("todo") == "new":
            out.append(f"{where}: not translated yet (todo: new)")
        elif entry.get("todo"):
            out.append(
                f"{where}: the English changed since it was translated (todo: {entry['todo']})"
            )
        elif not same_text(str(entry.get("en", "")), english):
            out.append(f"{where}: stale — the English changed since it was translated")
        elif not str(entry.get("ja", "")).strip():
            out.append(f"{where}: empty translation")
        elif kind == "markdown":
            if len(MD_MARKER.findall(english)) != len(MD_MARKER.findall(str(entry["ja"]))):
                out.append(f"{where}: keep the <!-- BEGIN/END SOLUTION --> lines of the English")
        elif "\n" in str(entry["ja"]).strip():
            out.append(f"{where}: a BEGIN SOLUTION message is one line")
    out += [f"entry {k}: no such cell in the English notebook" for k in entries if k not in keys]
    return out


def localize_links(markdown: str, english: Path, japanese: Path, shipped: set[Path]) -> str:
    """Relative links written as in the English notebook, re-pointed from the Japanese one:
    to the Japanese edition of a notebook when it is shipped (``shipped``: the English
    notebooks and exercises that have one), to ``X.ja.md`` beside ``X.md`` when it exists,
    else to the same file. A link to a page only the Japanese edition has (``glossary.md``
    beside the Japanese notebook) stays as written."""

    def fix(match: re.Match[str]) -> str:
        target = match.group("target")
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, re.IGNORECASE):
            return match.group(0)
        path, hash_, anchor = target.partition("#")
        if not path:
            return match.group(0)
        resolved = Path(posixpath.normpath((english.parent / path).as_posix()))
        if not resolved.exists() and (japanese.parent / path).exists():
            return match.group(0)  # a page of the Japanese edition (the glossary)
        if resolved in shipped:
            resolved = resolved.parent / LANG / resolved.name
        elif resolved.suffix == ".md" and resolved.with_suffix(f".{LANG}.md").exists():
            resolved = resolved.with_suffix(f".{LANG}.md")
        new = posixpath.relpath(resolved.as_posix(), japanese.parent.as_posix())
        return match.group("pre") + new + hash_ + anchor

    return LINK.sub(fix, markdown)


def shipped_sources(layout: Layout) -> set[Path]:
    """English notebooks (and lab exercises) whose Japanese edition is shipped."""
    pending = layout.pending()
    out = set()
    for unit in layout.units():
        if unit.name not in pending:
            out.add(Path(posixpath.normpath(unit.english.as_posix())))
            if unit.english.parent.name == "solutions":
                exercise = unit.english.parent.parent / "exercises" / unit.english.name
                out.add(Path(posixpath.normpath(exercise.as_posix())))
    return out


def japanese_notebook(unit: Unit, shipped: set[Path]) -> str:
    """The Japanese notebook's text: the English notebook with its markdown cells and
    BEGIN SOLUTION messages translated, everything else copied."""
    nb = read_notebook(unit.english)
    entries = load_entries(unit.translation)
    problems = problems_of_translation(unit, nb, entries)
    if problems:
        raise Untranslated(unit, problems)
    ja = copy.deepcopy(nb)
    for cell in ja.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            text = str(entries[cell.id]["ja"]).rstrip("\n")
            cell.source = localize_links(text, unit.english, unit.japanese, shipped)
        elif cell.cell_type == "code" and any(solution_messages(cell.source)):
            cell.source = _translate_markers(cell, entries)
    ja.metadata["apigw_lab"] = {
        "lang": LANG,
        "source": posixpath.relpath(unit.english.as_posix(), unit.japanese.parent.as_posix()),
    }
    return render(ja)


def _translate_markers(cell: nbformat.NotebookNode, entries: dict[str, dict[str, Any]]) -> str:
    lines, n = [], 0
    for line in cell.source.split("\n"):
        match = BEGIN.match(line)
        if match:
            n += 1  # numbered as english_entries numbers them, messages or not
            if match.group("message"):
                key = cell.id if n == 1 else f"{cell.id}#{n}"
                line = match.group("head") + str(entries[key]["ja"]).strip()
        lines.append(line)
    return "\n".join(lines)


def render(nb: nbformat.NotebookNode) -> str:
    """What nbformat writes (indent 1, sorted keys) plus a trailing newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


class Untranslated(Exception):
    def __init__(self, unit: Unit, problems: list[str]) -> None:
        self.unit, self.problems = unit, problems
        super().__init__(f"{unit.name}: {len(problems)} problem(s)")


def build(layout: Layout) -> int:
    """``make ja``: write every shipped Japanese notebook, withdraw pending ones, then make
    the Japanese exercises from the Japanese solutions."""
    pending = layout.pending()
    shipped = shipped_sources(layout)
    failed = 0
    for unit in layout.units():
        if unit.name in pending:
            if unit.japanese.exists():
                unit.japanese.unlink()
                print(f"removed {rel(unit.japanese, layout.root)} (pending in i18n/ja/pending.txt)")
            continue
        try:
            text = japanese_notebook(unit, shipped)
        except Untranslated as exc:
            failed += 1
            _explain(exc, layout)
            continue
        if not unit.japanese.exists() or unit.japanese.read_text(encoding="utf-8") != text:
            unit.japanese.parent.mkdir(parents=True, exist_ok=True)
            unit.japanese.write_text(text, encoding="utf-8")
            print(f"wrote {rel(unit.japanese, layout.root)}")
    sources = {u.japanese.resolve() for u in layout.units()}
    for path in layout.japanese_notebooks():
        if path.resolve() not in sources:
            path.unlink()
            print(f"removed {rel(path, layout.root)} (no English source)")
    exercises = _exercises(layout)
    solutions = exercises.SOLUTIONS / LANG
    for path in sorted((exercises.EXERCISES / LANG).glob("*.ipynb")):
        if not (solutions / path.name).exists():
            path.unlink()
            print(f"removed {rel(path, layout.root)} (no Japanese solution)")
    japanese_solutions = sorted(solutions.glob("*.ipynb"))
    if japanese_solutions:
        exercises.main([str(p) for p in japanese_solutions])
    return 1 if failed else 0


def _exercises(layout: Layout) -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_exercises", ROOT / "scripts" / "make_exercises.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT = layout.root
    module.SOLUTIONS = layout.root / "labs" / "solutions"
    module.EXERCISES = layout.root / "labs" / "exercises"
    return module


def _explain(exc: Untranslated, layout: Layout) -> None:
    unit = exc.unit
    print(
        f"{unit.name}: the Japanese translation is not complete "
        f"({rel(unit.translation, layout.root)}):",
        file=sys.stderr,
    )
    for line in exc.problems[:12]:
        print(f"  {line}", file=sys.stderr)
    if len(exc.problems) > 12:
        print(f"  ... and {len(exc.problems) - 12} more", file=sys.stderr)


# ------------------------------------------------------------------------------- the proof


def _mask(source: str, exercise: bool) -> str:
    """A code cell's source with only the learner-facing messages blanked: the text of
    ``# BEGIN SOLUTION`` lines, and (exercises) the ``NotImplementedError`` line that
    follows ``# YOUR CODE HERE``."""
    out, previous = [], ""
    for line in source.split("\n"):
        if (m := BEGIN.match(line)) is not None:
            line = m.group("head").rstrip() + " <message>"
        elif exercise and previous.strip() == "# YOUR CODE HERE" and (p := PLACEHOLDER.match(line)):
            line = p.group("indent") + "raise NotImplementedError(<message>)"
        out.append(line)
        previous = line
    return "\n".join(out)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1)


def code_differences(english: Path, japanese: Path, *, exercise: bool = False) -> list[str]:
    """Where a Japanese notebook's code differs from its English source: cell count, ids,
    types and metadata, code cells' sources (messages masked), outputs and execution
    counts, markdown attachments, the notebook's metadata (the ``apigw_lab`` note aside).
    Compared as canonical JSON text, byte for byte; an empty list is the proof."""
    en = json.loads(english.read_text(encoding="utf-8"))
    ja = json.loads(japanese.read_text(encoding="utf-8"))
    out = []
    meta_en = {k: v for k, v in en.get("metadata", {}).items() if k != "apigw_lab"}
    meta_ja = {k: v for k, v in ja.get("metadata", {}).items() if k != "apigw_lab"}
    for field, a, b in (
        ("nbformat", en.get("nbformat"), ja.get("nbformat")),
        ("nbformat_minor", en.get("nbformat_minor"), ja.get("nbformat_minor")),
        ("notebook metadata", meta_en, meta_ja),
    ):
        if _canonical(a) != _canonical(b):
            out.append(f"{field} differs")
    if len(en["cells"]) != len(ja["cells"]):
        return [*out, f"{len(ja['cells'])} cells, the English has {len(en['cells'])}"]
    for i, (a, b) in enumerate(zip(en["cells"], ja["cells"], strict=True)):
        where = f"cell {i} ({a.get('id')})"
        for field in ("id", "cell_type", "metadata"):
            if _canonical(a.get(field)) != _canonical(b.get(field)):
                out.append(f"{where}: {field} differs")
        if a.get("cell_type") == "code" == b.get("cell_type"):
            src_a = _mask(
                "".join(a["source"]) if isinstance(a["source"], list) else a["source"], exercise
            )
            src_b = _mask(
                "".join(b["source"]) if isinstance(b["source"], list) else b["source"], exercise
            )
            if src_a != src_b:
                out.append(f"{where}: code differs")
            for field in ("outputs", "execution_count"):
                if _canonical(a.get(field)) != _canonical(b.get(field)):
                    out.append(f"{where}: {field} differ")
        elif _canonical(a.get("attachments")) != _canonical(b.get("attachments")):
            out.append(f"{where}: attachments differ")
    return out


# ------------------------------------------------------------------------------- the check


def broken_links(layout: Layout) -> list[str]:
    """Relative links in the Japanese pages (README.ja.md, the glossary, the style guide)
    that lead nowhere: a page written by hand does not follow a renamed notebook."""
    pages = [
        layout.root / "README.ja.md",
        *sorted((layout.root / "notebooks" / LANG).glob("*.md")),
        *sorted(layout.i18n.glob("*.md")),
    ]
    out = []
    for page in pages:
        if not page.exists():
            continue
        text = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        for match in LINK.finditer(text):
            target = match.group("target").partition("#")[0]
            if not target or re.match(r"^([a-z][a-z0-9+.-]*:|/)", target, re.IGNORECASE):
                continue
            if not (page.parent / target).exists():
                out.append(f"{rel(page, layout.root)}: the link {target} leads nowhere")
    return out


def check(layout: Layout, *, messages: bool = True) -> int:
    started = time.perf_counter()
    pending = layout.pending()
    shipped = shipped_sources(layout)
    errors: list[str] = []
    count = cells = 0
    units = layout.units()
    names = {u.name for u in units}
    for unit in units:
        if unit.name in pending:
            if unit.japanese.exists():
                errors.append(
                    f"{rel(unit.japanese, layout.root)} exists but {unit.name} is pending "
                    "(i18n/ja/pending.txt): run `make ja`"
                )
            continue
        if not unit.translation.exists():
            errors.append(
                f"{unit.name} has no Japanese translation. Run `make translations` to write "
                f"{rel(unit.translation, layout.root)} (the English marked `todo: new`), translate "
                "it (i18n/ja/STYLE.md) and run `make ja`; or list the notebook in "
                "i18n/ja/pending.txt to ship it in English only for now"
            )
            continue
        try:
            expected = japanese_notebook(unit, shipped)
        except Untranslated as exc:
            errors += [
                f"{unit.name}: {p} ({rel(unit.translation, layout.root)})" for p in exc.problems[:8]
            ]
            if len(exc.problems) > 8:
                errors.append(f"{unit.name}: ... and {len(exc.problems) - 8} more")
            errors.append(
                f"{unit.name}: run `make translations`, translate the entries marked "
                "todo, then `make ja` (or list it in i18n/ja/pending.txt)"
            )
            continue
        count += 1
        cells += len(english_entries(read_notebook(unit.english)))
        if not unit.japanese.exists():
            errors.append(f"{rel(unit.japanese, layout.root)} is missing: run `make ja`")
            continue
        if unit.japanese.read_text(encoding="utf-8") != expected:
            errors.append(
                f"{rel(unit.japanese, layout.root)} differs from what `make ja` generates "
                "(edited by hand, or the English changed): run `make ja`"
            )
        errors += [
            f"{rel(unit.japanese, layout.root)}: {d} from {unit.name}"
            for d in code_differences(unit.english, unit.japanese)
        ]
    sources = {u.japanese.resolve() for u in units}
    errors += [
        f"{rel(p, layout.root)} has no English source: run `make ja`"
        for p in layout.japanese_notebooks()
        if p.resolve() not in sources
    ]
    translations_ = {u.translation.resolve() for u in units}
    errors += [
        f"{rel(p, layout.root)} translates no English notebook: delete it (or rename it)"
        for p in layout.translation_files()
        if p.resolve() not in translations_
    ]
    # the exercises: Japanese ones are the English ones but for the messages
    exercises = layout.root / "labs" / "exercises"
    for path in sorted((exercises / LANG).glob("*.ipynb")):
        english = exercises / path.name
        if english.exists():
            errors += [
                f"{rel(path, layout.root)}: {d} from {rel(english, layout.root)}"
                for d in code_differences(english, path, exercise=True)
            ]
    namespaces = entries_count = 0
    if messages:
        found = catalogue()
        namespaces = len(found)
        for namespace, english in found.items():
            path = layout.i18n / "messages" / f"{namespace}.yaml"
            if f"messages/{namespace}" in pending:
                continue
            if not path.exists():
                errors.append(
                    f"message namespace {namespace!r} has no Japanese translation: run "
                    f"`make translations` and translate {rel(path, layout.root)}"
                )
                continue
            entries = load_entries(path)
            for key, text in english.items():
                entry = entries.get(key)
                if not is_translated(entry, text):
                    state = (
                        "missing"
                        if entry is None
                        else "marked todo"
                        if "todo" in entry
                        else "stale"
                    )
                    errors.append(
                        f"{rel(path, layout.root)}: {key}: {state}: run `make translations`, "
                        "then translate it"
                    )
                elif fields_of(str(entry["ja"])) != fields_of(text):
                    errors.append(
                        f"{rel(path, layout.root)}: {key}: the Japanese must use the "
                        f"fields {sorted(fields_of(text))}"
                    )
                else:
                    entries_count += 1
            errors += [
                f"{rel(path, layout.root)}: {k}: no such message: run `make translations`"
                for k in entries
                if k not in english
            ]
    errors += broken_links(layout)
    unknown = sorted(p for p in pending if p not in names and not p.startswith("messages/"))
    errors += [f"i18n/ja/pending.txt: {p} is not an English notebook" for p in unknown]
    elapsed = time.perf_counter() - started
    if errors:
        print("the Japanese edition is out of sync:", file=sys.stderr)
        for line in errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    waiting = sorted(u.name for u in units if u.name in pending)
    print(
        f"Japanese edition in sync: {count} notebook(s) shipped ({cells} texts translated, "
        f"code and outputs identical), {len(waiting)} pending; {entries_count} catalogue "
        f"messages in {namespaces} namespace(s); checked in {elapsed:.1f} s"
    )
    return 0


def status(layout: Layout) -> int:
    pending = layout.pending()
    total_done = total = 0
    for unit in layout.units():
        nb = read_notebook(unit.english)
        offered = english_entries(nb)
        entries = load_entries(unit.translation)
        done = sum(1 for k, text, _ in offered if is_translated(entries.get(k), text))
        total_done += done
        total += len(offered)
        state = "pending" if unit.name in pending else "shipped" if unit.japanese.exists() else "-"
        print(f"{unit.name:<52} {done:>3}/{len(offered):<3} {state}")
    print(f"{'total':<52} {total_done:>3}/{total:<3}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("translations", help="write or update the translation files")
    t.add_argument("paths", nargs="*", type=Path, help="English notebooks (default: all)")
    sub.add_parser("build", help="generate the Japanese notebooks and exercises")
    c = sub.add_parser("check", help="fail if the Japanese edition is out of sync")
    c.add_argument("--no-messages", action="store_true", help="skip the message catalogues")
    sub.add_parser("status", help="translated texts per notebook")
    args = parser.parse_args(argv)
    layout = Layout()
    if args.command == "translations":
        return translations(layout, args.paths)
    if args.command == "build":
        return build(layout)
    if args.command == "check":
        return check(layout, messages=not args.no_messages)
    return status(layout)


if __name__ == "__main__":
    sys.exit(main())
