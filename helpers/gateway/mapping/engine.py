"""The Velocity engine: a private copy of airspeed, taught the Velocity 1.7 rules API
Gateway's templates rely on.

airspeed is a Python Velocity, close to but not quite Velocity 1.7 on the JVM. The fixes
below go into a private instance of the module (loaded afresh from airspeed's own file), so
nothing else in the process that imports airspeed sees them:

- member lookup follows Java: ``$map.key`` is ``Map.get``, ``$x.name(...)`` calls a Java
  method (:mod:`.java`), so ``"a,b,".split(",")`` is Java's split, not Python's; Python
  attributes are reachable only on the objects we expose (``$input``, ``$util``);
- a reference prints as Java prints it (``true``, ``{a=1}``, ``1.0E7``), a null one as
  nothing;
- string literals take backslashes literally (``"\\\\'"`` reaches ``replaceAll`` as the regex
  ``\\\\'``, as in AWS's own ``escapeJavaScript`` example); ``""`` inside one is a quote;
- truth, ``==``, ``+`` and ``/`` follow Velocity 1.7 (``""`` is true; ``"1" == 1``;
  ``"a" + 1`` is ``a1``; ``7 / 2`` is 3);
- ``#foreach`` over a map walks its values, and stops the template past
  :data:`MAX_FOREACH` iterations; ``#set`` accepts hyphenated names after the first dot
  (``$context.responseOverride.header.X-Cache``).
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from types import ModuleType
from typing import Any

from . import java

#: documented limit on #foreach iterations [doc] DG:api-gateway-known-issues
MAX_FOREACH = 1000


class ForeachLimit(Exception):
    """A #foreach went past MAX_FOREACH iterations."""


class Exposed:
    """Base for the objects a template reaches by Python attribute (``$input``, ``$util``)."""


def _private_airspeed() -> ModuleType:
    spec = importlib.util.find_spec("airspeed")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


air = _private_airspeed()
TemplateError = air.TemplateError


# ---------------------------------------------------------------------------- member lookup


def _member(obj: Any, name: str, calling: bool) -> Any:
    if isinstance(obj, air.LocalNamespace):  # a top-level $name
        try:
            return obj[name]
        except KeyError:
            return None
    if isinstance(obj, Exposed):
        return getattr(obj, name, None) if not name.startswith("_") else None
    if calling:
        return java.method(obj, name)
    if isinstance(obj, dict):
        return obj.get(name)
    return None


def _name_or_call(self: Any, current_object: Any, loader: Any, top_namespace: Any) -> Any:
    result = _member(current_object, self.name, self.parameters is not None)
    if result is None:
        return None
    if isinstance(result, air._FunctionDefinition):
        params = self.parameters.calculate(top_namespace, loader) if self.parameters else []
        stream = air.StoppableStream()
        result.execute_function(stream, top_namespace, params, loader)
        return stream.getvalue()
    if self.parameters is not None:
        return result(*self.parameters.calculate(top_namespace, loader))
    if self.index is not None:
        index = self.index.calculate(top_namespace, loader)
        if isinstance(result, list) and not isinstance(index, int):
            raise ValueError(f"expected integer for array index, got {index!r}")
        try:
            return result[index]
        except (LookupError, TypeError):
            return None
    return result


air.NameOrCall.calculate = _name_or_call


def _sub_expression(self: Any, current_object: Any, loader: Any, global_namespace: Any) -> Any:
    if not isinstance(self.expression, air.ArrayIndex):
        return self.expression.calculate(current_object, loader, global_namespace)
    index = self.expression.calculate(global_namespace, loader)
    try:
        result = current_object[index]
    except (LookupError, TypeError):
        return None
    if self.subexpression:
        result = self.subexpression.calculate(result, loader, global_namespace)
    return result


air.SubExpression.calculate = _sub_expression


# ---------------------------------------------------------------------------- printing


def _reference(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    if self.expression is None:  # a lone "$"
        stream.write(self.my_text())
        return
    value = self.expression.calculate(namespace, loader)
    if value is None and self.alternate is not None:
        value = self.alternate.calculate(namespace, loader)
    stream.write(java.text(value))


air.FormalReference.evaluate_raw = _reference


# ---------------------------------------------------------------------------- string literals


def _single_quoted(self: Any) -> None:
    (value,) = self.identity_match(self.STRING)
    self.value = value.replace("''", "'")


def _double_quoted(self: Any) -> None:
    (value,) = self.identity_match(self.STRING)
    self.value = value.replace('""', '"')
    self.block = air.Block(self.filename, self.value, 0)


air.StringLiteral.STRING = re.compile(r"'((?:[^']|'')*)'", re.S)
air.StringLiteral.parse = _single_quoted
air.InterpolatedStringLiteral.STRING = re.compile(r'"((?:[^"]|"")*)"', re.S)
air.InterpolatedStringLiteral.parse = _double_quoted


# ---------------------------------------------------------------------------- operators


def _plus(a: Any, b: Any) -> Any:
    if isinstance(a, str) or isinstance(b, str):
        return java.java_string(a) + java.java_string(b)
    return a + b


def _divide(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            return None  # Velocity logs and yields null
        quotient = abs(a) // abs(b)
        return quotient if (a >= 0) == (b >= 0) else -quotient
    return a / b


air.BinaryOperator.OPERATORS = {
    **air.BinaryOperator.OPERATORS,
    "==": java.java_equals,
    "eq": java.java_equals,
    "!=": lambda a, b: not java.java_equals(a, b),
    "ne": lambda a, b: not java.java_equals(a, b),
    "&&": lambda a, b: java.truthy(a) and java.truthy(b),
    "and": lambda a, b: java.truthy(a) and java.truthy(b),
    "||": lambda a, b: java.truthy(a) or java.truthy(b),
    "or": lambda a, b: java.truthy(a) or java.truthy(b),
    "+": _plus,
    "/": _divide,
}
air.UnaryOperatorValue.OPERATORS = {
    "!": lambda v: not java.truthy(v),
    "not": lambda v: not java.truthy(v),
}


def _if(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    if java.truthy(self.condition.calculate(namespace, loader)):
        self.block.evaluate(stream, namespace, loader)
        return
    for elseif in self.elseifs:
        if java.truthy(elseif.calculate(namespace, loader)):
            elseif.evaluate(stream, namespace, loader)
            return
    self.else_block.evaluate(stream, namespace, loader)


air.IfDirective.evaluate_raw = _if


# ---------------------------------------------------------------------------- directives


def _foreach(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    iterable = self.value.calculate(namespace, loader)
    if iterable is None:
        return
    if isinstance(iterable, dict):
        iterable = iterable.values()  # Velocity iterates a Map's values
    elif isinstance(iterable, str):
        raise ValueError(f"${self.loop_var_name}: a string is not iterable in #foreach")
    items = list(iterable)
    if len(items) > MAX_FOREACH:
        raise ForeachLimit(
            f"#foreach over {len(items)} items: API Gateway stops templates at "
            f"{MAX_FOREACH} iterations"
        )
    length = len(items)
    for counter, item in enumerate(items, 1):
        local = air.LocalNamespace(namespace)
        local["velocityCount"] = counter
        local["velocityHasNext"] = counter < length
        local["foreach"] = {
            "count": counter,
            "index": counter - 1,
            "hasNext": counter < length,
            "first": counter == 1,
            "last": counter == length,
        }
        local[self.loop_var_name] = item
        self.block.evaluate(stream, local, loader)


air.ForeachDirective.evaluate_raw = _foreach
air.SetDirective.PLACE = re.compile(r"\s*\$([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_-]*)*)", re.S | re.I)


@lru_cache(maxsize=512)
def compile_template(text: str) -> Any:
    """The parsed template for ``text`` (parsed once, then reused on every request)."""
    template = air.Template(text)
    template.ensure_compiled()
    return template
