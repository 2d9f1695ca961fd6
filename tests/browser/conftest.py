"""The browser test: the course as a learner meets it, in headless Chromium (Selenium).

``make browser`` runs it (``.ci/run`` after ``make test``); ``make test`` skips it. It needs
Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``, ``/usr/bin/chromedriver``,
or ``CHROMIUM``/``CHROMEDRIVER`` in the environment): without them every test here is skipped
with a one-line reason.

Fixtures:

- ``jupyterlab`` (session): JupyterLab from the project's virtual environment on 127.0.0.1 (a
  free port, no token), with the project's own settings (``jupyter/settings/``) and its own
  user-settings, workspace, config, data and runtime folders in a temporary directory, serving
  a *copy* of notebooks/ and labs/ (running them through the UI changes them; the committed
  files are never touched, nor a learner's ~/.jupyter).
- ``browser`` (session): headless Chromium with the flags this machine needs, a fresh
  ``--user-data-dir``, and the browser console's log kept for the SEVERE check.
- ``site`` (session): the built site (``make site`` → build/site) served on 127.0.0.1.
- ``screenshots``: where PNG screenshots go (build/browser-screenshots/).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from browsing import ROOT, SCREENSHOTS, SETTINGS, SITE, JupyterLab

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = (
    os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
)
#: Chromium as root on a machine with no network but the package registries
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def _missing() -> str | None:
    if not os.environ.get("APIGW_LAB_BROWSER"):
        return "the browser test runs with `make browser` (after `make test`)"
    for name, path in (("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER)):
        if not Path(path).exists():
            return (
                f"browser test skipped: {name} not found "
                f"(install Debian's chromium and chromium-driver to run it)"
            )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "browser test skipped: selenium is not installed (make setup)"
    return None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    reason = _missing()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


# ------------------------------------------------------------------------------ JupyterLab


def jupyterlab_command(port: int, root: Path, home: Path) -> list[str]:
    """The project's JupyterLab, as ``make lab`` starts it, on its own folders."""
    return [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True",  # CI runs as root
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={SETTINGS}",
        f"--LabApp.user_settings_dir={home / 'user-settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
    ]


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    home = tmp_path_factory.mktemp("jupyterlab")
    root = home / "course"
    root.mkdir()
    for folder in ("notebooks", "labs"):
        shutil.copytree(
            ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "APIGW_LAB_TARGET": "moto",
    }
    port = free_port()
    log = home / "jupyterlab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            jupyterlab_command(port, root, home),
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(f"{url}/api/status", 60, process)
        except (RuntimeError, TimeoutError) as exc:
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError(f"JupyterLab did not start: {exc}\n" + "\n".join(tail)) from None
        yield JupyterLab(url, root, log)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


# ------------------------------------------------------------------------------ Chromium


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # leaving a notebook that ran has unsaved changes: leave without the "leave site?" prompt
    options.unhandled_prompt_behavior = "accept"
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# ------------------------------------------------------------------------------ the site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE}/index.html is missing: run `make site` first (make browser does)")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
