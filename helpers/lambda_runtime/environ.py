"""A thread-aware ``os.environ``: each invocation sees its function's environment variables.

Handlers run inline in the caller's thread, and several threads may run handlers of different
functions at once, so the function's environment cannot be written into the process
environment. Instead ``os.environ`` is replaced, once, by :class:`OverlayEnviron`: it shares
the real environment's storage, and in a thread that is inside an invocation it first consults
that invocation's overlay (the function's variables plus those Lambda sets). Everything else
(``PATH``, the fake AWS credentials moto put in place, ...) still comes from the real
environment, so a handler's boto3 calls reach moto as before.

A handler that sets or deletes a variable changes its container's overlay only, as on Lambda
where such a change lasts for the life of the execution environment. Outside invocations the
object behaves exactly like the original ``os.environ``; ``os.getenv`` reads the module global
``os.environ``, so it follows too.

Limits: code that captured the original object before the replacement (``from os import
environ``, a boto3 session created earlier) sees the real environment; threads a handler
starts do not inherit the overlay; C-level ``getenv`` (``time.tzset`` and ``TZ``) is not
affected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from .state import local

_DELETED: Any = object()  # tombstone: the handler deleted a variable of the real environment


class OverlayEnviron(os._Environ):  # type: ignore[misc,name-defined,type-arg]
    """``os.environ`` whose reads consult the current invocation's variables first."""

    def __init__(self, real: Any) -> None:
        super().__init__(
            real._data, real.encodekey, real.decodekey, real.encodevalue, real.decodevalue
        )
        self.real = real

    # -- reads ---------------------------------------------------------------------------
    def __getitem__(self, key: str) -> str:
        inv = local.inv
        if inv is not None:
            value = inv.env.get(key)
            if value is not None:
                if value is _DELETED:
                    raise KeyError(key)
                return value
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        inv = local.inv
        if inv is not None:
            value = inv.env.get(key)
            if value is not None:
                return default if value is _DELETED else value
        try:
            return super().__getitem__(key)
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        inv = local.inv
        if inv is not None:
            value = inv.env.get(key)
            if value is not None:
                return value is not _DELETED
        try:
            super().__getitem__(key)
        except (KeyError, TypeError):
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        inv = local.inv
        if inv is None:
            yield from super().__iter__()
            return
        overlay = dict(inv.env)
        for key in list(super().__iter__()):
            if key not in overlay:
                yield key
        for key, value in overlay.items():
            if value is not _DELETED:
                yield key

    def __len__(self) -> int:
        if local.inv is None:
            return super().__len__()
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        if local.inv is None:
            return super().__repr__()
        items = ", ".join(f"{key!r}: {self[key]!r}" for key in self)
        return f"environ({{{items}}})"

    # -- writes --------------------------------------------------------------------------
    def __setitem__(self, key: str, value: str) -> None:
        inv = local.inv
        if inv is None:
            super().__setitem__(key, value)
            return
        # Same type checks as the real environment ("str expected, not int").
        self.encodekey(key)
        self.encodevalue(value)
        inv.env[key] = value

    def __delitem__(self, key: str) -> None:
        inv = local.inv
        if inv is None:
            super().__delitem__(key)
            return
        if key not in self:
            raise KeyError(key)
        inv.env[key] = _DELETED


def install() -> None:
    """Replace ``os.environ`` by an :class:`OverlayEnviron` (once; later calls do nothing)."""
    if not isinstance(os.environ, OverlayEnviron):
        os.environ = OverlayEnviron(os.environ)  # noqa: B003 - replaced, not cleared, on purpose
