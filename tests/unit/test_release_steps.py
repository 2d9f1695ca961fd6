"""Unit tests of the release steps and their rules: base path mapping selection, the canary
split and overlay, the canary and custom-domain steps on a bare context, DNS routing
policies, health-check status changes, the invoked Lambda ARN."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from helpers.gateway import canary as canaries
from helpers.gateway.custom_domains import DomainMatch, Mapping, select
from helpers.gateway.dns import Resolver, latency_ms
from helpers.gateway.errors import Forbidden
from helpers.gateway.health_checks import HealthCheckers
from helpers.gateway.http import HttpRequest, HttpResponse
from helpers.gateway.integrations.lambda_invoke import invoked_arn
from helpers.gateway.moto_stages import normal_canary
from helpers.gateway.steps import custom_domain
from helpers.gateway.trace import Trace, TraceLog

ACCOUNT = "123456789012"

# ---------------------------------------------------------------------------------- mappings

DG_EXAMPLE = [
    Mapping("", "api1", "prod"),
    Mapping("orders/v1/items", "api2", "prod"),
    Mapping("orders/v2/items", "api3", "prod"),
    Mapping("orders/v2/items/categories", "api4", "prod"),
]


@pytest.mark.parametrize(
    ("path", "api", "rest"),
    [
        ("/orders/v1/items/123", "api2", "/123"),
        ("/orders/v2/items/categories/5", "api4", "/5"),
        ("/orders/v2/items", "api3", "/"),
        ("/orders/v2/items/", "api3", "/"),
        ("/customers", "api1", "/customers"),
        ("/", "api1", "/"),
    ],
)
def test_the_longest_mapping_wins_then_none(path: str, api: str, rest: str) -> None:
    found = select(DG_EXAMPLE, path)
    assert found is not None
    mapping, remaining = found
    assert (mapping.api_id, remaining) == (api, rest)


def test_keys_match_whole_segments() -> None:
    mappings = [Mapping("v1", "a", "prod")]
    assert select(mappings, "/v10/items") is None
    assert select(mappings, "/v1x") is None
    assert select(mappings, "/v1")[1] == "/"  # type: ignore[index]


def test_no_mapping_and_no_empty_mapping_is_none() -> None:
    assert select([Mapping("v1", "a", "prod")], "/v2/x") is None
    assert select([], "/") is None


def test_the_rest_keeps_its_encoding_and_keys_compare_decoded() -> None:
    mappings = [Mapping("v1", "a", "prod"), Mapping("caf\u00e9", "b", "prod")]
    assert select(mappings, "/v1/a%20b")[1] == "/a%20b"  # type: ignore[index]
    assert select(mappings, "/caf%C3%A9/x")[0].api_id == "b"  # type: ignore[index]


# ---------------------------------------------------------------------------------- canary


def test_the_split_is_seeded_and_proportional() -> None:
    split = canaries.TrafficSplit(7)
    draws = [split.draw() for _ in range(2000)]
    assert all(0 <= d < 100 for d in draws)
    share = sum(canaries.chooses_canary(10, d) for d in draws) / len(draws)
    assert 0.08 < share < 0.12
    split.reseed(7)
    assert [split.draw() for _ in range(5)] == draws[:5]
    assert canaries.TrafficSplit(8).draw() != draws[0]


def test_zero_and_hundred_percent() -> None:
    assert not canaries.chooses_canary(0, 0.0)
    assert canaries.chooses_canary(100, 99.999)


def test_overrides_lie_over_the_stage_variables() -> None:
    got = canaries.canary_variables(
        {"a": "1", "b": "2"}, {"stageVariableOverrides": {"b": "canary", "c": "new"}}
    )
    assert got == {"a": "1", "b": "canary", "c": "new"}
    assert canaries.canary_variables({"a": "1"}, {}) == {"a": "1"}


def test_canary_settings_take_awss_defaults() -> None:
    assert normal_canary({}, "dep1") == {
        "deploymentId": "dep1",
        "percentTraffic": 0.0,
        "useStageCache": False,
    }
    got = normal_canary({"percentTraffic": "12.5", "stageVariableOverrides": {"x": 1}}, "d")
    assert got["percentTraffic"] == 12.5 and got["stageVariableOverrides"] == {"x": "1"}


def _ctx(stage_raw: Any, draw: float) -> Any:
    from helpers.gateway.context import StageView

    plane = SimpleNamespace(
        traffic_split=SimpleNamespace(draw=lambda: draw),
        snapshots=SimpleNamespace(for_stage=lambda api, dep: f"snapshot {dep}"),
    )
    return SimpleNamespace(
        stage=StageView("prod", "base", {"v": "1"}, {}, None, raw=stage_raw),
        plane=plane,
        rest_api=None,
        deployment="snapshot base",
        canary=False,
        trace=Trace("r"),
    )


def test_the_canary_step_sends_a_low_draw_to_the_canary() -> None:
    from helpers.gateway.steps import canary as step

    raw = SimpleNamespace(
        canary_settings={
            "deploymentId": "next",
            "percentTraffic": 10.0,
            "stageVariableOverrides": {"v": "2"},
        }
    )
    ctx = _ctx(raw, 3.0)
    step.step(ctx)
    assert ctx.canary and ctx.deployment == "snapshot next"
    assert ctx.stage.variables == {"v": "2"} and ctx.stage.deployment_id == "next"
    assert ctx.trace.entries[-1].decision.startswith("canary deployment next")
    ctx = _ctx(raw, 50.0)
    step.step(ctx)
    assert not ctx.canary and ctx.deployment == "snapshot base"
    assert ctx.stage.variables == {"v": "1"}


def test_the_canary_step_does_nothing_without_a_canary() -> None:
    from helpers.gateway.steps import canary as step

    ctx = _ctx(SimpleNamespace(canary_settings=None), 0.0)
    step.step(ctx)
    assert not ctx.canary and ctx.trace.entries == []


# ---------------------------------------------------------------------------------- host step


def _host_ctx(host: str, match: DomainMatch | None) -> Any:
    return SimpleNamespace(
        api_id="abc",
        region="us-east-1",
        request=HttpRequest("GET", host, "/v1/x"),
        custom_domain=match,
        domain_name="",
        base_path_matched="",
        trace=Trace("r"),
    )


def test_the_host_step_notes_an_execute_api_host_without_a_trace() -> None:
    ctx = _host_ctx("abc.execute-api.us-east-1.amazonaws.com:443", None)
    custom_domain.step(ctx)
    assert ctx.domain_name == "abc.execute-api.us-east-1.amazonaws.com"
    assert ctx.trace.entries == []


def test_the_host_step_records_the_mapping() -> None:
    match = DomainMatch(
        "api.example.com", "us-east-1", "REGIONAL", Mapping("v1", "a", "prod"), "/x"
    )
    ctx = _host_ctx("api.example.com", match)
    custom_domain.step(ctx)
    assert (ctx.domain_name, ctx.base_path_matched) == ("api.example.com", "v1")
    assert ctx.trace.entries[0].step == "custom-domain"


def test_the_host_step_refuses_an_unmapped_path() -> None:
    match = DomainMatch("api.example.com", "us-east-1", "REGIONAL", None, "/v2", reason="none")
    with pytest.raises(Forbidden):
        custom_domain.step(_host_ctx("api.example.com", match))


# ---------------------------------------------------------------------------------- lambda


@pytest.mark.parametrize(
    ("name", "arn"),
    [
        ("greeter", "arn:aws:lambda:us-east-1:123456789012:function:greeter"),
        ("greeter:prod", "arn:aws:lambda:us-east-1:123456789012:function:greeter:prod"),
        ("greeter:$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:greeter"),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:greeter:7",
            "arn:aws:lambda:us-east-1:123456789012:function:greeter:7",
        ),
    ],
)
def test_the_invoked_arn_keeps_the_qualifier(name: str, arn: str) -> None:
    fn = SimpleNamespace(region="us-east-1", account_id=ACCOUNT, function_name="greeter")
    assert invoked_arn(name, fn) == arn


# ---------------------------------------------------------------------------------- DNS


def test_latency_estimates() -> None:
    assert latency_ms("us-east-1", "us-east-1") == 5.0
    assert latency_ms("ap-northeast-2", "ap-northeast-1") < latency_ms(
        "ap-northeast-2", "us-east-1"
    )
    assert latency_ms("eu-west-1", "us-east-1") == latency_ms("us-east-1", "eu-west-1")


def _zone() -> str:
    return boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="z")[
        "HostedZone"
    ]["Id"]


def _records(zone: str, *sets: dict[str, Any]) -> None:
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": s} for s in sets]},
    )


def _cname(name: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": "CNAME",
        "TTL": 60,
        "ResourceRecords": [{"Value": value}],
        **extra,
    }


class FakeHealth:
    def __init__(self, **status: bool) -> None:
        self.status = status

    def healthy(self, check_id: str) -> bool:
        return self.status.get(check_id, True)


def test_names_outside_every_zone_are_not_claimed(moto_env: None) -> None:
    _zone()
    dns = Resolver(ACCOUNT)
    assert dns.claims("api.example.com") and dns.claims("example.com")
    assert not dns.claims("example.org") and not dns.claims("127.0.0.1")
    assert not dns.claims("abc.execute-api.us-east-1.amazonaws.com")
    assert dns.resolve("www.example.org") is None


def test_a_name_without_a_record_does_not_resolve(moto_env: None) -> None:
    _zone()
    answer = Resolver(ACCOUNT).resolve("api.example.com")
    assert answer is not None and answer.target is None
    assert "NXDOMAIN" in answer.steps[0]


def test_cnames_and_wildcards_are_followed(moto_env: None) -> None:
    zone = _zone()
    _records(zone, _cname("*.example.com", "d-abc.execute-api.us-east-1.amazonaws.com"))
    answer = Resolver(ACCOUNT).resolve("anything.example.com")
    assert answer.target == "d-abc.execute-api.us-east-1.amazonaws.com"  # type: ignore[union-attr]


def test_failover_takes_the_secondary_when_the_primary_is_unhealthy(moto_env: None) -> None:
    zone = _zone()
    _records(
        zone,
        _cname(
            "api.example.com",
            "primary.aws",
            SetIdentifier="a",
            Failover="PRIMARY",
            HealthCheckId="hc1",
        ),
        _cname("api.example.com", "secondary.aws", SetIdentifier="b", Failover="SECONDARY"),
    )
    assert (
        Resolver(ACCOUNT, FakeHealth(hc1=True)).resolve("api.example.com").target == "primary.aws"
    )  # type: ignore[union-attr]
    assert (
        Resolver(ACCOUNT, FakeHealth(hc1=False)).resolve("api.example.com").target
        == "secondary.aws"
    )  # type: ignore[union-attr]


def test_latency_picks_the_nearest_healthy_region(moto_env: None) -> None:
    zone = _zone()
    _records(
        zone,
        _cname(
            "api.example.com",
            "tokyo.aws",
            SetIdentifier="t",
            Region="ap-northeast-1",
            HealthCheckId="t",
        ),
        _cname("api.example.com", "virginia.aws", SetIdentifier="v", Region="us-east-1"),
    )
    dns = Resolver(ACCOUNT, FakeHealth())
    dns.client_region = "ap-southeast-1"
    assert dns.resolve("api.example.com").target == "tokyo.aws"  # type: ignore[union-attr]
    dns.health = FakeHealth(t=False)
    assert dns.resolve("api.example.com").target == "virginia.aws"  # type: ignore[union-attr]


def test_weighted_records_follow_their_weights(moto_env: None) -> None:
    zone = _zone()
    _records(
        zone,
        _cname("api.example.com", "a.aws", SetIdentifier="a", Weight=1),
        _cname("api.example.com", "b.aws", SetIdentifier="b", Weight=9),
        _cname("api.example.com", "c.aws", SetIdentifier="c", Weight=0),
    )
    dns = Resolver(ACCOUNT, seed=3)
    counts = Counter(dns.resolve("api.example.com").target for _ in range(500))  # type: ignore[union-attr]
    assert counts["c.aws"] == 0 and 25 <= counts["a.aws"] <= 75


# ---------------------------------------------------------------------------------- health


class FakePlane:
    """What the health checkers use of a data plane: a clock, handle(), traces."""

    def __init__(self) -> None:
        self.account_id = ACCOUNT
        self.now = 1_000_000.0
        self.status = 200
        self.calls = 0
        self.traces = TraceLog()
        self.clock = SimpleNamespace(now=lambda: self.now)

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.calls += 1
        self.traces.append(Trace(f"probe-{self.calls}"))
        return HttpResponse(self.status, [], b"all good")


def _check(at: float = 1_000_000.0, **config: Any) -> str:
    from helpers.gateway import control_plane

    defaults = {
        "Type": "HTTPS",
        "FullyQualifiedDomainName": "api.example.com",
        "ResourcePath": "/h",
    }
    check_id = boto3.client("route53").create_health_check(
        CallerReference=str(len(config)), HealthCheckConfig={**defaults, **config}
    )["HealthCheck"]["Id"]
    control_plane.health_check(ACCOUNT, check_id).apigw_lab_created = at  # probes start here
    return check_id


def test_a_check_turns_unhealthy_after_the_threshold(moto_env: None) -> None:
    plane = FakePlane()
    checkers = HealthCheckers(plane)
    check = _check(RequestInterval=30, FailureThreshold=3)
    checkers.healthy(check)  # first sight: starts healthy, no probe yet
    plane.status = 500
    for seconds, expected in ((30, True), (60, True), (90, False)):
        plane.now = 1_000_000.0 + seconds
        checkers.on_clock(plane.now)
        assert checkers.healthy(check) is expected, seconds
    plane.status = 200
    plane.now += 3_600  # an hour's jump costs at most FailureThreshold probes
    calls = plane.calls
    checkers.on_clock(plane.now)
    assert plane.calls == calls + 1 and checkers.healthy(check)
    assert len(plane.traces.last(10)) == 0  # probes leave no trace behind


def test_inverted_disabled_and_string_match(moto_env: None) -> None:
    plane = FakePlane()
    checkers = HealthCheckers(plane)
    inverted = _check(Inverted=True)
    assert not checkers.healthy(inverted)
    matching = _check(
        Type="HTTPS_STR_MATCH", SearchString="good", RequestInterval=10, FailureThreshold=1
    )
    missing = _check(
        Type="HTTPS_STR_MATCH", SearchString="bad", RequestInterval=10, FailureThreshold=1
    )
    for check in (matching, missing):
        checkers.healthy(check)
    plane.now += 10
    checkers.on_clock(plane.now)
    assert checkers.healthy(matching) and not checkers.healthy(missing)
    boto3.client("route53").update_health_check(HealthCheckId=missing, Disabled=True)
    assert checkers.healthy(missing)


def test_a_calculated_check_counts_its_children(moto_env: None) -> None:
    plane = FakePlane()
    checkers = HealthCheckers(plane)
    up, down = _check(), _check(Inverted=True)
    calculated = boto3.client("route53").create_health_check(
        CallerReference="calc",
        HealthCheckConfig={
            "Type": "CALCULATED",
            "ChildHealthChecks": [up, down],
            "HealthThreshold": 1,
        },
    )["HealthCheck"]["Id"]
    assert checkers.healthy(calculated)
    boto3.client("route53").update_health_check(HealthCheckId=calculated, HealthThreshold=2)
    assert not checkers.healthy(calculated)


# ---------------------------------------------------------------------------------- timelines


def _run(outcomes: list[Any], seconds: float) -> Any:
    from helpers.traffic import Simulation

    return Simulation(outcomes, seconds, [])


def test_concat_shifts_each_run_after_the_last() -> None:
    from helpers.traffic import Outcome, concat

    first = _run([Outcome(0.0, "a", 200, "ok"), Outcome(9.0, "a", 200, "ok")], 10)
    second = _run([Outcome(1.0, "b", 502, "status 502", canary=True)], 5)
    joined = concat(first, second)
    assert joined.seconds == 15 and [o.t for o in joined.outcomes] == [0.0, 9.0, 11.0]
    assert joined.clients == []  # the runs above name no clients


def test_per_deployment_and_per_region_slots() -> None:
    from helpers.traffic import Outcome

    run = _run(
        [
            Outcome(0.0, "c", 200, "ok", deployment="a", region="us-east-1"),
            Outcome(1.0, "c", 200, "ok", deployment="b", canary=True, region="us-east-1"),
            Outcome(6.0, "c", 200, "ok", deployment="a", region="ap-northeast-1"),
            Outcome(7.0, "c", 0, "name does not resolve"),
        ],
        10,
    )
    assert run.per_deployment(width=5) == {"t": [0, 5], "?": [0, 1], "a": [1, 1], "b (canary)": [1, 0]}
    assert run.per_deployment(width=5, by="region")["ap-northeast-1"] == [0, 1]
    assert run.per_second(width=5)["accepted"] == [2, 1]  # status 0 is not an answer


def test_the_release_figures_have_titles_and_labels() -> None:
    from helpers.plots import releases
    from helpers.traffic import Outcome

    run = _run(
        [
            Outcome(10.0, "c", 200, "ok", deployment="a", region="ap-northeast-1"),
            Outcome(70.0, "c", 503, "status 503", deployment="a", region="ap-northeast-1"),
            Outcome(75.0, "c", 502, "status 502", deployment="b", canary=True, region="us-east-1"),
        ],
        120,
    )
    counts = releases.rollout_counts(run)
    assert counts == {
        "stage": [1, 1],
        "canary": [0, 1],
        "stage_5xx": [0, 1],
        "canary_5xx": [0, 1],
        "t": [0, 60],
    }
    assert releases.failover_counts(run, 60)["ap-northeast-1 5xx"] == [0, 1]
    for figure in (releases.rollout(run, [(60, "x")]), releases.failover(run, [(60, "y")])):
        ax = figure.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
