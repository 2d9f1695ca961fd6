"""Route selection of WebSocket messages (reference §9; DG
``apigateway-websocket-api-selection-expressions``): every expression form, how selected
values become route-key text, and which route a message reaches."""

from __future__ import annotations

import json

import pytest

from helpers.gateway.ws import selection
from helpers.gateway.ws.selection import NotJson, evaluate, select

ACTION = "$request.body.action"


@pytest.mark.parametrize(
    ("expression", "body", "expected"),
    [
        (ACTION, {"action": "sendMessage"}, "sendMessage"),
        (ACTION, {"action": "SendMessage"}, "SendMessage"),
        (ACTION, {"other": "x"}, ""),  # a missing path gives ""
        (ACTION, {"action": None}, ""),
        (ACTION, {"action": ""}, ""),
        ("$request.body.a.b", {"a": {"b": "deep"}}, "deep"),
        ("$request.body.a.b", {"a": "flat"}, ""),
        ("$request.body.a.b.c", {"a": {"b": {"c": "deeper"}}}, "deeper"),
        ("${request.body.action}", {"action": "wrapped"}, "wrapped"),
        (
            "${request.body.service}/${request.body.action}",
            {"service": "chat", "action": "send"},
            "chat/send",
        ),
        ("${request.body.service}/${request.body.action}", {"action": "send"}, "/send"),
        ("${request.body.service}/${request.body.action}", {}, "/"),
        ("v1-${request.body.action}-end", {"action": "x"}, "v1-x-end"),
    ],
)
def test_expression_forms(expression: str, body: dict, expected: str) -> None:
    assert evaluate(expression, json.dumps(body)) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["item1", "item2"], "[item1, item2]"),  # the DG's own example
        ([], "[]"),
        ([1, True, "x"], "[1, true, x]"),
        (42, "42"),
        (-3, "-3"),
        (1.5, "1.5"),
        (True, "true"),
        (False, "false"),
        ("text", "text"),
    ],
)
def test_values_become_route_key_text(value: object, text: str) -> None:
    assert evaluate(ACTION, json.dumps({"action": value})) == text


def test_an_object_is_shown_as_compact_json() -> None:
    # [unc] the DG says objects are "stringified" without showing how
    assert evaluate(ACTION, json.dumps({"action": {"k": 1}})) == '{"k":1}'


def test_static_expressions_ignore_the_message() -> None:
    # [unc] the module reads a static expression without parsing the message, so even a
    # non-JSON one reaches the static route (the DG does not say)
    assert evaluate("sendMessage", "not json at all") == "sendMessage"
    assert evaluate("sendMessage", b"\x00binary") == "sendMessage"
    assert evaluate("\\$default", json.dumps({"action": "x"})) == "$default"


@pytest.mark.parametrize("message", ["not json", "{", "", b'{"action": "x"}', b"\xff\x00"])
def test_non_json_and_binary_messages_are_not_json(message: str | bytes) -> None:
    with pytest.raises(NotJson):
        evaluate(ACTION, message)


def test_json_that_is_not_an_object_selects_nothing() -> None:
    assert evaluate(ACTION, "[1, 2]") == ""
    assert evaluate(ACTION, '"text"') == ""
    assert evaluate(ACTION, "7") == ""


ROUTES = {"$connect", "$disconnect", "$default", "sendMessage", "chat/send", "[a, b]", "7"}


@pytest.mark.parametrize(
    ("message", "route", "selected"),
    [
        ('{"action": "sendMessage"}', "sendMessage", "sendMessage"),
        ('{"action": "sendmessage"}', "$default", "sendmessage"),  # case-sensitive
        ('{"action": ["a", "b"]}', "[a, b]", "[a, b]"),
        ('{"action": 7}', "7", "7"),
        ('{"nothing": 1}', "$default", ""),
        ("not json", "$default", "(not JSON)"),
        (b"\x00\x01", "$default", "(not JSON)"),
        # route keys starting with $ are never selected by a message's value
        ('{"action": "$connect"}', "$default", "$connect"),
        ('{"action": "$disconnect"}', "$default", "$disconnect"),
        ('{"action": "$default"}', "$default", "$default"),
    ],
)
def test_select_with_a_default_route(message: str | bytes, route: str, selected: str) -> None:
    assert select(ACTION, message, ROUTES) == (route, selected)


@pytest.mark.parametrize(
    "message", ['{"action": "nope"}', '{"action": "$connect"}', "not json", b"\x00"]
)
def test_select_without_a_default_route_finds_nothing(message: str | bytes) -> None:
    routes = ROUTES - {selection.DEFAULT}
    assert select(ACTION, message, routes)[0] is None


def test_select_with_two_variables() -> None:
    expression = "${request.body.service}/${request.body.action}"
    message = json.dumps({"service": "chat", "action": "send"})
    assert select(expression, message, ROUTES) == ("chat/send", "chat/send")
    assert select(expression, json.dumps({"service": "chat"}), ROUTES) == ("$default", "chat/")


def test_a_static_expression_selects_its_route_for_every_message() -> None:
    assert select("sendMessage", "anything", ROUTES) == ("sendMessage", "sendMessage")
    assert select("\\$default", '{"action": "sendMessage"}', ROUTES) == ("$default", "$default")
