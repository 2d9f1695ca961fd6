"""What the labs say to a learner, as data: one catalogue per lab and language.

``helpers/messages/<language>/<catalogue>.toml`` holds every learner-facing text of one
lab: its **hints** (a nudge, then the documentation, then the call) and its **check
messages** (a criterion, what was expected, what happened, what to try), each under a
key. The check code and the notebooks name keys and pass values; they hold no sentences.

A catalogue in another language sits beside the English one with the same keys
(``helpers/messages/ja/lab01.toml``); a key it lacks falls back to English, so a
translation can grow one text at a time. The language is ``APIGW_LAB_LANG`` (default
``en``), or :func:`set_language`.

Texts are ``str.format`` templates: ``{api_id}`` is filled from the values the caller
passes; ``{{`` and ``}}`` are literal braces. In TOML, prefer literal strings
(``'...'`` and ``'''...'''``): backslashes then stay as written.

A catalogue file looks like this::

    [hints.2]
    nudge = "Step 2 — create the REST API and its two resources ..."
    docs = "Which call creates a resource, and what goes in pathPart?"
    pages = ["how-to-create-api"]          # keys of helpers.docs.PAGES
    call = '''
    api_id = apigateway.create_rest_api(...)["id"]
    '''

    [checks.no_stage]
    criterion = "..."
    expected = "..."
    got = "..."
    hint = "..."

    [text]
    some_key = "a line the check prints"
"""

from __future__ import annotations

import os
import string
import threading
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGE_VARIABLE",
    "Catalogue",
    "catalogue",
    "language",
    "set_language",
]

ROOT = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "en"
LANGUAGE_VARIABLE = "APIGW_LAB_LANG"
#: the parts of a check message, in the order CheckFailed prints them
CHECK_PARTS = ("criterion", "expected", "got", "hint")
#: the parts of a hint, in the order they are revealed
HINT_PARTS = ("nudge", "docs", "call")

_chosen: dict[str, str] = {}
_lock = threading.Lock()


def language() -> str:
    """The language learners read: :func:`set_language`'s, else ``APIGW_LAB_LANG``, else en."""
    return _chosen.get("lang") or os.environ.get(LANGUAGE_VARIABLE, "").strip() or DEFAULT_LANGUAGE


def set_language(lang: str | None) -> None:
    """Choose the language for this process (None: back to ``APIGW_LAB_LANG``)."""
    with _lock:
        if lang:
            _chosen["lang"] = lang
        else:
            _chosen.pop("lang", None)


@cache
def _load(lang: str, name: str) -> dict[str, Any]:
    path = ROOT / lang / f"{name}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


class _Values(dict):  # type: ignore[type-arg]
    """Format values that name a missing field show it, rather than raise."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: dict[str, Any]) -> str:
    """``template`` with ``{name}`` fields filled from ``values`` (unknown fields stay)."""
    return string.Formatter().vformat(template, (), _Values(values))


class Catalogue:
    """One lab's texts in the chosen language, falling back to English key by key."""

    def __init__(self, name: str, lang: str | None = None) -> None:
        self.name = name
        self.lang = lang or language()

    # -- raw access
    def _section(self, section: str, key: str) -> dict[str, Any] | str | None:
        for lang in dict.fromkeys((self.lang, DEFAULT_LANGUAGE)):
            found = _load(lang, self.name).get(section, {}).get(str(key))
            if found is not None:
                return found  # type: ignore[no-any-return]
        return None

    def entry(self, section: str, key: str) -> dict[str, Any]:
        found = self._section(section, key)
        if not isinstance(found, dict):
            raise KeyError(f"{self.name}: no [{section}.{key}] in its message catalogue")
        if self.lang != DEFAULT_LANGUAGE:
            english = _load(DEFAULT_LANGUAGE, self.name).get(section, {}).get(str(key)) or {}
            found = {**english, **found}
        return found

    def keys(self, section: str) -> list[str]:
        return list(_load(DEFAULT_LANGUAGE, self.name).get(section, {}))

    # -- texts
    def text(self, key: str, **values: Any) -> str:
        """A line under ``[text]``, filled with ``values``."""
        found = self._section("text", key)
        if not isinstance(found, str):
            raise KeyError(f"{self.name}: no text {key!r} in its message catalogue")
        return fill(found, values).strip("\n")

    def check(self, key: str, **values: Any) -> dict[str, str | None]:
        """The parts of the check message ``[checks.<key>]``, filled with ``values``; a part
        the catalogue leaves out (or an empty one) is None."""
        entry = self.entry("checks", key)
        return {
            part: (fill(str(entry[part]), values).strip("\n") or None) if entry.get(part) else None
            for part in CHECK_PARTS
        }

    def hint(self, step: str | int) -> dict[str, Any]:
        """The hint of ``step``: ``nudge``, ``docs`` (with ``pages``, keys of helpers.docs)
        and ``call``."""
        return self.entry("hints", str(step))


def catalogue(name: str, lang: str | None = None) -> Catalogue:
    """The catalogue ``name`` (``lab01``) in ``lang`` (default: :func:`language`)."""
    return Catalogue(name, lang)
