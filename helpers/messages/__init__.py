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

    [criteria]
    get_books = "GET /books answers 200 with a JSON list of books"

    [why]
    no_stage = "there is no stage {stage!r}, so no URL under /{stage}/ exists"

Check code asks for texts by dotted path — ``text("why.no_stage", stage="v1")`` — and
passes values; it holds no sentences.
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
    """One lab's texts in the chosen language. A text is found by a dotted path
    (``"why.no_stage"`` is ``[why] no_stage``): first in this catalogue in the chosen
    language, then in English, then in the same way in each fallback catalogue (every lab
    falls back to ``labs``, the texts all labs share)."""

    def __init__(
        self, name: str, lang: str | None = None, fallbacks: tuple[str, ...] = ("labs",)
    ) -> None:
        self.name = name
        self.lang = lang or language()
        self.fallbacks = tuple(f for f in fallbacks if f != name)

    def _sources(self) -> list[dict[str, Any]]:
        langs = list(dict.fromkeys((self.lang, DEFAULT_LANGUAGE)))
        return [_load(lang, name) for name in (self.name, *self.fallbacks) for lang in langs]

    def find(self, path: str) -> Any:
        """The raw value at ``path`` (a text, or a table such as a hint), or None."""
        for source in self._sources():
            node: Any = source
            for part in path.split("."):
                if not isinstance(node, dict) or part not in node:
                    node = None
                    break
                node = node[part]
            if node is not None:
                return node
        return None

    def entry(self, path: str) -> dict[str, Any]:
        """The table at ``path``, its missing fields filled from the English one."""
        found = self.find(path)
        if not isinstance(found, dict):
            raise KeyError(f"{self.name}: no [{path}] in its message catalogue")
        english = Catalogue(self.name, DEFAULT_LANGUAGE, self.fallbacks).find(path)
        return {**english, **found} if isinstance(english, dict) else found

    def keys(self, section: str) -> list[str]:
        """The keys of ``[section]`` in the English catalogue (the reference)."""
        found = _load(DEFAULT_LANGUAGE, self.name).get(section, {})
        return list(found) if isinstance(found, dict) else []

    def text(self, path: str, /, **values: Any) -> str:
        """The text at ``path``, filled with ``values``."""
        found = self.find(path)
        if not isinstance(found, str):
            raise KeyError(f"{self.name}: no text {path!r} in its message catalogue")
        return fill(found, values).strip("\n")

    def has(self, path: str) -> bool:
        return self.find(path) is not None

    def check(self, path: str, /, **values: Any) -> dict[str, str | None]:
        """The parts (criterion, expected, got, hint) of the check message at ``path``,
        filled with ``values``; a part the entry leaves out is None."""
        entry = self.entry(path)
        return {
            part: (fill(str(entry[part]), values).strip("\n") or None) if entry.get(part) else None
            for part in CHECK_PARTS
        }

    def hint(self, step: str | int) -> dict[str, Any]:
        """The hint of ``step``: ``nudge``, ``docs`` (with ``pages``, keys of helpers.docs)
        and ``call``."""
        return self.entry(f"hints.{step}")


def catalogue(name: str, lang: str | None = None) -> Catalogue:
    """The catalogue ``name`` (``lab01``) in ``lang`` (default: :func:`language`), falling
    back to ``labs``."""
    return Catalogue(name, lang)
