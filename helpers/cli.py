"""The AWS CLI (v1, the ``awscli`` package) in the notebook's own process: ``%%aws`` cells.

On the moto target the CLI's requests are answered by the same in-process moto as boto3's
(and Lambda runs in the course's runtime); on the aws target the same cells call the real
account. The driver is made once per process.

A ``%%aws`` cell is read as a small, documented subset of bash, enough for the source
documents' walkthroughs:

- ``aws <service> <command> ...`` (one command per line, ``\\`` continues a line);
- ``# comments``; blank lines;
- ``NAME=value``, ``export NAME=value`` and ``NAME=$(aws ... --query ... --output text)``;
- ``$NAME`` and ``${NAME}`` outside single quotes; quoting as bash does (``'...'`` literal,
  ``"..."`` with expansion, ``\\`` escapes);
- ``echo ...``.

Anything else (pipes, ``&&``, redirections, other programs) raises :class:`ShellSubsetError`
naming what is not supported. Every variable a cell sets is also put in the notebook's
Python namespace (``ROOT_ID`` in the cell is ``ROOT_ID`` in Python), and ``$NAME`` falls
back to a Python string of that name, then to the environment. A failing command prints
what the CLI prints (``An error occurred (BadRequestException) when calling the CreateStage
operation: ...``) and the cell goes on, as a bash script without ``set -e`` would; its exit
status is in ``$?``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_OPERATORS = ("|", "&", ";", ">", "<", "`")
_driver: Any = None


class ShellSubsetError(ValueError):
    """A line of a ``%%aws`` cell uses shell syntax outside the supported subset."""


# --------------------------------------------------------------------------- the driver


def driver() -> Any:
    """The CLI driver (created once); on the moto target moto answers its requests."""
    global _driver
    if _driver is None:
        from awscli.clidriver import create_clidriver

        made = create_clidriver()
        _share_loaded_models(made.session)
        from .lab import _current

        if _current is not None and _current.target == "moto":
            from moto.core.models import botocore_stubber

            made.session.register("before-send", botocore_stubber)
        if _current is not None:
            _tag_cli_creates(made.session, _current.scope)
        _driver = made
    return _driver


def _share_loaded_models(session: Any) -> None:
    """The CLI's data loader remembers what boto3's has read (service models, endpoints)
    and boto3's what the CLI's reads, instead of parsing each model a second time.

    The two loaders differ only in that the CLI's also searches ``awscli/data`` (which holds
    nothing but the CLI's own ``cli.json``), so every answer they share is the same."""
    import boto3

    mine = session.get_component("data_loader")
    theirs = boto3._get_default_session()._session.get_component("data_loader")
    if mine is not theirs and isinstance(getattr(theirs, "_cache", None), dict):
        theirs._cache.update(getattr(mine, "_cache", {}))
        mine._cache = theirs._cache


def _tag_cli_creates(session: Any, scope: str) -> None:
    """What the CLI creates carries the lab's tag too, so ``lab.cleanup()`` finds it."""
    from types import SimpleNamespace

    from .tagging import install_tagging

    install_tagging(
        SimpleNamespace(events=session.get_component("event_emitter"), _session=session),  # type: ignore[arg-type]
        scope,
    )


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run ``aws <argv>``; return its exit status and what it wrote to stdout (stderr
    goes to the notebook's stderr, as in a terminal)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            status = driver().main(list(argv))
        except SystemExit as exc:  # argparse's usage errors exit 252 (or 2)
            status = int(exc.code or 0)
    return int(status or 0), out.getvalue()


# --------------------------------------------------------------------------- the shell subset


class Shell:
    """Runs the lines of a ``%%aws`` cell; ``variables`` is shared with the notebook."""

    def __init__(self, namespace: MutableMapping[str, Any] | None = None) -> None:
        self.namespace = namespace if namespace is not None else {}
        self.variables: dict[str, str] = {"?": "0"}

    # --- reading a cell
    @staticmethod
    def logical_lines(text: str) -> list[str]:
        """Commands of a cell: lines joined at ``\\``-newline, quotes spanning lines kept
        whole (``--patch-operations '[ ... ]'``); comments and blank lines dropped."""
        lines: list[str] = []
        current: list[str] = []
        quote = ""
        i = 0
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and quote == '"' and i + 1 < len(text):
                    current.append(ch + text[i + 1])
                    i += 2
                    continue
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and text[i + 1 : i + 2] == "\n":
                current.append(" ")
                i += 2
                continue
            elif ch == "\\" and text[i + 1 : i + 3] == "\r\n":
                current.append(" ")
                i += 3
                continue
            elif ch == "#" and (not current or current[-1].isspace()):
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
                continue
            elif ch == "\n":
                lines.append("".join(current))
                current = []
                i += 1
                continue
            current.append(ch)
            i += 1
        if quote:
            raise ShellSubsetError(f"unterminated {quote} quote in: {''.join(current).strip()}")
        lines.append("".join(current))
        return [line.strip() for line in lines if line.strip()]

    def lookup(self, name: str) -> str:
        if name in self.variables:
            return self.variables[name]
        value = self.namespace.get(name)
        if isinstance(value, str | int | float):
            return str(value)
        return os.environ.get(name, "")

    def words(self, line: str) -> list[str]:
        """Split ``line`` into words as bash would, expanding variables and ``$(...)``."""
        words: list[str] = []
        current: list[str] = []
        has_word = False
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if ch.isspace():
                if has_word:
                    words.append("".join(current))
                    current, has_word = [], False
                i += 1
            elif ch == "'":
                end = line.find("'", i + 1)
                if end < 0:
                    raise ShellSubsetError(f"unterminated single quote in: {line}")
                current.append(line[i + 1 : end])
                has_word, i = True, end + 1
            elif ch == '"':
                text, i = self._double_quoted(line, i + 1)
                current.append(text)
                has_word = True
            elif ch == "\\" and i + 1 < n:
                current.append(line[i + 1])
                has_word, i = True, i + 2
            elif ch == "$":
                value, i = self._dollar(line, i)
                parts = value.split()  # an unquoted expansion is split into words
                if parts:
                    current.append(parts[0])
                    for part in parts[1:]:
                        words.append("".join(current))
                        current = [part]
                    has_word = True
            elif ch == "#" and not has_word:
                break  # a comment to the end of the line
            elif ch in _OPERATORS:
                raise ShellSubsetError(
                    f"{ch!r} is outside the %%aws shell subset (one aws command per line, "
                    f"NAME=value, NAME=$(aws ...), $NAME, echo): {line}"
                )
            else:
                current.append(ch)
                has_word, i = True, i + 1
        if has_word:
            words.append("".join(current))
        return words

    def _double_quoted(self, line: str, i: int) -> tuple[str, int]:
        out: list[str] = []
        while i < len(line):
            ch = line[i]
            if ch == '"':
                return "".join(out), i + 1
            if ch == "\\" and i + 1 < len(line) and line[i + 1] in '"\\$`':
                out.append(line[i + 1])
                i += 2
            elif ch == "$":
                value, i = self._dollar(line, i)
                out.append(value)
            elif ch == "`":
                raise ShellSubsetError(
                    f"backquotes are outside the %%aws subset; use $(...): {line}"
                )
            else:
                out.append(ch)
                i += 1
        raise ShellSubsetError(f"unterminated double quote in: {line}")

    def _dollar(self, line: str, i: int) -> tuple[str, int]:
        """Expand the ``$`` at ``line[i]``; return the value and the index after it."""
        rest = line[i + 1 :]
        if rest.startswith("("):
            depth, j = 0, i + 1
            quote = ""
            while j < len(line):
                c = line[j]
                if quote:
                    quote = "" if c == quote else quote
                elif c in "'\"":
                    quote = c
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            else:
                raise ShellSubsetError(f"unterminated $( in: {line}")
            return self.substitute(line[i + 2 : j]), j + 1
        if rest.startswith("{"):
            end = line.find("}", i)
            name = line[i + 2 : end]
            if end < 0 or not _NAME.fullmatch(name):
                raise ShellSubsetError(f"only ${{NAME}} is supported inside braces: {line}")
            return self.lookup(name), end + 1
        if rest.startswith("?"):
            return self.variables["?"], i + 2
        match = _NAME.match(rest)
        if not match:
            return "$", i + 1
        return self.lookup(match.group(0)), i + 1 + match.end()

    def substitute(self, command: str) -> str:
        """``$(command)``: its stdout without trailing newlines."""
        words = self.words(command)
        if words[:1] == ["aws"]:
            status, out = run_cli(words[1:])
            self.variables["?"] = str(status)
            return out.rstrip("\n")
        if words[:1] == ["echo"]:
            return " ".join(words[1:])
        raise ShellSubsetError(f"only aws or echo can run inside $(...): {command}")

    # --- running a cell
    def set(self, name: str, value: str) -> None:
        self.variables[name] = value
        self.namespace[name] = value

    def run(self, text: str) -> int:
        """Run a cell; return the last command's exit status."""
        for line in self.logical_lines(text):
            assignment = _ASSIGNMENT.match(line)
            if assignment and " " not in line.split("=", 1)[0].removeprefix("export "):
                words = self.words(assignment.group(2)) or [""]
                if len(words) > 1:
                    raise ShellSubsetError(f"quote a value with spaces: {line}")
                self.set(assignment.group(1), words[0])
                continue
            words = self.words(line)
            if not words:
                continue
            if words[0] == "aws":
                status, out = run_cli(words[1:])
                sys.stdout.write(out)
                self.variables["?"] = str(status)
            elif words[0] == "echo":
                print(" ".join(words[1:]))
                self.variables["?"] = "0"
            else:
                raise ShellSubsetError(
                    f"{words[0]!r} is outside the %%aws shell subset (aws, echo, NAME=value, "
                    f"NAME=$(aws ...)): {line}"
                )
        return int(self.variables["?"])


_shell: Shell | None = None


def shell(namespace: MutableMapping[str, Any] | None = None) -> Shell:
    """The process's shell (its variables live as long as the kernel)."""
    global _shell
    if _shell is None:
        _shell = Shell(namespace)
    elif namespace is not None:
        _shell.namespace = namespace
    return _shell


def aws(line: str, cell: str | None = None) -> None:
    """The ``%aws`` line magic and ``%%aws`` cell magic."""
    from IPython import get_ipython

    ip = get_ipython()
    text = cell if cell is not None else "aws " + line
    shell(ip.user_ns if ip is not None else None).run(text)


def load_ipython_extension(ip: Any) -> None:
    """``%load_ext helpers.cli`` (``helpers.connect()`` does it in an IPython kernel): the
    ``%%aws`` cells, and the ``%%template`` cells of :mod:`helpers.cloudformation.fragments`."""
    ip.register_magic_function(aws, magic_kind="line_cell", magic_name="aws")
    from .cloudformation.fragments import template_magic

    ip.register_magic_function(template_magic, magic_kind="cell", magic_name="template")


def register_magic() -> None:
    """Register ``%%aws`` if running in IPython (no-op elsewhere)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is not None:
        load_ipython_extension(ip)
