"""What the labs say to a learner, as data: one catalogue per lab, in English.

``helpers/messages/en/<catalogue>.toml`` holds every learner-facing text of one lab: its
**hints** (a nudge, then the documentation, then the call) and its **check messages** (a
criterion, what was expected, what happened, what to try), each under a key. The check
code and the notebooks name keys and pass values; they hold no sentences.

These catalogues are part of the helpers' one message catalogue (:mod:`helpers.i18n`):
each file is a namespace (``lab01``), each text a key (its dotted path, ``hints.2.nudge``,
``why.no_stage``). A translation sits in ``i18n/<lang>/messages/<catalogue>.yaml`` beside
the English it translates (``make translations`` writes and updates it, ``make test``
checks it); a text without a current translation is shown in English, so a translation can
grow one text at a time. The language is ``APIGW_LAB_LANG`` (``make lab-ja`` sets ``ja``),
or :func:`set_language`.

Texts are ``str.format`` templates: ``{api_id}`` is filled from the values the caller
passes; ``{{`` and ``}}`` are literal braces. In TOML, prefer literal strings
(``'...'`` and ``'''...'''``): backslashes then stay as written.

A catalogue file looks like this::

    [hints.2]
    nudge = "Step 2 — create the REST API and its two resources ..."
    docs = "Which call creates a resource, and what goes in pathPart?"
    pages = ["how-to-create-api"]          # keys of helpers.docs.PAGES (not translated)
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

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from .. import i18n
from ..i18n import set_language

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
LANGUAGE_VARIABLE = i18n.ENV
#: the parts of a check message, in the order CheckFailed prints them
CHECK_PARTS = ("criterion", "expected", "got", "hint")
#: the parts of a hint, in the order they are revealed
HINT_PARTS = ("nudge", "docs", "call")


def language() -> str:
    """The language learners read (:func:`helpers.i18n.language`)."""
    return i18n.language()


@cache
def _load(name: str) -> dict[str, Any]:
    """The English catalogue ``name`` (empty when there is none)."""
    path = ROOT / DEFAULT_LANGUAGE / f"{name}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _texts(node: Any, prefix: str = "") -> dict[str, str]:
    """Every text of a catalogue, keyed by its dotted path (lists such as ``pages`` hold
    keys, not prose, and are not translated)."""
    out: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            out.update(_texts(value, f"{prefix}{key}."))
    elif isinstance(node, str):
        out[prefix[:-1]] = node
    return out


def register() -> list[str]:
    """Declare every English catalogue as a namespace of the helpers' one message catalogue
    (:func:`helpers.i18n.messages`), so that ``make translations`` and ``make test`` know
    its texts; returns the catalogue names."""
    names = sorted(path.stem for path in (ROOT / DEFAULT_LANGUAGE).glob("*.toml"))
    for name in names:
        i18n.messages(name, _texts(_load(name)))
    return names


def _localized(name: str, path: str, node: Any, lang: str) -> Any:
    if lang == DEFAULT_LANGUAGE:
        return node
    if isinstance(node, str):
        return i18n.translated(name, path, node, lang)
    if isinstance(node, dict):
        return {k: _localized(name, f"{path}.{k}", v, lang) for k, v in node.items()}
    return node


class _Values(dict):  # type: ignore[type-arg]
    """Format values that name a missing field show it, rather than raise."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: dict[str, Any]) -> str:
    """``template`` with ``{name}`` fields filled from ``values`` (unknown fields stay)."""
    return string.Formatter().vformat(template, (), _Values(values))


class Catalogue:
    """One lab's texts in the chosen language. A text is found by a dotted path
    (``"why.no_stage"`` is ``[why] no_stage``): first in this catalogue, then in each
    fallback catalogue (every lab falls back to ``labs``, the texts all labs share); it is
    shown in the chosen language where a current translation exists, else in English."""

    def __init__(
        self, name: str, lang: str | None = None, fallbacks: tuple[str, ...] = ("labs",)
    ) -> None:
        self.name = name
        self.lang = lang or language()
        self.fallbacks = tuple(f for f in fallbacks if f != name)

    def find(self, path: str) -> Any:
        """The value at ``path`` (a text, or a table such as a hint), or None."""
        for name in (self.name, *self.fallbacks):
            node: Any = _load(name)
            for part in path.split("."):
                if not isinstance(node, dict) or part not in node:
                    node = None
                    break
                node = node[part]
            if node is not None:
                return _localized(name, path, node, self.lang)
        return None

    def entry(self, path: str) -> dict[str, Any]:
        """The table at ``path``."""
        found = self.find(path)
        if not isinstance(found, dict):
            raise KeyError(f"{self.name}: no [{path}] in its message catalogue")
        return found

    def keys(self, section: str) -> list[str]:
        """The keys of ``[section]`` in the English catalogue (the reference)."""
        found = _load(self.name).get(section, {})
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


register()
