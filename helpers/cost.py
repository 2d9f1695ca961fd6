"""What an API costs: API Gateway's bill from its published prices
(``helpers/pricing/api_gateway.toml``, dated and sourced) and a month of usage.

Usage comes from what the emulator measured — a traffic simulation's requests and bytes
(:func:`usage_from_simulation`), or the CloudWatch metrics the data plane wrote
(:func:`usage_from_metrics`) — or from a learner's own description (:class:`Traffic`).
The bill has seed 001's items (API calls, data transfer, caching, WebSocket connection time
and messages) as lines:

    usage = cost.usage_from_simulation(run, "HTTP", scale=30 * 24)   # an hour -> a month
    print(cost.bill(usage, "ap-northeast-1"))

Metering (pricing page): HTTP APIs count each 512 KB of request + response as one request;
WebSocket messages are counted in 32 KB units; data transfer out is per GB after the free
100 GB a month (account-wide). The free tier (12 months, classic accounts) is applied
only when asked (``free_tier=True``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).resolve().parent / "pricing" / "api_gateway.toml"
HTTP_METER_BYTES = 512 * 1024
WEBSOCKET_METER_BYTES = 32 * 1024
HOURS_PER_MONTH = 730  # AWS's convention for monthly estimates
GB = 1024**3
REGIONS = ("us-east-1", "ap-northeast-1")


@lru_cache(maxsize=1)
def price_list() -> dict[str, Any]:
    """The whole price file (meta, free tier, regions)."""
    with PRICES_FILE.open("rb") as f:
        return tomllib.load(f)


def region_prices(region: str = "us-east-1") -> dict[str, Any]:
    regions = price_list()["regions"]
    if region not in regions:
        raise KeyError(f"no prices for {region}; the price file has {sorted(regions)}")
    return regions[region]


def uncertain(region: str = "us-east-1") -> set[str]:
    """The items whose price in ``region`` is marked uncertain in the price file."""
    p = region_prices(region)
    if p.get("uncertain"):
        return {"rest", "http", "websocket", "connection", "cache", "data"}
    out = set()
    for key, item in (
        ("rest_requests", "rest"),
        ("http_requests", "http"),
        ("websocket_messages", "websocket"),
        ("data_transfer_out", "data"),
    ):
        if any(t.get("uncertain") for t in p[key]):
            out.add(item)
    if p["cache_per_hour"].get("uncertain_sizes"):
        out.add("cache")
    return out


def tiered(quantity: float, tiers: list[dict[str, Any]], unit: float, rate: str) -> float:
    """The price of ``quantity`` units through cumulative ``tiers`` (``up_to`` /
    ``up_to_gb`` bounds, ``rate`` per ``unit``)."""
    total, done = 0.0, 0.0
    for tier in tiers:
        bound = tier.get("up_to", tier.get("up_to_gb", math.inf))
        here = max(min(quantity, bound) - done, 0.0)
        total += here / unit * tier[rate]
        done = max(done, min(quantity, bound))
        if done >= quantity:
            break
    return total


def reaches_uncertain(quantity: float, tiers: list[dict[str, Any]], region: str) -> bool:
    """Whether pricing ``quantity`` uses a tier marked uncertain (or the Region is)."""
    if region_prices(region).get("uncertain"):
        return True
    below = 0.0
    for tier in tiers:
        if quantity > below and tier.get("uncertain"):
            return True
        below = tier.get("up_to", tier.get("up_to_gb", math.inf))
    return False


def http_units(request_bytes: int, response_bytes: int) -> int:
    """HTTP API metering: each 512 KB (or part) of request + response is one request."""
    return max(1, math.ceil((request_bytes + response_bytes) / HTTP_METER_BYTES))


def websocket_units(message_bytes: int) -> int:
    """WebSocket metering: each 32 KB (or part) of a message is one message."""
    return max(1, math.ceil(message_bytes / WEBSOCKET_METER_BYTES))


@dataclass(frozen=True)
class Usage:
    """One month of API Gateway usage, in the units AWS bills."""

    rest_requests: float = 0.0
    #: metered requests (512 KB units), not raw calls
    http_requests: float = 0.0
    #: metered messages (32 KB units), both directions
    websocket_messages: float = 0.0
    websocket_connection_minutes: float = 0.0
    #: cache cluster size (GB, as text: "0.5") -> hours it existed
    cache_hours: dict[str, float] = field(default_factory=dict)
    data_out_gb: float = 0.0

    def scaled(self, factor: float) -> Usage:
        """This usage ``factor`` times (a measured hour or day -> a month); cache hours
        are a month's already and are not scaled."""
        return replace(
            self,
            rest_requests=self.rest_requests * factor,
            http_requests=self.http_requests * factor,
            websocket_messages=self.websocket_messages * factor,
            websocket_connection_minutes=self.websocket_connection_minutes * factor,
            data_out_gb=self.data_out_gb * factor,
        )

    def with_cache(self, size: str = "0.5", hours: float = HOURS_PER_MONTH) -> Usage:
        return replace(self, cache_hours={**self.cache_hours, size: hours})


@dataclass(frozen=True)
class LineItem:
    item: str
    quantity: float
    unit: str
    cost: float
    note: str = ""


@dataclass(frozen=True)
class Bill:
    region: str
    lines: tuple[LineItem, ...]
    free_tier: bool

    @property
    def total(self) -> float:
        return round(sum(line.cost for line in self.lines), 4)

    def cost_of(self, prefix: str) -> float:
        return sum(line.cost for line in self.lines if line.item.startswith(prefix))

    def __str__(self) -> str:
        width = max([len(line.item) for line in self.lines] + [24])
        name = region_prices(self.region)["name"]
        head = f"API Gateway, {self.region} ({name})" + (", free tier" if self.free_tier else "")
        out = [head, "-" * (width + 42)]
        for line in self.lines:
            qty = f"{line.quantity:,.2f}" if line.quantity % 1 else f"{line.quantity:,.0f}"
            out.append(
                f"{line.item:<{width}} {qty:>16} {line.unit:<10} ${line.cost:>10,.2f}"
                + (f"  {line.note}" if line.note else "")
            )
        out.append(f"{'total':<{width}} {'':>16} {'':<10} ${self.total:>10,.2f}")
        return "\n".join(out)

    __repr__ = __str__


#: the request items priced per million in tiers: (line item, unit, Usage field = price key)
_TIERED_PER_MILLION = (
    ("REST API calls", "requests", "rest_requests"),
    ("HTTP API calls (512 KB units)", "requests", "http_requests"),
    ("WebSocket messages (32 KB units)", "messages", "websocket_messages"),
)


def bill(usage: Usage, region: str = "us-east-1", *, free_tier: bool = False) -> Bill:
    """The month's bill for ``usage`` in ``region`` (``free_tier``: a classic account in
    its first 12 months)."""
    p = region_prices(region)
    free = price_list()["free_tier"] if free_tier else {}
    mark = "[unc]"
    lines: list[LineItem] = []

    def billable(quantity: float, key: str) -> float:
        return max(quantity - free.get(key, 0), 0.0)

    for item, unit, key in _TIERED_PER_MILLION:
        quantity = getattr(usage, key)
        if quantity:
            q = billable(quantity, key)
            cost = tiered(q, p[key], 1e6, "per_million")
            note = mark if reaches_uncertain(q, p[key], region) else ""
            lines.append(LineItem(item, quantity, unit, cost, note))
    if usage.websocket_connection_minutes:
        q = billable(usage.websocket_connection_minutes, "websocket_connection_minutes")
        cost = q / 1e6 * p["websocket_connection_minutes"]["per_million"]
        lines.append(
            LineItem(
                "WebSocket connection minutes",
                usage.websocket_connection_minutes,
                "minutes",
                cost,
                mark if p.get("uncertain") else "",
            )
        )
    cache = p["cache_per_hour"]
    for size, hours in usage.cache_hours.items():
        if size not in cache:
            raise KeyError(f"no cache price for size {size!r}: sizes are {list(cache)[:-1]}")
        note = mark if size in cache.get("uncertain_sizes", []) else ""
        lines.append(
            LineItem(
                f"Cache {size} GB (not in the free tier)", hours, "hours", hours * cache[size], note
            )
        )
    if usage.data_out_gb:
        free_gb = price_list()["free_tier"]["data_transfer_out_gb"]
        q = max(usage.data_out_gb - free_gb, 0.0)
        cost = tiered(q, p["data_transfer_out"], 1.0, "per_gb")
        lines.append(
            LineItem(
                "Data transfer out (after 100 GB free)",
                usage.data_out_gb,
                "GB",
                cost,
                mark if reaches_uncertain(q, p["data_transfer_out"], region) else "",
            )
        )
    return Bill(region, tuple(lines), free_tier)


# ------------------------------------------------------------------------------ usage


@dataclass(frozen=True)
class Traffic:
    """A learner's own description of a month's traffic.

    ``requests`` calls a month with bodies of ``request_bytes`` and answers of
    ``response_bytes``. For a WebSocket API each call is a message in and its answer a
    message out; ``clients`` stay connected ``hours_per_day`` each day, and
    ``pushes_per_client_per_hour`` extra messages are pushed to each of them."""

    requests: float
    request_bytes: int = 512
    response_bytes: int = 2048
    clients: float = 0
    hours_per_day: float = 0.0
    pushes_per_client_per_hour: float = 0.0
    days: float = 30

    def usage(self, api_type: str, *, cache_size: str | None = None) -> Usage:
        data = self.requests * self.response_bytes / GB
        api_type = api_type.upper()
        if api_type == "REST":
            usage = Usage(rest_requests=self.requests, data_out_gb=data)
        elif api_type == "HTTP":
            units = http_units(self.request_bytes, self.response_bytes)
            usage = Usage(http_requests=self.requests * units, data_out_gb=data)
        elif api_type == "WEBSOCKET":
            connected_hours = self.clients * self.hours_per_day * self.days
            pushes = connected_hours * self.pushes_per_client_per_hour
            messages = self.requests * (
                websocket_units(self.request_bytes) + websocket_units(self.response_bytes)
            ) + pushes * websocket_units(self.response_bytes)
            data += pushes * self.response_bytes / GB
            usage = Usage(
                websocket_messages=messages,
                websocket_connection_minutes=connected_hours * 60,
                data_out_gb=data,
            )
        else:
            raise ValueError(f"api_type is REST, HTTP or WEBSOCKET, not {api_type!r}")
        return usage.with_cache(cache_size) if cache_size else usage


def usage_from_simulation(
    run: Any,
    api_type: str,
    *,
    scale: float = 1.0,
    cache_size: str | None = None,
    cache_hours: float = HOURS_PER_MONTH,
    billed: Iterable[int] | None = None,
) -> Usage:
    """The usage a traffic simulation measured (:func:`helpers.traffic.simulate`): every
    request it sent, metered by its real bytes, times ``scale`` (e.g. a simulated hour x
    730 = a month). ``billed`` limits the count to some statuses (by default every
    request that got an answer is billed) [unc: AWS is said not to bill requests an
    authorizer refused]."""
    outcomes = [o for o in run.outcomes if billed is None or o.status in set(billed)]
    data = sum(o.response_bytes for o in outcomes) / GB
    api_type = api_type.upper()
    if api_type == "REST":
        usage = Usage(rest_requests=len(outcomes), data_out_gb=data)
    elif api_type == "HTTP":
        units = sum(http_units(o.request_bytes, o.response_bytes) for o in outcomes)
        usage = Usage(http_requests=units, data_out_gb=data)
    else:
        raise ValueError(
            "usage_from_simulation reads REST and HTTP runs; use Traffic for WebSocket"
        )
    usage = usage.scaled(scale)
    return usage.with_cache(cache_size, cache_hours) if cache_size else usage


def usage_from_metrics(
    cloudwatch: Any,
    api_type: str,
    dimensions: dict[str, str],
    start: Any,
    end: Any,
    *,
    scale: float = 1.0,
    connection_minutes: float = 0.0,
) -> Usage:
    """The usage CloudWatch shows for one API (or stage) between ``start`` and ``end``,
    read with ``get_metric_statistics`` as on AWS, times ``scale``.

    REST: ``Count``. HTTP: ``Count``, and ``DataProcessed`` for the 512 KB metering —
    requests in a minute whose largest request+response was under 512 KB count once; in
    other minutes the average size decides [unc: metrics do not keep every request's
    size]. WebSocket: ``MessageCount`` (32 KB units cannot be seen in metrics: each
    message counts once) and ``connection_minutes`` from you (metrics have none).
    Data transfer out is not in REST metrics: use a simulation or your access logs."""
    dims = [{"Name": k, "Value": v} for k, v in dimensions.items()]

    def points(metric: str, stats: list[str]) -> list[dict[str, Any]]:
        return cloudwatch.get_metric_statistics(
            Namespace="AWS/ApiGateway",
            MetricName=metric,
            Dimensions=dims,
            StartTime=start,
            EndTime=end,
            Period=60,
            Statistics=stats,
        )["Datapoints"]

    api_type = api_type.upper()
    if api_type == "REST":
        count = sum(p["Sum"] for p in points("Count", ["Sum"]))
        return Usage(rest_requests=count).scaled(scale)
    if api_type == "HTTP":
        units = 0.0
        data = 0.0
        for p in points("DataProcessed", ["SampleCount", "Sum", "Maximum"]):
            n = p["SampleCount"]
            data += p["Sum"]
            if p["Maximum"] <= HTTP_METER_BYTES:
                units += n
            else:
                units += n * http_units(int(p["Sum"] / n), 0)
        return Usage(http_requests=units, data_out_gb=data / GB).scaled(scale)
    if api_type == "WEBSOCKET":
        messages = sum(p["Sum"] for p in points("MessageCount", ["Sum"]))
        return Usage(
            websocket_messages=messages, websocket_connection_minutes=connection_minutes
        ).scaled(scale)
    raise ValueError(f"api_type is REST, HTTP or WEBSOCKET, not {api_type!r}")


def monthly_cost(
    api_type: str,
    requests: float,
    region: str = "us-east-1",
    *,
    traffic: Traffic | None = None,
    cache_size: str | None = None,
    free_tier: bool = False,
) -> float:
    """The monthly bill for ``requests`` calls shaped like ``traffic`` (for plots)."""
    shape = replace(traffic or Traffic(requests), requests=requests)
    return bill(shape.usage(api_type, cache_size=cache_size), region, free_tier=free_tier).total


def break_even(
    cheaper_when_small: Any, cheaper_when_large: Any, low: float, high: float
) -> float | None:
    """Where two monthly-cost curves (functions of monthly requests) cross, by bisection
    on a log scale; None when they do not cross between ``low`` and ``high``."""

    def gap(x: float) -> float:
        return cheaper_when_small(x) - cheaper_when_large(x)

    g_low, g_high = gap(low), gap(high)
    if g_low == 0:
        return low
    if (g_low > 0) == (g_high > 0):
        return None
    lo, hi = math.log(low), math.log(high)
    for _ in range(100):
        mid = (lo + hi) / 2
        if (gap(math.exp(mid)) > 0) == (g_low > 0):
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)
