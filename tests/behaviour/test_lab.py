"""The lab object: one per process, its virtual clock (shared with moto), tagging and
clean-up by tag, and boto3's ``lambda.invoke`` on the same in-process runtime."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

import helpers
import helpers.lab

pytestmark = pytest.mark.usefixtures("fresh_lab")

UTC = dt.UTC


# ====================================================================================== connect


def test_connect_twice_is_the_same_lab(lab: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIGW_LAB_TARGET", raising=False)
    assert helpers.connect() is lab
    assert helpers.connect("moto") is lab
    assert helpers.connect(" MOTO ") is lab
    assert lab.target == "moto"
    assert repr(lab) == "<apigw-lab on moto, region us-east-1, scope 'course'>"


def test_connect_with_another_scope_retags(lab: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIGW_LAB_TARGET", raising=False)
    try:
        assert helpers.connect(scope="lesson-2") is lab
        assert lab.scope == "lesson-2"
        api = boto3.client("apigateway").create_rest_api(name="scoped")
        assert api["tags"] == {"apigw-lab": "lesson-2"}
    finally:
        helpers.connect(scope="course")
    assert lab.scope == "course"


def test_switching_target_in_a_running_process_is_refused(lab: Any) -> None:
    with pytest.raises(RuntimeError, match="restart the kernel"):
        helpers.connect("aws")


def test_bogus_target_is_a_value_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helpers.lab, "_current", None)  # as in a fresh kernel
    monkeypatch.setenv("APIGW_LAB_TARGET", "bogus")
    with pytest.raises(ValueError, match="unknown target 'bogus'"):
        helpers.connect()
    assert helpers.lab._current is None


def test_urls(lab: Any) -> None:
    assert lab.invoke_url("abc123", "prod") == (
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod/"
    )
    assert lab.invoke_url("abc123", "prod", "/pets/7") == (
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets/7"
    )
    assert lab.server_url.startswith("http://127.0.0.1:")
    assert lab.local_url("abc123", "prod", "pets") == f"{lab.server_url}/abc123/prod/pets"


def test_invoke_url_is_answered_in_process(lab: Any, kit: Any, functions_dir: Path) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    r = requests.get(lab.invoke_url(api.api_id, "prod", "hello"))
    assert r.status_code == 200
    trace = lab.last_trace()
    assert (trace.method, trace.path, trace.status) == ("GET", "/hello", 200)
    assert trace.request_id == r.headers["x-amzn-RequestId"]
    assert [t.request_id for t in lab.traces(1)] == [trace.request_id]


def test_reset_forgets_everything_and_reseeds(lab: Any, kit: Any, functions_dir: Path) -> None:
    api = kit.proxy_api(functions_dir / "echo.py")
    first = requests.get(api.url("/hello")).headers["x-amzn-RequestId"]
    lab.reset()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(api.url("/hello"))
    with pytest.raises(LookupError):
        lab.last_trace()
    # The same calls in the same order give the same ids (moto's are seeded too; they depend
    # on the order in which services are first used, so nothing else is called before).
    kit._role = None  # the role went with the reset
    again = kit.proxy_api(functions_dir / "echo.py")
    assert again.api_id == api.api_id
    assert requests.get(again.url("/hello")).headers["x-amzn-RequestId"] == first
    assert [a["id"] for a in boto3.client("apigateway").get_rest_apis()["items"]] == [api.api_id]


# ====================================================================================== clock


def test_frozen_clock_is_moto_time(lab: Any, kit: Any) -> None:
    lab.clock.freeze("2024-05-01T12:00:00Z")
    assert lab.clock.frozen
    assert time.time() == 1714564800.0
    first = kit.apigw.create_rest_api(name="first")
    assert first["createdDate"] == dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert lab.clock.advance(90) == 1714564890.0
    second = kit.apigw.create_rest_api(name="second")
    assert second["createdDate"] == dt.datetime(2024, 5, 1, 12, 1, 30, tzinfo=UTC)


def test_function_logs_carry_the_frozen_time(lab: Any, kit: Any) -> None:
    lab.clock.freeze("2024-05-01T12:00:00Z")
    api = kit.proxy_api("def handler(event, context):\n    print('hi')\n    return {}\n")
    requests.get(api.url("/hello"))
    name = api.fn_arn.rsplit(":", 1)[-1]
    events = kit.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert "hi\n" in [e["message"] for e in events]
    assert {e["timestamp"] for e in events} == {1714564800000}


def test_deployment_date_and_event_time_agree(lab: Any, kit: Any, functions_dir: Path) -> None:
    lab.clock.freeze(dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    api = kit.proxy_api(functions_dir / "echo.py")
    (deployment,) = kit.apigw.get_deployments(restApiId=api.api_id)["items"]
    assert deployment["createdDate"] == dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    lab.clock.advance(3600)
    event = requests.get(api.url("/hello")).json()
    assert event["requestContext"]["requestTimeEpoch"] == 1714568400000


def test_clock_rules(lab: Any) -> None:
    assert not lab.clock.frozen
    with pytest.raises(RuntimeError, match="freeze"):
        lab.clock.advance(1)
    lab.clock.freeze(1714564800)
    with pytest.raises(ValueError):
        lab.clock.advance(-1)
    lab.clock.freeze("2030-01-01T00:00:00+00:00")  # freezing again moves the frozen clock
    assert time.time() == 1893456000.0
    lab.reset()
    assert not lab.clock.frozen
    assert abs(time.time() - dt.datetime.now(UTC).timestamp()) < 5


# ====================================================================================== tags


def test_creates_are_tagged(lab: Any, kit: Any) -> None:
    api = kit.proxy_api("def handler(event, context):\n    return {}\n")
    assert kit.apigw.get_rest_api(restApiId=api.api_id)["tags"] == {"apigw-lab": "course"}
    assert kit.lam.list_tags(Resource=api.fn_arn)["Tags"] == {"apigw-lab": "course"}
    role = kit.role().rsplit("/", 1)[-1]
    assert {"Key": "apigw-lab", "Value": "course"} in kit.iam.list_role_tags(RoleName=role)["Tags"]
    kit.logs.create_log_group(logGroupName="tagged")
    arn = kit.logs.describe_log_groups(logGroupNamePrefix="tagged")["logGroups"][0]["arn"]
    tags = kit.logs.list_tags_for_resource(resourceArn=arn.removesuffix(":*"))["tags"]
    assert tags == {"apigw-lab": "course"}


def test_explicit_tags_are_kept(lab: Any, kit: Any) -> None:
    api = kit.apigw.create_rest_api(name="mine", tags={"team": "blue"})
    assert api["tags"] == {"team": "blue", "apigw-lab": "course"}


def untagged_client(service: str, operation: str) -> Any:
    """A boto3 client on which the lab's tag adder is unregistered."""
    client = boto3.client(service)
    event = f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.unregister(event, unique_id=f"apigw-lab-tag-{service}-{operation}")
    return client


def test_cleanup_deletes_tagged_resources_only(lab: Any, kit: Any) -> None:
    api = kit.proxy_api("def handler(event, context):\n    return {}\n")
    kit.logs.create_log_group(logGroupName="tagged-group")
    untagged_api = untagged_client("apigateway", "CreateRestApi").create_rest_api(name="not-mine")
    assert untagged_api["tags"] == {}
    untagged_client("logs", "CreateLogGroup").create_log_group(logGroupName="not-mine")

    deleted = lab.cleanup()

    assert f"rest api {api.api_id}" in deleted
    assert f"function {api.fn_arn.rsplit(':', 1)[-1]}" in deleted
    assert "log group tagged-group" in deleted
    assert any(d.startswith("role ") for d in deleted)
    assert [a["id"] for a in kit.apigw.get_rest_apis()["items"]] == [untagged_api["id"]]
    assert [g["logGroupName"] for g in kit.logs.describe_log_groups()["logGroups"]] == ["not-mine"]
    assert kit.lam.list_functions()["Functions"] == []
    assert lab.cleanup() == []  # nothing tagged is left
    with pytest.raises(LookupError):
        lab.last_trace()


# ====================================================================================== lambda.invoke


def test_boto3_lambda_invoke_runs_the_same_runtime(lab: Any, kit: Any) -> None:
    source = (
        "def handler(event, context):\n"
        "    if event.get('fail'):\n"
        "        raise KeyError('nope')\n"
        "    print('adding')\n"
        "    return {'sum': event['a'] + event['b'], 'request': context.aws_request_id}\n"
    )
    arn = kit.function(source)
    ok = kit.lam.invoke(FunctionName=arn, Payload=json.dumps({"a": 1, "b": 2}), LogType="Tail")
    assert ok["StatusCode"] == 200
    assert "FunctionError" not in ok
    result = json.loads(ok["Payload"].read())
    assert result["sum"] == 3
    log = base64.b64decode(ok["LogResult"]).decode()
    assert f"START RequestId: {result['request']}" in log
    assert "adding" in log

    failed = kit.lam.invoke(FunctionName=arn, Payload=json.dumps({"fail": True}))
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "KeyError"
    assert error["errorMessage"] == "'nope'"
