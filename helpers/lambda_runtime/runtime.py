"""The in-process Lambda runtime: runs Python functions stored in moto, inline.

See the package docstring for the overview. This module holds :class:`LambdaRuntime` and
:class:`InvocationResult`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..clock import LabClock
from ..ids import IdSource
from . import capture, environ, timeouts
from .container import Container, install_finder
from .context import LambdaContext
from .errors import (
    FunctionNotFound,
    RuntimeFault,
    UnsupportedRuntime,
    dumps,
    exception_payload,
    make_error,
    marshal,
    timeout_payload,
)
from .logs import InvocationLog, InvocationRecord, LogStreamRef, LogWriter, tail
from .state import ActiveInvocation, local
from .timeouts import InvocationTimeout, run_guarded, watchdog

_NAME = r"[A-Za-z0-9_-]+"
_QUALIFIER = r"(?:\$LATEST|[A-Za-z0-9_-]+)"
_FUNCTION_ID = re.compile(
    rf"^(?:arn:(?P<partition>aws[a-z-]*):lambda:(?P<region>[a-z0-9-]+):)?"
    rf"(?:(?P<account>\d{{12}}):function:)?(?P<name>{_NAME})(?::(?P<qualifier>{_QUALIFIER}))?$"
)


@dataclass(slots=True)
class InvocationResult:
    """What one invocation returned.

    ``payload`` is exactly what Lambda's Invoke returns: the JSON of the handler's return value
    (or its bytes, unchanged), or the error payload. ``function_error`` is ``"Unhandled"``
    when the function raised, timed out, or returned something JSON cannot encode, else
    ``None``. ``duration_ms`` is the time the call took, init phase included: real time,
    plus the lab time the handler slept on a frozen lab clock (``virtual_ms``).
    ``log_tail`` is the last 4 KB of the invocation's log (``START`` ... ``REPORT``) when
    ``log_type="Tail"`` was asked for, else ``""``. ``caller_deadline_hit`` is true when the
    caller's own deadline (``deadline_s``) ran out before the function's time-out; the
    payload is then empty.
    """

    payload: bytes
    function_error: str | None
    request_id: str
    duration_ms: float
    log_tail: str
    caller_deadline_hit: bool
    executed_version: str = "$LATEST"
    init_duration_ms: float | None = None  # set on a cold start
    #: lab time the handler slept on a frozen lab clock (no real time passed)
    virtual_ms: float = 0.0


class _Pool:
    """Idle containers of one function version, for one configuration."""

    __slots__ = ("arn", "idle", "key", "sig")

    def __init__(self, key: tuple[str, str, str, str], sig: tuple[Any, ...], arn: str) -> None:
        self.key = key
        self.sig = sig
        self.arn = arn  # the function's unqualified ARN
        self.idle: list[Container] = []


class _Plan:
    """An invocation decided on (function, container, request id) but not yet run."""

    __slots__ = ("client_context", "cold", "container", "deadline_s", "invoked_arn", "request_id")

    def __init__(
        self,
        container: Container,
        cold: bool,
        request_id: str,
        invoked_arn: str,
        deadline_s: float | None,
        client_context: Any,
    ) -> None:
        self.container = container
        self.cold = cold
        self.request_id = request_id
        self.invoked_arn = invoked_arn
        self.deadline_s = deadline_s
        self.client_context = client_context


def parse_event(event: Any) -> Any:
    """The event a handler receives: JSON text or bytes are parsed, objects passed as they are."""
    if isinstance(event, (bytes, bytearray, memoryview, str)):
        text = bytes(event) if not isinstance(event, str) else event
        if not text:
            return {}
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(
                f"Could not parse request body into json: Could not parse payload into json: {exc}"
            ) from None
    return event


def check_runtime(fn: Any) -> None:
    """Raise :class:`UnsupportedRuntime` unless ``fn`` is a Python zip function."""
    if getattr(fn, "package_type", "Zip") == "Image":
        raise UnsupportedRuntime(
            f"Function {fn.function_name!r} is a container image (PackageType=Image). apigw-lab "
            "does not run container images on the moto target. Deploy it as a .zip package "
            "with a python3.x runtime, or use the aws target (APIGW_LAB_TARGET=aws)."
        )
    run_time = fn.run_time or ""
    if not run_time.startswith("python3"):
        raise UnsupportedRuntime(
            f"Function {fn.function_name!r} uses runtime {run_time or None!r}. On the moto "
            "target apigw-lab runs Lambda functions in-process, and only Python ones. Create "
            "it with a python3.x runtime (e.g. Runtime='python3.12'), or use the aws target "
            "(APIGW_LAB_TARGET=aws) to run other runtimes."
        )


_moto: dict[str, Any] = {}


def _lambda_backend(account_id: str, region: str) -> Any:
    """moto's Lambda backend, as ``moto.awslambda.utils.get_backend`` picks it, but faster.

    ``get_backend`` takes a lock and scans a list on every call (2.5 µs); plain dict reads
    find an existing backend in 0.1 µs. moto's reset empties these dicts, so nothing stale
    is ever returned.
    """
    if not _moto:
        import moto.core.models
        from moto.awslambda.models import lambda_backends
        from moto.awslambda_simple.models import lambda_simple_backends

        _moto.update(core=moto.core.models, docker=lambda_backends, simple=lambda_simple_backends)
    config = _moto["core"].default_user_config.get("lambda")
    simple = config is not None and config.get("use_docker", True) is False
    backends = _moto["simple"] if simple else _moto["docker"]
    account = dict.get(backends, account_id)
    if account is not None:
        backend = dict.get(account, region)
        if backend is not None:
            return backend
    return backends[account_id][region]


def _iso(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ms / 1000)) + f".{ts_ms % 1000:03d}Z"


def _error_lines(error: dict[str, Any]) -> str:
    """The ``[ERROR]`` event Lambda's runtime logs for an error payload (one event)."""
    head = "[ERROR]"
    if error["errorType"]:
        head += " " + error["errorType"]
    if error["errorMessage"]:
        head += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        for line in element.splitlines() or [""]:
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines)


class LambdaRuntime:
    """Runs the Python functions stored in moto, in-process (see the package docstring)."""

    def __init__(self, clock: LabClock, ids: IdSource) -> None:
        self.clock = clock
        self.ids = ids
        #: Set to False to keep function logs out of CloudWatch Logs (long benchmarks).
        self.write_logs = True
        self._now = clock.now
        self._logs = LogWriter()
        self._pools: dict[tuple[str, str, str, str], _Pool] = {}
        self._async: set[threading.Thread] = set()
        self._async_lock = threading.Lock()
        #: weighted aliases (RoutingConfig): a seeded draw picks the version per invocation
        self._alias_split = random.Random(f"alias-routing:{getattr(ids, 'seed', 0)}")
        environ.install()
        capture.install()
        timeouts.install()
        install_finder()

    # -- public API ----------------------------------------------------------------------
    def invoke(
        self,
        function: str,
        event: Any,
        *,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        qualifier: str | None = None,
        deadline_s: float | None = None,
        log_type: str | None = None,
        resolved: Any = None,
    ) -> InvocationResult:
        """Invoke ``function`` (name, ARN or partial ARN) synchronously, inline.

        ``event`` is a JSON-able object, passed to the handler as is (not copied), or JSON
        text/bytes, which are parsed (``ValueError`` if they are not JSON). Raises
        :class:`FunctionNotFound` and :class:`UnsupportedRuntime`.

        ``deadline_s`` is the caller's own time-out. If it runs out before the function's
        ``Timeout``, the handler is interrupted and the result has ``caller_deadline_hit``
        set. (On AWS the function would go on running after the caller gave up; here it is
        stopped, and its execution environment discarded.)

        ``resolved``: the unqualified ``LambdaFunction`` moto holds for ``function``, where
        the caller has looked it up already (API Gateway's integrations do, to check its
        permission): it is invoked without a second lookup.
        """
        if resolved is None or qualifier is not None:
            fn, qualifier = self._lookup(function, account_id, region, qualifier)
        else:
            fn = resolved
        event = parse_event(event)
        plan = self._plan(fn, qualifier, deadline_s)
        return self._execute(plan, event, log_type)

    def reset(self) -> None:
        """Forget every warm container (their next invocation is a cold start).

        Waits (up to 5 s) for ``Event`` invocations still running, then writes the buffered
        logs; lines that belong to a moto state reset in the meantime are dropped, so calling
        this after a moto reset does not bring back the old state's log groups.
        """
        self.wait_for_async_invocations(timeout=5.0)
        self._pools = {}
        self._alias_split.seed(f"alias-routing:{getattr(self.ids, 'seed', 0)}")
        self.flush_logs()

    def flush_logs(self) -> None:
        """Write the buffered function logs into moto's CloudWatch Logs."""
        self._logs.flush()

    def wait_for_async_invocations(self, timeout: float | None = None) -> None:
        """Wait until the ``InvocationType=Event`` invocations still running have finished."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            with self._async_lock:
                threads = list(self._async)
            if not threads:
                return
            for thread in threads:
                remaining = None if deadline is None else max(0.0, deadline - time.perf_counter())
                thread.join(remaining)
                if deadline is not None and time.perf_counter() >= deadline:
                    return

    # -- used by the moto patch ----------------------------------------------------------
    def invoke_function(
        self,
        fn: Any,
        event: Any,
        *,
        qualifier: str | None = None,
        log_type: str | None = None,
        client_context: Any = None,
    ) -> InvocationResult:
        """Invoke a function moto already resolved (a ``LambdaFunction``) with a parsed event."""
        plan = self._plan(fn, qualifier, None, client_context)
        return self._execute(plan, event, log_type)

    def invoke_function_async(self, fn: Any, event: Any, *, qualifier: str | None = None) -> str:
        """``InvocationType=Event``: run the function (parsed event) in a short-lived thread.

        Returns the request id.

        The request id and the execution environment are chosen here, in the caller's thread,
        so ids stay reproducible; only the handler runs in the background.
        """
        plan = self._plan(fn, qualifier, None)

        def run() -> None:
            try:
                self._execute(plan, event, None)
            finally:
                with self._async_lock:
                    self._async.discard(thread)

        thread = threading.Thread(target=run, name=f"lambda-event-{plan.request_id}", daemon=True)
        with self._async_lock:
            self._async.add(thread)
        thread.start()
        return plan.request_id

    # -- internals -----------------------------------------------------------------------
    def _lookup(
        self, function: str, account_id: str, region: str, qualifier: str | None
    ) -> tuple[Any, str | None]:
        name = function
        if ":" in function:
            match = _FUNCTION_ID.match(function)
            if match is None:
                raise FunctionNotFound(f"Function not found: {function}")
            name = match["name"]
            account_id = match["account"] or account_id
            region = match["region"] or region
            if match["qualifier"]:
                if qualifier is not None and qualifier != match["qualifier"]:
                    raise ValueError(
                        "The derived qualifier from the function name does not match the "
                        "specified qualifier."
                    )
                qualifier = match["qualifier"]
        from moto.awslambda.exceptions import LambdaClientError

        try:
            backend = _lambda_backend(account_id, region)
            fn = backend.get_function(name, self._weighted_version(backend, name, qualifier))
        except (LambdaClientError, KeyError, ValueError):
            fn = None
        if fn is None:
            arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
            raise FunctionNotFound(
                f"Function not found: {arn}{':' + qualifier if qualifier else ''}"
            )
        return fn, qualifier

    def _weighted_version(self, backend: Any, name: str, qualifier: str | None) -> str | None:
        """An alias with ``RoutingConfig.AdditionalVersionWeights`` sends that share of its
        invocations to the other version(s) (Lambda's own traffic shifting) [doc] Lambda DG
        "configuring-alias-routing"; the draw is seeded. Other qualifiers pass through."""
        if not qualifier or qualifier == "$LATEST" or qualifier.isdigit():
            return qualifier
        from moto.awslambda.exceptions import LambdaClientError

        try:
            alias = backend.get_alias(qualifier, name)
        except (LambdaClientError, KeyError, ValueError):
            return qualifier
        weights = ((alias.routing_config or {}).get("AdditionalVersionWeights")) or {}
        if not weights:
            return qualifier
        draw = self._alias_split.random()
        for version, weight in weights.items():
            draw -= float(weight)
            if draw < 0:
                return str(version)
        return str(alias.function_version)

    def _plan(
        self, fn: Any, qualifier: str | None, deadline_s: float | None, client_context: Any = None
    ) -> _Plan:
        version = str(fn.version)
        key = (fn.account_id, fn.region, fn.function_name, version)
        sig = (
            fn,
            fn.code_sha_256,
            fn.handler,
            fn.run_time,
            fn.memory_size,
            fn.timeout,
            fn.environment_vars,
            fn.last_modified,
        )
        pools = self._pools
        pool = pools.get(key)
        if pool is None or pool.sig != sig:
            # a new configuration: checked once, here (the sig holds the runtime; a
            # function's package type never changes)
            check_runtime(fn)
            arn = (
                f"arn:{fn.partition}:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"
            )
            pool = pools[key] = _Pool(key, sig, arn)
        cold = False
        try:
            container = pool.idle.pop()
        except IndexError:
            container = self._new_container(fn, version, pool)
            cold = True
        request_id = self.ids.uuid4()
        arn = f"{pool.arn}:{qualifier}" if qualifier else pool.arn
        return _Plan(container, cold, request_id, arn, deadline_s, client_context)

    def _new_container(self, fn: Any, version: str, pool: _Pool) -> Container:
        group = f"/aws/lambda/{fn.function_name}"
        date = time.strftime("%Y/%m/%d", time.gmtime(self._now()))
        stream_name = f"{date}/[{version}]{self.ids.hex(32)}"
        env = {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}
        env.update(
            {
                "AWS_REGION": fn.region,
                "AWS_DEFAULT_REGION": fn.region,
                "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": group,
                "AWS_LAMBDA_LOG_STREAM_NAME": stream_name,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
                "_HANDLER": fn.handler or "",
                "LAMBDA_TASK_ROOT": "/var/task",
                "LAMBDA_RUNTIME_DIR": "/var/runtime",
                "TZ": ":UTC",
            }
        )
        code = getattr(fn, "code_bytes", b"") or b""
        digest = getattr(fn, "code_digest", None) or hashlib.sha256(code).hexdigest()
        return Container(
            pool=pool,
            function_name=fn.function_name,
            version=version,
            handler=fn.handler,
            run_time=fn.run_time,
            memory_size=fn.memory_size,
            timeout=float(fn.timeout),
            code=code,
            code_digest=digest,
            env=env,
            stream=LogStreamRef(fn.account_id, fn.region, group, stream_name),
        )

    def _execute(self, plan: _Plan, event: Any, log_type: str | None) -> InvocationResult:
        container = plan.container
        request_id = plan.request_id
        log = InvocationLog(self._now)
        start_ms = log.timestamp()
        start = time.perf_counter()
        fn_deadline = start + container.timeout
        deadline = fn_deadline
        caller_first = False
        if plan.deadline_s is not None and start + plan.deadline_s < fn_deadline:
            deadline = start + plan.deadline_s
            caller_first = True
        parent = local.inv
        inv = ActiveInvocation(
            request_id, container.env, log, container, deadline, parent, self.clock.frozen
        )
        context = LambdaContext(
            container, request_id, plan.invoked_arn, fn_deadline, log, plan.client_context
        )
        marks: list[float] = []  # perf_counter when the init phase ended / the handler started
        init_events = 0

        def describe(exc: BaseException, error_request_id: str = request_id) -> dict[str, Any]:
            if isinstance(exc, SystemExit):
                return make_error(
                    f"RequestId: {request_id} Error: Runtime exited with error: "
                    f"exit status {exc.code if exc.code is not None else 0}",
                    "Runtime.ExitError",
                    None,
                    request_id,
                )
            return exception_payload(exc, container.code_dir, error_request_id, container.run_time)

        def body(outcome: list[Any]) -> None:
            nonlocal init_events, start_ms
            if container.handler is None:
                try:
                    container.init()
                except RuntimeFault as fault:
                    outcome.append(("init_fault", fault))
                    return
                except (InvocationTimeout, KeyboardInterrupt):
                    raise
                except BaseException as exc:  # the module raised while being imported
                    outcome.append(("init_error", describe(exc, "")))
                    return
                finally:
                    log.close_partial()
                    init_events = len(log.events)
                    start_ms = log.timestamp()
                    marks.append(time.perf_counter())
            else:
                marks.append(time.perf_counter())
            try:
                payload = marshal(container.handler(event, context), container.run_time)  # type: ignore[misc]
            except RuntimeFault as fault:
                outcome.append(("fault", fault))
            except (InvocationTimeout, KeyboardInterrupt):
                raise
            except BaseException as exc:
                outcome.append(("exit" if isinstance(exc, SystemExit) else "error", describe(exc)))
            else:
                outcome.append(("ok", payload))

        capture.ensure_streams()
        watchdog.register(inv)
        local.inv = inv
        try:
            outcome = run_guarded(inv, body)
            if inv.imported_lazily:
                container.adopt_modules()
        finally:
            local.inv = parent
        end = time.perf_counter()
        return self._finish(
            plan,
            log,
            outcome,
            start,
            start_ms,
            marks,
            end,
            init_events,
            caller_first,
            log_type,
            inv.shift_s,
        )

    def _finish(
        self,
        plan: _Plan,
        log: InvocationLog,
        outcome: list[Any],
        start: float,
        start_ms: int,
        marks: list[float],
        end: float,
        init_events: int,
        caller_first: bool,
        log_type: str | None,
        virtual_s: float = 0.0,
    ) -> InvocationResult:
        container = plan.container
        request_id = plan.request_id
        handler_start = marks[0] if marks else start
        init_ms = (handler_start - start) * 1000 if plan.cold else None
        keep = True
        function_error: str | None = "Unhandled"
        caller_deadline_hit = False
        status = ""
        error_event: str | None = None
        kind, value = outcome[0] if outcome else ("timeout", None)
        if kind == "ok":
            payload, function_error = value, None
        elif kind == "timeout":
            keep = False
            if caller_first:
                payload, function_error, caller_deadline_hit = b"", None, True
                error_event = (
                    "[apigw-lab] the caller's deadline ran out first: the invocation was "
                    "interrupted here (on AWS the function would have run on)\n"
                )
            else:
                payload = timeout_payload(request_id, container.timeout)
                error_event = (
                    f"{_iso(log.timestamp())} {request_id} Task timed out after "
                    f"{container.timeout:.2f} seconds\n"
                )
                status = "Status: timeout\t"
        else:
            if kind in ("init_fault", "fault"):
                error = make_error(
                    value.message,
                    value.error_type,
                    value.trace,
                    "" if kind == "init_fault" else request_id,
                )
            else:  # "error", "exit", "init_error": described while still under the deadline
                error = value
            keep = kind in ("fault", "error")
            payload = dumps(error)
            error_event = _error_lines(error)
            if kind.startswith("init"):
                status = f"Status: error\tError Type: {error['errorType']}\t"

        log.close_partial()
        now_ms = log.timestamp()
        captured = log.events
        if error_event is not None:
            if kind.startswith("init"):  # logged during the init phase, before START
                # stamped when the init phase ended, so it sorts before START even when
                # the clock moved on while the error was described
                captured.insert(init_events, (start_ms, error_event))
                init_events += 1
            else:
                captured.append((now_ms, error_event))
        record = None
        if self.write_logs or log_type == "Tail":  # else nobody reads this invocation's log
            record = InvocationRecord(
                request_id,
                container.version,
                container.memory_size,
                start_ms,
                now_ms,
                (end - handler_start + virtual_s) * 1000,
                init_ms,
                status,
                captured,
                init_events,
            )
            if self.write_logs:
                self._logs.submit(container.stream, record)

        pool = container.pool
        if keep and container.handler is not None and self._pools.get(pool.key) is pool:
            pool.idle.append(container)
        return InvocationResult(
            payload=payload,
            function_error=function_error,
            request_id=request_id,
            duration_ms=(end - start + virtual_s) * 1000,
            log_tail=tail(record.events()) if record is not None and log_type == "Tail" else "",
            caller_deadline_hit=caller_deadline_hit,
            executed_version=container.version,
            init_duration_ms=init_ms,
            virtual_ms=virtual_s * 1000,
        )
