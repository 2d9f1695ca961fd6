"""The authorizer runner's parts (reference §3.1–3.4, §3.9, §9): identity sources in every
API type's syntax, the result cache on a given clock, reading a Lambda authorizer's answer,
the policy decision, context values as text, and the WebSocket ``$connect`` authorizer
against a moto WebSocket API and a real in-process function."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from helpers.gateway import policy as iam
from helpers.gateway.auth import identity_sources as ids
from helpers.gateway.auth.cache import DEFAULT_TTL_S, MAX_TTL_S, AuthorizerCache
from helpers.gateway.auth.identity_sources import RequestView, Source
from helpers.gateway.auth.lambda_authorizer import (
    Answer,
    AuthorizerRefused,
    LambdaAuthorizer,
    context_values,
    identity,
    parse_answer,
)
from helpers.gateway.auth.websocket import ConnectRefused, authorize_connect, connect_arn
from helpers.gateway.context import InvocationContext, StageView
from helpers.gateway.http import HttpRequest
from helpers.gateway.trace import Trace

ACCOUNT = "123456789012"
REGION = "us-east-1"
EVENTS = Path(__file__).parents[3] / "shared" / "reference" / "events"
ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/GET/pets/7"

# ====================================================================================== parse


@pytest.mark.parametrize(
    ("expression", "place", "name"),
    [
        # REST
        ("method.request.header.Authorization", "header", "Authorization"),
        ("method.request.querystring.key", "querystring", "key"),
        ("stageVariables.tier", "stageVariables", "tier"),
        ("context.identity.sourceIp", "context", "identity.sourceIp"),
        # HTTP APIs
        ("$request.header.X-Tenant", "header", "X-Tenant"),
        ("$request.querystring.key", "querystring", "key"),
        ("$stageVariables.tier", "stageVariables", "tier"),
        ("$context.routeKey", "context", "routeKey"),
        # WebSocket APIs
        ("route.request.header.Auth", "header", "Auth"),
        ("route.request.querystring.token", "querystring", "token"),
    ],
)
def test_parse_every_syntax(expression: str, place: str, name: str) -> None:
    assert ids.parse(expression) == [Source(place, name, expression)]


def test_parse_comma_separated_text_and_lists() -> None:
    text = "method.request.header.X-Tenant, method.request.querystring.key,stageVariables.tier"
    parsed = ids.parse(text)
    assert [(s.place, s.name) for s in parsed] == [
        ("header", "X-Tenant"),
        ("querystring", "key"),
        ("stageVariables", "tier"),
    ]
    assert parsed[0].text == "method.request.header.X-Tenant"
    listed = ids.parse(["$request.header.Authorization", " $context.routeKey "])
    assert [(s.place, s.name) for s in listed] == [
        ("header", "Authorization"),
        ("context", "routeKey"),
    ]


@pytest.mark.parametrize("empty", [None, "", [], " , "])
def test_parse_nothing(empty: Any) -> None:
    assert ids.parse(empty) == []


@pytest.mark.parametrize(
    "expression",
    [
        "method.request.path.id",
        "$request.path.id",
        "route.request.path.id",
        "$request.body.token",
        "request.header.Authorization",  # no prefix
        "method.stageVariables.tier",
        "route.context.routeKey",
        "header.Authorization",
        "Authorization",
    ],
)
def test_parse_refuses_what_api_gateway_refuses(expression: str) -> None:
    with pytest.raises(ValueError, match="identity source"):
        ids.parse(expression)


def test_parse_refuses_a_path_parameter_among_good_sources() -> None:
    with pytest.raises(ValueError, match="path parameters cannot be identity sources"):
        ids.parse("method.request.header.Auth, method.request.path.id")


# ====================================================================================== values


def view(
    headers: dict[str, list[str]] | None = None,
    query: dict[str, list[str]] | None = None,
    stage_variables: dict[str, str] | None = None,
    context: dict[str, Any] | None = None,
) -> RequestView:
    values = context or {}

    def lookup(name: str) -> Any:
        current: Any = values
        for part in name.split("."):
            if not isinstance(current, dict):
                return None
            current = current.get(part)
        return current

    return RequestView(headers or {}, query or {}, stage_variables or {}, lookup)


def one(expression: str) -> Source:
    return ids.parse(expression)[0]


def test_header_names_are_case_insensitive() -> None:
    request = view(headers={"x-TENANT": ["t1"]})
    for expression in (
        "method.request.header.X-Tenant",
        "$request.header.x-tenant",
        "route.request.header.X-TENANT",
    ):
        assert ids.value(one(expression), request) == "t1"


def test_repeated_headers_are_joined_with_commas() -> None:
    request = view(headers={"X-Tenant": ["a"], "x-tenant": ["b", "c"]})
    assert ids.value(one("$request.header.X-Tenant"), request) == "a,b,c"


def test_query_string_names_are_case_sensitive() -> None:
    request = view(query={"key": ["k1", "k2"]})
    assert ids.value(one("$request.querystring.key"), request) == "k1,k2"
    assert ids.value(one("$request.querystring.Key"), request) is None
    assert ids.value(one("method.request.querystring.KEY"), request) is None


def test_stage_variables_and_context() -> None:
    request = view(
        stage_variables={"tier": "gold"},
        context={
            "routeKey": "GET /pets/{id}",
            "identity": {"sourceIp": "203.0.113.7"},
            "flag": True,
            "off": False,
            "count": 3,
        },
    )
    assert ids.value(one("stageVariables.tier"), request) == "gold"
    assert ids.value(one("$stageVariables.tier"), request) == "gold"
    assert ids.value(one("$stageVariables.other"), request) is None
    assert ids.value(one("$context.routeKey"), request) == "GET /pets/{id}"
    assert ids.value(one("context.identity.sourceIp"), request) == "203.0.113.7"
    assert ids.value(one("$context.flag"), request) == "true"
    assert ids.value(one("$context.off"), request) == "false"
    assert ids.value(one("$context.count"), request) == "3"
    assert ids.value(one("$context.nothing.here"), request) is None


def test_missing_names_absent_and_empty_values() -> None:
    sources = ids.parse(
        ["$request.header.Auth", "$request.querystring.key", "$stageVariables.tier"]
    )
    request = view(headers={"Auth": [""]}, query={"key": ["k1"]})
    found = ids.values(sources, request)
    assert found == ["", "k1", None]
    assert ids.missing(sources, found) == ["$request.header.Auth", "$stageVariables.tier"]
    assert ids.missing(sources, ["a", "b", "c"]) == []


# ====================================================================================== identity()


def rest_authorizer(**cfg: Any) -> LambdaAuthorizer:
    base = {
        "id": "auth1",
        "name": "lab",
        "type": "TOKEN",
        "authorizerUri": "uri",
        "identitySource": "method.request.header.Authorization",
    }
    base.update(cfg)
    return LambdaAuthorizer.from_rest(base)


def v2_authorizer(*, websocket: bool = False, **cfg: Any) -> LambdaAuthorizer:
    base = {
        "authorizerId": "auth2",
        "name": "lab",
        "authorizerType": "REQUEST",
        "authorizerUri": "uri",
        "identitySource": ["$request.header.Authorization"],
        "authorizerPayloadFormatVersion": "2.0",
    }
    base.update(cfg)
    return LambdaAuthorizer.from_v2(base, websocket=websocket)


def test_identity_values_in_order() -> None:
    authorizer = rest_authorizer(
        type="REQUEST",
        identitySource="method.request.querystring.key, method.request.header.X-Tenant",
    )
    request = view(headers={"x-tenant": ["t1"]}, query={"key": ["k1"]})
    assert identity(authorizer, request) == ["k1", "t1"]


def test_identity_missing_is_unauthorized() -> None:
    with pytest.raises(AuthorizerRefused) as caught:
        identity(rest_authorizer(), view())
    assert caught.value.kind == "unauthorized"
    assert "method.request.header.Authorization" in caught.value.reason


def test_identity_validation_expression_applies_to_tokens_only() -> None:
    token = rest_authorizer(identityValidationExpression="^allow-[a-z]+$")
    assert identity(token, view(headers={"Authorization": ["allow-bob"]})) == ["allow-bob"]
    with pytest.raises(AuthorizerRefused) as caught:
        identity(token, view(headers={"Authorization": ["xallow-bob"]}))
    assert caught.value.kind == "unauthorized"
    # the whole token must match
    with pytest.raises(AuthorizerRefused):
        identity(token, view(headers={"Authorization": ["allow-bob!"]}))
    request = rest_authorizer(type="REQUEST", identityValidationExpression="^never$")
    assert identity(request, view(headers={"Authorization": ["anything"]})) == ["anything"]


def test_identity_of_an_authorizer_with_an_invalid_source_is_a_configuration_error() -> None:
    for authorizer in (
        rest_authorizer(type="REQUEST", identitySource="method.request.path.id"),
        v2_authorizer(identitySource=["$request.path.id"]),
    ):
        with pytest.raises(AuthorizerRefused) as caught:
            identity(authorizer, view(headers={"Authorization": ["t"]}))
        assert caught.value.kind == "configuration"


# ====================================================================================== from_*


def test_rest_authorizer_defaults() -> None:
    authorizer = rest_authorizer()
    assert (authorizer.kind, authorizer.payload, authorizer.ttl_s) == ("TOKEN", "REST", 300)
    assert DEFAULT_TTL_S == 300
    assert rest_authorizer(authorizerResultTtlInSeconds=0).ttl_s == 0


def test_v2_authorizer_settings() -> None:
    assert v2_authorizer().payload == "2.0"
    assert v2_authorizer(authorizerPayloadFormatVersion="1.0").payload == "1.0"
    assert v2_authorizer(enableSimpleResponses=True).simple
    assert v2_authorizer(authorizerResultTtlInSeconds=60).ttl_s == 60
    # no identity source: nothing to key a cache on
    assert v2_authorizer(identitySource=None, authorizerResultTtlInSeconds=60).ttl_s == 0


def test_websocket_authorizers_never_cache_nor_answer_simply() -> None:
    ws = v2_authorizer(
        websocket=True,
        identitySource=["route.request.header.Auth"],
        authorizerResultTtlInSeconds=300,
        enableSimpleResponses=True,
    )
    assert (ws.payload, ws.ttl_s, ws.simple) == ("WEBSOCKET", 0, False)


# ====================================================================================== cache


def test_cache_keeps_an_answer_for_its_ttl() -> None:
    cache = AuthorizerCache()
    key = cache.key("api", "prod", "auth", ["tok"])
    cache.put(key, "answer", now=1000.0, ttl_s=60)
    assert cache.get(key, 1000.0) == ("answer", 60.0)
    assert cache.get(key, 1059.5) == ("answer", 0.5)
    # gone exactly at the TTL, and dropped
    assert cache.get(key, 1060.0) is None
    assert len(cache) == 0


def test_cache_ttl_is_capped_at_an_hour() -> None:
    cache = AuthorizerCache()
    key = cache.key("api", "prod", "auth", ["tok"])
    cache.put(key, "answer", now=0.0, ttl_s=10_000)
    assert MAX_TTL_S == 3600
    assert cache.get(key, 3599.0) is not None
    assert cache.get(key, 3600.0) is None


def test_cache_ttl_zero_stores_nothing() -> None:
    cache = AuthorizerCache()
    key = cache.key("api", "prod", "auth", ["tok"])
    cache.put(key, "answer", now=0.0, ttl_s=0)
    assert cache.get(key, 0.0) is None
    assert len(cache) == 0


def test_cache_keys_are_per_api_stage_authorizer_and_identity() -> None:
    cache = AuthorizerCache()
    keys = [
        cache.key("api", "prod", "auth", ["a", "b"]),
        cache.key("api", "dev", "auth", ["a", "b"]),
        cache.key("api", "prod", "other", ["a", "b"]),
        cache.key("api2", "prod", "auth", ["a", "b"]),
        cache.key("api", "prod", "auth", ["b", "a"]),
        cache.key("api", "prod", "auth", ["a,b"]),
    ]
    assert len(set(keys)) == len(keys)
    for i, key in enumerate(keys):
        cache.put(key, i, now=0.0, ttl_s=60)
    assert [cache.get(k, 1.0)[0] for k in keys] == list(range(len(keys)))  # type: ignore[index]


def test_cache_flush_per_stage_and_per_api() -> None:
    cache = AuthorizerCache()
    for api, stage in (("api", "prod"), ("api", "dev"), ("other", "prod")):
        cache.put(cache.key(api, stage, "auth", ["t"]), stage, now=0.0, ttl_s=60)
    assert cache.flush("api", "prod") == 1
    assert cache.get(cache.key("api", "prod", "auth", ["t"]), 1.0) is None
    assert cache.get(cache.key("api", "dev", "auth", ["t"]), 1.0) is not None
    assert cache.flush("api") == 1
    assert len(cache) == 1  # the other API's entry stays
    cache.clear()
    assert len(cache) == 0


# ====================================================================================== answers


def policy_answer(effect: str = "Allow", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    answer = {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    answer.update(extra)
    return answer


def parsed(value: Any, authorizer: LambdaAuthorizer | None = None) -> Answer:
    payload = value if isinstance(value, bytes) else json.dumps(value).encode()
    return parse_answer(payload, authorizer or rest_authorizer())


def broken(value: Any, authorizer: LambdaAuthorizer | None = None) -> str:
    with pytest.raises(AuthorizerRefused) as caught:
        parsed(value, authorizer)
    assert caught.value.kind == "configuration"
    return caught.value.reason


def test_policy_answer() -> None:
    answer = parsed(policy_answer(context={"tenant": "t1", "n": 7}, usageIdentifierKey="key-1"))
    assert answer.principal_id == "user-1"
    assert answer.statements[0]["Effect"] == "Allow"
    assert answer.is_authorized is None
    assert answer.context == {"tenant": "t1", "n": 7}
    assert answer.usage_identifier_key == "key-1"
    assert not answer.cached


def test_policy_answer_with_a_single_statement_object_and_numeric_principal() -> None:
    answer = parsed(
        {
            "principalId": 42,
            "policyDocument": {
                "Statement": {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}
            },
        }
    )
    assert answer.principal_id == "42"
    assert answer.statements == [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}
    ]
    assert answer.context == {}


def test_simple_answer() -> None:
    simple = v2_authorizer(enableSimpleResponses=True)
    answer = parsed({"isAuthorized": True, "context": {"nested": {"a": [1]}}}, simple)
    assert (answer.is_authorized, answer.principal_id, answer.statements) == (True, None, [])
    assert answer.context == {"nested": {"a": [1]}}
    assert parsed({"isAuthorized": False}, simple).is_authorized is False


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ([1, 2], "a list"),
        ("Allow", "a str"),
        ({"policyDocument": policy_answer()["policyDocument"]}, "principalId"),
        (dict(policy_answer(), principalId={"a": 1}), "principalId"),
        ({"principalId": "p"}, "policyDocument"),
        (dict(policy_answer(), policyDocument={"Version": "2012-10-17"}), "Statement"),
        (dict(policy_answer(), policyDocument={"Statement": []}), "Statement"),
        (policy_answer(effect="allow"), "Effect"),
        (policy_answer(effect="Maybe"), "Effect"),
        (
            dict(
                policy_answer(),
                policyDocument={"Statement": [{"Effect": "Allow", "Resource": "*"}]},
            ),
            "Action",
        ),
        (
            dict(
                policy_answer(),
                policyDocument={"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke"}]},
            ),
            "Resource",
        ),
        (policy_answer(context="text"), "context"),
    ],
)
def test_malformed_answers(value: Any, why: str) -> None:
    assert why in broken(value)


@pytest.mark.parametrize(
    "answer",
    [{"isAuthorized": "true"}, {"isAuthorized": 1}, {}, policy_answer()],
)
def test_simple_answer_needs_a_boolean(answer: dict[str, Any]) -> None:
    assert "isAuthorized" in broken(answer, v2_authorizer(enableSimpleResponses=True))


@pytest.mark.parametrize(
    "authorizer",
    [
        rest_authorizer(),
        v2_authorizer(authorizerPayloadFormatVersion="1.0"),
        v2_authorizer(websocket=True, identitySource=["route.request.header.Auth"]),
    ],
    ids=["REST", "HTTP 1.0", "WebSocket"],
)
@pytest.mark.parametrize("nested", [{"a": 1}, ["a", "b"]], ids=["object", "array"])
def test_nested_context_is_refused_where_the_format_is_flat(
    authorizer: LambdaAuthorizer, nested: Any
) -> None:
    assert "object or array" in broken(policy_answer(context={"x": nested}), authorizer)


def test_nested_context_is_allowed_in_payload_2() -> None:
    context = {"x": {"a": 1}, "y": ["a", "b"], "z": None}
    assert parsed(policy_answer(context=context), v2_authorizer()).context == context


# ====================================================================================== decision


def decision(*statements: dict[str, Any], arn: str = ARN) -> str:
    answer = Answer("p", list(statements), None, {}, None)
    return answer.decision(arn).effect


def statement(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.mark.parametrize(
    ("resource", "effect"),
    [
        (ARN, iam.ALLOW),
        ("*", iam.ALLOW),
        (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*", iam.ALLOW),
        (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*/GET/*", iam.ALLOW),
        (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/GET/pets/*", iam.ALLOW),
        ("arn:aws:execute-api:*:*:abc123/prod/*/pets/?", iam.ALLOW),
        (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/GET/pets", iam.IMPLICIT_DENY),
        (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/DELETE/*", iam.IMPLICIT_DENY),
        (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other/*", iam.IMPLICIT_DENY),
        ([f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other/*", ARN], iam.ALLOW),
    ],
)
def test_decision_with_wildcards(resource: Any, effect: str) -> None:
    assert decision(statement("Allow", resource)) == effect


def test_decision_actions() -> None:
    assert decision(statement("Allow", "*", action="execute-api:*")) == iam.ALLOW
    assert decision(statement("Allow", "*", action="execute-api:invoke")) == iam.ALLOW
    assert decision(statement("Allow", "*", action="execute-api:ManageConnections")) == (
        iam.IMPLICIT_DENY
    )


def test_explicit_deny_wins_whatever_the_order() -> None:
    allow, deny = statement("Allow", "*"), statement("Deny", ARN)
    assert decision(allow, deny) == iam.EXPLICIT_DENY
    assert decision(deny, allow) == iam.EXPLICIT_DENY
    # a deny for another method leaves the allow standing
    assert decision(allow, statement("Deny", ARN.replace("/GET/", "/DELETE/"))) == iam.ALLOW


def test_simple_answers_decide_alone() -> None:
    assert Answer(None, [], True, {}, None).decision(ARN).effect == iam.ALLOW
    assert Answer(None, [], False, {}, None).decision(ARN).effect == iam.EXPLICIT_DENY


# ====================================================================================== context


def test_context_values_are_text() -> None:
    answer = Answer(
        "user-1",
        [],
        None,
        {"s": "text", "n": 7, "f": 1.5, "yes": True, "no": False, "none": None},
        None,
        latency_ms=12,
    )
    assert context_values(answer) == {
        "s": "text",
        "n": "7",
        "f": "1.5",
        "yes": "true",
        "no": "false",
        "none": None,
        "principalId": "user-1",
        "integrationLatency": 12,
    }


def test_context_values_principal_and_latency_win_over_the_context() -> None:
    answer = Answer("real", [], None, {"principalId": "fake"}, None, latency_ms=0, cached=True)
    assert context_values(answer) == {"principalId": "real", "integrationLatency": 0}


# ====================================================================================== WebSocket

WS_AUTHORIZER = """
import json, os

def handler(event, context):
    print("EVENT " + json.dumps(event))
    mode = os.environ.get("MODE", "allow")
    if mode == "crash":
        raise ValueError("boom")
    if mode == "unauthorized":
        raise Exception("Unauthorized")
    return {
        "principalId": "ws-user",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke",
            "Effect": "Deny" if mode == "deny" else "Allow",
            "Resource": event["methodArn"],
        }]},
        "context": {"tenant": "t1", "n": 7, "ok": True, "event": json.dumps(event)},
    }
"""
WS_SOURCES = ["route.request.header.Auth", "route.request.querystring.token"]


class WebSocketApi:
    """A moto WebSocket API with a $connect REQUEST authorizer backed by a real function."""

    def __init__(self, kit: Any, lab: Any, *, mode: str = "allow", permit: bool = True) -> None:
        self.lab = lab
        self.v2 = boto3.client("apigatewayv2", region_name=REGION)
        self.api_id = self.v2.create_api(
            Name="lab-ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
        )["ApiId"]
        # a generous time-out: a first import can take seconds on a loaded machine
        self.fn = kit.function(WS_AUTHORIZER, env={"MODE": mode}, timeout=30)
        self.authorizer_id = self.v2.create_authorizer(
            ApiId=self.api_id,
            AuthorizerType="REQUEST",
            Name="lab-ws-authorizer",
            IdentitySource=WS_SOURCES,
            AuthorizerUri=(
                f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{self.fn}/invocations"
            ),
        )["AuthorizerId"]
        if permit:
            kit.permit(
                self.fn,
                self.api_id,
                source_arn=(
                    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api_id}"
                    f"/authorizers/{self.authorizer_id}"
                ),
            )
        self.invoked: list[Any] = []

    def config(self) -> dict[str, Any]:
        """The authorizer as a deployment freezes it (the apigatewayv2 wire shape)."""
        from moto.apigatewayv2.models import apigatewayv2_backends

        api = apigatewayv2_backends[ACCOUNT][REGION].apis[self.api_id]
        return api.authorizers[self.authorizer_id].to_json()

    def context(self, stage_variables: dict[str, str] | None = None) -> InvocationContext:
        now = self.lab.clock.now()
        ctx = InvocationContext(
            request=HttpRequest(
                "GET", f"{self.api_id}.execute-api.{REGION}.amazonaws.com", "/prod", headers=[]
            ),
            request_id="FDmBIG3EoAMEqYA=",
            extended_request_id="FDmBIG3EoAMEqYA=",
            request_time=now,
            started=time.perf_counter(),
            account_id=ACCOUNT,
            region=REGION,
            plane=self.lab.gateway,
            api_id=self.api_id,
            api_type="WEBSOCKET",
            trace=Trace("FDmBIG3EoAMEqYA=", api_id=self.api_id),
        )
        ctx.stage = StageView("prod", "dep1", stage_variables or {}, {}, None)
        return ctx

    def request_context(self, now: float) -> dict[str, Any]:
        return {
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "extendedRequestId": "FDmBIG3EoAMEqYA=",
            "requestTime": "01/Jan/2025:09:00:00 +0000",
            "messageDirection": "IN",
            "stage": "prod",
            "connectedAt": int(now * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": "203.0.113.7"},
            "requestId": "FDmBIG3EoAMEqYA=",
            "domainName": f"{self.api_id}.execute-api.{REGION}.amazonaws.com",
            "connectionId": "FDmBIeapIAMCIQg=",
            "apiId": self.api_id,
        }

    def connect(
        self,
        headers: dict[str, list[str]] | None = None,
        query: dict[str, list[str]] | None = None,
        *,
        ctx: InvocationContext | None = None,
    ) -> dict[str, Any]:
        ctx = ctx or self.context()
        return authorize_connect(
            ctx,
            self.config(),
            headers={"Auth": ["secret"], "Upgrade": ["websocket"]} if headers is None else headers,
            query={"token": ["abc"]} if query is None else query,
            request_context=self.request_context(ctx.request_time),
        )

    def refused(self, **kwargs: Any) -> ConnectRefused:
        with pytest.raises(ConnectRefused) as caught:
            self.connect(**kwargs)
        return caught.value


@pytest.fixture
def ws_invocations(lab: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The events the lab's Lambda runtime was invoked with."""
    events: list[Any] = []
    runtime = lab.gateway.runtime
    real = runtime.invoke

    def spy(function: str, event: Any, **kwargs: Any) -> Any:
        events.append(event)
        return real(function, event, **kwargs)

    monkeypatch.setattr(runtime, "invoke", spy)
    return events


def test_connect_allowed(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab)
    found = api.connect()
    assert found["principalId"] == "ws-user"
    assert (found["tenant"], found["n"], found["ok"]) == ("t1", "7", "true")
    assert isinstance(found["integrationLatency"], int)


def test_connect_event_matches_the_captured_shape(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab)
    event = json.loads(api.connect(headers={"Auth": ["secret"], "X-Many": ["1", "2"]})["event"])
    sample = json.loads((EVENTS / "apiGatewayAuthorizerWebSocketEvent.json").read_text())
    assert set(event) == set(sample)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/prod/$connect"
    )
    assert event["methodArn"] == connect_arn(api.context())
    assert event["headers"] == {"Auth": "secret", "X-Many": "2"}
    assert event["multiValueHeaders"] == {"Auth": ["secret"], "X-Many": ["1", "2"]}
    assert event["queryStringParameters"] == {"token": "abc"}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc"]}
    assert event["stageVariables"] == {}
    assert set(event["requestContext"]) == set(sample["requestContext"])
    assert event["requestContext"]["routeKey"] == "$connect"


def test_connect_event_stage_variables(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab)
    found = api.connect(ctx=api.context({"tier": "gold"}))
    assert json.loads(found["event"])["stageVariables"] == {"tier": "gold"}


def test_connect_header_source_is_case_insensitive(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab)
    assert api.connect(headers={"AUTH": ["secret"]})["principalId"] == "ws-user"


def test_connect_denied_is_403(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab, mode="deny")
    assert api.refused().status == 403


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, {"token": ["abc"]}),
        ({"Auth": [""]}, {"token": ["abc"]}),
        ({"Auth": ["secret"]}, {}),
        ({"Auth": ["secret"]}, {"Token": ["abc"]}),  # query-string names are case-sensitive
    ],
)
def test_connect_without_identity_is_401_without_invoking(
    kit: Any,
    lab: Any,
    ws_invocations: list[Any],
    headers: dict[str, list[str]],
    query: dict[str, list[str]],
) -> None:
    api = WebSocketApi(kit, lab)
    ctx = api.context()
    with pytest.raises(ConnectRefused) as caught:
        api.connect(headers=headers, query=query, ctx=ctx)
    assert caught.value.status == 401
    assert ws_invocations == []
    assert [(e.step, e.decision) for e in ctx.trace.entries] == [("authorize", "unauthorized")]


def test_connect_function_crash_is_500(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab, mode="crash")
    assert api.refused().status == 500


def test_connect_unauthorized_error_is_401(kit: Any, lab: Any) -> None:
    api = WebSocketApi(kit, lab, mode="unauthorized")
    assert api.refused().status == 401


def test_connect_without_permission_is_500(kit: Any, lab: Any, ws_invocations: list[Any]) -> None:
    api = WebSocketApi(kit, lab, permit=False)
    assert api.refused().status == 500
    assert ws_invocations == []


def test_connect_answers_are_not_cached(kit: Any, lab: Any, ws_invocations: list[Any]) -> None:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    api = WebSocketApi(kit, lab)
    api.connect()
    api.connect()
    assert len(ws_invocations) == 2
    assert len(lab.gateway.authorizer_cache) == 0
