"""The one HTTP client the data plane uses to call HTTP backends (REST HTTP/HTTP_PROXY
integrations, HTTP API HTTP_PROXY integrations).

Built on urllib3, not ``requests``: moto's ``responses`` mock and our in-process transport
both patch ``requests``. One shared :class:`urllib3.PoolManager` keeps connections alive;
nothing is retried and redirects are returned as they are (API Gateway does not follow them).

A URL on an ``*.execute-api.*.amazonaws.com`` host (an API calling another emulated API) is
answered in-process by the lab's data plane, the handler :mod:`helpers.gateway.transport`
holds; with no lab running (the ``aws`` target) it goes to the network like any other URL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    HTTPError,
    LocationValueError,
    NewConnectionError,
    ProtocolError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import SKIP_HEADER

from .. import transport
from ..errors import EmulatorLimitation
from ..http import HttpRequest

#: connections kept per backend host (one pool a host)
POOL_MAXSIZE = 10
#: how deep an emulated API may call emulated APIs in-process before we call it a loop
MAX_IN_PROCESS_DEPTH = 5

_POOL = urllib3.PoolManager(num_pools=50, maxsize=POOL_MAXSIZE, block=False, retries=False)
_local = threading.local()


@dataclass
class BackendResponse:
    status: int
    #: in the order received, one pair a header line (repeated headers stay repeated)
    headers: list[tuple[str, str]]
    body: bytes
    latency_ms: float

    def header(self, name: str) -> str | None:
        """The first value of a header, looked up case-insensitively."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


class BackendUnreachable(Exception):
    """The backend could not be reached: connection refused, name not resolved, bad URL,
    connection dropped before a whole response arrived."""


class BackendTlsError(BackendUnreachable):
    """The TLS handshake failed (e.g. an untrusted or expired certificate)."""


class BackendTimeout(Exception):
    """The backend did not answer within ``timeout_s``."""


def _is_execute_api(host: str) -> bool:
    return host.endswith(".amazonaws.com") and ".execute-api." in host


def send(
    method: str,
    url: str,
    *,
    headers: list[tuple[str, str]],
    body: bytes,
    timeout_s: float,
) -> BackendResponse:
    """Send one request and return the backend's answer as it is (3xx included).

    ``headers`` are sent exactly as given: no User-Agent or Accept-Encoding is added; Host
    is added (the URL's host) only when absent. Raises :class:`BackendUnreachable` or
    :class:`BackendTimeout`; the caller turns them into gateway responses.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise BackendUnreachable(f"invalid URL {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise BackendUnreachable(f"invalid URL {url!r}: need http(s)://host/...")
    handler = transport.current_handler()
    if handler is not None and _is_execute_api(host):
        return _send_in_process(
            handler, method, url, headers=headers, body=body, timeout_s=timeout_s
        )
    return _send_network(method, url, headers=headers, body=body, timeout_s=timeout_s)


def _send_network(
    method: str, url: str, *, headers: list[tuple[str, str]], body: bytes, timeout_s: float
) -> BackendResponse:
    sent = urllib3.HTTPHeaderDict()
    for name, value in headers:
        sent.add(name, value)
    for name in ("User-Agent", "Accept-Encoding"):
        if name not in sent:
            sent[name] = SKIP_HEADER
    started = time.perf_counter()
    try:
        resp = _POOL.request(
            method.upper(),
            url,
            headers=sent,
            body=body or None,
            timeout=urllib3.Timeout(total=timeout_s),
            retries=False,
            redirect=False,
            preload_content=True,
            decode_content=False,
        )
    except NewConnectionError as exc:  # before Urllib3Timeout: it is a subclass of it
        raise BackendUnreachable(f"{url}: {exc}") from exc
    except Urllib3Timeout as exc:
        raise BackendTimeout(f"{url}: no answer within {timeout_s:g} s") from exc
    except SSLError as exc:
        raise BackendTlsError(f"{url}: TLS handshake failed: {exc}") from exc
    except (LocationValueError, ProtocolError, HTTPError) as exc:
        raise BackendUnreachable(f"{url}: {exc}") from exc
    latency_ms = (time.perf_counter() - started) * 1000
    if latency_ms > timeout_s * 1000:
        # urllib3's timeouts bound each socket operation; API Gateway bounds the whole call
        raise BackendTimeout(f"{url}: answer took {latency_ms:.0f} ms > {timeout_s:g} s")
    return BackendResponse(
        status=resp.status,
        headers=list(resp.headers.items()),
        body=resp.data or b"",
        latency_ms=latency_ms,
    )


def _send_in_process(
    handler: object,
    method: str,
    url: str,
    *,
    headers: list[tuple[str, str]],
    body: bytes,
    timeout_s: float,
) -> BackendResponse:
    depth = getattr(_local, "depth", 0)
    if depth >= MAX_IN_PROCESS_DEPTH:
        raise EmulatorLimitation(
            f"{url}: emulated APIs call each other more than {MAX_IN_PROCESS_DEPTH} deep "
            "in-process (a loop?); on AWS each hop would wait for its integration timeout"
        )
    parts = urlsplit(url)
    sent = list(headers)
    if not any(name.lower() == "host" for name, _ in sent):
        sent.append(("Host", parts.netloc))
    request = HttpRequest(
        method=method.upper(),
        host=parts.netloc,
        path=parts.path or "/",
        query=parts.query,
        headers=sent,
        body=body,
        scheme=parts.scheme,
    )
    started = time.perf_counter()
    _local.depth = depth + 1
    try:
        answer = handler(request)  # type: ignore[operator]
    finally:
        _local.depth = depth
    latency_ms = (time.perf_counter() - started) * 1000
    if answer is None:
        raise BackendUnreachable(f"{url}: name does not resolve (no emulated API answers)")
    if latency_ms > timeout_s * 1000:
        raise BackendTimeout(f"{url}: answer took {latency_ms:.0f} ms > {timeout_s:g} s")
    return BackendResponse(
        status=answer.status,
        headers=list(answer.headers),
        body=answer.body,
        latency_ms=latency_ms,
    )
