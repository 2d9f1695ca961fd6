"""The answers WebSocket APIs give themselves (reference §9).

During the handshake (``$connect``) an error refuses the upgrade with its HTTP status. Once
connected, API Gateway tells the client about a message it could not process by sending it
a message of its own, ``{"message": "Forbidden", "connectionId":"…", "requestId":"…"}``
(spacing as AWS sends it). WebSocket APIs have no gateway responses to customise.
Facts marked [unc] are inferred, not documented; each lives in one class here.
"""

from __future__ import annotations

import json

from .errors import GatewayError


class WebSocketError(GatewayError):
    """Base of the WebSocket answers."""

    error_type = None

    def client_message(self, connection_id: str, request_id: str) -> str:
        """The frame sent to the client when a message fails."""
        return (
            f'{{"message": {json.dumps(self.message)}, "connectionId":"{connection_id}", '
            f'"requestId":"{request_id}"}}'
        )

    def handshake_body(self) -> bytes:
        """The body of a refused handshake [unc]."""
        return json.dumps({"message": self.message}).encode()


class StageNotFound(WebSocketError):
    """A handshake to a stage that does not exist or was never deployed [unc: 403]."""

    response_type = "RESOURCE_NOT_FOUND"
    status = 403
    default_message = "Forbidden"


class RouteNotFound(WebSocketError):
    """No route matches the message and the API has no ``$default`` route."""

    response_type = "RESOURCE_NOT_FOUND"
    status = 403
    default_message = "Forbidden"


class Unauthorized(WebSocketError):
    """The ``$connect`` authorizer found no identity, or said Unauthorized."""

    response_type = "UNAUTHORIZED"
    status = 401
    default_message = "Unauthorized"


class Forbidden(WebSocketError):
    """The ``$connect`` authorizer's policy denied the connection (or IAM did)."""

    response_type = "ACCESS_DENIED"
    status = 403
    default_message = "Forbidden"


class IntegrationFailure(WebSocketError):
    """The integration failed: the function raised, is missing, may not be invoked, or the
    authorizer failed."""

    response_type = "INTEGRATION_FAILURE"
    status = 500
    default_message = "Internal server error"


class IntegrationTimeout(WebSocketError):
    """The integration did not answer within its time-out [unc: text as REST's]."""

    response_type = "INTEGRATION_TIMEOUT"
    status = 504
    default_message = "Endpoint request timed out"


class Throttled(WebSocketError):
    """A route or account bucket ran out [unc: the text, as the other API types']."""

    response_type = "THROTTLED"
    status = 429
    default_message = "Too Many Requests"


class HandshakeRefused(WebSocketError):
    """The ``$connect`` integration answered a status outside 2xx: the upgrade is refused
    with that status (and no body [unc])."""

    response_type = "CONNECT_REFUSED"
    default_message = ""

    def __init__(self, status: int, *, reason: str = "") -> None:
        super().__init__(reason=reason)
        self.status = status  # type: ignore[misc]

    def handshake_body(self) -> bytes:
        return b""
