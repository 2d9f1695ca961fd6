"""Custom domain names in the data plane: which API and stage a host name and path reach.

A request to ``https://api.example.com/v1/orders/7`` is answered only when DNS resolves
``api.example.com`` (:mod:`helpers.gateway.dns`: a Route 53 record in a public hosted zone)
to an API Gateway custom domain's target (its ``regionalDomainName`` or CloudFront
``distributionDomainName``). API Gateway then picks the mapping (reference §4.3, DG
"rest-api-mappings"):

- the **longest** mapping key that prefix-matches the request path segment by segment
  (``v1/orders`` before ``v1``; ``v10`` does not match ``v1``);
- else the empty (``(none)``) mapping, when there is one;
- else ``403 {"message":"Forbidden"}``.

The matched key is removed and the rest is routed against the mapped stage; the stage name
is not part of a custom-domain URL (a mapping without a stage, possible on REST, takes the
stage from the next path segment).

:func:`select` is the pure rule (unit-tested); :class:`CustomDomains` wires it to DNS and
to the control plane.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import control_plane
from .dns import Resolution, Resolver

_REGIONAL = re.compile(r"^d-[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")
_DEFAULT_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")
_CLOUDFRONT = re.compile(r"^d[a-z0-9]+\.cloudfront\.net$")


@dataclass(frozen=True, slots=True)
class Mapping:
    """One base path / API mapping: key ``""`` is the empty ``(none)`` mapping; ``stage``
    None means the stage is the next path segment (REST ``stage: (none)``)."""

    key: str
    api_id: str
    stage: str | None
    api_type: str = "REST"


def select(mappings: Sequence[Mapping], raw_path: str) -> tuple[Mapping, str] | None:
    """The mapping a request path reaches and the path left after its key (still
    percent-encoded, starting with ``/``); None when none matches."""
    segments = (raw_path or "/").lstrip("/").split("/")
    decoded = [unquote(s) for s in segments]
    best: tuple[int, Mapping] | None = None
    for mapping in mappings:
        if not mapping.key:
            continue
        key_parts = mapping.key.split("/")
        if decoded[: len(key_parts)] == key_parts and (best is None or len(key_parts) > best[0]):
            best = (len(key_parts), mapping)
    if best is not None:
        depth, mapping = best
        return mapping, "/" + "/".join(segments[depth:])
    empty = next((m for m in mappings if not m.key), None)
    if empty is not None:
        return empty, raw_path or "/"
    return None


@dataclass(slots=True)
class DomainMatch:
    """Where a request to a custom domain goes (``mapping`` None: nowhere, 403)."""

    host: str
    region: str
    endpoint_type: str
    mapping: Mapping | None
    #: the request path after the mapping key (percent-encoded), "/" at least
    path: str
    #: how DNS resolved the host, one line per record
    dns: tuple[str, ...] = ()
    #: why no mapping answers (for the trace)
    reason: str = ""

    @property
    def base_path(self) -> str:
        return self.mapping.key if self.mapping is not None else ""


class NotServed(LookupError):
    """The host name does not resolve, or not to something the emulator serves."""


class CustomDomains:
    """Custom domain routing for one data plane (one account, every Region)."""

    def __init__(self, account_id: str, resolver: Resolver) -> None:
        self.account_id = account_id
        self.dns = resolver

    def claims(self, host: str) -> bool:
        """Whether the emulator answers for ``host`` besides execute-api names: a name a
        public hosted zone is authoritative for."""
        return self.dns.claims(host)

    def route(self, host: str, raw_path: str) -> DomainMatch:
        """Resolve ``host`` and pick the mapping for ``raw_path``. Raises
        :class:`NotServed` when the name does not resolve (the client's DNS lookup fails)."""
        host = host.split(":")[0].lower().rstrip(".")
        direct = _REGIONAL.match(host)
        if direct or _CLOUDFRONT.match(host):
            region = direct.group(1) if direct else "us-east-1"
            return DomainMatch(
                host,
                region,
                "REGIONAL" if direct else "EDGE",
                None,
                raw_path,
                reason=f"{host} is an alias target; API Gateway routes by the custom domain "
                "name the client asks for (Host header), and no custom domain is named so",
            )
        answer = self.dns.resolve(host)
        if answer is None:
            raise NotServed(f"{host}: no Route 53 public hosted zone is authoritative for it")
        if answer.target is None:
            raise NotServed(f"{host} does not resolve ({'; '.join(answer.steps)})")
        return self._at_target(host, answer, raw_path)

    def _at_target(self, host: str, answer: Resolution, raw_path: str) -> DomainMatch:
        target = answer.target or ""
        steps = answer.steps
        regional = _REGIONAL.match(target)
        if regional:
            region, kind = regional.group(1), "REGIONAL"
        elif _CLOUDFRONT.match(target):
            region, kind = self._edge_region(target), "EDGE"
            if region is None:
                raise NotServed(f"{host} resolves to {target}, which is not an API Gateway domain")
        elif _DEFAULT_HOST.match(target):
            return DomainMatch(
                host,
                _DEFAULT_HOST.match(target).group(1),  # type: ignore[union-attr]
                "REGIONAL",
                None,
                raw_path,
                steps,
                reason=f"{host} points at the default endpoint {target}, which answers only "
                "its own name: create a custom domain name and alias its target [unc]",
            )
        else:
            raise NotServed(f"{host} resolves to {target}, which apigw-lab does not serve")
        domain = control_plane.custom_domain(self.account_id, region, host)
        if domain is None or _target_of(domain) != target:
            return DomainMatch(
                host,
                region,
                kind,
                None,
                raw_path,
                steps,
                reason=f"no custom domain name {host} with target {target} in {region}",
            )
        mappings = [
            Mapping(
                "" if m.base_path == "(none)" else m.base_path,
                m.rest_api_id,
                m.stage,
                getattr(m, "apigw_lab_api_type", "REST"),
            )
            for m in control_plane.domain_mappings(self.account_id, region, host)
        ]
        found = select(mappings, raw_path)
        if found is None:
            keys = ", ".join(m.key or "(none)" for m in mappings) or "none"
            return DomainMatch(
                host,
                region,
                kind,
                None,
                raw_path,
                steps,
                reason=f"no mapping of {host} matches {raw_path} (mappings: {keys})",
            )
        mapping, rest = found
        return DomainMatch(host, region, kind, mapping, rest, steps)

    def _edge_region(self, target: str) -> str | None:
        from moto.apigateway.models import apigateway_backends

        for region, backend in list(apigateway_backends[self.account_id].items()):
            for domain in list(backend.domain_names.values()):
                if getattr(domain, "distribution_domain_name", None) == target:
                    return region
        return None


def _target_of(domain: Any) -> str | None:
    return getattr(domain, "regional_domain_name", None) or getattr(
        domain, "distribution_domain_name", None
    )
