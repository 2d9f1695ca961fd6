"""Deployment packages for Lambda: a .zip from a Python file, source text or function.

Example::

    from helpers import zip_function

    lambda_client.create_function(
        FunctionName="hello",
        Runtime="python3.12",
        Role=role_arn,
        Handler="hello.handler",  # module hello (the file's own name), function handler
        Code={"ZipFile": zip_function("functions/hello.py")},
    )

``zip_function("functions/hello.py", filename="app.py")`` would ship it as ``app.py``, for
``Handler="app.handler"``.

The zip is deterministic (entries sorted, every timestamp 1980-01-01 00:00, fixed
permissions), so the same sources give the same bytes and the same ``CodeSha256`` run after
run: notebooks print stable outputs, and the lab's runtime reuses its extracted copy.
"""

from __future__ import annotations

import ast
import inspect
import io
import os
import textwrap
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_EPOCH = (1980, 1, 1, 0, 0, 0)


def _is_path(source: object) -> bool:
    if isinstance(source, os.PathLike):
        return True
    return isinstance(source, str) and "\n" not in source and source.strip().endswith(".py")


def _function_source(function: Callable[..., Any]) -> str:
    """The whole source file of the function's module; a notebook function's own source."""
    try:
        filename = inspect.getsourcefile(function)
    except TypeError as exc:
        raise TypeError(f"zip_function: cannot get the source of {function!r}: {exc}") from None
    if filename and os.path.isfile(filename) and not _is_notebook_cell(filename):
        return Path(filename).read_text(encoding="utf-8")
    # Defined in a notebook cell (or typed at a prompt): there is no module file to ship,
    # so only the function itself goes in; it must do its own imports.
    return textwrap.dedent(inspect.getsource(function))


def _is_notebook_cell(filename: str) -> bool:
    return "ipykernel_" in filename or filename.startswith("<")


def _top_level_names(text: str, filename: str) -> set[str] | None:
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError:
        return None  # let Lambda report it (Runtime.UserCodeSyntaxError): a lesson of its own
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _check_entry(name: str) -> str:
    clean = name.replace("\\", "/")
    if clean.startswith("/") or any(part in ("", "..") for part in clean.split("/")):
        raise ValueError(f"zip_function: {name!r} is not a relative path inside the package")
    return clean


def zip_function(
    source: str | os.PathLike[str] | Callable[..., Any],
    *,
    handler_name: str = "handler",
    filename: str | None = None,
    extra_files: Mapping[str, str | bytes] | None = None,
) -> bytes:
    """Return the bytes of a Lambda deployment package (.zip).

    ``source`` is one of:

    * a path to a ``.py`` file (``str`` ending in ``.py``, or a ``Path``): zipped under its
      own name, or as ``filename`` if given;
    * Python source text: zipped as ``filename`` (default ``app.py``);
    * a function: the whole source file of its module is zipped as ``filename`` (default
      ``app.py``), so the module's imports and helpers come along. A function defined in a
      notebook cell has no module file: only its own source is zipped, so it must import what
      it needs inside its body.

    ``extra_files`` maps more paths inside the package (``"lib/util.py"``) to their text or
    bytes. ``handler_name`` is the function the ``Handler`` setting will name
    (``Handler="app.handler"``): ``ValueError`` if the main module does not define it, so the
    mistake shows here rather than as ``Runtime.HandlerNotFound`` at the first invocation.
    """
    if callable(source) and not isinstance(source, (str, os.PathLike)):
        name = getattr(source, "__name__", "")
        if name != handler_name:
            raise ValueError(
                f"zip_function: the function is called {name!r}, not {handler_name!r}; pass "
                f"handler_name={name!r} and create the function with Handler='"
                f"{(filename or 'app.py').removesuffix('.py')}.{name}'"
            )
        main_name = filename or "app.py"
        text: str | bytes = _function_source(source)
    elif _is_path(source):
        path = Path(source)
        main_name = filename or path.name
        text = path.read_bytes()
    elif isinstance(source, str):
        main_name = filename or "app.py"
        text = source
    else:
        raise TypeError(f"zip_function: expected a path, source text or a function, not {source!r}")

    main_name = _check_entry(main_name)
    decoded = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    names = _top_level_names(decoded, main_name)
    if names is not None and handler_name not in names:
        functions = sorted(n for n in names if not n.startswith("_"))
        raise ValueError(
            f"zip_function: {main_name} defines no {handler_name!r} at top level "
            f"(it has: {', '.join(functions) or 'nothing'}); pass handler_name= the function "
            f"Lambda should call"
        )

    entries: dict[str, bytes] = {main_name: text.encode() if isinstance(text, str) else text}
    for extra, content in (extra_files or {}).items():
        extra = _check_entry(extra)
        if extra in entries:
            raise ValueError(f"zip_function: {extra!r} is given twice")
        entries[extra] = content.encode() if isinstance(content, str) else content

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in sorted(entries):
            info = zipfile.ZipInfo(entry, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the machine: same bytes everywhere
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            archive.writestr(info, entries[entry])
    return buffer.getvalue()
