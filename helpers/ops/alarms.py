"""CloudWatch metric alarms evaluated on the lab clock (moto stores alarms, never
evaluates them).

A lab-clock listener (:func:`on_clock`, installed by the lab next to the WebSocket sweep
and DynamoDB TTL) evaluates every metric alarm created with ``put_metric_alarm`` as the
clock passes its evaluation times, reading the datapoints the data plane wrote (buffered
metrics are flushed first). A state change is recorded in the alarm (``describe_alarms``,
``describe_alarm_history``) and runs the state's actions: an SNS topic in ``AlarmActions``
/ ``OKActions`` / ``InsufficientDataActions`` gets CloudWatch's notification — ``Subject``
``ALARM: "name" in US East (N. Virginia)`` and the JSON ``Message`` (to SQS, Lambda, HTTP),
or the text e-mail CloudWatch sends to e-mail subscribers.

**Evaluation rule** — the one place it is written down; the lines marked [unc] are our
reading where CloudWatch's documentation stops:

- an alarm is evaluated when it is created or updated, then at every whole minute of the
  lab clock (every ``Period`` for 10/20/30-second alarms) [unc: CloudWatch says "every
  minute"; we evaluate exactly on the minute];
- at evaluation time ``T`` the evaluation range is the ``EvaluationPeriods`` (N) periods
  ending at ``T``: ``[T - N*Period, T)``; each period's statistic (``Statistic`` or a
  ``pNN`` ``ExtendedStatistic``) is computed from the datapoints whose timestamp falls in
  it; a period without datapoints is *missing*. No ingestion delay [unc: on AWS metrics
  arrive a minute or two late];
- a datapoint *breaches* when it compares with ``Threshold`` as ``ComparisonOperator``
  says; ``ALARM`` when at least ``DatapointsToAlarm`` (M, default N) of the range breach,
  otherwise ``OK``;
- ``TreatMissingData``: ``breaching`` / ``notBreaching`` substitute a breaching / good
  point; ``missing`` (default) judges on the points present and goes to
  ``INSUFFICIENT_DATA`` when all N are missing; ``ignore`` judges on the points present
  and keeps the current state when all are missing. AWS/DynamoDB metrics always ignore.
  CloudWatch may look further back than N periods when points are missing (its
  "evaluation range"); we do not [unc];
- actions run only on a state *change*, if ``ActionsEnabled``.

Reason texts and ``StateReasonData`` follow what CloudWatch writes ("Threshold Crossed: 2
out of the last 3 datapoints [...] were greater than or equal to the threshold (1.0)
(minimum 2 datapoints for OK -> ALARM transition).") [unc: wording beyond the documented
examples].
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

from .moto_cloudwatch import iso, record, statistic, transition

#: where alarms exist (account, region): the listener looks nowhere else
_backends: set[tuple[str, str]] = set()
#: per (account, region): series key -> [offset into metric_data, sorted (epoch, datum)]
_series: dict[tuple[str, str], dict[tuple, list]] = {}
_offsets: dict[tuple[str, str], int] = {}
#: called before an evaluation reads metrics (the data plane's flush)
before_evaluation: list[Callable[[], None]] = []

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "eu-west-1": "Europe (Ireland)",
    "eu-central-1": "Europe (Frankfurt)",
}
_PHRASE = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def reset() -> None:
    """Forget every alarm location and series index (after a moto reset)."""
    _backends.clear()
    _series.clear()
    _offsets.clear()


def _now() -> float:
    import time

    return time.time()


def _step(alarm: Any) -> int:
    period = int(alarm.period or 60)
    return period if period < 60 else 60


def _at(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).replace(tzinfo=None)


# ------------------------------------------------------------------------------ entry points


def created(backend: Any, alarm: Any) -> None:
    """``put_metric_alarm``: evaluate the alarm at once, then on the lab clock."""
    _backends.add((backend.account_id, backend.region_name))
    if getattr(alarm, "rule", None) or not alarm.metric_name:
        # composite and metric-math alarms are not evaluated: say so where the learner looks
        alarm.state_reason = (
            "Unchecked: apigw-lab evaluates single-metric alarms only, not metric math or "
            "composite alarms"
        )
        return
    now = _now()
    step = _step(alarm)
    tick = math.floor(now / step) * step
    _flush()
    _evaluate(backend, alarm, tick)
    alarm.apigw_lab_next_tick = tick + step


def on_clock(now: float) -> None:
    """Lab-clock listener: evaluate every alarm whose evaluation times the clock passed."""
    if not _backends:
        return
    from moto.cloudwatch.models import cloudwatch_backends

    due: list[tuple[Any, Any]] = []
    for account, region in list(_backends):
        backend = cloudwatch_backends[account][region]
        for alarm in list(backend.alarms.values()):
            tick = getattr(alarm, "apigw_lab_next_tick", None)
            if tick is not None and tick <= now:
                due.append((backend, alarm))
    if not due:
        return
    _flush()
    for backend, alarm in due:
        step = _step(alarm)
        tick = alarm.apigw_lab_next_tick
        while tick <= now:
            _evaluate(backend, alarm, tick)
            tick += step
        alarm.apigw_lab_next_tick = tick


def change_state(
    backend: Any, alarm: Any, state: str, reason: str, reason_data: Any, when: float | None = None
) -> None:
    """Move the alarm to ``state`` and, if that is a change, run the state's actions
    (``set_alarm_state`` comes here too)."""
    at = _at(_now() if when is None else when)
    old = alarm.state_value
    if transition(alarm, state, reason, reason_data, at):
        _run_actions(backend, alarm, old, at)


def _flush() -> None:
    for hook in list(before_evaluation):
        hook()


# ------------------------------------------------------------------------------ data


def _series_for(backend: Any, alarm: Any) -> list[tuple[float, Any]]:
    """The alarm's metric datapoints, (epoch, datum) sorted by time, kept up to date
    incrementally (moto only ever appends to ``metric_data``)."""
    where = (backend.account_id, backend.region_name)
    index = _series.setdefault(where, {})
    data = backend.metric_data
    start = _offsets.get(where, 0)
    if start > len(data):  # the backend was reset under us
        index.clear()
        start = 0
    if start < len(data):
        for datum in data[start:]:
            key = (
                datum.namespace,
                datum.name,
                tuple(sorted((d.name, d.value) for d in datum.dimensions)),
            )
            epoch = datum.timestamp.replace(tzinfo=datum.timestamp.tzinfo or dt.UTC).timestamp()
            found = index.setdefault(key, [])
            if not found or found[-1][0] <= epoch:
                found.append((epoch, datum))  # the usual case: data arrives in time order
            else:
                bisect.insort(found, (epoch, datum), key=lambda pair: pair[0])
        _offsets[where] = len(data)
    key = (
        alarm.namespace,
        alarm.metric_name,
        tuple(sorted((d.name, d.value) for d in alarm.dimensions)),
    )
    return index.get(key, [])


def _period_values(
    series: list[tuple[float, Any]], alarm: Any, tick: float
) -> list[tuple[float, float | None, float]]:
    """(period start, statistic or None when missing, sample count), oldest first."""
    period = int(alarm.period or 60)
    n = int(alarm.evaluation_periods or 1)
    stat = alarm.extended_statistic or alarm.statistic or "Average"
    times = [t for t, _ in series]
    out = []
    for k in range(n, 0, -1):
        start = tick - k * period
        lo = bisect.bisect_left(times, start)
        hi = bisect.bisect_left(times, start + period)
        data = [d for _, d in series[lo:hi] if not alarm.unit or d.unit == alarm.unit]
        value = statistic(data, stat) if data else None
        count = statistic(data, "SampleCount") if data else 0.0
        out.append((start, value, count or 0.0))
    return out


def _number(value: float) -> str:
    """A value as CloudWatch prints it in reasons (Java's double: ``5.0``, ``0.25``)."""
    return repr(float(value))


def _stamp(epoch: float) -> str:
    return _at(epoch).strftime("%d/%m/%y %H:%M:%S")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# ------------------------------------------------------------------------------ evaluation


def _evaluate(backend: Any, alarm: Any, tick: float) -> None:
    period = int(alarm.period or 60)
    n = int(alarm.evaluation_periods or 1)
    m = int(alarm.datapoints_to_alarm or n)
    threshold = float(alarm.threshold)
    op = alarm.comparison_operator
    compare = _COMPARE.get(op)
    if compare is None:
        return  # anomaly-detection bands are not evaluated
    treat = alarm.treat_missing_data or "missing"
    if alarm.namespace == "AWS/DynamoDB":
        treat = "ignore"
    points = _period_values(_series_for(backend, alarm), alarm, tick)
    classes: list[bool | None] = []
    substituted = 0
    for _, value, _ in points:
        if value is None:
            if treat in ("breaching", "notBreaching"):
                classes.append(treat == "breaching")
                substituted += 1
            else:
                classes.append(None)
        else:
            classes.append(compare(value, threshold))
    present = [c for c in classes if c is not None]
    data = _reason_data(alarm, points, tick, period)
    if not present:
        if treat == "ignore":
            return
        reason = (
            f"Insufficient Data: {_plural(n, 'datapoint')} {'was' if n == 1 else 'were'} unknown."
        )
        change_state(backend, alarm, "INSUFFICIENT_DATA", reason, data, tick)
        return
    breaching = sum(1 for c in present if c)
    old = alarm.state_value
    if breaching >= m:
        chosen = [
            (s, v) for (s, v, _), c in zip(points, classes, strict=True) if c and v is not None
        ]
        verb = "were" if len(chosen) != 1 else "was"
        listed = ", ".join(f"{_number(v)} ({_stamp(s)})" for s, v in reversed(chosen))
        reason = (
            f"Threshold Crossed: {breaching} out of "
            f"the last {len(present)} datapoints [{listed}] {verb} {_PHRASE[op]} the threshold "
            f"({_number(threshold)}) (minimum {_plural(m, 'datapoint')} for {old} -> ALARM "
            "transition)."
        )
        state = "ALARM"
    else:
        good = [
            (s, v)
            for (s, v, _), c in zip(points, classes, strict=True)
            if c is False and v is not None
        ]
        needed = n - m + 1
        if good:
            listed = ", ".join(f"{_number(v)} ({_stamp(s)})" for s, v in reversed(good))
            verb = "were" if len(good) != 1 else "was"
            reason = (
                f"Threshold Crossed: {len(good)} out of the last {len(present)} datapoints "
                f"[{listed}] {verb} not {_PHRASE[op]} the threshold ({_number(threshold)}) "
                f"(minimum {_plural(needed, 'datapoint')} for {old} -> OK transition)."
            )
        else:
            reason = (
                f"Threshold Crossed: no datapoints were received for {_plural(n, 'period')} "
                f"and {_plural(substituted, 'missing datapoint')} "
                f"{'was' if substituted == 1 else 'were'} treated as [NonBreaching]."
            )
        state = "OK"
    if substituted and state == "ALARM" and treat == "breaching":
        reason = reason.rstrip(".") + (
            f" and {_plural(substituted, 'missing datapoint')} "
            f"{'was' if substituted == 1 else 'were'} treated as [Breaching]."
        )
    change_state(backend, alarm, state, reason, data, tick)


def _reason_data(
    alarm: Any, points: list[tuple[float, float | None, float]], tick: float, period: int
) -> dict[str, Any]:
    present = [(s, v, c) for s, v, c in points if v is not None]
    out: dict[str, Any] = {
        "version": "1.0",
        "queryDate": iso(_at(tick)),
        "startDate": iso(_at(points[0][0])) if points else iso(_at(tick)),
    }
    if alarm.extended_statistic:
        out["extendedStatistic"] = alarm.extended_statistic
    else:
        out["statistic"] = alarm.statistic
    if alarm.unit:
        out["unit"] = alarm.unit
    out.update(
        {
            "period": period,
            "recentDatapoints": [v for _, v, _ in present],
            "threshold": float(alarm.threshold),
            "evaluatedDatapoints": [
                {"timestamp": iso(_at(s)), "sampleCount": c, "value": v}
                for s, v, c in reversed(present)
            ],
        }
    )
    return out


# ------------------------------------------------------------------------------ actions


def _run_actions(backend: Any, alarm: Any, old: str, at: dt.datetime) -> None:
    if not alarm.actions_enabled:
        return
    arns = {
        "ALARM": alarm.alarm_actions,
        "OK": alarm.ok_actions,
        "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
    }.get(alarm.state_value) or []
    for arn in arns:
        if arn.startswith("arn:aws:sns:"):
            _notify(backend, alarm, old, arn, at)
        else:
            record(
                alarm,
                "Action",
                f"Failed to execute action {arn}. apigw-lab runs SNS actions only.",
                at,
                {"actionState": "Failed", "notificationResource": arn},
            )


def subject(alarm: Any, region: str) -> str:
    """``ALARM: "name" in US East (N. Virginia)`` (SNS subjects stop at 100 characters)."""
    text = f'{alarm.state_value}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'
    return text[:100]


def message(alarm: Any, old: str, account: str, region: str, at: dt.datetime) -> dict[str, Any]:
    """The JSON CloudWatch publishes to SNS for a state change."""
    dims = [{"value": d.value, "name": d.name} for d in alarm.dimensions]
    trigger: dict[str, Any] = {
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
        "Statistic": alarm.extended_statistic or (alarm.statistic or "").upper(),
        "Unit": alarm.unit,
        "Dimensions": dims,
        "Period": int(alarm.period),
        "EvaluationPeriods": int(alarm.evaluation_periods),
    }
    if alarm.datapoints_to_alarm:
        trigger["DatapointsToAlarm"] = int(alarm.datapoints_to_alarm)
    trigger.update(
        {
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        }
    )
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": iso(
            alarm.configuration_updated_timestamp.replace(tzinfo=None)
        ),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": iso(at),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": trigger,
    }


def email_text(alarm: Any, old: str, account: str, region: str, at: dt.datetime) -> str:
    """The text CloudWatch sends to e-mail subscribers [unc: layout from captured mails]."""
    when = at.strftime("%A %d %B, %Y %H:%M:%S UTC")
    place = REGION_NAMES.get(region, region)
    dims = " ".join(f"[{d.name} = {d.value}]" for d in alarm.dimensions)
    n = int(alarm.evaluation_periods)
    m = int(alarm.datapoints_to_alarm or n)
    stat = alarm.extended_statistic or alarm.statistic

    def actions(arns: list[str]) -> str:
        return f"[{', '.join(arns)}]" if arns else ""

    return "\n".join(
        [
            f'You are receiving this email because your Amazon CloudWatch Alarm "{alarm.name}" '
            f"in the {place} region has entered the {alarm.state_value} state, because "
            f'"{alarm.state_reason}" at "{when}".',
            "",
            "View this alarm in the AWS Management Console:",
            f"https://{region}.console.aws.amazon.com/cloudwatch/deeplink.js?region={region}"
            f"#alarmsV2:alarm/{alarm.name}",
            "",
            "Alarm Details:",
            f"- Name:                       {alarm.name}",
            f"- Description:                {alarm.description or ''}",
            f"- State Change:               {old} -> {alarm.state_value}",
            f"- Reason for State Change:    {alarm.state_reason}",
            f"- Timestamp:                  {when}",
            f"- AWS Account:                {account}",
            f"- Alarm Arn:                  {alarm.alarm_arn}",
            "",
            "Threshold:",
            f"- The alarm is in the ALARM state when the metric is {alarm.comparison_operator} "
            f"{_number(float(alarm.threshold))} for at least {m} of the last {n} period(s) of "
            f"{int(alarm.period)} seconds.",
            "",
            "Monitored Metric:",
            f"- MetricNamespace:                     {alarm.namespace}",
            f"- MetricName:                          {alarm.metric_name}",
            f"- Dimensions:                          {dims}",
            f"- Period:                              {int(alarm.period)} seconds",
            f"- Statistic:                           {stat}",
            f"- Unit:                                {alarm.unit or 'not specified'}",
            f"- TreatMissingData:                    {alarm.treat_missing_data or 'missing'}",
            "",
            "",
            "State Change Actions:",
            f"- OK: {actions(alarm.ok_actions)}",
            f"- ALARM: {actions(alarm.alarm_actions)}",
            f"- INSUFFICIENT_DATA: {actions(alarm.insufficient_data_actions)}",
        ]
    )


def _notify(backend: Any, alarm: Any, old: str, topic_arn: str, at: dt.datetime) -> None:
    from moto.sns.models import sns_backends

    parts = topic_arn.split(":")
    account, region = parts[4], parts[3]
    body = message(alarm, old, backend.account_id, backend.region_name, at)
    structured = {
        "default": json.dumps(body),
        "email": email_text(alarm, old, backend.account_id, backend.region_name, at),
    }
    sns = sns_backends[account][region]
    try:
        message_id = sns.publish(
            json.dumps(structured),
            arn=topic_arn,
            subject=subject(alarm, backend.region_name),
            message_structure="json",
        )
    except Exception as err:  # a topic that is gone: CloudWatch records the failure
        record(
            alarm,
            "Action",
            f"Failed to execute action {topic_arn}. Received error: "
            f'"{getattr(err, "message", None) or err}"',
            at,
            {"actionState": "Failed", "notificationResource": topic_arn},
        )
        return
    record(
        alarm,
        "Action",
        f"Successfully executed action {topic_arn}",
        at,
        {
            "actionState": "Succeeded",
            "stateUpdateTimestamp": int(at.replace(tzinfo=dt.UTC).timestamp() * 1000),
            "notificationResource": topic_arn,
            "publishedMessage": {"messageId": message_id, "message": body},
        },
    )
