"""Instructions per request, counted by valgrind: `make bench-instructions`.

Wall-clock figures on a shared virtual machine move by a third from one minute to the next
(other tenants' load shows as steal time); instruction counts do not. This script runs
three request loops under valgrind's cachegrind (no cache simulation) twice, with 0 and
with N requests after the same set-up, and divides the difference by N:

- ``direct``: the issue's yardstick, a trivial Lambda proxy through ``DataPlane.handle``
  (function logs off), as ``benchmarks/run.py`` measures it;
- ``simulator``: the traffic simulator's requests (API key, usage plan, MOCK), the hour's
  yardstick;
- ``cache-hit``: a stage-cache hit on a frozen clock moving 1 ms a request.

Compare the figures before and after a change on the same machine; they do not depend on
its load. Needs valgrind (``apt-get install valgrind``); each loop takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the loops, run by this same script in a child process (``--loop KIND N``)
KINDS = ("direct", "simulator", "cache-hit")


def loop(kind: str, n: int) -> None:
    """Set up the benchmark API, warm up, then send ``n`` requests of ``kind``."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run  # benchmarks/run.py: the APIs `make bench` builds

    import helpers
    from helpers.gateway import HttpRequest

    lab = helpers.connect(scope="benchmark")
    lab.runtime.write_logs = False
    if kind == "direct":
        api_id = run.build_api(lab)
        host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
        request = HttpRequest("GET", host, "/prod/item-1", headers=[("User-Agent", "bench")])
        for _ in range(200 + n):
            lab.gateway.handle(request)
        return
    api_id, keys = run.build_plan_api(lab)
    lab.clock.freeze("2026-01-01T00:00:00Z")
    if kind == "simulator":
        from helpers.traffic import Client, simulate

        clients = [
            Client("free", rate=30, api_key=keys["free"], path="plan"),
            Client("paid", rate=70, api_key=keys["paid"], path="plan"),
        ]
        url = lab.invoke_url(api_id, "prod")
        simulate(lab, url, clients, seconds=2)  # warm up: 200 requests
        if n:
            simulate(lab, url, clients, seconds=n / 100)
        return
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    hit = HttpRequest("GET", host, "/prod/cached", headers=[("User-Agent", "bench")])
    lab.gateway.limits.set_account_limits(1e12, 10**12)
    for _ in range(200 + n):
        lab.clock.advance(0.001)
        lab.gateway.handle(hit)


def instructions(kind: str, n: int) -> int:
    """Instructions the whole child process executed (set-up included)."""
    out = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--loop",
            kind,
            str(n),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=True,
    ).stderr
    found = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{out[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--loop", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop:
        loop(args.loop[0], int(args.loop[1]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)")
        return 1
    print(f"instructions per request (valgrind, {args.requests:,} requests after set-up)")
    for kind in KINDS:
        per = (instructions(kind, args.requests) - instructions(kind, 0)) / args.requests
        print(f"  {kind:<10} {per:>10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
