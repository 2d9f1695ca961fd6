"""zip_function: deployment packages from a file, source text or a function."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import linecache
import zipfile
from pathlib import Path
from typing import Any

import pytest

from helpers.packaging import zip_function

HELLO = "def handler(event, context):\n    return 'hello'\n"
REPO_FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def entries(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_source_text_becomes_app_py() -> None:
    assert entries(zip_function(HELLO)) == {"app.py": HELLO.encode()}
    assert entries(zip_function(HELLO, filename="main.py")) == {"main.py": HELLO.encode()}


def test_a_file_keeps_its_own_name(tmp_path: Path) -> None:
    source = tmp_path / "greeter.py"
    source.write_text(HELLO)
    assert entries(zip_function(str(source))) == {"greeter.py": HELLO.encode()}
    assert entries(zip_function(source, filename="app.py")) == {"app.py": HELLO.encode()}


def test_the_course_functions_zip_as_they_are() -> None:
    path = REPO_FUNCTIONS / "hello.py"
    assert entries(zip_function(path)) == {"hello.py": path.read_bytes()}


def test_a_function_brings_its_whole_module(tmp_path: Path) -> None:
    module_file = tmp_path / "shop.py"
    module_file.write_text(
        "import json\n\nPRICES = {'tea': 3}\n\n"
        "def handler(event, context):\n    return json.dumps(PRICES)\n"
    )
    spec = importlib.util.spec_from_file_location("shop_for_zip_test", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert entries(zip_function(module.handler)) == {"app.py": module_file.read_bytes()}


def test_a_notebook_function_brings_only_itself() -> None:
    cell = "import json\n\ndef handler(event, context):\n    return json.dumps(event)\n"
    filename = "/tmp/ipykernel_4242/1234567.py"  # how ipykernel names cells; not a real file
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(cell, filename, "exec"), namespace)
    try:
        package = entries(zip_function(namespace["handler"]))
    finally:
        linecache.cache.pop(filename, None)
    assert package == {"app.py": b"def handler(event, context):\n    return json.dumps(event)\n"}


def test_a_function_with_another_name_needs_handler_name() -> None:
    def greet(event: Any, context: Any) -> str:
        return "hi"

    with pytest.raises(ValueError, match=r"handler_name='greet'.*Handler='app\.greet'"):
        zip_function(greet)


def test_the_handler_must_exist_in_the_module() -> None:
    with pytest.raises(ValueError, match=r"app\.py defines no 'handler'.*it has: main"):
        zip_function("def main(event, context):\n    pass\n")
    assert "app.py" in entries(zip_function("def main(e, c):\n    pass\n", handler_name="main"))
    assert entries(zip_function("from impl import handler\n"))  # imported names count
    # Source Python cannot parse is zipped anyway: Lambda reports it, a lesson of its own.
    assert entries(zip_function("def handler(e, c)\n")) == {"app.py": b"def handler(e, c)\n"}


def test_extra_files() -> None:
    package = entries(
        zip_function(
            "import util\nfrom lib import data\n\ndef handler(e, c):\n    pass\n",
            extra_files={"util.py": "X = 1\n", "lib/data.bin": b"\x00\x01", "lib/__init__.py": ""},
        )
    )
    assert list(package) == ["app.py", "lib/__init__.py", "lib/data.bin", "util.py"]  # sorted
    assert package["lib/data.bin"] == b"\x00\x01" and package["util.py"] == b"X = 1\n"


@pytest.mark.parametrize("bad", ["../escape.py", "/etc/passwd", "a//b.py", "app.py"])
def test_extra_files_stay_inside_the_package(bad: str) -> None:
    with pytest.raises(ValueError):
        zip_function(HELLO, extra_files={bad: "x"})


def test_deterministic_bytes(tmp_path: Path) -> None:
    files = {"b.py": "B = 2\n", "a.py": "A = 1\n"}
    first = zip_function(HELLO, extra_files=files)
    again = zip_function(HELLO, extra_files=dict(reversed(list(files.items()))))
    assert first == again
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(again).hexdigest()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_what_it_refuses() -> None:
    with pytest.raises(FileNotFoundError):
        zip_function("no/such/file.py")
    with pytest.raises(TypeError):
        zip_function(42)  # type: ignore[arg-type]
