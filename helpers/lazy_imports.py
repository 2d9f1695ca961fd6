"""Imports that would cost every kernel a second or more, deferred until they are used.

``jsonschema`` (imported by the request-validation step and by moto's OpenAPI importer)
imports ``rfc3987_syntax`` when it is installed (Jupyter's ``jsonschema[format-nongpl]``
brings it), and that module compiles 38 Lark grammars at import time: about 1.7 s of CPU at
every kernel start, for the ``iri``/``iri-reference`` format checks, which API Gateway's
draft-4 models never use. :func:`defer_rfc3987_syntax` registers a stand-in whose
``is_valid_syntax`` imports the real module on its first call, so the checks still work if
anything asks for them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_NAME = "rfc3987_syntax"


def _load_real() -> Any:
    stand_in = sys.modules.get(_NAME)
    if getattr(stand_in, "__apigw_lab_stand_in__", False):
        del sys.modules[_NAME]
    return importlib.import_module(_NAME)


def _is_valid_syntax(term: str, value: str) -> bool:
    return _load_real().is_valid_syntax(term, value)


def _getattr(attr: str) -> Any:
    if attr.startswith("__"):  # the import system asks for __path__, __spec__, ...
        raise AttributeError(attr)
    return getattr(_load_real(), attr)


def defer_rfc3987_syntax() -> None:
    """Put the stand-in in ``sys.modules`` (no-op when the module is loaded or absent)."""
    if _NAME in sys.modules or importlib.util.find_spec(_NAME) is None:
        return
    stand_in = types.ModuleType(_NAME, "stand-in until first use (helpers.lazy_imports)")
    stand_in.__apigw_lab_stand_in__ = True  # type: ignore[attr-defined]
    stand_in.is_valid_syntax = _is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = _getattr  # type: ignore[attr-defined]
    sys.modules[_NAME] = stand_in


_OPENAPI = "openapi_spec_validator"
_OPENAPI_STAND_INS = (_OPENAPI, f"{_OPENAPI}.validation")


def _load_openapi() -> Any:
    """The real ``openapi_spec_validator`` (its stand-ins out of ``sys.modules`` first)."""
    for name in _OPENAPI_STAND_INS:
        if getattr(sys.modules.get(name), "__apigw_lab_stand_in__", False):
            del sys.modules[name]
    return importlib.import_module(_OPENAPI)


def _openapi_validate(*args: Any, **kwargs: Any) -> Any:
    return _load_openapi().validate(*args, **kwargs)


def _openapi_getattr(attr: str) -> Any:
    if attr.startswith("__"):
        raise AttributeError(attr)
    return getattr(_load_openapi(), attr)


def defer_openapi_spec_validator() -> None:
    """moto's API Gateway imports ``openapi_spec_validator`` for ``import_rest_api`` only,
    and importing it brings pydantic-settings and the OpenAPI schemas: about 0.4 s at every
    kernel start. Stand-ins for the package and its ``validation`` subpackage let moto's
    ``from openapi_spec_validator import validate`` and ``from
    openapi_spec_validator.validation.exceptions import OpenAPIValidationError`` run
    without that: the exceptions module is the real one (so ``except`` clauses catch what
    the real validator raises), and the first ``validate`` call imports the real package,
    which finds that same exceptions module already loaded. No-op when the package is
    loaded or absent."""
    if _OPENAPI in sys.modules:
        return
    spec = importlib.util.find_spec(_OPENAPI)
    if spec is None or not spec.submodule_search_locations:
        return
    package_dir = list(spec.submodule_search_locations)
    for name, path in ((_OPENAPI, package_dir), (f"{_OPENAPI}.validation", None)):
        stand_in = types.ModuleType(name, "stand-in until first use (helpers.lazy_imports)")
        stand_in.__apigw_lab_stand_in__ = True  # type: ignore[attr-defined]
        stand_in.__path__ = path or [f"{package_dir[0]}/validation"]  # type: ignore[attr-defined]
        stand_in.__getattr__ = _openapi_getattr  # type: ignore[attr-defined]
        sys.modules[name] = stand_in
    sys.modules[_OPENAPI].validate = _openapi_validate  # type: ignore[attr-defined]


def import_time_machine() -> Any:
    """``time_machine``, without the pytest import it makes for its pytest plugin when
    pytest is installed (0.25 s at every kernel start). Under pytest, pytest has loaded
    the plugin already (and with it time_machine); elsewhere the plugin is of no use."""
    if "time_machine" in sys.modules or "pytest" in sys.modules:
        return importlib.import_module("time_machine")
    sys.modules["pytest"] = None  # type: ignore[assignment]  # ``import pytest``: ImportError
    try:
        return importlib.import_module("time_machine")
    finally:
        del sys.modules["pytest"]
