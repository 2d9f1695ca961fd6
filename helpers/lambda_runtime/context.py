"""The context object a handler receives, as Lambda's Python runtime builds it.

Same attributes as ``awslambdaric``'s ``LambdaContext``: ``memory_limit_in_mb`` and
``function_version`` are strings (they come from environment variables there), ``identity``
is a ``CognitoIdentity`` whose fields are ``None`` unless the caller was a Cognito identity,
``client_context`` is ``None`` unless the caller sent one.
``get_remaining_time_in_millis()`` counts down, in real time, to the function's ``Timeout``.
"""

from __future__ import annotations

import time
from typing import Any


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity: dict[str, Any] | None = None) -> None:
        identity = identity or {}
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, client: dict[str, Any]) -> None:
        for field in self.__slots__:
            setattr(self, field, client.get(field))


class ClientContext:
    """``context.client_context``: what the caller sent in ``ClientContext`` (base64 JSON)."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, client_context: dict[str, Any]) -> None:
        self.custom = client_context.get("custom")
        self.env = client_context.get("env")
        client = client_context.get("client")
        self.client = Client(client) if isinstance(client, dict) else None

    def __repr__(self) -> str:
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


class LambdaContext:
    """The ``context`` argument of a handler."""

    __slots__ = (
        "_container",
        "_deadline",
        "_identity",
        "_log",
        "aws_request_id",
        "client_context",
        "invoked_function_arn",
        "tenant_id",
    )

    def __init__(
        self,
        container: Any,
        aws_request_id: str,
        invoked_function_arn: str,
        deadline: float,
        log: Any,
        client_context: Any = None,
    ) -> None:
        self._container = container  # function name, version, memory, log stream
        self.aws_request_id = aws_request_id
        self.invoked_function_arn = invoked_function_arn
        self._deadline = deadline  # time.perf_counter() value of the function's time-out
        self._log = log
        self.client_context = (
            ClientContext(client_context) if isinstance(client_context, dict) else None
        )
        self._identity: CognitoIdentity | None = None
        self.tenant_id = None

    @property
    def function_name(self) -> str:
        return self._container.function_name  # type: ignore[no-any-return]

    @property
    def function_version(self) -> str:
        return self._container.version  # type: ignore[no-any-return]

    @property
    def memory_limit_in_mb(self) -> str:
        return str(self._container.memory_size)

    @property
    def log_group_name(self) -> str:
        return self._container.stream.group_name  # type: ignore[no-any-return]

    @property
    def log_stream_name(self) -> str:
        return self._container.stream.stream_name  # type: ignore[no-any-return]

    @property
    def identity(self) -> CognitoIdentity:
        if self._identity is None:
            self._identity = CognitoIdentity()
        return self._identity

    def get_remaining_time_in_millis(self) -> int:
        from .state import local

        inv = local.inv
        slept = inv.shift_s if inv is not None and inv.virtual else 0.0
        remaining = int((self._deadline - time.perf_counter() - slept) * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg: Any) -> None:
        """Write ``msg`` to the function's log, as is (no newline added)."""
        self._log.add(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}])"
        )
