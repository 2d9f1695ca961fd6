"""Seeded identifiers for the data plane (request ids, connection ids, ...).

Nothing in the request path calls ``uuid`` or module-level ``random``: every id comes from
an ``IdSource`` seeded when the lab starts, so notebook outputs repeat run after run.
"""

from __future__ import annotations

import binascii
import random

#: the RFC 4122 variant and version 4 bits, as ``uuid.UUID(..., version=4)`` sets them
_UUID_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID_SET = (0x8000 << 48) | (4 << 76)


class IdSource:
    def __init__(self, seed: int = 0) -> None:
        #: the seed (other seeded sources, e.g. the canary split, derive theirs from it)
        self.seed = seed
        self._rng = random.Random(seed)

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self._rng.seed(seed)

    def uuid4(self) -> str:
        """A version-4 shaped UUID, as API Gateway and Lambda use for request ids (what
        ``str(uuid.UUID(int=bits, version=4))`` gives, without building the object: this
        runs two or three times per request)."""
        h = ((self._rng.getrandbits(128) & _UUID_KEEP) | _UUID_SET).to_bytes(16).hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def token(self, nbytes: int = 10) -> str:
        """Base64 text such as an ``extendedRequestId`` (``"JaxQjEw1IAMFlmQ="``)."""
        raw = self._rng.getrandbits(nbytes * 8).to_bytes(nbytes)
        return binascii.b2a_base64(raw, newline=False).decode()

    def seed_value(self) -> int:
        """A seed for another source derived from this one (e.g. one per WebSocket
        connection), so that what it draws does not depend on interleaving with this one."""
        return self._rng.getrandbits(64)

    def hex(self, length: int) -> str:
        return f"{self._rng.getrandbits(length * 4):0{length}x}"
