"""The REST stage cache end to end (reference §2), over the in-process transport with boto3:
a cache cluster and ``caching/enabled`` set with ``update_stage``; hits within the TTL and
a miss at it; cache keys (query string, header, path parameter) and namespaces; GET only
unless a method has its own settings; ``Cache-Control: max-age=0`` and the three
strategies for callers who may not invalidate (and a SigV4 caller who may); flushing,
turning off and resizing; the 1 MB limit; error answers; authorizers, API keys and
throttling still applying to hits; CacheHitCount / CacheMissCount; the trace.

The backend is a Lambda proxy function that counts its invocations in a module global and
answers with the count, so a repeated count proves the answer came from the cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from helpers.gateway.stage_cache import UNAUTHORIZED_WARNING

pytestmark = pytest.mark.usefixtures("fresh_lab")

FUNCTIONS = Path(__file__).parents[2] / "functions"
ACCOUNT = "123456789012"
REGION = "us-east-1"
T0 = "2025-03-03T10:00:00Z"
MAX_ENTRY = 1_048_576

COUNTER = '''
import json

calls = 0


def handler(event, context):
    """Answers with how many times it ran; /boom answers 500, /big and /edge are large."""
    global calls
    calls += 1
    resource = event["resource"]
    if resource in ("/big", "/edge"):
        size = 1_048_576 + (1 if resource == "/big" else 0)
        head = "%08d" % calls
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"},
                "body": head + "x" * (size - len(head))}
    body = {"call": calls, "path": event["path"], "method": event["httpMethod"]}
    return {"statusCode": 500 if resource == "/boom" else 200,
            "headers": {"Content-Type": "application/json", "X-Call": str(calls)},
            "body": json.dumps(body)}
'''


@pytest.fixture(autouse=True)
def frozen(fresh_lab: Any) -> Any:
    fresh_lab.clock.freeze(T0)
    return fresh_lab.clock


class CachedApi:
    """A REST API whose methods all call the counting function, built with boto3."""

    def __init__(self, kit: Any, name: str = "cache-lab") -> None:
        self.kit = kit
        self.apigw = kit.apigw
        self.name = name
        self.fn = kit.function(COUNTER)
        self.api_id = kit.rest_api(name, endpoint="REGIONAL")
        kit.permit(self.fn, self.api_id)

    def method(
        self,
        path: str,
        http_method: str = "GET",
        *,
        params: tuple[str, ...] = (),
        keys: tuple[str, ...] = (),
        namespace: str | None = None,
        auth: str = "NONE",
        **method_kwargs: Any,
    ) -> str:
        rid = self.kit.resource(self.api_id, path)
        if params:
            # path parameters must be required; the others are optional here
            method_kwargs["requestParameters"] = {p: ".path." in p for p in params}
        self.apigw.put_method(
            restApiId=self.api_id,
            resourceId=rid,
            httpMethod=http_method,
            authorizationType=auth,
            **method_kwargs,
        )
        integration: dict[str, Any] = {}
        if keys:
            integration["cacheKeyParameters"] = list(keys)
        if namespace:
            integration["cacheNamespace"] = namespace
        self.apigw.put_integration(
            restApiId=self.api_id,
            resourceId=rid,
            httpMethod=http_method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{self.fn}/invocations",
            **integration,
        )
        return rid

    def deploy(self, stage: str = "prod", *, cache: bool = True, ttl: int | None = None) -> None:
        self.kit.deploy(self.api_id, stage)
        if cache:
            ops = [
                ("/cacheClusterEnabled", "true"),
                ("/cacheClusterSize", "0.5"),
                ("/*/*/caching/enabled", "true"),
            ]
            if ttl is not None:
                ops.append(("/*/*/caching/ttlInSeconds", str(ttl)))
            self.patch(*ops, stage=stage)

    def patch(self, *ops: tuple[str, str], stage: str = "prod") -> dict[str, Any]:
        return self.apigw.update_stage(
            restApiId=self.api_id,
            stageName=stage,
            patchOperations=[{"op": "replace", "path": p, "value": v} for p, v in ops],
        )

    def url(self, path: str, stage: str = "prod") -> str:
        return self.kit.url(self.api_id, stage, path)

    def call(self, path: str, method: str = "GET", stage: str = "prod", **kw: Any) -> Any:
        return requests.request(method, self.url(path, stage), **kw)

    def count(self, path: str, method: str = "GET", **kw: Any) -> int:
        """The invocation count the answer carries (200 expected)."""
        resp = self.call(path, method, **kw)
        assert resp.status_code == 200, resp.text
        return int(resp.json()["call"])


def cache_steps(lab: Any) -> list[str]:
    """The cache decisions of the last request."""
    return [e.decision for e in lab.last_trace().entries if e.step == "cache"]


def cache_entries(lab: Any) -> list[Any]:
    return [e for e in lab.last_trace().entries if e.step == "cache"]


HIT = "hit: the integration is not called"


@pytest.fixture
def pets(kit: Any) -> CachedApi:
    """GET /pets cached for 60 s."""
    api = CachedApi(kit)
    api.method("/pets")
    api.deploy(ttl=60)
    return api


# ---------------------------------------------------------------------------- TTL


def test_hit_within_ttl_and_miss_at_ttl(pets: CachedApi, fresh_lab: Any, frozen: Any) -> None:
    stage = pets.apigw.get_stage(restApiId=pets.api_id, stageName="prod")
    assert stage["cacheClusterEnabled"] is True
    assert (stage["cacheClusterSize"], stage["cacheClusterStatus"]) == ("0.5", "AVAILABLE")
    assert stage["methodSettings"]["*/*"]["cachingEnabled"] is True
    assert stage["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 60

    first = pets.call("/pets")
    assert (first.status_code, first.json()["call"]) == (200, 1)
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert cache_entries(fresh_lab)[1].details == {"ttl": 60}

    frozen.advance(59)  # TTL - 1
    again = pets.call("/pets")
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["Content-Type"] == "application/json"
    assert again.headers["X-Call"] == "1"
    assert cache_steps(fresh_lab) == [HIT]
    assert cache_entries(fresh_lab)[0].details["ttl_left"] == 1
    assert not any(e.step == "integration" for e in fresh_lab.last_trace().entries)

    frozen.advance(1)  # exactly the TTL after the entry was stored
    assert pets.count("/pets") == 2
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert pets.count("/pets") == 2
    assert cache_steps(fresh_lab) == [HIT]
    assert fresh_lab.gateway.stage_cache.size((REGION, pets.api_id, "prod")) == 1


def test_default_ttl_is_300_seconds(kit: Any, frozen: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets")
    api.deploy()
    stage = api.apigw.get_stage(restApiId=api.api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 300
    assert api.count("/pets") == 1
    frozen.advance(299)
    assert api.count("/pets") == 1
    frozen.advance(1)
    assert api.count("/pets") == 2


def test_ttl_zero_means_no_caching(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets")
    api.deploy(ttl=0)
    assert [api.count("/pets") for _ in range(3)] == [1, 2, 3]
    assert cache_steps(fresh_lab) == []


def test_caching_enabled_without_a_cluster_does_nothing(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets")
    api.deploy(cache=False)
    api.patch(("/*/*/caching/enabled", "true"))
    assert [api.count("/pets") for _ in range(2)] == [1, 2]
    assert cache_steps(fresh_lab) == []


# ---------------------------------------------------------------------------- cache keys


def test_listed_query_and_header_parameters_split_entries_unlisted_share(
    kit: Any, fresh_lab: Any
) -> None:
    api = CachedApi(kit)
    api.method(
        "/pets",
        params=(
            "method.request.querystring.type",
            "method.request.querystring.dept",
            "method.request.header.x-tenant",
        ),
        keys=("method.request.querystring.type", "method.request.header.x-tenant"),
    )
    api.deploy()
    integration = api.apigw.get_integration(
        restApiId=api.api_id, resourceId=api.kit.resource(api.api_id, "/pets"), httpMethod="GET"
    )
    assert integration["cacheKeyParameters"] == [
        "method.request.querystring.type",
        "method.request.header.x-tenant",
    ]

    def count(query: str, tenant: str | None = "t1") -> int:
        headers = {"x-tenant": tenant} if tenant else {}
        return api.count("/pets" + query, headers=headers)

    assert count("?type=a&dept=1") == 1
    assert "type=a" in cache_entries(fresh_lab)[0].details["key"]
    assert "x-tenant=t1" in cache_entries(fresh_lab)[0].details["key"]
    assert count("?type=a&dept=2") == 1  # dept is not a key: same entry
    assert cache_steps(fresh_lab) == [HIT]
    assert count("?type=a") == 1
    assert count("?type=b&dept=1") == 2  # type is a key
    assert count("?type=a&dept=1", tenant="t2") == 3  # so is the header
    assert count("?type=a&dept=9", tenant="t2") == 3
    assert count("?dept=1") == 4  # no type at all is an entry of its own
    assert count("?dept=2") == 4
    assert count("?type=a&dept=1", tenant=None) == 5
    assert count("?type=b") == 2


def test_path_parameter_shares_unless_it_is_a_key(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets/{id}", params=("method.request.path.id",))
    api.method("/owners/{id}", params=("method.request.path.id",), keys=("method.request.path.id",))
    api.deploy()

    one = api.call("/pets/1").json()
    assert (one["call"], one["path"]) == (1, "/pets/1")
    two = api.call("/pets/2").json()
    # the answer for pet 1, served for pet 2: the path parameter is not part of the key
    assert (two["call"], two["path"]) == (1, "/pets/1")
    assert cache_steps(fresh_lab) == [HIT]

    assert api.call("/owners/1").json()["call"] == 2
    other = api.call("/owners/2").json()
    assert (other["call"], other["path"]) == (3, "/owners/2")
    assert "id=2" in cache_entries(fresh_lab)[0].details["key"]
    assert api.call("/owners/1").json() == {"call": 2, "path": "/owners/1", "method": "GET"}


def test_a_shared_namespace_shares_entries_between_resources(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    cats = api.method("/cats", namespace="animals")
    api.method("/dogs", namespace="animals")
    birds = api.method("/birds")
    api.deploy()
    got = api.apigw.get_integration(restApiId=api.api_id, resourceId=cats, httpMethod="GET")
    assert got["cacheNamespace"] == "animals"
    # by default the namespace is the resource id
    got = api.apigw.get_integration(restApiId=api.api_id, resourceId=birds, httpMethod="GET")
    assert got["cacheNamespace"] == birds

    assert api.call("/cats").json()["path"] == "/cats"
    dogs = api.call("/dogs").json()
    assert (dogs["call"], dogs["path"]) == (1, "/cats")
    assert "ns=animals" in cache_entries(fresh_lab)[0].details["key"]
    assert api.count("/birds") == 2
    assert f"ns={birds}" in cache_entries(fresh_lab)[0].details["key"]


def test_post_is_cached_only_with_its_own_method_settings(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets")
    api.method("/pets", "POST")
    api.deploy()
    assert [api.count("/pets", "POST", data=b"{}") for _ in range(2)] == [1, 2]
    assert cache_steps(fresh_lab) == []

    stage = api.patch(("/~1pets/POST/caching/enabled", "true"))
    assert stage["methodSettings"]["~1pets/POST"]["cachingEnabled"] is True
    assert api.count("/pets", "POST", data=b"{}") == 3
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert api.count("/pets", "POST", data=b'{"other": "body"}') == 3  # the body is no key
    assert cache_steps(fresh_lab) == [HIT]
    # GET /pets is another entry: the method is part of the key
    assert api.count("/pets") == 4
    assert api.count("/pets") == 4
    assert api.count("/pets", "POST") == 3


# ---------------------------------------------------------------------------- Cache-Control


def test_max_age_0_replaces_the_entry_when_authorization_is_not_required(
    pets: CachedApi, fresh_lab: Any, frozen: Any
) -> None:
    pets.patch(("/*/*/caching/requireAuthorizationForCacheControl", "false"))
    assert pets.count("/pets") == 1
    frozen.advance(30)
    resp = pets.call("/pets", headers={"Cache-Control": "max-age=0"})
    assert resp.json()["call"] == 2
    assert "Warning" not in resp.headers
    assert cache_steps(fresh_lab) == ["invalidated by Cache-Control: max-age=0", "stored"]
    # the fresh answer replaced the old one, with a new TTL from now
    frozen.advance(59)
    assert pets.count("/pets") == 2
    assert cache_steps(fresh_lab) == [HIT]


@pytest.mark.parametrize(
    "strategy", ["FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"]
)
def test_unsigned_caller_may_not_invalidate(pets: CachedApi, fresh_lab: Any, strategy: str) -> None:
    stage = pets.patch(("/*/*/caching/unauthorizedCacheControlHeaderStrategy", strategy))
    settings = stage["methodSettings"]["*/*"]
    assert settings["requireAuthorizationForCacheControl"] is True  # the default
    assert settings["unauthorizedCacheControlHeaderStrategy"] == strategy
    assert pets.count("/pets") == 1

    resp = pets.call("/pets", headers={"Cache-Control": "max-age=0"})
    if strategy == "FAIL_WITH_403":
        assert resp.status_code == 403
        assert resp.content == b'{"message":"Forbidden"}'
    else:
        assert (resp.status_code, resp.json()["call"]) == (200, 1)
        assert cache_steps(fresh_lab) == ["Cache-Control ignored: caller may not invalidate", HIT]
        if strategy == "SUCCEED_WITH_RESPONSE_HEADER":
            assert resp.headers[UNAUTHORIZED_WARNING[0]] == UNAUTHORIZED_WARNING[1]
        else:
            assert UNAUTHORIZED_WARNING[0] not in resp.headers
    # the entry is intact, and the warning was not stored with it
    plain = pets.call("/pets")
    assert plain.json()["call"] == 1
    assert UNAUTHORIZED_WARNING[0] not in plain.headers


def test_warning_header_on_a_miss_is_not_stored(pets: CachedApi, fresh_lab: Any) -> None:
    resp = pets.call("/pets", headers={"Cache-Control": "max-age=0"})
    assert resp.json()["call"] == 1
    assert resp.headers[UNAUTHORIZED_WARNING[0]] == UNAUTHORIZED_WARNING[1]
    assert cache_steps(fresh_lab)[-2:] == ["miss", "stored"]
    plain = pets.call("/pets")
    assert plain.json()["call"] == 1
    assert UNAUTHORIZED_WARNING[0] not in plain.headers


def signed(url: str, creds: Credentials, headers: dict[str, str] | None = None) -> Any:
    req = AWSRequest(method="GET", url=url, headers=headers or {})
    SigV4Auth(creds, "execute-api", REGION).add_auth(req)
    return requests.get(url, headers=dict(req.headers))


def assumed_role(kit: Any, name: str, statements: list[dict[str, Any]]) -> Credentials:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    kit.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    kit.iam.put_role_policy(
        RoleName=name,
        PolicyName="api",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    got = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}", RoleSessionName="tests"
    )["Credentials"]
    return Credentials(got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"])


def test_signed_caller_allowed_invalidatecache_invalidates(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets", auth="AWS_IAM")
    api.deploy()
    method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/prod/GET/pets"
    invoke = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    reader = assumed_role(kit, "reader", [invoke])
    admin = assumed_role(
        kit,
        "cache-admin",
        [
            invoke,
            {"Effect": "Allow", "Action": "execute-api:InvalidateCache", "Resource": method_arn},
        ],
    )
    url = api.url("/pets")
    fresh = {"Cache-Control": "max-age=0"}

    assert signed(url, reader).json()["call"] == 1
    # an unsigned caller is refused before the cache is looked at
    unsigned = requests.get(url)
    assert unsigned.status_code == 403
    assert unsigned.json() == {"message": "Missing Authentication Token"}
    assert cache_steps(fresh_lab) == []

    # the reader may invoke but not invalidate: the default strategy ignores the header
    resp = signed(url, reader, fresh)
    assert resp.json()["call"] == 1
    assert resp.headers[UNAUTHORIZED_WARNING[0]] == UNAUTHORIZED_WARNING[1]

    resp = signed(url, admin, fresh)
    assert resp.json()["call"] == 2
    assert "Warning" not in resp.headers
    assert cache_steps(fresh_lab) == ["invalidated by Cache-Control: max-age=0", "stored"]
    # everyone now gets the fresh answer from the cache
    assert signed(url, reader).json()["call"] == 2
    assert cache_steps(fresh_lab) == [HIT]


def test_invalidatecache_on_another_method_is_not_enough(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets", auth="AWS_IAM")
    api.deploy()
    api.patch(("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"))
    elsewhere = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/prod/GET/owners"
    creds = assumed_role(
        kit,
        "narrow",
        [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
            {"Effect": "Allow", "Action": "execute-api:InvalidateCache", "Resource": elsewhere},
        ],
    )
    url = api.url("/pets")
    assert signed(url, creds).json()["call"] == 1
    resp = signed(url, creds, {"Cache-Control": "max-age=0"})
    assert (resp.status_code, resp.content) == (403, b'{"message":"Forbidden"}')
    assert signed(url, creds).json()["call"] == 1


# ---------------------------------------------------------------------------- emptying the cache


def test_flush_stage_cache_empties_it(pets: CachedApi, fresh_lab: Any) -> None:
    assert pets.count("/pets") == 1
    assert pets.count("/pets") == 1
    pets.apigw.flush_stage_cache(restApiId=pets.api_id, stageName="prod")
    assert pets.count("/pets") == 2
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert pets.count("/pets") == 2
    with pytest.raises(ClientError) as err:
        pets.apigw.flush_stage_cache(restApiId=pets.api_id, stageName="nope")
    assert err.value.response["Error"]["Code"] == "NotFoundException"


def test_turning_the_cluster_off_and_on_empties_it(pets: CachedApi, fresh_lab: Any) -> None:
    assert pets.count("/pets") == 1
    pets.patch(("/cacheClusterEnabled", "false"))
    assert [pets.count("/pets") for _ in range(2)] == [2, 3]
    assert cache_steps(fresh_lab) == []
    pets.patch(("/cacheClusterEnabled", "true"))
    assert pets.count("/pets") == 4  # nothing from before survived
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert pets.count("/pets") == 4


def test_resizing_the_cluster_empties_it(pets: CachedApi, fresh_lab: Any) -> None:
    assert pets.count("/pets") == 1
    stage = pets.patch(("/cacheClusterSize", "1.6"))
    assert stage["cacheClusterSize"] == "1.6"
    assert pets.count("/pets") == 2
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert pets.count("/pets") == 2
    assert cache_steps(fresh_lab) == [HIT]


# ---------------------------------------------------------------------------- what is stored


def test_answer_over_one_mebibyte_is_served_but_not_stored(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/big")
    api.method("/edge")
    api.deploy()

    big = api.call("/big")
    assert (big.status_code, len(big.content)) == (200, MAX_ENTRY + 1)
    assert big.content.startswith(b"00000001")
    assert cache_steps(fresh_lab) == ["miss", "not stored: the answer is over 1 MB"]
    again = api.call("/big")
    assert again.content.startswith(b"00000002")
    assert cache_steps(fresh_lab) == ["miss", "not stored: the answer is over 1 MB"]

    edge = api.call("/edge")
    assert (edge.status_code, len(edge.content)) == (200, MAX_ENTRY)
    assert edge.content.startswith(b"00000003")
    assert cache_steps(fresh_lab) == ["miss", "stored"]
    assert api.call("/edge").content == edge.content
    assert cache_steps(fresh_lab) == [HIT]


def test_error_answers_are_cached_too(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/boom")
    api.deploy()
    first = api.call("/boom")
    assert (first.status_code, first.json()["call"]) == (500, 1)
    second = api.call("/boom")
    assert (second.status_code, second.json()["call"]) == (500, 1)
    assert cache_steps(fresh_lab) == [HIT]


# ---------------------------------------------------------------------------- hits still checked


def test_a_throttled_request_is_not_served_from_the_cache(
    pets: CachedApi, fresh_lab: Any, frozen: Any
) -> None:
    pets.patch(("/*/*/throttling/rateLimit", "1"), ("/*/*/throttling/burstLimit", "1"))
    assert pets.count("/pets") == 1
    refused = pets.call("/pets")
    assert refused.status_code == 429
    assert refused.content == b'{"message":"Too Many Requests"}'
    assert refused.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert cache_steps(fresh_lab) == []
    frozen.advance(1)
    assert pets.count("/pets") == 1
    assert cache_steps(fresh_lab) == [HIT]


def test_api_key_is_checked_before_the_cache(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    api.method("/pets", apiKeyRequired=True)
    api.deploy()
    value = "cache-lab-key-0123456789"
    key_id = kit.apigw.create_api_key(name="k1", enabled=True, value=value)["id"]
    plan = kit.apigw.create_usage_plan(
        name="basic", apiStages=[{"apiId": api.api_id, "stage": "prod"}]
    )["id"]
    kit.apigw.create_usage_plan_key(usagePlanId=plan, keyId=key_id, keyType="API_KEY")

    assert api.count("/pets", headers={"x-api-key": value}) == 1
    refused = api.call("/pets")
    assert (refused.status_code, refused.content) == (403, b'{"message":"Forbidden"}')
    assert cache_steps(fresh_lab) == []
    assert api.count("/pets", headers={"x-api-key": value}) == 1
    assert cache_steps(fresh_lab) == [HIT]


def test_lambda_authorizer_runs_before_the_cache(kit: Any, fresh_lab: Any) -> None:
    api = CachedApi(kit)
    auth_fn = kit.function(FUNCTIONS / "token_authorizer.py")
    authorizer = kit.apigw.create_authorizer(
        restApiId=api.api_id,
        name="tokens",
        type="TOKEN",
        identitySource="method.request.header.Authorization",
        authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{auth_fn}/invocations",
        authorizerResultTtlInSeconds=0,
    )["id"]
    kit.permit(
        auth_fn,
        api.api_id,
        source_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/authorizers/{authorizer}",
    )
    api.method("/pets", auth="CUSTOM", authorizerId=authorizer)
    api.deploy()

    assert api.count("/pets", headers={"Authorization": "allow-alice"}) == 1
    assert api.call("/pets").status_code == 401
    denied = api.call("/pets", headers={"Authorization": "deny-mallory"})
    assert denied.status_code == 403
    assert cache_steps(fresh_lab) == []
    # the token is not part of the key: another allowed caller gets alice's cached answer
    assert api.count("/pets", headers={"Authorization": "allow-bob"}) == 1
    assert cache_steps(fresh_lab) == [HIT]


# ---------------------------------------------------------------------------- metrics


def test_cache_hit_and_miss_counts(kit: Any, frozen: Any) -> None:
    api = CachedApi(kit, name="metrics-lab")
    api.method("/pets")
    api.method("/pets", "POST")
    api.deploy(ttl=60)
    api.deploy("dev", cache=False)
    at = frozen.now()

    seen = [api.count("/pets") for _ in range(3)]  # miss, hit, hit
    frozen.advance(60)
    seen += [api.count("/pets") for _ in range(2)]  # miss, hit
    assert seen == [1, 1, 1, 2, 2]
    assert api.count("/pets", "POST") == 3  # not cached: no cache metric
    assert [api.count("/pets", stage="dev") for _ in range(2)] == [4, 5]

    prod = {"ApiName": "metrics-lab", "Stage": "prod"}
    dev = {"ApiName": "metrics-lab", "Stage": "dev"}
    assert kit.metric_sum("CacheHitCount", prod, at) == 3
    assert kit.metric_sum("CacheMissCount", prod, at) == 2
    assert kit.metric_sum("Count", prod, at) == 6
    # a stage without caching publishes no cache metrics at all
    assert kit.metric_sum("Count", dev, at) == 2
    assert kit.metric_sum("CacheHitCount", dev, at) is None
    assert kit.metric_sum("CacheMissCount", dev, at) is None
