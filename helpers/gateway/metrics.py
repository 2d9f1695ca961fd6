"""CloudWatch metrics for the data plane (AWS/ApiGateway names and dimensions, §11;
CacheHitCount and CacheMissCount for methods whose answers are cached, §2).

Recording a request costs one list append; the samples are aggregated per minute and
written into the target's CloudWatch as statistic sets just before anything reads metrics
(see :mod:`helpers.gateway.moto_hooks`), so a notebook reads them with the same
``get_metric_statistics`` / ``get_metric_data`` calls it would use on AWS. The latency
metrics also keep their values, so percentiles (``ExtendedStatistics=["p99"]``, a ``p90``
alarm) work as on AWS (moto's CloudWatch computes them: :mod:`helpers.ops.moto_cloudwatch`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from .batches import Batched

NAMESPACE = "AWS/ApiGateway"
#: metrics whose values are kept for percentiles (the others are counts: Sum is enough)
PERCENTILE_METRICS = frozenset({"Latency", "IntegrationLatency"})


class Sample(NamedTuple):
    account_id: str
    region: str
    api_name: str
    stage: str
    method: str
    resource: str
    minute: int  # epoch seconds, floored to the minute
    status: int
    latency_ms: float
    integration_latency_ms: float | None
    detailed: bool
    #: HTTP APIs: ``api_name`` holds the API id, ``route`` the route key (§11)
    api_type: str = "REST"
    route: str = ""
    data_processed: int = 0
    #: REST stage cache: "hit", "miss", or None when the method's answers are not cached
    cache: str | None = None
    #: WebSocket APIs: "CONNECT", "MESSAGE", "DISCONNECT", or "OUT" for a message sent to
    #: a client; and the integration's own status
    event: str = ""
    integration_status: int | None = None


def metric_api_name(name: str, api_id: str) -> str:
    """Non-ASCII characters are stripped from ApiName; the API id is used if none remain."""
    if name.isascii():  # the usual name: nothing to strip (no encoding round trip)
        return name or api_id
    cleaned = name.encode("ascii", "ignore").decode()
    return cleaned or api_id


class MetricsRecorder(Batched[Sample]):
    def __init__(self, flush_every: int = 50_000) -> None:
        super().__init__(flush_every)

    record = Batched.push

    def flush(self) -> None:
        pending = self.take()
        if not pending:
            return
        stats: dict[tuple, list] = {}

        def add(key: tuple, value: float) -> None:
            s = stats.get(key)
            if s is None:
                stats[key] = [
                    1,
                    value,
                    value,
                    value,
                    [value] if key[3] in PERCENTILE_METRICS else None,
                ]
            else:
                s[0] += 1
                s[1] += value
                if value < s[2]:
                    s[2] = value
                if value > s[3]:
                    s[3] = value
                if s[4] is not None:
                    s[4].append(value)

        # REST and HTTP samples are first grouped by what their dimensions depend on, so
        # each metric is aggregated once per group rather than once per sample
        groups: dict[tuple, _Group] = {}
        for p in pending:
            if p.api_type == "WEBSOCKET":
                _websocket(p, (p.account_id, p.region, p.minute), add)
                continue
            key = (
                p.account_id,
                p.region,
                p.minute,
                p.api_type,
                p.api_name,
                p.stage,
                p.method,
                p.resource,
                p.route,
                p.detailed,
            )
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group(p)
            g.add(p)
        for g in groups.values():
            g.publish(stats)
        _publish(stats)


class _Group:
    """The REST or HTTP samples of one minute that share their dimension values."""

    __slots__ = ("cache", "data", "five", "four", "hits", "integration", "latency", "n", "sample")

    def __init__(self, sample: Sample) -> None:
        self.sample = sample
        self.n = self.four = self.five = self.cache = self.hits = 0
        self.latency: list[float] = []
        self.integration: list[float] = []
        self.data: list[float] = []

    def add(self, p: Sample) -> None:
        self.n += 1
        if p.status >= 500:
            self.five += 1
        elif p.status >= 400:
            self.four += 1
        if p.cache is not None:
            self.cache += 1
            self.hits += p.cache == "hit"
        self.latency.append(p.latency_ms)
        if p.integration_latency_ms is not None:
            self.integration.append(p.integration_latency_ms)
        if p.api_type == "HTTP":
            self.data.append(float(p.data_processed))

    def publish(self, stats: dict[tuple, list]) -> None:
        p = self.sample
        http = p.api_type == "HTTP"
        where = (p.account_id, p.region, p.minute)
        four, five = ("4xx", "5xx") if http else ("4XXError", "5XXError")
        counts = [("Count", self.n, self.n), (four, self.four, self.n), (five, self.five, self.n)]
        if self.cache:
            counts += [
                ("CacheHitCount", self.hits, self.cache),
                ("CacheMissCount", self.cache - self.hits, self.cache),
            ]
        for dims in dimension_sets(p):
            for name, ones, n in counts:
                if name == "Count":
                    _merge(stats, (*where, name, dims, "Count"), n, n, 1.0, 1.0, None)
                else:
                    lo = 1.0 if ones == n else 0.0
                    hi = 1.0 if ones else 0.0
                    _merge(stats, (*where, name, dims, "Count"), n, ones, lo, hi, None)
            for name, values, unit in (
                ("Latency", self.latency, "Milliseconds"),
                ("IntegrationLatency", self.integration, "Milliseconds"),
                ("DataProcessed", self.data, "Bytes"),
            ):
                if values:
                    keep = values if name in PERCENTILE_METRICS else None
                    _merge(
                        stats,
                        (*where, name, dims, unit),
                        len(values),
                        sum(values),
                        min(values),
                        max(values),
                        keep,
                    )


def _merge(
    stats: dict[tuple, list],
    key: tuple,
    n: float,
    total: float,
    lo: float,
    hi: float,
    values: list[float] | None,
) -> None:
    s = stats.get(key)
    if s is None:
        stats[key] = [n, total, lo, hi, list(values) if values is not None else None]
        return
    s[0] += n
    s[1] += total
    s[2] = min(s[2], lo)
    s[3] = max(s[3], hi)
    if s[4] is not None and values:
        s[4].extend(values)


def _websocket(p: Sample, where: tuple, add: Callable[[tuple, float], None]) -> None:
    """WebSocket APIs (DG apigateway-websocket-api-logging): ConnectCount for $connect,
    MessageCount for messages from and to clients, ClientError (4xx before the integration),
    IntegrationError (the integration answered 4xx/5xx or failed), ExecutionError (API
    Gateway could not call it), IntegrationLatency."""
    for dims in dimension_sets(p):
        if p.event == "CONNECT":
            add((*where, "ConnectCount", dims, "Count"), 1.0)
        if p.event in ("MESSAGE", "OUT"):
            add((*where, "MessageCount", dims, "Count"), 1.0)
        if p.event in ("CONNECT", "MESSAGE"):
            called = p.integration_latency_ms is not None
            client = 400 <= p.status < 500 and not called
            # the integration answered 4xx/5xx, or the function failed (Lambda itself says 200)
            failed = called and (
                p.integration_status is None or p.integration_status >= 400 or p.status >= 500
            )
            add((*where, "ClientError", dims, "Count"), 1.0 if client else 0.0)
            add((*where, "IntegrationError", dims, "Count"), 1.0 if failed else 0.0)
            execution = p.status >= 500 and p.integration_status is None
            add((*where, "ExecutionError", dims, "Count"), 1.0 if execution else 0.0)
        if p.integration_latency_ms is not None:
            add((*where, "IntegrationLatency", dims, "Milliseconds"), p.integration_latency_ms)


def dimension_sets(p: Sample) -> list[tuple[tuple[str, str], ...]]:
    """REST: ApiName; ApiName+Stage; ApiName+Method+Resource+Stage (detailed metrics).
    HTTP and WebSocket: ApiId; ApiId+Stage; ApiId+Route+Stage (detailed metrics)."""
    by_id = p.api_type in ("HTTP", "WEBSOCKET")
    key = "ApiId" if by_id else "ApiName"
    sets = [((key, p.api_name),), ((key, p.api_name), ("Stage", p.stage))]
    if p.detailed and by_id:
        sets.append(((key, p.api_name), ("Route", p.route), ("Stage", p.stage)))
    elif p.detailed:
        sets.append(
            ((key, p.api_name), ("Method", p.method), ("Resource", p.resource), ("Stage", p.stage))
        )
    return sets


def _publish(stats: dict[tuple, list]) -> None:
    """Write statistic sets (with the values of the latency metrics) into moto."""
    from moto.cloudwatch.models import MetricAggregatedDatum, cloudwatch_backends

    stamps: dict[int, dt.datetime] = {}
    for (account, region, minute, name, dims, unit), (n, total, lo, hi, values) in stats.items():
        stamp = stamps.get(minute)
        if stamp is None:
            stamp = stamps[minute] = dt.datetime.fromtimestamp(minute, tz=dt.UTC).replace(
                tzinfo=None
            )
        datum = MetricAggregatedDatum(
            namespace=NAMESPACE,
            name=name,
            min_stat=float(lo),
            max_stat=float(hi),
            sample_count=float(n),
            sum_stat=float(total),
            dimensions=[{"Name": k, "Value": v} for k, v in dims],
            timestamp=stamp,
            unit=unit,
        )
        datum.values = values  # type: ignore[attr-defined]
        cloudwatch_backends[account][region].metric_data.append(datum)
