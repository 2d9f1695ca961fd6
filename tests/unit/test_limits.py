"""The throttling and quota machinery on its own (reference §1): token buckets, the bucket
store, quota periods and the ledger, which limits apply in which order, and the
all-or-nothing admission. No moto here: times are plain epoch seconds."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers.gateway.limits import layers, quota
from helpers.gateway.limits.bucket import BucketStore, TokenBucket
from helpers.gateway.limits.layers import (
    ACCOUNT_BURST,
    ACCOUNT_RATE,
    Limit,
    account_limit,
    method_settings_key,
    plan_limit,
    route_limit,
    stage_limit,
    stage_method_settings,
)
from helpers.gateway.limits.quota import Quota, QuotaLedger, period_window
from helpers.gateway.limits.state import Limits
from helpers.gateway.limits.usage_plans import Grant, method_throttle_key


def ts(text: str) -> float:
    """Epoch seconds of an ISO 8601 UTC time."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def day_number(text: str) -> int:
    return int(ts(text + "T00:00:00Z") // quota.DAY_S)


T0 = ts("2025-03-05T12:00:00Z")  # a Wednesday

# ---------------------------------------------------------------------------------- buckets


def test_a_new_bucket_is_full() -> None:
    bucket = TokenBucket.full(2, 5, T0)
    assert (bucket.rate, bucket.burst, bucket.tokens, bucket.updated) == (2.0, 5, 5.0, T0)
    assert isinstance(bucket.rate, float) and isinstance(bucket.burst, int)


def test_take_removes_one_token_and_refill_is_continuous() -> None:
    bucket = TokenBucket.full(1, 2, T0)
    for _ in range(2):
        assert bucket.has_token(T0)
        bucket.take(T0)
    assert bucket.level(T0) == 0.0
    assert not bucket.has_token(T0)
    assert bucket.level(T0 + 0.25) == pytest.approx(0.25)
    assert not bucket.has_token(T0 + 0.5)
    assert bucket.has_token(T0 + 1.0)
    assert bucket.level(T0 + 1.0) == pytest.approx(1.0)


def test_refill_stops_at_the_burst_limit() -> None:
    bucket = TokenBucket.full(10, 3, T0)
    bucket.take(T0)
    assert bucket.level(T0 + 3600) == 3.0


def test_refill_at_a_fractional_rate() -> None:
    bucket = TokenBucket.full(0.5, 1, T0)
    bucket.take(T0)
    assert not bucket.has_token(T0 + 1.999)
    assert bucket.has_token(T0 + 2.0)


def test_an_earlier_time_does_not_change_the_level() -> None:
    bucket = TokenBucket.full(1, 4, T0)
    bucket.take(T0)
    assert bucket.level(T0 - 10) == 3.0
    assert bucket.updated == T0


def test_burst_zero_never_has_a_token() -> None:
    bucket = TokenBucket.full(1000, 0, T0)
    assert bucket.tokens == 0.0
    assert not bucket.has_token(T0)
    assert not bucket.has_token(T0 + 3600)


def test_store_keeps_one_bucket_per_scope() -> None:
    store = BucketStore()
    a = store.get(("stage", "a"), 1, 2, T0)
    a.take(T0)
    assert store.get(("stage", "a"), 1, 2, T0 + 0.1) is a
    b = store.get(("stage", "b"), 1, 2, T0)
    assert b is not a and b.tokens == 2.0
    assert len(store) == 2
    assert store.peek(("stage", "a")) is a
    assert store.peek(("stage", "c")) is None
    store.clear()
    assert len(store) == 0
    assert store.peek(("stage", "a")) is None


@pytest.mark.parametrize(("rate", "burst"), [(2, 2), (1, 3)])
def test_store_gives_a_new_full_bucket_when_the_limits_change(rate: float, burst: int) -> None:
    store = BucketStore()
    first = store.get("scope", 1, 2, T0)
    first.take(T0)
    first.take(T0)
    second = store.get("scope", rate, burst, T0 + 0.5)
    assert second is not first
    assert (second.rate, second.burst, second.tokens, second.updated) == (
        float(rate),
        burst,
        float(burst),
        T0 + 0.5,
    )
    assert store.peek("scope") is second


# ---------------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        ("2025-03-05T12:00:00Z", "2025-03-05T00:00:00Z", "2025-03-06T00:00:00Z"),
        ("2025-03-05T00:00:00Z", "2025-03-05T00:00:00Z", "2025-03-06T00:00:00Z"),
        ("2025-03-05T23:59:59Z", "2025-03-05T00:00:00Z", "2025-03-06T00:00:00Z"),
        ("2025-12-31T23:00:00Z", "2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z"),
    ],
)
def test_day_windows_are_utc_calendar_days(now: str, start: str, end: str) -> None:
    assert period_window(ts(now), "DAY") == (ts(start), ts(end))


@pytest.mark.parametrize(
    ("now", "start"),
    [
        ("2025-03-05T12:00:00Z", "2025-03-02T00:00:00Z"),  # Wednesday
        ("2025-03-02T00:00:00Z", "2025-03-02T00:00:00Z"),  # Sunday, first second
        ("2025-03-08T23:59:59Z", "2025-03-02T00:00:00Z"),  # Saturday, last second
        ("2025-03-09T00:00:00Z", "2025-03-09T00:00:00Z"),  # the next Sunday
        ("2025-03-03T08:00:00Z", "2025-03-02T00:00:00Z"),  # Monday
        ("2025-01-01T10:00:00Z", "2024-12-29T00:00:00Z"),  # across a year end
    ],
)
def test_week_windows_start_on_sunday(now: str, start: str) -> None:
    assert quota.WEEK_STARTS_ON == 6  # Python's Sunday [unc]
    begin, end = period_window(ts(now), "WEEK")
    assert begin == ts(start)
    assert end - begin == 7 * quota.DAY_S
    assert dt.datetime.fromtimestamp(begin, tz=dt.UTC).strftime("%A") == "Sunday"


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        ("2025-01-31T23:59:59Z", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"),
        ("2025-02-28T12:00:00Z", "2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"),
        ("2024-02-29T12:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
        ("2025-04-30T23:59:59Z", "2025-04-01T00:00:00Z", "2025-05-01T00:00:00Z"),
        ("2025-03-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
        ("2025-12-31T23:59:59Z", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z"),
    ],
)
def test_month_windows_are_calendar_months(now: str, start: str, end: str) -> None:
    assert period_window(ts(now), "MONTH") == (ts(start), ts(end))


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="DAY, WEEK, MONTH"):
        period_window(T0, "YEAR")


def test_quota_of_reads_the_plan_quota() -> None:
    assert Quota.of(None) is None
    assert Quota.of({}) is None
    assert Quota.of({"limit": "", "period": "DAY"}) is None
    assert Quota.of({"limit": 5}) == Quota(5, "DAY", 0)
    assert Quota.of({"limit": "7", "period": "week", "offset": "2"}) == Quota(7, "WEEK", 2)


# ---------------------------------------------------------------------------------- ledger


def test_ledger_counts_down_and_stops_at_zero() -> None:
    ledger, q = QuotaLedger(), Quota(3, "DAY")
    assert ledger.remaining("p", "k", q, T0) == 3
    for left in (2, 1, 0):
        ledger.consume("p", "k", q, T0)
        assert ledger.remaining("p", "k", q, T0) == left
    ledger.consume("p", "k", q, T0)  # one too many (the step never does this)
    assert ledger.remaining("p", "k", q, T0) == 0


def test_ledger_keys_and_plans_are_separate() -> None:
    ledger, q = QuotaLedger(), Quota(2, "DAY")
    ledger.consume("p1", "k1", q, T0)
    ledger.consume("p1", "k1", q, T0)
    assert ledger.remaining("p1", "k1", q, T0) == 0
    assert ledger.remaining("p1", "k2", q, T0) == 2
    assert ledger.remaining("p2", "k1", q, T0) == 2


@pytest.mark.parametrize(
    ("period", "last_second", "next_period"),
    [
        ("DAY", "2025-03-05T23:59:59Z", "2025-03-06T00:00:00Z"),
        ("WEEK", "2025-03-08T23:59:59Z", "2025-03-09T00:00:00Z"),
        ("MONTH", "2025-03-31T23:59:59Z", "2025-04-01T00:00:00Z"),
    ],
)
def test_ledger_resets_at_the_period_boundary(
    period: str, last_second: str, next_period: str
) -> None:
    ledger, q = QuotaLedger(), Quota(2, period)
    ledger.consume("p", "k", q, T0)
    ledger.consume("p", "k", q, T0)
    assert ledger.remaining("p", "k", q, ts(last_second)) == 0
    assert ledger.remaining("p", "k", q, ts(next_period)) == 2


def test_offset_is_subtracted_in_the_initial_period_only() -> None:
    ledger, q = QuotaLedger(), Quota(5, "WEEK", offset=2)
    assert ledger.remaining("p", "k", q, T0) == 3
    for _ in range(3):
        ledger.consume("p", "k", q, T0)
    assert ledger.remaining("p", "k", q, ts("2025-03-08T23:59:59Z")) == 0
    assert ledger.remaining("p", "k", q, ts("2025-03-09T00:00:00Z")) == 5
    assert ledger.remaining("p", "k", q, ts("2025-03-16T00:00:00Z")) == 5


def test_offset_initial_period_is_the_keys_own() -> None:
    """Another key that starts using the plan a week later gets the offset in its week."""
    ledger, q = QuotaLedger(), Quota(5, "WEEK", offset=2)
    ledger.consume("p", "early", q, T0)
    later = ts("2025-03-12T12:00:00Z")
    assert ledger.remaining("p", "early", q, later) == 5
    assert ledger.remaining("p", "late", q, later) == 3


def test_a_changed_period_recounts_from_the_daily_counts() -> None:
    ledger = QuotaLedger()
    monday, tuesday = ts("2025-03-03T10:00:00Z"), ts("2025-03-04T10:00:00Z")
    for _ in range(3):
        ledger.consume("p", "k", Quota(5, "DAY"), monday)
    for _ in range(2):
        ledger.consume("p", "k", Quota(5, "DAY"), tuesday)
    assert ledger.remaining("p", "k", Quota(5, "DAY"), tuesday) == 3
    assert ledger.remaining("p", "k", Quota(10, "WEEK"), tuesday) == 5


def test_set_remaining_extends_the_current_period_only() -> None:
    ledger, q = QuotaLedger(), Quota(5, "DAY")
    for _ in range(3):
        ledger.consume("p", "k", q, T0)
    ledger.set_remaining("p", "k", q, T0, 10)
    assert ledger.remaining("p", "k", q, T0) == 10
    ledger.consume("p", "k", q, T0)
    assert ledger.remaining("p", "k", q, T0) == 9
    ledger.set_remaining("p", "k", q, T0, 1)
    assert ledger.remaining("p", "k", q, T0) == 1
    assert ledger.remaining("p", "k", q, T0 + quota.DAY_S) == 5


def test_consume_without_a_quota_still_counts_the_day() -> None:
    ledger = QuotaLedger()
    ledger.consume("p", "k", None, T0)
    ledger.consume("p", "k", None, T0)
    today = day_number("2025-03-05")
    assert ledger.daily("p", "k", None, today - 1, today) == [[0, 0], [2, 0]]


def test_daily_reports_used_and_what_remained_of_the_period() -> None:
    ledger, q = QuotaLedger(), Quota(10, "WEEK")
    for day, n in (("2025-03-06", 2), ("2025-03-07", 3), ("2025-03-09", 1)):
        for _ in range(n):
            ledger.consume("p", "k", q, ts(day + "T09:00:00Z"))
    first = day_number("2025-03-05")  # Wednesday
    assert ledger.daily("p", "k", q, first, first + 4) == [
        [0, 10],  # Wed
        [2, 8],  # Thu
        [3, 5],  # Fri
        [0, 5],  # Sat
        [1, 9],  # Sun: a new week
    ]


def test_daily_of_an_unknown_key_is_all_unused() -> None:
    ledger = QuotaLedger()
    day = day_number("2025-03-05")
    assert ledger.daily("p", "nobody", Quota(4, "DAY"), day, day + 1) == [[0, 4], [0, 4]]


def test_daily_shows_the_offset_and_extension() -> None:
    ledger, q = QuotaLedger(), Quota(5, "DAY", offset=1)
    ledger.consume("p", "k", q, T0)
    ledger.set_remaining("p", "k", q, T0, 8)
    today = day_number("2025-03-05")
    assert ledger.daily("p", "k", q, today, today + 1) == [[1, 8], [0, 5]]


def test_ledger_clear_forgets_everything() -> None:
    ledger, q = QuotaLedger(), Quota(1, "DAY")
    ledger.consume("p", "k", q, T0)
    ledger.clear()
    assert ledger.remaining("p", "k", q, T0) == 1


# ---------------------------------------------------------------------------------- layers


@pytest.mark.parametrize(
    ("path", "method", "key"),
    [
        ("/", "GET", "~1/GET"),
        ("/pets", "GET", "~1pets/GET"),
        ("/pets/{id}", "DELETE", "~1pets~1{id}/DELETE"),
        ("/a/b/c", "POST", "~1a~1b~1c/POST"),
        ("/x~y", "GET", "~1x~0y/GET"),
    ],
)
def test_method_settings_key(path: str, method: str, key: str) -> None:
    assert method_settings_key(path, method) == key


def test_plan_method_throttle_key() -> None:
    assert method_throttle_key("/pets", "GET") == "/pets/GET"
    assert method_throttle_key("/", "GET") == "//GET"


def test_stage_method_settings_prefers_the_methods_own_entry() -> None:
    own = {"throttlingRateLimit": 1.0, "throttlingBurstLimit": 1}
    star = {"throttlingRateLimit": 9.0, "throttlingBurstLimit": 9}
    settings = {"*/*": star, "~1pets/GET": own}
    assert stage_method_settings(settings, "/pets", "GET") == ("~1pets/GET", own)
    assert stage_method_settings(settings, "/pets", "POST") == ("*/*", star)
    assert stage_method_settings(settings, "/", "GET") == ("*/*", star)
    assert stage_method_settings({"~1pets/GET": own}, "/toys", "GET") is None
    assert stage_method_settings({}, "/pets", "GET") is None


def test_stage_limit_one_bucket_per_method_even_under_star() -> None:
    settings = {"*/*": {"throttlingRateLimit": 2.0, "throttlingBurstLimit": 4}}
    pets = stage_limit("api1", "prod", settings, "/pets", "GET")
    toys = stage_limit("api1", "prod", settings, "/toys", "GET")
    assert pets == Limit(
        "stage", "stage prod method settings */*", ("stage", "api1", "prod", "GET /pets"), 2.0, 4
    )
    assert toys is not None and toys.scope == ("stage", "api1", "prod", "GET /toys")
    assert toys.scope != pets.scope
    other_stage = stage_limit("api1", "dev", settings, "/pets", "GET")
    assert other_stage is not None and other_stage.scope != pets.scope


def test_stage_limit_defaults_and_absence() -> None:
    assert stage_limit("a", "s", {"*/*": {"metricsEnabled": True}}, "/", "GET") is None
    assert stage_limit("a", "s", {}, "/", "GET") is None
    only_rate = stage_limit("a", "s", {"*/*": {"throttlingRateLimit": 3}}, "/", "GET")
    assert only_rate is not None
    assert (only_rate.rate, only_rate.burst) == (3.0, ACCOUNT_BURST)
    only_burst = stage_limit("a", "s", {"*/*": {"throttlingBurstLimit": 0}}, "/", "GET")
    assert only_burst is not None
    assert (only_burst.rate, only_burst.burst) == (ACCOUNT_RATE, 0)


def test_route_limit_prefers_the_routes_settings() -> None:
    routes = {"GET /pets": {"throttlingRateLimit": 1.0, "throttlingBurstLimit": 1}}
    default = {"throttlingRateLimit": 5.0, "throttlingBurstLimit": 10}
    own = route_limit("h1", "$default", "GET /pets", routes, default)
    assert own == Limit(
        "route",
        "stage $default route settings 'GET /pets'",
        ("route", "h1", "$default", "GET /pets"),
        1.0,
        1,
    )
    other = route_limit("h1", "$default", "GET /toys", routes, default)
    assert other == Limit(
        "route",
        "stage $default default route settings",
        ("route", "h1", "$default", "GET /toys"),
        5.0,
        10,
    )
    # an entry without throttle values falls back to the defaults
    detailed = {"GET /pets": {"detailedMetricsEnabled": True}}
    fallback = route_limit("h1", "$default", "GET /pets", detailed, default)
    assert fallback is not None and (fallback.rate, fallback.burst) == (5.0, 10)
    assert route_limit("h1", "$default", "GET /pets", None, None) is None
    assert route_limit("h1", "$default", "GET /pets", {}, {"loggingLevel": "INFO"}) is None


def grant(throttle: dict | None, scope: str = "plan") -> Grant:
    return Grant("plan1", "gold", "key1", "abcdefghijklmnopqrstuvwxyz", throttle, scope, None)


def test_plan_limit_per_key_spans_the_plans_stages() -> None:
    g = grant({"rateLimit": 2.0, "burstLimit": 3})
    prod = plan_limit(g, "api1", "prod", "/pets/GET")
    dev = plan_limit(g, "api2", "dev", "/toys/POST")
    assert prod == Limit(
        "usage plan", "usage plan gold, key ****wxyz", ("plan", "plan1", "key1"), 2.0, 3
    )
    assert dev is not None and dev.scope == prod.scope


def test_plan_limit_per_method_has_its_own_scope() -> None:
    g = grant({"rateLimit": 1.0, "burstLimit": 1}, scope="method")
    pets = plan_limit(g, "api1", "prod", "/pets/GET")
    assert pets == Limit(
        "usage plan",
        "usage plan gold, key ****wxyz, /pets/GET",
        ("plan-method", "plan1", "key1", "api1", "prod", "/pets/GET"),
        1.0,
        1,
    )
    dev = plan_limit(g, "api1", "dev", "/pets/GET")
    assert dev is not None and dev.scope != pets.scope


def test_plan_limit_absent_without_a_throttle() -> None:
    assert plan_limit(grant(None), "a", "s", "/GET") is None
    assert plan_limit(grant({}), "a", "s", "/GET") is None
    assert plan_limit(grant({"other": 1}), "a", "s", "/GET") is None


def test_account_limit_and_masked_key() -> None:
    assert account_limit("123456789012", "us-east-1", 10.0, 5) == Limit(
        "account", "account us-east-1", ("account", "123456789012", "us-east-1"), 10.0, 5
    )
    assert (layers.ACCOUNT_RATE, layers.ACCOUNT_BURST) == (10_000.0, 5_000)
    assert grant(None).masked_key == "****wxyz"


# ---------------------------------------------------------------------------------- admission


def three_limits(plan_burst: int, stage_burst: int, account_burst: int) -> list[Limit]:
    return [
        Limit("usage plan", "plan", ("plan", "p", "k"), 1.0, plan_burst),
        Limit("stage", "stage", ("stage", "a", "prod", "GET /"), 1.0, stage_burst),
        Limit("account", "account", ("account", "1", "r"), 1.0, account_burst),
    ]


def tokens(limits: Limits, scope: tuple) -> float:
    bucket = limits.buckets.peek(scope)
    assert bucket is not None
    return bucket.tokens


def test_admit_takes_a_token_from_every_bucket() -> None:
    state, chain = Limits(), three_limits(3, 2, 5)
    verdict = state.admit(chain, T0)
    assert verdict.refused_by is None
    assert [(x.level, left) for x, left in verdict.tokens_left] == [
        ("usage plan", 2.0),
        ("stage", 1.0),
        ("account", 4.0),
    ]


def test_admit_is_all_or_nothing() -> None:
    state, chain = Limits(), three_limits(3, 1, 5)
    assert state.admit(chain, T0).refused_by is None
    verdict = state.admit(chain, T0)
    assert verdict.refused_by == chain[1]
    assert [(x.level, left) for x, left in verdict.tokens_left] == [
        ("usage plan", 2.0),
        ("stage", 0.0),
        ("account", 4.0),
    ]
    assert tokens(state, chain[0].scope) == 2.0
    assert tokens(state, chain[2].scope) == 4.0


def test_admit_names_the_first_empty_bucket_in_order() -> None:
    state, chain = Limits(), three_limits(1, 1, 1)
    assert state.admit(chain, T0).refused_by is None
    assert state.admit(chain, T0).refused_by == chain[0]
    assert state.admit(chain[1:], T0).refused_by == chain[1]
    assert state.admit(chain[2:], T0).refused_by == chain[2]


def test_a_refusal_reports_every_bucket_at_the_time_of_the_request() -> None:
    state, chain = Limits(), three_limits(1, 5, 5)
    chain[2] = Limit("account", "account", ("account", "1", "r"), 10.0, 5)
    state.admit(chain, T0)
    verdict = state.admit(chain, T0 + 0.25)
    assert verdict.refused_by == chain[0]
    # the stage and account buckets were never looked at, yet show their refilled level
    assert [(x.level, left) for x, left in verdict.tokens_left] == [
        ("usage plan", 0.25),
        ("stage", 4.25),
        ("account", 5.0),
    ]


def test_admit_refills_on_time() -> None:
    state, chain = Limits(), three_limits(1, 5, 5)
    state.admit(chain, T0)
    assert state.admit(chain, T0 + 0.999).refused_by == chain[0]
    assert state.admit(chain, T0 + 1.0).refused_by is None


def test_account_limits_are_settable_and_cleared() -> None:
    state = Limits()
    assert (state.account_rate, state.account_burst) == (ACCOUNT_RATE, ACCOUNT_BURST)
    state.set_account_limits(2, 3)
    assert (state.account_rate, state.account_burst) == (2.0, 3)
    state.admit([account_limit("1", "r", 2.0, 3)], T0)
    state.quotas.consume("p", "k", Quota(1, "DAY"), T0)
    state.clear()
    assert (state.account_rate, state.account_burst) == (ACCOUNT_RATE, ACCOUNT_BURST)
    assert len(state.buckets) == 0
    assert state.quotas.remaining("p", "k", Quota(1, "DAY"), T0) == 1
    state.set_account_limits(5, 6)
    state.set_account_limits()
    assert (state.account_rate, state.account_burst) == (ACCOUNT_RATE, ACCOUNT_BURST)
