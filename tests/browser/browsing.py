"""What the browser tests share (a plain module: test modules import it, not conftest)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
SCREENSHOTS = ROOT / "build" / "browser-screenshots"
SETTINGS = ROOT / "jupyter" / "settings"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def severe_console_messages(driver: Any) -> list[str]:
    """What the page wrote to the browser console at SEVERE since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def committed(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def has_playground(path: Path) -> bool:
    """Whether the committed notebook shows an ipywidgets playground."""
    return any(
        WIDGET_VIEW in output.get("data", {})
        for cell in committed(path)["cells"]
        for output in cell.get("outputs", [])
    )


@dataclass
class JupyterLab:
    url: str
    root: Path
    log: Path

    def api(self, path: str) -> Any:
        return requests.get(f"{self.url}/api/{path}", timeout=10).json()

    def shut_down_kernels(self) -> None:
        for session in self.api("sessions"):
            requests.delete(f"{self.url}/api/sessions/{session['id']}", timeout=10)
