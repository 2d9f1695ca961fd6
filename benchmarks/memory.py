"""Does the localhost server's memory level off under sustained load?

Starts a lab with a REST API (Lambda proxy, trivial handler) and an HTTP API, serves them on
the localhost server, and sends requests from other processes (keep-alive sessions) for
``--seconds``. Every ``--every`` seconds it prints the server process's RSS, the Python heap
that tracemalloc sees, and the sizes of the structures that grow with traffic (Lambda log
events in moto's CloudWatch Logs, metric data, traces), then the biggest allocation sites
that grew between the first and last sample.

    .venv/bin/python benchmarks/memory.py --seconds 300
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time
import tracemalloc
from typing import Any

# benchmarks/run.py, beside this script (its directory is on sys.path)
from run import build_http_api, build_proxy_api

import helpers

_LOAD = """
import requests, sys, time
urls, until = sys.argv[1].split(","), time.time() + float(sys.argv[2])
n = 0
with requests.Session() as s:
    while time.time() < until:
        for url in urls:
            s.get(url, headers={"X-Probe": str(n)}, params={"n": n})
            n += 1
print(n)
"""


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log_events() -> int:
    from moto.logs.models import logs_backends

    backend = logs_backends["123456789012"]["us-east-1"]
    return sum(
        len(stream.events) for group in backend.groups.values() for stream in group.streams.values()
    )


def metric_points() -> int:
    from moto.cloudwatch.models import cloudwatch_backends

    backend = cloudwatch_backends["123456789012"]["us-east-1"]
    return len(getattr(backend, "metric_data", []) or [])


def build_rest_api(lab: Any) -> str:
    apigw, api_id, _, _ = build_proxy_api(lab, "memory")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--every", type=float, default=30)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace allocations (slows the server)"
    )
    parser.add_argument(
        "--events-per-stream",
        type=int,
        help="keep fewer log events per stream (reach the steady state sooner under tracemalloc)",
    )
    args = parser.parse_args()

    lab = helpers.connect(scope="benchmark")
    if args.events_per_stream:
        from helpers.gateway import moto_memory

        moto_memory.MAX_EVENTS_PER_STREAM = args.events_per_stream
    rest = build_rest_api(lab)
    http = build_http_api(lab)
    urls = ",".join(
        (lab.local_url(rest, "prod", "item-1"), lab.local_url(http, "$default", "item-1"))
    )
    if args.tracemalloc:
        tracemalloc.start(10)
    gc.collect()
    first = tracemalloc.take_snapshot() if args.tracemalloc else None
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", _LOAD, urls, str(args.seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(args.clients)
    ]
    start = time.perf_counter()
    print(f"{'t (s)':>6} {'RSS MB':>8} {'heap MB':>8} {'log events':>11} {'metric pts':>11}")
    while any(c.poll() is None for c in clients):
        time.sleep(min(args.every, max(0.1, args.seconds - (time.perf_counter() - start) + 1)))
        lab.gateway.flush()
        heap = tracemalloc.get_traced_memory()[0] / 2**20
        print(
            f"{time.perf_counter() - start:6.0f} {rss_mb():8.1f} {heap:8.1f}"
            f" {log_events():11,} {metric_points():11,}",
            flush=True,
        )
    sent = sum(int(c.communicate()[0] or 0) for c in clients)
    print(f"{sent:,} requests in {time.perf_counter() - start:.0f} s")
    if first is None:
        lab.cleanup()
        return 0
    gc.collect()
    last = tracemalloc.take_snapshot()
    print("biggest growth by allocation site:")
    for stat in last.compare_to(first, "traceback")[:8]:
        print(f"  {stat.size_diff / 2**20:+7.1f} MB {stat.count_diff:+9,} blocks")
        for frame in stat.traceback.format(limit=6, most_recent_first=True):
            print(f"      {frame.strip()}")
    lab.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
