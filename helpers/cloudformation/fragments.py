"""A CloudFormation template written in parts, one notebook cell each: ``%%template`` cells.

A ``%%template orders api`` cell holds YAML as it would stand in a template file —
top-level sections (``Resources:``, ``Outputs:``, ``Parameters:``, ...) with their entries —
and adds it to the :class:`Template` ``orders`` in the notebook's namespace under the
label ``api``. Running a cell with the same label again *replaces* that part, as editing
that part of the file would. ``orders.text`` is the whole template (sections merged, each
part's entries re-indented alike), the body ``create_stack`` takes; ``print(orders)``
shows it and ``orders.save("orders.yaml")`` writes the file.

A part is checked when its cell runs: it must be YAML (CloudFormation's short forms such
as ``!Ref`` and ``!Sub`` included), hold only template sections, and define no logical id
another part defines.

A lab exercise's blank step is a ``raise NotImplementedError(...)`` line inside the YAML
(the exercise generator writes it); the cell raises it, so "Run all" stops at the first
step not done yet, as in a Python cell.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import yaml

#: template sections, in the order a merged template lists them
SECTIONS = (
    "AWSTemplateFormatVersion",
    "Description",
    "Transform",
    "Metadata",
    "Parameters",
    "Mappings",
    "Conditions",
    "Rules",
    "Resources",
    "Outputs",
)
#: sections holding one value (a later part's replaces an earlier part's)
SCALAR_SECTIONS = frozenset({"AWSTemplateFormatVersion", "Description", "Transform"})
_TOP_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]*)\s*:(.*)$")
_PLACEHOLDER = re.compile(r"^\s*raise\s+NotImplementedError\((.*)\)\s*$")
#: a lab solution's marker lines (YAML comments; the exercise generator reads them)
_MARKER = re.compile(r"^\s*#\s*(BEGIN|END) SOLUTION\b")


class TemplateError(ValueError):
    """A part that cannot join the template (not YAML, not a section, a duplicate id)."""


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms: ``!Ref X`` → ``{"Ref": "X"}``, ``!GetAtt
    A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub``/``!Join``/... → ``{"Fn::...": ...}``."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _short_form)


def load(text: str) -> Any:
    """Parse template YAML (short forms included)."""
    return yaml.load(text, Loader=_Loader)


# --------------------------------------------------------------------------- parts


def _blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """The part's top-level blocks: (section, inline value, indented lines)."""
    blocks: list[tuple[str, str, list[str]]] = []
    pending: list[str] = []  # comments above the next block
    for line in text.splitlines():
        if not line.strip() or (line.lstrip().startswith("#") and not line[:1].isspace()):
            if blocks and not line.strip():
                blocks[-1][2].append("")
            elif line.strip():
                pending.append(line.strip())
            continue
        match = _TOP_KEY.match(line)
        if match and not line[:1].isspace():
            blocks.append((match.group(1), match.group(2).strip(), []))
            continue
        if not blocks:
            raise TemplateError(
                f"a template part starts with a section name (Resources:, ...): {line!r}"
            )
        blocks[-1][2].extend(f"  {c}" for c in pending)  # keep comments, indented
        pending = []
        blocks[-1][2].append(line)
    return blocks


def _reindent(lines: list[str]) -> list[str]:
    """Lines shifted so the shallowest sits two spaces in (blank lines at the ends dropped)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    depth = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=2)
    return [("  " + x[depth:]) if x.strip() else "" for x in lines]


class Template:
    """A template made of labelled parts (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: dict[str, str] = {}
        self._parsed: dict[str, dict[str, Any]] = {}

    def put(self, label: str, text: str) -> None:
        """Add (or replace) the part ``label``; :class:`TemplateError` if it cannot join.
        A lab solution's ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines are left out."""
        text = "\n".join(line for line in text.splitlines() if not _MARKER.match(line))
        try:
            parsed = load(text) if text.strip() else {}
        except yaml.YAMLError as exc:
            raise TemplateError(f"part {label!r} is not valid YAML: {exc}") from None
        if parsed is None:
            parsed = {}
        if not isinstance(parsed, dict):
            raise TemplateError(f"part {label!r}: a template part is a mapping of sections")
        unknown = [key for key in parsed if key not in SECTIONS]
        if unknown:
            raise TemplateError(
                f"part {label!r}: {', '.join(map(repr, unknown))} is not a template section "
                f"(indent resources under Resources:); sections: {', '.join(SECTIONS)}"
            )
        for section, entries in parsed.items():
            if section in SCALAR_SECTIONS or not isinstance(entries, dict):
                continue
            for other, other_parsed in self._parsed.items():
                if other == label:
                    continue
                twice = set(entries) & set(other_parsed.get(section) or {})
                if twice:
                    raise TemplateError(
                        f"part {label!r} defines {section} {', '.join(sorted(twice))}, "
                        f"which part {other!r} already defines (a logical id is unique)"
                    )
        _blocks(text)  # a layout the merge can follow
        self.parts[label] = text
        self._parsed[label] = parsed

    def remove(self, label: str) -> None:
        self.parts.pop(label, None)
        self._parsed.pop(label, None)

    # ------------------------------------------------------------------ the whole template

    @property
    def text(self) -> str:
        """The template: each section once, the parts' entries under it in part order."""
        scalars: dict[str, str] = {}
        bodies: dict[str, list[str]] = {}
        for part in self.parts.values():
            for section, inline, lines in _blocks(part):
                if section not in SCALAR_SECTIONS and inline == "{}":
                    continue  # an empty mapping adds nothing
                if section in SCALAR_SECTIONS or inline:
                    # a value on the line (``'2010-09-09'``), a block scalar (``>`` and its
                    # lines) or a value on the lines below
                    below = "\n".join(_reindent(lines))
                    scalars[section] = "\n".join(x for x in (inline, below) if x)
                    continue
                body = bodies.setdefault(section, [])
                if body:
                    body.append("")
                body.extend(_reindent(lines))
        out: list[str] = []
        for section in SECTIONS:
            if section in scalars:
                out.append(f"{section}: {scalars[section]}")
            elif section in bodies:
                out.append(f"{section}:")
                out.extend(bodies[section])
        return "\n".join(out) + "\n"

    def parsed(self) -> dict[str, Any]:
        """The whole template as data (short forms as their ``Fn::`` objects)."""
        return load(self.text) or {}

    def resources(self, type_name: str | None = None) -> dict[str, dict[str, Any]]:
        """Logical id → resource (of one type, if given)."""
        found = self.parsed().get("Resources") or {}
        return {
            name: body
            for name, body in found.items()
            if isinstance(body, dict) and (type_name is None or body.get("Type") == type_name)
        }

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_text(self.text, encoding="utf-8")
        return target

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        labels = ", ".join(self.parts) or "no parts yet"
        return f"<Template {self.name!r}: {labels}>"


# --------------------------------------------------------------------------- the cell magic


def placeholder(text: str, namespace: MutableMapping[str, Any]) -> str | None:
    """The message of an exercise's ``raise NotImplementedError(...)`` line, if any."""
    for line in text.splitlines():
        match = _PLACEHOLDER.match(line)
        if match:
            return str(eval(match.group(1), dict(namespace)))
    return None


def run_cell(line: str, cell: str, namespace: MutableMapping[str, Any]) -> Template:
    """``%%template NAME [LABEL]``: put the cell into the Template ``NAME`` (made if the
    namespace has none) as part ``LABEL`` (default ``main``)."""
    words = line.split()
    if not words or not words[0].isidentifier():
        raise TemplateError(
            "usage: %%template NAME [LABEL] — NAME is a Python name for the template"
        )
    name, label = words[0], (words[1] if len(words) > 1 else "main")
    message = placeholder(cell, namespace)
    if message is not None:
        raise NotImplementedError(message)
    template = namespace.get(name)
    if not isinstance(template, Template):
        template = Template(name)
        namespace[name] = template
    template.put(label, cell)
    return template


def template_magic(line: str, cell: str) -> None:
    """The ``%%template`` cell magic."""
    from IPython import get_ipython

    ip = get_ipython()
    run_cell(line, cell, ip.user_ns if ip is not None else {})
