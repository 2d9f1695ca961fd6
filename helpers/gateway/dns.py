"""Name resolution on the moto target: whether a host name resolves, and to what, decided
by the Route 53 records a notebook created (reference §4.7; Route 53 DG "Choosing a
routing policy", "How Amazon Route 53 chooses records when health checking is configured").

A name resolves when a **public** hosted zone is authoritative for it (the emulator takes
every public zone as delegated by its registrar, as it would be for a domain you own) and
that zone holds an ``A``, ``AAAA`` or ``CNAME`` record of the name (or a ``*.`` wildcard
one level up). Records are chosen by their routing policy:

- **simple**: the record;
- **failover**: ``PRIMARY`` while it is healthy, else ``SECONDARY`` if healthy, else the
  primary again [unc];
- **latency**: among the healthy records (all of them when none is), the one whose
  ``Region`` is nearest to the client's Region — :attr:`Resolver.client_region`, which a
  notebook sets, since a laptop has no AWS Region. Nearness is estimated from the Regions'
  locations (:data:`REGION_LOCATIONS`) [unc];
- **weighted**: a seeded draw in proportion to ``Weight`` among the healthy records;
- **multivalue answer**: the first healthy record.

A record is healthy when its ``HealthCheckId`` (if any) reports healthy
(:mod:`helpers.gateway.health_checks`) and, with ``EvaluateTargetHealth`` on an alias to
another record of the zone, when that record resolves to a healthy one. An alias to an
API Gateway or CloudFront name is always healthy: ``EvaluateTargetHealth`` there reflects
only the service's own availability in the Region [doc].

Geolocation and geoproximity records are not emulated (``EmulatorLimitation``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from . import control_plane
from .errors import EmulatorLimitation

#: approximate locations (latitude, longitude) of AWS Regions, for latency records [unc]
REGION_LOCATIONS = {
    "us-east-1": (38.9, -77.4),
    "us-east-2": (40.0, -83.0),
    "us-west-1": (37.4, -122.0),
    "us-west-2": (45.8, -119.7),
    "ca-central-1": (45.5, -73.6),
    "sa-east-1": (-23.5, -46.6),
    "eu-west-1": (53.3, -6.3),
    "eu-west-2": (51.5, -0.1),
    "eu-west-3": (48.9, 2.4),
    "eu-central-1": (50.1, 8.7),
    "eu-north-1": (59.3, 18.1),
    "ap-northeast-1": (35.7, 139.7),
    "ap-northeast-2": (37.6, 127.0),
    "ap-northeast-3": (34.7, 135.5),
    "ap-southeast-1": (1.35, 103.8),
    "ap-southeast-2": (-33.9, 151.2),
    "ap-south-1": (19.1, 72.9),
}
#: how many CNAME/alias hops a resolution follows before it gives up
MAX_HOPS = 8
_ADDRESS_TYPES = ("A", "AAAA", "CNAME")


def latency_ms(client_region: str, record_region: str) -> float:
    """An estimate of the round trip from a client in ``client_region`` to
    ``record_region``: 5 ms in the same Region, plus 1 ms per 100 km of great circle [unc]."""
    if client_region == record_region:
        return 5.0
    a = REGION_LOCATIONS.get(client_region)
    b = REGION_LOCATIONS.get(record_region)
    if a is None or b is None:
        return 1_000.0
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    km = 2 * 6371 * math.asin(math.sqrt(h))
    return 5.0 + km / 100


@dataclass(frozen=True, slots=True)
class Resolution:
    """What DNS answered for ``name``: the final host name (None: the name does not
    resolve) and how it got there, one line per record followed."""

    name: str
    target: str | None
    steps: tuple[str, ...]
    #: the Region of the latency record, or of the regional endpoint, that answered
    region: str | None = None

    def __str__(self) -> str:
        return "\n".join(self.steps) if self.steps else f"{self.name}: no answer"


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


def _is_address(host: str) -> bool:
    parts = host.split(".")
    return (len(parts) == 4 and all(p.isdigit() for p in parts)) or ":" in host


class Resolver:
    """Resolves host names from Route 53's public hosted zones (moto)."""

    def __init__(self, account_id: str, health: Any = None, seed: int = 0) -> None:
        self.account_id = account_id
        #: answers ``healthy(health_check_id) -> bool`` (None: every record is healthy)
        self.health = health
        #: the AWS Region a client's DNS queries come from, for latency records
        self.client_region = "us-east-1"
        self._rng = random.Random(f"dns:{seed}")

    def reseed(self, seed: int) -> None:
        self._rng.seed(f"dns:{seed}")
        self.client_region = "us-east-1"

    def claims(self, host: str) -> bool:
        """Whether Route 53 (a public hosted zone) is authoritative for ``host``. Cheap:
        it runs for every ``requests`` call on the moto target."""
        host = _norm(host)
        if not host or "." not in host or _is_address(host) or host.endswith(".amazonaws.com"):
            return False
        return control_plane.zone_for(self.account_id, host) is not None

    def resolve(self, host: str) -> Resolution | None:
        """What ``host`` resolves to; None when no public hosted zone is authoritative for
        it (the real DNS would decide: the emulator does not know)."""
        name = _norm(host)
        if control_plane.zone_for(self.account_id, name) is None:
            return None
        steps: list[str] = []
        region = None
        current = name
        for _ in range(MAX_HOPS):
            if control_plane.zone_for(self.account_id, current) is None:
                return Resolution(name, current, tuple(steps), region)
            record, why = self._choose(current)
            if record is None:
                steps.append(f"{current}: {why}")
                return Resolution(name, None, tuple(steps), region)
            region = record.region or region
            nxt = self._next_name(record)
            steps.append(f"{current} {why} -> {nxt}")
            if nxt is None:
                return Resolution(name, None, tuple(steps), region)
            current = nxt
        steps.append(f"{current}: more than {MAX_HOPS} aliases, giving up")
        return Resolution(name, None, tuple(steps), region)

    # ------------------------------------------------------------------ records

    def _records(self, name: str) -> list[Any]:
        found = [
            r for r in control_plane.public_records(self.account_id, name) if r.type in _ADDRESS_TYPES
        ]
        if not found and "." in name:
            parent = name.split(".", 1)[1]
            found = [
                r
                for r in control_plane.public_records(self.account_id, f"*.{parent}")
                if r.type in _ADDRESS_TYPES
            ]
        # an A record wins over AAAA (requests asks for both; IPv4 first)
        types = {r.type for r in found}
        if "A" in types:
            found = [r for r in found if r.type == "A"]
        elif "CNAME" in types:
            found = [r for r in found if r.type == "CNAME"]
        return found

    @staticmethod
    def _next_name(record: Any) -> str | None:
        if record.alias_target:
            return _norm(str(record.alias_target.get("DNSName") or "")) or None
        values = [str(v) for v in record.records or []]
        if record.type == "CNAME" and values:
            return _norm(values[0])
        return values[0] if values else None  # an address: the emulator serves none

    def healthy(self, record: Any, depth: int = 0) -> bool:
        """Route 53's view of one record: its health check, and its alias target's health
        when ``EvaluateTargetHealth`` is on."""
        check = getattr(record, "health_check_id", None)
        if check and self.health is not None and not self.health.healthy(check):
            return False
        alias = record.alias_target or {}
        if alias and str(alias.get("EvaluateTargetHealth")).lower() == "true" and depth < MAX_HOPS:
            target = _norm(str(alias.get("DNSName") or ""))
            if control_plane.zone_for(self.account_id, target) is not None:
                records = self._records(target)
                return any(self.healthy(r, depth + 1) for r in records)
        return True

    def _label(self, record: Any) -> str:
        parts = [record.type + (" alias" if record.alias_target else "")]
        if record.failover:
            parts.append(f"failover {record.failover}")
        if record.region:
            parts.append(f"latency {record.region}")
        if record.weight is not None:
            parts.append(f"weight {record.weight}")
        if record.set_identifier:
            parts.append(f"set {record.set_identifier!r}")
        if record.health_check_id:
            state = "healthy" if self.healthy(record) else "unhealthy"
            parts.append(f"health check {record.health_check_id[:8]} {state}")
        return "(" + ", ".join(parts) + ")"

    def _choose(self, name: str) -> tuple[Any | None, str]:
        records = self._records(name)
        if not records:
            return None, "no A, AAAA or CNAME record (NXDOMAIN)"
        if any(r.geo_location for r in records):
            raise EmulatorLimitation(
                f"{name}: geolocation records are not emulated (use latency or failover)"
            )
        if any(r.failover for r in records):
            primary = [r for r in records if str(r.failover).upper() == "PRIMARY"]
            secondary = [r for r in records if str(r.failover).upper() == "SECONDARY"]
            if primary and self.healthy(primary[0]):
                chosen = primary[0]
            elif secondary and self.healthy(secondary[0]):
                chosen = secondary[0]
            else:  # [unc] every record unhealthy: Route 53 answers with the primary
                chosen = (primary or secondary)[0]
            return chosen, self._label(chosen)
        if any(r.region for r in records):
            pool = [r for r in records if self.healthy(r)] or records
            chosen = min(pool, key=lambda r: latency_ms(self.client_region, r.region or ""))
            return chosen, self._label(chosen) + f" nearest to a client in {self.client_region}"
        if any(r.weight is not None for r in records):
            pool = [r for r in records if self.healthy(r)] or records
            weights = [float(r.weight or 0) for r in pool]
            if sum(weights) <= 0:
                weights = [1.0] * len(pool)
            chosen = self._rng.choices(pool, weights=weights)[0]
            return chosen, self._label(chosen)
        healthy = [r for r in records if self.healthy(r)]
        chosen = (healthy or records)[0]
        return chosen, self._label(chosen)
