"""Java, as API Gateway's Velocity sees it: how values print, how ``==`` compares, and the
methods a mapping template may call on strings, lists and maps.

API Gateway runs Velocity on the JVM with Jayway JsonPath over json-smart, so a JSON object
from the payload is a ``LinkedHashMap`` (printed ``{a=1, b=x}``), a JSON array is a
json-smart ``JSONArray`` (printed as compact JSON, ``[1,2]``) and strings have
``java.lang.String``'s methods (``replaceAll`` takes a Java regex). Python values are mapped
onto those rules here, so the template engine never prints ``True`` or ``None``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, KeysView, ValuesView
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import quote_plus, unquote_plus


class JsonArray(list):
    """A JSON array from a payload; prints as compact JSON (json-smart ``JSONArray``)."""

    __slots__ = ()

    def __str__(self) -> str:
        return json_text(self)


def from_json(value: Any) -> Any:
    """Parsed JSON with its arrays as :class:`JsonArray` (objects stay dicts)."""
    if isinstance(value, dict):
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return JsonArray(from_json(v) for v in value)
    return value


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII kept, as ``$input.json`` writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=java_string)


def java_double(value: float) -> str:
    """``Double.toString``: ``249.99``, ``100.0``, ``1.0E7``, ``1.5E-5``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exp = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exp, int)
    mantissa = f"{digits[0]}." + ("".join(map(str, digits[1:])) or "0")
    return f"{'-' if sign else ''}{mantissa}E{len(digits) - 1 + exp}"


def java_string(value: Any) -> str:
    """``String.valueOf(value)`` for the values templates meet."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, JsonArray):
        return json_text(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, range, KeysView, ValuesView)):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    return str(value)


def text(value: Any) -> str:
    """What ``$ref`` writes into the output: a null reference renders as nothing
    (API Gateway does not echo ``$ref`` the way stock Velocity does) [obs LS]."""
    return "" if value is None else java_string(value)


def java_equals(a: Any, b: Any) -> bool:
    """Velocity 1.7 ``==``: numbers by value, same classes by ``equals``, other pairs by
    their ``toString()``; ``null`` equals only ``null``."""
    if a is None or b is None:
        return a is b
    numbers = (int, float)
    a_num = isinstance(a, numbers) and not isinstance(a, bool)
    b_num = isinstance(b, numbers) and not isinstance(b, bool)
    if a_num and b_num:
        return a == b
    if type(a) is type(b) or (isinstance(a, str) and isinstance(b, str)):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return list(a) == list(b)
    return java_string(a) == java_string(b)


def truthy(value: Any) -> bool:
    """Velocity 1.7 truth: anything but ``null`` and ``false`` is true (even ``""`` and 0)."""
    return value is not None and value is not False


# ----------------------------------------------------------------------------- String methods

_TRIMMED = "".join(chr(c) for c in range(33))


def java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """A Java ``Matcher.replaceAll`` replacement (``$1`` groups, ``\\`` escapes) for re.sub."""

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        i = 0
        while i < len(replacement):
            ch = replacement[i]
            if ch == "\\" and i + 1 < len(replacement):
                out.append(replacement[i + 1])
                i += 2
            elif ch == "$" and i + 1 < len(replacement) and replacement[i + 1].isdigit():
                group = int(replacement[i + 1])
                i += 2
                # Java keeps reading digits while the group number stays valid
                while i < len(replacement) and replacement[i].isdigit():
                    longer = group * 10 + int(replacement[i])
                    if longer > (match.re.groups or 0):
                        break
                    group, i = longer, i + 1
                out.append(match.group(group) or "")
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    return expand


def _substring(s: str, begin: int, end: int | None = None) -> str:
    end = len(s) if end is None else end
    if not 0 <= begin <= end <= len(s):
        raise IndexError(f"String index out of range: begin {begin}, end {end}, length {len(s)}")
    return s[begin:end]


def _char_at(s: str, index: int) -> str:
    if not 0 <= index < len(s):
        raise IndexError(f"String index out of range: {index}")
    return s[index]


def _split(s: str, regex: str, limit: int = 0) -> list[str]:
    parts = re.split(regex, s, maxsplit=max(limit - 1, 0)) if limit != 1 else [s]
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()  # Java drops trailing empty strings
    return parts


STRING_METHODS: dict[str, Callable[..., Any]] = {
    "length": len,
    "isEmpty": lambda s: not s,
    "trim": lambda s: s.strip(_TRIMMED),
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "contains": lambda s, part: java_string(part) in s,
    "startsWith": lambda s, prefix, offset=0: s.startswith(prefix, offset),
    "endsWith": lambda s, suffix: s.endswith(suffix),
    "indexOf": lambda s, part, start=0: s.find(java_string(part), start),
    "lastIndexOf": lambda s, part: s.rfind(java_string(part)),
    "charAt": _char_at,
    "substring": _substring,
    "concat": lambda s, other: s + other,
    "equals": java_equals,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.lower() == o.lower(),
    "matches": lambda s, regex: re.fullmatch(regex, s) is not None,
    "replace": lambda s, old, new: s.replace(java_string(old), java_string(new)),
    "replaceAll": lambda s, regex, rep: re.sub(regex, java_replacement(rep), s),
    "replaceFirst": lambda s, regex, rep: re.sub(regex, java_replacement(rep), s, count=1),
    "split": _split,
    "toString": lambda s: s,
}


# ----------------------------------------------------------------------------- List / Map methods


def _list_get(items: list[Any], index: int) -> Any:
    if not 0 <= index < len(items):
        raise IndexError(f"Index {index} out of bounds for length {len(items)}")
    return items[index]


def _list_set(items: list[Any], index: int, value: Any) -> Any:
    previous = _list_get(items, index)
    items[index] = value
    return previous


def _list_add(items: list[Any], value: Any) -> bool:
    items.append(value)
    return True


LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda items: not items,
    "get": _list_get,
    "set": _list_set,
    "add": _list_add,
    "contains": lambda items, value: any(java_equals(v, value) for v in items),
    "indexOf": lambda items, value: next(
        (i for i, v in enumerate(items) if java_equals(v, value)), -1
    ),
    "subList": lambda items, a, b: list(items[a:b]),
    "toString": java_string,
    "equals": java_equals,
}


def _map_put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    previous = mapping.get(key)
    mapping[key] = value
    return previous


MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda m: not m,
    "get": lambda m, key: m.get(key),
    "containsKey": lambda m, key: key in m,
    "containsValue": lambda m, value: any(java_equals(v, value) for v in m.values()),
    "keySet": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
    "put": _map_put,
    "putAll": lambda m, other: m.update(other),
    "remove": lambda m, key: m.pop(key, None),
    "toString": java_string,
    "equals": java_equals,
}

OBJECT_METHODS: dict[str, Callable[..., Any]] = {
    "toString": java_string,
    "equals": java_equals,
    "intValue": int,
    "longValue": int,
    "doubleValue": float,
}


def method(obj: Any, name: str) -> Callable[..., Any] | None:
    """The Java method ``name`` bound to ``obj``, or None when Java has no such method."""
    if isinstance(obj, str):
        table = STRING_METHODS
    elif isinstance(obj, (list, tuple)):
        table = LIST_METHODS
    elif isinstance(obj, dict):
        table = MAP_METHODS
    else:
        table = OBJECT_METHODS
    fn = table.get(name)
    return partial(fn, obj) if fn is not None else None


# ----------------------------------------------------------------------------- $util helpers

_JS_ESCAPES = {"'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/"}
_JS_CONTROL = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def escape_javascript(value: str) -> str:
    """Commons Lang ``StringEscapeUtils.escapeJavaScript``: quotes, backslash and ``/``
    escaped, control characters as ``\\n``/``\\uXXXX``, every non-ASCII UTF-16 unit as
    ``\\uXXXX`` (upper-case hex). ``'`` becomes ``\\'``, which is not valid JSON [doc]."""
    if value.isascii() and value.isprintable() and not any(c in value for c in _JS_ESCAPES):
        return value
    out: list[str] = []
    raw = value.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(raw), 2):
        unit = (raw[i] << 8) | raw[i + 1]
        if unit > 0x7F:
            out.append(f"\\u{unit:04X}")
        elif unit < 32:
            out.append(_JS_CONTROL.get(unit) or f"\\u{unit:04X}")
        else:
            ch = chr(unit)
            out.append(_JS_ESCAPES.get(ch, ch))
    return "".join(out)


def url_encode(value: str) -> str:
    """``URLEncoder.encode(value, "UTF-8")``: space → ``+``; only ``A-Za-z0-9.-*_`` kept."""
    return quote_plus(value, safe="*").replace("~", "%7E")


def url_decode(value: str) -> str:
    """``URLDecoder.decode(value, "UTF-8")``."""
    return unquote_plus(value)
