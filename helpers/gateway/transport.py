"""In-process front door: ``requests`` calls to execute-api URLs (REST and HTTP APIs), and to
host names in a Route 53 public hosted zone (custom domains), are answered by the data plane,
without a socket. Everything else goes on to the network (or to moto) as before.

``requests`` (through moto's use of ``responses``) sends every request through
``HTTPAdapter.send``; we wrap it once and pick out execute-api host names cheaply.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from http.client import HTTPMessage
from http.client import responses as reasons
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

from .http import HttpRequest, HttpResponse

_HOST_SUFFIXES = (".amazonaws.com",)
_state: dict[str, Any] = {"handler": None, "original": None, "claims": None}


def current_handler() -> Any:
    """What answers execute-api requests in this process (None when nothing is installed)."""
    return _state.get("handler")


class _OriginalResponse:
    """What ``requests`` reads cookies from (``response._original_response.msg``)."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.msg = HTTPMessage()
        for name, value in headers:
            self.msg[name] = value

    def isclosed(self) -> bool:
        return True


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return _body_bytes(body.read())
    return b"".join(_body_bytes(chunk) for chunk in body)


def to_http_request(prepared: requests.PreparedRequest) -> HttpRequest:
    parts = urlsplit(prepared.url)
    return HttpRequest(
        method=prepared.method or "GET",
        host=parts.netloc,
        path=parts.path or "/",
        query=parts.query,
        headers=list(prepared.headers.items()),
        body=_body_bytes(prepared.body),
        scheme=parts.scheme,
    )


def to_requests_response(
    adapter: HTTPAdapter, prepared: requests.PreparedRequest, resp: HttpResponse
) -> requests.Response:
    raw = HTTPResponse(
        body=io.BytesIO(resp.body),
        headers=HTTPHeaderDict(resp.headers),
        status=resp.status,
        reason=reasons.get(resp.status, ""),
        preload_content=False,
        decode_content=False,
        original_response=_OriginalResponse(resp.headers),  # type: ignore[arg-type]
    )
    return adapter.build_response(prepared, raw)


def install(
    handler: Callable[[HttpRequest], HttpResponse | None],
    claims: Callable[[str], bool] | None = None,
) -> None:
    """Answer execute-api requests with ``handler``; it returns None for hosts it doesn't know,
    which then fail as an unresolvable host name would. ``claims(host)`` says whether another
    host name is the emulator's to answer too (a name in a Route 53 public hosted zone: a
    custom domain, resolved or not)."""
    _state["handler"] = handler
    _state["claims"] = claims
    if _state["original"] is not None and HTTPAdapter.send is _state["wrapper"]:
        return
    original = HTTPAdapter.send

    def send(
        self: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        url = request.url or ""
        host = urlsplit(url).hostname or ""
        claims = _state["claims"]
        if (host.endswith(_HOST_SUFFIXES) and ".execute-api." in host) or (
            claims is not None and claims(host)
        ):
            answer = _state["handler"](to_http_request(request))
            if answer is None:
                raise requests.exceptions.ConnectionError(
                    f"Failed to resolve '{host}' (apigw-lab: no API answers at this name)",
                    request=request,
                )
            return to_requests_response(self, request, answer)
        return original(self, request, **kwargs)

    _state["original"] = original
    _state["wrapper"] = send
    HTTPAdapter.send = send  # type: ignore[method-assign]
