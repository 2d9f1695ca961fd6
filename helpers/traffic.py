"""A traffic simulator: send a described load through a deployed stage on the lab clock
and see what happened to every request (time, client, status, and why).

On the moto target the requests go straight into the data plane while the virtual clock
jumps from one arrival to the next, so an hour of traffic takes seconds and every run
gives the same answer. On the aws target the same description is sent for real, in real
time, with ``requests`` (kept small: a real account pays for every request).

    clients = [Client("free", rate=5, api_key=FREE_KEY), Client("paid", rate=20, api_key=PAID)]
    run = simulate(lab, url, clients, seconds=60)
    run.summary()          # a table per client: sent, answered 2xx, throttled, over quota
    run.per_second("free") # accepted and refused per second, for plots
"""

from __future__ import annotations

import gc
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

#: the aws target sends at most this many real requests per simulation
AWS_MAX_REQUESTS = 2_000
#: the moto target keeps what it has simulated out of the garbage collector's passes every
#: so many requests (see simulate)
FREEZE_EVERY = 20_000


@dataclass(frozen=True, slots=True)
class Client:
    """One source of load. ``rate`` requests per second, evenly spaced, from ``start`` for
    ``duration`` seconds (default: until the end), plus ``bursts``: (second, count) pairs
    sending ``count`` requests at once."""

    name: str
    rate: float = 1.0
    api_key: str | None = None
    path: str = ""
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    start: float = 0.0
    duration: float | None = None
    bursts: tuple[tuple[float, int], ...] = ()
    #: the request body (e.g. JSON for a POST), sent with every request
    body: bytes = b""

    def arrivals(self, seconds: float) -> list[float]:
        """Seconds (from the simulation start) at which this client sends."""
        end = seconds if self.duration is None else min(seconds, self.start + self.duration)
        out: list[float] = []
        if self.rate > 0:
            step = 1.0 / self.rate
            n = 0
            while True:
                t = self.start + n * step
                if t >= end - 1e-9:
                    break
                out.append(round(t, 9))
                n += 1
        for at, count in self.bursts:
            if 0 <= at < seconds:
                out.extend([float(at)] * int(count))
        out.sort()
        return out


@dataclass(slots=True)
class Outcome:
    t: float  # seconds since the simulation start
    client: str
    status: int
    why: str  # "ok", "cache hit", "throttled: stage", "over quota", "forbidden", ...
    #: tokens left in each bucket after this request (moto target), by level
    tokens: dict[str, float] | None = None
    #: releases (moto target): the deployment that answered, whether it was the stage's
    #: canary, and the Region that answered (a custom domain's DNS may pick one); not part
    #: of an outcome's equality (they say where, not how, a request was answered)
    deployment: str = field(default="", compare=False)
    canary: bool = field(default=False, compare=False)
    region: str = field(default="", compare=False)
    #: bytes of the request body sent and of the response body received (what the cost
    #: model meters: HTTP APIs in 512 KB units, data transfer out)
    request_bytes: int = 0
    response_bytes: int = 0


class Simulation:
    """What a simulation produced, request by request, in arrival order."""

    def __init__(self, outcomes: list[Outcome], seconds: float, clients: Sequence[Client]):
        self.outcomes = outcomes
        self.seconds = seconds
        self.clients = [c.name for c in clients]

    def __len__(self) -> int:
        return len(self.outcomes)

    def of(self, client: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if client is None or o.client == client]

    def counts(self, client: str | None = None) -> Counter[str]:
        """How many requests ended each way (``why``)."""
        return Counter(o.why for o in self.of(client))

    def statuses(self, client: str | None = None) -> Counter[int]:
        return Counter(o.status for o in self.of(client))

    def per_second(self, client: str | None = None, width: float = 1.0) -> dict[str, list[int]]:
        """Per time slot of ``width`` seconds: requests ``sent``, ``accepted`` (2xx-3xx) and
        ``refused`` (429s and other gateway refusals)."""
        slots = max(int(self.seconds / width + 0.999999), 1)
        sent, ok = [0] * slots, [0] * slots
        for o in self.of(client):
            i = min(int(o.t / width), slots - 1)
            sent[i] += 1
            ok[i] += 0 < o.status < 400
        return {
            "t": [i * width for i in range(slots)],
            "sent": sent,
            "accepted": ok,
            "refused": [s - a for s, a in zip(sent, ok, strict=True)],
        }

    def per_deployment(
        self, client: str | None = None, width: float = 1.0, by: str = "deployment"
    ) -> dict[str, list[int]]:
        """Requests per time slot of ``width`` seconds, per deployment that answered (``by=
        "deployment"``; a canary's deployment is labelled ``<id> (canary)``) or per Region
        (``by="region"``). Key ``"t"``: the slots' start times."""
        slots = max(int(self.seconds / width + 0.999999), 1)
        out: dict[str, list[int]] = {}
        for o in self.of(client):
            if by == "region":
                label = o.region or "?"
            else:
                label = (o.deployment or "?") + (" (canary)" if o.canary else "")
            counts = out.setdefault(label, [0] * slots)
            counts[min(int(o.t / width), slots - 1)] += 1
        return {"t": [i * width for i in range(slots)], **dict(sorted(out.items()))}

    def tokens(self, level: str) -> tuple[list[float], list[float]]:
        """(times, tokens left) in the ``level`` bucket ("usage plan", "stage", "route",
        "account") after each request that reached the throttle."""
        ts, left = [], []
        for o in self.outcomes:
            if o.tokens and level in o.tokens:
                ts.append(o.t)
                left.append(o.tokens[level])
        return ts, left

    def summary(self) -> str:
        """A table per client: requests sent and how they ended."""
        kinds = sorted({o.why for o in self.outcomes}, key=lambda w: (w != "ok", w))
        widths = [max(10, len(k) + 2) for k in kinds]
        head = f"{'client':<12}{'sent':>8}" + "".join(
            f"{k:>{w}}" for k, w in zip(kinds, widths, strict=True)
        )
        lines = [head, "-" * len(head)]
        for name in self.clients:
            c = self.counts(name)
            lines.append(
                f"{name:<12}{sum(c.values()):>8}"
                + "".join(f"{c[k]:>{w}}" for k, w in zip(kinds, widths, strict=True))
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Simulation of {len(self)} requests over {self.seconds:g} s>\n{self.summary()}"


def concat(*runs: Simulation) -> Simulation:
    """Simulations run one after the other (e.g. with a change in between) as one timeline:
    each run's times shifted by the length of the runs before it."""
    from dataclasses import replace

    outcomes: list[Outcome] = []
    names: list[str] = []
    offset = 0.0
    for run in runs:
        outcomes += [replace(o, t=o.t + offset) for o in run.outcomes]
        names += [n for n in run.clients if n not in names]
        offset += run.seconds
    joined = Simulation(outcomes, offset, [])
    joined.clients = names
    return joined


def window(clients: Sequence[Client], begin: float, end: float) -> list[Client]:
    """The clients' load between ``begin`` and ``end`` (seconds into a longer scenario,
    e.g. a day), shifted to start at 0: what :func:`simulate` sends when a scenario is run
    in pieces (to change something in the middle). A client's ``rate`` keeps its phase;
    bursts outside the window are dropped."""
    out = []
    for c in clients:
        stop = math.inf if c.duration is None else c.start + c.duration
        lo, hi = max(begin, c.start), min(end, stop)
        bursts = tuple((at - begin, n) for at, n in c.bursts if begin <= at < end)
        if hi <= lo and not bursts:
            continue
        start = lo - begin
        if c.rate > 0 and hi > lo:  # the first arrival at or after lo, on the client's grid
            step = 1.0 / c.rate
            first = c.start + math.ceil(round((lo - c.start) / step, 9)) * step
            start = first - begin
        duration = max(hi - begin - start, 0.0) if hi > lo else 0.0
        out.append(
            replace(
                c, start=start, duration=duration, bursts=bursts, rate=c.rate if duration else 0.0
            )
        )
    return out


def _read(trace: Any, status: int) -> tuple[str, dict[str, float] | None, str, bool, str]:
    """(why, tokens, deployment, canary?, region) of one request, in one pass over its
    trace: why it ended as it did ("ok", "cache hit", "throttled: stage", "over quota",
    ...), the tokens left in each bucket at its first throttle line, and what answered it
    (deployment, whether the canary, the Region a custom domain's DNS picked)."""
    why = "ok" if status < 400 else f"status {status}"
    tokens = None
    throttled = False
    deployment, canary, region = "", False, ""
    for entry in trace.entries:
        step = entry.step
        if step == "throttle":
            if not throttled:
                tokens = entry.details.get("tokens")
                throttled = True
            if entry.decision.endswith("bucket empty"):
                why = "throttled: " + entry.decision[: -len(" bucket empty")]
        elif step == "cache":
            if entry.decision.startswith("hit"):
                why = "cache hit"
        elif step == "gateway-response":
            kind = entry.decision
            if kind == "QUOTA_EXCEEDED":
                why = "over quota"
            elif kind == "INVALID_API_KEY":
                why = "forbidden (API key)"
            elif kind != "THROTTLED":
                why = kind.lower()
        elif step in ("method-request", "stage"):
            deployment = str(entry.details.get("deployment") or deployment)
        elif step == "canary":
            if entry.decision.startswith("canary"):
                deployment, canary = entry.decision.split()[2], True
        elif step == "custom-domain":
            region = str(entry.details.get("region") or region)
    return why, tokens, deployment, canary, region


def _schedule(clients: Sequence[Client], seconds: float) -> list[tuple[float, int]]:
    """Every (arrival time, client index), in order: by time, then by client."""
    return sorted((t, i) for i, c in enumerate(clients) for t in c.arrivals(seconds))


def simulate(
    lab: Any,
    url: str,
    clients: Sequence[Client],
    seconds: float,
    *,
    start: str | float | None = None,
) -> Simulation:
    """Send the clients' load to ``url`` (a stage's invoke URL; each client's ``path`` is
    appended) for ``seconds`` and return every outcome.

    Moto target: the lab clock is frozen (at ``start`` when given, else where it stands)
    and moved to each arrival; it is left at the end of the simulated period.
    """
    if lab.target != "moto":
        return _simulate_for_real(url, clients, seconds)
    parts = urlsplit(url)
    base_path = parts.path.rstrip("/")
    base_query = parts.query
    clock, plane = lab.clock, lab.gateway
    t0 = clock.freeze(start) if (start is not None or not clock.frozen) else clock.now()
    templates = []
    for c in clients:
        path, _, query = c.path.partition("?")
        headers = [(k, v) for k, v in c.headers.items()]
        if c.api_key is not None:
            headers.append(("x-api-key", c.api_key))
        full_path = base_path + ("/" + path.lstrip("/") if path else "/")
        templates.append(
            (
                c.method.upper(),
                full_path,
                "&".join(x for x in (base_query, query) if x),
                headers,
                bytes(c.body),
            )
        )
    default_region = _execute_api_region(parts.hostname or "")
    # the objects that exist already (moto, botocore's models, the kernel's...) are kept out
    # of the garbage collector's full passes while the requests run: those passes would
    # otherwise walk the whole heap again and again as the outcomes pile up (an hour at
    # 100 req/s: a few seconds). So are the outcomes, every FREEZE_EVERY requests (after the
    # young generations are collected: a request's cyclic garbage, such as an exception and
    # its frames, dies young). Nothing is collected differently, only looked at less; what
    # is frozen is looked at again once the simulation ends.
    gc.freeze()
    try:
        outcomes = _send(plane, clock, t0, parts.netloc, templates, clients, seconds, default_region)
    finally:
        gc.unfreeze()
    clock.freeze(t0 + seconds)
    return Simulation(outcomes, seconds, clients)


def _send(
    plane: Any,
    clock: Any,
    t0: float,
    netloc: str,
    templates: list[tuple[str, str, str, list[tuple[str, str]], bytes]],
    clients: Sequence[Client],
    seconds: float,
    default_region: str,
) -> list[Outcome]:
    """Every request of the schedule through the data plane, on the frozen lab clock."""
    from .gateway import HttpRequest, UnknownApi

    outcomes: list[Outcome] = []
    append = outcomes.append
    traces = plane.traces
    for n, (t, i) in enumerate(_schedule(clients, seconds), 1):
        if not n % FREEZE_EVERY:
            gc.collect(1)
            gc.freeze()
        clock.freeze(t0 + t)
        method, path, query, headers, body = templates[i]
        try:
            response = plane.handle(HttpRequest(method, netloc, path, query, list(headers), body))
        except UnknownApi:  # the name does not resolve (a custom domain without its record)
            append(Outcome(t, clients[i].name, 0, "name does not resolve", request_bytes=len(body)))
            continue
        trace = traces.last()
        why, tokens, deployment, canary, region = _read(trace, response.status)
        append(
            Outcome(
                t,
                clients[i].name,
                response.status,
                why,
                tokens,
                deployment=deployment,
                canary=canary,
                region=region or default_region,
                request_bytes=len(body),
                response_bytes=len(response.body),
            )
        )
    return outcomes


def _execute_api_region(host: str) -> str:
    parts = host.split(".")
    return parts[2] if len(parts) > 3 and parts[1] == "execute-api" else ""


def _simulate_for_real(url: str, clients: Sequence[Client], seconds: float) -> Simulation:
    import requests

    plan = list(_schedule(clients, seconds))
    if len(plan) > AWS_MAX_REQUESTS:
        raise ValueError(
            f"this load is {len(plan):,} requests; on a real account the simulator sends at "
            f"most {AWS_MAX_REQUESTS:,} (each one is billed). Shorten it or lower the rates."
        )
    base = url.rstrip("/")
    outcomes: list[Outcome] = []
    began = time.monotonic()
    with requests.Session() as session:
        for t, i in plan:
            c = clients[i]
            wait = began + t - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            headers = dict(c.headers)
            if c.api_key is not None:
                headers["x-api-key"] = c.api_key
            try:
                r = session.request(
                    c.method,
                    base + ("/" + c.path.lstrip("/") if c.path else "/"),
                    headers=headers,
                    data=c.body or None,
                    timeout=30,
                )
            except requests.ConnectionError:
                outcomes.append(Outcome(t, c.name, 0, "name does not resolve"))
                continue
            kind = r.headers.get("x-amzn-ErrorType", "")
            why = (
                "ok"
                if r.status_code < 400
                else (
                    "over quota"
                    if kind.startswith("LimitExceeded")
                    else "throttled"
                    if r.status_code == 429
                    else "forbidden (API key)"
                    if r.status_code == 403
                    else f"status {r.status_code}"
                )
            )
            outcomes.append(
                Outcome(
                    t,
                    c.name,
                    r.status_code,
                    why,
                    None,
                    request_bytes=len(c.body),
                    response_bytes=len(r.content),
                )
            )
    return Simulation(outcomes, seconds, clients)
