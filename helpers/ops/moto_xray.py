"""moto's X-Ray answers, made useful for finding where the time went (moto 5.2.5).

moto stores segments but summarises traces with whole seconds, a response time of 1 ms,
no HTTP data, annotations or services, and fails on any filter expression. Here
``get_trace_summaries`` gives each trace's ``Duration`` and ``ResponseTime`` in seconds
(float), ``Http``, ``Annotations``, ``ServiceIds``, ``EntryPoint``, ``HasError`` /
``HasFault`` / ``HasThrottle``, sorted by start time; ``batch_get_traces`` gives float
durations. Filter expressions: the common forms, joined with ``AND`` —
``service("name")``, ``responsetime > 1``, ``duration >= 0.5``, ``fault``, ``error``,
``throttle``, ``ok``, ``http.status = 502``, ``http.method = "GET"``,
``annotation.aws:api_stage = "prod"``. Anything else is refused with a clear message
rather than answered wrongly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

_CLAUSE = re.compile(
    r"""^\s*(?:
        service\(\s*"(?P<service>[^"]*)"\s*\)
      | (?P<flag>fault|error|throttle|ok)
      | (?P<field>responsetime|duration|http\.status|http\.method|http\.url
                  |annotation\.[A-Za-z0-9_:.\-]+)
        \s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>"[^"]*"|[0-9.]+)
    )\s*$""",
    re.VERBOSE,
)
SUPPORTED = (
    'service("name"), responsetime > N, duration > N, fault, error, throttle, ok, '
    'http.status = N, http.method = "GET", http.url = "...", annotation.KEY = "value" '
    "(joined with AND)"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a is not None and a > b,
    "<": lambda a, b: a is not None and a < b,
    ">=": lambda a, b: a is not None and a >= b,
    "<=": lambda a, b: a is not None and a <= b,
}


def _root(segments: list[Any]) -> Any:
    for seg in segments:
        if not seg.parent_id:
            return seg
    return segments[0]


def _summary(trace_id: str, segments: list[Any]) -> dict[str, Any]:
    root = _root(segments)
    start = min(s.start_time for s in segments)
    end = max(s.end_time or s.start_time for s in segments)
    http = root.http or {}
    request, response = http.get("request") or {}, http.get("response") or {}
    annotations: dict[str, list[dict[str, Any]]] = {}
    services: list[dict[str, Any]] = []
    seen = set()
    for seg in segments:
        for key, value in (seg.annotations or {}).items():
            kind = (
                "BooleanValue"
                if isinstance(value, bool)
                else "NumberValue"
                if isinstance(value, (int, float))
                else "StringValue"
            )
            annotations.setdefault(key, []).append({"AnnotationValue": {kind: value}})
        key = (seg.name, seg.origin)
        if key not in seen:
            seen.add(key)
            services.append(
                {
                    "Name": seg.name,
                    "Names": [seg.name],
                    "AccountId": ((seg.aws or {}).get("api_gateway") or {}).get("account_id")
                    or (seg.aws or {}).get("account_id"),
                    "Type": seg.origin,
                }
            )
    flags = {
        name: any(bool(seg.misc.get(name)) for seg in segments)
        for name in ("error", "fault", "throttle")
    }
    return {
        "Id": trace_id,
        "StartTime": dt.datetime.fromtimestamp(start, tz=dt.UTC).isoformat(),
        "Duration": round(end - start, 3),
        "ResponseTime": round((root.end_time or root.start_time) - root.start_time, 3),
        "HasError": flags["error"],
        "HasFault": flags["fault"],
        "HasThrottle": flags["throttle"],
        "IsPartial": False,
        "Http": {
            k: v
            for k, v in {
                "HttpURL": request.get("url"),
                "HttpStatus": response.get("status"),
                "HttpMethod": request.get("method"),
                "ClientIp": request.get("client_ip"),
            }.items()
            if v is not None
        },
        "Annotations": annotations,
        "Users": [],
        "ServiceIds": services,
        "EntryPoint": services[0] if services else {},
    }


def _value(summary: dict[str, Any], segments: list[Any], field: str) -> Any:
    if field == "responsetime":
        return summary["ResponseTime"]
    if field == "duration":
        return summary["Duration"]
    if field == "http.status":
        return summary["Http"].get("HttpStatus")
    if field == "http.method":
        return summary["Http"].get("HttpMethod")
    if field == "http.url":
        return summary["Http"].get("HttpURL")
    key = field[len("annotation.") :]
    values = summary["Annotations"].get(key) or []
    if not values:
        return None
    return next(iter(values[0]["AnnotationValue"].values()))


def matches(expression: str, summary: dict[str, Any], segments: list[Any]) -> bool:
    from moto.core.exceptions import AWSError

    for clause in re.split(r"\s+(?:AND|and)\s+", expression.strip()):
        found = _CLAUSE.match(clause)
        if found is None:
            raise AWSError(
                f"apigw-lab's X-Ray understands these filter expressions: {SUPPORTED}; "
                f"not {clause!r}",
                exception_type="InvalidRequestException",
                status=400,
            )
        if found["service"] is not None:
            if not any(s["Name"] == found["service"] for s in summary["ServiceIds"]):
                return False
        elif found["flag"]:
            flag = found["flag"]
            ok = not (summary["HasError"] or summary["HasFault"] or summary["HasThrottle"])
            wanted = ok if flag == "ok" else summary[f"Has{flag.capitalize()}"]
            if not wanted:
                return False
        else:
            raw = found["value"]
            value: Any = raw[1:-1] if raw.startswith('"') else float(raw)
            actual = _value(summary, segments, found["field"])
            if isinstance(value, float) and isinstance(actual, int):
                actual = float(actual)
            if not _OPS[found["op"]](actual, value):
                return False
    return True


class _NotAvailable:
    """Stands in for moto's X-Ray SDK mock (see :func:`_without_the_sdk_mock`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("apigw-lab does not load moto's X-Ray SDK mock (aws_xray_sdk)")


def _without_the_sdk_mock() -> None:
    """``import moto.xray`` first imports ``moto.xray.mock_client``, which imports the AWS
    X-Ray SDK (a second per notebook, to mock an SDK the course never uses). The backend
    the course needs does not depend on it: the mock module is replaced by a stub, unless
    something loaded the real one already."""
    import sys
    import types

    if "moto.xray.mock_client" in sys.modules:
        return
    stub = types.ModuleType("moto.xray.mock_client")
    stub.MockXrayClient = _NotAvailable  # type: ignore[attr-defined]
    stub.XRaySegment = _NotAvailable  # type: ignore[attr-defined]
    sys.modules["moto.xray.mock_client"] = stub


def install() -> None:
    _without_the_sdk_mock()
    from moto.xray.models import SegmentCollection, XRayBackend

    def summary(
        self: Any, start_time: Any, end_time: Any, filter_expression: Any = None
    ) -> dict[str, Any]:
        summaries = []
        for tid, trace in self._traces.items():
            if not trace["finished"] or not trace["segments"]:
                continue
            if not (start_time <= trace["start_date"] and trace["end_date"] <= end_time):
                continue
            found = _summary(tid, trace["segments"])
            if filter_expression and not matches(filter_expression, found, trace["segments"]):
                continue
            summaries.append(found)
        summaries.sort(key=lambda s: (s["StartTime"], s["Id"]))
        for s in summaries:
            s.pop("StartTime")
        import time

        return {
            "ApproximateTime": int(time.time()),
            "TracesProcessedCount": len(summaries),
            "TraceSummaries": summaries,
        }

    SegmentCollection.summary = summary

    original_get = XRayBackend.get_trace_ids

    def get_trace_ids(self: Any, trace_ids: list[str]) -> dict[str, Any]:
        result = original_get(self, trace_ids)
        by_id = self._segment_collection._traces
        for trace in result["Traces"]:
            segments = by_id[trace["Id"]]["segments"]
            start = min(s.start_time for s in segments)
            end = max(s.end_time or s.start_time for s in segments)
            trace["Duration"] = round(end - start, 3)
        return result

    XRayBackend.get_trace_ids = get_trace_ids
