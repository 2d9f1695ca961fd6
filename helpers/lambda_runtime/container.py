"""Execution environments ("containers"): a function's code, imported once and kept warm.

The deployment package stored in moto is extracted once per code SHA-256 into
``<tempdir>/apigw-lab-lambda/<sha256>/``. A container imports the handler module from there
the first time it is used (the init phase) and keeps it, so module-level state lasts between
invocations, as in a warm Lambda execution environment.

Modules are imported under their own names (``app``, ``pkg.mod``), as Lambda does, so
``__name__`` and ``logging.getLogger(__name__)`` read as on AWS. Two functions may both have a
module called ``helper``, so a container does not leave its modules in ``sys.modules``: once
its init phase is over, every module loaded from its directory is moved out of
``sys.modules`` into the container. The package directory is never put on ``sys.path``;
instead a finder at the front of ``sys.meta_path`` serves, in a thread inside an invocation,
the container's modules and the top-level modules of its package, so a handler that imports a
sibling module late (inside the handler) gets it too. Imports during init are serialised by a
lock; a late import that races with another function's init may see that function's module of
the same name (rare; noted here rather than locked on every import).

A module the process has already imported (``requests``, ``boto3``) is shared: a copy vendored
in the deployment package is not used instead, unlike on Lambda. The handler's own module is
the exception: it always comes from the package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import io
import os
import shutil
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .errors import RuntimeFault, show_path
from .logs import LogStreamRef
from .state import local

CACHE_ROOT = os.path.join(tempfile.gettempdir(), "apigw-lab-lambda")

_import_lock = threading.RLock()
_extracted: dict[str, str] = {}


def extract(code: bytes, digest: str) -> str:
    """Unzip a deployment package once per SHA-256; return its directory."""
    path = _extracted.get(digest)
    if path is not None:
        return path
    path = os.path.join(CACHE_ROOT, digest)
    if not os.path.isdir(path):
        os.makedirs(CACHE_ROOT, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{digest[:16]}-", dir=CACHE_ROOT)
        try:
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                archive.extractall(tmp)  # extractall drops ".." and absolute paths
            os.rename(tmp, path)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not os.path.isdir(path):  # not just another thread or process winning the race
                raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    path = os.path.realpath(path)
    _extracted[digest] = path
    return path


def _located_in(module: Any, prefix: str) -> bool:
    try:
        namespace = vars(module)
        filename = namespace.get("__file__")
        if isinstance(filename, str):
            return filename.startswith(prefix)
        paths = namespace.get("__path__")  # namespace packages have no __file__
        return bool(paths) and any(str(p).startswith(prefix) for p in paths)
    except Exception:
        return False


class Container:
    """One execution environment of one function version and configuration."""

    def __init__(
        self,
        *,
        pool: Any,
        function_name: str,
        version: str,
        handler: str,
        run_time: str,
        memory_size: int,
        timeout: float,
        code: bytes,
        code_digest: str,
        env: dict[str, Any],
        stream: LogStreamRef,
    ) -> None:
        self.pool = pool
        self.function_name = function_name
        self.version = version
        self.handler_name = handler
        self.run_time = run_time
        self.memory_size = memory_size
        self.timeout = timeout
        self.env = env
        self.stream = stream
        self.code_dir = ""
        self.modules: dict[str, ModuleType] = {}
        self.handler: Callable[..., Any] | None = None
        self._code = code
        self._digest = code_digest
        self._handler_top = ""

    # -- init phase ----------------------------------------------------------------------
    def init(self) -> None:
        """Extract the package and import the handler (in the invoking thread)."""
        handler = self.handler_name or ""
        try:
            modname, fname = handler.rsplit(".", 1)
        except ValueError as exc:
            raise RuntimeFault(
                "Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}"
            ) from None
        if modname.split(".")[0] in sys.builtin_module_names:
            raise RuntimeFault(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {modname} as a handler module",
            )
        try:
            self.code_dir = extract(self._code, self._digest)
        except zipfile.BadZipFile:
            raise RuntimeFault(
                "Runtime.ImportModuleError",
                f"Unable to import module '{modname}': the deployment package is not a zip file"
                " (on AWS, CreateFunction would have refused it)",
            ) from None
        self._code = b""
        dotted = modname.replace("/", ".")
        self._handler_top = dotted.split(".")[0]
        module = self._import(modname, dotted)
        try:
            self.handler = getattr(module, fname)
        except AttributeError:
            raise RuntimeFault(
                "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
            ) from None

    def _import(self, modname: str, dotted: str) -> ModuleType:
        prefix = self.code_dir + os.sep
        with _import_lock:
            before = set(sys.modules)
            # A module of the same name already loaded by the notebook must not stand in for
            # the function's handler module: set it aside while the function imports.
            # (Not for standard-library names: Lambda's runtime has imported those too.)
            top = self._handler_top
            stashed = {
                name: module
                for name, module in list(sys.modules.items())
                if (name == top or name.startswith(top + "."))
                and top not in sys.stdlib_module_names
                and not _located_in(module, prefix)
            }
            for name in stashed:
                del sys.modules[name]
            try:
                return importlib.import_module(dotted)
            except ImportError as exc:
                raise RuntimeFault(
                    "Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}"
                ) from None
            except SyntaxError as exc:
                filename = show_path(str(exc.filename or ""), self.code_dir, self.run_time)
                raise RuntimeFault(
                    "Runtime.UserCodeSyntaxError",
                    f"Syntax error in module '{modname}': {exc}",
                    [f'  File "{filename}" Line {exc.lineno}\n    {exc.text}'],
                ) from None
            finally:
                self.adopt_modules((sys.modules.keys() - before) | stashed.keys())
                for name, module in stashed.items():
                    sys.modules.setdefault(name, module)

    def adopt_modules(self, names: Any = None) -> None:
        """Move this container's modules out of ``sys.modules`` (all of them if no names)."""
        prefix = self.code_dir + os.sep
        candidates = list(sys.modules) if names is None else list(names)
        for name in candidates:
            module = sys.modules.get(name)
            if module is not None and _located_in(module, prefix):
                self.modules[name] = module
                if sys.modules.get(name) is module:
                    del sys.modules[name]

    # -- the finder's side ---------------------------------------------------------------
    def find_spec(self, name: str) -> importlib.machinery.ModuleSpec | None:
        module = self.modules.get(name)
        if module is not None:
            return importlib.machinery.ModuleSpec(
                name,
                _LoadedModule(module),
                origin=getattr(module, "__file__", None),
                is_package=hasattr(module, "__path__"),
            )
        if "." in name or not self.code_dir:
            return None  # submodules are found through their package's __path__
        spec = importlib.machinery.PathFinder.find_spec(name, [self.code_dir])
        if spec is None and name == self._handler_top:
            # Only the deployment package may provide the handler module, never the
            # notebook's working directory or site-packages.
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return spec


class _LoadedModule(importlib.abc.Loader):
    """Hands back a module the container already imported."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.spec = getattr(module, "__spec__", None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        if self.spec is not None:
            module.__spec__ = self.spec


class _PackageFinder(importlib.abc.MetaPathFinder):
    """Finds the current invocation's modules; see the module docstring."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        inv = local.inv
        if inv is None:
            return None
        spec = inv.container.find_spec(fullname)
        if spec is not None and inv.container.handler is not None:
            inv.imported_lazily = True
        return spec


_finder = _PackageFinder()


def install_finder() -> None:
    """Put the finder at the front of ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _PackageFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _finder)
