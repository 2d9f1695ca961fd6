"""The traffic simulator (helpers/traffic.py): when each client sends, and what a simulated
load through a throttled, quota'd stage produces, request by request, on the lab clock."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.traffic import Client, Outcome, Simulation, simulate

START = "2025-03-05T12:00:00Z"

# ---------------------------------------------------------------------------------- arrivals


def test_arrivals_are_evenly_spaced_from_zero() -> None:
    assert Client("a", rate=2).arrivals(3) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert Client("a", rate=1).arrivals(3) == [0.0, 1.0, 2.0]
    assert Client("a").arrivals(0) == []


def test_arrivals_at_a_rate_that_is_not_a_whole_fraction() -> None:
    assert Client("a", rate=3).arrivals(1) == [0.0, 0.333333333, 0.666666667]
    assert len(Client("a", rate=3).arrivals(10)) == 30
    assert Client("a", rate=0.5).arrivals(5) == [0.0, 2.0, 4.0]


def test_arrivals_start_and_duration() -> None:
    assert Client("a", rate=2, start=1, duration=1).arrivals(10) == [1.0, 1.5]
    # the simulation's end cuts a longer duration short
    assert Client("a", rate=1, start=2, duration=10).arrivals(4) == [2.0, 3.0]
    assert Client("a", rate=1, start=5).arrivals(4) == []


def test_bursts_add_requests_at_once_and_stay_sorted() -> None:
    client = Client("a", rate=1, bursts=((1.5, 3), (5.0, 2), (-1.0, 1)))
    # bursts outside [0, seconds) are dropped
    assert client.arrivals(3) == [0.0, 1.0, 1.5, 1.5, 1.5, 2.0]
    assert Client("b", rate=0, bursts=((0, 3), (2, 1))).arrivals(3) == [0.0, 0.0, 0.0, 2.0]


# ---------------------------------------------------------------------------------- the stage


class Stage:
    """A REST API: ``GET /pets`` needs a key of plan gold (rate 2, burst 4, 10 a day);
    ``GET /open`` needs none and has stage method settings rate 1, burst 1; ``GET /free``
    has stage method settings rate 2, burst 4."""

    def __init__(self, kit: Any) -> None:
        apigw = kit.apigw
        self.api_id = kit.rest_api("traffic", endpoint="REGIONAL")
        for path, key_required in (("/pets", True), ("/open", False), ("/free", False)):
            rid = kit.resource(self.api_id, path)
            apigw.put_method(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod="GET",
                authorizationType="NONE",
                apiKeyRequired=key_required,
            )
            apigw.put_integration(
                restApiId=self.api_id,
                resourceId=rid,
                httpMethod="GET",
                type="MOCK",
                requestTemplates={"application/json": '{"statusCode": 200}'},
            )
            apigw.put_method_response(
                restApiId=self.api_id, resourceId=rid, httpMethod="GET", statusCode="200"
            )
            apigw.put_integration_response(
                restApiId=self.api_id, resourceId=rid, httpMethod="GET", statusCode="200"
            )
        kit.deploy(self.api_id, "prod")
        apigw.update_stage(
            restApiId=self.api_id,
            stageName="prod",
            patchOperations=[
                {"op": "replace", "path": "/~1open/GET/throttling/rateLimit", "value": "1"},
                {"op": "replace", "path": "/~1open/GET/throttling/burstLimit", "value": "1"},
                {"op": "replace", "path": "/~1free/GET/throttling/rateLimit", "value": "2"},
                {"op": "replace", "path": "/~1free/GET/throttling/burstLimit", "value": "4"},
            ],
        )
        self.key = "labkeypaid".ljust(24, "0")
        key_id = apigw.create_api_key(name="paid", enabled=True, value=self.key)["id"]
        plan_id = apigw.create_usage_plan(
            name="gold",
            apiStages=[{"apiId": self.api_id, "stage": "prod"}],
            throttle={"rateLimit": 2, "burstLimit": 4},
            quota={"limit": 10, "period": "DAY"},
        )["id"]
        apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
        self.url = kit.url(self.api_id, "prod", "")

    def clients(self) -> list[Client]:
        return [
            Client("paid", rate=4, api_key=self.key, path="/pets"),
            Client("nokey", rate=1, path="/pets"),
            Client("open", rate=2, path="open"),
        ]


@pytest.fixture
def stage(kit: Any, lab: Any) -> Stage:
    lab.clock.freeze(START)
    return Stage(kit)


def test_every_request_ends_as_the_limits_predict(stage: Stage, lab: Any) -> None:
    run = simulate(lab, stage.url, stage.clients(), 5, start=START)
    assert len(run) == 20 + 5 + 10
    paid = run.of("paid")
    # burst 4, 2 tokens a second, one request every 0.25 s: 7 in the first 1.75 s, then
    # every other one; the 11th admitted request would pass the quota of 10
    assert [o.why for o in paid] == (
        ["ok"] * 7 + ["throttled: usage plan", "ok"] * 3 + ["over quota"] * 7
    )
    assert [o.t for o in paid] == [i * 0.25 for i in range(20)]
    assert run.counts("paid") == {"ok": 10, "throttled: usage plan": 3, "over quota": 7}
    assert run.statuses("paid") == {200: 10, 429: 10}
    assert run.counts("nokey") == {"forbidden (API key)": 5}
    assert run.statuses("nokey") == {403: 5}
    assert [o.why for o in run.of("open")] == ["ok", "throttled: stage"] * 5
    assert run.counts() == {
        "ok": 15,
        "throttled: usage plan": 3,
        "over quota": 7,
        "forbidden (API key)": 5,
        "throttled: stage": 5,
    }
    # arrival order across clients, each outcome stamped with its client
    assert [o.t for o in run.outcomes] == sorted(o.t for o in run.outcomes)
    assert {o.client for o in run.outcomes} == {"paid", "nokey", "open"}
    # the clock stands at the end of the simulated period
    assert lab.clock.datetime().isoformat() == "2025-03-05T12:00:05+00:00"


def test_outcomes_carry_the_buckets_tokens(stage: Stage, lab: Any) -> None:
    run = simulate(lab, stage.url, stage.clients(), 5, start=START)
    paid = run.of("paid")
    # at t=0 the clients send in the order they are listed: paid first
    assert paid[0] == Outcome(0.0, "paid", 200, "ok", {"usage plan": 3.0, "account": 4999.0})
    assert paid[7].tokens is not None and paid[7].tokens["usage plan"] == 0.5
    # neither a refused key nor a spent quota reaches the buckets
    assert all(o.tokens is None for o in run.of("nokey"))
    assert all(o.tokens is None for o in paid if o.why == "over quota")
    times, left = run.tokens("usage plan")
    assert times == [i * 0.25 for i in range(13)]
    assert left == [3.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.0, 0.5, 0.0, 0.5, 0.0, 0.5, 0.0]
    times, left = run.tokens("stage")
    assert times == [i * 0.5 for i in range(10)]
    assert left == [0.0, 0.5] * 5
    assert run.tokens("route") == ([], [])


def test_per_second_counts(stage: Stage, lab: Any) -> None:
    run = simulate(lab, stage.url, stage.clients(), 5, start=START)
    assert run.per_second("paid") == {
        "t": [0.0, 1.0, 2.0, 3.0, 4.0],
        "sent": [4, 4, 4, 4, 4],
        "accepted": [4, 3, 2, 1, 0],
        "refused": [0, 1, 2, 3, 4],
    }
    assert run.per_second("open", width=2.5) == {
        "t": [0.0, 2.5],
        "sent": [5, 5],
        "accepted": [3, 2],
        "refused": [2, 3],
    }
    total = run.per_second()
    assert total["sent"] == [7, 7, 7, 7, 7]
    assert total["accepted"] == [5, 4, 3, 2, 1]


def test_summary_is_a_table_per_client(stage: Stage, lab: Any) -> None:
    run = simulate(lab, stage.url, stage.clients(), 5, start=START)
    kinds = ["ok", "forbidden (API key)", "over quota", "throttled: stage", "throttled: usage plan"]
    lines = run.summary().splitlines()
    # each column is wide enough for its label and two spaces (at least 10)
    assert lines[0] == "client          sent" + "".join(f"{k:>{max(10, len(k) + 2)}}" for k in kinds)
    assert lines[1] == "-" * len(lines[0])
    rows = {line[:12].strip(): line[12:] for line in lines[2:]}
    assert list(rows) == ["paid", "nokey", "open"]
    assert [int(x) for x in rows["paid"].split()] == [20, 10, 0, 7, 0, 3]
    assert [int(x) for x in rows["nokey"].split()] == [5, 0, 5, 0, 0, 0]
    assert [int(x) for x in rows["open"].split()] == [10, 5, 0, 0, 5, 0]
    assert repr(run).startswith("<Simulation of 35 requests over 5 s>\n")


def test_the_same_load_gives_the_same_outcomes(kit: Any, lab: Any) -> None:
    lab.clock.freeze(START)
    first_stage = Stage(kit)
    first = simulate(lab, first_stage.url, first_stage.clients(), 5, start=START)
    lab.reset()
    lab.clock.freeze(START)
    second_stage = Stage(kit)
    assert second_stage.url == first_stage.url  # seeded ids
    second = simulate(lab, second_stage.url, second_stage.clients(), 5, start=START)
    assert second.outcomes == first.outcomes
    assert second.summary() == first.summary()


def test_burst_then_steady_drains_and_refills_the_bucket(stage: Stage, lab: Any) -> None:
    """Stage bucket: rate 2/s, burst 4. Six at once, then one a second from t=1."""
    clients = [
        Client("burst", rate=0, path="/free", bursts=((0, 6),)),
        Client("steady", rate=1, path="/free", start=1),
    ]
    run = simulate(lab, stage.url, clients, 5, start=START)
    times, left = run.tokens("stage")
    assert times == [0.0] * 6 + [1.0, 2.0, 3.0, 4.0]
    assert left == [3.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 3.0]
    # the same series from the rule: refill rate·Δt up to the burst, then take one
    level, last, expected = 4.0, 0.0, []
    for o in run.outcomes:
        level = min(4.0, level + 2.0 * (o.t - last))
        last = o.t
        if o.status == 200:
            level -= 1
        expected.append(level)
    assert left == expected
    assert [o.status for o in run.of("burst")] == [200] * 4 + [429] * 2
    assert [o.status for o in run.of("steady")] == [200] * 4
    assert run.per_second("burst")["refused"] == [2, 0, 0, 0, 0]


def test_simulate_freezes_the_clock_where_it_stands(stage: Stage, lab: Any) -> None:
    lab.clock.freeze("2025-03-05T13:00:00Z")
    run = simulate(lab, stage.url, [Client("open", rate=1, path="/open")], 3)
    assert [o.why for o in run.outcomes] == ["ok", "ok", "ok"]
    assert lab.clock.datetime().isoformat() == "2025-03-05T13:00:03+00:00"


def test_an_empty_simulation() -> None:
    run = Simulation([], 2, [Client("idle")])
    assert len(run) == 0
    assert run.counts("idle") == {}
    assert run.per_second("idle") == {
        "t": [0.0, 1.0],
        "sent": [0, 0],
        "accepted": [0, 0],
        "refused": [0, 0],
    }
    assert run.tokens("stage") == ([], [])
    assert run.summary().splitlines()[2] == "idle               0"


HELLO = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hi'}\n"


def test_http_api_routes_throttle_in_the_simulator(http_kit: Any, lab: Any) -> None:
    lab.clock.freeze(START)
    api = http_kit.lambda_api(HELLO, routes=("GET /pets",))
    http_kit.v2.update_stage(
        ApiId=api.api_id,
        StageName="$default",
        RouteSettings={"GET /pets": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 2}},
    )
    run = simulate(lab, api.url(""), [Client("c", rate=2, path="/pets")], 3, start=START)
    assert [o.why for o in run.outcomes] == [
        "ok",
        "ok",
        "ok",
        "throttled: route",
        "ok",
        "throttled: route",
    ]
    assert run.tokens("route") == ([0.0, 0.5, 1.0, 1.5, 2.0, 2.5], [1.0, 0.5, 0.0, 0.5, 0.0, 0.5])
