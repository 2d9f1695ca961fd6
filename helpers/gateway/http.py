"""The wire-level request and response the data plane works on.

Every front door (the in-process ``requests`` transport, the localhost server, a direct
call in a benchmark) turns what it received into an :class:`HttpRequest` and sends back
the :class:`HttpResponse` the pipeline produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class HttpRequest:
    method: str
    host: str
    #: the path as sent, still percent-encoded, starting with "/"
    path: str
    #: the raw query string without "?"
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    scheme: str = "https"
    #: the Host header exactly as the client sent it, when a front door rewrote ``host``
    #: (the localhost server's path-style URLs); SigV4 verification signs this one
    sent_host: str | None = None
    #: the raw path exactly as the client sent it, when a front door rewrote ``path``
    sent_path: str | None = None

    def header(self, name: str) -> str | None:
        """The last value of a header, looked up case-insensitively."""
        name = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == name:
                found = value
        return found


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None
