"""REST Lambda authorizers (reference §3.1–3.4, §3.7): TOKEN and REQUEST events, identity
sources and validation, Allow/Deny policies, the 401/403/500 answers, result caching on
the lab clock (and its trap), context reaching the integration, and the resource policy
combined with the authorizer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

FUNCTIONS = Path(__file__).parents[2] / "functions"
ACCOUNT = "123456789012"

RECORDING_AUTHORIZER = """
import json, os

def handler(event, context):
    print("EVENT " + json.dumps(event))
    mode = os.environ.get("MODE", "allow")
    if mode == "unauthorized":
        raise Exception("Unauthorized")
    if mode == "crash":
        raise ValueError("boom")
    if mode == "garbage":
        return {"hello": "world"}
    if mode == "nested":
        return {"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]},
            "context": {"obj": {"a": 1}}}
    effect = "Deny" if mode == "deny" else "Allow"
    return {"principalId": "user-1", "usageIdentifierKey": "key-from-authorizer",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": os.environ.get("RESOURCE", "*")}]},
            "context": {"tenant": "t1", "n": 7, "ok": True}}
"""


class Api:
    def __init__(self, kit: Any, *, auth_source: Any, auth_type: str = "TOKEN", **auth: Any):
        self.kit = kit
        self.backend = kit.function(FUNCTIONS / "whoami.py")
        env = auth.pop("env", None)
        self.auth_fn = kit.function(auth_source, env=env)
        self.api_id = kit.rest_api(policy=auth.pop("policy", None))
        self.rids = {}
        kwargs: dict[str, Any] = {
            "identitySource": auth.pop("identity", "method.request.header.Authorization")
        }
        kwargs.update(auth)
        self.authorizer_id = kit.apigw.create_authorizer(
            restApiId=self.api_id,
            name="lab-authorizer",
            type=auth_type,
            authorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{self.auth_fn}/invocations",
            **kwargs,
        )["id"]
        for method, path in (("GET", "/pets"), ("GET", "/pets/{id}"), ("DELETE", "/pets/{id}")):
            rid = kit.resource(self.api_id, path)
            kit.apigw.put_method(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod=method,
                authorizationType="CUSTOM",
                authorizerId=self.authorizer_id,
            )
            kit.apigw.put_integration(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod=method,
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{self.backend}/invocations",
            )
        kit.permit(self.backend, self.api_id)
        kit.permit(
            self.auth_fn,
            self.api_id,
            source_arn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{self.api_id}/authorizers/{self.authorizer_id}",
        )
        kit.deploy(self.api_id, "prod", {"tier": "gold"})

    def url(self, path: str) -> str:
        return self.kit.url(self.api_id, "prod", path)

    def env(self, **variables: str) -> None:
        self.kit.lam.update_function_configuration(
            FunctionName=self.auth_fn, Environment={"Variables": variables}
        )


def test_token_authorizer_allows_and_context_reaches_the_integration(kit: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", env={"POLICY_SCOPE": "api"})
    resp = requests.get(api.url("/pets"), headers={"Authorization": "allow-bob"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["authorizer"] == {
        "principalId": "bob",
        "role": "admin",
        "admin": "true",
        "level": "3",
    }


def test_missing_identity_source_is_401_without_calling_the_function(kit: Any, lab: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py")
    resp = requests.get(api.url("/pets"))
    assert resp.status_code == 401
    assert resp.content == b'{"message":"Unauthorized"}'
    assert resp.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    steps = [e.step for e in lab.last_trace().entries]
    assert "lambda-permission" not in steps
    assert any(
        e.step == "authorize" and e.decision == "unauthorized" for e in lab.last_trace().entries
    )


def test_empty_token_is_401(kit: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py")
    assert requests.get(api.url("/pets"), headers={"Authorization": ""}).status_code == 401


def test_identity_validation_expression(kit: Any) -> None:
    api = Api(
        kit,
        auth_source=FUNCTIONS / "token_authorizer.py",
        env={"POLICY_SCOPE": "api"},
        identityValidationExpression="^allow-[a-z]+$",
        authorizerResultTtlInSeconds=0,
    )
    assert requests.get(api.url("/pets"), headers={"Authorization": "allow-bob"}).status_code == 200
    # "boom" would make the function fail with 500: the regex refuses it first with 401
    assert requests.get(api.url("/pets"), headers={"Authorization": "boom"}).status_code == 401


def test_unauthorized_error_is_401_other_errors_500(kit: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", authorizerResultTtlInSeconds=0)
    resp = requests.get(api.url("/pets"), headers={"Authorization": "nobody"})
    assert (resp.status_code, resp.content) == (401, b'{"message":"Unauthorized"}')
    resp = requests.get(api.url("/pets"), headers={"Authorization": "boom"})
    assert resp.status_code == 500
    assert resp.content == b'{"message": null}'
    assert resp.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_explicit_deny_is_403(kit: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py")
    resp = requests.get(api.url("/pets"), headers={"Authorization": "deny-mallory"})
    assert resp.status_code == 403
    assert resp.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    assert resp.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_cached_policy_for_one_method_denies_the_next(kit: Any, lab: Any) -> None:
    """The classic trap: the policy names only GET /pets, and is cached for 300 s."""
    lab.clock.freeze("2025-01-01T09:00:00Z")
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py")
    headers = {"Authorization": "allow-alice"}
    assert requests.get(api.url("/pets"), headers=headers).status_code == 200
    resp = requests.get(api.url("/pets/1"), headers=headers)
    assert resp.status_code == 403
    assert resp.json() == {"Message": "User is not authorized to access this resource"}
    cached = [e for e in lab.last_trace().entries if e.decision == "cached answer"]
    assert cached and cached[0].details["ttl_left"] == 300
    # after the TTL the function runs again and answers for this method
    lab.clock.advance(301)
    assert requests.get(api.url("/pets/1"), headers=headers).status_code == 200
    # another token is another cache key
    assert requests.get(api.url("/pets"), headers={"Authorization": "allow-bob"}).status_code == 200


def test_ttl_zero_calls_the_function_every_time(kit: Any, lab: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", authorizerResultTtlInSeconds=0)
    headers = {"Authorization": "allow-alice"}
    assert requests.get(api.url("/pets"), headers=headers).status_code == 200
    assert requests.get(api.url("/pets/1"), headers=headers).status_code == 200
    assert not [e for e in lab.last_trace().entries if e.decision == "cached answer"]


def test_wildcard_policy_covers_every_method(kit: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", env={"POLICY_SCOPE": "api"})
    headers = {"Authorization": "allow-alice"}
    for method, path in (("GET", "/pets"), ("GET", "/pets/1"), ("DELETE", "/pets/2")):
        assert requests.request(method, api.url(path), headers=headers).status_code == 200


def test_token_event_shape(kit: Any, lab: Any) -> None:
    api = Api(kit, auth_source=RECORDING_AUTHORIZER)
    requests.get(api.url("/pets/7"), headers={"Authorization": "Bearer abc"})
    sent = [e for e in lab.last_trace().entries if e.step == "authorize"]
    assert sent and sent[0].decision == "Allow"
    answer = lab.gateway.authorizer_cache.get(
        lab.gateway.authorizer_cache.key(api.api_id, "prod", api.authorizer_id, ["Bearer abc"]),
        lab.clock.now(),
    )
    assert answer is not None
    event = answer[0].event
    assert event == {
        "type": "TOKEN",
        "authorizationToken": "Bearer abc",
        "methodArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.api_id}/prod/GET/pets/7",
    }


def test_request_authorizer_event_and_identity_sources(kit: Any, lab: Any) -> None:
    api = Api(
        kit,
        auth_source=RECORDING_AUTHORIZER,
        auth_type="REQUEST",
        identity="method.request.header.X-Tenant, method.request.querystring.key, stageVariables.tier",
    )
    resp = requests.get(api.url("/pets/7?key=k1&other=2"), headers={"X-Tenant": "t1"})
    assert resp.status_code == 200
    entry = lab.gateway.authorizer_cache.get(
        lab.gateway.authorizer_cache.key(
            api.api_id, "prod", api.authorizer_id, ["t1", "k1", "gold"]
        ),
        lab.clock.now(),
    )
    assert entry is not None
    event = entry[0].event
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith(f"{api.api_id}/prod/GET/pets/7")
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["X-Tenant"] == "t1"
    assert event["queryStringParameters"] == {"key": "k1", "other": "2"}
    assert event["multiValueQueryStringParameters"] == {"key": ["k1"], "other": ["2"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"tier": "gold"}
    assert event["requestContext"]["resourcePath"] == "/pets/{id}"
    assert "body" not in event
    # a missing query string: 401, no call
    resp = requests.get(api.url("/pets/7"), headers={"X-Tenant": "t1"})
    assert resp.status_code == 401
    body = resp.json()
    assert body == {"message": "Unauthorized"}
    # context and principalId reach the integration; usageIdentifierKey only counts when
    # the API takes its keys from the authorizer
    whoami = requests.get(api.url("/pets/7?key=k1"), headers={"X-Tenant": "t1"}).json()
    assert whoami["authorizer"] == {"principalId": "user-1", "tenant": "t1", "n": "7", "ok": "true"}
    assert "apiKey" not in whoami["identity"]
    kit.apigw.update_rest_api(
        restApiId=api.api_id,
        patchOperations=[{"op": "replace", "path": "/apiKeySource", "value": "AUTHORIZER"}],
    )
    kit.deploy(api.api_id, "prod")
    lab.gateway.authorizer_cache.clear()
    whoami = requests.get(api.url("/pets/7?key=k1"), headers={"X-Tenant": "t1"}).json()
    assert whoami["identity"]["apiKey"] == "key-from-authorizer"


def test_request_cache_key_is_all_identity_values(kit: Any, lab: Any) -> None:
    api = Api(
        kit,
        auth_source=FUNCTIONS / "request_authorizer.py",
        auth_type="REQUEST",
        identity="method.request.header.x-tenant, method.request.querystring.key",
    )
    ok = requests.get(api.url("/pets?key=k-111"), headers={"x-tenant": "tenant-a"})
    assert ok.status_code == 200
    bad = requests.get(api.url("/pets?key=k-222"), headers={"x-tenant": "tenant-a"})
    assert bad.status_code == 403  # a new key value: the function ran and denied


def test_request_authorizer_without_caching_is_called_whatever_the_request_carries(
    kit: Any, lab: Any
) -> None:
    """With result caching off (TTL 0) a REST REQUEST authorizer's identity sources are not
    checked: the function is called, and it decides (here: no tenant → Deny → 403). With
    caching on, the same request is 401 without a call (the test above)."""
    api = Api(
        kit,
        auth_source=FUNCTIONS / "request_authorizer.py",
        auth_type="REQUEST",
        identity="method.request.header.x-tenant, method.request.querystring.key",
        authorizerResultTtlInSeconds=0,
    )
    ok = requests.get(api.url("/pets?key=k-111"), headers={"x-tenant": "tenant-a"})
    assert ok.status_code == 200
    missing = requests.get(api.url("/pets"), headers={"x-tenant": "tenant-a"})
    assert missing.status_code == 403
    assert "explicit deny" in missing.text
    decided = [e for e in lab.last_trace().entries if e.step == "authorize"]
    assert decided and decided[-1].decision == "ExplicitDeny"
    assert decided[-1].details["cached"] is False
    # and no identity source at all (allowed when caching is off): still called
    bare = Api(
        kit,
        auth_source=FUNCTIONS / "request_authorizer.py",
        auth_type="REQUEST",
        identity="",
        authorizerResultTtlInSeconds=0,
    )
    assert requests.get(bare.url("/pets")).status_code == 403
    assert requests.get(bare.url("/pets?key=k-222"), headers={"x-tenant": "tenant-b"}).ok


def test_token_authorizer_without_caching_still_needs_its_token(kit: Any) -> None:
    api = Api(kit, auth_source=RECORDING_AUTHORIZER, authorizerResultTtlInSeconds=0)
    assert requests.get(api.url("/pets")).status_code == 401
    assert requests.get(api.url("/pets"), headers={"Authorization": "t"}).status_code == 200


@pytest.mark.parametrize("mode", ["crash", "garbage", "nested"])
def test_broken_authorizers_are_500(kit: Any, mode: str) -> None:
    api = Api(kit, auth_source=RECORDING_AUTHORIZER, env={"MODE": mode})
    resp = requests.get(api.url("/pets"), headers={"Authorization": "x"})
    assert resp.status_code == 500
    assert resp.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_authorizer_without_permission_is_500(kit: Any) -> None:
    backend = kit.function(FUNCTIONS / "whoami.py")
    auth_fn = kit.function(FUNCTIONS / "token_authorizer.py")
    api_id = kit.rest_api()
    authorizer = kit.apigw.create_authorizer(
        restApiId=api_id,
        name="no-permission",
        type="TOKEN",
        identitySource="method.request.header.Authorization",
        authorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth_fn}/invocations",
    )["id"]
    kit.method(api_id, "/pets", "GET", backend, authorization="CUSTOM", authorizerId=authorizer)
    kit.permit(backend, api_id)
    kit.deploy(api_id)
    resp = requests.get(kit.url(api_id, "prod", "/pets"), headers={"Authorization": "allow-bob"})
    assert resp.status_code == 500
    assert resp.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_context_in_mapping_templates(kit: Any) -> None:
    """$context.authorizer.* in a non-proxy integration's template (values as text)."""
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", env={"POLICY_SCOPE": "api"})
    rid = kit.resource(api.api_id, "/me")
    kit.apigw.put_method(
        restApiId=api.api_id,
        resourceId=rid,
        httpMethod="GET",
        authorizationType="CUSTOM",
        authorizerId=api.authorizer_id,
    )
    kit.apigw.put_integration(
        restApiId=api.api_id,
        resourceId=rid,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    kit.apigw.put_method_response(
        restApiId=api.api_id, resourceId=rid, httpMethod="GET", statusCode="200"
    )
    kit.apigw.put_integration_response(
        restApiId=api.api_id,
        resourceId=rid,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={
            "application/json": '{"user": "$context.authorizer.principalId", "role": "$context.authorizer.role", "admin": $context.authorizer.admin}'
        },
    )
    kit.deploy(api.api_id, "prod")
    resp = requests.get(api.url("/me"), headers={"Authorization": "allow-bob"})
    assert resp.json() == {"user": "bob", "role": "admin", "admin": True}


# ------------------------------------------------------------------ resource policy combined


def policy(effect: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


def test_resource_policy_explicit_deny_wins_before_the_authorizer_runs(kit: Any, lab: Any) -> None:
    api = Api(
        kit,
        auth_source=FUNCTIONS / "token_authorizer.py",
        policy=policy("Deny", {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
    )
    resp = requests.get(api.url("/pets"), headers={"Authorization": "allow-bob"})
    assert resp.status_code == 403
    assert "with an explicit deny" in resp.json()["Message"]
    assert not any(e.step == "authorize" for e in lab.last_trace().entries)


def test_resource_policy_silent_and_authorizer_allows(kit: Any) -> None:
    """Table A: the resource policy says nothing about this caller, the authorizer allows."""
    api = Api(
        kit,
        auth_source=FUNCTIONS / "token_authorizer.py",
        env={"POLICY_SCOPE": "api"},
        policy=policy("Allow", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    )
    assert requests.get(api.url("/pets"), headers={"Authorization": "allow-bob"}).status_code == 200


def test_resource_policy_allows_and_authorizer_silent(kit: Any) -> None:
    """Table A: an Allow in the resource policy and a policy that does not cover the method."""
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", policy=policy("Allow"))
    headers = {"Authorization": "allow-alice"}
    assert requests.get(api.url("/pets"), headers=headers).status_code == 200
    assert requests.get(api.url("/pets/1"), headers=headers).status_code == 200


def test_resource_policy_change_needs_a_redeploy(kit: Any) -> None:
    api = Api(kit, auth_source=FUNCTIONS / "token_authorizer.py", env={"POLICY_SCOPE": "api"})
    headers = {"Authorization": "allow-bob"}
    assert requests.get(api.url("/pets"), headers=headers).status_code == 200
    kit.apigw.update_rest_api(
        restApiId=api.api_id,
        patchOperations=[{"op": "replace", "path": "/policy", "value": json.dumps(policy("Deny"))}],
    )
    assert requests.get(api.url("/pets"), headers=headers).status_code == 200
    kit.deploy(api.api_id, "prod")
    assert requests.get(api.url("/pets"), headers=headers).status_code == 403
