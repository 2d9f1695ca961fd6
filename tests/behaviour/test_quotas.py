"""Usage-plan quotas on the lab clock, and the usage reports (reference §1.5): the 429
``Limit Exceeded`` answer, DAY/WEEK/MONTH periods that end exactly at the UTC calendar
boundary (weeks on Sunday [unc]), the offset in the initial period [unc], quota before
throttle, and ``get_usage`` / ``update_usage`` answered from the real counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

LIMIT_EXCEEDED = b'{"message":"Limit Exceeded"}'


@pytest.fixture(autouse=True)
def frozen(fresh_lab: Any) -> Iterator[Any]:
    fresh_lab.clock.freeze("2025-03-05T10:00:00Z")  # a Wednesday
    yield fresh_lab


class Keyed:
    """A REST API whose MOCK methods answer 200; ``/pets`` requires an API key, ``/open``
    does not. Deployed to ``prod`` and ``dev``."""

    def __init__(self, kit: Any) -> None:
        self.kit = kit
        self.apigw = kit.apigw
        self.api_id = kit.rest_api("quotas", endpoint="REGIONAL")
        for path, key_required in (("/pets", True), ("/open", False)):
            rid = kit.resource(self.api_id, path)
            self.apigw.put_method(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod="GET",
                authorizationType="NONE",
                apiKeyRequired=key_required,
            )
            self.apigw.put_integration(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod="GET",
                type="MOCK",
                requestTemplates={"application/json": '{"statusCode": 200}'},
            )
            self.apigw.put_method_response(
                restApiId=self.api_id, resourceId=rid, httpMethod="GET", statusCode="200"
            )
            self.apigw.put_integration_response(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod="GET",
                statusCode="200",
                responseTemplates={"application/json": '{"ok": true}'},
            )
        for stage in ("prod", "dev"):
            kit.deploy(self.api_id, stage)
        self.keys: dict[str, tuple[str, str]] = {}

    def plan(
        self,
        *,
        keys: tuple[str, ...] = ("alpha",),
        stages: tuple[str, ...] = ("prod",),
        **limits: Any,
    ) -> str:
        """A usage plan with ``limits`` (quota=, throttle=) holding new keys named ``keys``."""
        plan_id = self.apigw.create_usage_plan(
            name="gold", apiStages=[{"apiId": self.api_id, "stage": s} for s in stages], **limits
        )["id"]
        for name in keys:
            value = ("labkey" + name).ljust(24, "0")
            key_id = self.apigw.create_api_key(name=name, enabled=True, value=value)["id"]
            self.apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
            self.keys[name] = (key_id, value)
        return plan_id

    def key_id(self, name: str = "alpha") -> str:
        return self.keys[name][0]

    def get(self, name: str = "alpha", path: str = "/pets", stage: str = "prod") -> Any:
        url = self.kit.url(self.api_id, stage, path)
        return requests.get(url, headers={"x-api-key": self.keys[name][1]})

    def usage(self, plan_id: str, start: str, end: str, **kwargs: Any) -> dict[str, Any]:
        return self.apigw.get_usage(usagePlanId=plan_id, startDate=start, endDate=end, **kwargs)


def entry(lab: Any, step: str) -> Any:
    return next((e for e in lab.last_trace().entries if e.step == step), None)


def assert_over_quota(resp: requests.Response) -> None:
    assert resp.status_code == 429
    assert resp.content == LIMIT_EXCEEDED
    assert resp.headers["x-amzn-ErrorType"] == "LimitExceededException"


def error_code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


# ---------------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "start", "last_second"),
    [
        ("DAY", "2025-03-05T10:00:00Z", "2025-03-05T23:59:59Z"),
        ("WEEK", "2025-03-05T10:00:00Z", "2025-03-08T23:59:59Z"),  # Wednesday → Saturday
        ("MONTH", "2025-02-10T10:00:00Z", "2025-02-28T23:59:59Z"),
    ],
)
def test_quota_is_429_until_the_period_ends(
    kit: Any, lab: Any, period: str, start: str, last_second: str
) -> None:
    lab.clock.freeze(start)
    api = Keyed(kit)
    api.plan(quota={"limit": 2, "period": period})
    value = api.keys["alpha"][1]
    assert api.get().status_code == 200
    assert entry(lab, "throttle").details["quota_left"] == 1
    assert api.get().status_code == 200
    assert entry(lab, "throttle").details["quota_left"] == 0
    assert_over_quota(api.get())
    answer = entry(lab, "gateway-response")
    assert answer.decision == "QUOTA_EXCEEDED"
    assert answer.details["reason"] == (
        f"key ****{value[-4:]} used its quota of 2 per {period} in usage plan gold"
    )
    assert entry(lab, "integration") is None
    lab.clock.freeze(last_second)
    assert_over_quota(api.get())
    lab.clock.advance(1)  # the first second of the next period
    assert api.get().status_code == 200
    assert entry(lab, "throttle").details["quota_left"] == 1


def test_each_key_has_its_own_quota_across_the_plans_stages(kit: Any) -> None:
    api = Keyed(kit)
    api.plan(keys=("alpha", "bravo"), stages=("prod", "dev"), quota={"limit": 2, "period": "DAY"})
    assert api.get(stage="prod").status_code == 200
    assert api.get(stage="dev").status_code == 200
    assert_over_quota(api.get(stage="prod"))
    assert_over_quota(api.get(stage="dev"))
    assert api.get("bravo").status_code == 200


def test_offset_is_subtracted_in_the_initial_period_only(kit: Any, lab: Any) -> None:
    api = Keyed(kit)
    api.plan(quota={"limit": 3, "offset": 2, "period": "DAY"})
    assert api.get().status_code == 200
    assert entry(lab, "throttle").details["quota_left"] == 0
    assert_over_quota(api.get())
    lab.clock.freeze("2025-03-06T00:00:00Z")
    assert [api.get().status_code for _ in range(4)] == [200, 200, 200, 429]


# ---------------------------------------------------------------------------------- with throttle


def test_the_quota_is_checked_before_the_throttle(kit: Any, lab: Any) -> None:
    api = Keyed(kit)
    api.plan(quota={"limit": 1, "period": "DAY"}, throttle={"rateLimit": 1, "burstLimit": 1})
    assert api.get().status_code == 200
    # both the quota and the bucket are spent: the quota answers
    assert_over_quota(api.get())
    assert entry(lab, "gateway-response").decision == "QUOTA_EXCEEDED"
    assert entry(lab, "throttle") is None


def test_throttled_requests_do_not_count_against_the_quota(kit: Any, lab: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(
        quota={"limit": 3, "period": "DAY"}, throttle={"rateLimit": 1, "burstLimit": 1}
    )
    assert api.get().status_code == 200
    for _ in range(3):
        resp = api.get()
        assert resp.status_code == 429
        assert resp.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    lab.clock.advance(1)
    assert api.get().status_code == 200
    assert entry(lab, "throttle").details["quota_left"] == 1
    usage = api.usage(plan_id, "2025-03-05", "2025-03-05")
    assert usage["items"] == {api.key_id(): [[2, 1]]}


# ---------------------------------------------------------------------------------- get_usage


def test_get_usage_daily_pairs_for_a_range(kit: Any, lab: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(keys=("alpha", "bravo"), quota={"limit": 5, "period": "DAY"})
    for name, day, n in (("alpha", "05", 2), ("bravo", "06", 1), ("alpha", "07", 1)):
        lab.clock.freeze(f"2025-03-{day}T09:00:00Z")
        for _ in range(n):
            assert api.get(name).status_code == 200
    usage = api.usage(plan_id, "2025-03-04", "2025-03-07")
    assert (usage["usagePlanId"], usage["startDate"], usage["endDate"]) == (
        plan_id,
        "2025-03-04",
        "2025-03-07",
    )
    assert usage["items"] == {
        api.key_id("alpha"): [[0, 5], [2, 3], [0, 5], [1, 4]],
        api.key_id("bravo"): [[0, 5], [0, 5], [1, 4], [0, 5]],
    }
    one = api.usage(plan_id, "2025-03-05", "2025-03-06", keyId=api.key_id("bravo"))
    assert one["items"] == {api.key_id("bravo"): [[0, 5], [1, 4]]}


def test_get_usage_remaining_is_what_is_left_of_the_week(kit: Any, lab: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 10, "period": "WEEK"})
    for day, n in (("06", 2), ("07", 3), ("09", 1)):
        lab.clock.freeze(f"2025-03-{day}T09:00:00Z")
        for _ in range(n):
            assert api.get().status_code == 200
    usage = api.usage(plan_id, "2025-03-06", "2025-03-09")
    # Thursday, Friday, Saturday, then Sunday starts a new week [unc]
    assert usage["items"] == {api.key_id(): [[2, 8], [3, 5], [0, 5], [1, 9]]}


def test_usage_counts_only_methods_that_require_a_key(kit: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 5, "period": "DAY"})
    for _ in range(3):
        assert api.get(path="/open").status_code == 200
    assert api.get().status_code == 200
    assert api.usage(plan_id, "2025-03-05", "2025-03-05")["items"] == {api.key_id(): [[1, 4]]}


# ---------------------------------------------------------------------------------- update_usage


def test_update_usage_extends_the_current_period(kit: Any, lab: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 2, "period": "DAY"})
    assert [api.get().status_code for _ in range(3)] == [200, 200, 429]
    answer = api.apigw.update_usage(
        usagePlanId=plan_id,
        keyId=api.key_id(),
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "3"}],
    )
    assert (answer["usagePlanId"], answer["startDate"], answer["endDate"]) == (
        plan_id,
        "2025-03-05",
        "2025-03-05",
    )
    assert answer["items"] == {api.key_id(): [[2, 3]]}
    assert [api.get().status_code for _ in range(4)] == [200, 200, 200, 429]
    assert api.usage(plan_id, "2025-03-05", "2025-03-05")["items"] == {api.key_id(): [[5, 0]]}
    # the extension ends with the period
    lab.clock.freeze("2025-03-06T00:00:00Z")
    assert [api.get().status_code for _ in range(3)] == [200, 200, 429]


def test_update_usage_can_lower_what_remains(kit: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 5, "period": "DAY"})
    api.apigw.update_usage(
        usagePlanId=plan_id,
        keyId=api.key_id(),
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}],
    )
    assert [api.get().status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/used", "value": "3"},
        {"op": "add", "path": "/remaining", "value": "3"},
        {"op": "replace", "path": "/remaining", "value": "many"},
    ],
)
def test_update_usage_refuses_other_patches(kit: Any, operation: dict[str, str]) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 5, "period": "DAY"})
    with pytest.raises(ClientError) as err:
        api.apigw.update_usage(usagePlanId=plan_id, keyId=api.key_id(), patchOperations=[operation])
    assert error_code(err) == "BadRequestException"


def test_update_usage_needs_a_quota(kit: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(throttle={"rateLimit": 5, "burstLimit": 5})
    with pytest.raises(ClientError) as err:
        api.apigw.update_usage(
            usagePlanId=plan_id,
            keyId=api.key_id(),
            patchOperations=[{"op": "replace", "path": "/remaining", "value": "3"}],
        )
    assert error_code(err) == "BadRequestException"


def test_unknown_plans_and_keys_are_not_found(kit: Any) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 5, "period": "DAY"})
    replace = [{"op": "replace", "path": "/remaining", "value": "3"}]
    with pytest.raises(ClientError) as err:
        api.usage("nosuchplan", "2025-03-05", "2025-03-05")
    assert error_code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        api.apigw.update_usage(
            usagePlanId="nosuchplan", keyId=api.key_id(), patchOperations=replace
        )
    assert error_code(err) == "NotFoundException"
    with pytest.raises(ClientError) as err:
        api.apigw.update_usage(usagePlanId=plan_id, keyId="nosuchkey", patchOperations=replace)
    assert error_code(err) == "NotFoundException"


@pytest.mark.parametrize(("start", "end"), [("2025-03-06", "2025-03-05"), ("05/03/2025", "x")])
def test_get_usage_refuses_bad_dates(kit: Any, start: str, end: str) -> None:
    api = Keyed(kit)
    plan_id = api.plan(quota={"limit": 5, "period": "DAY"})
    with pytest.raises(ClientError) as err:
        api.usage(plan_id, start, end)
    assert error_code(err) == "BadRequestException"
