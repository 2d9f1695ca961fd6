"""Service data botocore and moto read again and again, read once per process.

**Regions.** botocore's ``Session.get_available_regions``, remembered for the process and
answered without parsing whole service models.

moto asks it for every service backend it sets up (after every reset), and importing
moto's CloudFormation (which imports EC2) asks it three more times, each from a new
session. botocore answers by loading the service's whole model (EC2's is megabytes of
JSON) only to read one field, ``metadata.endpointPrefix``, then looks the prefix up in
``endpoints.json``. Here the prefix is read from the head of the model file (the metadata
block comes first), one shared session resolves it, and each answer is remembered: the
lists are those botocore gives (the same data), at a fraction of the cost (about a second
of CPU per notebook that uses templates). Anything unusual falls back to botocore's own
method.

**moto's model loader.** moto makes a new data loader for each service model it reads (to
route a service's first request, to parse its parameters), and a new loader lists every
service directory again before it reads one model (some 0.1 s each time). Here moto gets
one loader for the process, the same kind (with moto's own model extras). The boto3
session moto keeps for its region lists reads through boto3's default loader, so
``endpoints.json`` (a megabyte of JSON) is parsed once per process, not twice.

**moto's request routing.** moto routes a REST service's requests (API Gateway, Lambda,
Route 53, ...) with a Werkzeug URL map of the service's operations, built on the service's
first request. Werkzeug compiles two URL *builders* per rule as it adds it (generated
Python, through ``ast`` and ``compile``): about 0.2 s per service, for builders moto never
calls, since it only matches URLs. Here each builder is compiled the first time it is
called instead (never, in the lab), so building a URL still works as before.
"""

from __future__ import annotations

import gzip
import os
import re
import threading
from typing import Any

_PREFIX = re.compile(rb'"endpointPrefix"\s*:\s*"([^"]+)"')
_HEAD_BYTES = 8192
_lock = threading.Lock()
_answers: dict[tuple[str, str, bool], list[str]] = {}
_shared: list[Any] = []
_original: list[Any] = []


_loader: list[Any] = []


def share_loader(session: Any) -> None:
    """Make a boto3 (or botocore) session read botocore's data through the process's one
    data loader (the first session's), which parses each file once: ``endpoints.json``
    and the service models, for every session the lab makes (a new default session at
    each ``helpers.connect()``, moto's own). Every session reads the same data path."""
    core = getattr(session, "_session", session)
    if getattr(core, "apigw_lab_shared", False):
        return
    if _loader:
        core.register_component("data_loader", _loader[0])
    else:
        _loader.append(core.get_component("data_loader"))
    core.apigw_lab_shared = True


def _session() -> Any:
    """A botocore session for the look-ups, reading through the shared data loader (so
    ``endpoints.json``, already read for boto3's clients, is not parsed again)."""
    if not _shared:
        import boto3
        import botocore.session

        share_loader(boto3._get_default_session())
        session = botocore.session.Session()
        share_loader(session)
        _shared.append(session)
    return _shared[0]


def endpoint_prefix(loader: Any, service_name: str) -> str | None:
    """``metadata.endpointPrefix`` of the service's latest model, read from the file's
    head; None when the file or the field cannot be found that way."""
    try:
        version = loader.determine_latest_version(service_name, "service-2")
    except Exception:
        return None
    for root in loader.search_paths:
        base = os.path.join(root, service_name, version, "service-2.json")
        for path, opener in ((base, open), (base + ".gz", gzip.open)):
            if os.path.isfile(path):
                with opener(path, "rb") as handle:
                    head = handle.read(_HEAD_BYTES)
                found = _PREFIX.search(head)
                return found.group(1).decode() if found else None
    return None


def get_available_regions(
    self: Any, service_name: str, partition_name: str = "aws", allow_non_regional: bool = False
) -> list[str]:
    key = (service_name, partition_name, bool(allow_non_regional))
    with _lock:
        known = _answers.get(key)
    if known is not None:
        return list(known)
    session = _session()
    prefix = endpoint_prefix(session.get_component("data_loader"), service_name)
    if prefix is None:
        answer = _original[0](session, service_name, partition_name, allow_non_regional)
    else:
        resolver = session._get_internal_component("endpoint_resolver")
        answer = resolver.get_available_endpoints(prefix, partition_name, allow_non_regional)
    with _lock:
        _answers[key] = list(answer)
    return list(answer)


def _one_moto_loader() -> None:
    from functools import cache

    import moto.core.utils

    make = moto.core.utils.create_loader
    if getattr(make, "apigw_lab", False):
        return
    shared = cache(make)
    shared.apigw_lab = True  # type: ignore[attr-defined]
    moto.core.utils.create_loader = shared  # type: ignore[assignment]


def _moto_session_shares_loader() -> None:
    from moto.core.base_backend import AccountSpecificBackend

    _session()
    share_loader(AccountSpecificBackend.get_session())  # made once per process (cached)


def _lazy_url_builders() -> None:
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "apigw_lab", False):
        return

    def _compile_builder(self: Any, append_unknown: bool = True) -> Any:
        compiled: list[Any] = []

        def build(rule: Any, *args: Any, **kwargs: Any) -> Any:
            if not compiled:
                compiled.append(compile_builder(rule, append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build

    _compile_builder.apigw_lab = True  # type: ignore[attr-defined]
    Rule._compile_builder = _compile_builder  # type: ignore[method-assign]


def install() -> None:
    """Answer every botocore session's ``get_available_regions`` this way, give moto one
    model loader, and compile URL builders when they are used (idempotent)."""
    import botocore.session

    _one_moto_loader()
    _moto_session_shares_loader()
    _lazy_url_builders()
    if _original:
        return
    _original.append(botocore.session.Session.get_available_regions)
    botocore.session.Session.get_available_regions = get_available_regions  # type: ignore[method-assign]
