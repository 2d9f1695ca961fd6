"""HTTP API authorizers (reference §3.8, §3.9, §4.3): JWT authorizers against a moto
Cognito issuer (raw and ``Bearer`` tokens, audience/client_id, expiry, nbf/iat, route
scopes, claims reaching the integration), Lambda authorizers with payload 2.0 (simple and
IAM-policy answers) and 1.0, their events, result caching on the lab clock, failures, and
the redeploy rule for routes on a stage without auto-deploy."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from moto.utilities.utils import load_resource

pytestmark = pytest.mark.usefixtures("fresh_lab")

FUNCTIONS = Path(__file__).parents[2] / "functions"
EVENTS = Path(__file__).parents[3] / "shared" / "reference" / "events"
ACCOUNT = "123456789012"
REGION = "us-east-1"
#: moto signs every pool's tokens with this key (kid "dummy"); its public half is in each JWKS
PRIVATE_JWK = load_resource("cognitoidp/resources/jwks-private.json")
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
UNAUTHORIZED = b'{"message":"Unauthorized"}'
FORBIDDEN = b'{"message":"Forbidden"}'
INTERNAL = b'{"message":"Internal Server Error"}'


# ====================================================================================== JWT


def sign(claims: dict[str, Any]) -> str:
    """A token with arbitrary claims, signed with moto's key (kid "dummy")."""
    return jwt.encode(
        claims, jwt.PyJWK(PRIVATE_JWK).key, algorithm="RS256", headers={"kid": "dummy"}
    )


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


@dataclass
class JwtApi:
    kit: Any
    api_id: str
    authorizer_id: str
    route_ids: dict[str, str]

    def url(self, path: str = "/pets") -> str:
        return self.kit.url(self.api_id, "$default", path)

    def get(self, token: str | None, path: str = "/pets") -> requests.Response:
        headers = {} if token is None else {"Authorization": token}
        return requests.get(self.url(path), headers=headers)


def jwt_api(
    http_kit: Any,
    pool: Any,
    *,
    scopes: list[str] | None = None,
    audience: list[str] | None = None,
) -> JwtApi:
    """GET /pets behind a JWT authorizer for ``pool`` (echo_event.py as the integration)."""
    api = http_kit.lambda_api(FUNCTIONS / "echo_event.py", routes=("GET /pets",))
    authorizer_id = http_kit.v2.create_authorizer(
        ApiId=api.api_id,
        AuthorizerType="JWT",
        Name="cognito-jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": pool.issuer, "Audience": audience or [pool.client_id]},
    )["AuthorizerId"]
    for route_id in api.routes.values():
        extra = {"AuthorizationScopes": scopes} if scopes else {}
        http_kit.v2.update_route(
            ApiId=api.api_id,
            RouteId=route_id,
            AuthorizationType="JWT",
            AuthorizerId=authorizer_id,
            **extra,
        )
    return JwtApi(http_kit, api.api_id, authorizer_id, dict(api.routes))


def challenge(resp: requests.Response) -> str:
    return resp.headers["www-authenticate"]


def test_jwt_id_token_raw_and_bearer(http_kit: Any, make_pool: Callable[..., Any]) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    for value in (pool.id_token, f"Bearer {pool.id_token}"):
        resp = api.get(value)
        assert resp.status_code == 200, resp.content
        assert "x-amzn-ErrorType" not in resp.headers


def test_jwt_claims_reach_the_integration_as_strings(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    event = api.get(pool.id_token).json()
    jwt_ctx = event["requestContext"]["authorizer"]["jwt"]
    expected = claims_of(pool.id_token)
    assert jwt_ctx["claims"]["sub"] == expected["sub"]
    assert jwt_ctx["claims"]["cognito:username"] == "alice"
    assert jwt_ctx["claims"]["aud"] == pool.client_id
    assert jwt_ctx["claims"]["exp"] == str(expected["exp"])  # digits, not a date (HTTP APIs)
    assert all(isinstance(v, str) for v in jwt_ctx["claims"].values())
    # the route asks for no scopes: none are reported
    assert jwt_ctx["scopes"] is None


def test_jwt_missing_header_is_401(http_kit: Any, lab: Any, make_pool: Callable[..., Any]) -> None:
    api = jwt_api(http_kit, make_pool())
    before = sum(lab.gateway.jwks.fetches.values())
    resp = api.get(None)
    assert (resp.status_code, resp.content) == (401, UNAUTHORIZED)
    assert "x-amzn-ErrorType" not in resp.headers
    assert sum(lab.gateway.jwks.fetches.values()) == before  # no token: no keys fetched


def test_jwt_empty_header_is_401_without_a_challenge(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    api = jwt_api(http_kit, make_pool())
    resp = api.get("")
    assert (resp.status_code, resp.content) == (401, UNAUTHORIZED)
    assert "www-authenticate" not in resp.headers


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "bearer   "])
def test_jwt_bearer_without_a_token_is_401(
    http_kit: Any, value: str, make_pool: Callable[..., Any]
) -> None:
    api = jwt_api(http_kit, make_pool())
    resp = api.get(value)
    assert (resp.status_code, resp.content) == (401, UNAUTHORIZED)
    assert 'error="invalid_token"' in challenge(resp)


def test_jwt_wrong_audience_is_401_with_the_documented_challenge(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool, audience=["someone-else"])
    resp = api.get(pool.id_token)
    assert resp.status_code == 401
    assert resp.content == UNAUTHORIZED
    assert "x-amzn-ErrorType" not in resp.headers
    assert challenge(resp) == (
        'Bearer scope="" error="invalid_token" '
        'error_description="the token does not have a valid audience"'
    )


def test_jwt_token_of_another_issuer_is_401(http_kit: Any, make_pool: Callable[..., Any]) -> None:
    pool, other = make_pool(), make_pool("other")
    api = jwt_api(http_kit, pool, audience=[pool.client_id, other.client_id])
    resp = api.get(other.id_token)
    assert resp.status_code == 401
    assert 'error="invalid_token"' in challenge(resp)


def test_jwt_expired_token_is_401(http_kit: Any, lab: Any, make_pool: Callable[..., Any]) -> None:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    assert api.get(pool.id_token).status_code == 200
    lab.clock.advance(3601)
    resp = api.get(pool.id_token)
    assert (resp.status_code, resp.content) == (401, UNAUTHORIZED)
    assert 'error="invalid_token"' in challenge(resp)


def test_jwt_access_token_accepted_by_client_id(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    assert "aud" not in claims_of(pool.access_token)
    api = jwt_api(http_kit, pool)
    resp = api.get(pool.access_token)
    assert resp.status_code == 200
    claims = resp.json()["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["client_id"] == pool.client_id


def test_jwt_route_scope_the_token_has_is_allowed(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool, scopes=[ADMIN_SCOPE])
    resp = api.get(f"Bearer {pool.access_token}")
    assert resp.status_code == 200
    assert resp.json()["requestContext"]["authorizer"]["jwt"]["scopes"] == [ADMIN_SCOPE]


def test_jwt_route_scope_the_token_lacks_is_403(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool, scopes=["orders/read"])
    resp = api.get(pool.access_token)
    assert (resp.status_code, resp.content) == (403, FORBIDDEN)
    assert "x-amzn-ErrorType" not in resp.headers
    assert 'error="insufficient_scope"' in challenge(resp)
    # an ID token has no scope at all
    assert api.get(pool.id_token).status_code == 403


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_jwt_not_yet_valid_tokens_are_401(
    http_kit: Any, lab: Any, claim: str, make_pool: Callable[..., Any]
) -> None:
    now = lab.clock.freeze("2025-01-01T09:00:00Z")
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    claims = {
        "iss": pool.issuer,
        "sub": "user-1",
        "aud": pool.client_id,
        "iat": int(now),
        "exp": int(now) + 3600,
        claim: int(now) + 60,
    }
    token = sign(claims)
    resp = api.get(token)
    assert resp.status_code == 401
    assert 'error="invalid_token"' in challenge(resp)
    lab.clock.advance(60)
    assert api.get(token).status_code == 200


def test_jwt_custom_token_claims_are_strings(
    http_kit: Any, lab: Any, make_pool: Callable[..., Any]
) -> None:
    now = int(lab.clock.freeze("2025-01-01T09:00:00Z"))
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    token = sign(
        {
            "iss": pool.issuer,
            "sub": "user-1",
            "aud": pool.client_id,
            "iat": now,
            "exp": now + 3600,
            "email_verified": True,
            "cognito:groups": ["admin", "users"],
        }
    )
    claims = api.get(token).json()["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["email_verified"] == "true"
    assert claims["cognito:groups"] == "[admin users]"
    assert claims["iat"] == str(now)


def test_jwt_identity_source_in_a_query_string(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    http_kit.v2.update_authorizer(
        ApiId=api.api_id,
        AuthorizerId=api.authorizer_id,
        IdentitySource=["$request.querystring.access_token"],
    )
    assert api.get(None, f"/pets?access_token={pool.id_token}").status_code == 200
    assert api.get(pool.id_token).status_code == 401  # the header is not read any more


def test_jwt_path_parameter_identity_source_is_500(
    http_kit: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool()
    api = jwt_api(http_kit, pool)
    http_kit.v2.update_authorizer(
        ApiId=api.api_id, AuthorizerId=api.authorizer_id, IdentitySource=["$request.path.token"]
    )
    resp = api.get(pool.id_token)
    assert (resp.status_code, resp.content) == (500, INTERNAL)


# ====================================================================================== Lambda

#: answers as ``MODE`` says; context carries a nested value (allowed in payload 2.0)
LAMBDA_AUTHORIZER = """
import os

def handler(event, context):
    mode = os.environ.get("MODE", "allow")
    if mode == "unauthorized":
        raise Exception("Unauthorized")
    if mode == "crash":
        raise ValueError("boom")
    if mode == "garbage":
        return {"hello": "world"}
    details = {"tenant": "t1", "n": 7, "ok": True, "roles": ["a", "b"]}
    if os.environ.get("FORMAT") == "simple":
        return {"isAuthorized": mode == "allow", "context": details}
    arn = event.get("routeArn") or event.get("methodArn")
    if mode == "other-route":
        arn = arn.rsplit("/", 2)[0] + "/DELETE/nothing"
    if mode == "route":  # the route's template, its parameters as wildcards
        method, _, path = event["routeKey"].partition(" ")
        wild = "/".join("*" if p.startswith("{") else p for p in path.split("/"))
        arn = "/".join(arn.split("/")[:2]) + "/" + method + wild
    if event.get("version") == "1.0" and mode != "nested":
        details = {"tenant": "t1", "n": 7, "ok": True}
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke",
            "Effect": "Deny" if mode == "deny" else "Allow",
            "Resource": arn,
        }]},
        "context": details,
    }
"""


@pytest.fixture
def invocations(lab: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions the lab's Lambda runtime ran, in order (authorizers and integrations)."""
    called: list[str] = []
    runtime = lab.gateway.runtime
    real = runtime.invoke

    def spy(function: str, event: Any, **kwargs: Any) -> Any:
        called.append(function)
        return real(function, event, **kwargs)

    monkeypatch.setattr(runtime, "invoke", spy)
    return called


@dataclass
class LambdaApi:
    kit: Any
    api_id: str
    authorizer_id: str
    auth_fn: str
    backend: str
    route_ids: dict[str, str]
    stage: str = "$default"

    def url(self, path: str) -> str:
        return self.kit.url(self.api_id, self.stage, path)

    def get(self, path: str = "/pets", **kwargs: Any) -> requests.Response:
        return requests.get(self.url(path), **kwargs)

    def env(self, **variables: str) -> None:
        self.kit.rest.lam.update_function_configuration(
            FunctionName=self.auth_fn, Environment={"Variables": variables}
        )

    def cached(self, values: list[str], lab: Any) -> Any:
        """The cached answer for ``values`` (None when nothing is cached)."""
        cache = lab.gateway.authorizer_cache
        key = cache.key(self.api_id, self.stage, self.authorizer_id, values)
        hit = cache.get(key, lab.clock.now())
        return None if hit is None else hit[0]


def lambda_api(
    http_kit: Any,
    source: Any = LAMBDA_AUTHORIZER,
    *,
    identity: list[str] | None = None,
    payload: str = "2.0",
    simple: bool = False,
    ttl: int | None = 0,
    env: dict[str, str] | None = None,
    permit: bool = True,
    routes: tuple[str, ...] = ("GET /pets", "GET /pets/{id}"),
    stage: str = "$default",
    variables: dict[str, str] | None = None,
) -> LambdaApi:
    """``routes`` behind one Lambda authorizer (echo_event.py as the payload 2.0 backend)."""
    api = http_kit.lambda_api(
        FUNCTIONS / "echo_event.py", routes=routes, stage=stage, variables=variables
    )
    auth_fn = http_kit.function(source, env=env)
    kwargs: dict[str, Any] = {
        "IdentitySource": identity if identity is not None else ["$request.header.Authorization"],
        "AuthorizerPayloadFormatVersion": payload,
    }
    if simple:
        kwargs["EnableSimpleResponses"] = True
    if ttl is not None:
        kwargs["AuthorizerResultTtlInSeconds"] = ttl
    authorizer_id = http_kit.v2.create_authorizer(
        ApiId=api.api_id,
        AuthorizerType="REQUEST",
        Name="lab-lambda-authorizer",
        AuthorizerUri=(
            f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{auth_fn}/invocations"
        ),
        **kwargs,
    )["AuthorizerId"]
    for route_id in api.routes.values():
        http_kit.v2.update_route(
            ApiId=api.api_id,
            RouteId=route_id,
            AuthorizationType="CUSTOM",
            AuthorizerId=authorizer_id,
        )
    if permit:
        http_kit.rest.permit(
            auth_fn,
            api.api_id,
            source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/authorizers/*",
        )
    return LambdaApi(
        http_kit, api.api_id, authorizer_id, auth_fn, api.fn_arn, dict(api.routes), stage
    )


def authorizer_context(resp: requests.Response) -> Any:
    assert resp.status_code == 200, resp.content
    return resp.json()["requestContext"]["authorizer"]


def tenant_headers(tenant: str = "tenant-a") -> dict[str, str]:
    return {"x-tenant": tenant}


SIMPLE_SOURCES = ["$request.header.x-tenant", "$request.querystring.key"]


def test_simple_response_allows_and_context_reaches_the_integration(http_kit: Any) -> None:
    api = lambda_api(
        http_kit,
        FUNCTIONS / "request_authorizer.py",
        identity=SIMPLE_SOURCES,
        simple=True,
        env={"RESPONSE_FORMAT": "simple"},
    )
    resp = api.get("/pets?key=k-111", headers=tenant_headers())
    assert authorizer_context(resp) == {
        "lambda": {"tenant": "tenant-a", "checkedBy": "request_authorizer"}
    }


def test_simple_response_context_values_keep_their_types(http_kit: Any) -> None:
    api = lambda_api(http_kit, simple=True, env={"FORMAT": "simple"})
    resp = api.get(headers={"Authorization": "anything"})
    assert authorizer_context(resp)["lambda"] == {
        "tenant": "t1",
        "n": 7,
        "ok": True,
        "roles": ["a", "b"],
    }


def test_simple_response_not_authorized_is_403(http_kit: Any) -> None:
    api = lambda_api(
        http_kit,
        FUNCTIONS / "request_authorizer.py",
        identity=SIMPLE_SOURCES,
        simple=True,
        env={"RESPONSE_FORMAT": "simple"},
    )
    resp = api.get("/pets?key=wrong", headers=tenant_headers())
    assert (resp.status_code, resp.content) == (403, FORBIDDEN)
    assert "x-amzn-ErrorType" not in resp.headers


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/pets?key=k-111", {}),  # no header
        ("/pets", tenant_headers()),  # no query string
        ("/pets?key=", tenant_headers()),  # an empty one
        ("/pets?KEY=k-111", tenant_headers()),  # query-string names are case-sensitive
    ],
)
def test_missing_identity_source_is_401_without_invoking(
    http_kit: Any, lab: Any, invocations: list[str], path: str, headers: dict[str, str]
) -> None:
    api = lambda_api(
        http_kit,
        FUNCTIONS / "request_authorizer.py",
        identity=SIMPLE_SOURCES,
        simple=True,
        env={"RESPONSE_FORMAT": "simple"},
    )
    resp = api.get(path, headers=headers)
    assert (resp.status_code, resp.content) == (401, UNAUTHORIZED)
    assert "x-amzn-ErrorType" not in resp.headers
    assert invocations == []
    steps = [e.step for e in lab.last_trace().entries]
    assert "lambda-permission" not in steps
    assert any(
        e.step == "authorize" and e.decision == "unauthorized" for e in lab.last_trace().entries
    )


def test_header_identity_source_is_case_insensitive(http_kit: Any) -> None:
    api = lambda_api(
        http_kit,
        FUNCTIONS / "request_authorizer.py",
        identity=["$request.header.X-Tenant", "$request.querystring.key"],
        simple=True,
        env={"RESPONSE_FORMAT": "simple"},
    )
    assert api.get("/pets?key=k-111", headers={"X-TENANT": "tenant-a"}).status_code == 200


def test_policy_response_payload_2(http_kit: Any) -> None:
    api = lambda_api(http_kit)
    resp = api.get(headers={"Authorization": "token"})
    assert authorizer_context(resp) == {
        "lambda": {"tenant": "t1", "n": 7, "ok": True, "roles": ["a", "b"]},
        "principalId": "user-1",  # [unc] the emulator keeps it beside the context
    }


def test_stage_variable_identity_source(http_kit: Any, invocations: list[str]) -> None:
    api = lambda_api(
        http_kit,
        identity=["$stageVariables.tier"],
        simple=True,
        env={"FORMAT": "simple"},
        stage="dev",
        variables={"tier": "gold"},
    )
    assert api.get().status_code == 200
    assert invocations.count(api.auth_fn) == 1
    other = lambda_api(
        http_kit, identity=["$stageVariables.nope"], simple=True, env={"FORMAT": "simple"}
    )
    assert other.get().status_code == 401
    assert invocations.count(other.auth_fn) == 0


@pytest.mark.parametrize("payload", ["1.0", "2.0"])
def test_policy_deny_is_403(http_kit: Any, payload: str) -> None:
    api = lambda_api(http_kit, payload=payload, env={"MODE": "deny"})
    resp = api.get(headers={"Authorization": "token"})
    assert (resp.status_code, resp.content) == (403, FORBIDDEN)


@pytest.mark.parametrize("payload", ["1.0", "2.0"])
def test_policy_for_another_route_is_403(http_kit: Any, payload: str) -> None:
    api = lambda_api(http_kit, payload=payload, env={"MODE": "other-route"})
    resp = api.get(headers={"Authorization": "token"})
    assert (resp.status_code, resp.content) == (403, FORBIDDEN)


def test_policy_response_payload_1(http_kit: Any) -> None:
    api = lambda_api(http_kit, payload="1.0")
    resp = api.get(headers={"Authorization": "token"})
    assert authorizer_context(resp)["lambda"] == {"tenant": "t1", "n": 7, "ok": True}


def test_payload_1_nested_context_is_500(http_kit: Any) -> None:
    """Payload 1.0 is REST's answer format: context values may not be objects or arrays."""
    api = lambda_api(http_kit, payload="1.0", env={"MODE": "nested"})
    resp = api.get(headers={"Authorization": "token"})
    assert (resp.status_code, resp.content) == (500, INTERNAL)


def test_without_identity_sources_the_function_runs_every_time(
    http_kit: Any, lab: Any, invocations: list[str]
) -> None:
    """Identity sources are optional when caching is off; nothing is then cached."""
    api = lambda_api(http_kit, identity=[], simple=True, env={"FORMAT": "simple"}, ttl=None)
    assert api.get().status_code == 200
    assert api.get().status_code == 200
    assert invocations.count(api.auth_fn) == 2
    assert len(lab.gateway.authorizer_cache) == 0


def test_path_parameter_identity_source_is_a_configuration_error(http_kit: Any) -> None:
    """Path parameters cannot be identity sources; moto stores one anyway, and the data
    plane answers as for any broken authorizer configuration."""
    api = lambda_api(http_kit, identity=["$request.path.id"], simple=True, env={"FORMAT": "simple"})
    resp = api.get("/pets/1")
    assert (resp.status_code, resp.content) == (500, INTERNAL)


# ------------------------------------------------------------------------------ events


def reference_keys(name: str) -> set[str]:
    return set(json.loads((EVENTS / name).read_text()))


def test_payload_2_event_shape(http_kit: Any, lab: Any) -> None:
    api = lambda_api(
        http_kit,
        identity=["$request.header.Authorization", "$request.querystring.key"],
        ttl=300,
        stage="dev",
        variables={"tier": "gold"},
    )
    lab.clock.freeze("2025-01-01T09:00:00Z")
    resp = api.get("/pets/7?key=k1&key=k2&x=1", headers={"Authorization": "tok"})
    assert resp.status_code == 200
    event = api.cached(["tok", "k1,k2"], lab).event
    reference = reference_keys("apiGatewayAuthorizerV2Event.json")
    assert set(event) == reference - {"cookies"}  # no cookies were sent
    assert "body" not in event and "isBase64Encoded" not in event
    assert event["version"] == "2.0"
    assert event["type"] == "REQUEST"
    assert (
        event["routeArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/dev/GET/pets/7"
    )
    assert event["identitySource"] == ["tok", "k1,k2"]
    assert event["routeKey"] == "GET /pets/{id}"
    assert event["rawPath"] == "/dev/pets/7"
    assert event["rawQueryString"] == "key=k1&key=k2&x=1"
    assert event["headers"]["authorization"] == "tok"
    assert event["queryStringParameters"] == {"key": "k1,k2", "x": "1"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"tier": "gold"}
    rc = event["requestContext"]
    assert rc["routeKey"] == "GET /pets/{id}"
    assert rc["stage"] == "dev"
    assert rc["http"]["method"] == "GET"
    assert rc["http"]["path"] == "/dev/pets/7"
    assert "authorizer" not in rc
    assert rc["timeEpoch"] == int(lab.clock.now() * 1000)


def test_payload_2_event_cookies(http_kit: Any, lab: Any) -> None:
    api = lambda_api(http_kit, ttl=300)
    resp = api.get(headers={"Authorization": "tok", "Cookie": "a=1; b=2"})
    assert resp.status_code == 200
    event = api.cached(["tok"], lab).event
    assert set(event) == reference_keys("apiGatewayAuthorizerV2Event.json") - {
        "queryStringParameters",
        "pathParameters",
        "stageVariables",
    }
    assert event["cookies"] == ["a=1", "b=2"]


def test_payload_1_event_shape(http_kit: Any, lab: Any) -> None:
    api = lambda_api(
        http_kit,
        payload="1.0",
        identity=["$request.header.Authorization", "$request.querystring.key"],
        ttl=300,
        stage="dev",
        variables={"tier": "gold"},
    )
    resp = api.get("/pets/7?key=k1", headers={"Authorization": "tok"})
    assert resp.status_code == 200
    event = api.cached(["tok", "k1"], lab).event
    reference = reference_keys("apiGatewayAuthorizerRequestEvent.json")
    assert reference <= set(event)
    assert set(event) - reference == {"multiValueQueryStringParameters"}
    assert "body" not in event and "isBase64Encoded" not in event
    assert event["version"] == "1.0"
    assert event["type"] == "REQUEST"
    assert (
        event["methodArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/dev/GET/pets/7"
    )
    assert event["identitySource"] == "tok,k1"
    assert event["authorizationToken"] == "tok,k1"
    assert event["resource"] == "/pets/{id}"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["authorization"] == "tok"
    assert event["queryStringParameters"] == {"key": "k1"}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"tier": "gold"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["httpMethod"] == "GET"


# ------------------------------------------------------------------------------ caching


def test_answer_is_cached_for_the_ttl(http_kit: Any, lab: Any, invocations: list[str]) -> None:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    api = lambda_api(http_kit, simple=True, env={"FORMAT": "simple"}, ttl=60)
    headers = {"Authorization": "tok"}
    assert api.get(headers=headers).status_code == 200
    assert invocations.count(api.auth_fn) == 1
    # another route, same identity: the cached answer
    lab.clock.advance(59)
    assert api.get("/pets/1", headers=headers).status_code == 200
    assert invocations.count(api.auth_fn) == 1
    cached = [e for e in lab.last_trace().entries if e.decision == "cached answer"]
    assert cached and cached[0].details["ttl_left"] == 1
    # at the TTL the entry is gone: the function runs again
    lab.clock.advance(1)
    assert api.get(headers=headers).status_code == 200
    assert invocations.count(api.auth_fn) == 2
    # another identity is another key
    assert api.get(headers={"Authorization": "other"}).status_code == 200
    assert invocations.count(api.auth_fn) == 3


def test_cached_deny_is_reused(http_kit: Any, lab: Any, invocations: list[str]) -> None:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    api = lambda_api(http_kit, simple=True, env={"FORMAT": "simple", "MODE": "deny"}, ttl=300)
    headers = {"Authorization": "tok"}
    assert api.get(headers=headers).status_code == 403
    api.env(FORMAT="simple", MODE="allow")
    assert api.get("/pets/1", headers=headers).status_code == 403
    assert invocations.count(api.auth_fn) == 1


def test_ttl_zero_is_never_cached(http_kit: Any, lab: Any, invocations: list[str]) -> None:
    api = lambda_api(http_kit, simple=True, env={"FORMAT": "simple"}, ttl=0)
    headers = {"Authorization": "tok"}
    for _ in range(3):
        assert api.get(headers=headers).status_code == 200
    assert invocations.count(api.auth_fn) == 3
    assert len(lab.gateway.authorizer_cache) == 0
    assert not [e for e in lab.last_trace().entries if e.decision == "cached answer"]


def test_route_key_identity_source_caches_per_route(
    http_kit: Any, lab: Any, invocations: list[str]
) -> None:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    api = lambda_api(
        http_kit,
        identity=["$request.header.Authorization", "$context.routeKey"],
        env={"MODE": "route"},
        ttl=300,
    )
    headers = {"Authorization": "tok"}
    assert api.get("/pets", headers=headers).status_code == 200
    # the policy names GET /pets only, but GET /pets/{id} has its own cache key
    assert api.get("/pets/1", headers=headers).status_code == 200
    assert invocations.count(api.auth_fn) == 2
    assert api.get("/pets/2", headers=headers).status_code == 200  # same route: cached
    assert invocations.count(api.auth_fn) == 2
    assert api.cached(["tok", "GET /pets/{id}"], lab) is not None


def test_cached_policy_for_one_route_denies_the_next(http_kit: Any, lab: Any) -> None:
    """The REST trap, on HTTP APIs: without $context.routeKey the cache spans routes."""
    lab.clock.freeze("2025-01-01T09:00:00Z")
    api = lambda_api(http_kit, ttl=300)
    headers = {"Authorization": "tok"}
    assert api.get("/pets", headers=headers).status_code == 200
    resp = api.get("/pets/1", headers=headers)
    assert (resp.status_code, resp.content) == (403, FORBIDDEN)


# ------------------------------------------------------------------------------ failures


def test_unauthorized_error_is_401(http_kit: Any) -> None:
    api = lambda_api(http_kit, env={"MODE": "unauthorized"})
    resp = api.get(headers={"Authorization": "tok"})
    assert (resp.status_code, resp.content) == (401, UNAUTHORIZED)
    assert "x-amzn-ErrorType" not in resp.headers


@pytest.mark.parametrize("mode", ["crash", "garbage"])
@pytest.mark.parametrize("simple", [False, True])
def test_broken_authorizer_is_500(http_kit: Any, mode: str, simple: bool) -> None:
    env = {"MODE": mode, **({"FORMAT": "simple"} if simple else {})}
    api = lambda_api(http_kit, simple=simple, env=env)
    resp = api.get(headers={"Authorization": "tok"})
    assert (resp.status_code, resp.content) == (500, INTERNAL)
    assert "x-amzn-ErrorType" not in resp.headers


def test_authorizer_without_permission_is_500(
    http_kit: Any, lab: Any, invocations: list[str]
) -> None:
    api = lambda_api(http_kit, permit=False)
    resp = api.get(headers={"Authorization": "tok"})
    assert (resp.status_code, resp.content) == (500, INTERNAL)
    assert invocations == []
    assert any(e.step == "lambda-permission" for e in lab.last_trace().entries)


def test_permission_for_the_routes_only_is_not_enough(http_kit: Any) -> None:
    """The authorizer is invoked with ``.../authorizers/{id}`` as its source ARN."""
    api = lambda_api(http_kit, permit=False)
    http_kit.rest.permit(
        api.auth_fn,
        api.api_id,
        source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/*/*/*",
    )
    assert api.get(headers={"Authorization": "tok"}).status_code == 500
    http_kit.rest.permit(
        api.auth_fn,
        api.api_id,
        source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/authorizers/{api.authorizer_id}",
    )
    assert api.get(headers={"Authorization": "tok"}).status_code == 200


# ====================================================================================== redeploy


def test_authorizer_is_not_live_until_redeployed(http_kit: Any) -> None:
    api = http_kit.lambda_api(
        FUNCTIONS / "echo_event.py", routes=("GET /pets",), stage="prod", auto_deploy=False
    )
    auth_fn = http_kit.function(LAMBDA_AUTHORIZER, env={"FORMAT": "simple", "MODE": "deny"})
    http_kit.rest.permit(
        auth_fn, api.api_id, source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/*"
    )
    authorizer_id = http_kit.v2.create_authorizer(
        ApiId=api.api_id,
        AuthorizerType="REQUEST",
        Name="late",
        AuthorizerUri=(
            f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{auth_fn}/invocations"
        ),
        IdentitySource=["$request.header.Authorization"],
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
    )["AuthorizerId"]
    http_kit.v2.update_route(
        ApiId=api.api_id,
        RouteId=api.routes["GET /pets"],
        AuthorizationType="CUSTOM",
        AuthorizerId=authorizer_id,
    )
    url = api.url("/pets")
    resp = requests.get(url)  # the deployed API has no authorizer yet
    assert resp.status_code == 200
    assert "authorizer" not in resp.json()["requestContext"]
    http_kit.deploy(api.api_id, "prod")
    assert requests.get(url).status_code == 401
    assert requests.get(url, headers={"Authorization": "tok"}).status_code == 403
