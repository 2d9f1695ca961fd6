"""CloudWatch alarms evaluated on the lab clock (reference ops §6.2): states and reasons,
M of N, missing data, history, and CloudWatch's notification through SNS to a queue, an
e-mail inbox and a Lambda function."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

T0 = "2025-03-01T10:00:00Z"
HANDLER = """
import json


def handler(event, context):
    if event["path"] == "/boom":
        raise ValueError("boom")
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""
DIMS = [{"Name": "ApiName", "Value": "Pets"}, {"Name": "Stage", "Value": "prod"}]


@pytest.fixture
def api(kit: Any, lab: Any) -> Any:
    lab.clock.freeze(T0)
    return kit.proxy_api(HANDLER, (("GET", "/hello"), ("GET", "/boom")), name="Pets")


@pytest.fixture
def pager() -> tuple[str, str]:
    """(topic ARN, queue URL): an SNS topic with an SQS queue subscribed."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="oncall")["TopicArn"]
    queue = sqs.create_queue(QueueName="pages")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, queue


def alarm(kit: Any, topic: str | None = None, **overrides: Any) -> None:
    params: dict[str, Any] = {
        "AlarmName": "pets-5xx",
        "AlarmDescription": "5XX errors on Pets/prod",
        "Namespace": "AWS/ApiGateway",
        "MetricName": "5XXError",
        "Dimensions": DIMS,
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 3,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    if topic:
        params.update(AlarmActions=[topic], OKActions=[topic])
    params.update(overrides)
    kit.cloudwatch.put_metric_alarm(**params)


def state(kit: Any, name: str = "pets-5xx") -> dict[str, Any]:
    return kit.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def fail(api: Any, n: int) -> None:
    for _ in range(n):
        requests.get(api.url("/boom"))


def pages(queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])


def test_a_new_alarm_starts_insufficient_and_moves_on_the_lab_clock(
    kit: Any, api: Any, lab: Any, pager: Any
) -> None:
    topic, queue = pager
    alarm(kit, topic, TreatMissingData="notBreaching")
    first = state(kit)
    assert first["StateValue"] == "OK"  # evaluated at once: no data, treated as not breaching
    fail(api, 5)  # at 10:00 -> the 10:00 minute breaches
    assert state(kit)["StateValue"] == "OK"  # nothing happens until the clock passes 10:01
    lab.clock.advance(60)
    now = state(kit)
    assert now["StateValue"] == "ALARM"
    assert now["StateReason"] == (
        "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (01/03/25 10:00:00)] was greater "
        "than or equal to the threshold (3.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    data = json.loads(now["StateReasonData"])
    assert data["recentDatapoints"] == [5.0] and data["statistic"] == "Sum"
    lab.clock.advance(60)  # the 10:01 minute had no data: not breaching
    assert state(kit)["StateValue"] == "OK"
    subjects = [p["Subject"] for p in pages(queue)]
    assert subjects == [
        'OK: "pets-5xx" in US East (N. Virginia)',
        'ALARM: "pets-5xx" in US East (N. Virginia)',
        'OK: "pets-5xx" in US East (N. Virginia)',
    ]


def test_the_notification_is_cloudwatchs_message(kit: Any, api: Any, lab: Any, pager: Any) -> None:
    topic, queue = pager
    alarm(kit, topic)
    fail(api, 4)
    lab.clock.advance(60)
    (page,) = [p for p in pages(queue) if p["Subject"].startswith("ALARM")]
    assert page["Type"] == "Notification" and page["TopicArn"] == topic
    message = json.loads(page["Message"])
    assert message["AlarmName"] == "pets-5xx"
    assert message["AlarmDescription"] == "5XX errors on Pets/prod"
    assert message["AWSAccountId"] == "123456789012"
    assert message["NewStateValue"] == "ALARM"
    assert message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert message["Region"] == "US East (N. Virginia)"
    assert message["StateChangeTime"] == "2025-03-01T10:01:00.000+0000"
    assert message["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:pets-5xx"
    assert message["Trigger"] == {
        "MetricName": "5XXError",
        "Namespace": "AWS/ApiGateway",
        "StatisticType": "Statistic",
        "Statistic": "SUM",
        "Unit": None,
        "Dimensions": [{"value": "Pets", "name": "ApiName"}, {"value": "prod", "name": "Stage"}],
        "Period": 60,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": 3.0,
        "TreatMissingData": "missing",
        "EvaluateLowSampleCountPercentile": "",
    }


def test_m_out_of_n(kit: Any, api: Any, lab: Any) -> None:
    alarm(kit, EvaluationPeriods=3, DatapointsToAlarm=2, TreatMissingData="notBreaching")
    fail(api, 3)  # 10:00 breaches
    lab.clock.advance(60)
    assert state(kit)["StateValue"] == "OK"  # 1 of 3
    fail(api, 3)  # 10:01 breaches
    lab.clock.advance(60)
    assert state(kit)["StateValue"] == "ALARM"  # 2 of 3
    assert "2 out of the last 3 datapoints" in state(kit)["StateReason"]
    lab.clock.advance(120)
    assert state(kit)["StateValue"] == "OK"


@pytest.mark.parametrize(
    ("treat", "expected"),
    [
        ("missing", "INSUFFICIENT_DATA"),
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
        ("ignore", "ALARM"),
    ],
)
def test_treat_missing_data(kit: Any, api: Any, lab: Any, treat: str, expected: str) -> None:
    fail(api, 3)
    alarm(kit, TreatMissingData=treat)
    lab.clock.advance(60)
    assert state(kit)["StateValue"] == "ALARM"  # the 10:00 minute breached
    lab.clock.advance(300)  # then five minutes without any data
    assert state(kit)["StateValue"] == expected


def test_history_and_set_alarm_state(kit: Any, api: Any, lab: Any, pager: Any) -> None:
    topic, queue = pager
    alarm(kit, topic)
    fail(api, 3)
    lab.clock.advance(60)
    kit.cloudwatch.set_alarm_state(
        AlarmName="pets-5xx", StateValue="OK", StateReason="testing the pager"
    )
    items = kit.cloudwatch.describe_alarm_history(AlarmName="pets-5xx")["AlarmHistoryItems"]
    summaries = [(i["HistoryItemType"], i["HistorySummary"]) for i in items]
    assert summaries == [
        ("Action", f"Successfully executed action {topic}"),
        ("StateUpdate", "Alarm updated from ALARM to OK"),
        ("Action", f"Successfully executed action {topic}"),
        ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM"),
        ("ConfigurationUpdate", 'Alarm "pets-5xx" created'),
    ]
    update = json.loads(items[1]["HistoryData"])
    assert update["oldState"]["stateValue"] == "ALARM"
    assert update["newState"] == {"stateValue": "OK", "stateReason": "testing the pager"}
    only_states = kit.cloudwatch.describe_alarm_history(
        AlarmName="pets-5xx", HistoryItemType="StateUpdate"
    )["AlarmHistoryItems"]
    assert len(only_states) == 2
    assert [p["Subject"].split(":")[0] for p in pages(queue)] == ["ALARM", "OK"]


def test_updating_an_alarm_keeps_its_state(kit: Any, api: Any, lab: Any) -> None:
    alarm(kit)
    fail(api, 3)
    lab.clock.advance(60)
    assert state(kit)["StateValue"] == "ALARM"
    alarm(kit, AlarmDescription="changed")
    assert state(kit)["StateValue"] == "ALARM"
    kinds = [
        i["HistorySummary"]
        for i in kit.cloudwatch.describe_alarm_history(
            AlarmName="pets-5xx", HistoryItemType="ConfigurationUpdate"
        )["AlarmHistoryItems"]
    ]
    assert kinds == ['Alarm "pets-5xx" updated', 'Alarm "pets-5xx" created']


def test_actions_disabled_change_state_but_send_nothing(
    kit: Any, api: Any, lab: Any, pager: Any
) -> None:
    topic, queue = pager
    alarm(kit, topic, ActionsEnabled=False)
    fail(api, 3)
    lab.clock.advance(60)
    assert state(kit)["StateValue"] == "ALARM"
    assert pages(queue) == []


def test_a_percentile_alarm_on_latency(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    api = kit.proxy_api(
        "import time\ndef handler(event, context):\n"
        "    time.sleep(float((event['queryStringParameters'] or {}).get('s', 0)))\n"
        "    return {'statusCode': 200}\n",
        name="Pets",
    )
    kit.cloudwatch.put_metric_alarm(
        AlarmName="pets-p90",
        Namespace="AWS/ApiGateway",
        MetricName="Latency",
        Dimensions=DIMS,
        ExtendedStatistic="p90",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1000,
        ComparisonOperator="GreaterThanThreshold",
    )
    for i in range(10):
        requests.get(api.url("/hello"), params={"s": "2" if i >= 8 else "0"})
    lab.clock.advance(60)
    assert state(kit, "pets-p90")["StateValue"] == "ALARM"  # 2 of 10 took 2 s: p90 > 1 s


def test_email_subscriber_confirms_then_reads_the_alarm(kit: Any, api: Any, lab: Any) -> None:
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="oncall-mail")["TopicArn"]
    answer = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    assert answer["SubscriptionArn"] == "pending confirmation"
    (confirmation,) = lab.mailbox("oncall@example.com")
    assert confirmation.subject == "AWS Notification - Subscription Confirmation"
    alarm(kit, topic)  # INSUFFICIENT_DATA: no notification for a new alarm without data
    fail(api, 3)
    lab.clock.advance(60)
    assert len(lab.mailbox("oncall@example.com")) == 1  # pending: nothing delivered
    token = re.search(r"Token=([0-9a-f]+)", confirmation.body).group(1)
    assert sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"].startswith(
        topic + ":"
    )
    kit.cloudwatch.set_alarm_state(AlarmName="pets-5xx", StateValue="OK", StateReason="ok")
    mail = lab.mailbox("oncall@example.com")[-1]
    assert mail.subject == 'OK: "pets-5xx" in US East (N. Virginia)'
    assert mail.body.startswith(
        'You are receiving this email because your Amazon CloudWatch Alarm "pets-5xx" in the '
        "US East (N. Virginia) region has entered the OK state"
    )
    assert "- State Change:               ALARM -> OK" in mail.body
    assert "If you wish to stop receiving notifications from this topic" in mail.body


def test_a_lambda_subscriber_gets_the_sns_event(kit: Any, api: Any, lab: Any) -> None:
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="oncall-fn")["TopicArn"]
    fn = kit.function(
        "import json\nSEEN = []\ndef handler(event, context):\n"
        "    print('EVENT ' + json.dumps(event))\n"
    )
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    alarm(kit, topic)
    fail(api, 3)
    lab.clock.advance(60)
    logs = kit.logs.filter_log_events(logGroupName=f"/aws/lambda/{fn.split(':')[-1]}")
    events = [
        json.loads(e["message"].split("EVENT ", 1)[1])
        for e in logs["events"]
        if "EVENT " in e["message"]
    ]
    (event,) = events
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == sub
    assert record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["Subject"] == 'ALARM: "pets-5xx" in US East (N. Virginia)'
    assert json.loads(record["Sns"]["Message"])["NewStateValue"] == "ALARM"
    assert record["Sns"]["Timestamp"].startswith("2025-03-01T10:01:00")


def test_metric_math_alarms_say_they_are_not_evaluated(kit: Any, lab: Any) -> None:
    lab.clock.freeze(T0)
    kit.cloudwatch.put_metric_alarm(
        AlarmName="error-rate",
        Metrics=[
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": "5XXError"},
                    "Period": 60,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {"Id": "rate", "Expression": "errors * 100", "ReturnData": True},
        ],
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    found = state(kit, "error-rate")
    assert found["StateValue"] == "INSUFFICIENT_DATA"
    assert "single-metric alarms only" in found["StateReason"]
