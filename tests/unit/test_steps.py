"""Each pipeline step in isolation: parse, endpoint, route, resource policy, integration
dispatch (and the Lambda call behind it), respond (gateway responses), observe."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

import boto3
import pytest

from helpers.gateway import REST, DataPlane, EmulatorLimitation, HttpRequest, UnknownApi
from helpers.gateway import errors as gw
from helpers.gateway.context import InvocationContext, MethodRequest, StageView
from helpers.gateway.http import HttpResponse
from helpers.gateway.integrations import lambda_invoke
from helpers.gateway.snapshot import MethodConfig, RestSnapshot
from helpers.gateway.steps import (
    endpoint,
    integration,
    observe,
    parse,
    resource_policy,
    respond,
    route,
)
from helpers.gateway.trace import Trace
from helpers.ids import IdSource

ACCOUNT = "123456789012"
REGION = "us-east-1"
T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z


class _Plane:
    """Just what the pure steps read from ``ctx.plane``."""

    def __init__(self) -> None:
        self.ids = IdSource(0)


def request(
    path: str = "/prod/pets",
    method: str = "GET",
    *,
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    api_id: str = "abc123",
) -> HttpRequest:
    return HttpRequest(
        method=method,
        host=f"{api_id}.execute-api.{REGION}.amazonaws.com",
        path=path,
        query=query,
        headers=headers if headers is not None else [("User-Agent", "pytest")],
        body=body,
        source_ip="203.0.113.7",
    )


def context(
    req: HttpRequest | None = None,
    *,
    plane: Any = None,
    api_id: str = "abc123",
    endpoint_type: str = "EDGE",
    vpce: str | None = None,
) -> InvocationContext:
    return InvocationContext(
        request=req or request(api_id=api_id),
        request_id="c0ffee00-0000-4000-8000-000000000001",
        extended_request_id="JaxQjEw1IAMFlmQ=",
        request_time=T0,
        started=time.perf_counter(),
        account_id=ACCOUNT,
        region=REGION,
        plane=plane or _Plane(),
        api_id=api_id,
        endpoint_type=endpoint_type,
        source_vpce=vpce,
        trace=Trace("c0ffee00-0000-4000-8000-000000000001", api_id=api_id),
    )


def snapshot(
    routes: dict[tuple[str, str], dict[str, Any]] | None = None,
    *,
    policy: dict[str, Any] | None = None,
    gateway_responses: dict[str, dict[str, Any]] | None = None,
) -> RestSnapshot:
    snap = RestSnapshot(
        "dep1",
        {"id": "abc123", "name": "pets", "binaryMediaTypes": []},
        [],
        policy=policy,
        gateway_responses=gateway_responses or {},
    )
    for i, ((path, method), m) in enumerate((routes or {}).items()):
        snap.router.add(path, method, MethodConfig(f"res{i}", path, method, m))
    return snap


def routed(
    path: str = "/pets",
    method: str = "GET",
    *,
    integration_cfg: dict[str, Any] | None = None,
    **ctx_kwargs: Any,
) -> InvocationContext:
    """A context as it is after parse, endpoint and route."""
    ctx = context(**ctx_kwargs)
    ctx.method_request = MethodRequest(method, path, {"User-Agent": ["pytest"]}, {}, b"")
    ctx.stage = StageView("prod", "dep1", {}, {}, None)
    ctx.deployment = snapshot()
    ctx.route = MethodConfig(
        "res0", path, method, {"methodIntegration": integration_cfg} if integration_cfg else {}
    )
    ctx.resource_path = path
    return ctx


# ====================================================================================== parse


class TestParse:
    @pytest.fixture
    def api(self, unit_kit: Any, plane: DataPlane) -> Any:
        return unit_kit.proxy_api(
            None, (("GET", "/pets"), ("GET", "/pets/{id}")), variables={"color": "blue"}
        )

    def parsed(self, plane: DataPlane, api: Any, req: HttpRequest) -> InvocationContext:
        ctx = context(req, plane=plane, api_id=api.api_id)
        parse.step(ctx)
        return ctx

    def test_finds_the_stage_and_its_deployment(self, plane: DataPlane, api: Any) -> None:
        ctx = self.parsed(plane, api, request("/prod/pets", api_id=api.api_id))
        assert ctx.stage is not None and ctx.stage.name == "prod"
        assert ctx.stage.variables == {"color": "blue"}
        assert ctx.deployment is not None
        assert ctx.deployment.deployment_id == ctx.stage.deployment_id
        assert ctx.deployment.api_id == api.api_id
        assert ctx.trace.stage == "prod"
        assert ctx.trace.entries[0].step == "method-request"

    def test_method_request(self, plane: DataPlane, api: Any) -> None:
        req = request(
            "/prod/pets/caf%C3%A9%20au%20lait",
            "get",
            query="a=1&a=2&b=&c=x%20y&d=%F0%9F%90%8D",
            headers=[("X-Dup", "1"), ("x-dup", "2"), ("User-Agent", "pytest")],
            body=b"raw",
            api_id=api.api_id,
        )
        ctx = self.parsed(plane, api, req)
        mreq = ctx.method_request
        assert mreq is not None
        assert mreq.method == "GET"
        assert mreq.path == "/pets/café au lait"  # decoded, without the stage
        assert mreq.query == {"a": ["1", "2"], "b": [""], "c": ["x y"], "d": ["🐍"]}
        assert mreq.headers == {"X-Dup": ["1"], "x-dup": ["2"], "User-Agent": ["pytest"]}
        assert mreq.header("X-DUP") == "2"
        assert mreq.body == b"raw"

    @pytest.mark.parametrize(
        ("raw", "path"),
        [
            ("/prod", "/"),
            ("/prod/", "/"),
            ("/prod/pets/", "/pets/"),  # the trailing slash is kept in the path
            ("/prod/pets%2Fx", "/pets/x"),
            ("/prod/bad%ZZ", "/bad%ZZ"),
            ("/prod/half%C3", "/half\ufffd"),
        ],
    )
    def test_paths(self, plane: DataPlane, api: Any, raw: str, path: str) -> None:
        ctx = self.parsed(plane, api, request(raw, api_id=api.api_id))
        assert ctx.method_request is not None and ctx.method_request.path == path

    @pytest.mark.parametrize("raw", ["/", "", "/dev/pets", "/PROD/pets", "/pro%64x/pets"])
    def test_unknown_stage_is_missing_authentication_token(
        self, plane: DataPlane, api: Any, raw: str
    ) -> None:
        with pytest.raises(gw.MissingAuthenticationToken):
            self.parsed(plane, api, request(raw, api_id=api.api_id))

    def test_stage_name_is_percent_decoded(self, plane: DataPlane, api: Any) -> None:
        ctx = self.parsed(plane, api, request("/pro%64/pets", api_id=api.api_id))
        assert ctx.stage is not None and ctx.stage.name == "prod"

    def test_payload_over_10_mb(self, plane: DataPlane, api: Any) -> None:
        big = request("/prod/pets", "POST", body=b"x" * (10 * 1024 * 1024 + 1), api_id=api.api_id)
        with pytest.raises(gw.RequestTooLarge):
            self.parsed(plane, api, big)
        ok = request("/prod/pets", "POST", body=b"x" * (10 * 1024 * 1024), api_id=api.api_id)
        self.parsed(plane, api, ok)

    def test_headers_over_10_kb(self, plane: DataPlane, api: Any) -> None:
        with pytest.raises(gw.RequestTooLarge):
            self.parsed(plane, api, request(headers=[("X-Big", "v" * 20_000)], api_id=api.api_id))
        self.parsed(plane, api, request(headers=[("X-Big", "v" * 5_000)], api_id=api.api_id))

    def test_stage_view_is_live_not_frozen(self, plane: DataPlane, api: Any, unit_kit: Any) -> None:
        unit_kit.apigw.update_stage(
            restApiId=api.api_id,
            stageName="prod",
            patchOperations=[{"op": "replace", "path": "/variables/color", "value": "red"}],
        )
        ctx = self.parsed(plane, api, request(api_id=api.api_id))
        assert ctx.stage is not None and ctx.stage.variables == {"color": "red"}


# ====================================================================================== endpoint


def endpoint_ctx(kind: str, headers: list[tuple[str, str]], vpce: str | None = None) -> Any:
    ctx = context(request(headers=headers), endpoint_type=kind, vpce=vpce)
    ctx.method_request = MethodRequest("GET", "/pets", parse.group_headers(headers), {}, b"")
    ctx.deployment = snapshot()
    return ctx


class TestEndpoint:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("x-custom-thing", "X-Custom-Thing"),
            ("X-API-KEY", "X-Api-Key"),
            ("cookie", "Cookie"),
            ("user-agent", "User-Agent"),
            ("a--b", "A--B"),
            ("x", "X"),
        ],
    )
    def test_capitalize_header(self, name: str, expected: str) -> None:
        assert endpoint.capitalize_header(name) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("b=2; a=1", "a=1; b=2"),
            ("zeta=1;alpha=2;  mid=3", "alpha=2; mid=3; zeta=1"),
            ("b=2; a=1; a=0", "a=1; a=0; b=2"),  # stable for equal names
            ("only=1", "only=1"),
            ("", ""),
        ],
    )
    def test_sort_cookies(self, value: str, expected: str) -> None:
        assert endpoint.sort_cookies(value) == expected

    def test_edge_capitalises_sorts_cookies_and_adds_cloudfront_headers(self) -> None:
        ctx = endpoint_ctx(
            "EDGE",
            [
                ("x-custom-thing", "v"),
                ("cookie", "b=2; a=1"),
                ("content-length", "0"),
                ("connection", "keep-alive"),
            ],
        )
        endpoint.step(ctx)
        headers = ctx.method_request.headers
        assert headers["X-Custom-Thing"] == ["v"]
        assert headers["Cookie"] == ["a=1; b=2"]
        assert "Content-Length" not in headers and "Connection" not in headers
        assert headers["Host"] == ["abc123.execute-api.us-east-1.amazonaws.com"]
        assert headers["X-Forwarded-For"] == ["203.0.113.7, 130.176.1.10"]
        assert headers["X-Forwarded-Proto"] == ["https"]
        assert headers["X-Forwarded-Port"] == ["443"]
        assert headers["CloudFront-Viewer-Country"] == ["US"]
        assert headers["Via"][0].endswith(".cloudfront.net (CloudFront)")
        assert headers["X-Amzn-Trace-Id"][0].startswith(f"Root=1-{int(T0):08x}-")
        assert ctx.trace.entries[-1].decision == "EDGE"

    def test_edge_merges_headers_that_differ_only_in_case(self) -> None:
        ctx = endpoint_ctx("EDGE", [("x-a", "1"), ("X-A", "2")])
        endpoint.step(ctx)
        assert ctx.method_request.headers["X-A"] == ["1", "2"]

    def test_regional_keeps_names_and_cookie_order(self) -> None:
        ctx = endpoint_ctx("REGIONAL", [("x-custom-thing", "v"), ("cookie", "b=2; a=1")])
        endpoint.step(ctx)
        headers = ctx.method_request.headers
        assert headers["x-custom-thing"] == ["v"]
        assert headers["cookie"] == ["b=2; a=1"]
        assert headers["X-Forwarded-For"] == ["203.0.113.7"]
        assert not any(name.startswith("CloudFront-") for name in headers)
        assert "Via" not in headers

    def test_private_without_a_vpc_endpoint_is_forbidden(self) -> None:
        with pytest.raises(gw.Forbidden) as info:
            endpoint.step(endpoint_ctx("PRIVATE", [("x-a", "1")]))
        assert info.value.status == 403
        assert info.value.message == "Forbidden"

    def test_private_through_a_vpc_endpoint(self) -> None:
        ctx = endpoint_ctx("PRIVATE", [("x-a", "1")], vpce="vpce-0abc123")
        endpoint.step(ctx)
        headers = ctx.method_request.headers
        assert headers["x-a"] == ["1"]
        assert headers["x-amzn-vpce-id"] == ["vpce-0abc123"]
        assert ctx.trace.entries[-1].details == {"vpce": "vpce-0abc123"}


# ====================================================================================== route


class TestRoute:
    ROUTES: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {
        ("/pets", "GET"): {"httpMethod": "GET"},
        ("/pets/{id}", "ANY"): {"httpMethod": "ANY"},
        ("/{proxy+}", "POST"): {"httpMethod": "POST"},
    }

    def ctx_for(
        self, path: str, method: str = "GET", routes: dict[tuple[str, str], Any] | None = None
    ) -> InvocationContext:
        ctx = context()
        ctx.method_request = MethodRequest(method, path, {}, {}, b"")
        ctx.deployment = snapshot(self.ROUTES if routes is None else routes)
        return ctx

    @pytest.mark.parametrize(
        ("path", "method", "resource_path", "params", "decision"),
        [
            ("/pets", "GET", "/pets", {}, "GET /pets"),
            ("/pets/", "GET", "/pets", {}, "GET /pets"),
            ("/pets/7", "DELETE", "/pets/{id}", {"id": "7"}, "ANY /pets/{id}"),
            ("/a/b/c", "POST", "/{proxy+}", {"proxy": "a/b/c"}, "POST /{proxy+}"),
        ],
    )
    def test_match(
        self, path: str, method: str, resource_path: str, params: dict[str, str], decision: str
    ) -> None:
        ctx = self.ctx_for(path, method)
        route.step(ctx)
        assert ctx.resource_path == resource_path
        assert ctx.route is not None and ctx.route.resource_path == resource_path
        assert ctx.method_request.path_params == params
        assert ctx.trace.entries[-1].step == "route"
        assert ctx.trace.entries[-1].decision == decision

    @pytest.mark.parametrize(
        ("path", "method", "reason"),
        [
            ("/nowhere", "GET", "no resource matches /nowhere"),
            ("/pets", "POST", "resource has no POST (nor ANY) method"),
            ("/", "GET", "no resource matches /"),
        ],
    )
    def test_no_match_is_missing_authentication_token(
        self, path: str, method: str, reason: str
    ) -> None:
        routes = {("/pets", "GET"): {}, ("/pets/{id}", "GET"): {}}
        with pytest.raises(gw.MissingAuthenticationToken) as info:
            route.step(self.ctx_for(path, method, routes))
        assert info.value.reason == reason
        assert info.value.status == 403


# ====================================================================================== policy


def allow_vpce(vpce: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"StringEquals": {"aws:SourceVpce": vpce}},
            }
        ],
    }


class TestResourcePolicy:
    def ctx_with(
        self, policy: dict[str, Any] | None, kind: str = "EDGE", vpce: str | None = None
    ) -> InvocationContext:
        ctx = routed("/pets", "GET", endpoint_type=kind, vpce=vpce)
        ctx.deployment = snapshot(policy=policy)
        return ctx

    def test_no_policy_no_check(self) -> None:
        ctx = self.ctx_with(None)
        resource_policy.step(ctx)
        assert ctx.trace.entries == []

    def test_private_api_without_policy_is_denied(self) -> None:
        with pytest.raises(gw.AccessDenied):
            resource_policy.step(self.ctx_with(None, "PRIVATE", "vpce-0abc123"))

    def test_allowed_vpce(self) -> None:
        ctx = self.ctx_with(allow_vpce("vpce-0abc123"), "PRIVATE", "vpce-0abc123")
        resource_policy.step(ctx)
        entry = ctx.trace.entries[-1]
        assert (entry.step, entry.decision) == ("resource-policy", "Allow")
        assert entry.details["resource"] == (
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets"
        )

    def test_other_vpce_is_an_implicit_deny_with_the_aws_message(self) -> None:
        with pytest.raises(gw.AccessDenied) as info:
            resource_policy.step(self.ctx_with(allow_vpce("vpce-other"), "PRIVATE", "vpce-0abc123"))
        assert info.value.message == (
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets"
        )

    def test_explicit_deny_wins(self) -> None:
        policy = allow_vpce("vpce-0abc123")
        policy["Statement"].append(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*/GET/pets",
            }
        )
        with pytest.raises(gw.AccessDenied) as info:
            resource_policy.step(self.ctx_with(policy, "PRIVATE", "vpce-0abc123"))
        assert info.value.message.endswith("/prod/GET/pets with an explicit deny")

    def test_policies_apply_to_public_apis_too(self) -> None:
        policy = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
                }
            ]
        }
        with pytest.raises(gw.AccessDenied):
            resource_policy.step(self.ctx_with(policy, "REGIONAL"))
        policy["Statement"][0]["Condition"]["IpAddress"]["aws:SourceIp"] = "203.0.113.0/24"
        resource_policy.step(self.ctx_with(policy, "REGIONAL"))

    @pytest.mark.parametrize(
        ("resource", "expanded"),
        [
            ("execute-api:/*", "arn:aws:execute-api:us-east-1:123456789012:abc123/*"),
            (
                "execute-api:/prod/GET/pets",
                "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
            ),
            ("arn:aws:execute-api:*:*:*", "arn:aws:execute-api:*:*:*"),
        ],
    )
    def test_expand_resource(self, resource: str, expanded: str) -> None:
        assert resource_policy.expand_resource(resource, routed()) == expanded


# ====================================================================================== integration


class TestIntegrationDispatch:
    def test_no_integration_is_500(self) -> None:
        with pytest.raises(gw.InternalServerError):
            integration.step(routed())

    @pytest.mark.parametrize("kind", ["VPC_LINK", "SOMETHING", None])
    def test_unsupported_types_are_loud(self, kind: str | None) -> None:
        ctx = routed(integration_cfg={"type": kind, "uri": "x"})
        with pytest.raises(EmulatorLimitation, match="does not emulate"):
            integration.step(ctx)

    def test_every_rest_integration_type_has_a_handler(self) -> None:
        assert set(integration.INTEGRATIONS) == {"AWS_PROXY", "AWS", "HTTP", "HTTP_PROXY", "MOCK"}

    def test_dispatches_by_type(self, monkeypatch: pytest.MonkeyPatch) -> None:
        seen: list[InvocationContext] = []
        monkeypatch.setitem(integration.INTEGRATIONS, "AWS_PROXY", seen.append)
        ctx = routed(integration_cfg={"type": "AWS_PROXY"})
        integration.step(ctx)
        assert seen == [ctx]


class TestLambdaInvoke:
    """The Lambda call behind AWS_PROXY: URI, permission, time-out, function errors."""

    @pytest.fixture
    def api(self, unit_kit: Any, plane: DataPlane) -> Any:
        return unit_kit.proxy_api(None, (("GET", "/pets"),))

    def test_function_from_uri(self) -> None:
        arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
        uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        assert lambda_invoke.function_from_uri(uri, {}) == arn
        templated = uri.replace("function:f", "function:${stageVariables.fn}")
        assert lambda_invoke.function_from_uri(templated, {"fn": "g"}) == arn[:-1] + "g"
        with pytest.raises(gw.InternalServerError):
            lambda_invoke.function_from_uri("arn:aws:apigateway:us-east-1:s3:path/b/k", {})

    def test_invokes_with_the_event_and_default_deadline(
        self, api: Any, call: Any, fake_runtime: Any
    ) -> None:
        resp = call(api.api_id, "/prod/pets")
        assert resp.status == 200
        assert resp.body == b"ok"
        (only,) = fake_runtime.calls
        assert only["function"] == api.fn_arn
        assert only["deadline_s"] == 29.0
        assert only["event"]["resource"] == "/pets"

    def test_timeout_in_millis_is_the_deadline(
        self, unit_kit: Any, plane: DataPlane, call: Any, fake_runtime: Any
    ) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),), timeout_ms=500)
        call(api.api_id, "/prod/pets")
        assert fake_runtime.calls[0]["deadline_s"] == 0.5

    def test_deadline_hit_is_504(self, api: Any, call: Any, fake_runtime: Any) -> None:
        fake_runtime.reply({"statusCode": 200}, caller_deadline_hit=True)
        resp = call(api.api_id, "/prod/pets")
        assert resp.status == 504
        assert resp.body == b'{"message": "Endpoint request timed out"}'
        assert resp.header("x-amzn-ErrorType") == "InternalServerErrorException"

    def test_function_error_is_502(
        self, api: Any, call: Any, fake_runtime: Any, plane: Any
    ) -> None:
        fake_runtime.reply(
            {"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []},
            function_error="Unhandled",
        )
        resp = call(api.api_id, "/prod/pets")
        assert resp.status == 502
        assert resp.body == b'{"message": "Internal server error"}'
        reasons = [e.details.get("reason", "") for e in plane.traces.last().entries]
        assert any("customer function error: ValueError: boom" in r for r in reasons)

    def test_missing_permission_is_500_and_runtime_not_called(
        self, unit_kit: Any, plane: DataPlane, call: Any, fake_runtime: Any
    ) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),), permit=False)
        resp = call(api.api_id, "/prod/pets")
        assert resp.status == 500
        assert resp.body == b'{"message": "Internal server error"}'
        assert fake_runtime.calls == []

    def test_permission_for_another_api_is_not_enough(
        self, unit_kit: Any, plane: DataPlane, call: Any
    ) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),), permit=False)
        unit_kit.permit(api.fn_arn, "zzz999")
        assert call(api.api_id, "/prod/pets").status == 500

    def test_permission_scoped_to_the_method_and_resource(
        self, unit_kit: Any, plane: DataPlane, call: Any
    ) -> None:
        api = unit_kit.proxy_api(
            None, (("GET", "/pets/{id}"), ("POST", "/pets/{id}")), permit=False
        )
        unit_kit.permit(
            api.fn_arn,
            api.api_id,
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/*/GET/pets/{{id}}",
        )
        assert call(api.api_id, "/prod/pets/7").status == 200
        assert call(api.api_id, "/prod/pets/7", "POST").status == 500

    def test_missing_function_is_500(self, api: Any, call: Any, unit_kit: Any) -> None:
        unit_kit.lam.delete_function(FunctionName=api.fn_arn)
        assert call(api.api_id, "/prod/pets").status == 500

    def test_source_arn(self) -> None:
        ctx = routed("/pets/{id}", "GET")
        assert lambda_invoke.source_arn(ctx) == (
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/{id}"
        )


# ====================================================================================== respond


class TestRespond:
    @pytest.mark.parametrize(
        ("error", "status", "body", "error_type"),
        [
            (
                gw.MissingAuthenticationToken(),
                403,
                b'{"message":"Missing Authentication Token"}',
                "MissingAuthenticationTokenException",
            ),
            (gw.Forbidden(), 403, b'{"message":"Forbidden"}', "ForbiddenException"),
            (
                gw.AccessDenied("User: anonymous is not authorized"),
                403,
                b'{"Message":"User: anonymous is not authorized"}',
                "AccessDeniedException",
            ),
            (
                gw.IntegrationFailure(),
                502,
                b'{"message": "Internal server error"}',
                "InternalServerErrorException",
            ),
            (
                gw.IntegrationTimeout(),
                504,
                b'{"message": "Endpoint request timed out"}',
                "InternalServerErrorException",
            ),
            (
                gw.InternalServerError(),
                500,
                b'{"message": "Internal server error"}',
                "InternalServerErrorException",
            ),
            (
                gw.RequestTooLarge(),
                413,
                b'{"message":"Request Too Long"}',
                "RequestTooLargeException",
            ),
        ],
    )
    def test_default_gateway_responses(
        self, error: gw.GatewayError, status: int, body: bytes, error_type: str
    ) -> None:
        resp = respond.render_gateway_response(routed(), error)
        assert resp.status == status
        assert resp.body == body
        assert resp.header("Content-Type") == "application/json"
        assert resp.header("x-amzn-ErrorType") == error_type

    def test_message_is_json_escaped(self) -> None:
        resp = respond.render_gateway_response(routed(), gw.Forbidden('say "hi"\n'))
        assert json.loads(resp.body) == {"message": 'say "hi"\n'}

    def customised(self, responses: dict[str, dict[str, Any]]) -> InvocationContext:
        ctx = routed()
        ctx.deployment = snapshot(gateway_responses=responses)
        return ctx

    def test_customised_response(self) -> None:
        ctx = self.customised(
            {
                "MISSING_AUTHENTICATION_TOKEN": {
                    "statusCode": "404",
                    "responseParameters": {
                        "gatewayresponse.header.X-Why": "'no route'",
                        "gatewayresponse.header.X-Ignored": "method.request.header.x",
                    },
                    "responseTemplates": {
                        "application/json": '{"error":"$context.error.message",'
                        '"type":"$context.error.responseType","id":"$context.requestId"}'
                    },
                }
            }
        )
        resp = respond.render_gateway_response(ctx, gw.MissingAuthenticationToken())
        assert resp.status == 404
        assert json.loads(resp.body) == {
            "error": "Missing Authentication Token",
            "type": "MISSING_AUTHENTICATION_TOKEN",
            "id": "c0ffee00-0000-4000-8000-000000000001",
        }
        assert resp.header("X-Why") == "no route"
        assert resp.header("X-Ignored") is None
        assert resp.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"

    def test_default_4xx_is_the_fallback_for_4xx_types(self) -> None:
        ctx = self.customised(
            {"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.X-Cors": "'*'"}}}
        )
        resp = respond.render_gateway_response(ctx, gw.Forbidden())
        assert resp.status == 403  # no statusCode on DEFAULT_4XX: the type's own status
        assert resp.header("X-Cors") == "*"
        assert resp.body == b'{"message":"Forbidden"}'
        five = respond.render_gateway_response(ctx, gw.IntegrationTimeout())
        assert five.header("X-Cors") is None

    def test_default_5xx_is_the_fallback_for_5xx_types(self) -> None:
        ctx = self.customised({"DEFAULT_5XX": {"statusCode": "503"}})
        resp = respond.render_gateway_response(ctx, gw.IntegrationTimeout())
        assert resp.status == 503
        assert resp.body == b'{"message":"Endpoint request timed out"}'

    def test_step_adds_the_headers_every_answer_has(self) -> None:
        ctx = routed(endpoint_type="REGIONAL")
        ctx.method_response = HttpResponse(201, [("Content-Type", "text/plain")], b"made")
        respond.step(ctx)
        resp = ctx.method_response
        assert resp.headers == [
            ("Date", "Wed, 01 May 2024 12:00:00 GMT"),
            ("Content-Type", "text/plain"),
            ("Content-Length", "4"),
            ("Connection", "keep-alive"),
            ("x-amzn-RequestId", "c0ffee00-0000-4000-8000-000000000001"),
            ("x-amz-apigw-id", "JaxQjEw1IAMFlmQ="),
        ]
        assert ctx.trace.status == 201

    @pytest.mark.parametrize(("status", "x_cache"), [(200, "Miss"), (404, "Error")])
    def test_edge_answers_come_through_cloudfront(self, status: int, x_cache: str) -> None:
        ctx = routed(endpoint_type="EDGE")
        ctx.method_response = HttpResponse(status, [], b"")
        respond.step(ctx)
        resp = ctx.method_response
        assert resp.header("X-Cache") == f"{x_cache} from cloudfront"
        assert resp.header("X-Amz-Cf-Pop")
        assert resp.header("X-Amz-Cf-Id")
        assert (resp.header("Via") or "").endswith(".cloudfront.net (CloudFront)")

    def test_step_renders_the_error_when_there_is_one(self) -> None:
        ctx = routed(endpoint_type="REGIONAL")
        ctx.error = gw.MissingAuthenticationToken()
        respond.step(ctx)
        assert ctx.method_response is not None
        assert ctx.method_response.status == 403
        assert ctx.method_response.header("Content-Length") == "42"


# ====================================================================================== observe


class TestObserve:
    @pytest.fixture
    def api(self, unit_kit: Any, plane: DataPlane) -> Any:
        return unit_kit.proxy_api(None, (("GET", "/pets"),), name="Pets ☕ API")

    def test_trace_is_kept_even_without_a_stage(self, plane: DataPlane) -> None:
        ctx = context(plane=plane)
        observe.step(ctx)
        assert plane.traces.last() is ctx.trace
        assert plane.metrics._pending == []

    def test_metrics_sample(self, api: Any, call: Any, plane: DataPlane) -> None:
        call(api.api_id, "/prod/pets")
        call(api.api_id, "/prod/nothing")
        first, second = plane.metrics._pending
        assert first.api_name == "Pets  API"  # non-ASCII characters are stripped
        assert (first.stage, first.method, first.resource, first.status) == (
            "prod",
            "GET",
            "/pets",
            200,
        )
        assert (
            first.integration_latency_ms is not None
            and first.latency_ms >= first.integration_latency_ms
        )
        assert first.detailed is False
        assert first.minute % 60 == 0
        assert (second.status, second.resource, second.integration_latency_ms) == (403, "", None)

    def test_detailed_metrics_follow_the_stage_setting(
        self, api: Any, call: Any, plane: DataPlane, unit_kit: Any
    ) -> None:
        unit_kit.apigw.update_stage(
            restApiId=api.api_id,
            stageName="prod",
            patchOperations=[{"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"}],
        )
        call(api.api_id, "/prod/pets")
        assert plane.metrics._pending[-1].detailed is True

    def test_metrics_reach_cloudwatch_on_read(
        self, api: Any, call: Any, plane: DataPlane, unit_kit: Any
    ) -> None:
        plane.clock.freeze(T0 + 5)
        for _ in range(3):
            call(api.api_id, "/prod/pets")
        call(api.api_id, "/prod/nothing")
        dims = {"ApiName": "Pets  API", "Stage": "prod"}
        assert unit_kit.metric_sum("Count", dims, T0) == 4
        assert unit_kit.metric_sum("4XXError", dims, T0) == 1
        assert unit_kit.metric_sum("5XXError", dims, T0) == 0
        assert unit_kit.metric_sum("IntegrationLatency", dims, T0, "SampleCount") == 3
        assert plane.metrics._pending == []

    def test_access_log_line(self, api: Any, call: Any, plane: DataPlane, unit_kit: Any) -> None:
        plane.clock.freeze(T0)
        unit_kit.logs.create_log_group(logGroupName="access")
        fmt = (
            "$context.requestId $context.httpMethod $context.resourcePath $context.status "
            "$context.path [$context.requestTime] $context.identity.sourceIp "
            "$context.error.responseType $context.nothing.here"
        )
        unit_kit.apigw.update_stage(
            restApiId=api.api_id,
            stageName="prod",
            patchOperations=[
                {
                    "op": "replace",
                    "path": "/accessLogSettings/destinationArn",
                    "value": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:access",
                },
                {"op": "replace", "path": "/accessLogSettings/format", "value": fmt},
            ],
        )
        ok = call(api.api_id, "/prod/pets")
        missing = call(api.api_id, "/prod/nothing")
        events = unit_kit.logs.filter_log_events(logGroupName="access")["events"]
        assert [e["message"] for e in events] == [
            f"{ok.header('x-amzn-RequestId')} GET /pets 200 /prod/pets "
            "[01/May/2024:12:00:00 +0000] 203.0.113.7 - -",
            f"{missing.header('x-amzn-RequestId')} GET - 403 /prod/nothing "
            "[01/May/2024:12:00:00 +0000] 203.0.113.7 MISSING_AUTHENTICATION_TOKEN -",
        ]
        assert {e["timestamp"] for e in events} == {int(T0 * 1000)}

    def test_no_access_log_without_the_group(
        self, api: Any, call: Any, plane: DataPlane, unit_kit: Any
    ) -> None:
        unit_kit.apigw.update_stage(
            restApiId=api.api_id,
            stageName="prod",
            patchOperations=[
                {
                    "op": "replace",
                    "path": "/accessLogSettings/destinationArn",
                    "value": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:gone",
                },
                {
                    "op": "replace",
                    "path": "/accessLogSettings/format",
                    "value": "$context.requestId",
                },
            ],
        )
        assert call(api.api_id, "/prod/pets").status == 200
        assert unit_kit.logs.describe_log_groups()["logGroups"] == []


# ====================================================================================== data plane


class TestDataPlane:
    @pytest.mark.parametrize(
        ("host", "headers", "expected"),
        [
            ("abc123.execute-api.us-east-1.amazonaws.com", [], ("abc123", "us-east-1", None)),
            ("ABC123.execute-api.eu-west-1.amazonaws.com:443", [], ("abc123", "eu-west-1", None)),
            (
                "abc123-vpce-0abc123.execute-api.us-east-1.amazonaws.com",
                [],
                ("abc123", "us-east-1", "vpce-0abc123"),
            ),
            (
                "vpce-0abc123-xyz.execute-api.us-east-1.vpce.amazonaws.com",
                [("x-apigw-api-id", "abc123")],
                ("abc123", "us-east-1", "vpce-0abc123"),
            ),
            (
                "vpce-0abc123-xyz.execute-api.us-east-1.vpce.amazonaws.com",
                [("Host", "abc123.execute-api.us-east-1.amazonaws.com")],
                ("abc123", "us-east-1", "vpce-0abc123"),
            ),
        ],
    )
    def test_resolve(
        self, plane: DataPlane, host: str, headers: list[tuple[str, str]], expected: tuple
    ) -> None:
        req = HttpRequest("GET", host, "/prod/", headers=headers)
        assert plane.resolve(req) == expected

    @pytest.mark.parametrize(
        "host",
        [
            "vpce-0abc123-xyz.execute-api.us-east-1.vpce.amazonaws.com",  # no x-apigw-api-id
            "example.com",
            "abc123.lambda-url.us-east-1.on.aws",
        ],
    )
    def test_unresolvable_hosts(self, plane: DataPlane, host: str) -> None:
        with pytest.raises(UnknownApi):
            plane.resolve(HttpRequest("GET", host, "/"))

    def test_unknown_api(self, plane: DataPlane, call: Any) -> None:
        with pytest.raises(UnknownApi):
            call("nosuchapi", "/prod/")

    def test_request_ids_are_seeded(self, unit_kit: Any, plane: DataPlane, call: Any) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),))
        first = call(api.api_id, "/prod/pets").header("x-amzn-RequestId")
        plane.ids.reseed(0)
        again = call(api.api_id, "/prod/pets").header("x-amzn-RequestId")
        assert first == again
        assert len(first) == 36 and first[14] == "4"

    def test_the_pipeline_describes_itself(self) -> None:
        text = REST.describe()
        names = [line.split()[1] for line in text.splitlines()[1:]]
        assert names == [
            "custom_domain",
            "parse",
            "canary",
            "endpoint",
            "route",
            "authenticate",
            "resource_policy",
            "authorize",
            "api_key",
            "throttle",
            "validate",
            "cache",
            "integration",
            "cache",
            "respond",
            "observe",
        ]

    def test_trace_tells_why(self, unit_kit: Any, plane: DataPlane, call: Any) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),))
        call(api.api_id, "/prod/pets", "DELETE")
        trace = plane.traces.last()
        assert trace.status == 403
        assert trace.entries[-1].step == "gateway-response"
        assert trace.entries[-1].decision == "MISSING_AUTHENTICATION_TOKEN"
        assert trace.entries[-1].details["reason"] == "resource has no DELETE (nor ANY) method"
        assert "DELETE /pets -> 403" in str(trace)
        assert "<table>" in trace._repr_html_()

    def test_frozen_deployment(self, unit_kit: Any, plane: DataPlane, call: Any) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),))
        unit_kit.method(api.api_id, "/toys", "GET", api.fn_arn)
        assert call(api.api_id, "/prod/toys").status == 403
        unit_kit.deploy(api.api_id)
        assert call(api.api_id, "/prod/toys").status == 200

    def test_deployment_made_before_the_plane_watched(
        self, unit_kit: Any, plane: DataPlane, call: Any
    ) -> None:
        api = unit_kit.proxy_api(None, (("GET", "/pets"),))
        plane.snapshots.clear()  # as if deployed before the lab started
        assert call(api.api_id, "/prod/pets").status == 200
        stage = boto3.client("apigateway", region_name=REGION).get_stage(
            restApiId=api.api_id, stageName="prod"
        )
        from helpers.gateway import control_plane

        moto_api = control_plane.rest_api(ACCOUNT, REGION, api.api_id)
        assert plane.snapshots.for_stage(moto_api, stage["deploymentId"]).late is True


def test_a_query_split_again_gives_new_lists() -> None:
    """Decoded query strings are remembered; each request still gets its own dict and lists."""
    from helpers.gateway.steps.parse import split_query

    first = split_query("a=1&a=2&b=%20x")
    assert first == {"a": ["1", "2"], "b": [" x"]}
    first["a"].append("3")
    first["c"] = ["4"]
    assert split_query("a=1&a=2&b=%20x") == {"a": ["1", "2"], "b": [" x"]}
    assert split_query("") == {}


def test_a_mock_status_is_read_from_each_body() -> None:
    from helpers.gateway.errors import InternalServerError
    from helpers.gateway.integrations.nonproxy import _mock_status

    assert _mock_status(b'{"statusCode": 404}') == 404
    assert _mock_status(b"  ") == 200
    for _ in range(2):
        with pytest.raises(InternalServerError):
            _mock_status(b"not json")
