"""Time-outs for handlers that run inline, in the caller's thread.

An invocation's deadline is the earlier of the function's ``Timeout`` and the caller's own
deadline (``deadline_s``, e.g. API Gateway's 29 s). Deadlines are real time
(``time.perf_counter``), never the lab's virtual clock. Two mechanisms enforce them:

* ``time.sleep`` is replaced, once, process-wide. In a thread inside an invocation, a sleep
  that would outlast the deadline waits only until the deadline and then raises
  :class:`InvocationTimeout`; elsewhere it is the original ``time.sleep``.
* On a **frozen** lab clock (notebooks, the traffic simulator) a handler's ``time.sleep``
  does not wait at all: it counts as lab time (``ActiveInvocation.shift_s``), which brings
  the deadline closer and is added to the invocation's duration, so "a slow backend" costs
  a notebook nothing and reports the same latency every run. The clock itself stays where
  the notebook put it.
* A single daemon watchdog thread, started on first use, looks at the running invocations
  every 50 ms and raises :class:`InvocationTimeout` asynchronously
  (``PyThreadState_SetAsyncExc``) in any thread whose invocation is past its deadline, for
  CPU-bound loops. It re-raises every 50 ms while the invocation goes on, in case the handler
  swallowed it with a bare ``except:``.

:class:`InvocationTimeout` derives from ``BaseException``, so ``except Exception`` in a handler
does not swallow it. An asynchronous exception is delivered when the thread next runs Python
bytecode: a handler blocked inside one long C call (a socket read with no time-out) is
interrupted only when that call returns.
"""

from __future__ import annotations

import _thread
import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any

from .state import ActiveInvocation, local

POLL_S = 0.05


class InvocationTimeout(BaseException):
    """Raised inside a handler whose invocation reached its deadline (internal)."""


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_original_sleep = time.sleep


def _sleep(seconds: float) -> None:
    inv = local.inv
    if inv is None:
        _original_sleep(seconds)
        return
    if inv.virtual:
        remaining = inv.remaining_s(time.perf_counter())
        if seconds < remaining:
            inv.sleep_virtually(max(seconds, 0.0))
            return
        inv.sleep_virtually(max(remaining, 0.0))
        inv.owner.fired = True
        raise InvocationTimeout()
    remaining = inv.deadline - time.perf_counter()
    if seconds < remaining:
        _original_sleep(seconds)
        return
    if remaining > 0:
        # A real-time wait, whatever the lab clock says, done entirely in C: a fresh lock
        # that nobody releases. (Not a shared threading.Event: the watchdog's asynchronous
        # exception could land inside its Python code and leave its condition lock held.)
        lock = _thread.allocate_lock()
        lock.acquire()
        lock.acquire(True, remaining)
    inv.owner.fired = True
    raise InvocationTimeout()


_sleep.__doc__ = _original_sleep.__doc__


class Watchdog:
    """Raises :class:`InvocationTimeout` in threads whose invocation overran its deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[int, ActiveInvocation] = {}
        self._thread: threading.Thread | None = None

    def register(self, inv: ActiveInvocation) -> None:
        # one dict store, atomic under the GIL (the watchdog copies the values under its
        # lock); only unregister needs the lock, to cancel a time-out it may be raising
        self._active[id(inv)] = inv
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="apigw-lab-lambda-watchdog", daemon=True
                    )
                    self._thread.start()

    def unregister(self, inv: ActiveInvocation) -> None:
        """Stop watching ``inv``; cancel a time-out that was raised but not yet delivered."""
        with self._lock:
            self._active.pop(id(inv), None)
            if inv.fired:
                _set_async_exc(ctypes.c_ulong(inv.tid), None)

    def _run(self) -> None:
        while True:
            _original_sleep(POLL_S)
            now = time.perf_counter()
            with self._lock:
                for inv in list(self._active.values()):
                    if inv.remaining_s(now) <= 0:
                        inv.owner.fired = True
                        _set_async_exc(ctypes.c_ulong(inv.tid), ctypes.py_object(InvocationTimeout))


watchdog = Watchdog()


def run_guarded(inv: ActiveInvocation, body: Callable[[list[Any]], None]) -> list[Any]:
    """Run ``body`` under ``inv``'s deadline and return what it appended to its argument.

    ``body`` catches the exceptions of the user's code itself, and appends its outcome to the
    list it is given as its last step: an empty list back means the invocation timed out. This
    function only deals with :class:`InvocationTimeout`, including one delivered late, while
    the bookkeeping runs. When it returns, the watchdog no longer watches ``inv`` and no
    time-out is pending for it. A time-out that belongs to an outer invocation (a handler
    that invoked another function inline) is passed on.
    """
    outcome: list[Any] = []
    started = False
    while True:
        try:
            if not started:
                started = True
                body(outcome)
            watchdog.unregister(inv)
            return outcome
        except InvocationTimeout:
            if not inv.fired:  # the deadline of an outer invocation
                watchdog.unregister(inv)
                raise
        except BaseException:
            watchdog.unregister(inv)
            raise


def install() -> None:
    """Replace ``time.sleep`` (once)."""
    if time.sleep is not _sleep:
        time.sleep = _sleep
