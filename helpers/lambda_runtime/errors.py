"""Exceptions of the runtime, and the error payloads Lambda's Python runtime returns.

The payload shapes follow the AWS Lambda Python runtime interface client (``awslambdaric``,
``bootstrap.py`` and ``lambda_runtime_marshaller.py``):

* an exception in the handler::

    {"errorMessage": "boom", "errorType": "ValueError", "requestId": "<id>",
     "stackTrace": ["  File \\"/var/task/app.py\\", line 3, in handler\\n    raise ValueError(\\"boom\\")\\n"]}

  ``stackTrace`` is ``traceback.format_list`` of the traceback's frames without the
  runtime's own leading frames; paths of the deployment package read ``/var/task/...``.
* a fault of the runtime (``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``,
  ``Runtime.MarshalError``, ...): same keys, usually an empty ``stackTrace``; errors while
  loading the handler (the init phase) carry an empty ``requestId``.
* a time-out, written by the Lambda service rather than the runtime, hence the compact JSON::

    {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}
"""

from __future__ import annotations

import decimal
import json
import math
import os
import sysconfig
import traceback
from functools import lru_cache
from types import TracebackType
from typing import Any

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
TASK_ROOT = "/var/task"


class FunctionNotFound(Exception):
    """The function (name, ARN, partial ARN or qualifier) does not exist in moto."""


class UnsupportedRuntime(Exception):
    """The function cannot run in-process: only Python zip functions can."""


class RuntimeFault(Exception):
    """A failure Lambda's runtime reports with one of its ``Runtime.*`` error types."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def make_error(
    message: str, error_type: str, stack_trace: list[str] | None, request_id: str
) -> dict[str, Any]:
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }


@lru_cache(maxsize=16)
def _path_map(run_time: str) -> list[tuple[str, str]]:
    """Local library directories and where they are on Lambda, longest first."""
    mapped = {}
    paths = sysconfig.get_paths()
    for key in ("purelib", "platlib"):
        mapped[paths[key]] = f"/var/lang/lib/{run_time}/site-packages"
    for key in ("stdlib", "platstdlib"):
        mapped.setdefault(paths[key], f"/var/lang/lib/{run_time}")
    return sorted(
        ((os.path.realpath(local) + os.sep, lam + "/") for local, lam in mapped.items()),
        key=lambda pair: -len(pair[0]),
    )


def show_path(filename: str, code_dir: str, run_time: str) -> str:
    """A file name as a traceback on Lambda shows it.

    The deployment package is ``/var/task``; the standard library and site-packages (boto3)
    are under ``/var/lang/lib/python3.x``. Besides looking like AWS, this keeps the local
    machine's paths out of notebook outputs.
    """
    prefix = code_dir + os.sep
    if code_dir and filename.startswith(prefix):
        return TASK_ROOT + "/" + filename[len(prefix) :]
    for local, lam in _path_map(run_time or "python3"):
        if filename.startswith(local):
            return lam + filename[len(local) :]
    return filename


def format_stack(tb: TracebackType | None, code_dir: str, run_time: str = "") -> list[str]:
    """``traceback.format_list`` of the frames after the runtime's own, with Lambda's paths."""
    frames = [
        (frame.filename, frame.lineno, frame.name, frame.line) for frame in traceback.extract_tb(tb)
    ]
    for i, frame in enumerate(frames):
        if not frame[0].startswith(_RUNTIME_DIR):
            frames = frames[i:]
            break
    else:
        frames = []
    shown = [(show_path(name, code_dir, run_time), *rest) for name, *rest in frames]
    return traceback.format_list(shown)  # type: ignore[arg-type]


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<exception str() failed: {type(exc).__name__}>"


def exception_payload(
    exc: BaseException, code_dir: str, request_id: str, run_time: str = ""
) -> dict[str, Any]:
    return make_error(
        _message(exc),
        type(exc).__name__,
        format_stack(exc.__traceback__, code_dir, run_time),
        request_id,
    )


def timeout_payload(request_id: str, timeout_s: float) -> bytes:
    """What Invoke returns when the function times out.

    This is Lambda's current wording. Older runtimes returned only
    ``{"errorMessage": "<timestamp> <request id> Task timed out after 3.00 seconds"}``.
    """
    message = f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
    return json.dumps(
        {"errorType": "Sandbox.Timedout", "errorMessage": message}, separators=(",", ":")
    ).encode()


def _default(obj: Any) -> Any:
    # Lambda's marshaller (simplejson) writes Decimals, as DynamoDB returns them, as numbers.
    # Here they become int or float, so 1.10 comes out as 1.1.
    if isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return math.nan
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(default=_default)
# awslambdaric sets ensure_ascii=False for the python3.12 runtime only.
_ENCODER_UNICODE = json.JSONEncoder(default=_default, ensure_ascii=False)


def _float_text(value: float) -> str:
    """A float as json.dumps writes it (``allow_nan``: NaN and Infinity as JavaScript has
    them)."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _one_shot(ensure_ascii: bool) -> Any:
    """``JSONEncoder(default=_default, ensure_ascii=...).encode`` without its per-call
    set-up: the standard library's C encoder called directly (a handler's answer is
    marshalled at every invocation). None where the C encoder is not available."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    quote = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring

    def encode(value: Any) -> str:
        # a fresh markers dict each call, as JSONEncoder does: it finds circular references
        return "".join(make({}, _default, quote, None, ": ", ", ", False, False, True)(value, 0))

    return encode


_ENCODE = {
    True: _one_shot(False) or _ENCODER_UNICODE.encode,
    False: _one_shot(True) or _ENCODER.encode,
}


def marshal(result: Any, run_time: str) -> bytes:
    """The Invoke payload for a handler's return value (bytes pass through unchanged)."""
    if isinstance(result, bytes):
        return result
    try:
        return _ENCODE[run_time == "python3.12"](result).encode()
    except Exception as exc:
        raise RuntimeFault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None


def dumps(payload: Any) -> bytes:
    return _ENCODER.encode(payload).encode()
