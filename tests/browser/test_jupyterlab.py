"""The course in JupyterLab, in headless Chromium, as a new learner meets it.

For a representative subset of notebooks (picked by pattern, so new notebooks join it):
open it through the real UI, check that opening it did not mark it modified, *Run All Cells*
from the Run menu, and check what the learner sees: no error output, every figure rendered,
every ipywidgets playground live (drag a slider: the figure and the caption change), and
nothing in the browser console at SEVERE.

The subset: the welcome notebook, every notebook whose committed outputs hold a playground
(an ipywidgets view: 09 and 10 today), the newest lesson, the first lab's solution, and the
Japanese edition of the welcome notebook when it exists; the first lab exercise is opened
(not run) for the "not modified by opening" check.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
from browsing import (
    ROOT,
    WIDGET_VIEW,
    JupyterLab,
    committed,
    has_playground,
    severe_console_messages,
)

#: how long one notebook may take to run through the UI (each runs alone in under 10 s)
RUN_TIMEOUT = 120


def playground_cells(path: Path) -> list[int]:
    """Where the committed notebook's playgrounds are (cell indexes)."""
    return [
        index
        for index, cell in enumerate(committed(path)["cells"])
        if any(WIDGET_VIEW in output.get("data", {}) for output in cell.get("outputs", []))
    ]


def figures_committed(path: Path) -> int:
    """Image outputs a run draws below cells (a playground's saved figure is drawn live in
    its widget instead)."""
    return sum(
        1
        for cell in committed(path)["cells"]
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {}) and WIDGET_VIEW not in output["data"]
    )


def lessons(folder: str = "notebooks") -> list[Path]:
    return sorted((ROOT / folder).glob("[0-9]*.ipynb"))


def run_subset() -> list[Path]:
    every = lessons()
    chosen = [every[0], *(p for p in every if has_playground(p)), every[-1]]
    chosen += sorted((ROOT / "labs" / "solutions").glob("[0-9]*.ipynb"))[:1]
    chosen += lessons("notebooks/ja")[:1]
    return list(dict.fromkeys(chosen))


def open_subset() -> list[Path]:
    """Notebooks only opened, not run: the first lab exercise of each edition (exercises are
    written by scripts/make_exercises.py, not by a kernel). tests/test_notebook_markdown.py
    checks every notebook's metadata without a browser."""
    return [
        *sorted((ROOT / "labs" / "exercises").glob("[0-9]*.ipynb"))[:1],
        *sorted((ROOT / "labs" / "exercises" / "ja").glob("[0-9]*.ipynb"))[:1],
    ]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ------------------------------------------------------------------------------ the UI


def js(driver: Any, script: str, *args: Any) -> Any:
    return driver.execute_script(script, *args)


def wait_until(condition: Any, seconds: float, what: str, every: float = 0.25) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def open_notebook(driver: Any, lab: JupyterLab, path: str) -> None:
    """Open ``path`` as a learner would from a link: the notebook alone, kernel started, every
    cell drawn (JupyterLab adds a long notebook's cells to the page a few at a time)."""
    cells = len(committed(ROOT / path)["cells"]) if (ROOT / path).exists() else 1
    driver.get(f"{lab.url}/lab/tree/{path}?reset")
    wait_until(
        lambda: js(
            driver,
            "const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');"
            "return p && p.querySelectorAll('.jp-Cell').length >= arguments[0];",
            cells,
        ),
        60,
        f"{path} to open with its {cells} cells",
    )
    wait_until(
        lambda: js(
            driver,
            "const s = document.querySelector("
            "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');"
            "return s && s.getAttribute('data-status') === 'idle';",
        ),
        60,
        f"{path}'s kernel to be idle",
    )
    wait_until(
        lambda: js(
            driver,
            "const k = document.querySelector("
            "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName, "
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName');"
            "return k && k.textContent.includes('Python');",
        ),
        30,
        f"{path}'s kernel name in the toolbar",
    )
    # what JupyterLab rewrites on opening (kernelspec, language_info) it rewrites once the
    # kernel's spec and info have arrived, just after the kernel name shows
    time.sleep(3)


def is_modified(driver: Any) -> bool:
    return bool(
        js(driver, "return document.querySelector('.lm-TabBar-tab.jp-mod-dirty') !== null;")
    )


def click_menu(driver: Any, menu: str, command: str) -> None:
    from selenium.webdriver.common.by import By

    for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item"):
        if item.text.strip() == menu:
            item.click()
            break
    else:
        raise AssertionError(f"no {menu!r} menu")
    entry = wait_until(
        lambda: driver.find_elements(By.CSS_SELECTOR, f'.lm-Menu-item[data-command="{command}"]'),
        10,
        f"{command} in the {menu} menu",
    )
    entry[0].click()


def run_all(driver: Any, path: str) -> float:
    """Run → Run All Cells; wait until every code cell has run (or one failed)."""
    start = time.monotonic()
    click_menu(driver, "Run", "runmenu:run-all")

    def finished() -> bool:
        state = js(
            driver,
            """
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
              .map(p => p.textContent.trim());
            const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')
              .getAttribute('data-status');
            return {prompts, status};
            """,
        )
        busy = any("*" in p for p in state["prompts"])
        return (
            state["status"] == "idle"
            and not busy
            and all(p not in ("[ ]:", "") for p in state["prompts"])
        ) or (state["status"] == "idle" and not busy and error_outputs(driver))

    wait_until(finished, RUN_TIMEOUT, f"{path} to finish running", every=0.5)
    return time.monotonic() - start


def error_outputs(driver: Any) -> list[str]:
    """Error and stderr outputs shown in the notebook (a traceback is an error output)."""
    return js(
        driver,
        """
        const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
        return [...panel.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
          .filter(o => !o.closest('.jupyter-widgets'))
          .map(o => o.textContent.slice(0, 400));
        """,
    )


def figures(driver: Any) -> dict[str, int]:
    return js(
        driver,
        """
        const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
        const imgs = [...panel.querySelectorAll('.jp-OutputArea-output img')];
        return {
          shown: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
          broken: imgs.filter(i => i.complete && i.naturalWidth === 0).length,
          outside_widgets: imgs.filter(i => !i.closest('.jupyter-widgets')).length,
        };
        """,
    )


def playground_state(driver: Any, index: int) -> dict[str, Any]:
    return js(
        driver,
        """
        const boxes = [...document.querySelectorAll(
          '.jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox')]
          .filter(b => b.querySelector('.widget-slider'));
        const box = boxes[arguments[0]];
        if (!box) return null;
        const img = box.querySelector('.widget-output img');
        const text = [...box.querySelectorAll('.widget-output pre, .widget-output .jp-RenderedText')]
          .map(e => e.textContent).join('\\n');
        const values = [...box.querySelectorAll('.widget-readout')].map(r => r.textContent);
        return {img: img ? img.src.slice(-200) : null,
                loaded: img ? img.complete && img.naturalWidth > 0 : false,
                caption: text, values, boxes: boxes.length};
        """,
        index,
    )


def move_slider(driver: Any, index: int, slider: int, pixels: int) -> None:
    """Drag a slider's handle as a learner would with the mouse."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    boxes = [
        b
        for b in driver.find_elements(
            By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox"
        )
        if b.find_elements(By.CSS_SELECTOR, ".widget-slider")
    ]
    handle = boxes[index].find_elements(By.CSS_SELECTOR, ".widget-slider .noUi-handle")[slider]
    js(driver, "arguments[0].scrollIntoView({block: 'center'});", handle)
    ActionChains(driver).click_and_hold(handle).move_by_offset(pixels, 0).release().perform()


# ------------------------------------------------------------------------------ the tests


@pytest.fixture(autouse=True)
def _one_kernel_at_a_time(jupyterlab: JupyterLab) -> Any:
    yield
    jupyterlab.shut_down_kernels()


@pytest.mark.parametrize("path", open_subset(), ids=rel)
def test_opening_a_notebook_does_not_mark_it_modified(
    browser: Any, jupyterlab: JupyterLab, path: Path
) -> None:
    browser.get_log("browser")
    open_notebook(browser, jupyterlab, rel(path))
    assert not is_modified(browser), f"{rel(path)} is marked modified right after opening"
    assert not severe_console_messages(browser)


def test_no_news_pop_up_on_first_start(
    browser: Any, jupyterlab: JupyterLab, screenshots: Path
) -> None:
    browser.get(f"{jupyterlab.url}/lab?reset")
    wait_until(
        lambda: js(browser, "return !!document.querySelector('.jp-Launcher, .jp-NotebookPanel')"),
        60,
        "JupyterLab",
    )
    time.sleep(3)
    toasts = js(
        browser,
        "return [...document.querySelectorAll('.Toastify__toast, .jp-Notification-Toast')]"
        ".map(t => t.textContent)",
    )
    browser.save_screenshot(str(screenshots / "jupyterlab-first-start.png"))
    assert not [t for t in toasts if "news" in t.lower()], toasts
    # the project's overrides.json is the default JupyterLab serves for the setting
    notification = requests.get(
        f"{jupyterlab.url}/lab/api/settings/@jupyterlab/apputils-extension:notification",
        timeout=10,
    ).json()
    assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"


@pytest.mark.parametrize("path", run_subset(), ids=rel)
def test_a_notebook_runs_cleanly_in_jupyterlab(
    browser: Any, jupyterlab: JupyterLab, path: Path, screenshots: Path
) -> None:
    name = rel(path)
    browser.get_log("browser")  # start the console log afresh
    open_notebook(browser, jupyterlab, name)
    assert not is_modified(browser), f"{name} is marked modified right after opening"
    saved = js(
        browser,
        "return [...document.querySelectorAll("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]"
        ".filter(o => o.textContent.includes('VBox(children=')).length;",
    )
    assert not saved, f"{name}: a saved playground shows its widget's repr instead of a figure"
    for index in playground_cells(path):  # as saved: the figure drawn for the starting values
        js(
            browser,
            "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')"
            "[arguments[0]].scrollIntoView({block: 'start'});",
            index,
        )
        time.sleep(0.5)  # once more, now that the cells above have their real heights
        js(
            browser,
            "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')"
            "[arguments[0]].scrollIntoView({block: 'start'});",
            index,
        )
        time.sleep(0.3)
        browser.save_screenshot(str(screenshots / f"{path.stem}-saved-playground.png"))

    seconds = run_all(browser, name)
    errors = error_outputs(browser)
    browser.save_screenshot(str(screenshots / f"{path.stem}-after-run-all.png"))
    assert not errors, f"{name}: error output after Run All ({seconds:.0f} s):\n" + "\n".join(
        errors
    )

    shown = figures(browser)
    assert shown["broken"] == 0, f"{name}: {shown['broken']} figure(s) failed to render"
    assert shown["outside_widgets"] >= figures_committed(path), (
        f"{name}: {shown['outside_widgets']} figures below cells, "
        f"{figures_committed(path)} in the committed notebook"
    )

    playgrounds = playground_state(browser, 0)
    count = playgrounds["boxes"] if playgrounds else 0
    assert (count > 0) == has_playground(path), f"{name}: {count} live playground(s) shown"
    for index in range(count):
        before = wait_until(
            lambda i=index: (s := playground_state(browser, i)) and s["loaded"] and s,
            30,
            f"playground {index}'s first figure",
        )
        move_slider(browser, index, 0, 60)
        after = wait_until(
            lambda i=index, b=before: (
                (s := playground_state(browser, i))
                and s["loaded"]
                and s["img"] != b["img"]
                and s["caption"] != b["caption"]
                and s
            ),
            60,
            f"playground {index} to redraw after a slider moved (it is dead if it never does)",
        )
        assert after["values"] != before["values"]
        assert "could not redraw" not in after["caption"], after["caption"]
        browser.save_screenshot(str(screenshots / f"{path.stem}-playground-moved.png"))

    severe = severe_console_messages(browser)
    assert not severe, f"{name}: browser console at SEVERE:\n" + "\n".join(severe)
