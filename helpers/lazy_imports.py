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
