"""Shared fixtures for the unit and behaviour tests.

- ``lab`` (session): ``helpers.connect("moto")``, the lab a notebook gets.
- ``fresh_lab`` (function): ``lab.reset()`` first, so a test starts with no AWS resources,
  seeded ids and a wall-time clock. Behaviour modules use it through ``pytestmark``.
- ``kit`` (function, needs ``fresh_lab``): :class:`RestApiKit`, the boto3 recipe the course
  teaches (role → function → REST API → resources → methods → permission → deployment).
- ``plane`` (function): a bare :class:`helpers.gateway.DataPlane` under ``mock_aws`` with a
  :class:`FakeRuntime`, for unit tests of single steps; ``unit_kit`` builds APIs for it.

The helpers here are fixtures (or attributes of fixtures) rather than importable names, so
test modules never import this file.
"""

from __future__ import annotations

import gc
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTIONS = Path(__file__).parent / "functions"

# A test worker's heap holds botocore's service models (some 120,000 dictionaries) and
# moto's backends: 500,000-700,000 objects that every full collection walks. With the
# collector's default first threshold (700 allocations) a worker ran about 65 full
# collections over the unit and behaviour tests, 15 of its 80 seconds; 10,000 leaves it a
# handful (the garbage collector's total: 18 s -> 7 s per worker). Objects freed by
# reference counting are freed at once as before; only cycles wait a little longer.
gc.set_threshold(10_000, 10, 10)

# ---------------------------------------------------------------------------------- lab


@pytest.fixture(scope="session")
def lab() -> Any:
    """The moto-target lab, once per test session (as one notebook kernel has one)."""
    import helpers

    return helpers.connect("moto")


@pytest.fixture
def fresh_lab(lab: Any) -> Iterator[Any]:
    """A clean lab: no resources, seeded ids, the clock back on wall time."""
    lab.reset()
    yield lab
    lab.clock.unfreeze()


# ---------------------------------------------------------------------------------- boto3 recipe


def lambda_uri(fn_arn: str, region: str = REGION) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"


def tiny_zip(source: str = "def handler(event, context):\n    return {}\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", source)
    return buf.getvalue()


@dataclass
class ProxyApi:
    """A deployed REST API with Lambda proxy methods, and where to call it."""

    kit: RestApiKit
    api_id: str
    stage: str
    fn_arn: str
    resources: dict[str, str] = field(default_factory=dict)

    def url(self, path: str = "/", stage: str | None = None) -> str:
        return self.kit.url(self.api_id, stage or self.stage, path)


class RestApiKit:
    """Builds REST APIs with boto3, step by step, as a notebook does."""

    _names = itertools.count(1)

    def __init__(self, zipper: Callable[[Any], bytes], region: str = REGION) -> None:
        self.region = region
        self.zipper = zipper
        self.iam = boto3.client("iam", region_name=region)
        self.lam = boto3.client("lambda", region_name=region)
        self.apigw = boto3.client("apigateway", region_name=region)
        self.logs = boto3.client("logs", region_name=region)
        self.cloudwatch = boto3.client("cloudwatch", region_name=region)
        self._role: str | None = None
        self._paths: dict[str, dict[str, str]] = {}

    # -- Lambda
    def role(self) -> str:
        from helpers.lab import LAMBDA_TRUST_POLICY

        if self._role is None:
            self._role = self.iam.create_role(
                RoleName=f"lab-fn-role-{next(self._names)}",
                AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
            )["Role"]["Arn"]
        return self._role

    def function(
        self,
        source: Any,
        *,
        name: str | None = None,
        timeout: int = 3,
        env: dict[str, str] | None = None,
    ) -> str:
        """Create a Python 3.12 function from source text, a file path or a Python function."""
        kwargs: dict[str, Any] = {}
        if env:
            kwargs["Environment"] = {"Variables": env}
        return self.lam.create_function(
            FunctionName=name or f"lab-fn-{next(self._names)}",
            Runtime="python3.12",
            Role=self.role(),
            Handler="app.handler",
            Code={"ZipFile": self.zipper(source, filename="app.py")},
            Timeout=timeout,
            MemorySize=128,
            **kwargs,
        )["FunctionArn"]

    def permit(self, fn_arn: str, api_id: str, source_arn: str | None = None) -> None:
        self.lam.add_permission(
            FunctionName=fn_arn,
            StatementId=f"apigw-{api_id}-{next(self._names)}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source_arn or f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{api_id}/*/*/*",
        )

    # -- API Gateway
    def rest_api(
        self,
        name: str = "lab-api",
        *,
        endpoint: str = "EDGE",
        policy: dict[str, Any] | None = None,
        binary: list[str] | None = None,
        vpce_ids: list[str] | None = None,
    ) -> str:
        config: dict[str, Any] = {"types": [endpoint]}
        if vpce_ids:
            config["vpcEndpointIds"] = vpce_ids
        kwargs: dict[str, Any] = {"endpointConfiguration": config}
        if policy is not None:
            kwargs["policy"] = json.dumps(policy)
        if binary:
            kwargs["binaryMediaTypes"] = binary
        api = self.apigw.create_rest_api(name=name, **kwargs)
        self._paths[api["id"]] = {"/": api["rootResourceId"]}
        return api["id"]

    def resource(self, api_id: str, path: str) -> str:
        """The id of the resource at ``path``, creating it and its parents as needed."""
        known = self._paths[api_id]
        if path in known:
            return known[path]
        parent_path, _, part = path.rstrip("/").rpartition("/")
        parent = self.resource(api_id, parent_path or "/")
        rid = self.apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
        known[path] = rid
        return rid

    def method(
        self,
        api_id: str,
        path: str,
        http_method: str,
        fn_arn: str,
        *,
        timeout_ms: int | None = None,
        authorization: str = "NONE",
        **method: Any,
    ) -> str:
        """A Lambda proxy method at ``path``; ``authorization`` and ``method`` (authorizerId,
        authorizationScopes, ...) are the put_method's own."""
        rid = self.resource(api_id, path)
        self.apigw.put_method(
            restApiId=api_id,
            resourceId=rid,
            httpMethod=http_method,
            authorizationType=authorization,
            **method,
        )
        extra = {"timeoutInMillis": timeout_ms} if timeout_ms is not None else {}
        self.apigw.put_integration(
            restApiId=api_id,
            resourceId=rid,
            httpMethod=http_method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=lambda_uri(fn_arn, self.region),
            **extra,
        )
        return rid

    def deploy(
        self, api_id: str, stage: str = "prod", variables: dict[str, str] | None = None
    ) -> str:
        kwargs = {"variables": variables} if variables else {}
        return self.apigw.create_deployment(restApiId=api_id, stageName=stage, **kwargs)["id"]

    def url(self, api_id: str, stage: str, path: str = "/") -> str:
        return f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}{path}"

    def proxy_api(
        self,
        source: Any,
        routes: tuple[tuple[str, str], ...] = (("GET", "/hello"),),
        *,
        stage: str = "prod",
        variables: dict[str, str] | None = None,
        timeout: int = 3,
        timeout_ms: int | None = None,
        env: dict[str, str] | None = None,
        permit: bool = True,
        deploy: bool = True,
        **api_kwargs: Any,
    ) -> ProxyApi:
        """One function behind every (method, path) in ``routes``, permitted and deployed."""
        fn_arn = self.function(source, timeout=timeout, env=env)
        api_id = self.rest_api(**api_kwargs)
        resources = {}
        for http_method, path in routes:
            resources[path] = self.method(api_id, path, http_method, fn_arn, timeout_ms=timeout_ms)
        if permit:
            self.permit(fn_arn, api_id)
        if deploy:
            self.deploy(api_id, stage, variables)
        return ProxyApi(self, api_id, stage, fn_arn, resources)

    # -- reading what the data plane wrote
    def metric_sum(
        self, metric: str, dimensions: dict[str, str], at: float, statistic: str = "Sum"
    ) -> float | None:
        """One statistic of a metric over the 10 minutes around ``at`` (None: no data)."""
        import datetime as dt

        start = dt.datetime.fromtimestamp(at - 300, tz=dt.UTC)
        points = self.cloudwatch.get_metric_statistics(
            Namespace="AWS/ApiGateway",
            MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
            StartTime=start,
            EndTime=start + dt.timedelta(minutes=10),
            Period=60,
            Statistics=[statistic],
        )["Datapoints"]
        if not points:
            return None
        if statistic == "Sum" or statistic == "SampleCount":
            return sum(p[statistic] for p in points)
        return max(p[statistic] for p in points)


@pytest.fixture
def kit(fresh_lab: Any) -> RestApiKit:
    from helpers import zip_function

    return RestApiKit(zip_function, region=fresh_lab.region)


@pytest.fixture
def functions_dir() -> Path:
    return FUNCTIONS


# ---------------------------------------------------------------------------------- unit level


@dataclass
class FakeResult:
    """Shaped like the runtime's ``InvocationResult``."""

    payload: bytes
    function_error: str | None = None
    request_id: str = "00000000-0000-4000-8000-000000000000"
    duration_ms: float = 1.0
    log_tail: str = ""
    caller_deadline_hit: bool = False


class FakeRuntime:
    """Stands in for ``LambdaRuntime``: records calls and answers with ``self.answer``."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], FakeResult] = lambda event: FakeResult(
            b'{"statusCode": 200, "body": "ok"}'
        )

    def reply(self, value: Any, **result: Any) -> None:
        """Answer every call with ``value`` (JSON-encoded unless already bytes)."""
        payload = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.answer = lambda event: FakeResult(payload, **result)

    def invoke(self, function: str, event: Any, **kwargs: Any) -> FakeResult:
        self.calls.append({"function": function, "event": event, **kwargs})
        return self.answer(event)

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def fake_runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture(scope="session")
def _moto_session() -> Iterator[None]:
    """``mock_aws`` once per session: starting it costs a third of a second. The session lab,
    when there is one, nests its own ``mock_aws`` in it (or this one in the lab's)."""
    from moto import mock_aws

    from helpers.gateway import moto_cognito

    moto_cognito.install()  # Cognito pools made by unit tests without a lab are cheap too
    mock = mock_aws()
    mock.start()
    yield
    mock.stop()


@pytest.fixture
def moto_env(_moto_session: None) -> Iterator[None]:
    """Empty moto backends for one test (this wipes the session lab's state too; every
    behaviour test resets the lab before it starts)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    yield
    moto_api_backend.reset()


@pytest.fixture
def plane(moto_env: None, fake_runtime: FakeRuntime) -> Iterator[Any]:
    """A DataPlane of its own (fresh clock, seeded ids, fake runtime), hooked to moto's
    deployments and metric reads for the duration of the test."""
    from helpers.clock import LabClock
    from helpers.gateway import DataPlane, moto_hooks
    from helpers.ids import IdSource

    clock = LabClock()
    dp = DataPlane(clock=clock, ids=IdSource(0), runtime=fake_runtime, account_id=ACCOUNT)
    moto_hooks.install()
    saved = (
        list(moto_hooks.on_rest_deployment),
        list(moto_hooks.before_metrics_read),
        list(moto_hooks.before_logs_read),
    )
    moto_hooks.on_rest_deployment[:] = [dp.snapshots.take]
    moto_hooks.before_metrics_read[:] = [dp.flush]
    moto_hooks.before_logs_read[:] = [dp.flush_logs]
    try:
        yield dp
    finally:
        clock.unfreeze()
        (
            moto_hooks.on_rest_deployment[:],
            moto_hooks.before_metrics_read[:],
            moto_hooks.before_logs_read[:],
        ) = saved


@pytest.fixture
def unit_kit(moto_env: None) -> RestApiKit:
    """The boto3 recipe under a bare ``mock_aws`` (deployment packages are tiny zips)."""
    return RestApiKit(lambda source, **_: tiny_zip(), region=REGION)


@pytest.fixture
def call(plane: Any) -> Callable[..., Any]:
    """Send one request straight to ``plane.handle`` (no transport)."""
    from helpers.gateway import HttpRequest

    def send(
        api_id: str,
        path: str,
        method: str = "GET",
        *,
        query: str = "",
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        host: str | None = None,
    ) -> Any:
        return plane.handle(
            HttpRequest(
                method=method,
                host=host or f"{api_id}.execute-api.{REGION}.amazonaws.com",
                path=path,
                query=query,
                headers=list(headers or [("User-Agent", "unit-test")]),
                body=body,
                source_ip="203.0.113.7",
            )
        )

    return send


# ---------------------------------------------------------------------------------- HTTP APIs


@dataclass
class HttpApi:
    """An HTTP API (apigatewayv2) with one integration behind its routes, and where to call it."""

    kit: HttpApiKit
    api_id: str
    stage: str
    integration_id: str
    fn_arn: str | None = None
    routes: dict[str, str] = field(default_factory=dict)

    def url(self, path: str = "/", stage: str | None = None) -> str:
        return self.kit.url(self.api_id, stage or self.stage, path)


class HttpApiKit:
    """Builds HTTP APIs with boto3 ``apigatewayv2``, as the HTTP API notebooks do."""

    def __init__(self, rest: RestApiKit) -> None:
        self.rest = rest
        self.region = rest.region
        self.v2 = boto3.client("apigatewayv2", region_name=rest.region)

    def function(self, source: Any, **kwargs: Any) -> str:
        return self.rest.function(source, **kwargs)

    def permit(self, fn_arn: str, api_id: str) -> None:
        self.rest.permit(
            fn_arn, api_id, source_arn=f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{api_id}/*"
        )

    def api(self, name: str = "lab-http-api", **kwargs: Any) -> str:
        return self.v2.create_api(Name=name, ProtocolType="HTTP", **kwargs)["ApiId"]

    def lambda_integration(
        self, api_id: str, fn_arn: str, *, payload: str = "2.0", timeout_ms: int | None = None
    ) -> str:
        extra = {"TimeoutInMillis": timeout_ms} if timeout_ms is not None else {}
        return self.v2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=fn_arn,
            PayloadFormatVersion=payload,
            **extra,
        )["IntegrationId"]

    def http_integration(self, api_id: str, uri: str, **kwargs: Any) -> str:
        """``HTTP_PROXY`` to ``uri`` (extra keyword arguments as boto3 names them)."""
        kwargs.setdefault("IntegrationMethod", "ANY")
        return self.v2.create_integration(
            ApiId=api_id,
            IntegrationType="HTTP_PROXY",
            IntegrationUri=uri,
            PayloadFormatVersion="1.0",
            **kwargs,
        )["IntegrationId"]

    def route(self, api_id: str, route_key: str, integration_id: str) -> str:
        return self.v2.create_route(
            ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration_id}"
        )["RouteId"]

    def stage(self, api_id: str, name: str = "$default", **kwargs: Any) -> None:
        self.v2.create_stage(ApiId=api_id, StageName=name, **kwargs)

    def deploy(self, api_id: str, stage: str | None = None) -> str:
        kwargs = {"StageName": stage} if stage else {}
        return self.v2.create_deployment(ApiId=api_id, **kwargs)["DeploymentId"]

    def url(self, api_id: str, stage: str, path: str = "/") -> str:
        base = f"https://{api_id}.execute-api.{self.region}.amazonaws.com"
        return base + ("" if stage == "$default" else f"/{stage}") + path

    def lambda_api(
        self,
        source: Any,
        routes: tuple[str, ...] = ("GET /hello",),
        *,
        payload: str = "2.0",
        stage: str = "$default",
        auto_deploy: bool = True,
        permit: bool = True,
        timeout: int = 3,
        timeout_ms: int | None = None,
        variables: dict[str, str] | None = None,
        **api_kwargs: Any,
    ) -> HttpApi:
        """One function behind every route key in ``routes``; a stage that auto-deploys
        (or, with ``auto_deploy=False``, one explicit deployment)."""
        fn_arn = self.function(source, timeout=timeout)
        api_id = self.api(**api_kwargs)
        integration = self.lambda_integration(
            api_id, fn_arn, payload=payload, timeout_ms=timeout_ms
        )
        made = {key: self.route(api_id, key, integration) for key in routes}
        if permit:
            self.permit(fn_arn, api_id)
        stage_kwargs: dict[str, Any] = {"AutoDeploy": auto_deploy}
        if variables:
            stage_kwargs["StageVariables"] = variables
        self.stage(api_id, stage, **stage_kwargs)
        if not auto_deploy:
            self.deploy(api_id, stage)
        return HttpApi(self, api_id, stage, integration, fn_arn, made)


@pytest.fixture
def http_kit(kit: RestApiKit) -> HttpApiKit:
    """:class:`HttpApiKit` on a fresh lab (shares ``kit``'s Lambda role and clients)."""
    return HttpApiKit(kit)


# ---------------------------------------------------------------------------------- WebSocket APIs

#: A WebSocket handler that records every event it gets in the DynamoDB table named by
#: TABLE_NAME (only the event types listed in RECORD, default all), and answers:
#: ``$connect`` with ``?status=N`` (default 200), posting to its own connection first with
#: ``?post=1`` (the outcome is recorded); a message ``{"fail": true}`` by raising; a message
#: ``{"reply": "..."}`` with that text; any other message with the event itself.
WS_RECORDER = """
import json
import os
import time

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
RECORD = os.environ.get("RECORD", "CONNECT,MESSAGE,DISCONNECT").split(",")


def post_to_self(event):
    context = event["requestContext"]
    api = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{context['domainName']}/{context['stage']}",
    )
    try:
        api.post_to_connection(ConnectionId=context["connectionId"], Data=b"too early")
        return "delivered"
    except api.exceptions.GoneException:
        return "GoneException"


def handler(event, context):
    ctx = event["requestContext"]
    query = event.get("queryStringParameters") or {}
    posted = post_to_self(event) if ctx["eventType"] == "CONNECT" and "post" in query else ""
    if ctx["eventType"] in RECORD:
        TABLE.put_item(
            Item={
                "requestId": ctx["requestId"],
                "eventType": ctx["eventType"],
                "connectionId": ctx["connectionId"],
                "order": time.monotonic_ns(),
                "posted": posted,
                "event": json.dumps(event),
            }
        )
    if ctx["eventType"] == "CONNECT":
        return {"statusCode": int(query.get("status", "200"))}
    if ctx["eventType"] == "MESSAGE":
        try:
            sent = json.loads(event["body"])
        except ValueError:
            sent = None
        if isinstance(sent, dict) and sent.get("fail"):
            raise RuntimeError("the handler failed on purpose")
        if isinstance(sent, dict) and "reply" in sent:
            return {"statusCode": 200, "body": sent["reply"]}
        return {"statusCode": 200, "body": json.dumps(event)}
    return {"statusCode": 200}
"""


@dataclass
class WsApi:
    """A deployed WebSocket API with one Lambda integration behind its routes."""

    kit: WsApiKit
    api_id: str
    stage: str
    integration_id: str
    fn_arn: str
    routes: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:{port}/{api_id}/{stage}`` on the localhost server."""
        return self.kit.lab.websocket_url(self.api_id, self.stage)

    def management(self) -> Any:
        """boto3's ``apigatewaymanagementapi`` client for this stage's @connections API."""
        return self.kit.management(self.api_id, self.stage)


class WsApiKit:
    """Builds WebSocket APIs with boto3 ``apigatewayv2``, as the WebSocket notebook does."""

    def __init__(self, rest: RestApiKit, lab: Any) -> None:
        self.rest = rest
        self.lab = lab
        self.region = rest.region
        self.v2 = boto3.client("apigatewayv2", region_name=rest.region)
        self.ddb = boto3.client("dynamodb", region_name=rest.region)
        self.recorder = WS_RECORDER

    def function(self, source: Any, **kwargs: Any) -> str:
        return self.rest.function(source, **kwargs)

    def permit(self, fn_arn: str, api_id: str) -> None:
        self.rest.permit(
            fn_arn, api_id, source_arn=f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{api_id}/*"
        )

    def api(self, name: str = "lab-ws-api", selection: str = "$request.body.action") -> str:
        return self.v2.create_api(
            Name=name, ProtocolType="WEBSOCKET", RouteSelectionExpression=selection
        )["ApiId"]

    def lambda_integration(self, api_id: str, fn_arn: str) -> str:
        return self.v2.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=lambda_uri(fn_arn)
        )["IntegrationId"]

    def route(
        self, api_id: str, key: str, integration_id: str, *, two_way: bool = False, **kwargs: Any
    ) -> str:
        """A route to the integration; ``two_way`` adds the ``$default`` route response that
        sends the integration's answer back. Extra keyword arguments as boto3 names them
        (``AuthorizationType``, ``AuthorizerId``)."""
        route_id = self.v2.create_route(
            ApiId=api_id, RouteKey=key, Target=f"integrations/{integration_id}", **kwargs
        )["RouteId"]
        if two_way:
            self.v2.create_route_response(
                ApiId=api_id, RouteId=route_id, RouteResponseKey="$default"
            )
        return route_id

    def request_authorizer(
        self,
        api_id: str,
        fn_arn: str,
        identity: tuple[str, ...] = ("route.request.querystring.token",),
    ) -> str:
        return self.v2.create_authorizer(
            ApiId=api_id,
            AuthorizerType="REQUEST",
            Name="connect-authorizer",
            AuthorizerUri=lambda_uri(fn_arn),
            IdentitySource=list(identity),
        )["AuthorizerId"]

    def deploy(self, api_id: str, stage: str = "prod") -> str:
        return self.v2.create_deployment(ApiId=api_id, StageName=stage)["DeploymentId"]

    def management(self, api_id: str, stage: str) -> Any:
        return boto3.client(
            "apigatewaymanagementapi",
            region_name=self.region,
            endpoint_url=self.lab.connections_url(api_id, stage),
        )

    def lambda_api(
        self,
        source: Any = None,
        routes: tuple[str, ...] = ("$connect", "$disconnect", "$default"),
        *,
        two_way: tuple[str, ...] | bool = True,
        selection: str = "$request.body.action",
        stage: str = "prod",
        env: dict[str, str] | None = None,
        timeout: int = 10,
        deploy: bool = True,
    ) -> WsApi:
        """One function (default: :data:`WS_RECORDER`) behind every route key in ``routes``;
        the message routes in ``two_way`` (all of them with True) send its answer back. The
        function's time-out is generous: a cold start that builds boto3 clients on a busy
        machine must not turn into "Internal server error"."""
        fn_arn = self.function(source or self.recorder, timeout=timeout, env=env)
        api_id = self.api(selection=selection)
        integration = self.lambda_integration(api_id, fn_arn)
        made = {}
        for key in routes:
            answers = key not in ("$connect", "$disconnect") and (
                two_way is True or (two_way is not False and key in two_way)
            )
            made[key] = self.route(api_id, key, integration, two_way=answers)
        self.permit(fn_arn, api_id)
        self.v2.create_stage(ApiId=api_id, StageName=stage)
        if deploy:
            self.deploy(api_id, stage)
        return WsApi(self, api_id, stage, integration, fn_arn, made)

    # -- the recorder's table
    def recorder_api(
        self, routes: tuple[str, ...] = ("$connect", "$disconnect", "$default"), **kwargs: Any
    ) -> WsApi:
        """:meth:`lambda_api` with :data:`WS_RECORDER` and a fresh ``ws-events`` table
        (``record=`` limits what is recorded: ``"CONNECT,DISCONNECT"``); read it with
        :meth:`recorded`."""
        record = kwargs.pop("record", None)
        self.ddb.create_table(
            TableName="ws-events",
            AttributeDefinitions=[{"AttributeName": "requestId", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "requestId", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        env = {"TABLE_NAME": "ws-events", **({"RECORD": record} if record else {})}
        return self.lambda_api(self.recorder, routes, env=env, **kwargs)

    def _items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": "ws-events"}
        while True:
            page = self.ddb.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(items, key=lambda item: int(item["order"]["N"]))

    def recorded(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """The events the recorder got (oldest first), all or those of one type."""
        return [
            json.loads(item["event"]["S"])
            for item in self._items()
            if event_type is None or item["eventType"]["S"] == event_type
        ]

    def posted(self) -> list[str]:
        """What each ``$connect`` with ``?post=1`` got when it posted to its own connection
        (``"delivered"`` or ``"GoneException"``)."""
        return [item["posted"]["S"] for item in self._items() if item["posted"]["S"]]


@pytest.fixture
def ws_kit(kit: RestApiKit, fresh_lab: Any) -> WsApiKit:
    """:class:`WsApiKit` on a fresh lab (shares ``kit``'s Lambda role and clients)."""
    return WsApiKit(kit, fresh_lab)


# ---------------------------------------------------------------------------------- Cognito

COGNITO_PASSWORD = "Corr3ct-Horse!"


@dataclass
class CognitoPool:
    """A moto user pool with one app client, one user (alice) and that user's tokens."""

    id: str
    arn: str
    issuer: str
    client_id: str
    id_token: str
    access_token: str

    def claims(self, token: str) -> dict[str, Any]:
        import jwt

        return jwt.decode(token, options={"verify_signature": False})


def _make_pool(name: str = "lab-pool") -> CognitoPool:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName=name)["UserPool"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{name}-client",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="alice", TemporaryPassword="Tmp-pass1!")
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="alice", Password=COGNITO_PASSWORD, Permanent=True
    )
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool["Id"],
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": COGNITO_PASSWORD},
    )["AuthenticationResult"]
    return CognitoPool(
        id=pool["Id"],
        arn=pool["Arn"],
        issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
        client_id=client_id,
        id_token=tokens["IdToken"],
        access_token=tokens["AccessToken"],
    )


@pytest.fixture
def make_pool() -> Callable[..., CognitoPool]:
    """``make_pool(name="lab-pool")``: a Cognito user pool, app client, user and tokens."""
    return _make_pool
