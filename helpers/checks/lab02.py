"""Lab 02's check: the ``feedback`` REST API behaves as its spec says on stage ``v1`` —
a MOCK health check, valid feedback queued in SQS by an ``AWS`` integration (no Lambda),
invalid feedback refused by a request validator, and CORS for a web form.

Behaviour first (requests to the stage, the queue read back with boto3); the control
plane only explains failures, and settles what no request can show (the error mapping
for an SQS failure, and that the role may do nothing but send to the queue).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from ..gateway import policy as iam_policy
from . import lab02_spec as spec
from .common import (
    Report,
    call,
    check_api,
    check_inputs,
    describe,
    fail,
    json_body,
    messages,
    short,
)
from .lab02_diagnose import (
    FeedbackApi,
    accepted_problem,
    explain,
    limitation_hint,
    mock_problem,
    post_problem,
    select,
)

__all__ = ["check_lab02"]

_ORIGIN = {"Origin": spec.ORIGIN}


def _post(api: FeedbackApi, criterion: str, base: str, body: Any) -> requests.Response:
    __tracebackhide__ = True
    return call(
        api.lab,
        criterion,
        "POST",
        f"{base}/feedback",
        json=body,
        headers=_ORIGIN,
        limitation_hint=limitation_hint,
        limitation_expected=api.texts.text("expected.faithful"),
    )


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _take(api: FeedbackApi, url: str, wanted: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """Receive the queue's messages, delete and return those ``wanted`` picks, and make
    the others visible again at once (they are the learner's, not the check's)."""
    wait = 0 if getattr(api.lab, "target", "moto") == "moto" else 1
    taken: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for _ in range(10):
        batch = api.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            (taken if wanted(message) else others).append(message)
    for message in taken:
        api.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    for message in others:
        api.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return taken


def _header(response: requests.Response, name: str) -> str | None:
    return response.headers.get(name)


def _items(value: str, case: Callable[[str], str]) -> set[str]:
    """The comma-separated items of a header value, trimmed and case-folded."""
    return {case(item.strip()) for item in value.split(",")}


def _check_health(api: FeedbackApi, base: str) -> str:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.health")
    health = call(
        api.lab,
        criterion,
        "GET",
        f"{base}/health",
        limitation_hint=limitation_hint,
        limitation_expected=t.text("expected.faithful"),
    )
    if health.status_code != 200:
        got, hint = explain(
            api, health, "GET", "/health", lambda: mock_problem(api, "GET", "/health")
        )
        fail(criterion, expected=t.text("expected.health"), got=got, hint=hint)
    template_hint = t.text("code.health_template")
    body = json_body(criterion, health, t.text("expected.health_body"), template_hint)
    if body != {"status": "ok"}:
        fail(
            criterion,
            expected=t.text("expected.health_body"),
            got=describe(health),
            hint=template_hint,
        )
    return t.text("criteria.health_ok")


def _check_post(api: FeedbackApi, base: str) -> tuple[requests.Response, str]:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.post")
    posted = _post(api, criterion, base, spec.VALID)
    expected = t.text("expected.post")
    if posted.status_code != 200:
        got, hint = explain(api, posted, "POST", "/feedback", lambda: post_problem(api))
        fail(criterion, expected=expected, got=got, hint=hint)
    hint = t.text("fix.queued", queued_template=t.text("code.queued_template"))
    body = json_body(criterion, posted, expected, hint)
    if (
        not isinstance(body, dict)
        or body.get("status") != "queued"
        or not isinstance(body.get("id"), str)
        or not body["id"]
    ):
        problem = post_problem(api)
        got, why_hint = explain(api, posted, "POST", "/feedback", lambda: problem)
        fail(criterion, expected=expected, got=got, hint=why_hint if problem else hint)
    return posted, str(body["id"])


def _check_queued(api: FeedbackApi, message_id: str) -> str:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.queued", queue=spec.QUEUE)
    url = api.queue_url()
    if url is None:
        fail(
            criterion,
            expected=t.text("expected.queue", queue=spec.QUEUE, id=message_id),
            got=t.text("got.no_queue", queue=spec.QUEUE),
            hint=t.text("fix.queue"),
        )
    taken = _take(api, url, lambda m: m["MessageId"] == message_id)
    if not taken:
        uri = api.post_integration().get("uri") or ""
        where = uri.rsplit("/", 1)[-1] if ":sqs:path/" in uri else None
        got = t.text("got.not_in_queue", queue=spec.QUEUE)
        if where != spec.QUEUE:
            got += t.text("got.sent_elsewhere", where=where)
        fail(
            criterion,
            expected=t.text("expected.message", id=message_id, queue=spec.QUEUE),
            got=got,
            hint=t.text("fix.in_queue", uri=t.text("code.uri")),
        )
    body = taken[0]["Body"]
    if _loads(body) != spec.VALID:
        fail(
            criterion,
            expected=t.text("expected.body", body=json.dumps(spec.VALID)),
            got=t.text("got.message_body", body=short(body)),
            hint=t.text("fix.body", request_template=t.text("code.request_template")),
        )
    return t.text("criteria.queued_ok", queue=spec.QUEUE, id=message_id)


def _check_invalid(api: FeedbackApi, base: str) -> tuple[requests.Response, str]:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.invalid")
    refused: requests.Response | None = None
    for label, body, rule in spec.INVALID:
        expected = t.text("expected.invalid", label=label, body=json.dumps(body))
        answer = _post(api, criterion, base, body)
        if answer.status_code == 400:
            if _loads(answer.text) != {"message": "Invalid request body"}:
                fail(
                    criterion,
                    expected=expected,
                    got=describe(answer),
                    hint=t.text("why.custom_body"),
                )
            refused = refused or answer
            continue
        if 200 <= answer.status_code < 300 or answer.status_code == 500:
            why, hint = accepted_problem(api, rule)
            got = describe(answer) + "\n" + t.text("ui.because", why=why)
        else:
            got, hint = explain(api, answer, "POST", "/feedback")
        fail(criterion, expected=expected, got=got, hint=hint)
    assert refused is not None
    bodies = [body for _, body, _ in spec.INVALID]
    url = api.queue_url()
    leaked = _take(api, url, lambda m: _loads(m["Body"]) in bodies) if url else []
    if leaked:
        fail(
            criterion,
            expected=t.text("expected.none_queued", queue=spec.QUEUE),
            got=t.text("got.leaked", n=len(leaked), body=short(leaked[0]["Body"])),
            hint=api.code("validator"),
        )
    labels = ", ".join(label for label, _, _ in spec.INVALID)
    return refused, t.text("criteria.invalid_ok", labels=labels)


def _check_preflight(api: FeedbackApi, base: str) -> str:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.preflight", origin=spec.ORIGIN)
    answer = call(
        api.lab,
        criterion,
        "OPTIONS",
        f"{base}/feedback",
        headers={
            **_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        limitation_hint=limitation_hint,
        limitation_expected=t.text("expected.faithful"),
    )
    expected = t.text("expected.preflight", origin=spec.ORIGIN)
    if answer.status_code != 200:
        got, hint = explain(
            api, answer, "OPTIONS", "/feedback", lambda: mock_problem(api, "OPTIONS", "/feedback")
        )
        fail(criterion, expected=expected, got=got, hint=hint)
    wanted = {
        "Access-Control-Allow-Origin": lambda v: v == spec.ORIGIN,
        "Access-Control-Allow-Methods": lambda v: set(spec.ALLOW_METHODS) <= _items(v, str.upper),
        "Access-Control-Allow-Headers": lambda v: (
            {h.lower() for h in spec.ALLOW_HEADERS} <= _items(v, str.lower)
        ),
    }
    wrong = []
    for name, good in wanted.items():
        value = _header(answer, name)
        if value is None or not good(value):
            wrong.append(
                t.text("got.header", name=name, value=value)
                if value is not None
                else t.text("got.no_header", name=name)
            )
    if wrong:
        got = t.text("got.with_headers", wrong=", ".join(wrong))
        fail(criterion, expected=expected, got=got, hint=t.text("code.preflight"))
    return t.text(
        "criteria.preflight_ok",
        origin=spec.ORIGIN,
        methods=_header(answer, "Access-Control-Allow-Methods"),
        headers=_header(answer, "Access-Control-Allow-Headers"),
    )


def _check_origin(response: requests.Response, criterion: str, hint: str, what: str) -> str:
    __tracebackhide__ = True
    t = messages("lab02")
    origin = _header(response, "Access-Control-Allow-Origin")
    if origin != spec.ORIGIN:
        fail(
            criterion,
            expected=t.text("expected.origin", what=what, origin=spec.ORIGIN),
            got=describe(response)
            + "\n"
            + (t.text("got.origin_value", origin=origin) if origin else t.text("got.no_origin"))
            + t.text("got.browser_hides"),
            hint=hint,
        )
    return t.text("criteria.origin_ok", what=what, origin=origin)


def _check_error_mapping(api: FeedbackApi) -> str:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.error_mapping")
    method = api.post()
    integration = method.get("methodIntegration") or {}
    responses = integration.get("integrationResponses") or {}
    for status in spec.SQS_ERRORS:
        found = select(responses, status)
        problem = None
        if found is None:
            problem = t.text("got.selects_nothing", status=status)
        else:
            key, response = found
            pattern = response.get("selectionPattern")
            how = (
                t.text("got.pattern", pattern=pattern)
                if pattern
                else t.text("got.default_response")
            )
            target = response.get("statusCode") or key
            template = (response.get("responseTemplates") or {}).get("application/json") or ""
            if target != "500":
                problem = t.text("got.selects", status=status, how=how, target=target)
            elif _loads(template) != {"status": "error"}:
                problem = t.text("got.template", status=status, template=template)
            elif "500" not in (method.get("methodResponses") or {}):
                problem = t.text("got.no_500")
        if problem:
            fail(
                criterion,
                expected=t.text("expected.error_mapping"),
                got=problem,
                hint=t.text("code.error_mapping"),
            )
    pattern = select(responses, "500")[1].get("selectionPattern")  # type: ignore[index]
    return t.text("criteria.error_mapping_ok", pattern=pattern)


def _check_role(api: FeedbackApi) -> str:
    __tracebackhide__ = True
    t = api.texts
    arn = api.post_integration().get("credentials") or ""
    name = arn.rsplit("/", 1)[-1]
    criterion = t.text("criteria.role", name=name, queue=spec.QUEUE)
    statements = api.role_statements(name)
    resources = {"queue": api.queue_arn(), "other queue": api.queue_arn("another-queue")}
    for action, which in spec.FORBIDDEN:
        decision = iam_policy.evaluate(
            statements, action=action, resource=resources[which], check_principal=False
        )
        if decision.allowed:
            statement = json.dumps(decision.statement, sort_keys=True)
            fail(
                criterion,
                expected=t.text("expected.least_privilege", arn=api.queue_arn()),
                got=t.text(
                    "got.may_also", action=action, resource=resources[which], statement=statement
                ),
                hint=t.text("fix.least_privilege", send_policy=api.code("send_policy")),
            )
    return criterion


def check_lab02(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 02: the ``feedback`` REST API behaves as the spec says on stage ``v1``."""
    __tracebackhide__ = True
    t = messages("lab02")
    report = Report(t.text("report.title"))
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab02")
    api = FeedbackApi(lab, api_id, stage)
    report.ok(check_api(api, spec.NAME))
    base = lab.invoke_url(api_id, stage).rstrip("/")

    report.ok(_check_health(api, base))
    posted, message_id = _check_post(api, base)
    report.ok(t.text("criteria.post_ok", id=message_id))
    report.ok(_check_queued(api, message_id))
    refused, text = _check_invalid(api, base)
    report.ok(text)
    report.ok(_check_preflight(api, base))
    report.ok(
        _check_origin(
            posted,
            t.text("criteria.origin_post"),
            t.text("code.origin_on_post"),
            t.text("expected.post_200"),
        )
    )
    report.ok(
        _check_origin(
            refused,
            t.text("criteria.origin_400"),
            t.text("code.origin_on_4xx"),
            t.text("expected.the_400"),
        )
    )
    report.ok(_check_error_mapping(api))
    report.ok(_check_role(api))
    report.done()
