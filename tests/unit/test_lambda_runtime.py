"""The in-process Lambda runtime (helpers.lambda_runtime), against functions stored in moto."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from helpers.clock import LabClock
from helpers.ids import IdSource
from helpers.lambda_runtime import (
    FunctionNotFound,
    InvocationResult,
    LambdaRuntime,
    UnsupportedRuntime,
    install_moto_invoke_patch,
)
from helpers.packaging import zip_function

REGION = "us-east-1"
ACCOUNT = "123456789012"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

COUNTER = """
import os

CALLS = 0
LOADED_WITH = os.environ.get("GREETING")


def handler(event, context):
    global CALLS
    CALLS += 1
    return {"calls": CALLS, "loaded_with": LOADED_WITH, "greeting": os.environ.get("GREETING")}
"""


_sessions: list[boto3.session.Session] = []


def _session() -> boto3.session.Session:
    """One boto3 session for the module: a new one per test would reload the service models."""
    if not _sessions:
        _sessions.append(boto3.session.Session(region_name=REGION))
    return _sessions[0]


class Aws:
    """boto3 clients under ``mock_aws`` plus a runtime, and a one-call function factory."""

    def __init__(self) -> None:
        self.lam = _session().client("lambda")
        self.logs = _session().client("logs")
        iam = _session().client("iam")
        self.role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"][
            "Arn"
        ]
        self.clock = LabClock()
        self.runtime = LambdaRuntime(self.clock, IdSource(7))

    def function(
        self,
        name: str,
        source: str = COUNTER,
        *,
        handler: str = "app.handler",
        files: dict[str, str] | None = None,
        runtime: str = "python3.12",
        timeout: int = 3,
        memory: int = 128,
        env: dict[str, str] | None = None,
        code: bytes | None = None,
    ) -> str:
        if code is None:
            code = zip_function(source, handler_name="handler", extra_files=files)
        return self.lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=self.role,
            Handler=handler,
            Code={"ZipFile": code},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": env or {}},
        )["FunctionArn"]

    def invoke(self, name: str, event: Any = None, **kwargs: Any) -> InvocationResult:
        return self.runtime.invoke(name, {} if event is None else event, **kwargs)

    def log_messages(self, name: str) -> list[str]:
        self.runtime.flush_logs()
        events = self.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [e["message"] for e in events]


def body(result: InvocationResult) -> Any:
    return json.loads(result.payload)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    from moto import mock_aws
    from moto.moto_api._internal.models import moto_api_backend

    from helpers.lambda_runtime import moto_patch

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    saved_runtime = moto_patch._state["runtime"]
    with mock_aws():
        moto_api_backend.reset()
        kit = Aws()
        try:
            yield kit
        finally:
            kit.runtime.wait_for_async_invocations(5)
            kit.clock.unfreeze()
            if saved_runtime is not None:
                install_moto_invoke_patch(saved_runtime)
            moto_api_backend.reset()


# ------------------------------------------------------------------------ handlers, imports


PKG_FILES = {
    "pkg/__init__.py": "",
    "pkg/mod.py": (
        "import helper\n"
        "from . import util\n\n"
        "def handler(event, context):\n"
        "    return {'helper': helper.NAME, 'util': util.NAME, 'module': __name__}\n"
    ),
    "pkg/util.py": "NAME = 'util'\n",
    "helper.py": "NAME = 'top-level helper'\n",
}


@pytest.mark.parametrize("handler", ["pkg/mod.handler", "pkg.mod.handler"])
def test_handler_in_a_package_with_sibling_modules(aws: Aws, handler: str) -> None:
    aws.function(
        "pkgfn", "def handler(e, c):\n    return 'app'\n", handler=handler, files=PKG_FILES
    )
    result = aws.invoke("pkgfn")
    assert result.function_error is None
    assert body(result) == {"helper": "top-level helper", "util": "util", "module": "pkg.mod"}
    assert "helper" not in sys.modules and "pkg" not in sys.modules  # nothing left behind


def test_same_named_helper_modules_do_not_collide(aws: Aws) -> None:
    source = "import helper\n\ndef handler(e, c):\n    return helper.NAME\n"
    aws.function("one", source, files={"helper.py": "NAME = 'one'\n"})
    aws.function("two", source, files={"helper.py": "NAME = 'two'\n"})
    assert [body(aws.invoke(n)) for n in ("one", "two", "one", "two")] == ["one", "two"] * 2


def test_late_import_of_a_sibling_module(aws: Aws) -> None:
    source = "def handler(e, c):\n    import late\n    late.N += 1\n    return late.N\n"
    aws.function("late", source, files={"late.py": "N = 0\n"})
    assert [body(aws.invoke("late")) for _ in range(3)] == [1, 2, 3]  # one module, kept warm
    assert "late" not in sys.modules


def test_handler_module_never_comes_from_outside_the_package(
    aws: Aws, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stray.py").write_text("def handler(e, c):\n    return 'wrong file'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    aws.function("stray", handler="stray.handler")
    error = body(aws.invoke("stray"))
    assert error["errorType"] == "Runtime.ImportModuleError"


def test_a_notebook_module_of_the_same_name_does_not_stand_in(aws: Aws) -> None:
    import types

    notebook_app = types.ModuleType("app")
    notebook_app.handler = lambda e, c: "the notebook's app"  # type: ignore[attr-defined]
    sys.modules["app"] = notebook_app
    try:
        aws.function("real", "def handler(e, c):\n    return 'the function\\'s app'\n")
        assert body(aws.invoke("real")) == "the function's app"
        assert sys.modules["app"] is notebook_app  # put back
    finally:
        del sys.modules["app"]


@pytest.mark.parametrize(
    ("source", "handler", "error_type", "message"),
    [
        (COUNTER, "nope.handler", "Runtime.ImportModuleError",
         "Unable to import module 'nope': No module named 'nope'"),
        (COUNTER, "app.missing", "Runtime.HandlerNotFound",
         "Handler 'missing' missing on module 'app'"),
        ("import not_installed_anywhere\n\ndef handler(e, c):\n    pass\n", "app.handler",
         "Runtime.ImportModuleError",
         "Unable to import module 'app': No module named 'not_installed_anywhere'"),
        (COUNTER, "app", "Runtime.MalformedHandlerName",
         "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
        ("def handler(e, c)\n    pass\n", "app.handler", "Runtime.UserCodeSyntaxError",
         "Syntax error in module 'app': expected ':' (app.py, line 1)"),
    ],
)  # fmt: skip
def test_init_errors(aws: Aws, source: str, handler: str, error_type: str, message: str) -> None:
    aws.function("broken", source, handler=handler)
    result = aws.invoke("broken")
    assert result.function_error == "Unhandled"
    error = body(result)
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorType"] == error_type
    assert error["errorMessage"] == message
    assert error["requestId"] == ""  # init errors are reported before any request
    if error_type == "Runtime.UserCodeSyntaxError":
        assert error["stackTrace"][0].startswith('  File "/var/task/app.py" Line 1\n')
    else:
        assert error["stackTrace"] == []
    # Not a warm container: the next invocation tries the init again, as Lambda does.
    assert body(aws.invoke("broken"))["errorType"] == error_type


def test_exception_while_importing_the_module(aws: Aws) -> None:
    aws.function("initboom", "raise RuntimeError('no config')\n\ndef handler(e, c):\n    pass\n")
    error = body(aws.invoke("initboom"))
    assert (error["errorType"], error["errorMessage"]) == ("RuntimeError", "no config")
    assert error["stackTrace"][-1] == (
        "  File \"/var/task/app.py\", line 1, in <module>\n    raise RuntimeError('no config')\n"
    )
    messages = aws.log_messages("initboom")  # the init phase logs its error before START
    assert messages[0].startswith("[ERROR] RuntimeError: no config\nTraceback (most recent call")
    assert messages[1].startswith("START RequestId: ")
    assert messages[3].endswith("\tStatus: error\tError Type: RuntimeError\t\n")


# ------------------------------------------------------------------------ environment


ENV_SOURCE = """
import os

AT_IMPORT = os.environ["GREETING"]
NAMES = [
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_EXECUTION_ENV", "_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
]


def handler(event, context):
    os.environ["SET_BY_HANDLER"] = "yes"
    return {
        "at_import": AT_IMPORT,
        "item": os.environ["GREETING"],
        "get": os.environ.get("GREETING"),
        "getenv": os.getenv("GREETING"),
        "in": "GREETING" in os.environ,
        "copy": os.environ.copy().get("GREETING"),
        "lambda": {name: os.environ[name] for name in NAMES},
        "credentials": os.environ.get("AWS_ACCESS_KEY_ID"),
        "stream": context.log_stream_name,
    }
"""


def test_environment_variables_inside_and_not_outside(aws: Aws) -> None:
    aws.function("envfn", ENV_SOURCE, env={"GREETING": "hola"}, memory=256)
    seen = body(aws.invoke("envfn"))
    assert seen["at_import"] == seen["item"] == seen["get"] == seen["getenv"] == "hola"
    assert seen["in"] is True and seen["copy"] == "hola"
    assert seen["lambda"] == {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": "envfn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/envfn",
        "AWS_LAMBDA_LOG_STREAM_NAME": seen["stream"],
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TZ": ":UTC",
    }
    assert seen["credentials"] == os.environ["AWS_ACCESS_KEY_ID"]  # the process's, for moto
    # Nothing leaked into the notebook's environment.
    for name in ("GREETING", "SET_BY_HANDLER", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER"):
        assert name not in os.environ
        assert os.getenv(name) is None
    assert "LAMBDA_TASK_ROOT" not in dict(os.environ)


def test_concurrent_invocations_see_their_own_environment(aws: Aws) -> None:
    source = (
        "import os, time\n\n"
        "def handler(event, context):\n"
        "    first = os.environ['WHO']\n"
        "    time.sleep(0.002)\n"
        "    return [first, os.getenv('WHO'), os.environ['AWS_LAMBDA_FUNCTION_NAME']]\n"
    )
    names = [f"who{i}" for i in range(6)]
    for name in names:
        aws.function(name, source, env={"WHO": name})
    wrong: list[Any] = []
    start = threading.Barrier(len(names))

    def worker(name: str) -> None:
        start.wait()
        for _ in range(15):
            seen = body(aws.invoke(name))
            if seen != [name, name, name]:
                wrong.append((name, seen))

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    assert "WHO" not in os.environ


# ------------------------------------------------------------------------ warm containers


def test_module_state_survives_between_invocations(aws: Aws) -> None:
    aws.function("warm")
    first = aws.invoke("warm")
    second = aws.invoke("warm")
    assert [body(first)["calls"], body(second)["calls"]] == [1, 2]
    assert first.init_duration_ms is not None and second.init_duration_ms is None


def test_new_container_after_configuration_change(aws: Aws) -> None:
    aws.function("cfg", env={"GREETING": "one"})
    aws.invoke("cfg")
    assert body(aws.invoke("cfg"))["calls"] == 2
    aws.lam.update_function_configuration(
        FunctionName="cfg", Environment={"Variables": {"GREETING": "two"}}
    )
    after = body(aws.invoke("cfg"))
    assert after == {"calls": 1, "loaded_with": "two", "greeting": "two"}


def test_new_container_after_code_change(aws: Aws) -> None:
    aws.function("code")
    aws.invoke("code")
    aws.lam.update_function_code(
        FunctionName="code", ZipFile=zip_function("def handler(e, c):\n    return 'v2'\n")
    )
    assert body(aws.invoke("code")) == "v2"


def test_reset_forgets_warm_containers(aws: Aws) -> None:
    aws.function("resettable")
    aws.invoke("resettable")
    aws.runtime.reset()
    assert body(aws.invoke("resettable"))["calls"] == 1


def test_concurrent_invocations_get_their_own_containers(aws: Aws) -> None:
    source = (
        "import time\nBUSY = False\n\n"
        "def handler(e, c):\n"
        "    global BUSY\n"
        "    if BUSY:\n        return 'shared!'\n"
        "    BUSY = True\n    time.sleep(0.5)\n    BUSY = False\n"
        "    return c.log_stream_name\n"
    )
    aws.function("par", source)  # each call stays busy 0.5 s: the three overlap even on a
    results: list[Any] = []  # loaded machine, where a thread may start late
    threads = [
        threading.Thread(target=lambda: results.append(body(aws.invoke("par")))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "shared!" not in results
    assert len(set(results)) == 3  # three execution environments, three log streams


# ------------------------------------------------------------------------ context


def test_context_object(aws: Aws) -> None:
    source = (
        "def handler(event, context):\n"
        "    return {name: getattr(context, name) for name in (\n"
        "        'function_name', 'function_version', 'invoked_function_arn',\n"
        "        'memory_limit_in_mb', 'aws_request_id', 'log_group_name', 'log_stream_name',\n"
        "        'client_context')} | {\n"
        "        'identity': [context.identity.cognito_identity_id,\n"
        "                     context.identity.cognito_identity_pool_id],\n"
        "        'remaining': context.get_remaining_time_in_millis()}\n"
    )
    arn = aws.function("ctx", source, memory=512, timeout=10)
    result = aws.invoke("ctx")
    ctx = body(result)
    assert ctx["function_name"] == "ctx"
    assert ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == arn
    assert ctx["memory_limit_in_mb"] == "512"
    assert ctx["aws_request_id"] == result.request_id and UUID.match(result.request_id)
    assert ctx["log_group_name"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", ctx["log_stream_name"])
    assert ctx["client_context"] is None and ctx["identity"] == [None, None]
    assert 9_000 < ctx["remaining"] <= 10_000


def test_versions_qualifiers_and_arns(aws: Aws) -> None:
    source = "def handler(e, c):\n    return [c.function_version, c.invoked_function_arn]\n"
    arn = aws.function("ver", source)
    aws.lam.publish_version(FunctionName="ver")
    result = aws.invoke("ver", qualifier="1")
    assert body(result) == ["1", f"{arn}:1"]
    assert result.executed_version == "1"
    assert body(aws.invoke(f"{arn}:1")) == ["1", f"{arn}:1"]
    assert body(aws.invoke(f"{ACCOUNT}:function:ver")) == ["$LATEST", arn]  # partial ARN
    assert body(aws.invoke(arn)) == ["$LATEST", arn]


def test_function_not_found(aws: Aws) -> None:
    aws.function("exists")
    for function, kwargs in [
        ("missing", {}),
        ("exists", {"qualifier": "7"}),
        (f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:missing", {}),
        ("exists", {"region": "eu-west-1"}),
    ]:
        with pytest.raises(FunctionNotFound, match="Function not found: arn:aws:lambda:"):
            aws.invoke(function, **kwargs)


# ------------------------------------------------------------------------ results and errors


BOOM = """import json


def handler(event, context):
    helper(event)


def helper(event):
    raise ValueError("boom " + json.dumps(event))
"""


def test_exception_payload(aws: Aws) -> None:
    aws.function("boom", BOOM)
    result = aws.invoke("boom", {"a": 1})
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorMessage": 'boom {"a": 1}',
        "errorType": "ValueError",
        "requestId": result.request_id,
        "stackTrace": [
            '  File "/var/task/app.py", line 5, in handler\n    helper(event)\n',
            '  File "/var/task/app.py", line 9, in helper\n'
            '    raise ValueError("boom " + json.dumps(event))\n',
        ],
    }
    assert result.payload.startswith(b'{"errorMessage": ')  # key order and spacing as Lambda's


def test_exception_keeps_the_container_warm(aws: Aws) -> None:
    source = "N = 0\n\ndef handler(e, c):\n    global N\n    N += 1\n    raise KeyError(N)\n"
    aws.function("flaky", source)
    assert [body(aws.invoke("flaky"))["errorMessage"] for _ in range(2)] == ["1", "2"]


def test_results_that_json_cannot_encode(aws: Aws) -> None:
    aws.function("marshal", "def handler(e, c):\n    return {'tags': {'a', 'b'}}\n")
    result = aws.invoke("marshal")
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": result.request_id,
        "stackTrace": [],
    }


def test_decimal_bytes_and_none_results(aws: Aws) -> None:
    aws.function(
        "kinds",
        "from decimal import Decimal\n\n"
        "def handler(event, context):\n"
        "    return {'dec': [Decimal('3'), Decimal('1.5')]} if event == 'd' else (\n"
        "        b'raw bytes' if event == 'b' else None)\n",
    )
    # str and bytes events are JSON text, as lambda.invoke's Payload
    assert aws.invoke("kinds", '"d"').payload == b'{"dec": [3, 1.5]}'
    assert aws.invoke("kinds", b'"b"').payload == b"raw bytes"
    assert aws.invoke("kinds", ["not d"]).payload == b"null"
    with pytest.raises(ValueError, match="Could not parse request body into json"):
        aws.invoke("kinds", "d")


def test_event_object_is_passed_as_is(aws: Aws) -> None:
    aws.function("mutate", "def handler(event, c):\n    event['seen'] = True\n")
    event: dict[str, Any] = {}
    aws.invoke("mutate", event)
    assert event == {"seen": True}  # no JSON round trip on the gateway's path


def test_unsupported_runtimes(aws: Aws) -> None:
    aws.function("node", runtime="nodejs20.x", handler="index.handler")
    with pytest.raises(UnsupportedRuntime) as info:
        aws.invoke("node")
    message = str(info.value)
    assert "'nodejs20.x'" in message and "python3.x" in message and "aws target" in message
    aws.lam.create_function(
        FunctionName="image",
        Role=aws.role,
        PackageType="Image",
        Code={"ImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:latest"},
    )
    with pytest.raises(UnsupportedRuntime, match="container image"):
        aws.invoke("image")


# ------------------------------------------------------------------------ time-outs


def test_sleep_past_the_timeout(aws: Aws) -> None:
    source = (
        "import time\nN = 0\n\n"
        "def handler(event, context):\n"
        "    global N\n    N += 1\n"
        "    if event.get('sleep'):\n"
        "        try:\n            time.sleep(5)\n"
        "        except Exception:\n            return 'swallowed'\n"
        "    return N\n"
    )
    aws.function("sleepy", source, timeout=1)
    assert body(aws.invoke("sleepy")) == 1
    started = time.perf_counter()
    result = aws.invoke("sleepy", {"sleep": True}, log_type="Tail")
    elapsed = time.perf_counter() - started
    assert 0.95 < elapsed < 3  # cut at 1 s, not after 5 s (margin for a loaded machine)
    assert result.function_error == "Unhandled" and not result.caller_deadline_hit
    assert result.payload == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        + result.request_id.encode()
        + b' Error: Task timed out after 1.00 seconds"}'
    )
    assert f"{result.request_id} Task timed out after 1.00 seconds\n" in result.log_tail
    assert "Status: timeout" in result.log_tail
    assert body(aws.invoke("sleepy")) == 1  # the timed-out container was discarded


def test_busy_loop_past_the_timeout(aws: Aws) -> None:
    source = (
        "def handler(event, context):\n"
        "    n = 0\n"
        "    while True:\n"
        "        try:\n            n += 1\n"
        "        except Exception:\n            pass\n"
    )
    aws.function("spin", source, timeout=1)
    started = time.perf_counter()
    result = aws.invoke("spin")
    assert 0.95 < time.perf_counter() - started < 3  # cut at 1 s (margin for a loaded machine)
    assert body(result)["errorType"] == "Sandbox.Timedout"


@pytest.mark.parametrize("kind", ["sleep", "spin"])
def test_caller_deadline_before_the_function_timeout(aws: Aws, kind: str) -> None:
    work = "time.sleep(5)" if kind == "sleep" else "while True:\n        pass"
    aws.function(f"slow-{kind}", f"import time\n\ndef handler(e, c):\n    {work}\n", timeout=10)
    started = time.perf_counter()
    result = aws.invoke(f"slow-{kind}", deadline_s=0.2)
    assert time.perf_counter() - started < 2.5  # cut at 0.2 s, not after 5 s or never
    assert result.caller_deadline_hit and result.payload == b"" and result.function_error is None


def test_sleep_outside_invocations_is_the_real_sleep(aws: Aws) -> None:
    started = time.perf_counter()
    time.sleep(0.01)
    assert time.perf_counter() - started >= 0.01


# ------------------------------------------------------------------------ logs


LOGGING_SOURCE = """
import logging
import sys

print("cold start")
logger = logging.getLogger()
logging.basicConfig(level=logging.DEBUG)  # a no-op on Lambda: the root logger has a handler


def handler(event, context):
    print("hello", "world")
    print("to stderr", file=sys.stderr)
    logger.info("not shown: the root logger is at WARNING")
    logger.warning("careful %s", 42)
    logging.getLogger("app.child").error("from a child logger")
    return "ok"
"""


def test_logs_go_to_cloudwatch_logs(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.clock.freeze("2025-03-01T12:00:00Z")
    aws.function("logger", LOGGING_SOURCE)
    first = aws.invoke("logger")
    aws.invoke("logger")
    # Group and stream exist from the cold start on; the events wait for a flush (which the
    # lab runs before every CloudWatch Logs read; log_messages() below does it here).
    streams = aws.logs.describe_log_streams(logGroupName="/aws/lambda/logger")["logStreams"]
    assert len(streams) == 1
    assert re.fullmatch(r"2025/03/01/\[\$LATEST\][0-9a-f]{32}", streams[0]["logStreamName"])
    messages = aws.log_messages("logger")
    rid = first.request_id
    assert messages[:8] == [
        "cold start\n",
        f"START RequestId: {rid} Version: $LATEST\n",
        "hello world\n",
        "to stderr\n",
        f"[WARNING]\t2025-03-01T12:00:00.000Z\t{rid}\tcareful 42\n",
        f"[ERROR]\t2025-03-01T12:00:00.000Z\t{rid}\tfrom a child logger\n",
        f"END RequestId: {rid}\n",
        messages[7],
    ]
    assert re.fullmatch(
        rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: 128 MB\tInit Duration: \d+\.\d\d ms\t\n",
        messages[7],
    )
    assert len(messages) == 8 + 7  # the warm invocation: no init line, no Init Duration
    assert "Init Duration" not in messages[-1]
    events = aws.logs.filter_log_events(logGroupName="/aws/lambda/logger")["events"]
    assert {e["timestamp"] for e in events} == {1740830400000}  # the lab clock's time
    assert capsys.readouterr() == ("", "")  # nothing reached the notebook's streams
    assert logging.getLogger().level == logging.WARNING


def test_prints_outside_invocations_reach_the_current_stdout(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.function("quiet", "def handler(e, c):\n    print('inside')\n")
    aws.invoke("quiet")
    print("outside")
    assert capsys.readouterr().out == "outside\n"


def test_errors_are_logged_as_lambda_logs_them(aws: Aws) -> None:
    # a generous time-out: on a loaded machine the first import can take seconds, and this
    # test is about the error's log lines, not the time-out
    aws.function("boom", BOOM, timeout=30)
    result = aws.invoke("boom", {}, log_type="Tail")
    nbsp = "\u00a0"
    error_event = (
        "[ERROR] ValueError: boom {}\n"
        "Traceback (most recent call last):\n"
        f'{nbsp * 2}File "/var/task/app.py", line 5, in handler\n'
        f"{nbsp * 4}helper(event)\n"
        f'{nbsp * 2}File "/var/task/app.py", line 9, in helper\n'
        f'{nbsp * 4}raise ValueError("boom " + json.dumps(event))'
    )
    assert error_event in aws.log_messages("boom")
    assert error_event in result.log_tail


def test_log_tail_is_the_last_4kb(aws: Aws) -> None:
    aws.function("chatty", "def handler(e, c):\n    for i in range(2000):\n        print(i)\n")
    tail = aws.invoke("chatty", log_type="Tail").log_tail
    assert len(tail.encode()) == 4096 and tail.rstrip("\t\n").split("\n")[-1].startswith("REPORT")
    assert aws.invoke("chatty").log_tail == ""  # only asked for with LogType=Tail


def test_logs_after_a_moto_reset_are_dropped(aws: Aws) -> None:
    from moto.moto_api._internal.models import moto_api_backend

    aws.function("gone")
    aws.invoke("gone")
    moto_api_backend.reset()
    aws.runtime.reset()  # flushes: the old state's lines must not resurrect the log group
    assert aws.logs.describe_log_groups()["logGroups"] == []


# ------------------------------------------------------------------------ boto3 through moto


def test_boto3_invoke_request_response_and_tail(aws: Aws) -> None:
    install_moto_invoke_patch(aws.runtime)
    aws.function(
        "greet", "def handler(event, context):\n    print('hi', event)\n    return event\n"
    )
    response = aws.lam.invoke(FunctionName="greet", Payload=b'{"x": 1}', LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["Payload"].read() == b'{"x": 1}'
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    log = base64.b64decode(response["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "\nhi {'x': 1}\nEND RequestId: " in log
    plain = aws.lam.invoke(FunctionName="greet", Payload=b'"just a string"')
    assert "LogResult" not in plain
    assert plain["Payload"].read() == b'"just a string"'
    assert aws.lam.invoke(FunctionName="greet")["Payload"].read() == b"{}"  # no payload: {}
    with pytest.raises(aws.lam.exceptions.InvalidRequestContentException):
        aws.lam.invoke(FunctionName="greet", Payload=b"{not json")


def test_boto3_invoke_function_error(aws: Aws) -> None:
    install_moto_invoke_patch(aws.runtime)
    aws.function("boom", BOOM)
    response = aws.lam.invoke(FunctionName="boom", Payload=b"{}")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValueError"


def test_boto3_invoke_event_and_dry_run(aws: Aws) -> None:
    install_moto_invoke_patch(aws.runtime)
    aws.function("later", "def handler(event, context):\n    print('ran with', event)\n")
    dry = aws.lam.invoke(FunctionName="later", InvocationType="DryRun", Payload=b"{}")
    assert dry["StatusCode"] == 204
    event = aws.lam.invoke(FunctionName="later", InvocationType="Event", Payload=b'{"n": 5}')
    assert event["StatusCode"] == 202 and event["Payload"].read() == b""
    aws.runtime.wait_for_async_invocations(5)
    messages = aws.log_messages("later")
    assert "ran with {'n': 5}\n" in messages
    assert sum(m.startswith("START") for m in messages) == 1  # the dry run did not run it


def test_boto3_invoke_of_an_unsupported_runtime_raises(aws: Aws) -> None:
    install_moto_invoke_patch(aws.runtime)
    aws.function("node", runtime="nodejs20.x", handler="index.handler")
    with pytest.raises(UnsupportedRuntime):
        aws.lam.invoke(FunctionName="node", Payload=b"{}")


def test_a_handler_invoking_another_function(aws: Aws) -> None:
    install_moto_invoke_patch(aws.runtime)
    aws.function("inner", "import os\n\ndef handler(e, c):\n    return os.environ['WHO']\n",
                 env={"WHO": "inner"})  # fmt: skip
    aws.function(
        "outer",
        "import json, os, boto3\n\n"
        "def handler(e, c):\n"
        "    got = boto3.client('lambda').invoke(FunctionName='inner')['Payload'].read()\n"
        "    return [json.loads(got), os.environ['WHO']]\n",
        env={"WHO": "outer"},
    )
    assert body(aws.invoke("outer")) == ["inner", "outer"]


# ------------------------------------------------------------------------ speed


def test_invoke_overhead(aws: Aws) -> None:
    """Not asserted: prints the per-invocation cost of a trivial handler (run with -s)."""
    import gc

    arn = aws.function("fast", "def handler(e, c):\n    return {'statusCode': 200, 'body': 'ok'}\n")
    event = {"path": "/", "headers": {}}
    aws.runtime.invoke(arn, event)
    gc.collect()  # not the first full collection after all the imports, in the timing

    def per_call(n: int = 2000) -> float:
        started = time.perf_counter()
        for _ in range(n):
            aws.runtime.invoke(arn, event)
        return (time.perf_counter() - started) / n * 1e6

    with_logs = min(per_call() for _ in range(3))
    aws.runtime.write_logs = False
    without_logs = min(per_call() for _ in range(3))
    print(
        f"\nLambdaRuntime.invoke, trivial handler: {with_logs:.1f} µs per invocation "
        f"({without_logs:.1f} µs without writing its log lines into moto)"
    )


def test_stack_traces_show_lambda_paths_only(aws: Aws) -> None:
    import tempfile

    aws.function(
        "ddb",
        "import boto3\n\n"
        "def handler(event, context):\n"
        "    boto3.client('dynamodb').get_item(TableName='missing', Key={'id': {'S': '1'}})\n",
    )
    error = body(aws.invoke("ddb"))
    assert error["errorType"] == "ResourceNotFoundException"
    frames = "".join(error["stackTrace"])
    assert frames.startswith('  File "/var/task/app.py", line 4, in handler\n')
    assert '"/var/lang/lib/python3.12/site-packages/botocore/client.py"' in frames
    assert tempfile.gettempdir() not in frames and sys.prefix not in frames


def test_sys_exit_in_a_handler(aws: Aws) -> None:
    aws.function("quitter", "import sys\n\ndef handler(e, c):\n    sys.exit(3)\n")
    result = aws.invoke("quitter")
    assert body(result) == {
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
        "exit status 3",
        "errorType": "Runtime.ExitError",
        "requestId": result.request_id,
        "stackTrace": [],
    }


def test_moto_simple_lambda_backend_runs_functions_too(aws: Aws) -> None:
    from moto import mock_aws

    install_moto_invoke_patch(aws.runtime)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        from moto.awslambda.utils import get_backend

        assert type(get_backend(ACCOUNT, REGION)).__name__ == "LambdaSimpleBackend"
        aws.function("simple", "def handler(event, context):\n    return {'got': event}\n")
        response = aws.lam.invoke(FunctionName="simple", Payload=b'{"n": 1}')
        assert response["Payload"].read() == b'{"got": {"n": 1}}'  # not moto's canned text
        assert body(aws.invoke("simple", {"n": 2})) == {"got": {"n": 2}}


def test_an_invocation_leaves_no_cyclic_garbage(aws: Aws) -> None:
    """An invocation's bookkeeping (its ActiveInvocation and log) is freed when it ends,
    not left for the garbage collector: a cycle there made every request's leftovers
    trigger the collector's passes (an invocation is its own deadline's owner without a
    reference to itself)."""
    import gc

    from helpers.lambda_runtime.state import ActiveInvocation

    aws.function("nogarbage")
    aws.invoke("nogarbage")  # the cold start's one-off objects
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            assert aws.invoke("nogarbage").function_error is None
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, ActiveInvocation)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []


def test_the_owner_of_an_invocation_is_itself_or_the_caller_with_the_nearer_deadline() -> None:
    from helpers.lambda_runtime.state import ActiveInvocation

    outer = ActiveInvocation("outer", {}, None, None, deadline=10.0, parent=None)  # type: ignore[arg-type]
    near = ActiveInvocation("near", {}, None, None, deadline=20.0, parent=outer)  # type: ignore[arg-type]
    far = ActiveInvocation("far", {}, None, None, deadline=5.0, parent=outer)  # type: ignore[arg-type]
    assert outer.owner is outer
    assert (near.owner, near.deadline) == (outer, 10.0)
    assert (far.owner, far.deadline) == (far, 5.0)
    near.sleep_virtually(1.5)
    assert (near.owner.shift_s, near.remaining_s(0.0)) == (1.5, 8.5)
