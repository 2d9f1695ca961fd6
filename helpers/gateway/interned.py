"""One shared instance per value for the small frozen records the request path asks for
again and again (a token bucket's limit, a quota, a cache policy).

Building a frozen dataclass costs more than finding it: every request of a throttled,
quota'd or cached method would otherwise build the same few records anew. Records are
immutable, so sharing one is safe; the table is bounded, and simply starts again when full.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")

_KEPT = 8192
_made: dict[tuple[Any, ...], Any] = {}


def interned(cls: type[T], *fields: Any) -> T:
    """``cls(*fields)``, the same object each time for the same class and field values
    (which must be hashable)."""
    key = (cls, *fields)
    found = _made.get(key)
    if found is None:
        if len(_made) >= _KEPT:
            _made.clear()
        found = _made[key] = cls(*fields)
    return found  # type: ignore[no-any-return]
