"""Where the data plane starts an HTTP API (apigatewayv2) request: its invocation context.

HTTP APIs name a request by one id, sent back as the ``apigw-requestid`` header and given
to the integration as ``requestContext.requestId`` (and, in payload 1.0, as
``extendedRequestId`` too): a short base64 token such as ``"JaxQjEw1IAMFlmQ="``.
"""

from __future__ import annotations

import time
from typing import Any

from .context import InvocationContext
from .http import HttpRequest
from .trace import Trace

#: bytes of randomness in an HTTP API request id (16 base64 characters, one "=")
REQUEST_ID_BYTES = 11


def http_context(plane: Any, request: HttpRequest, api: Any, region: str) -> InvocationContext:
    """A fresh context for a request to the HTTP API ``api`` (moto's apigatewayv2 ``Api``)."""
    request_id = plane.ids.token(REQUEST_ID_BYTES)
    return InvocationContext(
        request=request,
        request_id=request_id,
        extended_request_id=request_id,
        request_time=plane.clock.now(),
        started=time.perf_counter(),
        account_id=plane.account_id,
        region=region,
        plane=plane,
        api_id=api.api_id,
        api_type="HTTP",
        endpoint_type="REGIONAL",
        trace=Trace(request_id, api_id=api.api_id),
        http_api=api,
    )
