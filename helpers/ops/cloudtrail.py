"""CloudTrail event history on the moto target: control-plane calls are recorded, requests
to your API are not — as on AWS (seed 001: 作成・更新・削除・設定変更は自動記録される /
データ操作は追跡できない).

moto has no event history (``lookup_events`` is not implemented). Here every call moto
answers for the services below is recorded as a **management event** on the lab clock —
``CreateRestApi``, ``PutMethod``, ``UpdateStage``, ``CreateDeployment``, ``CreateApi``,
``CreateFunction``, ``PutMetricAlarm``, ... — and ``cloudtrail.lookup_events`` answers from
them: newest first, one ``LookupAttributes`` entry (``EventName``, ``EventSource``,
``ReadOnly``, ``Username``, ``ResourceName``, ``EventId``, ``AccessKeyId``), ``StartTime``
/ ``EndTime``, ``MaxResults`` (≤ 50) and ``NextToken``, each event with its
``CloudTrailEvent`` JSON.

What is **not** recorded, by default, on AWS and here: requests to ``execute-api``
(your API's traffic never reaches the control plane — the emulator answers it in the data
plane) and the *data events* of other services — Lambda ``Invoke``, SQS messages, SNS
``Publish``, DynamoDB items, CloudWatch ``PutMetricData``, CloudWatch Logs events, X-Ray
segments. The list below is the lab's reading of which operations are data events
[unc for the less common ones].
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
import time
from typing import Any

#: moto service name -> CloudTrail eventSource
SOURCES = {
    "apigateway": "apigateway.amazonaws.com",
    "apigatewayv2": "apigateway.amazonaws.com",
    "awslambda": "lambda.amazonaws.com",
    "iam": "iam.amazonaws.com",
    "sts": "sts.amazonaws.com",
    "cloudwatch": "monitoring.amazonaws.com",
    "logs": "logs.amazonaws.com",
    "sns": "sns.amazonaws.com",
    "sqs": "sqs.amazonaws.com",
    "dynamodb": "dynamodb.amazonaws.com",
    "events": "events.amazonaws.com",
    "cognito-idp": "cognito-idp.amazonaws.com",
    "acm": "acm.amazonaws.com",
    "route53": "route53.amazonaws.com",
    "cloudformation": "cloudformation.amazonaws.com",
}
#: operations that are data events (not in the event history by default)
DATA_EVENTS = frozenset(
    {
        "Invoke",
        "InvokeAsync",
        "InvokeWithResponseStream",
        "SendMessage",
        "SendMessageBatch",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
        "Publish",
        "PublishBatch",
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "PutMetricData",
        "PutLogEvents",
        "GetLogEvents",
        "FilterLogEvents",
        "PutEvents",
        "PostToConnection",
        "GetConnection",
        "DeleteConnection",
    }
)
#: Lambda's event names carry its API version, as CloudTrail writes them [obs]; other
#: Lambda operations get ``20150331`` [unc]
LAMBDA_EVENT_NAMES = {
    "CreateFunction": "CreateFunction20150331",
    "DeleteFunction": "DeleteFunction20150331",
    "ListFunctions": "ListFunctions20150331",
    "PublishVersion": "PublishVersion20150331",
    "CreateAlias": "CreateAlias20150331",
    "GetFunction": "GetFunction20150331v2",
    "GetFunctionConfiguration": "GetFunctionConfiguration20150331v2",
    "UpdateFunctionCode": "UpdateFunctionCode20150331v2",
    "UpdateFunctionConfiguration": "UpdateFunctionConfiguration20150331v2",
    "AddPermission": "AddPermission20150331v2",
    "RemovePermission": "RemovePermission20150331v2",
    "GetPolicy": "GetPolicy20150331v2",
}
#: AWS keeps 90 days of management events in the event history
HISTORY_DAYS = 90
_READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Search")

_lock = threading.Lock()
_events: list[dict[str, Any]] = []


def reset() -> None:
    with _lock:
        _events.clear()


def _event_id(seq: int, name: str) -> str:
    digest = hashlib.md5(f"cloudtrail-{seq}-{name}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


def _parameters(response: Any) -> dict[str, Any] | None:
    params: dict[str, Any] = {}
    for key, value in (getattr(response, "uri_match", None) or {}).items():
        params[key] = value
    body = getattr(response, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.startswith("{"):
        try:
            found = json.loads(body)
        except ValueError:
            found = None
        if isinstance(found, dict):
            params.update(found)
    else:
        for key, values in (getattr(response, "querystring", None) or {}).items():
            if key in ("Action", "Version"):
                continue
            params[key] = values[0] if isinstance(values, list) and len(values) == 1 else values
    return params or None


def _record(response: Any, status: int, body: Any) -> None:
    service = getattr(response, "service_name", None)
    source = SOURCES.get(service or "")
    if source is None:
        return
    try:
        name = response._get_action()
    except Exception:
        return
    if not name or name in DATA_EVENTS:
        return
    name = name[0].upper() + name[1:]
    if service == "awslambda":
        name = LAMBDA_EVENT_NAMES.get(name, name + "20150331")
    error = None
    if status >= 400:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        code = "".join(ch for ch in text.split("__type")[-1][:80] if ch.isalnum()) or str(status)
        error = code
    with _lock:
        seq = len(_events) + 1
        _events.append(
            {
                "seq": seq,
                "time": time.time(),
                "name": name,
                "source": source,
                "region": getattr(response, "region", "us-east-1"),
                "account": getattr(response, "current_account", "123456789012"),
                "access_key": _access_key(response),
                "params": _parameters(response),
                "error": error,
                "user_agent": (getattr(response, "headers", None) or {}).get("User-Agent", ""),
            }
        )


def _access_key(response: Any) -> str:
    try:
        return str(response.get_access_key())
    except Exception:
        return ""


def _event(e: dict[str, Any]) -> dict[str, Any]:
    read_only = e["name"].startswith(_READ_PREFIXES)
    when = dt.datetime.fromtimestamp(e["time"], tz=dt.UTC)
    account = e["account"]
    event_id = _event_id(e["seq"], e["name"])
    detail: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "Root",
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
            "accountId": account,
            "accessKeyId": e["access_key"],
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": e["source"],
        "eventName": e["name"],
        "awsRegion": e["region"],
        "sourceIPAddress": "127.0.0.1",
        "userAgent": e["user_agent"],
        "requestParameters": e["params"],
        "responseElements": None,
        "requestID": _event_id(e["seq"], "request"),
        "eventID": event_id,
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if e["error"]:
        detail["errorCode"] = e["error"]
    resources = []
    params = e["params"] or {}
    for key, kind in (
        ("restapi_id", "AWS::ApiGateway::RestApi"),
        ("restApiId", "AWS::ApiGateway::RestApi"),
        ("apiId", "AWS::ApiGatewayV2::Api"),
        ("FunctionName", "AWS::Lambda::Function"),
        ("AlarmName", "AWS::CloudWatch::Alarm"),
    ):
        if isinstance(params.get(key), str):
            resources.append({"ResourceType": kind, "ResourceName": params[key]})
    return {
        "EventId": event_id,
        "EventName": e["name"],
        "ReadOnly": "true" if read_only else "false",
        "AccessKeyId": e["access_key"],
        "EventTime": when,
        "EventSource": e["source"],
        "Username": "root",
        "Resources": resources,
        "CloudTrailEvent": json.dumps(detail),
    }


def lookup(
    region: str,
    attributes: list[dict[str, str]] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> list[dict[str, Any]]:
    """The event history of ``region``, newest first (the global IAM events count in every
    Region, as on AWS)."""
    now = time.time()
    lo = start.timestamp() if start else now - HISTORY_DAYS * 86400
    hi = end.timestamp() if end else now
    with _lock:
        chosen = [
            e
            for e in _events
            if (e["region"] == region or e["source"] in ("iam.amazonaws.com", "sts.amazonaws.com"))
            and lo <= e["time"] <= hi
        ]
    events = [_event(e) for e in reversed(chosen)]
    for attribute in attributes or []:
        key, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
        if key == "ResourceName":
            events = [x for x in events if any(r["ResourceName"] == value for r in x["Resources"])]
        elif key == "ResourceType":
            events = [x for x in events if any(r["ResourceType"] == value for r in x["Resources"])]
        elif key in ("EventName", "EventSource", "ReadOnly", "Username", "EventId", "AccessKeyId"):
            events = [x for x in events if x[key] == value]
    return events


def install() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse
    from moto.core.responses import BaseResponse

    original_call = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        status, headers, body = original_call(self)
        if getattr(self, "service_name", None) in SOURCES:
            with contextlib.suppress(Exception):  # the history must never break a call
                _record(self, int(status), body)
        return status, headers, body

    BaseResponse.call_action = call_action

    def lookup_events(self: Any) -> Any:
        from moto.cloudtrail.exceptions import InvalidParameterCombinationException

        attributes = self._get_param("LookupAttributes") or []
        if len(attributes) > 1:
            raise InvalidParameterCombinationException(
                "LookupAttributes can contain at most one attribute"
            )
        start, end = self._get_param("StartTime"), self._get_param("EndTime")

        def when(value: Any) -> dt.datetime | None:
            if value is None:
                return None
            if isinstance(value, (int, float)):
                return dt.datetime.fromtimestamp(value, tz=dt.UTC)
            return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))

        events = lookup(self.region, attributes, when(start), when(end))
        limit = min(int(self._get_param("MaxResults") or 50), 50)
        offset = int(self._get_param("NextToken") or 0)
        page = events[offset : offset + limit]
        out: dict[str, Any] = {"Events": [_wire(e) for e in page]}
        if offset + limit < len(events):
            out["NextToken"] = str(offset + limit)
        return json.dumps(out)

    CloudTrailResponse.lookup_events = lookup_events


def _wire(event: dict[str, Any]) -> dict[str, Any]:
    out = dict(event)
    out["EventTime"] = event["EventTime"].timestamp()
    return out
