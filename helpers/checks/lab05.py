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
from .common import Report, error_code, fail, short
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
    if status == 403 and chat.stage_deployment() is None:
        return (
            f"stage {chat.stage!r} does not exist or serves no deployment",
            f"Run the setup cells again: they create the stage and deploy ({spec.DEPLOY}).",
        )
    if status == 404:
        return (f"there is no WebSocket API {chat.api_id!r}", "Run the setup cells again.")
    return (
        "the chat's $connect route refused the connection (its function failed, or may not "
        "be invoked)",
        f"$connect belongs to the given chat: run the setup cells again, and leave the "
        f"{spec.CHAT_FUNCTION!r} function and its permission as they are.",
    )


def _connect(chat: ChatApi, criterion: str, name: str) -> _Client:
    __tracebackhide__ = True
    url = f"{chat.lab.websocket_url(chat.api_id, chat.stage)}?name={name}"
    where = f"stage {chat.stage!r} of WebSocket API {chat.api_id}"
    try:
        return _Client(name, create_connection(url, timeout=CONNECT_S))
    except WebSocketBadStatusException as exc:
        why, hint = _connect_problem(chat, exc.status_code)
        lines = [f"the handshake of {name} was refused with HTTP {exc.status_code}"]
        lines.append(f"because {why}")
        reason = trace_reason(chat.lab, event="CONNECT")
        if reason:
            lines.append(f"(gateway: {reason})")
        fail(criterion, expected=f"{name} connects to {where}", got="\n".join(lines), hint=hint)
    except (WebSocketException, OSError) as exc:
        fail(
            criterion,
            expected=f"{name} connects to {where}",
            got=f"no connection: {short(str(exc) or type(exc).__name__)}",
            hint="Check api_id: the id create_api returned in the setup cell.",
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
    parts = []
    for name, messages in got.items():
        if not messages:
            parts.append(f"{name} got nothing")
        else:
            parts.append(f"{name} got " + " and ".join(_show(m) for m in messages))
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
    lines = [_summary(got), f"because {why}"]
    reason = trace_reason(chat.lab, route)
    if reason:
        lines.append(f"(gateway: {reason})")
    fail(criterion, expected=expected, got="\n".join(lines), hint=hint)


def _error_problem(chat: ChatApi, error: str, what: str) -> Problem:
    """Why API Gateway sent alice an error of its own for a sendPrivate message."""
    if error == "Forbidden":
        return no_route_problem(chat)
    if error == "Internal server error":
        return failed_problem(chat, what)
    return (
        f'API Gateway could not process the message ("{error}")',
        "Read the gateway's line below (on AWS: the stage's execution logs).",
    )


def _judge_delivery(
    chat: ChatApi, criterion: str, expected: str, got: dict[str, list[Any]], want: dict[str, Any]
) -> None:
    """bob got ``want`` exactly once, alice and carol nothing."""
    __tracebackhide__ = True
    bob, alice, carol = got[spec.RECIPIENT], got[spec.SENDER], got[spec.BYSTANDER]
    errors = [e for e in map(_gateway_error, alice) if e]
    if errors:
        _fail(chat, criterion, expected, got, _error_problem(chat, errors[0], "for this message"))
    if want in carol:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"{spec.BYSTANDER} got {spec.RECIPIENT}'s private message: your function posts "
                "to every connection, as sendMessage's broadcast does, not only to the rows "
                f"whose name is {spec.RECIPIENT!r}",
                spec.LOOKUP_HINT,
            ),
        )
    if want in alice:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"{spec.SENDER} got her own private message back: your function posts to the "
                f"sender too, not only to the rows whose name is {spec.RECIPIENT!r}",
                spec.LOOKUP_HINT,
            ),
        )
    if not bob:
        _fail(chat, criterion, expected, got, silent_problem(chat))
    if bob != [want]:
        if want in bob:
            problem = (
                f"{spec.RECIPIENT} got it {bob.count(want)} times: post once to each of the "
                "recipient's connections",
                spec.LOOKUP_HINT,
            )
        else:
            wrong = next(m for m in bob if m != want)
            problem = (
                f"{spec.RECIPIENT}'s message is not the spec's: {difference(want, wrong)}",
                wrong_message_hint(want, wrong),
            )
        _fail(chat, criterion, expected, got, problem)
    if spec.nobody_error(spec.RECIPIENT) in alice:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"your function told {spec.SENDER} that nobody called {spec.RECIPIENT} is "
                f"connected, though {spec.RECIPIENT} got the message: send the error only "
                "when no post was delivered",
                spec.NOBODY_HINT,
            ),
        )
    if alice or carol:
        who = spec.SENDER if alice else spec.BYSTANDER
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"{who} got a message too: for a private message that was delivered, only "
                f"the recipient gets something. A function's return value goes back to the "
                "sender only on a two-way route (one with a route response): leave "
                f"{spec.ROUTE} one-way and post only to the recipient's connections",
                spec.RESPONSE_HINT if who == spec.SENDER else spec.LOOKUP_HINT,
            ),
        )


# ---------------------------------------------------------------------------- criteria


def _check_inputs(lab: Any, api_id: Any, stage: Any) -> None:
    __tracebackhide__ = True
    if not api_id or not isinstance(api_id, str):
        hint = "Run the setup cells from the top: they build the chat and set api_id."
        with suppress(Exception):
            v2 = lab.session.client("apigatewayv2", region_name=lab.region)
            found = [a["ApiId"] for a in v2.get_apis()["Items"] if a.get("Name") == spec.NAME]
            if found:
                hint = (
                    f"A WebSocket API named {spec.NAME!r} exists (id {', '.join(found)}): "
                    f"assign its id to api_id.\n{hint}"
                )
        fail(
            "the WebSocket API id is set",
            expected="api_id: the id create_api returned (a string such as 'a1b2c3d4e5')",
            got=f"api_id = {api_id!r}: the setup cell that builds the chat has not run",
            hint=hint,
        )
    if stage != spec.STAGE:
        fail(
            f"the stage is {spec.STAGE!r}",
            expected=f"the spec's stage name {spec.STAGE!r}",
            got=f"{stage!r}",
            hint=f'check_lab05(lab, api_id, "{spec.STAGE}")',
        )


def _check_api(chat: ChatApi) -> str:
    __tracebackhide__ = True
    criterion = f"WebSocket API {spec.NAME!r} selects routes by {spec.ROUTE_SELECTION}"
    described = chat.describe()
    if described is None:
        fail(
            criterion,
            expected=f"an API with id {chat.api_id!r}",
            got="no such API (deleted, or an id from another run?)",
            hint="Run the setup cells again and use the api_id they set.",
        )
    kind = described.get("ProtocolType")
    if kind != "WEBSOCKET":
        fail(
            criterion,
            expected="a WebSocket API",
            got=f"API {chat.api_id} ({described.get('Name')!r}) is an {kind} API",
            hint="Use the api_id of the chat the setup cell builds.",
        )
    expression = described.get("RouteSelectionExpression")
    if expression != spec.ROUTE_SELECTION:
        fail(
            criterion,
            expected=f"RouteSelectionExpression {spec.ROUTE_SELECTION!r}",
            got=f"{expression!r}",
            hint="apigatewayv2.update_api(ApiId=api_id, "
            f'RouteSelectionExpression="{spec.ROUTE_SELECTION}"), then deploy again.',
        )
    return criterion


def _private(chat: ChatApi, clients: dict[str, _Client]) -> str:
    __tracebackhide__ = True
    alice, bob = spec.SENDER, spec.RECIPIENT
    criterion = f"{alice} sends {bob} a private message: {bob} gets it, and no one else"
    want = spec.private_message(alice, bob, spec.PRIVATE_TEXT)
    expected = f"{bob} gets {json.dumps(want)}; {alice} and {spec.BYSTANDER} get nothing"
    got = _exchange(chat, clients, spec.private_request(bob, spec.PRIVATE_TEXT), (bob,))
    _judge_delivery(chat, criterion, expected, got, want)
    return (
        f'{alice} → {bob} {{"action": "{spec.ROUTE}", "to": "{bob}", ...}}: {bob} gets '
        f"{json.dumps(want)}; {alice} and {spec.BYSTANDER} get nothing"
    )


def _nobody(chat: ChatApi, clients: dict[str, _Client]) -> str:
    __tracebackhide__ = True
    alice, dave = spec.SENDER, spec.NOBODY
    criterion = f"a private message to {dave}, who is not connected, gets {alice} an error"
    want = spec.nobody_error(dave)
    expected = f"{alice} gets {json.dumps(want)}; {spec.RECIPIENT} and {spec.BYSTANDER} nothing"
    got = _exchange(chat, clients, spec.private_request(dave, spec.NOBODY_TEXT), (alice,))
    mine = got[alice]
    errors = [e for e in map(_gateway_error, mine) if e]
    if errors:
        what = f"when nobody called {dave} is connected"
        _fail(chat, criterion, expected, got, _error_problem(chat, errors[0], what))
    others = [n for n in (spec.RECIPIENT, spec.BYSTANDER) if got[n]]
    if others:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"your function sent the message for {dave} to {' and '.join(others)}: it must "
                f"go to the rows whose name is {dave!r}, and there are none",
                spec.LOOKUP_HINT,
            ),
        )
    if not mine:
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"your function sent {alice} nothing when nobody called {dave} is connected "
                "(a function's return value reaches the client only on a two-way route; this "
                "one is one-way, so post the error to the sender's own connection)",
                spec.NOBODY_HINT,
            ),
        )
    if mine != [want]:
        wrong = next((m for m in mine if m != want), mine[0])
        _fail(
            chat,
            criterion,
            expected,
            got,
            (
                f"{alice} got "
                + ("it more than once" if want in mine else difference(want, wrong)),
                spec.NOBODY_HINT,
            ),
        )
    return f"{alice} → {dave} (not connected): {alice} gets {json.dumps(want)}"


def _gone(chat: ChatApi, clients: dict[str, _Client]) -> str:
    """A row of a connection of bob's that is gone: bob still gets the message, the row is
    deleted, alice gets nothing. The check adds the row, and deletes it if it stays."""
    __tracebackhide__ = True
    alice, bob = spec.SENDER, spec.RECIPIENT
    criterion = (
        f"a private message to {bob}, who also has a row of a connection that is gone, "
        f"reaches {bob}; that row is deleted"
    )
    ddb = chat.lab.session.client("dynamodb", region_name=chat.lab.region)
    key = {"connectionId": {"S": spec.GONE_CONNECTION_ID}}
    expires = int(chat.lab.clock.now()) + 3600
    try:
        ddb.put_item(
            TableName=spec.TABLE,
            Item={**key, "name": {"S": bob}, "expiresAt": {"N": str(expires)}},
        )
    except ClientError as exc:
        fail(
            criterion,
            expected=f"the check can add a row to the table {spec.TABLE!r}",
            got=f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message')}",
            hint="Run the setup cells again: they create the table.",
        )
    want = spec.private_message(alice, bob, spec.GONE_TEXT)
    expected = (
        f"{bob} gets {json.dumps(want)}, {alice} and {spec.BYSTANDER} nothing, and the row "
        f"{spec.GONE_CONNECTION_ID} is deleted"
    )
    try:
        got = _exchange(chat, clients, spec.private_request(bob, spec.GONE_TEXT), (bob,))
        gone_problem = (
            f"the table held a row named {bob} for connection {spec.GONE_CONNECTION_ID}, which "
            "is gone (the check added it: a client that left without its $disconnect): "
            "post_to_connection raises GoneException for it, and your function ",
            spec.GONE_HINT,
        )
        errors = [e for e in map(_gateway_error, got[alice]) if e]
        if "Internal server error" in errors:
            _fail(
                chat,
                criterion,
                expected,
                got,
                (gone_problem[0] + "failed on it", gone_problem[1]),
            )
        if not got[bob]:
            _fail(
                chat,
                criterion,
                expected,
                got,
                (gone_problem[0] + f"stopped there, so {bob} got nothing", gone_problem[1]),
            )
        _judge_delivery(chat, criterion, expected, got, want)
        left = ddb.get_item(TableName=spec.TABLE, Key=key, ConsistentRead=True).get("Item")
        if left:
            _fail(
                chat,
                criterion,
                expected,
                got,
                (
                    gone_problem[0] + "left the row in the table (every later message "
                    "tries it again, until its TTL)",
                    gone_problem[1],
                ),
            )
    finally:
        with suppress(ClientError):
            ddb.delete_item(TableName=spec.TABLE, Key=key)
    return (
        f"{alice} → {bob} while the table also names {bob} for a connection that is gone: "
        f"{bob} gets it, the row of the gone connection is deleted"
    )


def _broadcast(chat: ChatApi, clients: dict[str, _Client]) -> str:
    __tracebackhide__ = True
    criterion = "sendMessage still reaches everyone"
    want = spec.broadcast_message(spec.SENDER, spec.BROADCAST_TEXT)
    expected = f"{', '.join(spec.USERS)} each get {json.dumps(want)}"
    got = _exchange(chat, clients, spec.broadcast_request(spec.BROADCAST_TEXT), spec.USERS)
    if all(got[name] == [want] for name in spec.USERS):
        return (
            f"{spec.SENDER} → everyone (sendMessage, the given chat): alice, bob and carol "
            f"each get {json.dumps(want)}"
        )
    _fail(
        chat,
        criterion,
        expected,
        got,
        (
            "the given chat's sendMessage no longer works as it did",
            "sendMessage belongs to the given chat: run the setup cells again, and leave the "
            f"{spec.CHAT_FUNCTION!r} function, its routes and its permission as they are.",
        ),
        route="sendMessage",
    )


def check_lab05(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 05: ``sendPrivate`` delivers to the named recipient only, as the spec says."""
    __tracebackhide__ = True
    report = Report("lab 05, private messages, meets the spec")
    _check_inputs(lab, api_id, stage)
    chat = ChatApi(lab, api_id, stage)
    report.ok(_check_api(chat))
    criterion = f"{', '.join(spec.USERS)} connect to stage {spec.STAGE!r}"
    with _connected(chat, criterion) as clients:
        report.ok(
            f"{', '.join(spec.USERS[:-1])} and {spec.USERS[-1]} connect to stage "
            f"{spec.STAGE!r} (?name=...)"
        )
        report.ok(_private(chat, clients))
        report.ok(_nobody(chat, clients))
        report.ok(_gone(chat, clients))
        report.ok(_broadcast(chat, clients))
    report.done()
