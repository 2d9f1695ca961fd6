"""The REST stage cache in isolation (reference §2): entries on a given ``now`` (TTL,
expiry), the 1,048,576-byte limit, a resized cluster starting empty, flush and drop; and
``policy_for``, which decides whether (and how) one method's answers are cached."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from helpers.gateway.http import HttpResponse
from helpers.gateway.limits.layers import method_settings_key
from helpers.gateway.stage_cache import (
    CLUSTER_SIZES,
    DEFAULT_TTL_S,
    MAX_ENTRY_BYTES,
    MAX_TTL_S,
    PRICE_PER_HOUR_USD,
    CachePolicy,
    StageCache,
    policy_for,
)

T0 = 1_740_996_000.0  # 2025-03-03T10:00:00Z
PROD = ("us-east-1", "a1b2c3", "prod")
DEV = ("us-east-1", "a1b2c3", "dev")
KEY = ("res123", "GET", ())


def answer(body: bytes = b'{"n": 1}', status: int = 200) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], body)


# ---------------------------------------------------------------------------- constants


def test_documented_limits_and_cluster_sizes() -> None:
    assert (DEFAULT_TTL_S, MAX_TTL_S, MAX_ENTRY_BYTES) == (300, 3600, 1_048_576)
    assert CLUSTER_SIZES == ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
    assert set(PRICE_PER_HOUR_USD) == set(CLUSTER_SIZES)
    # the two documented ends of the price list [doc]; the rest are [unc]
    assert PRICE_PER_HOUR_USD["0.5"] == pytest.approx(0.020)
    assert PRICE_PER_HOUR_USD["237"] == pytest.approx(3.800)
    prices = [PRICE_PER_HOUR_USD[size] for size in CLUSTER_SIZES]
    assert prices == sorted(prices)


# ---------------------------------------------------------------------------- StageCache


def test_get_on_an_empty_cache_misses() -> None:
    assert StageCache().get(PROD, "0.5", KEY, T0) is None


def test_entry_lives_for_its_ttl_and_not_a_moment_longer() -> None:
    cache = StageCache()
    assert cache.put(PROD, "0.5", KEY, answer(), T0, 60) is True
    entry, left = cache.get(PROD, "0.5", KEY, T0)
    assert (entry.status, entry.body, left) == (200, b'{"n": 1}', 60)
    assert entry.expires_at == T0 + 60
    _, left = cache.get(PROD, "0.5", KEY, T0 + 59)
    assert left == 1
    _, left = cache.get(PROD, "0.5", KEY, T0 + 59.999)
    assert left == pytest.approx(0.001, abs=1e-6)
    # at exactly the TTL the entry is gone, and removed
    assert cache.get(PROD, "0.5", KEY, T0 + 60) is None
    assert cache.size(PROD) == 0


def test_put_replaces_the_entry_and_restarts_its_ttl() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(b"old"), T0, 60)
    cache.put(PROD, "0.5", KEY, answer(b"new"), T0 + 30, 60)
    entry, left = cache.get(PROD, "0.5", KEY, T0 + 60)
    assert (entry.body, left) == (b"new", 30)
    assert cache.size(PROD) == 1


def test_any_status_is_kept() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(b'{"message": "boom"}', status=500), T0, 300)
    entry, _ = cache.get(PROD, "0.5", KEY, T0 + 1)
    assert entry.response() == HttpResponse(
        500, [("Content-Type", "application/json")], b'{"message": "boom"}'
    )


def test_served_response_is_a_copy_of_the_entry() -> None:
    """The cache step appends a Warning header to what it serves; the entry must not grow."""
    cache = StageCache()
    original = answer()
    cache.put(PROD, "0.5", KEY, original, T0, 300)
    original.headers.append(("X-Later", "1"))  # the integration's response object changes
    entry, _ = cache.get(PROD, "0.5", KEY, T0)
    served = entry.response()
    served.headers.append(("Warning", "199 -"))
    again, _ = cache.get(PROD, "0.5", KEY, T0)
    assert again.response().headers == [("Content-Type", "application/json")]


def test_one_mebibyte_is_stored_one_byte_more_is_not() -> None:
    cache = StageCache()
    edge, over = ("res", "GET", (("q", "edge"),)), ("res", "GET", (("q", "over"),))
    assert cache.put(PROD, "0.5", edge, answer(b"x" * 1_048_576), T0, 300) is True
    assert cache.put(PROD, "0.5", over, answer(b"x" * 1_048_577), T0, 300) is False
    entry, _ = cache.get(PROD, "0.5", edge, T0)
    assert len(entry.body) == MAX_ENTRY_BYTES
    assert cache.get(PROD, "0.5", over, T0) is None
    assert cache.size(PROD) == 1


def test_too_large_answer_leaves_an_older_entry_alone() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(b"small"), T0, 300)
    assert cache.put(PROD, "0.5", KEY, answer(b"x" * (MAX_ENTRY_BYTES + 1)), T0 + 1, 300) is False
    entry, _ = cache.get(PROD, "0.5", KEY, T0 + 2)
    assert entry.body == b"small"


def test_keys_and_stages_are_separate() -> None:
    cache = StageCache()
    other = ("res123", "POST", ())
    cache.put(PROD, "0.5", KEY, answer(b"prod get"), T0, 300)
    cache.put(PROD, "0.5", other, answer(b"prod post"), T0, 300)
    cache.put(DEV, "0.5", KEY, answer(b"dev get"), T0, 300)
    assert cache.get(PROD, "0.5", KEY, T0)[0].body == b"prod get"
    assert cache.get(PROD, "0.5", other, T0)[0].body == b"prod post"
    assert cache.get(DEV, "0.5", KEY, T0)[0].body == b"dev get"
    assert (cache.size(PROD), cache.size(DEV)) == (2, 1)


def test_resized_cluster_starts_empty() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(), T0, 300)
    cache.put(DEV, "0.5", KEY, answer(), T0, 300)
    assert cache.get(PROD, "1.6", KEY, T0) is None  # the stage now has a 1.6 GB cluster
    # going back to the old size does not bring the old entries back
    assert cache.get(PROD, "0.5", KEY, T0) is None
    assert cache.size(PROD) == 0
    assert cache.get(DEV, "0.5", KEY, T0) is not None  # another stage is untouched


def test_put_under_a_new_size_also_empties_first() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(), T0, 300)
    cache.put(PROD, "6.1", ("other", "GET", ()), answer(), T0, 300)
    assert cache.size(PROD) == 1
    assert cache.get(PROD, "6.1", KEY, T0) is None


def test_flush_counts_what_it_empties_and_keeps_the_size() -> None:
    cache = StageCache()
    for n in range(3):
        cache.put(PROD, "1.6", ("res", "GET", (("n", str(n)),)), answer(), T0, 300)
    cache.put(DEV, "0.5", KEY, answer(), T0, 300)
    assert cache.flush(PROD) == 3
    assert cache.size(PROD) == 0
    assert cache.flush(PROD) == 0
    assert cache.flush(("us-east-1", "nope", "prod")) == 0  # never used: nothing to flush
    assert cache.size(DEV) == 1
    # the stage keeps its cluster: it refills at the same size
    cache.put(PROD, "1.6", KEY, answer(), T0 + 1, 300)
    assert cache.get(PROD, "1.6", KEY, T0 + 2) is not None


def test_flush_counts_expired_entries_not_yet_swept() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(), T0, 10)
    cache.put(PROD, "0.5", ("b", "GET", ()), answer(), T0, 300)
    assert cache.size(PROD, now=T0 + 10) == 1  # live only
    assert cache.size(PROD) == 2
    assert cache.flush(PROD) == 2


def test_drop_forgets_entries_and_size() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(), T0, 300)
    cache.put(DEV, "0.5", KEY, answer(), T0, 300)
    cache.drop(PROD)
    assert cache.size(PROD) == 0
    assert cache.get(PROD, "0.5", KEY, T0) is None
    cache.drop(("us-east-1", "nope", "prod"))  # harmless
    assert cache.get(DEV, "0.5", KEY, T0) is not None


def test_clear_empties_every_stage() -> None:
    cache = StageCache()
    cache.put(PROD, "0.5", KEY, answer(), T0, 300)
    cache.put(DEV, "0.5", KEY, answer(), T0, 300)
    cache.clear()
    assert (cache.size(PROD), cache.size(DEV)) == (0, 0)


# ---------------------------------------------------------------------------- policy_for


def stage(enabled: bool = True, status: str | None = "AVAILABLE") -> Any:
    """Shaped like moto's Stage for what ``policy_for`` reads."""
    return SimpleNamespace(cache_cluster_enabled=enabled, cache_cluster_status=status)


def caching(**entry: Any) -> dict[str, Any]:
    """A method-settings entry as moto keeps it, caching on unless told otherwise."""
    return {
        "throttlingRateLimit": 10000.0,
        "throttlingBurstLimit": 5000,
        "cachingEnabled": True,
        "cacheTtlInSeconds": 300,
        "requireAuthorizationForCacheControl": True,
        "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
        **entry,
    }


def test_no_cluster_no_caching() -> None:
    settings = {"*/*": caching()}
    assert policy_for(stage(enabled=False, status=None), settings, "/pets", "GET") is None
    assert policy_for(SimpleNamespace(), settings, "/pets", "GET") is None


@pytest.mark.parametrize(
    "status", ["CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "NOT_AVAILABLE", "FLUSH_IN_PROGRESS"]
)
def test_cluster_not_available_no_caching(status: str) -> None:
    assert policy_for(stage(status=status), {"*/*": caching()}, "/pets", "GET") is None


def test_available_or_unreported_status_caches() -> None:
    settings = {"*/*": caching()}
    assert policy_for(stage(status="AVAILABLE"), settings, "/pets", "GET") is not None
    assert policy_for(stage(status=None), settings, "/pets", "GET") is not None


def test_no_method_settings_or_caching_off_no_caching() -> None:
    assert policy_for(stage(), {}, "/pets", "GET") is None
    assert policy_for(stage(), {"*/*": caching(cachingEnabled=False)}, "/pets", "GET") is None
    assert policy_for(stage(), {"*/*": {"cacheTtlInSeconds": 300}}, "/pets", "GET") is None


def test_stage_wide_caching_covers_get_only() -> None:
    settings = {"*/*": caching()}
    got = policy_for(stage(), settings, "/pets", "GET")
    assert got == CachePolicy(
        ttl_s=300,
        require_authorization=True,
        unauthorized_strategy="SUCCEED_WITH_RESPONSE_HEADER",
        settings_key="*/*",
    )
    assert policy_for(stage(), settings, "/", "GET") is not None
    for method in ("POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        assert policy_for(stage(), settings, "/pets", method) is None, method


def test_a_method_with_its_own_entry_is_cached_whatever_its_verb() -> None:
    settings = {"*/*": caching(), "~1pets/POST": caching(cacheTtlInSeconds=30)}
    got = policy_for(stage(), settings, "/pets", "POST")
    assert got is not None
    assert (got.ttl_s, got.settings_key) == (30, "~1pets/POST")
    # the entry is for /pets only
    assert policy_for(stage(), settings, "/owners", "POST") is None
    # nested paths and the root use the same escaping as the patch path
    nested = {method_settings_key("/pets/{id}", "DELETE"): caching()}
    assert "~1pets~1{id}/DELETE" in nested
    assert policy_for(stage(), nested, "/pets/{id}", "DELETE") is not None
    root = {method_settings_key("/", "POST"): caching()}
    assert "~1/POST" in root
    assert policy_for(stage(), root, "/", "POST") is not None


def test_own_entry_wins_over_stage_wide_entry() -> None:
    settings = {"*/*": caching(cacheTtlInSeconds=600), "~1pets/GET": caching(cachingEnabled=False)}
    assert policy_for(stage(), settings, "/pets", "GET") is None
    assert policy_for(stage(), settings, "/owners", "GET").ttl_s == 600
    settings["~1pets/GET"] = caching(cacheTtlInSeconds=5)
    assert policy_for(stage(), settings, "/pets", "GET").ttl_s == 5


def test_ttl_zero_turns_caching_off() -> None:
    assert policy_for(stage(), {"*/*": caching(cacheTtlInSeconds=0)}, "/pets", "GET") is None
    own = {"*/*": caching(), "~1pets/GET": caching(cacheTtlInSeconds=0)}
    assert policy_for(stage(), own, "/pets", "GET") is None


@pytest.mark.parametrize(("ttl", "kept"), [(1, 1), (3599, 3599), (3600, 3600), (7200, 3600)])
def test_ttl_is_capped_at_an_hour(ttl: int, kept: int) -> None:
    got = policy_for(stage(), {"*/*": caching(cacheTtlInSeconds=ttl)}, "/pets", "GET")
    assert got is not None and got.ttl_s == kept


def test_defaults_when_the_entry_names_only_caching() -> None:
    got = policy_for(stage(), {"*/*": {"cachingEnabled": True}}, "/pets", "GET")
    assert got == CachePolicy(
        ttl_s=DEFAULT_TTL_S,
        require_authorization=True,
        unauthorized_strategy="SUCCEED_WITH_RESPONSE_HEADER",
        settings_key="*/*",
    )


@pytest.mark.parametrize(
    "strategy", ["FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"]
)
def test_cache_control_settings_are_carried(strategy: str) -> None:
    entry = caching(
        requireAuthorizationForCacheControl=False, unauthorizedCacheControlHeaderStrategy=strategy
    )
    got = policy_for(stage(), {"*/*": entry}, "/pets", "GET")
    assert got is not None
    assert (got.require_authorization, got.unauthorized_strategy) == (False, strategy)
