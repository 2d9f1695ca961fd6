"""The throttling playground's callback and the figures of notebook 09.

The callback runs real traffic through the data plane (moto target, lab clock), so its
counts are checked against the token bucket worked out here in exact fractions: a bucket
of ``burst`` tokens, full at the first request, refilled at ``rate`` tokens per second.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import boto3
import matplotlib.pyplot as plt
import pytest

from helpers.playgrounds.throttling import (
    CLIENT,
    make_redraw,
    stage_throttle_patch,
    throttling_playground,
)
from helpers.plots.throttling import (
    bucket_figure,
    layers_figure,
    model_tokens,
    outcomes_figure,
    per_slot,
)
from helpers.traffic import Client, Outcome, Simulation


def bucket_admits(rate: int, burst: int, load: int, seconds: int) -> int:
    """How many of ``load`` evenly spaced requests per second a token bucket admits."""
    tokens, last, admitted = Fraction(burst), Fraction(0), 0
    for k in range(load * seconds):
        t = Fraction(k, load)
        tokens = min(Fraction(burst), tokens + (t - last) * rate)
        last = t
        if tokens >= 1:
            tokens -= 1
            admitted += 1
    return admitted


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def mock_api(fresh_lab: Any) -> str:
    """A REST API whose ``GET /health`` is a MOCK (no key required), on stage ``playground``."""
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    apigw = boto3.client("apigateway", region_name=fresh_lab.region)
    api_id = apigw.create_rest_api(
        name="playground", endpointConfiguration={"types": ["REGIONAL"]}
    )["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    health = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="health")["id"]
    apigw.put_method(
        restApiId=api_id, resourceId=health, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=health,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(
        restApiId=api_id, resourceId=health, httpMethod="GET", statusCode="200"
    )
    apigw.put_integration_response(
        restApiId=api_id, resourceId=health, httpMethod="GET", statusCode="200"
    )
    apigw.create_deployment(restApiId=api_id, stageName="playground")
    return api_id


# ---------------------------------------------------------------------------------- callback


def test_rate_5_burst_10_load_20_for_10_s_admits_what_the_bucket_predicts(
    fresh_lab: Any, mock_api: str
) -> None:
    redraw = make_redraw(fresh_lab, mock_api, "playground", path="health", seconds=10)
    run = redraw(5, 10, 20)
    # 10 tokens at t=0, then 5 a second until the last request at 9.95 s: 59.75 → 59
    assert bucket_admits(5, 10, 20, 10) == 59
    assert (run.accepted, run.throttled, len(run.simulation)) == (59, 141, 200)
    assert run.predicted == 59
    assert run.simulation.counts(CLIENT) == {"ok": 59, "throttled: stage": 141}
    assert run.simulation.statuses(CLIENT) == {200: 59, 429: 141}


@pytest.mark.parametrize(
    ("rate", "burst", "load"),
    [(2, 4, 3), (3, 1, 9), (1, 1, 10), (7, 3, 13), (10, 20, 30), (20, 5, 10)],
)
def test_other_slider_values_admit_what_the_bucket_predicts(
    fresh_lab: Any, mock_api: str, rate: int, burst: int, load: int
) -> None:
    redraw = make_redraw(fresh_lab, mock_api, "playground", path="health", seconds=5)
    run = redraw(rate, burst, load)
    expected = bucket_admits(rate, burst, load, 5)
    assert run.accepted == run.predicted == expected
    assert run.throttled == load * 5 - expected


def test_a_second_run_with_the_same_limits_starts_with_a_full_bucket(
    fresh_lab: Any, mock_api: str
) -> None:
    redraw = make_redraw(fresh_lab, mock_api, "playground", path="health", seconds=4)
    first, second = redraw(2, 6, 8), redraw(2, 6, 8)
    assert first.accepted == second.accepted == bucket_admits(2, 6, 8, 4)


def test_the_callback_sets_the_stage_throttle_through_the_control_plane(
    fresh_lab: Any, mock_api: str
) -> None:
    apigw = boto3.client("apigateway", region_name=fresh_lab.region)
    redraw = make_redraw(fresh_lab, mock_api, "playground", path="health", seconds=2)
    redraw(7, 3, 4)
    settings = apigw.get_stage(restApiId=mock_api, stageName="playground")["methodSettings"]
    assert settings["*/*"]["throttlingRateLimit"] == 7.0
    assert settings["*/*"]["throttlingBurstLimit"] == 3
    redraw(12, 30, 4)
    settings = apigw.get_stage(restApiId=mock_api, stageName="playground")["methodSettings"]
    assert (settings["*/*"]["throttlingRateLimit"], settings["*/*"]["throttlingBurstLimit"]) == (
        12.0,
        30,
    )


def test_the_patch_is_what_a_learner_would_send() -> None:
    assert stage_throttle_patch(2.5, 4) == [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "2.5"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "4"},
    ]


def test_the_callback_figure_has_a_title_axis_labels_and_a_legend(
    fresh_lab: Any, mock_api: str
) -> None:
    run = make_redraw(fresh_lab, mock_api, "playground", path="health", seconds=10)(5, 10, 20)
    (ax,) = run.figure.axes
    assert ax.get_title().startswith("rate 5/s, burst 10, load 20 req/s for 10 s: 59 of 200")
    assert ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "accepted (59)" in labels
    assert "throttled by the stage bucket (141)" in labels
    assert "burst = bucket size (10)" in labels


def test_bad_slider_values_are_refused(fresh_lab: Any, mock_api: str) -> None:
    redraw = make_redraw(fresh_lab, mock_api, "playground", path="health")
    with pytest.raises(ValueError, match="positive"):
        redraw(0, 10, 20)


def test_the_widget_redraws_when_a_slider_moves(fresh_lab: Any, mock_api: str) -> None:
    box = throttling_playground(fresh_lab, mock_api, "playground", path="health", seconds=5)
    rate, burst, load, _done, _output = box.children
    assert (rate.value, burst.value, load.value) == (5, 10, 20)
    assert box.last_run.accepted == bucket_admits(5, 10, 20, 5)
    load.value = 4
    assert box.last_run.load == 4
    assert box.last_run.accepted == bucket_admits(5, 10, 4, 5) == 20
    assert callable(box.redraw)


# ---------------------------------------------------------------------------------- plots


def small_simulation() -> Simulation:
    """Two clients over 3 s: one drains a usage-plan bucket of 2, one is refused a key."""
    plan = [
        Outcome(0.0, "a", 200, "ok", {"usage plan": 1.0, "stage": 9.0, "account": 4999.0}),
        Outcome(0.0, "a", 200, "ok", {"usage plan": 0.0, "stage": 8.0, "account": 4998.0}),
        Outcome(
            0.0,
            "a",
            429,
            "throttled: usage plan",
            {"usage plan": 0.0, "stage": 8.0, "account": 4998.0},
        ),
        Outcome(1.0, "b", 403, "forbidden (API key)"),
        Outcome(1.5, "a", 200, "ok", {"usage plan": 0.5, "stage": 9.0, "account": 4999.0}),
        Outcome(
            2.0, "a", 429, "throttled: stage", {"usage plan": 1.0, "stage": 0.0, "account": 4999.0}
        ),
        Outcome(2.5, "b", 429, "over quota"),
    ]
    return Simulation(plan, 3.0, [Client("a"), Client("b")])


def legend_labels(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_bucket_figure_marks_each_request_where_it_met_the_bucket() -> None:
    fig = bucket_figure(small_simulation(), "usage plan", client="a", rate=1, burst=2)
    (ax,) = fig.axes
    assert ax.get_title() == "The usage plan bucket (a)"
    assert ax.get_xlabel() == "time since the start of the load (s)"
    assert ax.get_ylabel() == "tokens left"
    assert legend_labels(ax) == [
        "tokens in the bucket",
        "burst = bucket size (2)",
        "accepted (3)",
        "throttled by the usage plan bucket (1)",
        "refused by something else (1)",
    ]
    # the line refills at 1 token/s between requests and stops at the burst
    xs, ys = ax.lines[0].get_data()
    assert list(zip(xs, ys, strict=True))[:4] == [(0.0, 1.0), (0.0, 0.0), (0.0, 0.0), (1.5, 1.5)]


def test_bucket_figure_without_rate_draws_a_staircase() -> None:
    fig = bucket_figure(small_simulation(), "stage")
    (ax,) = fig.axes
    assert ax.get_title() == "The stage bucket"
    assert legend_labels(ax)[0] == "tokens in the bucket"
    assert "throttled by the stage bucket (1)" in legend_labels(ax)


def test_bucket_figure_models_the_bucket_when_no_tokens_were_reported() -> None:
    # what the aws target records: statuses and reasons, no tokens
    outcomes = [
        Outcome(t, "c", s, w)
        for t, s, w in [(0.0, 200, "ok"), (0.0, 429, "throttled"), (1.0, 200, "ok")]
    ]
    sim = Simulation(outcomes, 2.0, [Client("c")])
    with pytest.raises(ValueError, match="rate= and burst="):
        bucket_figure(sim, "stage")
    fig = bucket_figure(sim, "stage", rate=1, burst=1)
    labels = legend_labels(fig.axes[0])
    assert labels[0] == "tokens (token-bucket model)"
    assert "throttled by the stage bucket (model) (1)" in labels
    # and one panel per bucket whose limits are given
    fig = layers_figure(sim, ("usage plan", "stage", "account"), limits={"stage": (1, 1)})
    assert [ax.get_title() for ax in fig.axes] == ["stage bucket"]
    with pytest.raises(ValueError, match="no limits given"):
        layers_figure(sim)


def test_model_tokens_is_the_token_bucket() -> None:
    assert model_tokens([0, 0, 0, 0.5, 1.0], rate=2, burst=2) == [
        (1.0, True),
        (0.0, True),
        (0.0, False),
        (0.0, True),
        (0.0, True),
    ]


def test_layers_figure_has_one_panel_per_bucket_met() -> None:
    fig = layers_figure(
        small_simulation(),
        ("usage plan", "stage", "route", "account"),
        client="a",
        limits={"usage plan": (1, 2), "stage": (5, 10)},
    )
    assert [ax.get_title() for ax in fig.axes] == [
        "usage plan bucket",
        "stage bucket",
        "account bucket",
    ]
    assert fig.get_suptitle() == "Which bucket ran dry?"
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None


def test_outcomes_figure_stacks_each_kind_per_second() -> None:
    sim = small_simulation()
    assert per_slot(sim, "a") == {
        "t": [0.0, 1.0, 2.0],
        "accepted": [2, 1, 0],
        "throttled": [1, 0, 1],
        "over quota": [0, 0, 0],
        "other": [0, 0, 0],
    }
    fig = outcomes_figure(sim)
    top, bottom = fig.axes
    assert top.get_title() == "a: 5 sent, 3 accepted, 2 refused"
    assert bottom.get_title() == "b: 2 sent, 0 accepted, 2 refused"
    assert fig.get_suptitle() == "What each client got, second by second"
    assert legend_labels(top) == [
        "accepted",
        "throttled (429 Too Many Requests)",
        "over quota (429 Limit Exceeded)",
        "refused otherwise (403, 5xx ...)",
    ]
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    # b's bars: the 403 at 1 s and the over-quota at 2 s, stacked on zero accepted
    heights = [round(p.get_height()) for p in bottom.patches]
    assert heights == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]


# ---------------------------------------------------------------------------------- the widget


def test_the_clean_up_cell_leaves_the_playground_live_until_done(
    fresh_lab: Any, mock_api: str, capsys: Any
) -> None:
    apigw = boto3.client("apigateway", region_name=fresh_lab.region)
    box = throttling_playground(fresh_lab, mock_api, "playground", path="health", seconds=5)
    rate, _burst, _load, done, output = box.children
    assert fresh_lab.cleanup() == []  # Run All reaches the clean-up cell
    assert f"kept for the playground above until you press its Done button: rest api {mock_api}" in (
        capsys.readouterr().out
    )
    rate.value = 2  # still live
    assert box.last_run.rate == 2
    assert output.outputs[-1]["text"].startswith(f"{box.last_run.accepted} accepted")
    done.click()
    assert apigw.get_rest_apis()["items"] == []
    assert output.outputs[-1]["text"] == f"Done: deleted rest api {mock_api}.\n"
    assert rate.disabled and done.disabled
    assert fresh_lab.cleanup() == []  # nothing held, nothing left


def test_a_failing_redraw_shows_its_error_in_the_widget(fresh_lab: Any, mock_api: str) -> None:
    box = throttling_playground(fresh_lab, mock_api, "playground", path="health", seconds=5)
    rate, _burst, _load, _done, output = box.children
    boto3.client("apigateway", region_name=fresh_lab.region).delete_rest_api(restApiId=mock_api)
    rate.value = 3  # no exception escapes to the log console
    (shown,) = output.outputs
    assert shown["name"] == "stderr"
    assert shown["text"].startswith("The playground could not redraw: NotFoundException")
    assert "run the notebook again from the top" in shown["text"]


def test_a_saved_notebook_shows_a_note_not_the_widget_repr(fresh_lab: Any, mock_api: str) -> None:
    box = throttling_playground(fresh_lab, mock_api, "playground", path="health", seconds=5)
    bundle = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert not bundle["text/plain"].startswith("VBox(")
    assert bundle["text/plain"].startswith(
        "Playground (stage rate (req/s), stage burst (requests), load (req/s)): live in JupyterLab"
    )


def test_running_the_playground_cell_again_hands_the_hold_to_the_new_playground(
    fresh_lab: Any, mock_api: str
) -> None:
    old = throttling_playground(fresh_lab, mock_api, "playground", path="health", seconds=2)
    new = throttling_playground(fresh_lab, mock_api, "playground", path="health", seconds=2)
    assert fresh_lab.cleanup() == []
    assert fresh_lab.release(old) == []  # the old widget's Done: the new one holds the API
    assert fresh_lab.release(new) == [f"rest api {mock_api}"]
