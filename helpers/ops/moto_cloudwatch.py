"""What moto's CloudWatch lacks for operating an API, filled in (moto 5.2.5).

- **Percentiles**: ``get_metric_statistics(ExtendedStatistics=["p99"])`` and
  ``get_metric_data`` with ``"Stat": "p90"`` (moto drops both). They are computed from the
  values the data plane keeps for its latency metrics, and from single values sent with
  ``put_metric_data``; a statistic set without values has no percentile (as on AWS).
  Percentile rule: nearest rank over the values of the period [unc: CloudWatch does not
  document its interpolation].
- **Alarms** keep what CloudWatch keeps: a new alarm starts in ``INSUFFICIENT_DATA``
  ("Unchecked: Initial alarm creation") and is evaluated at once; ``put_metric_alarm`` on an
  existing alarm keeps its state (moto starts it over); every state change is recorded and
  ``describe_alarm_history`` answers (moto has none); ``set_alarm_state`` goes through the
  same transition, so it runs the alarm's actions as on AWS. Evaluation itself is
  :mod:`helpers.ops.alarms` (on the lab clock).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
from typing import Any

#: what the current get_metric_statistics call asked for as ExtendedStatistics
_wanted = threading.local()


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0-100) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def parse_percentile(stat: str) -> float | None:
    """``"p99"`` → 99.0, ``"p99.9"`` → 99.9; anything else → None."""
    if not stat or stat[0] not in "pP":
        return None
    try:
        value = float(stat[1:])
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


def datum_values(data: list[Any]) -> list[float] | None:
    """Every value behind a period's data: single values and kept values of statistic
    sets. None when a statistic set kept none (no percentile can be computed)."""
    from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum

    out: list[float] = []
    for d in data:
        if isinstance(d, MetricDatum):
            out.append(d.value)
        elif isinstance(d, MetricAggregatedDatum):
            kept = getattr(d, "values", None)
            if kept is None:
                return None
            out.extend(kept)
    return out


def statistic(data: list[Any], stat: str) -> float | None:
    """One statistic (``Sum``, ``Average``, ``Minimum``, ``Maximum``, ``SampleCount`` or a
    percentile ``pNN``) over the data of one period; None when it has no value."""
    from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum

    p = parse_percentile(stat)
    if p is not None:
        values = datum_values(data)
        return percentile(values, p) if values else None
    n = total = 0.0
    lo, hi = math.inf, -math.inf
    for d in data:
        if isinstance(d, MetricDatum):
            n += 1
            total += d.value
            lo, hi = min(lo, d.value), max(hi, d.value)
        elif isinstance(d, MetricAggregatedDatum):
            n += d.sample_count
            total += d.sum
            lo, hi = min(lo, d.min), max(hi, d.max)
    if n == 0:
        return None
    return {
        "Sum": total,
        "SampleCount": n,
        "Average": total / n,
        "Minimum": lo,
        "Maximum": hi,
    }.get(stat)


def install() -> None:
    from moto.cloudwatch.models import Alarm, CloudWatchBackend, Statistics
    from moto.cloudwatch.responses import CloudWatchResponse

    _percentiles(CloudWatchBackend, CloudWatchResponse, Statistics)
    _metric_data(CloudWatchBackend, Statistics)
    _alarm_state(Alarm, CloudWatchBackend, CloudWatchResponse)


def _metric_data(backend_class: Any, statistics_class: Any) -> None:
    """``get_metric_data`` for metric queries, with exact dimensions (a metric is its name
    and *all* its dimensions) and in time proportional to the data rather than to data x
    periods (moto rescans every datapoint for every period: a day of 15-minute periods
    took seconds). Metric-math and Insights queries go to moto's own code."""
    import bisect

    from moto.cloudwatch.exceptions import ValidationError

    original = backend_class.get_metric_data

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: Any,
        end_time: Any,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        if any("MetricStat" not in q for q in queries):
            return original(self, queries, start_time, end_time, scan_by)
        start_time = start_time.replace(microsecond=0)
        end_time = end_time.replace(microsecond=0)
        if start_time > end_time:
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if start_time == end_time:
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        everything = self.get_all_metrics()
        results = []
        for query in queries:
            stat_spec = query["MetricStat"]
            metric = stat_spec["Metric"]
            wanted = sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
            unit = stat_spec.get("Unit")
            found = sorted(
                (
                    md
                    for md in everything
                    if md.namespace == metric["Namespace"]
                    and md.name == metric["MetricName"]
                    and start_time <= md.timestamp < end_time
                    and (not unit or md.unit == unit)
                    and sorted((d.name, d.value) for d in md.dimensions) == wanted
                ),
                key=lambda md: md.timestamp,
            )
            times = [md.timestamp for md in found]
            delta = dt.timedelta(seconds=int(stat_spec["Period"]))
            stat = stat_spec["Stat"]
            values: list[Any] = []
            stamps: list[Any] = []
            period_start = start_time
            while period_start <= end_time:
                lo = bisect.bisect_left(times, period_start)
                hi = bisect.bisect_left(times, period_start + delta)
                if hi > lo:
                    stats = statistics_class([stat], period_start)
                    stats.metric_data = found[lo:hi]
                    values.append(stats.get_statistics_for_type(stat))
                    stamps.append(stats.timestamp)
                period_start += delta
            if scan_by == "TimestampDescending":
                values.reverse()
                stamps.reverse()
            if query.get("ReturnData", True):
                results.append(
                    {
                        "id": query["Id"],
                        "label": query.get("Label") or f"{metric['MetricName']} {stat}",
                        "values": values,
                        "timestamps": stamps,
                        "status_code": "Complete",
                    }
                )
        return results

    get_metric_data.__doc__ = original.__doc__
    backend_class.get_metric_data = get_metric_data


def _percentiles(backend_class: Any, response_class: Any, statistics_class: Any) -> None:
    original_for_type = statistics_class.get_statistics_for_type

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        if parse_percentile(stat) is not None:
            return statistic(self.metric_data, stat)
        return original_for_type(self, stat)

    statistics_class.get_statistics_for_type = get_statistics_for_type

    original_response = response_class.get_metric_statistics

    def get_metric_statistics_response(self: Any) -> Any:
        _wanted.stats = list(self._get_param("ExtendedStatistics") or [])
        try:
            return original_response(self)
        finally:
            _wanted.stats = []

    response_class.get_metric_statistics = get_metric_statistics_response

    original_backend = backend_class.get_metric_statistics

    def get_metric_statistics(self: Any, *args: Any, **kwargs: Any) -> Any:
        points = original_backend(self, *args, **kwargs)
        wanted = getattr(_wanted, "stats", None)
        if wanted:
            for point in points:
                point.extended_statistics = {
                    p: v for p in wanted if (v := statistic(point.metric_data, p)) is not None
                }
        return points

    get_metric_statistics.__doc__ = original_backend.__doc__
    backend_class.get_metric_statistics = get_metric_statistics


# ------------------------------------------------------------------------------ alarms


def iso(when: dt.datetime) -> str:
    """``2025-01-01T09:05:00.000+0000``, as CloudWatch writes times in history data."""
    when = when.replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def record(
    alarm: Any, kind: str, summary: str, when: dt.datetime, data: dict[str, Any] | None = None
) -> None:
    """Add one history item (``StateUpdate``, ``ConfigurationUpdate`` or ``Action``)."""
    items = alarm.__dict__.setdefault("apigw_lab_history", [])
    items.append(
        {
            "AlarmName": alarm.name,
            "AlarmType": "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm",
            "Timestamp": when,
            "HistoryItemType": kind,
            "HistorySummary": summary,
            "HistoryData": json.dumps(data or {}),
        }
    )


def _state_json(alarm: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"stateValue": alarm.state_value, "stateReason": alarm.state_reason}
    try:
        reason_data = json.loads(alarm.state_reason_data or "{}")
    except ValueError:
        reason_data = {}
    if reason_data:
        out["stateReasonData"] = reason_data
    return out


def transition(
    alarm: Any, state: str, reason: str, reason_data: dict[str, Any] | str, when: dt.datetime
) -> bool:
    """Move ``alarm`` to ``state``. Returns True when the state changed (then the caller
    runs the actions); an evaluation that keeps the state changes nothing (CloudWatch
    keeps the reason of the last transition) [unc]."""
    text = reason_data if isinstance(reason_data, str) else json.dumps(reason_data)
    old = _state_json(alarm)
    changed = state != alarm.state_value
    if not changed and alarm.state_reason != "Unchecked: Initial alarm creation":
        return False
    alarm.state_value = state
    alarm.state_reason = reason
    alarm.state_reason_data = text
    if changed:
        alarm.state_updated_timestamp = when
        record(
            alarm,
            "StateUpdate",
            f"Alarm updated from {old['stateValue']} to {state}",
            when,
            {"version": "1.0", "oldState": old, "newState": _state_json(alarm)},
        )
    return changed


def _alarm_state(alarm_class: Any, backend_class: Any, response_class: Any) -> None:
    from moto.cloudwatch.exceptions import ResourceNotFound
    from moto.core.utils import utcnow

    original_init = alarm_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.state_value = "INSUFFICIENT_DATA"
        self.state_reason = "Unchecked: Initial alarm creation"

    alarm_class.__init__ = __init__

    original_put = backend_class.put_metric_alarm

    def put_metric_alarm(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        before = self.alarms.get(name)
        alarm = original_put(self, name, *args, **kwargs)
        now = utcnow()
        if before is not None:
            for attr in (
                "state_value",
                "state_reason",
                "state_reason_data",
                "state_updated_timestamp",
                "apigw_lab_history",
                "apigw_lab_next_tick",
            ):
                if attr in before.__dict__:
                    setattr(alarm, attr, before.__dict__[attr])
            record(alarm, "ConfigurationUpdate", f'Alarm "{name}" updated', now)
        else:
            alarm.state_updated_timestamp = now
            record(alarm, "ConfigurationUpdate", f'Alarm "{name}" created', now)
        from . import alarms

        alarms.created(self, alarm)
        return alarm

    put_metric_alarm.__doc__ = original_put.__doc__
    backend_class.put_metric_alarm = put_metric_alarm

    def set_alarm_state(
        self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str
    ) -> None:
        from moto.cloudwatch.exceptions import InvalidFormat, ValidationError

        try:
            if reason_data is not None:
                json.loads(reason_data)
        except ValueError:
            raise InvalidFormat("Unknown") from None
        if alarm_name not in self.alarms:
            raise ResourceNotFound
        if state_value not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
            raise ValidationError(
                "1 validation error detected: "
                f"Value '{state_value}' at 'stateValue' failed to satisfy constraint: "
                "Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]"
            )
        from . import alarms

        alarms.change_state(self, self.alarms[alarm_name], state_value, reason, reason_data or "{}")

    backend_class.set_alarm_state = set_alarm_state

    def describe_alarm_history(self: Any) -> Any:
        from moto.core.responses import ActionResult

        name = self._get_param("AlarmName")
        kind = self._get_param("HistoryItemType")
        start = self._get_param("StartDate")
        end = self._get_param("EndDate")
        newest_first = (self._get_param("ScanBy") or "TimestampDescending") != "TimestampAscending"
        limit = int(self._get_param("MaxRecords") or 100)
        items = []
        for alarm in self.cloudwatch_backend.alarms.values():
            if name and alarm.name != name:
                continue
            items.extend(alarm.__dict__.get("apigw_lab_history", []))

        def naive(value: Any) -> Any:
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                return value.astimezone(dt.UTC).replace(tzinfo=None)
            return value

        start, end = naive(start), naive(end)
        chosen = [
            (item["Timestamp"], i, item)
            for i, item in enumerate(items)
            if (not kind or item["HistoryItemType"] == kind)
            and (start is None or item["Timestamp"] >= start)
            and (end is None or item["Timestamp"] <= end)
        ]
        chosen.sort(key=lambda entry: entry[:2], reverse=newest_first)
        return ActionResult({"AlarmHistoryItems": [item for _, _, item in chosen[:limit]]})

    response_class.describe_alarm_history = describe_alarm_history
