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
from .common import Report, call, check_api, check_inputs, describe, fail, json_body, short
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
#: what a request the emulator cannot answer as AWS would was expected to be
_FAITHFUL = "a request the emulator can answer as AWS would"


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
        limitation_expected=_FAITHFUL,
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
    criterion = 'GET /health answers 200 {"status": "ok"}'
    health = call(
        api.lab,
        criterion,
        "GET",
        f"{base}/health",
        limitation_hint=limitation_hint,
        limitation_expected=_FAITHFUL,
    )
    if health.status_code != 200:
        got, hint = explain(
            api, health, "GET", "/health", lambda: mock_problem(api, "GET", "/health")
        )
        fail(criterion, expected='HTTP 200 {"status": "ok"}', got=got, hint=hint)
    template_hint = (
        'put_integration_response(..., httpMethod="GET", statusCode="200",\n'
        '    responseTemplates={"application/json": \'{"status": "ok"}\'})'
    )
    body = json_body(criterion, health, '{"status": "ok"}', template_hint)
    if body != {"status": "ok"}:
        fail(criterion, expected='{"status": "ok"}', got=describe(health), hint=template_hint)
    return 'GET /health → 200 {"status": "ok"}'


def _check_post(api: FeedbackApi, base: str) -> tuple[requests.Response, str]:
    __tracebackhide__ = True
    criterion = 'POST /feedback with valid feedback answers 200 {"status": "queued", "id": ...}'
    posted = _post(api, criterion, base, spec.VALID)
    expected = 'HTTP 200 {"status": "queued", "id": "<the SQS MessageId>"}'
    if posted.status_code != 200:
        got, hint = explain(api, posted, "POST", "/feedback", lambda: post_problem(api))
        fail(criterion, expected=expected, got=got, hint=hint)
    hint = f"The 200 integration response: {spec.QUEUED_TEMPLATE}"
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
    criterion = f"the feedback is in queue {spec.QUEUE!r}, with the same id and body"
    url = api.queue_url()
    if url is None:
        fail(
            criterion,
            expected=f"an SQS queue named {spec.QUEUE!r} holding message {message_id}",
            got=f"no queue named {spec.QUEUE!r}",
            hint='sqs.create_queue(QueueName="feedback")',
        )
    taken = _take(api, url, lambda m: m["MessageId"] == message_id)
    if not taken:
        uri = api.post_integration().get("uri") or ""
        where = uri.rsplit("/", 1)[-1] if ":sqs:path/" in uri else None
        fail(
            criterion,
            expected=f"message {message_id} in queue {spec.QUEUE!r}",
            got=f"no message with that id in {spec.QUEUE!r}"
            + (f" (the integration sends to queue {where!r})" if where != spec.QUEUE else ""),
            hint=f"put_integration(..., {spec.URI}), then deploy again.",
        )
    body = taken[0]["Body"]
    if _loads(body) != spec.VALID:
        fail(
            criterion,
            expected=f"the request body as it was sent: {json.dumps(spec.VALID)}",
            got=f"message body {short(body)}",
            hint=f"put_integration(..., {spec.REQUEST_TEMPLATE}, ...)",
        )
    return f"the feedback is in queue {spec.QUEUE!r}: message {message_id}, body as sent"


def _check_invalid(api: FeedbackApi, base: str) -> tuple[requests.Response, str]:
    __tracebackhide__ = True
    criterion = 'invalid feedback is refused with 400 "Invalid request body" and never queued'
    refused: requests.Response | None = None
    for label, body, rule in spec.INVALID:
        expected = f'{label}: {json.dumps(body)} → HTTP 400 {{"message": "Invalid request body"}}'
        answer = _post(api, criterion, base, body)
        if answer.status_code == 400:
            if _loads(answer.text) != {"message": "Invalid request body"}:
                fail(
                    criterion,
                    expected=expected,
                    got=describe(answer),
                    hint="A customised gateway response changed the body: on DEFAULT_4XX set "
                    "responseParameters only (keep the default template).",
                )
            refused = refused or answer
            continue
        if 200 <= answer.status_code < 300 or answer.status_code == 500:
            why, hint = accepted_problem(api, rule)
            got = f"{describe(answer)}\nbecause {why}"
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
            expected=f"none of the invalid bodies in queue {spec.QUEUE!r}",
            got=f"{len(leaked)} of them queued, e.g. {short(leaked[0]['Body'])}",
            hint=spec.VALIDATOR,
        )
    labels = ", ".join(label for label, _, _ in spec.INVALID)
    return refused, f'invalid feedback → 400 "Invalid request body", nothing queued ({labels})'


def _check_preflight(api: FeedbackApi, base: str) -> str:
    __tracebackhide__ = True
    criterion = f"a preflight OPTIONS /feedback from {spec.ORIGIN} gets the CORS headers"
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
        limitation_expected=_FAITHFUL,
    )
    expected = (
        f"HTTP 200 with Access-Control-Allow-Origin: {spec.ORIGIN}, "
        "Access-Control-Allow-Methods: POST,OPTIONS, Access-Control-Allow-Headers: Content-Type"
    )
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
            wrong.append(f"{name}: {value}" if value is not None else f"no {name}")
    if wrong:
        got = "HTTP 200 with " + ", ".join(wrong)
        fail(criterion, expected=expected, got=got, hint=spec.PREFLIGHT)
    return (
        f"preflight OPTIONS /feedback from {spec.ORIGIN} → 200, allows "
        f"{_header(answer, 'Access-Control-Allow-Methods')} with "
        f"{_header(answer, 'Access-Control-Allow-Headers')}"
    )


def _check_origin(response: requests.Response, criterion: str, hint: str, what: str) -> str:
    __tracebackhide__ = True
    origin = _header(response, "Access-Control-Allow-Origin")
    if origin != spec.ORIGIN:
        fail(
            criterion,
            expected=f"{what} with Access-Control-Allow-Origin: {spec.ORIGIN}",
            got=f"{describe(response)}\n"
            + (
                f"with Access-Control-Allow-Origin: {origin}"
                if origin
                else "and no Access-Control-Allow-Origin header"
            )
            + ", so the browser hides the answer from the form's script",
            hint=hint,
        )
    return f"{what} carries Access-Control-Allow-Origin: {origin}"


def _check_error_mapping(api: FeedbackApi) -> str:
    __tracebackhide__ = True
    criterion = 'an SQS error (4xx or 5xx) answers 500 {"status": "error"}'
    method = api.post()
    integration = method.get("methodIntegration") or {}
    responses = integration.get("integrationResponses") or {}
    for status in spec.SQS_ERRORS:
        found = select(responses, status)
        problem = None
        if found is None:
            problem = f"an SQS {status} selects no integration response"
        else:
            key, response = found
            pattern = response.get("selectionPattern")
            how = f'selectionPattern "{pattern}"' if pattern else "the default response"
            target = response.get("statusCode") or key
            template = (response.get("responseTemplates") or {}).get("application/json") or ""
            if target != "500":
                problem = f"an SQS {status} selects {how}, so the client gets {target}"
            elif _loads(template) != {"status": "error"}:
                problem = f"an SQS {status} gets the 500 response, whose template is {template!r}"
            elif "500" not in (method.get("methodResponses") or {}):
                problem = "POST /feedback declares no method response 500"
        if problem:
            fail(
                criterion,
                expected='every SQS 4xx/5xx → 500 {"status": "error"} (POST /feedback\'s '
                "integration responses)",
                got=problem,
                hint=spec.ERROR_MAPPING,
            )
    pattern = select(responses, "500")[1].get("selectionPattern")  # type: ignore[index]
    return f'SQS errors → 500 {{"status": "error"}} (selectionPattern "{pattern}")'


def _check_role(api: FeedbackApi) -> str:
    __tracebackhide__ = True
    arn = api.post_integration().get("credentials") or ""
    name = arn.rsplit("/", 1)[-1]
    criterion = f"role {name!r} may send to queue {spec.QUEUE!r} and do nothing else"
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
                expected=f"sqs:SendMessage on {api.queue_arn()} only (least privilege)",
                got=f"the role may also {action} on {resources[which]}\n(statement {statement})",
                hint="Replace broad statements with exactly one:\n"
                + spec.SEND_POLICY
                + "\nand remove the others (iam.delete_role_policy / detach_role_policy).",
            )
    return criterion


def check_lab02(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 02: the ``feedback`` REST API behaves as the spec says on stage ``v1``."""
    __tracebackhide__ = True
    report = Report("lab 02, a feedback API without Lambda, meets the spec")
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab02")
    api = FeedbackApi(lab, api_id, stage)
    report.ok(check_api(api, spec.NAME))
    base = lab.invoke_url(api_id, stage).rstrip("/")

    report.ok(_check_health(api, base))
    posted, message_id = _check_post(api, base)
    report.ok(f'POST /feedback → 200 {{"status": "queued", "id": "{message_id}"}}')
    report.ok(_check_queued(api, message_id))
    refused, text = _check_invalid(api, base)
    report.ok(text)
    report.ok(_check_preflight(api, base))
    report.ok(
        _check_origin(
            posted,
            "the browser may read POST /feedback's 200 (Access-Control-Allow-Origin)",
            spec.ORIGIN_ON_POST,
            "POST /feedback's 200",
        )
    )
    report.ok(
        _check_origin(
            refused,
            "the browser may read a 400 (Access-Control-Allow-Origin on DEFAULT_4XX)",
            spec.ORIGIN_ON_4XX,
            'the 400 "Invalid request body"',
        )
    )
    report.ok(_check_error_mapping(api))
    report.ok(_check_role(api))
    report.done()
