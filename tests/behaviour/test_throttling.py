"""API keys, usage-plan throttles, stage method settings, HTTP API route settings and the
account bucket, end to end over the in-process transport (reference §1.1–1.4, §1.6).

Every test runs on a frozen lab clock, so a bucket refills only when the test advances it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

T0 = "2025-03-05T12:00:00Z"
ACCOUNT = "123456789012"
FORBIDDEN = b'{"message":"Forbidden"}'
TOO_MANY = b'{"message":"Too Many Requests"}'
#: a MOCK method's answer: what ``$context`` says about the API key
KEY_ECHO = '{"apiKey": "$context.identity.apiKey", "apiKeyId": "$context.identity.apiKeyId"}'


@pytest.fixture(autouse=True)
def frozen(fresh_lab: Any) -> Iterator[Any]:
    fresh_lab.clock.freeze(T0)
    yield fresh_lab


@pytest.fixture
def account_limits(lab: Any) -> Iterator[Any]:
    """``set_account_limits`` for one test, back to AWS's defaults afterwards."""
    yield lab.gateway.limits.set_account_limits
    lab.gateway.limits.set_account_limits()


def key_value(name: str) -> str:
    """An API key value (alphanumeric, at least 20 characters) made from a name."""
    return ("labkey" + name).ljust(24, "0")


class Rest:
    """A REST API of MOCK methods that answer 200 with the caller's API key and id."""

    def __init__(
        self,
        kit: Any,
        methods: tuple[tuple[str, str, bool], ...] = (("GET", "/pets", True),),
        stages: tuple[str, ...] = ("prod",),
        **api_kwargs: Any,
    ) -> None:
        self.kit = kit
        self.apigw = kit.apigw
        api = self.apigw.create_rest_api(
            name="limits", endpointConfiguration={"types": ["REGIONAL"]}, **api_kwargs
        )
        self.api_id = api["id"]
        kit._paths[self.api_id] = {"/": api["rootResourceId"]}
        for http_method, path, key_required in methods:
            self.mock(path, http_method, apiKeyRequired=key_required)
        for stage in stages:
            kit.deploy(self.api_id, stage)

    def mock(self, path: str, http_method: str, **method_kwargs: Any) -> str:
        rid = self.kit.resource(self.api_id, path)
        method_kwargs.setdefault("authorizationType", "NONE")
        self.apigw.put_method(
            restApiId=self.api_id, resourceId=rid, httpMethod=http_method, **method_kwargs
        )
        self.apigw.put_integration(
            restApiId=self.api_id,
            resourceId=rid,
            httpMethod=http_method,
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        self.apigw.put_method_response(
            restApiId=self.api_id, resourceId=rid, httpMethod=http_method, statusCode="200"
        )
        self.apigw.put_integration_response(
            restApiId=self.api_id,
            resourceId=rid,
            httpMethod=http_method,
            statusCode="200",
            responseTemplates={"application/json": KEY_ECHO},
        )
        return rid

    def url(self, path: str = "/pets", stage: str = "prod") -> str:
        return self.kit.url(self.api_id, stage, path)

    def get(
        self,
        path: str = "/pets",
        key: str | None = None,
        stage: str = "prod",
        method: str = "GET",
        **headers: str,
    ) -> requests.Response:
        if key is not None:
            headers["x-api-key"] = key
        return requests.request(method, self.url(path, stage), headers=headers)

    def key(self, name: str, *, enabled: bool = True) -> tuple[str, str]:
        """A new API key: (id, value)."""
        value = key_value(name)
        made = self.apigw.create_api_key(name=name, enabled=enabled, value=value)
        return made["id"], value

    def plan(
        self,
        name: str,
        *,
        keys: tuple[str, ...] = (),
        stages: tuple[str, ...] = ("prod",),
        api_id: str | None = None,
        method_throttle: dict[str, dict[str, float]] | None = None,
        **limits: Any,
    ) -> str:
        """A usage plan on this API's ``stages`` holding ``keys`` (their ids)."""
        api_stages = []
        for stage in stages:
            entry: dict[str, Any] = {"apiId": api_id or self.api_id, "stage": stage}
            if method_throttle:
                entry["throttle"] = method_throttle
            api_stages.append(entry)
        plan_id = self.apigw.create_usage_plan(name=name, apiStages=api_stages, **limits)["id"]
        for key_id in keys:
            self.apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
        return plan_id

    def stage_settings(self, stage: str = "prod", **paths: str) -> dict[str, Any]:
        """``update_stage`` with ``replace`` operations: {patch path: value}."""
        ops = [{"op": "replace", "path": p, "value": v} for p, v in paths.items()]
        return self.apigw.update_stage(restApiId=self.api_id, stageName=stage, patchOperations=ops)


def entry(lab: Any, step: str) -> Any:
    """The last request's trace entry for ``step`` (None when it has none)."""
    return next((e for e in lab.last_trace().entries if e.step == step), None)


def refused(resp: requests.Response, body: bytes, error_type: str | None) -> None:
    assert resp.content == body
    assert resp.headers.get("x-amzn-ErrorType") == error_type


def assert_throttled(resp: requests.Response) -> None:
    assert resp.status_code == 429
    refused(resp, TOO_MANY, "TooManyRequestsException")


def statuses(send: Any, n: int) -> list[int]:
    return [send().status_code for _ in range(n)]


# ---------------------------------------------------------------------------------- API keys


def test_a_key_in_the_stages_plan_opens_the_method(kit: Any, lab: Any) -> None:
    api = Rest(kit)
    key_id, value = api.key("alpha")
    api.plan("gold", keys=(key_id,))
    resp = api.get(key=value)
    assert resp.status_code == 200
    assert resp.json() == {"apiKey": value, "apiKeyId": key_id}
    found = entry(lab, "api-key")
    assert found.decision == f"key ****{value[-4:]} in usage plan gold"
    assert found.details == {"source": "HEADER"}
    # the header name is case-insensitive
    assert requests.get(api.url(), headers={"X-API-Key": value}).status_code == 200


def _not_in_plan(api: Rest) -> str:
    _, value = api.key("orphan")
    other_key, _ = api.key("member")
    api.plan("gold", keys=(other_key,))
    return value


def _other_stage(api: Rest) -> str:
    key_id, value = api.key("devonly")
    api.plan("dev-plan", keys=(key_id,), stages=("dev",))
    return value


def _other_api(api: Rest) -> str:
    other = Rest(api.kit)
    key_id, value = api.key("otherapi")
    other.plan("other", keys=(key_id,))
    return value


def _disabled(api: Rest) -> str:
    key_id, value = api.key("sleepy", enabled=False)
    api.plan("gold", keys=(key_id,))
    return value


def _wrong_value(api: Rest) -> str:
    key_id, value = api.key("real")
    api.plan("gold", keys=(key_id,))
    return value[:-1] + "X"


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        (lambda api: None, "no API key (x-api-key)"),
        (lambda api: "", "no API key (x-api-key)"),
        (_wrong_value, "no API key has this value"),
        (_disabled, "is disabled"),
        (_not_in_plan, "is in no usage plan for stage"),
        (_other_stage, "is in no usage plan for stage"),
        (_other_api, "is in no usage plan for stage"),
    ],
    ids=[
        "missing",
        "empty",
        "wrong",
        "disabled",
        "in-no-plan",
        "plan-for-dev",
        "plan-for-other-api",
    ],
)
def test_a_required_key_that_does_not_open_the_stage_is_403(
    kit: Any, lab: Any, setup: Any, why: str
) -> None:
    api = Rest(kit, stages=("prod", "dev"))
    value = setup(api)
    resp = api.get(key=value)
    assert resp.status_code == 403
    refused(resp, FORBIDDEN, "ForbiddenException")
    answer = entry(lab, "gateway-response")
    assert answer.decision == "INVALID_API_KEY"
    assert why in answer.details["reason"]
    assert answer.details["reason"].endswith("[apiKeySource HEADER]")
    assert entry(lab, "throttle") is None  # refused before the buckets
    assert entry(lab, "integration") is None


def test_plan_for_dev_opens_dev_only(kit: Any) -> None:
    api = Rest(kit, stages=("prod", "dev"))
    value = _other_stage(api)
    assert api.get(key=value, stage="dev").status_code == 200
    assert api.get(key=value, stage="prod").status_code == 403


def test_a_method_without_a_key_requirement_skips_the_plan(kit: Any, lab: Any) -> None:
    api = Rest(kit, methods=(("GET", "/pets", True), ("GET", "/open", False)))
    key_id, value = api.key("alpha")
    plan_id = api.plan(
        "tight",
        keys=(key_id,),
        throttle={"rateLimit": 1, "burstLimit": 1},
        quota={"limit": 1, "period": "DAY"},
    )
    for _ in range(5):
        resp = api.get("/open", key=value)
        assert resp.status_code == 200
        # $context.identity.apiKey stays empty: the method does not use keys
        assert resp.json() == {"apiKey": "", "apiKeyId": ""}
    assert entry(lab, "api-key").decision == "not required: the usage plan's limits do not apply"
    throttle = entry(lab, "throttle")
    assert throttle is None or "usage plan" not in throttle.details["tokens"]
    # the plan's bucket and quota are untouched: the keyed method still has both
    assert api.get("/pets", key=value).status_code == 200
    usage = kit.apigw.get_usage(usagePlanId=plan_id, startDate="2025-03-05", endDate="2025-03-05")
    assert usage["items"] == {key_id: [[1, 0]]}


# ---------------------------------------------------------------------------------- plan throttle


def test_plan_throttle_is_429_and_refills_on_the_clock(kit: Any, lab: Any) -> None:
    api = Rest(kit)
    key_id, value = api.key("alpha")
    api.plan("gold", keys=(key_id,), throttle={"rateLimit": 1, "burstLimit": 2})
    assert statuses(lambda: api.get(key=value), 2) == [200, 200]
    assert entry(lab, "throttle").details["tokens"]["usage plan"] == 0.0
    resp = api.get(key=value)
    assert_throttled(resp)
    throttle = entry(lab, "throttle")
    assert throttle.decision == "usage plan bucket empty"
    assert throttle.details["tokens"]["usage plan"] == 0.0
    answer = entry(lab, "gateway-response")
    assert answer.decision == "THROTTLED"
    assert answer.details["reason"] == (
        f"usage plan gold, key ****{value[-4:]}: no token left (rate 1/s, burst 2)"
    )
    assert entry(lab, "integration") is None
    lab.clock.advance(0.5)
    assert_throttled(api.get(key=value))  # half a token
    lab.clock.advance(0.5)
    assert api.get(key=value).status_code == 200
    assert_throttled(api.get(key=value))
    lab.clock.advance(60)  # refills up to the burst, no further
    assert statuses(lambda: api.get(key=value), 3) == [200, 200, 429]


def test_each_key_has_its_own_plan_bucket(kit: Any) -> None:
    api = Rest(kit)
    a_id, a = api.key("alpha")
    b_id, b = api.key("bravo")
    api.plan("gold", keys=(a_id, b_id), throttle={"rateLimit": 1, "burstLimit": 1})
    assert api.get(key=a).status_code == 200
    assert_throttled(api.get(key=a))
    assert api.get(key=b).status_code == 200


def test_plan_throttle_is_per_key_across_the_plans_stages(kit: Any, lab: Any) -> None:
    api = Rest(kit, stages=("prod", "dev"))
    key_id, value = api.key("alpha")
    api.plan(
        "gold", keys=(key_id,), stages=("prod", "dev"), throttle={"rateLimit": 1, "burstLimit": 2}
    )
    assert api.get(key=value, stage="prod").status_code == 200
    assert api.get(key=value, stage="dev").status_code == 200
    assert_throttled(api.get(key=value, stage="prod"))
    assert_throttled(api.get(key=value, stage="dev"))
    lab.clock.advance(1)
    assert api.get(key=value, stage="dev").status_code == 200
    assert_throttled(api.get(key=value, stage="prod"))


def test_per_method_plan_throttle_overrides_the_plans(kit: Any, lab: Any) -> None:
    api = Rest(kit, methods=(("GET", "/pets", True), ("GET", "/toys", True)))
    key_id, value = api.key("alpha")
    plan_id = api.plan(
        "gold",
        keys=(key_id,),
        throttle={"rateLimit": 1, "burstLimit": 3},
        method_throttle={"/pets/GET": {"rateLimit": 1, "burstLimit": 1}},
    )
    stage = kit.apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0]
    assert stage["throttle"] == {"/pets/GET": {"rateLimit": 1.0, "burstLimit": 1}}
    assert api.get("/pets", key=value).status_code == 200
    assert_throttled(api.get("/pets", key=value))
    assert entry(lab, "gateway-response").details["reason"] == (
        f"usage plan gold, key ****{value[-4:]}, /pets/GET: no token left (rate 1/s, burst 1)"
    )
    # /toys has no method throttle: the plan's own bucket (burst 3), untouched by /pets
    assert statuses(lambda: api.get("/toys", key=value), 4) == [200, 200, 200, 429]


def test_per_method_plan_throttle_by_patch_and_removal(kit: Any, lab: Any) -> None:
    api = Rest(kit, methods=(("GET", "/", True), ("GET", "/pets", True)))
    key_id, value = api.key("alpha")
    plan_id = api.plan("gold", keys=(key_id,), throttle={"rateLimit": 1, "burstLimit": 5})
    prefix = f"/apiStages/{api.api_id}:prod/throttle"
    updated = kit.apigw.update_usage_plan(
        usagePlanId=plan_id,
        patchOperations=[
            {"op": "replace", "path": f"{prefix}/~1pets/GET/rateLimit", "value": "1"},
            {"op": "replace", "path": f"{prefix}/~1pets/GET/burstLimit", "value": "2"},
            {"op": "replace", "path": f"{prefix}/~1/GET/rateLimit", "value": "1"},
            {"op": "replace", "path": f"{prefix}/~1/GET/burstLimit", "value": "1"},
        ],
    )
    assert updated["apiStages"][0]["throttle"] == {
        "/pets/GET": {"rateLimit": 1.0, "burstLimit": 2},
        "//GET": {"rateLimit": 1.0, "burstLimit": 1},
    }
    assert statuses(lambda: api.get("/pets", key=value), 3) == [200, 200, 429]
    assert statuses(lambda: api.get("/", key=value), 2) == [200, 429]
    assert "//GET" in entry(lab, "gateway-response").details["reason"]
    kit.apigw.update_usage_plan(
        usagePlanId=plan_id,
        patchOperations=[{"op": "remove", "path": f"{prefix}/~1pets/GET"}],
    )
    stage = kit.apigw.get_usage_plan(usagePlanId=plan_id)["apiStages"][0]
    assert stage["throttle"] == {"//GET": {"rateLimit": 1.0, "burstLimit": 1}}
    # back on the plan's bucket (burst 5, not yet used)
    assert statuses(lambda: api.get("/pets", key=value), 6) == [200] * 5 + [429]


# ---------------------------------------------------------------------------------- stage settings


def test_stage_star_settings_throttle_each_method_separately(kit: Any, lab: Any) -> None:
    api = Rest(
        kit, methods=(("GET", "/pets", False), ("GET", "/toys", False), ("POST", "/pets", False))
    )
    settings = api.stage_settings(
        **{"/*/*/throttling/rateLimit": "1", "/*/*/throttling/burstLimit": "2"}
    )
    star = settings["methodSettings"]["*/*"]
    assert (star["throttlingRateLimit"], star["throttlingBurstLimit"]) == (1.0, 2)
    assert statuses(lambda: api.get("/pets"), 2) == [200, 200]
    resp = api.get("/pets")
    assert_throttled(resp)
    throttle = entry(lab, "throttle")
    assert throttle.decision == "stage bucket empty"
    assert throttle.details["tokens"] == {"stage": 0.0, "account": 4998.0}
    assert entry(lab, "gateway-response").details["reason"] == (
        "stage prod method settings */*: no token left (rate 1/s, burst 2)"
    )
    # every method its own bucket [unc]
    assert statuses(lambda: api.get("/toys"), 3) == [200, 200, 429]
    assert statuses(lambda: api.get("/pets", method="POST"), 3) == [200, 200, 429]
    lab.clock.advance(1)
    assert statuses(lambda: api.get("/pets"), 2) == [200, 429]


def test_stage_per_method_override(kit: Any, lab: Any) -> None:
    api = Rest(kit, methods=(("GET", "/pets", False), ("GET", "/toys", False)))
    api.stage_settings(**{"/*/*/throttling/rateLimit": "1", "/*/*/throttling/burstLimit": "1"})
    settings = api.stage_settings(**{"/~1pets/GET/throttling/burstLimit": "3"})
    own = settings["methodSettings"]["~1pets/GET"]
    # a new entry starts from AWS's defaults, then takes the patched value
    assert (own["throttlingRateLimit"], own["throttlingBurstLimit"]) == (10000.0, 3)
    assert statuses(lambda: api.get("/pets"), 4) == [200, 200, 200, 429]
    assert entry(lab, "gateway-response").details["reason"] == (
        "stage prod method settings ~1pets/GET: no token left (rate 10000/s, burst 3)"
    )
    assert statuses(lambda: api.get("/toys"), 2) == [200, 429]
    assert "*/*" in entry(lab, "gateway-response").details["reason"]


def test_stage_settings_apply_without_a_redeploy_and_reset_the_bucket(kit: Any) -> None:
    api = Rest(kit, methods=(("GET", "/pets", False),))
    api.stage_settings(**{"/*/*/throttling/rateLimit": "1", "/*/*/throttling/burstLimit": "1"})
    assert statuses(lambda: api.get("/pets"), 2) == [200, 429]
    api.stage_settings(**{"/*/*/throttling/burstLimit": "2"})
    # changed limits: a new, full bucket [unc]
    assert statuses(lambda: api.get("/pets"), 3) == [200, 200, 429]


@pytest.mark.parametrize("where", ["plan", "stage"])
def test_burst_zero_refuses_every_request(kit: Any, lab: Any, where: str) -> None:
    api = Rest(kit)
    key_id, value = api.key("alpha")
    if where == "plan":
        api.plan("zero", keys=(key_id,), throttle={"rateLimit": 100, "burstLimit": 0})
    else:
        api.plan("free", keys=(key_id,))
        api.stage_settings(
            **{"/*/*/throttling/rateLimit": "100", "/*/*/throttling/burstLimit": "0"}
        )
    level = "usage plan" if where == "plan" else "stage"
    for _ in range(3):
        assert_throttled(api.get(key=value))
        assert entry(lab, "throttle").decision == f"{level} bucket empty"
        lab.clock.advance(10)


def test_limits_apply_plan_then_stage_then_account(kit: Any, lab: Any, account_limits: Any) -> None:
    api = Rest(kit, methods=(("GET", "/pets", True), ("GET", "/toys", False)))
    keys = {name: api.key(name) for name in ("alpha", "bravo", "charlie")}
    api.plan(
        "gold", keys=tuple(k for k, _ in keys.values()), throttle={"rateLimit": 1, "burstLimit": 1}
    )
    api.stage_settings(**{"/*/*/throttling/rateLimit": "1", "/*/*/throttling/burstLimit": "2"})
    account_limits(1, 3)

    def send(name: str) -> requests.Response:
        return api.get("/pets", key=keys[name][1])

    assert send("alpha").status_code == 200
    assert entry(lab, "throttle").details["tokens"] == {
        "usage plan": 0.0,
        "stage": 1.0,
        "account": 2.0,
    }
    # alpha's plan bucket is empty: refused there, the others keep their tokens
    assert_throttled(send("alpha"))
    throttle = entry(lab, "throttle")
    assert throttle.decision == "usage plan bucket empty"
    assert throttle.details["tokens"] == {"usage plan": 0.0, "stage": 1.0, "account": 2.0}
    # bravo: its own plan bucket; the stage's last token for GET /pets
    assert send("bravo").status_code == 200
    assert entry(lab, "throttle").details["tokens"] == {
        "usage plan": 0.0,
        "stage": 0.0,
        "account": 1.0,
    }
    # charlie: a full plan bucket, but GET /pets has no stage token left
    assert_throttled(send("charlie"))
    throttle = entry(lab, "throttle")
    assert throttle.decision == "stage bucket empty"
    assert throttle.details["tokens"] == {"usage plan": 1.0, "stage": 0.0, "account": 1.0}
    # GET /toys: a stage bucket of its own, but the account has one token left
    assert api.get("/toys").status_code == 200
    assert_throttled(api.get("/toys"))
    throttle = entry(lab, "throttle")
    assert throttle.decision == "account bucket empty"
    assert throttle.details["tokens"] == {"stage": 1.0, "account": 0.0}
    assert entry(lab, "gateway-response").details["reason"] == (
        "account us-east-1: no token left (rate 1/s, burst 3)"
    )
    # a second later: one account token; charlie's plan token is still there
    lab.clock.advance(1)
    assert send("charlie").status_code == 200
    assert entry(lab, "throttle").details["tokens"] == {
        "usage plan": 0.0,
        "stage": 0.0,
        "account": 0.0,
    }


def test_a_refused_request_takes_no_token_from_the_other_buckets(kit: Any, lab: Any) -> None:
    api = Rest(kit)
    key_id, value = api.key("alpha")
    api.plan("gold", keys=(key_id,), throttle={"rateLimit": 1, "burstLimit": 3})
    api.stage_settings(
        **{"/~1pets/GET/throttling/rateLimit": "1", "/~1pets/GET/throttling/burstLimit": "1"}
    )
    assert api.get(key=value).status_code == 200
    for _ in range(3):
        assert_throttled(api.get(key=value))
        assert entry(lab, "throttle").details["tokens"] == {
            "usage plan": 2.0,
            "stage": 0.0,
            "account": 4999.0,
        }
    lab.clock.advance(0.5)  # half a stage token; the plan's bucket is at 2.5
    assert_throttled(api.get(key=value))
    assert entry(lab, "throttle").details["tokens"] == {
        "usage plan": 2.5,
        "stage": 0.5,
        "account": 5000.0,
    }
    lab.clock.advance(0.5)
    assert api.get(key=value).status_code == 200
    assert entry(lab, "throttle").details["tokens"] == {
        "usage plan": 2.0,
        "stage": 0.0,
        "account": 4999.0,
    }


# ---------------------------------------------------------------------------------- key sources


KEY_AUTHORIZER = """
def handler(event, context):
    token = event["authorizationToken"]
    answer = {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
    if token.startswith("key="):
        answer["usageIdentifierKey"] = token[4:]
    return answer
"""


def test_api_key_from_a_token_authorizer(kit: Any, lab: Any) -> None:
    api = Rest(kit, methods=(), stages=(), apiKeySource="AUTHORIZER")
    assert kit.apigw.get_rest_api(restApiId=api.api_id)["apiKeySource"] == "AUTHORIZER"
    fn = kit.function(KEY_AUTHORIZER)
    authorizer = kit.apigw.create_authorizer(
        restApiId=api.api_id,
        name="keys",
        type="TOKEN",
        identitySource="method.request.header.Authorization",
        authorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations",
        authorizerResultTtlInSeconds=0,
    )["id"]
    kit.permit(
        fn,
        api.api_id,
        source_arn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.api_id}/authorizers/{authorizer}",
    )
    api.mock(
        "/pets", "GET", authorizationType="CUSTOM", authorizerId=authorizer, apiKeyRequired=True
    )
    kit.deploy(api.api_id, "prod")
    key_id, value = api.key("alpha")
    _, stranger = api.key("stranger")
    api.plan("gold", keys=(key_id,), throttle={"rateLimit": 1, "burstLimit": 2})

    resp = api.get(Authorization=f"key={value}")
    assert resp.status_code == 200
    assert resp.json() == {"apiKey": value, "apiKeyId": key_id}
    found = entry(lab, "api-key")
    assert found.decision == f"key ****{value[-4:]} in usage plan gold"
    assert found.details == {"source": "AUTHORIZER"}
    # the header is not read when the authorizer is the source
    resp = api.get(key=value, Authorization="nothing")
    assert resp.status_code == 403
    refused(resp, FORBIDDEN, "ForbiddenException")
    reason = entry(lab, "gateway-response").details["reason"]
    assert reason.startswith("no API key (the authorizer's usageIdentifierKey)")
    assert reason.endswith("[apiKeySource AUTHORIZER]")
    # a key the authorizer names but no plan holds
    resp = api.get(Authorization=f"key={stranger}")
    assert resp.status_code == 403
    assert "is in no usage plan" in entry(lab, "gateway-response").details["reason"]
    # the plan's throttle (burst 2) counts the authorizer's key
    assert api.get(Authorization=f"key={value}").status_code == 200
    assert_throttled(api.get(Authorization=f"key={value}"))
    assert entry(lab, "throttle").decision == "usage plan bucket empty"


ECHO_EVENT = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}
"""


def test_api_key_in_the_lambda_proxy_event_only_when_required(kit: Any) -> None:
    api = kit.proxy_api(ECHO_EVENT, routes=(("GET", "/keyed"), ("GET", "/open")), deploy=False)
    rid = api.resources["/keyed"]
    kit.apigw.update_method(
        restApiId=api.api_id,
        resourceId=rid,
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}],
    )
    kit.deploy(api.api_id, "prod")
    value = key_value("alpha")
    key_id = kit.apigw.create_api_key(name="alpha", enabled=True, value=value)["id"]
    plan_id = kit.apigw.create_usage_plan(
        name="gold", apiStages=[{"apiId": api.api_id, "stage": "prod"}]
    )["id"]
    kit.apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")

    keyed = requests.get(api.url("/keyed"), headers={"x-api-key": value})
    assert keyed.status_code == 200
    identity = keyed.json()
    assert (identity["apiKey"], identity["apiKeyId"]) == (value, key_id)
    open_ = requests.get(api.url("/open"), headers={"x-api-key": value})
    assert open_.status_code == 200
    identity = open_.json()
    assert identity.get("apiKey") is None
    assert identity.get("apiKeyId") is None
    assert requests.get(api.url("/keyed")).status_code == 403


# ---------------------------------------------------------------------------------- HTTP APIs

HELLO = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hi'}\n"


def http_api(http_kit: Any, **stage_kwargs: Any) -> Any:
    fn = http_kit.function(HELLO)
    api_id = http_kit.api()
    integration = http_kit.lambda_integration(api_id, fn)
    for route_key in ("GET /pets", "GET /toys"):
        http_kit.route(api_id, route_key, integration)
    http_kit.permit(fn, api_id)
    http_kit.stage(api_id, "$default", AutoDeploy=True, **stage_kwargs)
    return api_id


def assert_http_throttled(resp: requests.Response) -> None:
    assert resp.status_code == 429
    refused(resp, TOO_MANY, None)  # HTTP APIs send no x-amzn-ErrorType


def test_http_api_route_and_default_route_settings(http_kit: Any, lab: Any) -> None:
    api_id = http_api(
        http_kit,
        DefaultRouteSettings={"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 2},
        RouteSettings={"GET /pets": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}},
    )

    def get(path: str) -> requests.Response:
        return requests.get(http_kit.url(api_id, "$default", path))

    assert get("/pets").status_code == 200
    assert entry(lab, "throttle").details["tokens"] == {"route": 0.0, "account": 4999.0}
    resp = get("/pets")
    assert_http_throttled(resp)
    assert entry(lab, "throttle").decision == "route bucket empty"
    assert entry(lab, "gateway-response").details["reason"] == (
        "stage $default route settings 'GET /pets': no token left (rate 1/s, burst 1)"
    )
    # GET /toys: the default route settings, in a bucket of its own
    assert statuses(lambda: get("/toys"), 2) == [200, 200]
    assert_http_throttled(get("/toys"))
    assert entry(lab, "gateway-response").details["reason"] == (
        "stage $default default route settings: no token left (rate 1/s, burst 2)"
    )
    lab.clock.advance(1)
    assert get("/pets").status_code == 200
    assert_http_throttled(get("/pets"))


def test_http_api_route_settings_by_update_stage(http_kit: Any, lab: Any) -> None:
    api_id = http_api(http_kit)

    def get(path: str) -> requests.Response:
        return requests.get(http_kit.url(api_id, "$default", path))

    assert statuses(lambda: get("/pets"), 5) == [200] * 5
    http_kit.v2.update_stage(
        ApiId=api_id,
        StageName="$default",
        DefaultRouteSettings={"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1},
    )
    assert statuses(lambda: get("/toys"), 2) == [200, 429]
    stage = http_kit.v2.update_stage(
        ApiId=api_id,
        StageName="$default",
        RouteSettings={"GET /pets": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 3}},
    )
    assert stage["RouteSettings"]["GET /pets"]["ThrottlingBurstLimit"] == 3
    assert statuses(lambda: get("/pets"), 4) == [200, 200, 200, 429]
    assert_http_throttled(get("/pets"))


def test_the_account_bucket_is_shared_by_rest_and_http_apis(
    kit: Any, http_kit: Any, lab: Any, account_limits: Any
) -> None:
    rest = Rest(kit, methods=(("GET", "/pets", False),))
    http_id = http_api(http_kit)
    account_limits(1, 3)

    def http_get() -> requests.Response:
        return requests.get(http_kit.url(http_id, "$default", "/pets"))

    assert rest.get().status_code == 200
    assert http_get().status_code == 200
    assert rest.get().status_code == 200
    assert entry(lab, "throttle").details["tokens"] == {"account": 0.0}
    assert_http_throttled(http_get())
    assert entry(lab, "throttle").decision == "account bucket empty"
    assert_throttled(rest.get())
    assert entry(lab, "throttle").decision == "account bucket empty"
    lab.clock.advance(1)
    assert http_get().status_code == 200
    assert_throttled(rest.get())
