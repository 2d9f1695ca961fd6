"""Build the course website from the committed notebooks, without re-executing them.

    python scripts/build_site.py            # → build/site/index.html (English), build/site/ja/
    python scripts/build_site.py --out DIR

What goes in, found by pattern so new notebooks and labs appear without editing this file:

- ``notebooks/[0-9]*.ipynb``: the lessons, in file-name order;
- ``labs/exercises/*.ipynb``: the labs as a learner gets them, and ``labs/solutions/*.ipynb``
  with their outputs;
- the Japanese edition, when it exists: ``notebooks/ja/[0-9]*.ipynb``,
  ``labs/exercises/ja/*.ipynb`` and ``labs/solutions/ja/*.ipynb``, built as a second site
  under ``ja/`` with a link from every page to the same page in the other language;
- a markdown page beside an edition's notebooks (``notebooks/ja/glossary.md``), which a lesson
  links to: a page of that edition, its links to notebooks and labs made links to their pages
  (a notebook only the other edition has: that edition's page);
- ``site/landing.md`` (and ``site/landing.ja.md``): the landing page's text; the course map
  is made from the notebooks' titles and the README's course table (README.ja.md for the
  Japanese edition, when it exists).

Each edition is staged under ``build/site-src/<language>/`` and built by Sphinx with MyST-NB
and the Sphinx Book Theme (configuration in ``site/conf.py``): the notebooks' saved outputs and
figures, search (Sphinx's own index, offline), the course's order in the sidebar and
previous/next links between lessons. A playground (an ipywidgets output) shows the figure it
saved for its starting values, with a note that it is live in JupyterLab.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@dataclass
class Edition:
    language: str
    title: str
    #: where its pages go under the site's root, and its notebooks' subfolder ("" or "ja/")
    prefix: str
    landing: Path
    readme: Path
    #: words of the site, in this language
    words: dict[str, str] = field(default_factory=dict)

    @property
    def notebooks(self) -> str:
        return f"notebooks/{self.prefix}[0-9]*.ipynb"

    def sources(self) -> dict[str, list[Path]]:
        return {
            "course": sorted(ROOT.glob(self.notebooks)),
            "labs": sorted(ROOT.glob(f"labs/exercises/{self.prefix}[0-9]*.ipynb")),
            "solutions": sorted(ROOT.glob(f"labs/solutions/{self.prefix}[0-9]*.ipynb")),
        }

    def exists(self) -> bool:
        return bool(self.sources()["course"])

    def pages(self) -> list[Path]:
        """Markdown pages beside the notebooks (the Japanese glossary)."""
        return sorted((ROOT / self.notebooks).parent.glob("*.md"))


EDITIONS = [
    Edition(
        language="en",
        title="apigw-lab: learn Amazon API Gateway by doing",
        prefix="",
        landing=SITE / "landing.md",
        readme=ROOT / "README.md",
        words={
            "course": "The course",
            "labs": "Labs",
            "solutions": "Lab solutions",
            "map": "Course map",
            "page": "Lesson",
            "what": "What you build and see",
            "lab": "Lab",
            "solution": "solution",
            "switch": "English",
            "playground": (
                "This is a **playground**: in JupyterLab its sliders are live (run the notebook, "
                "then move them and watch the figure and the numbers change). Here you see the "
                "figure it drew for its starting values."
            ),
        },
    ),
    Edition(
        language="ja",
        title="apigw-lab: 手を動かして学ぶ Amazon API Gateway",
        prefix="ja/",
        landing=SITE / "landing.ja.md",
        readme=ROOT / "README.ja.md",
        words={
            "course": "コース",
            "labs": "ラボ(演習)",
            "solutions": "ラボの解答",
            "map": "コースマップ",
            "page": "レッスン",
            "what": "作るもの・見るもの",
            "lab": "ラボ",
            "solution": "解答",
            "switch": "日本語",
            "playground": (
                "これは **プレイグラウンド** です。JupyterLab ではスライダーが動きます"
                "(ノートブックを実行してからスライダーを動かすと、図と数値が変わります)。"
                "ここに表示されているのは初期値で描いた図です。"
            ),
        },
    ),
]


def title_of(path: Path) -> str:
    """The notebook's first heading (``# 09 · Throttling ...``), or its file name."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def readme_descriptions(readme: Path) -> dict[str, str]:
    """``{"notebooks/09-throttling-api-keys.ipynb": "API keys and usage plans ..."}`` from the
    README's course table (rows whose first cell is a notebook's path in backticks, bare or
    as a link's text: ``[`notebooks/ja/09-….ipynb`](…)``)."""
    if not readme.exists():
        return {}
    rows = re.findall(
        r"^\|\s*\[?`([^`]+\.ipynb)`(?:\]\([^)]*\))?\s*\|(.*)\|\s*$",
        readme.read_text("utf-8"),
        re.M,
    )
    return {path: text.strip() for path, text in rows}


def playground_note(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data",
        data={"text/html": f'<div class="playground-note">{markdown_inline(text)}</div>'},
    )


def markdown_inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


def stage_notebook(source: Path, target: Path, edition: Edition) -> None:
    """Copy a notebook for the site: outputs as committed, plus a note under each playground."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for index in reversed(range(len(outputs))):
            if WIDGET_VIEW in outputs[index].get("data", {}):
                outputs.insert(index + 1, playground_note(edition.words["playground"]))
    nb.metadata.pop("widgets", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def course_map(edition: Edition, staged: dict[str, list[tuple[str, Path]]]) -> str:
    """The course map page: every lesson and lab with its title and what it builds."""
    w = edition.words
    described = readme_descriptions(edition.readme)
    lines = [f"# {w['map']}", ""]
    for part, entries in staged.items():
        if not entries or part == "solutions":
            continue
        lines += [f"## {w[part]}", "", f"| {w['page']} | {w['what']} |", "|---|---|"]
        for docname, source in entries:
            rel = source.relative_to(ROOT).as_posix()
            title = title_of(source).replace("|", "\\|")
            what = described.get(rel, "")
            if part == "labs":
                solution = next((d for d, s in staged["solutions"] if s.name == source.name), None)
                if solution:
                    what += f" ([{w['solution']}]({solution}.ipynb))"
            lines.append(f"| [{title}]({docname}.ipynb) | {what} |")
        lines.append("")
    return "\n".join(lines)


FOLDERS = {"course": "notebooks", "labs": "labs", "solutions": "solutions"}
LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


def page_of(path: Path) -> tuple[Edition, str] | None:
    """The edition and docname a notebook or lab is published as, if any."""
    for edition in EDITIONS:
        for part, sources in edition.sources().items():
            if path in sources:
                return edition, f"{FOLDERS[part]}/{path.stem}"
    return None


def relink(text: str, source: Path, docname: str, edition: Edition) -> str:
    """A markdown page's relative links to notebooks and labs, as links between site pages: a
    page of this edition by its document name, one of the other edition by its URL."""
    here = Path(docname).parent

    def link(match: re.Match[str]) -> str:
        title, target = match.groups()
        path, _, fragment = target.partition("#")
        if "://" in path or not path.endswith(".ipynb"):
            return match.group(0)
        found = page_of((source.parent / path).resolve())
        if found is None:
            return match.group(0)
        owner, name = found
        anchor = f"#{fragment}" if fragment else ""
        if owner is edition:
            return f"[{title}]({os.path.relpath(name, here)}.ipynb{anchor})"
        url = os.path.relpath(f"{owner.prefix}{name}.html", f"{edition.prefix}{here}")
        return f'<a href="{url}{anchor}">{title}</a>'

    return LINK.sub(link, text)


def landing_page(edition: Edition, staged: dict[str, list[tuple[str, Path]]]) -> str:
    w = edition.words
    text = (
        edition.landing.read_text("utf-8") if edition.landing.exists() else f"# {edition.title}\n"
    )
    parts = [text.rstrip(), ""]
    parts += ["```{toctree}", ":hidden:", "", "course-map", "```", ""]
    for part, entries in staged.items():
        if entries:
            parts += ["```{toctree}", ":hidden:", f":caption: {w[part]}", ""]
            parts += [docname for docname, _ in entries]
            parts += ["```", ""]
    if edition.pages():
        parts += ["```{toctree}", ":hidden:", ""]
        parts += [f"notebooks/{page.stem}" for page in edition.pages()]
        parts += ["```", ""]
    return "\n".join(parts)


def stage(edition: Edition, src: Path) -> dict[str, list[tuple[str, Path]]]:
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    staged: dict[str, list[tuple[str, Path]]] = {}
    for part, sources in edition.sources().items():
        staged[part] = []
        for source in sources:
            docname = f"{FOLDERS[part]}/{source.stem}"
            stage_notebook(source, src / f"{docname}.ipynb", edition)
            staged[part].append((docname, source))
    for page in edition.pages():
        docname = f"notebooks/{page.stem}"
        text = relink(page.read_text("utf-8"), page.resolve(), docname, edition)
        (src / f"{docname}.md").write_text(text, "utf-8")
    (src / "course-map.md").write_text(course_map(edition, staged), "utf-8")
    (src / "index.md").write_text(landing_page(edition, staged), "utf-8")
    return staged


def build(out: Path, work: Path, *, quiet: bool = True) -> dict[str, int]:
    editions = [e for e in EDITIONS if e.exists()]
    staged = {e.language: stage(e, work / e.language) for e in editions}
    pages = {
        e.language: {
            "index",
            "course-map",
            *(d for part in staged[e.language].values() for d, _ in part),
            *(f"notebooks/{page.stem}" for page in e.pages()),
        }
        for e in editions
    }
    if out.exists():
        shutil.rmtree(out)
    counts: dict[str, int] = {}
    for edition in editions:
        other = next((e for e in editions if e is not edition), None)
        config = {"language": edition.language, "title": edition.title, "other": None}
        if other is not None:
            # from this edition's root to the other's: "ja/" from English, "../" from Japanese
            prefix = other.prefix if not edition.prefix else "../" * edition.prefix.count("/")
            config["other"] = {
                "label": other.words["switch"],
                "language": other.language,
                "prefix": prefix,
                "pages": sorted(pages[other.language]),
            }
        command = [
            sys.executable, "-m", "sphinx", "-b", "html", "-c", str(SITE),
            "-d", str(work / f".doctrees-{edition.language}"),
            str(work / edition.language), str(out / edition.prefix),
        ]  # fmt: skip
        if quiet:
            command.insert(3, "-q")
        env = {**os.environ, "APIGW_SITE_EDITION": json.dumps(config)}
        subprocess.run(command, check=True, env=env)
        counts[edition.language] = len(pages[edition.language])
    (out / ".nojekyll").write_text("")
    return counts


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "site-src")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = build(args.out.resolve(), args.work.resolve(), quiet=not args.verbose)
    html = len(list(args.out.rglob("*.html")))
    print(
        f"site: {args.out} — "
        + ", ".join(f"{lang}: {n} pages" for lang, n in counts.items())
        + f"; {html} HTML files, {size_of(args.out) / 1e6:.1f} MB, "
        f"{time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
