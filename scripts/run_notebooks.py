"""Execute notebooks in place for committing: fresh kernel each, no wall-clock timing
metadata, so the committed file depends only on the notebook and the code.

    python scripts/run_notebooks.py notebooks/01-rest-http-websocket.ipynb ...
    python scripts/run_notebooks.py          # every notebook and lab solution
"""

from __future__ import annotations

import configparser
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

#: notebook metadata as JupyterLab writes it when it opens a notebook (the kernelspec's
#: display name is ipykernel's): a notebook saved with anything else is marked modified as
#: soon as a learner opens it, and autosave rewrites their copy. ``language_info`` is what
#: the kernel reports (nbclient writes it).
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
}


def coalesce_streams(nb: nbformat.NotebookNode) -> None:
    """Join adjacent stdout (or stderr) chunks: where the kernel splits one print's text
    varies from run to run, and the committed file should not."""
    for cell in nb.cells:
        merged: list[nbformat.NotebookNode] = []
        for output in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (
                last is not None
                and output.output_type == "stream"
                and last.output_type == "stream"
                and last.name == output.name
            ):
                last.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


#: what nbval's sanitizer replaces in outputs (a localhost port the OS picked, a memory
#: address): the same replacements are made in the committed outputs, so a second run does not
#: change the file
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def sanitizers() -> list[tuple[re.Pattern[str], str]]:
    config = configparser.ConfigParser()
    config.read(SANITIZE, encoding="utf-8")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def sanitize_outputs(nb: nbformat.NotebookNode) -> None:
    """Apply nbval's sanitizers to the text a cell printed or returned."""
    rules = sanitizers()

    def clean(text: str) -> str:
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text = clean(output.text)
            elif "text/plain" in output.get("data", {}):
                output.data["text/plain"] = clean(output.data["text/plain"])
            elif output.output_type == "error":
                output.evalue = clean(output.evalue)


def renumber_widgets(nb: nbformat.NotebookNode) -> None:
    """ipywidgets name their models with random ids, and which models the saved widget
    state holds varies from run to run; the state is dropped (the learner runs the cell to
    get a live widget) and each widget output's id is numbered in order, so the committed
    file does not change from run to run."""
    n = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view is not None:
                n += 1
                view["model_id"] = f"apigwlab{n:024x}"
    nb.metadata.pop("widgets", None)


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    start = time.perf_counter()
    NotebookClient(
        nb,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    coalesce_streams(nb)
    sanitize_outputs(nb)
    renumber_widgets(nb)
    nb.metadata.update(NOTEBOOK_METADATA)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(
        [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("labs/solutions/*.ipynb")]
    )
    for path in paths:
        print(f"{path}: {run(path.resolve()):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
