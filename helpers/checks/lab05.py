"""Lab 05's check: the WebSocket chat ``ChatAPI`` (stage ``production``) has a
``sendPrivate`` route that delivers a message to the connections of one name only.

Behaviour first, with real WebSocket clients (``websocket-client``) on the stage's URL, the
same on both targets: ``alice``, ``bob`` and ``carol`` connect (``?name=``); alice sends bob
a private message (bob gets exactly the spec's JSON, alice and carol nothing), writes to
``dave``, who is not connected (alice gets the spec's error), and writes to bob again while
the table also holds a row of a connection of bob's that is gone (bob still gets it, the
row is deleted, alice gets no error); finally the chat's ``sendMessage`` still reaches all
three. The control plane, and on the moto target the gateway's trace, only explain a
failure. The check closes its clients and waits for their ``$disconnect`` at the end (also
when it fails), so it can run again at once.

Waiting: on the moto target the check waits until the gateway has processed each message
(its trace) and is idle (``lab.settle()``), so "nothing arrived" needs only a short look;
on AWS it waits up to :data:`WAIT_S` for a message that should come and :data:`QUIET_S`
for one that should not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

from botocore.exceptions import ClientError
from websocket import (
    WebSocket,
    WebSocketBadStatusException,
    WebSocketException,
    WebSocketTimeoutException,
    create_connection,
)

from . import lab05_spec as spec
from .common import Report, error_code, fail, messages, short
from .lab05_diagnose import (
    ChatApi,
    Problem,
    difference,
    failed_problem,
    no_route_problem,
    silent_problem,
    trace_reason,
    wrong_message_hint,
)

__all__ = ["check_lab05"]

#: seconds to wait for a message that should arrive (moto: after the gateway processed it)
WAIT_S = {"moto": 2.0, "aws": 10.0}
#: seconds to wait for a message that should not arrive (moto: after the gateway settled,
#: when every frame it sent is already in the client's socket buffer: a short wait suffices)
QUIET_S = {"moto": 0.1, "aws": 2.0}
#: seconds to wait for each next frame of a burst, after the first (moto: already received)
NEXT_S = {"moto": 0.05, "aws": 0.2}
#: moto: how long the gateway may take to process one message (cold starts included)
PROCESS_S = 15.0
#: how long a handshake may take: it waits for the $connect function (at most 29 s)
CONNECT_S = 30.0


# ---------------------------------------------------------------------------- clients


class _Client:
    """One of the check's WebSocket clients, and what it received."""

    def __init__(self, name: str, ws: WebSocket) -> None:
        self.name = name
        self.ws = ws

    def send(self, payload: dict[str, Any]) -> None:
        self.ws.send(json.dumps(payload))

    def inbox(self, wait: float, next_wait: float) -> list[Any]:
        """What arrived: waits ``wait`` seconds for a first message, ``next_wait`` for
        each next one. JSON messages decoded, others as text."""
        got: list[Any] = []
        self.ws.settimeout(wait)
        try:
            while True:
                text = self.ws.recv()
                try:
                    got.append(json.loads(text))
                except ValueError:
                    got.append(text)
                self.ws.settimeout(next_wait)
        except WebSocketTimeoutException:
            return got
        except (WebSocketException, OSError):  # closed: what arrived before is the answer
            return got

    def close(self) -> None:
        with suppress(WebSocketException, OSError):
            self.ws.close()


def _target(chat: ChatApi) -> str:
    return "moto" if getattr(chat.lab, "gateway", None) is not None else "aws"


def _connect_problem(chat: ChatApi, status: int) -> Problem:
    t = chat.texts
    if status == 403 and chat.stage_deployment() is None:
        return (
            t.text("why.no_stage", stage=chat.stage),
            t.text("fix.setup", deploy=t.text("code.deploy")),
        )
    if status == 404:
        return t.text("why.no_api", api_id=chat.api_id), t.text("fix.setup_again")
    return t.text("why.connect_refused"), t.text("fix.connect")


def _connect(chat: ChatApi, criterion: str, name: str) -> _Client:
    __tracebackhide__ = True
    t = chat.texts
    url = f"{chat.lab.websocket_url(chat.api_id, chat.stage)}?name={name}"
    where = t.text("expected.where", stage=chat.stage, api_id=chat.api_id)
    expected = t.text("expected.connect", name=name, where=where)
    try:
        return _Client(name, create_connection(url, timeout=CONNECT_S))
    except WebSocketBadStatusException as exc:
        why, hint = _connect_problem(chat, exc.status_code)
        lines = [t.text("got.refused", name=name, status=exc.status_code)]
        lines.append(t.text("ui.because", why=why))
        reason = trace_reason(chat.lab, event="CONNECT")
        if reason:
            lines.append(t.text("ui.gateway", reason=reason))
        fail(criterion, expected=expected, got="\n".join(lines), hint=hint)
    except (WebSocketException, OSError) as exc:
        fail(
            criterion,
            expected=expected,
            got=t.text("got.no_connection", error=short(str(exc) or type(exc).__name__)),
            hint=t.text("fix.api_id"),
        )


@contextmanager
def _connected(chat: ChatApi, criterion: str) -> Iterator[dict[str, _Client]]:
    """The check's clients, connected one after the other; closed at the end, and their
    ``$disconnect`` waited for (``lab.settle()``)."""
    clients: dict[str, _Client] = {}
    try:
        for name in spec.USERS:
            clients[name] = _connect(chat, criterion, name)
        yield clients
    finally:
        for client in clients.values():
            client.close()
        chat.lab.settle()


# ---------------------------------------------------------------------------- messages


def _seen(chat: ChatApi) -> set[str] | None:
    gateway = getattr(chat.lab, "gateway", None)
    if gateway is None:
        return None
    return {t.request_id for t in gateway.traces.last(200)}


def _processed(chat: ChatApi, seen: set[str] | None) -> None:
    """Moto: wait until the gateway has recorded a new message's trace, then until it is
    idle; every message the function posted has then been sent."""
    if seen is None:
        return
    gateway = chat.lab.gateway
    deadline = time.monotonic() + PROCESS_S
    while time.monotonic() < deadline:
        if any(t.method == "MESSAGE" and t.request_id not in seen for t in gateway.traces.last(20)):
            break
        time.sleep(0.01)
    chat.lab.settle()


def _exchange(
    chat: ChatApi, clients: dict[str, _Client], payload: dict[str, Any], expect: tuple[str, ...]
) -> dict[str, list[Any]]:
    """alice sends ``payload``; what each client got (``expect``: who should get something)."""
    target = _target(chat)
    seen = _seen(chat)
    clients[spec.SENDER].send(payload)
    _processed(chat, seen)
    got = {name: clients[name].inbox(WAIT_S[target], NEXT_S[target]) for name in expect}
    for name in spec.USERS:
        if name not in got:
            got[name] = clients[name].inbox(QUIET_S[target], NEXT_S[target])
    return got


def _gateway_error(message: Any) -> str | None:
    """The text of an error message API Gateway sent itself (``{"message": "Forbidden",
    "connectionId": ..., "requestId": ...}``), or None."""
    if isinstance(message, dict) and {"message", "connectionId", "requestId"} <= set(message):
        return str(message["message"])
    return None


def _show(message: Any) -> str:
    return short(json.dumps(message) if not isinstance(message, str) else message, 160)


def _summary(got: dict[str, list[Any]]) -> str:
    """``bob got nothing; alice got {...}; carol got nothing``."""
    t = messages("lab05")
    parts = []
    for name, received in got.items():
        if not received:
            parts.append(t.text("got.got_nothing", name=name))
        else:
            shown = t.text("got.and").join(_show(m) for m in received)
            parts.append(t.text("got.got", name=name, messages=shown))
    return "; ".join(parts)


def _fail(
    chat: ChatApi,
    criterion: str,
    expected: str,
    got: dict[str, list[Any]],
    problem: Problem,
    route: str = spec.ROUTE,
) -> NoReturn:
    __tracebackhide__ = True
    why, hint = problem
    lines = [_summary(got), chat.texts.text("ui.because", why=why)]
    reason = trace_reason(chat.lab, route)
    if reason:
        lines.append(chat.texts.text("ui.gateway", reason=reason))
    fail(criterion, expected=expected, got="\n".join(lines), hint=hint)


def _error_problem(chat: ChatApi, error: str, what: str) -> Problem:
    """Why API Gateway sent alice an error of its own for a sendPrivate message."""
    if error == "Forbidden":
        return no_route_problem(chat)
    if error == "Internal server error":
        return failed_problem(chat, what)
    return chat.texts.text("why.gateway_error", error=error), chat.texts.text("fix.gateway_error")


def _judge_delivery(
    chat: ChatApi, criterion: str, expected: str, got: dict[str, list[Any]], want: dict[str, Any]
) -> None:
    """bob got ``want`` exactly once, alice and carol nothing."""
    __tracebackhide__ = True
    t = chat.texts
    names = {"alice": spec.SENDER, "bob": spec.RECIPIENT, "carol": spec.BYSTANDER}
    lookup = t.text("code.lookup")
    bob, alice, carol = got[spec.RECIPIENT], got[spec.SENDER], got[spec.BYSTANDER]
    errors = [e for e in map(_gateway_error, alice) if e]
    if errors:
        what = t.text("why.for_message")
        _fail(chat, criterion, expected, got, _error_problem(chat, errors[0], what))
    if want in carol:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (t.text("why.to_bystander", **names), lookup),
        )
    if want in alice:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (t.text("why.to_sender", **names), lookup),
        )
    if not bob:
        _fail(chat, criterion, expected, got, silent_problem(chat))
    if bob != [want]:
        if want in bob:
            problem = (t.text("why.twice", n=bob.count(want), **names), lookup)
        else:
            wrong = next(m for m in bob if m != want)
            problem = (
                t.text("why.not_spec", difference=difference(want, wrong), **names),
                wrong_message_hint(want, wrong),
            )
        _fail(chat, criterion, expected, got, problem)
    if spec.nobody_error(spec.RECIPIENT) in alice:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (t.text("why.told_nobody", **names), t.text("code.nobody")),
        )
    if alice or carol:
        who = spec.SENDER if alice else spec.BYSTANDER
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                t.text("why.extra", who=who),
                t.text("code.response") if who == spec.SENDER else lookup,
            ),
        )


# ---------------------------------------------------------------------------- criteria


def _check_inputs(lab: Any, api_id: Any, stage: Any) -> None:
    __tracebackhide__ = True
    t = messages("lab05")
    if not api_id or not isinstance(api_id, str):
        hint = t.text("fix.inputs")
        with suppress(Exception):
            v2 = lab.session.client("apigatewayv2", region_name=lab.region)
            found = [a["ApiId"] for a in v2.get_apis()["Items"] if a.get("Name") == spec.NAME]
            if found:
                hint = t.text("fix.exists", name=spec.NAME, ids=", ".join(found)) + "\n" + hint
        fail(
            t.text("criteria.inputs_api"),
            expected=t.text("expected.api_id"),
            got=t.text("got.api_id", api_id=api_id),
            hint=hint,
        )
    if stage != spec.STAGE:
        fail(
            t.text("criteria.inputs_stage", stage=spec.STAGE),
            expected=t.text("expected.stage", stage=spec.STAGE),
            got=repr(stage),
            hint=t.text("fix.stage", stage=spec.STAGE),
        )


def _check_api(chat: ChatApi) -> str:
    __tracebackhide__ = True
    t = chat.texts
    criterion = t.text("criteria.api", name=spec.NAME, expression=spec.ROUTE_SELECTION)
    described = chat.describe()
    if described is None:
        fail(
            criterion,
            expected=t.text("expected.api", api_id=chat.api_id),
            got=t.text("got.no_api"),
            hint=t.text("fix.api"),
        )
    kind = described.get("ProtocolType")
    if kind != "WEBSOCKET":
        fail(
            criterion,
            expected=t.text("expected.websocket"),
            got=t.text("got.kind", api_id=chat.api_id, name=described.get("Name"), kind=kind),
            hint=t.text("fix.websocket"),
        )
    expression = described.get("RouteSelectionExpression")
    if expression != spec.ROUTE_SELECTION:
        fail(
            criterion,
            expected=t.text("expected.expression", expression=spec.ROUTE_SELECTION),
            got=repr(expression),
            hint=t.text("fix.expression", expression=spec.ROUTE_SELECTION),
        )
    return criterion


def _private(chat: ChatApi, clients: dict[str, _Client]) -> str:
    __tracebackhide__ = True
    t = chat.texts
    alice, bob, carol = spec.SENDER, spec.RECIPIENT, spec.BYSTANDER
    criterion = t.text("criteria.private", alice=alice, bob=bob)
    want = spec.private_message(alice, bob, spec.PRIVATE_TEXT)
    names = {"alice": alice, "bob": bob, "carol": carol, "want": json.dumps(want)}
    expected = t.text("expected.private", **names)
    got = _exchange(chat, clients, spec.private_request(bob, spec.PRIVATE_TEXT), (bob,))
    _judge_delivery(chat, criterion, expected, got, want)
    return t.text("criteria.private_ok", **names)


def _nobody(chat: ChatApi, clients: dict[str, _Client]) -> str:
    __tracebackhide__ = True
    t = chat.texts
    alice, dave = spec.SENDER, spec.NOBODY
    criterion = t.text("criteria.nobody", dave=dave, alice=alice)
    want = spec.nobody_error(dave)
    expected = t.text(
        "expected.nobody",
        alice=alice,
        want=json.dumps(want),
        bob=spec.RECIPIENT,
        carol=spec.BYSTANDER,
    )
    got = _exchange(chat, clients, spec.private_request(dave, spec.NOBODY_TEXT), (alice,))
    mine = got[alice]
    nobody = t.text("code.nobody")
    errors = [e for e in map(_gateway_error, mine) if e]
    if errors:
        what = t.text("why.when_nobody", dave=dave)
        _fail(chat, criterion, expected, got, _error_problem(chat, errors[0], what))
    others = [n for n in (spec.RECIPIENT, spec.BYSTANDER) if got[n]]
    if others:
        why = t.text("why.nobody_others", dave=dave, others=t.text("got.and").join(others))
        _fail(chat, criterion, expected, got, (why, t.text("code.lookup")))
    if not mine:
        why = t.text("why.nobody_silent", alice=alice, dave=dave)
        _fail(chat, criterion, expected, got, (why, nobody))
    if mine != [want]:
        wrong = next((m for m in mine if m != want), mine[0])
        what = t.text("why.nobody_more") if want in mine else difference(want, wrong)
        _fail(
            chat,
            criterion,
            expected,
            got,
            (t.text("why.nobody_got", alice=alice, what=what), nobody),
        )
    return t.text("criteria.nobody_ok", alice=alice, dave=dave, want=json.dumps(want))


def _gone(chat: ChatApi, clients: dict[str, _Client]) -> str:
    """A row of a connection of bob's that is gone: bob still gets the message, the row is
    deleted, alice gets nothing. The check adds the row, and deletes it if it stays."""
    __tracebackhide__ = True
    t = chat.texts
    alice, bob, carol = spec.SENDER, spec.RECIPIENT, spec.BYSTANDER
    criterion = t.text("criteria.gone", bob=bob)
    ddb = chat.lab.session.client("dynamodb", region_name=chat.lab.region)
    key = {"connectionId": {"S": spec.GONE_CONNECTION_ID}}
    expires = int(chat.lab.clock.now()) + 3600
    try:
        ddb.put_item(
            TableName=spec.TABLE,
            Item={
                **key,
                "userId": {"S": bob},
                "name": {"S": bob},
                "expiresAt": {"N": str(expires)},
            },
        )
    except ClientError as exc:
        fail(
            criterion,
            expected=t.text("expected.table_row", table=spec.TABLE),
            got=f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message')}",
            hint=t.text("fix.table"),
        )
    want = spec.private_message(alice, bob, spec.GONE_TEXT)
    expected = t.text(
        "expected.gone",
        bob=bob,
        want=json.dumps(want),
        alice=alice,
        carol=carol,
        connection=spec.GONE_CONNECTION_ID,
    )
    try:
        got = _exchange(chat, clients, spec.private_request(bob, spec.GONE_TEXT), (bob,))
        gone_row = t.text("why.gone_row", bob=bob, connection=spec.GONE_CONNECTION_ID)
        gone_hint = t.text("code.gone")
        errors = [e for e in map(_gateway_error, got[alice]) if e]
        if "Internal server error" in errors:
            _fail(chat, criterion, expected, got, (gone_row + t.text("why.gone_failed"), gone_hint))
        if not got[bob]:
            why = gone_row + t.text("why.gone_stopped", bob=bob)
            _fail(chat, criterion, expected, got, (why, gone_hint))
        _judge_delivery(chat, criterion, expected, got, want)
        left = ddb.get_item(TableName=spec.TABLE, Key=key, ConsistentRead=True).get("Item")
        if left:
            _fail(chat, criterion, expected, got, (gone_row + t.text("why.gone_left"), gone_hint))
    finally:
        with suppress(ClientError):
            ddb.delete_item(TableName=spec.TABLE, Key=key)
    return t.text("criteria.gone_ok", alice=alice, bob=bob)


def _broadcast(chat: ChatApi, clients: dict[str, _Client]) -> str:
    __tracebackhide__ = True
    t = chat.texts
    criterion = t.text("criteria.broadcast")
    want = spec.broadcast_message(spec.SENDER, spec.BROADCAST_TEXT)
    expected = t.text("expected.broadcast", users=", ".join(spec.USERS), want=json.dumps(want))
    got = _exchange(chat, clients, spec.broadcast_request(spec.BROADCAST_TEXT), spec.USERS)
    if all(got[name] == [want] for name in spec.USERS):
        return t.text("criteria.broadcast_ok", alice=spec.SENDER, want=json.dumps(want))
    _fail(
        chat,
        criterion,
        expected,
        got,
        (t.text("why.broadcast"), t.text("fix.broadcast")),
        route="sendMessage",
    )


def check_lab05(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 05: ``sendPrivate`` delivers to the named recipient only, as the spec says."""
    __tracebackhide__ = True
    t = messages("lab05")
    report = Report(t.text("report.title"))
    _check_inputs(lab, api_id, stage)
    chat = ChatApi(lab, api_id, stage)
    report.ok(_check_api(chat))
    criterion = t.text("criteria.connect", users=", ".join(spec.USERS), stage=spec.STAGE)
    with _connected(chat, criterion) as clients:
        report.ok(
            t.text(
                "criteria.connect_ok",
                first=", ".join(spec.USERS[:-1]),
                last=spec.USERS[-1],
                stage=spec.STAGE,
            )
        )
        report.ok(_private(chat, clients))
        report.ok(_nobody(chat, clients))
        report.ok(_gone(chat, clients))
        report.ok(_broadcast(chat, clients))
    report.done()
