"""Learner-facing text in the learner's language: one catalogue of keyed messages.

**Which language.** ``APIGW_LAB_LANG`` (``make lab-ja`` sets ``ja``); anything else, or
nothing, is English. The language is a property of the session, not of the notebook: the
Japanese notebooks run the very same code as the English ones, so a notebook's committed
outputs (English) are what both editions print under nbval, and a learner who opened the
course with ``make lab-ja`` sees the helpers' prose in Japanese.

**English is the source.** A module that prints learner-facing text declares its English
messages once, keyed, in one namespace::

    M = messages("checks", {"passed": "All {count} checks passed: {title}", ...})
    print(M("passed", count=3, title="Lab 01"))

**Translations sit beside the English.** ``i18n/<lang>/messages/<namespace>.yaml`` holds one
entry per key with the English it was translated from (``en``) and the translation
(``ja``), in the same format as the notebooks' translation files (``make translations``
writes and updates them, ``make test`` checks them). A translation is used only while it is
current: its ``en`` is still the English in the code, it is not marked ``todo``, and it
formats with the same fields; otherwise the English is printed (never an outdated
translation).
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "ENV",
    "Message",
    "Messages",
    "fields_of",
    "is_translated",
    "language",
    "localize",
    "messages",
    "registered",
    "same_text",
    "set_language",
    "text",
]

#: the environment variable that chooses the helpers' language
ENV = "APIGW_LAB_LANG"
#: languages with a translation tree under ``i18n/``; English is the source
TRANSLATED = ("ja",)
ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "i18n"

_REGISTRY: dict[str, dict[str, str]] = {}


_chosen: dict[str, str] = {}


def set_language(lang: str | None) -> None:
    """Choose the language for this process, whatever ``APIGW_LAB_LANG`` says (None: back
    to the variable)."""
    if lang:
        _chosen["lang"] = lang
    else:
        _chosen.pop("lang", None)


def language() -> str:
    """``"ja"`` when :func:`set_language` or ``APIGW_LAB_LANG`` names Japanese (``ja``,
    ``ja_JP``, ``ja-JP.UTF-8``), else ``"en"``. Read on every call, so a test (or a learner)
    can switch it."""
    value = (_chosen.get("lang") or os.environ.get(ENV, "")).strip().lower()
    for lang in TRANSLATED:
        if re.match(rf"{lang}\b|{lang}[_-]", value):
            return lang
    return "en"


# ---------------------------------------------------------------- the translation-file format


def same_text(a: str, b: str) -> bool:
    """Whether two texts are the same English for a translation's purpose: trailing spaces
    and blank lines at either end do not count (editors strip them from YAML files)."""
    return _normal(a) == _normal(b)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in str(text).strip("\n").splitlines())


def is_translated(entry: Mapping[str, Any] | None, english: str) -> bool:
    """An entry is used when it translates exactly this English and is not marked ``todo``."""
    return (
        isinstance(entry, Mapping)
        and "todo" not in entry
        and isinstance(entry.get("ja"), str)
        and bool(entry["ja"].strip())
        and same_text(str(entry.get("en", "")), english)
    )


def fields_of(template: str) -> set[str]:
    """The ``{field}`` names a ``str.format`` template uses."""
    try:
        return {
            name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template)
            if name
        }
    except ValueError:
        return {"<malformed template>"}


# ---------------------------------------------------------------------------- the catalogue


class Message(str):
    """A message kept as data: it *is* the English string (code compares, stores and logs
    it as such), and remembers its key and fields so that display code can show it in the
    learner's language with :func:`localize`. Made by ``M.data(key, **fields)``; meant for
    text that is recorded now and shown later (a trace's decisions and reasons)."""

    namespace: str
    key: str
    fields: dict[str, Any]

    def __new__(cls, namespace: str, key: str, **fields: Any) -> Message:
        obj = super().__new__(cls, _REGISTRY[namespace][key].format(**fields))
        obj.namespace, obj.key, obj.fields = namespace, key, fields
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (str(self),))


def localize(value: Any) -> str:
    """``value`` for display: a :class:`Message` in the learner's language, anything else as
    ``str(value)``."""
    if isinstance(value, Message):
        return text(value.namespace, value.key, **value.fields)
    return str(value)


class Messages:
    """The messages of one namespace: ``M(key, **fields)`` in the learner's language."""

    def __init__(self, namespace: str, english: Mapping[str, str]) -> None:
        self.namespace = namespace
        self.english = dict(english)

    def __call__(self, key: str, /, **fields: Any) -> str:
        return text(self.namespace, key, **fields)

    def en(self, key: str, /, **fields: Any) -> str:
        """The English message, whatever the language."""
        return self.english[key].format(**fields)

    def data(self, key: str, /, **fields: Any) -> Message:
        """The message as data: English now, in the learner's language when shown."""
        return Message(self.namespace, key, **fields)


def messages(namespace: str, english: Mapping[str, str]) -> Messages:
    """Declare (or extend) a namespace's English messages; returns its :class:`Messages`."""
    _REGISTRY.setdefault(namespace, {}).update(english)
    return Messages(namespace, _REGISTRY[namespace])


def registered() -> dict[str, dict[str, str]]:
    """Every namespace declared so far and its English messages (for the sync check)."""
    return {ns: dict(msgs) for ns, msgs in _REGISTRY.items()}


def text(namespace: str, key: str, /, **fields: Any) -> str:
    """The message ``key`` of ``namespace`` in the learner's language, formatted."""
    english = _REGISTRY[namespace][key]
    lang = language()
    if lang != "en":
        entry = _translations(lang, namespace).get(key)
        if is_translated(entry, english):
            try:
                return str(entry["ja" if lang == "ja" else lang]).rstrip("\n").format(**fields)
            except (KeyError, IndexError, ValueError):
                pass  # a translation that does not format falls back to the English
    return english.format(**fields)


def translated(namespace: str, key: str, english: str, lang: str | None = None) -> str:
    """The current translation of a text that is not a template (e.g. a docstring), or the
    English itself."""
    lang = lang or language()
    if lang == "en":
        return english
    entry = _translations(lang, namespace).get(key)
    return str(entry[lang]).rstrip("\n") if is_translated(entry, english) else english


def translation_file(lang: str, namespace: str) -> Path:
    return I18N / lang / "messages" / f"{namespace}.yaml"


def _translations(lang: str, namespace: str) -> dict[str, Any]:
    path = translation_file(lang, namespace)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _load(path, stamp)


@cache
def _load(path: Path, stamp: int) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("entries") or {}
    return {str(k): v for k, v in entries.items()} if isinstance(entries, dict) else {}
