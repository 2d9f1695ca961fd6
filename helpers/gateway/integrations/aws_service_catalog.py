"""The AWS services a REST ``AWS`` integration can call in the lab, as data.

One :class:`ServiceSpec` per service says how API Gateway talks to it (endpoint, signing
name, wire protocol, ``X-Amz-Target`` prefix); one :class:`ResourceRule` per service says
which request field names the resource IAM checks (queue, table, topic, ...); one
:class:`DeniedShape` per service says what the service answers a caller IAM refuses.
Facts marked [unc] are the likeliest answer we could find, kept here so they are easy to change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

#: the session name API Gateway gives the execution role's session [obs: LocalStack's
#: AWS-validated emulation and error messages quoting ".../BackplaneAssumeRoleSession"]
SESSION_NAME = "BackplaneAssumeRoleSession"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """How API Gateway reaches one service (``uri_name`` is the name in the integration URI)."""

    uri_name: str
    botocore_name: str
    #: ``query`` (form parameters, XML or legacy-JSON answers) or ``json`` (X-Amz-Target)
    protocol: str
    json_version: str | None = None
    target_prefix: str | None = None
    #: API Gateway adds ``X-Amz-Target: {prefix}.{Action}`` itself for ``action/`` URIs
    auto_target: bool = False

    @property
    def iam_prefix(self) -> str:
        return self.uri_name

    @property
    def json_content_type(self) -> str | None:
        return f"application/x-amz-json-{self.json_version}" if self.json_version else None


SERVICES: dict[str, ServiceSpec] = {
    # SQS speaks both; API Gateway's action/ URIs and the classic recipes use the query
    # protocol. A request carrying X-Amz-Target: AmazonSQS.X goes the JSON way.
    "sqs": ServiceSpec("sqs", "sqs", "query", "1.0", "AmazonSQS"),
    "sns": ServiceSpec("sns", "sns", "query"),
    "dynamodb": ServiceSpec("dynamodb", "dynamodb", "json", "1.0", "DynamoDB_20120810", True),
    "states": ServiceSpec("states", "stepfunctions", "json", "1.0", "AWSStepFunctions", True),
    "kinesis": ServiceSpec("kinesis", "kinesis", "json", "1.1", "Kinesis_20131202", True),
    # [unc/obs] EventBridge is not given X-Amz-Target automatically: AWS's own walkthroughs
    # map integration.request.header.X-Amz-Target = 'AWSEvents.PutEvents' by hand, and
    # LocalStack's AWS-validated tests found the header must be set. Flip to True to change.
    "events": ServiceSpec("events", "events", "json", "1.1", "AWSEvents", False),
}


# ------------------------------------------------------------------ resources IAM checks


def _sqs_queue(value: str, region: str, account: str) -> str:
    """A QueueUrl (``https://sqs.../{account}/{name}``), a ``/{account}/{name}`` path or a
    bare queue name → the queue ARN."""
    if value.startswith("arn:"):
        return value
    parts = [p for p in urlsplit(value).path.split("/") if p] if "/" in value else [value]
    if len(parts) >= 2:
        account, name = parts[-2], parts[-1]
    else:
        name = parts[-1] if parts else ""
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _named(kind: str, service: str) -> Callable[[str, str, str], str]:
    def to_arn(value: str, region: str, account: str) -> str:
        if value.startswith("arn:"):
            return value
        return f"arn:aws:{service}:{region}:{account}:{kind}/{value}"

    return to_arn


def _as_is(value: str, region: str, account: str) -> str:
    return value


@dataclass(frozen=True, slots=True)
class ResourceRule:
    """Where the resource is named in the request parameters.

    ``fields`` are tried in order, each a small path: ``"Name"`` (a key), ``"List[].Name"``
    (that key in every element), ``"Map{}"`` (every key of a map). ``default`` stands in for
    a missing value inside a list element (EventBridge's ``EventBusName``). ``index`` names
    a field that narrows the ARN (a DynamoDB index: ``table/T/index/I``).
    """

    fields: tuple[str, ...]
    to_arn: Callable[[str, str, str], str]
    default: str | None = None
    index: str | None = None


RESOURCES: dict[str, ResourceRule] = {
    "sqs": ResourceRule(("QueueUrl",), _sqs_queue),
    "sns": ResourceRule(("TopicArn", "TargetArn"), _as_is),
    "dynamodb": ResourceRule(
        ("TableName", "RequestItems{}", "TransactItems[].*.TableName"),
        _named("table", "dynamodb"),
        index="IndexName",
    ),
    "states": ResourceRule(("stateMachineArn", "executionArn"), _as_is),
    "kinesis": ResourceRule(("StreamARN", "StreamName"), _named("stream", "kinesis")),
    "events": ResourceRule(("Entries[].EventBusName",), _named("event-bus", "events"), "default"),
}


def _values(params: Any, path: str, default: str | None) -> list[str]:
    """The strings a field path names in ``params`` (see :class:`ResourceRule`)."""
    head, dot, rest = path.partition(".")
    if head == "*":
        found: list[str] = []
        for value in params.values() if isinstance(params, Mapping) else []:
            found += _values(value, rest, default)
        return found
    if head.endswith("[]"):
        items = params.get(head[:-2]) if isinstance(params, Mapping) else None
        if not isinstance(items, list):
            return []
        found = []
        for item in items:
            got = _values(item, rest, None)
            found += got or ([default] if default else [])
        return found
    if head.endswith("{}"):
        mapping = params.get(head[:-2]) if isinstance(params, Mapping) else None
        return [str(k) for k in mapping] if isinstance(mapping, Mapping) else []
    value = params.get(head) if isinstance(params, Mapping) else None
    if dot:
        return _values(value, rest, default) if value is not None else []
    return [value] if isinstance(value, str) and value else []


def resources_for(
    service: str,
    params: Mapping[str, Any],
    *,
    region: str,
    account: str,
    path: str = "",
) -> list[str]:
    """The resource ARNs a request to ``service`` names (``["*"]`` when it names none).

    ``params`` are the request's parameters (form/query pairs, or the parsed JSON body);
    ``path`` is the endpoint path (SQS's path-style ``/{account}/{queue}``).
    """
    rule = RESOURCES[service]
    found: list[str] = []
    for field in rule.fields:
        found = _values(params, field, rule.default)
        if found:
            break
    if not found and service == "sqs" and path.strip("/"):
        found = [path]
    arns = [rule.to_arn(v, region, account) for v in found]
    index = params.get(rule.index) if rule.index else None
    if isinstance(index, str) and index and len(arns) == 1:
        arns = [f"{arns[0]}/index/{index}"]
    unique = list(dict.fromkeys(arns))
    return unique or ["*"]


# ------------------------------------------------------------------ what a refused call gets


@dataclass(frozen=True, slots=True)
class DeniedShape:
    """What a service answers a caller its IAM policies refuse. [unc] for every shape but
    DynamoDB's (widely quoted) and SQS's query text (quoted by AWS's SQS docs)."""

    status: int
    #: JSON services: the ``__type``; query services: the error ``Code``
    code: str
    #: JSON services: the message key ("Message" or "message")
    message_key: str = "Message"
    #: query services: the XML namespace of the answer
    namespace: str = ""
    #: SQS words its refusal as "Access to the resource {url} is denied."
    url_message: bool = False
    #: SNS spells the action ``SNS:Publish`` in its message [unc]
    action_prefix: str | None = None


DENIED: dict[str, DeniedShape] = {
    "sqs": DeniedShape(
        403,
        "AccessDenied",
        namespace="http://queue.amazonaws.com/doc/2012-11-05/",
        url_message=True,
    ),
    "sqs-json": DeniedShape(
        403, "com.amazon.coral.service#AccessDeniedException", "message", url_message=True
    ),
    "sns": DeniedShape(
        403,
        "AuthorizationError",
        namespace="http://sns.amazonaws.com/doc/2010-03-31/",
        action_prefix="SNS",
    ),
    "dynamodb": DeniedShape(400, "com.amazon.coral.service#AccessDeniedException"),
    "states": DeniedShape(400, "com.amazon.coral.service#AccessDeniedException"),
    "kinesis": DeniedShape(400, "AccessDeniedException", "message"),
    "events": DeniedShape(400, "AccessDeniedException"),
}


def denied_message(
    principal: str, action: str, resource: str, *, explicit: bool, boundary: bool = False
) -> str:
    """IAM's sentence for a refused call (the "because ..." tail IAM adds since 2021)."""
    if explicit:
        why = "with an explicit deny in an identity-based policy"
    elif boundary:
        why = f"because no permissions boundary allows the {action} action"
    else:
        why = f"because no identity-based policy allows the {action} action"
    return f"User: {principal} is not authorized to perform: {action} on resource: {resource} {why}"


def denied_answer(
    key: str,
    *,
    principal: str,
    action: str,
    resource: str,
    url: str,
    request_id: str,
    explicit: bool,
    boundary: bool = False,
    legacy_json: bool = False,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of the refusal ``DENIED[key]`` describes."""
    shape = DENIED[key]
    if shape.action_prefix:
        action = f"{shape.action_prefix}:{action.split(':', 1)[1]}"
    if shape.url_message:
        message = f"Access to the resource {url} is denied."
    else:
        message = denied_message(principal, action, resource, explicit=explicit, boundary=boundary)
    rid = ("x-amzn-RequestId", request_id)
    if not shape.namespace:  # a JSON-protocol service
        spec = SERVICES.get(key.split("-")[0])
        content_type = (spec.json_content_type if spec else None) or "application/x-amz-json-1.0"
        body = {"__type": shape.code, shape.message_key: message}
        headers = [("Content-Type", content_type), rid, ("x-amzn-ErrorType", shape.code)]
        return shape.status, headers, json.dumps(body).encode()
    if legacy_json:  # a query service asked with Accept: application/json
        body = {
            "Error": {"Code": shape.code, "Message": message, "Type": "Sender"},
            "RequestId": request_id,
        }
        return shape.status, [("Content-Type", "application/json"), rid], json.dumps(body).encode()
    xml = (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{shape.namespace}"><Error>'
        f"<Type>Sender</Type><Code>{shape.code}</Code><Message>{escape(message)}</Message>"
        f"<Detail/></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return shape.status, [("Content-Type", "text/xml"), rid], xml.encode()
