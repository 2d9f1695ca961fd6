"""helpers.quick_exit: a process holding the lab freezes its heap as it begins to exit, so
CPython's teardown does not walk it again and again (a kernel ends at once)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def test_the_heap_is_frozen_when_the_process_exits_and_handlers_still_run() -> None:
    out = _run(
        """
        import atexit, gc
        from helpers import quick_exit

        before = atexit._ncallbacks()
        quick_exit.install()
        quick_exit.install()  # once per process
        print(atexit._ncallbacks() - before)
        kept = [[i] for i in range(1000)]
        atexit.register(lambda: print("later handler ran, frozen:", gc.get_freeze_count() > 0))
        atexit._run_exitfuncs()
        print("after exit handlers, frozen:", gc.get_freeze_count() >= len(kept))
        """
    )
    assert out.splitlines() == [
        "1",
        "later handler ran, frozen: False",  # registered after: runs first, as before
        "after exit handlers, frozen: True",
    ]


def test_connect_installs_it() -> None:
    out = _run(
        """
        import atexit, gc
        import helpers

        lab = helpers.connect("moto", scope="quick-exit-test")
        atexit._run_exitfuncs()
        print(gc.get_freeze_count() > 100_000)
        """
    )
    assert out == "True"
