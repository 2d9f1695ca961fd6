"""The wire-level request and response the data plane works on.

Every front door (the in-process ``requests`` transport, the localhost server, a direct
call in a benchmark) turns what it received into an :class:`HttpRequest` and sends back
the :class:`HttpResponse` the pipeline produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: a header name HTTP/1.1 can carry: an RFC 9110 token
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: what a header value may not hold: control characters other than HTAB (CR, LF and NUL
#: among them), and characters outside ISO-8859-1, which has no octet for them
_NOT_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
_NAMES = {"\r": "a carriage return (\\r)", "\n": "a line feed (\\n)", "\x00": "a NUL (\\0)"}


def header_problem(name: str, value: str) -> str | None:
    """Why an HTTP/1.1 response cannot carry the header ``name: value``, or None if it can.

    A value may hold visible ASCII, spaces, tabs and ISO-8859-1 octets (RFC 9110 obs-text,
    what ``http.client`` decodes them as); a name must be a token. Every front door puts the
    same field on the wire (or hands it to ``requests``), so the pipeline checks a field
    before it becomes part of a response, and both front doors give the same answer.
    """
    if not _TOKEN.fullmatch(name):
        return f"header name {name!r} is not an HTTP token"
    bad = _NOT_IN_VALUE.search(value)
    if bad is None:
        return None
    char = bad.group()
    what = _NAMES.get(char) or (
        f"{char!r} (U+{ord(char):04X}), outside ISO-8859-1"
        if ord(char) > 0xFF
        else f"the control character U+{ord(char):04X}"
    )
    return f"header {name!r}: its value holds {what}"


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
        size = len(name)
        found = None
        for key, value in self.headers:
            if len(key) == size and key.lower() == name:
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
