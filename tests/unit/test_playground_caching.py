"""The caching playground's callback (TTL through update_stage, flush, simulate, figure) and
the caching plots, on small data."""

from __future__ import annotations

import math
from typing import Any

import pytest

from helpers.playgrounds.caching import caching_playground, load, make_redraw
from helpers.plots import caching as plots
from helpers.traffic import Outcome, Simulation

HANDLER = """
import json


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    return {"statusCode": 200, "body": json.dumps({"category": query.get("category")})}
"""


@pytest.fixture
def cached_api(kit: Any) -> tuple[Any, str]:
    """GET /products keyed on ?category, deployed to prod with a 0.5 GB cache cluster."""
    fn_arn = kit.function(HANDLER)
    api_id = kit.rest_api("products-cache", endpoint="REGIONAL")
    rid = kit.resource(api_id, "/products")
    kit.apigw.put_method(
        restApiId=api_id,
        resourceId=rid,
        httpMethod="GET",
        authorizationType="NONE",
        requestParameters={"method.request.querystring.category": False},
    )
    kit.apigw.put_integration(
        restApiId=api_id,
        resourceId=rid,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations",
        cacheKeyParameters=["method.request.querystring.category"],
    )
    kit.permit(fn_arn, api_id)
    kit.deploy(api_id, "prod")
    kit.apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
        ],
    )
    return kit, api_id


def _ttl(kit: Any, api_id: str) -> int:
    stage = kit.apigw.get_stage(restApiId=api_id, stageName="prod")
    return stage["methodSettings"]["*/*"]["cacheTtlInSeconds"]


# ---------------------------------------------------------------------------------- callback


def test_one_key_one_per_second_ttl_10_misses_every_10_seconds(fresh_lab, cached_api):
    kit, api_id = cached_api
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    redraw = make_redraw(fresh_lab, api_id, "prod", seconds=60)

    run = redraw(10, 1.0, 1)

    assert _ttl(kit, api_id) == 10  # the TTL went through update_stage
    assert len(run.simulation) == 60
    assert run.tally.backend_calls == 6  # t = 0, 10, 20, 30, 40, 50
    assert run.tally.hits == 54
    assert run.tally.refused == 0
    missed_at = [o.t for o in run.simulation.outcomes if o.why != "cache hit"]
    assert missed_at == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    assert run.tally.hit_ratio == pytest.approx(0.9)


def test_each_key_has_its_own_entry(fresh_lab, cached_api):
    _, api_id = cached_api
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    redraw = make_redraw(fresh_lab, api_id, "prod", seconds=60)

    run = redraw(15, 2.0, 2)  # each key 1 req/s; misses at 0, 15, 30, 45 for each

    assert len(run.simulation) == 120
    assert run.tally.backend_calls == 8
    assert run.simulation.counts("item-1") == {"ok": 4, "cache hit": 56}
    assert run.simulation.counts("item-2") == {"ok": 4, "cache hit": 56}


def test_ttl_zero_sends_everything_to_the_backend(fresh_lab, cached_api):
    kit, api_id = cached_api
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    run = make_redraw(fresh_lab, api_id, "prod", seconds=30)(0, 2.0, 1)

    assert _ttl(kit, api_id) == 0
    assert run.tally.hits == 0
    assert run.tally.backend_calls == 60


def test_every_redraw_starts_from_a_flushed_cache(fresh_lab, cached_api):
    _, api_id = cached_api
    start = fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    redraw = make_redraw(fresh_lab, api_id, "prod", seconds=60)

    first = redraw(300, 1.0, 1)
    second = redraw(300, 1.0, 1)  # the entry from the first run would still live

    assert first.tally.backend_calls == second.tally.backend_calls == 1
    assert fresh_lab.clock.now() == start + 120  # each run is 60 s on the lab clock


def test_the_figure_says_what_it_shows(fresh_lab, cached_api):
    _, api_id = cached_api
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    run = make_redraw(fresh_lab, api_id, "prod", seconds=60, width=10)(10, 1.0, 1)

    ax = run.figure.axes[0]
    assert ax.get_title() == "TTL 10 s, 1 req/s over 1 key(s): 54 hits, 6 backend calls"
    assert ax.get_xlabel() == "time since the start of the load (s)"
    assert ax.get_ylabel() == "requests per 10 s"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["cache hits", "backend calls (misses)"]
    # six 10-second slots, one miss and nine hits in each
    heights = [p.get_height() for p in ax.patches]
    assert heights == [9] * 6 + [1] * 6


def test_the_widget_wraps_the_same_callback(fresh_lab, cached_api):
    kit, api_id = cached_api
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    widget = caching_playground(fresh_lab, api_id, "prod", seconds=60, ttl=20, rate=1.0, keys=1)

    ttl, rate, keys, _done, output = widget.children
    assert (ttl.value, rate.value, keys.value) == (20, 1.0, 1)
    assert widget.last_run.tally.backend_calls == 3  # drawn once on creation
    assert output.outputs[-1]["text"].startswith("hit ratio 95.0%: 57 of 60 requests")
    ttl.value = 30
    assert _ttl(kit, api_id) == 30
    assert widget.last_run.tally.backend_calls == 2
    assert widget.redraw(10, 1.0, 1).tally.backend_calls == 6


def test_the_playground_holds_the_api_and_its_function_through_the_clean_up(
    fresh_lab, cached_api
):
    kit, api_id = cached_api
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    widget = caching_playground(fresh_lab, api_id, "prod", seconds=60, ttl=20, rate=1.0, keys=1)
    deleted = fresh_lab.cleanup()  # the notebook's last cell, after Run All
    assert f"rest api {api_id}" not in deleted
    assert not any(d.startswith(("function", "role")) for d in deleted)
    ttl, _rate, _keys, done, output = widget.children
    ttl.value = 10  # the learner moves a slider after Run All: still live
    assert widget.last_run.tally.backend_calls == 6
    assert output.outputs[-1]["text"].startswith("hit ratio")
    done.click()  # done: what it held is deleted now
    assert kit.apigw.get_rest_apis()["items"] == []
    assert kit.lam.list_functions()["Functions"] == []
    assert ttl.disabled and done.disabled


def test_the_load_is_evenly_interleaved():
    clients = load("products", "category", rate=4.0, keys=2)
    assert [c.path for c in clients] == ["products?category=item-1", "products?category=item-2"]
    assert [c.arrivals(1.0) for c in clients] == [[0.0, 0.5], [0.25, 0.75]]
    with pytest.raises(ValueError):
        load("products", "category", rate=0, keys=1)


# ---------------------------------------------------------------------------------- plots


def _simulation() -> Simulation:
    whys = ["ok", "cache hit", "cache hit", "throttled: stage", "status 502", "cache hit"]
    outcomes = [
        Outcome(float(i * 10), "c", 429 if "throttled" in w else 200, w) for i, w in enumerate(whys)
    ]
    return Simulation(outcomes, 60.0, [])


def test_tally_and_slots():
    sim = _simulation()
    counts = plots.tally(sim)
    assert (counts.requests, counts.hits, counts.backend_calls, counts.refused) == (6, 3, 2, 1)
    assert counts.hit_ratio == pytest.approx(0.6)
    assert plots.CacheTally(0, 0, 0, 0).hit_ratio == 0.0
    slots = plots.per_slot(sim, width=30)
    assert slots == {"t": [0, 30], "sent": [3, 3], "hits": [2, 1], "backend": [1, 1]}


def test_hit_ratio_plot():
    fig = plots.plot_hit_ratio_vs_ttl([0, 10, 60], {"all": [0.0, 0.5, 0.9], "books": [0, 0.8, 1]})
    ax = fig.axes[0]
    assert ax.get_title() == "Hit ratio against the cache TTL"
    assert ax.get_xlabel() == "cacheTtlInSeconds (s)"
    assert ax.get_ylabel() == "hit ratio (% of requests)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["all", "books"]
    assert list(ax.lines[0].get_ydata()) == [0.0, 50.0, 90.0]


def test_backend_calls_plot():
    fig = plots.plot_backend_calls(
        [0, 1, 2], {"without cache": [60, 60, 60], "TTL 60 s": [3, 3, 3]}, sent=[60, 60, 60]
    )
    ax = fig.axes[0]
    assert ax.get_title() == "Backend calls per minute"
    assert ax.get_xlabel() == "minute of the load"
    assert ax.get_ylabel() == "backend calls per minute (log scale)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "without cache",
        "TTL 60 s",
        "requests sent by clients",
    ]
    # one step per minute, the last one drawn to the end of its minute
    assert list(ax.lines[1].get_xdata()) == [0, 1, 2, 3]
    assert list(ax.lines[1].get_ydata()) == [3, 3, 3, 3]


def test_prices_and_cost_per_saved_call():
    monthly = plots.monthly_price({"0.5": 0.02, "237": 3.8})
    assert monthly == {"0.5": 14.6, "237": 2774.0}
    # 1 req/s, all hits: 2,592,000 calls saved a month for $14.60
    assert plots.cost_per_million_saved(0.02, 1.0, 1.0) == pytest.approx(14.6 / 2.592)
    assert math.isinf(plots.cost_per_million_saved(0.02, 1.0, 0.0))
    assert {"0.5", "237"}.isdisjoint(plots.UNCERTAIN_PRICE_SIZES)
    assert "6.1" in plots.UNCERTAIN_PRICE_SIZES


def test_cost_plot():
    fig = plots.plot_cache_costs(hit_ratio=0.5, loads=(1, 10), compare=("0.5", "6.1"))
    left, right = fig.axes
    assert fig.get_suptitle() == "What a cache cluster costs (us-east-1)"
    assert left.get_ylabel() == "USD per month"
    assert left.get_xlabel() == "cacheClusterSize"
    assert [t.get_text() for t in left.get_legend().get_texts()] == [
        "price with a source",
        "commonly quoted, not confirmed [unc]",
    ]
    assert right.get_xlabel() == "steady load on the cached methods (requests/s)"
    assert right.get_ylabel() == "USD per million calls saved"
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["0.5 GB", "6.1 GB"]
    # ten times the load, a tenth of the cost per saved call
    ys = right.lines[0].get_ydata()
    assert ys[0] == pytest.approx(10 * ys[1])
