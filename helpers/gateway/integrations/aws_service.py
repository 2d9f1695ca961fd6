"""REST ``AWS`` integrations to services other than Lambda (SQS, SNS, DynamoDB, EventBridge,
Step Functions, Kinesis): the backend call of the non-proxy flow.

As on AWS: assume the integration's ``credentials`` role (its trust policy must let
``apigateway.amazonaws.com`` in, else 500), build the service request from the URI
(``service:action/X`` or ``service:path/...``) and what the integration request rendered,
sign it with SigV4, check the role's identity policies for the action and resource (a
refusal is the service's own 4xx answer, not an exception) and send it: on the moto target
into moto in-process. The answer goes back unchanged for integration-response selection.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .. import latency as lab_latency
from .. import policy as iam
from ..context import InvocationContext, fill_stage_variables
from ..errors import EmulatorLimitation
from . import aws_service_moto as moto_side
from .aws_service_catalog import SERVICES, ServiceSpec, denied_answer, resources_for
from .aws_service_role import assumed_role_arn, authorize, execution_role

_URI = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):apigateway:(?P<region>[a-z0-9-]+):"
    r"(?P<service>[A-Za-z0-9.-]+):(?P<kind>action|path)/(?P<rest>.*)",
    re.DOTALL,
)
_PATH_VAR = re.compile(r"\{([A-Za-z0-9_.+-]+)\}")
#: headers API Gateway adds to every AWS-service request [obs: execution logs' "Endpoint
#: request headers"]; Accept is only a default, a mapped Accept header wins
DEFAULT_ACCEPT = "application/json"
#: [unc] the Content-Type a query-protocol request carries when no mapping sets one: the
#: method request's, else JSON (so the classic SQS recipe must map the form type, as AWS says)
DEFAULT_QUERY_CONTENT_TYPE = "application/json"


# ------------------------------------------------------------------ data


@dataclass(frozen=True, slots=True)
class ServiceUri:
    """An integration URI taken apart (stage variables and path parameters substituted)."""

    service: str
    region: str
    kind: str  # "action" or "path"
    action: str = ""
    #: path-style: the endpoint path, e.g. "/123456789012/my-queue"
    path: str = "/"
    #: action-style: parameters written after the action (``action/X&Name=value``)
    params: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class EndpointRequest:
    """The signed request API Gateway sends to the service ("Endpoint request ..." in the
    execution log)."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in reversed(self.headers) if k.lower() == name), None)

    def masked_headers(self) -> dict[str, str]:
        """Headers as the execution log prints them: secrets starred but for their tail."""
        out = {}
        for key, value in self.headers:
            if key.lower() in ("authorization", "x-amz-security-token"):
                value = "*" * max(len(value) - 6, 0) + value[-6:]
            out[key] = value
        return out


@dataclass
class ServiceResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    latency_ms: float
    #: what was sent (None when API Gateway never got as far as sending)
    request: EndpointRequest | None = None
    #: "sqs SendMessage"
    operation: str = ""


@dataclass(slots=True)
class _Call:
    """Everything call_service works out about one request before sending it."""

    spec: ServiceSpec
    uri: ServiceUri
    protocol: str  # "query" or "json"
    operation: str
    request: EndpointRequest
    #: the request's parameters (query/form pairs as a dict, or the JSON body)
    params: dict[str, Any] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    legacy_json: bool = False


# ------------------------------------------------------------------ the URI


def parse_uri(
    uri: str,
    stage_variables: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
) -> ServiceUri:
    """Take an ``arn:aws:apigateway:{region}:{service}:{action|path}/...`` URI apart.

    Raises EmulatorLimitation for a service the lab does not emulate (Lambda URIs go to
    :mod:`.lambda_invoke`, not here)."""
    text = fill_stage_variables(uri or "", stage_variables or {})
    found = _URI.fullmatch(text)
    if not found:
        raise EmulatorLimitation(f"not an AWS service integration URI: {uri!r}")
    if found["partition"] != "aws":
        raise EmulatorLimitation(
            f"the lab emulates the aws partition only, not {found['partition']}"
        )
    service = found["service"]
    if "." in service:
        raise EmulatorLimitation(f"AWS subdomains ({service}) are not emulated")
    if service not in SERVICES:
        raise EmulatorLimitation(
            f"apigw-lab does not emulate AWS integrations to {service!r}; it supports "
            f"{', '.join(sorted(SERVICES))} (and Lambda). Try it on the aws target."
        )
    values = path_params or {}
    rest = _PATH_VAR.sub(
        lambda m: quote(values.get(m.group(1), m.group(0)), safe=""), found["rest"]
    )
    if found["kind"] == "action":
        action, _, extra = rest.partition("&")
        return ServiceUri(
            service,
            found["region"],
            "action",
            action=action,
            params=tuple(parse_qsl(extra, keep_blank_values=True)),
        )
    return ServiceUri(service, found["region"], "path", path="/" + rest.lstrip("/"))


@lru_cache(maxsize=16)
def _service_model(botocore_name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(botocore_name)


def _operation_known(spec: ServiceSpec, operation: str) -> bool:
    return operation in _service_model(spec.botocore_name).operation_names


# ------------------------------------------------------------------ the request


def _flat(headers: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, ",".join(v)) for k, v in headers.items() if v]


def _get(pairs: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in reversed(pairs) if k.lower() == name), None)


def _set_default(pairs: list[tuple[str, str]], name: str, value: str) -> None:
    if _get(pairs, name) is None:
        pairs.append((name, value))


def _query_pairs(querystring: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in querystring.items() for v in values]


def _method_content_type(ctx: InvocationContext) -> str | None:
    return ctx.method_request.header("content-type") if ctx.method_request else None


def build_call(
    ctx: InvocationContext,
    integration: dict[str, Any],
    *,
    body: bytes,
    headers: dict[str, list[str]],
    querystring: dict[str, list[str]],
    path_params: dict[str, str],
) -> _Call:
    """Work out the service request (unsigned) from the URI and the rendered request."""
    variables = ctx.stage.variables if ctx.stage else {}
    uri = parse_uri(integration.get("uri") or "", variables, path_params)
    spec = SERVICES[uri.service]
    method = (integration.get("httpMethod") or "POST").upper()
    if method == "ANY" and ctx.method_request is not None:
        method = ctx.method_request.method
    pairs = _flat(headers)
    query = _query_pairs(querystring)
    if uri.kind == "action":
        query = [("Action", uri.action), *uri.params, *query]
        if spec.auto_target and spec.protocol == "json":
            _set_default(pairs, "X-Amz-Target", f"{spec.target_prefix}.{uri.action}")
    target = _get(pairs, "X-Amz-Target")
    protocol = "json" if spec.protocol == "json" or target else "query"
    params: dict[str, Any] = {}
    form: list[tuple[str, str]] = []
    if protocol == "json":
        if not target:
            raise EmulatorLimitation(
                f"{spec.uri_name} speaks the JSON protocol and this request has no X-Amz-Target"
                f" header. API Gateway does not add it for {spec.uri_name} (map "
                f"integration.request.header.X-Amz-Target = "
                f"'{spec.target_prefix}.{uri.action or 'Action'}'); what the service answers "
                "without it is not emulated."
            )
        prefix, _, operation = target.partition(".")
        if prefix != spec.target_prefix:
            raise EmulatorLimitation(
                f"X-Amz-Target {target!r} does not name a {spec.uri_name} operation "
                f"(expected {spec.target_prefix}.<Action>)"
            )
        if method != "POST":
            raise EmulatorLimitation(
                f"{spec.uri_name} accepts POST only (JSON protocol); the integration sends "
                f"{method}. Set integrationHttpMethod='POST'."
            )
        _set_default(pairs, "Content-Type", spec.json_content_type or "application/x-amz-json-1.0")
        try:
            loaded = json.loads(body or b"{}")
        except ValueError:
            raise EmulatorLimitation(
                f"the body sent to {spec.uri_name} is not JSON ({body[:60]!r}); check the "
                "request template. On AWS the service answers 400 (a SerializationException), "
                "which the emulator does not reproduce."
            ) from None
        params = loaded if isinstance(loaded, dict) else {}
    else:
        _set_default(pairs, "Content-Type", _method_content_type(ctx) or DEFAULT_QUERY_CONTENT_TYPE)
        content_type = (_get(pairs, "Content-Type") or "").lower()
        if content_type.startswith("application/x-www-form-urlencoded") and body:
            form = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        # [unc] a query-protocol service reads a body that is not a form as no parameters
        params = dict([*query, *form])
        operation = params.get("Action", "")
        if not operation:
            raise EmulatorLimitation(
                f"the {spec.uri_name} request names no Action (body {body[:60]!r}, "
                f"Content-Type {content_type or 'none'}). On AWS the service answers an error "
                "the emulator does not reproduce. For a form body map "
                "integration.request.header.Content-Type = 'application/x-www-form-urlencoded'."
            )
    if not _operation_known(spec, operation):
        raise EmulatorLimitation(
            f"{operation!r} is not an operation of {spec.uri_name}; the service's error for "
            "an unknown operation is not emulated"
        )
    _set_default(pairs, "Accept", DEFAULT_ACCEPT)
    _set_default(pairs, "User-Agent", f"AmazonAPIGateway_{ctx.api_id}")
    _set_default(pairs, "x-amzn-apigateway-api-id", ctx.api_id)
    trace_id = f"Root=1-{int(ctx.request_time):08x}-{ctx.plane.ids.hex(24)}"
    _set_default(pairs, "X-Amzn-Trace-Id", trace_id)
    host = f"{spec.uri_name}.{uri.region}.amazonaws.com"
    url = f"https://{host}{uri.path if uri.kind == 'path' else '/'}"
    if query:
        url += "?" + urlencode(query, quote_via=quote, safe="-_.~")
    send_body = b"" if method in ("GET", "HEAD", "OPTIONS") else body
    accept = (_get(pairs, "Accept") or "").lower()
    return _Call(
        spec=spec,
        uri=uri,
        protocol=protocol,
        operation=operation,
        request=EndpointRequest(method, url, pairs, send_body),
        params=params,
        pairs=[*query, *form],
        legacy_json=protocol == "query" and "application/json" in accept,
    )


class _SigV4At(SigV4Auth):
    """SigV4 at a given instant (the lab clock's), not the wall clock's."""

    def __init__(self, credentials: Credentials, service: str, region: str, when: dt.datetime):
        super().__init__(credentials, service, region)
        self._when = when

    def add_auth(self, request: AWSRequest) -> None:
        request.context["timestamp"] = self._when.strftime(SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        signature = self.signature(self.string_to_sign(request, canonical), request)
        self._inject_signature_to_request(request, signature)


def sign(
    request: EndpointRequest,
    creds: moto_side.SessionCredentials,
    *,
    service: str,
    region: str,
    at: float,
) -> EndpointRequest:
    """Add Host, X-Amz-Date, X-Amz-Security-Token and Authorization (SigV4)."""
    aws = AWSRequest(request.method, request.url, data=request.body)
    for key, value in request.headers:
        aws.headers[key] = value  # HTTPHeaders keeps repeated names
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    when = dt.datetime.fromtimestamp(at, tz=dt.UTC).replace(tzinfo=None)
    _SigV4At(credentials, service, region, when).add_auth(aws)
    headers = list(aws.headers.items())
    host = request.url.split("/")[2]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(("Host", host))
    return EndpointRequest(request.method, request.url, headers, request.body)


# ------------------------------------------------------------------ the answer


def _moto_request(call: _Call) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """The request as moto needs it to answer what the service would: query parameters in
    one form body (plus ``ContentType=JSON`` for the legacy JSON answer AWS gives to
    ``Accept: application/json``), JSON bodies with the service's own JSON content type."""
    req = call.request
    headers = [(k, v) for k, v in req.headers if k.lower() != "content-type"]
    if call.protocol == "json":
        content_type = call.spec.json_content_type or "application/x-amz-json-1.0"
        return "POST", req.url, [*headers, ("Content-Type", content_type)], req.body
    pairs = [*call.pairs, ("ContentType", "JSON")] if call.legacy_json else list(call.pairs)
    url = req.url.split("?", 1)[0]
    form = urlencode(pairs, quote_via=quote, safe="-_.~").encode()
    return "POST", url, [*headers, ("Content-Type", "application/x-www-form-urlencoded")], form


def _legacy_json(call: _Call, body: bytes, request_id: str) -> bytes:
    """Tidy moto's legacy JSON: the real request id, and null for every member of the
    result the service left out [obs: LocalStack's AWS-validated SSM/SQS snapshots]."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    wrapper = data.get(f"{call.operation}Response")
    if isinstance(wrapper, dict):
        meta = wrapper.get("ResponseMetadata")
        if isinstance(meta, dict):
            meta["RequestId"] = request_id
        result = wrapper.get(f"{call.operation}Result")
        output = _service_model(call.spec.botocore_name).operation_model(call.operation)
        if isinstance(result, dict) and output.output_shape is not None:
            for member in output.output_shape.members:
                result.setdefault(member, None)
    elif isinstance(data.get("Error"), dict):
        data["RequestId"] = request_id
        if "Message" in data["Error"]:
            data["Error"].pop("message", None)  # moto's duplicate key
    return json.dumps(data).encode()


def _refusal(
    ctx: InvocationContext, call: _Call, role: moto_side.RoleRecord
) -> ServiceResponse | None:
    """The service's refusal when the role may not do this, else None."""
    action = f"{call.spec.iam_prefix}:{call.operation}"
    for resource in resources_for(
        call.spec.uri_name,
        call.params,
        region=call.uri.region,
        account=role.account_id,
        path=call.uri.path if call.uri.kind == "path" else "",
    ):
        decision, boundary = authorize(role, action, resource, region=call.uri.region)
        if decision.allowed:
            continue
        json_sqs = call.spec.protocol == "query" and call.protocol == "json"
        key = call.spec.uri_name + ("-json" if json_sqs else "")
        status, headers, body = denied_answer(
            key,
            principal=assumed_role_arn(role),
            action=action,
            resource=resource,
            url=call.request.url.split("?", 1)[0],
            request_id=ctx.plane.ids.uuid4(),
            explicit=decision.effect == iam.EXPLICIT_DENY,
            boundary=boundary,
            legacy_json=call.legacy_json,
        )
        ctx.trace.add(
            "aws-service",
            f"{call.spec.uri_name} {call.operation} refused",
            role=role.name,
            action=action,
            resource=resource,
            effect=decision.effect,
            status=status,
        )
        label = f"{call.spec.uri_name} {call.operation}"
        return ServiceResponse(status, headers, body, 0.0, call.request, label)
    return None


def call_service(
    ctx: InvocationContext,
    integration: dict[str, Any],
    *,
    body: bytes,
    headers: dict[str, list[str]],
    querystring: dict[str, list[str]],
    path_params: dict[str, str],
) -> ServiceResponse:
    """Call the AWS service an ``AWS`` (non-Lambda) integration names, as API Gateway does.

    Returns the service's answer (an error is an answer too: status, headers, body). Raises
    InternalServerError when API Gateway cannot assume the execution role, and
    EmulatorLimitation for what the lab cannot answer faithfully."""
    role, creds = execution_role(ctx, integration)
    call = build_call(
        ctx,
        integration,
        body=body,
        headers=headers,
        querystring=querystring,
        path_params=path_params,
    )
    call.request = sign(
        call.request,
        creds,
        service=call.spec.uri_name,
        region=call.uri.region,
        at=ctx.request_time,
    )
    label = f"{call.spec.uri_name} {call.operation}"
    answer = _refusal(ctx, call, role)
    if answer is None:
        method, url, moto_headers, moto_body = _moto_request(call)
        started = time.perf_counter()
        status, out_headers, out_body = moto_side.dispatch(method, url, moto_headers, moto_body)
        latency = (time.perf_counter() - started) * 1000
        if call.legacy_json:
            request_id = next((v for k, v in out_headers if k == "x-amzn-RequestId"), "")
            out_body = _legacy_json(call, out_body, request_id)
        answer = ServiceResponse(status, out_headers, out_body, latency, call.request, label)
        # no wall-clock latency in the trace: notebooks print it and must print the same
        # thing every run (the latency still feeds metrics through ctx)
        ctx.trace.add("aws-service", label, role=role.name, status=status, protocol=call.protocol)
    ctx.integration_latency_ms = lab_latency.aws_service_ms(ctx, answer.latency_ms)
    ctx.integration_status = answer.status
    return answer
