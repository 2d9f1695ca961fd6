"""Route 53 health checks, evaluated by the emulator on the lab clock.

Route 53's checkers probe an endpoint every ``RequestInterval`` seconds (30, or 10 for
"fast" checks) and change its status after ``FailureThreshold`` (default 3) consecutive
probes disagree with it; a new health check counts as healthy until then; ``Inverted``
flips the status and a ``Disabled`` check is always healthy [doc] Route 53 DG "How Amazon
Route 53 determines whether a health check is healthy". Here one logical checker stands
for AWS's fleet (AWS: healthy when more than 18 % of its checkers say so) [unc].

- ``HTTP``/``HTTPS`` (and ``*_STR_MATCH``): a ``GET`` of ``FullyQualifiedDomainName`` +
  ``ResourcePath`` through the data plane, on the lab clock: 2xx or 3xx passes (and, for
  ``*_STR_MATCH``, ``SearchString`` in the first 5,120 bytes of the body). ``TCP``: the
  name answers at all. A check by ``IPAddress`` alone fails (the emulator serves names).
- ``CALCULATED``: healthy when at least ``HealthThreshold`` child checks are.
- ``CLOUDWATCH_METRIC``: the alarm's state (``ALARM`` is unhealthy; ``INSUFFICIENT_DATA``
  as ``InsufficientDataHealthStatus`` says, ``LastKnownStatus`` meaning healthy here).

Probes run when the lab clock moves (a clock listener), once per interval crossed, and
only as many as can still change the status: an hour's jump costs at most
``FailureThreshold`` probes. They reach the API like any request (metrics, access logs);
their traces are not kept, so ``lab.last_trace()`` stays the notebook's own request.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from http.client import responses as reasons
from typing import Any

from . import control_plane

#: the Regions Route 53's checkers probe from by default [doc] (HealthCheckConfig.Regions)
CHECKER_REGIONS = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
#: the User-Agent of Route 53's checkers [obs]
USER_AGENT = "Amazon-Route53-Health-Check-Service (ref apigw-lab; report http://amzn.to/1vsZADi)"
#: Route 53 reads this many bytes of the body for a string match [doc]
MATCH_BYTES = 5_120


@dataclass(slots=True)
class _State:
    healthy: bool = True
    #: consecutive probes that disagreed with ``healthy``
    against: int = 0
    #: the last interval (time // interval) probed
    tick: int | None = None
    report: str = "Success: new health check, no probe yet"
    checked: float | None = None


class HealthCheckers:
    """The emulator's Route 53 health checkers for one account."""

    def __init__(self, plane: Any) -> None:
        self.plane = plane
        self._state: dict[str, _State] = {}
        self._lock = threading.RLock()

    def reset(self) -> None:
        with self._lock:
            self._state.clear()

    # ------------------------------------------------------------------ reading

    def healthy(self, check_id: str) -> bool:
        """Route 53's status of a health check (after ``Inverted`` and ``Disabled``)."""
        check = control_plane.health_check(self.plane.account_id, check_id)
        if check is None:
            return True
        return self._status(check, 0)

    def _config(self, check: Any) -> dict[str, Any]:
        return getattr(check, "apigw_lab_config", None) or {}

    def _status(self, check: Any, depth: int) -> bool:
        if check.disabled:
            return True
        kind = (check.type_ or "").upper()
        if kind == "CALCULATED":
            children = [
                control_plane.health_check(self.plane.account_id, c) for c in check.children or []
            ]
            up = sum(1 for c in children if c is not None and depth < 5 and self._status(c, depth + 1))
            threshold = int(check.health_threshold or len(children) or 1)
            raw = up >= threshold
        elif kind == "CLOUDWATCH_METRIC":
            raw = self._alarm_status(check)
        else:
            raw = self._probe_state(check).healthy
        return (not raw) if check.inverted else raw

    def _alarm_status(self, check: Any) -> bool:
        config = self._config(check)
        alarm = config.get("AlarmIdentifier") or {}
        insufficient = (config.get("InsufficientDataHealthStatus") or "LastKnownStatus").lower()
        try:
            from moto.cloudwatch.models import cloudwatch_backends

            backend = cloudwatch_backends[self.plane.account_id][alarm.get("Region") or "us-east-1"]
            found = backend.alarms.get(alarm.get("Name"))
        except Exception:
            found = None
        state = getattr(found, "state_value", "INSUFFICIENT_DATA") if found else "INSUFFICIENT_DATA"
        if state == "ALARM":
            return False
        if state == "INSUFFICIENT_DATA":
            return insufficient != "unhealthy"
        return True

    def _probe_state(self, check: Any) -> _State:
        with self._lock:
            state = self._state.get(check.id)
            if state is None:
                state = self._state[check.id] = _State()
                created = getattr(check, "apigw_lab_created", None)
                at = created if created is not None else self.plane.clock.now()
                state.tick = int(at // self._interval(check))
            return state

    @staticmethod
    def _interval(check: Any) -> int:
        return int(check.request_interval or 30)

    def observations(self, check: Any) -> list[dict[str, Any]]:
        """``get_health_check_status``'s ``HealthCheckObservations`` (one logical checker,
        reported for each of the checker Regions)."""
        kind = (check.type_ or "").upper()
        if kind in ("CALCULATED", "CLOUDWATCH_METRIC"):
            ok = self._status(check, 0)
            text = "Success: healthy" if ok else "Failure: unhealthy"
            checked = self.plane.clock.now()
        else:
            state = self._probe_state(check)
            text = state.report
            checked = state.checked if state.checked is not None else self.plane.clock.now()
        when = dt.datetime.fromtimestamp(checked, tz=dt.UTC)
        regions = list(getattr(check, "regions", None) or CHECKER_REGIONS)
        return [
            {
                "Region": region,
                "IPAddress": f"15.177.{i * 8}.{10 + i}",
                "StatusReport": {"Status": text, "CheckedTime": when},
            }
            for i, region in enumerate(regions)
        ]

    # ------------------------------------------------------------------ probing

    def on_clock(self, now: float) -> None:
        """A lab-clock listener: run the probes due since the last move."""
        for check in control_plane.health_checks(self.plane.account_id):
            kind = (check.type_ or "").upper()
            if kind in ("CALCULATED", "CLOUDWATCH_METRIC") or check.disabled:
                continue
            state = self._probe_state(check)
            tick = int(now // self._interval(check))
            due = tick - (state.tick if state.tick is not None else tick)
            if due <= 0:
                continue
            state.tick = tick
            threshold = int(check.failure_threshold or 3)
            passed, report = self.probe(check)
            with self._lock:
                state.report, state.checked = report, now
                for _ in range(min(due, threshold)):
                    if passed == state.healthy:
                        state.against = 0
                        continue
                    state.against += 1
                    if state.against >= threshold:
                        state.healthy, state.against = passed, 0

    def probe(self, check: Any) -> tuple[bool, str]:
        """One probe of ``check`` through the data plane: (passed, Route 53's report)."""
        from .dataplane import UnknownApi
        from .errors import EmulatorLimitation
        from .http import HttpRequest

        kind = (check.type_ or "HTTPS").upper()
        host = (check.fqdn or "").lower().rstrip(".")
        if not host:
            return False, f"Failure: the emulator cannot reach IP address {check.ip_address}"
        path, _, query = (check.resource_path or "/").partition("?")
        request = HttpRequest(
            "GET",
            host,
            path if path.startswith("/") else "/" + path,
            query,
            [("Host", host), ("User-Agent", USER_AGENT)],
            scheme="https" if kind.startswith("HTTPS") else "http",
        )
        traces = self.plane.traces
        before = _last(traces)
        try:
            response = self.plane.handle(request)
        except UnknownApi:
            return False, f"Failure: DNS resolution failed for {host}"
        except EmulatorLimitation as exc:
            return False, f"Failure: {exc}"
        finally:
            after = _last(traces)
            if after is not None and after is not before:
                traces.discard(after)
        if kind == "TCP":
            return True, "Success: TCP connection established"
        status = response.status
        text = f"HTTP Status Code {status}, {reasons.get(status, '')}".rstrip(", ")
        if not 200 <= status < 400:
            return False, f"Failure: {text}"
        if kind.endswith("STR_MATCH"):
            wanted = (check.search_string or "").encode()
            if wanted not in response.body[:MATCH_BYTES]:
                return False, f"Failure: {text}. The search string was not found in the body"
        return True, f"Success: {text}"


def _last(traces: Any) -> Any:
    try:
        return traces.last()
    except LookupError:
        return None
