"""Readable, deterministic displays for notebooks, and the course's one note on
documented guesses (``[unc]``)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

#: the note that explains ``[unc]`` wherever a learner meets it: in a notebook's markdown
#: (as a quote, ``> `` + this) before the first ``[unc]``, or printed after an output that
#: shows one (a test holds every notebook to this)
GUESS_NOTE = (
    "`[unc]` marks a documented guess: AWS does not document this detail, so the emulator "
    "does what AWS most likely does (notebook 00, *Exact, or a documented guess?*). On a "
    "real account it may differ."
)
#: the same note in plain text, for printed output
GUESS_NOTE_TEXT = GUESS_NOTE.replace("`", "").replace("*", "")

#: headers every answer carries that teach nothing by default
_QUIET = {
    "date",
    "connection",
    "content-length",
    "via",
    "x-amz-cf-id",
    "x-amz-cf-pop",
    "x-cache",
    "x-amz-apigw-id",
    "x-amzn-trace-id",
}


def body_text(body: bytes | str, limit: int = 2000) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return (
        text
        if len(text) <= limit
        else text[:limit] + f"\n... ({len(text) - limit} more characters)"
    )


def show(response: Any, *, all_headers: bool = False) -> None:
    """Print a ``requests`` response as a learner wants to read it: status, headers, body."""
    print(f"HTTP {response.status_code} {response.reason}")
    for name, value in response.headers.items():
        if all_headers or name.lower() not in _QUIET:
            print(f"{name}: {value}")
    if response.content:
        print()
        print(body_text(response.content))


def show_json(value: Any, *, keys: list[str] | None = None) -> None:
    """Pretty-print a dict (optionally only some top-level keys)."""
    if keys is not None:
        value = {k: value.get(k) for k in keys}
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))
