"""Lab 05's spec as data (a ``sendPrivate`` route on the WebSocket chat ``ChatAPI``) and the
messages the check sends and expects. What the check says is in the lab's message catalogue
(``helpers/messages/<lang>/lab05.toml``)."""

from __future__ import annotations

from typing import Any

NAME = "ChatAPI"
STAGE = "production"
ROUTE_SELECTION = "$request.body.action"
#: the route the learner adds; route keys are matched exactly (case-sensitive)
ROUTE = "sendPrivate"
#: the given chat's routes (functions/chat.py)
CHAT_ROUTES = ("$connect", "$disconnect", "sendMessage")
TABLE = "ChatConnections"
#: the table's global secondary index on ``userId`` (the source documents' name), queried
#: for a recipient's connections instead of scanning the table
INDEX = "UserIdIndex"
CHAT_FUNCTION = "chat"
PRIVATE_FUNCTION = "chat-private"
PRIVATE_FILE = "private_chat.py"
PRIVATE_HANDLER = "private_chat.handler"

#: the check's three clients (``?name=``), and a name nobody uses
SENDER, RECIPIENT, BYSTANDER = "alice", "bob", "carol"
USERS = (SENDER, RECIPIENT, BYSTANDER)
NOBODY = "dave"
#: what the check's clients say
PRIVATE_TEXT = "lab 05 check: lunch at noon?"
NOBODY_TEXT = "lab 05 check: anyone there?"
GONE_TEXT = "lab 05 check: still there?"
BROADCAST_TEXT = "lab 05 check: hello, everyone"
#: a row the check adds for a connection of bob's that is gone (a well-formed connection id
#: that no connection has: @connections answers GoneException [unc: on AWS, for an id that
#: was never issued, rather than BadRequestException])
GONE_CONNECTION_ID = "lab05CheckGone0="


def private_request(to: str, message: str) -> dict[str, Any]:
    """What a client sends for a private message."""
    return {"action": ROUTE, "to": to, "message": message}


def private_message(sender: str, to: str, message: str) -> dict[str, Any]:
    """What the recipient (and no one else) gets."""
    return {"from": sender, "to": to, "message": message, "private": True}


def nobody_error(to: str) -> dict[str, Any]:
    """What the sender gets when nobody called ``to`` is connected."""
    return {"error": f"nobody called {to} is connected"}


def broadcast_request(message: str) -> dict[str, Any]:
    return {"action": "sendMessage", "message": message}


def broadcast_message(sender: str, message: str) -> dict[str, Any]:
    """What everyone gets from the given chat's ``sendMessage`` (functions/chat.py)."""
    return {"from": sender, "message": message}
