"""Capture what a handler prints and logs, per thread, into its invocation's log.

On Lambda, a function's stdout, stderr and ``logging`` output become CloudWatch Logs events.
Here handlers run inline next to the notebook, so the capture has to be per thread:

* ``sys.stdout`` and ``sys.stderr`` are wrapped by a :class:`ThreadAwareStream`. In a thread
  inside an invocation, writes go to that invocation's log; in any other thread they go,
  untouched, to the stream that was ``sys.stdout`` when the wrapper was put in place. The
  wrapper is (re)installed at the start of each invocation if ``sys.stdout`` is no longer one
  of ours (Jupyter, ``redirect_stdout`` or pytest put their own streams in place), so the
  stream it forwards to is always the one the rest of the process was writing to.
* ``logging``: ``Logger.callHandlers`` is patched. Inside an invocation, a record that reaches
  the root logger goes to Lambda's own root handler (format
  ``[LEVEL]\\t<time>Z\\t<request id>\\t<message>\\n``), not to the notebook's root handlers;
  handlers the function attached to its own loggers still run. ``logging.basicConfig()`` does
  nothing inside an invocation, as on Lambda, where the root logger already has a handler
  (the classic "my INFO lines do not show" lesson). The root logger's *level* is process-wide:
  a function calling ``logging.getLogger().setLevel(logging.INFO)`` sets it for the notebook
  too.

Outside invocations every patch calls the original code.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import Any

from .state import local

_LAMBDA_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_formatter = logging.Formatter(_LAMBDA_FORMAT, "%Y-%m-%dT%H:%M:%S")
_formatter.converter = time.gmtime


class ThreadAwareStream:
    """Stands in for ``sys.stdout``/``sys.stderr``; see the module docstring."""

    def __init__(self, target: Any) -> None:
        self._lab_target = target

    def write(self, text: str) -> int:
        inv = local.inv
        if inv is not None:
            if not isinstance(text, str):
                raise TypeError(f"write() argument must be str, not {type(text).__name__}")
            inv.log.write(text)
            return len(text)
        target = self._lab_target
        return 0 if target is None else target.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if local.inv is None and self._lab_target is not None:
            self._lab_target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lab_target, name)

    # Attributes set on the wrapper stay on the wrapper: IPython tees a cell's output with
    # ``sys.stdout.write = tee(sys.stdout.write)``, and forwarding that assignment to the
    # wrapped stream would make the two writes call each other forever.

    def __repr__(self) -> str:
        return f"<apigw-lab thread-aware stream over {self._lab_target!r}>"


def ensure_streams() -> None:
    """Put the thread-aware wrappers in place if ``sys.stdout``/``sys.stderr`` are not ours."""
    if type(sys.stdout) is not ThreadAwareStream:
        sys.stdout = ThreadAwareStream(sys.stdout)  # type: ignore[assignment]
    if type(sys.stderr) is not ThreadAwareStream:
        sys.stderr = ThreadAwareStream(sys.stderr)  # type: ignore[assignment]


def format_record(record: logging.LogRecord, request_id: str) -> str:
    record.aws_request_id = request_id
    try:
        return _formatter.format(record)
    except Exception:  # what logging.Handler.handleError would print
        return "--- Logging error ---\n" + traceback.format_exc()


_original_call_handlers = logging.Logger.callHandlers
_original_basic_config = logging.basicConfig


def _call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    inv = local.inv
    if inv is None:
        _original_call_handlers(self, record)
        return
    logger: Any = self
    while logger:
        if logger.parent is None:  # the root logger: Lambda's handler
            inv.log.add(format_record(record, inv.request_id), int(record.created * 1000))
            return
        for handler in logger.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)
        if not logger.propagate:
            return
        logger = logger.parent


def _basic_config(**kwargs: Any) -> None:
    if local.inv is None:
        _original_basic_config(**kwargs)
    elif kwargs.get("force") and "level" in kwargs:
        logging.getLogger().setLevel(kwargs["level"])


def install() -> None:
    """Patch ``logging`` (once)."""
    if logging.Logger.callHandlers is not _call_handlers:
        logging.Logger.callHandlers = _call_handlers  # type: ignore[method-assign]
    if logging.basicConfig is not _basic_config:
        logging.basicConfig = _basic_config
