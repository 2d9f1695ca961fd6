"""Route 53 on moto, for custom domains: alias targets checked as AWS checks them, and
health checks that report what the emulator's health checkers saw.

Installed once by :func:`helpers.gateway.moto_hooks.install`:

- ``change_resource_record_sets`` refuses an alias to an API Gateway or CloudFront name
  with the wrong ``HostedZoneId`` (the source documents' example aliases a regional
  ``d-...execute-api.ap-northeast-1.amazonaws.com`` name in CloudFront's zone
  ``Z2FDTNDATAQYW2``: AWS answers ``InvalidChangeBatch``), and one whose target does not
  exist.
- ``create_health_check`` keeps the whole configuration (moto dropped ``AlarmIdentifier``
  and ``InsufficientDataHealthStatus``).
- ``get_health_check_status`` answers from :mod:`helpers.gateway.health_checks` (moto always
  said "Success").
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

#: [obs] Route 53's answer for an alias outside its target's zone, and for a target that
#: does not exist (both sentences when the zone is wrong)
NOT_IN_ZONE = (
    "Tried to create an alias that targets {target}., type {type} in zone {zone}, "
    "but the alias target name does not lie within the target zone"
)
NOT_FOUND = (
    "Tried to create an alias that targets {target}., type {type} in zone {zone}, "
    "but that target was not found"
)
_REGIONAL = re.compile(r"^d-[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")
_CLOUDFRONT = re.compile(r"^d[a-z0-9]+\.cloudfront\.net$")
#: the health checkers' status source: a callable(health check) -> list of observations
status_source: list[Callable[[Any], list[dict[str, Any]]]] = []
_installed = False


def _invalid(messages: list[str]) -> Exception:
    from moto.route53.exceptions import Route53ClientError

    return Route53ClientError("InvalidChangeBatch", "[" + ", ".join(messages) + "]")


def alias_problems(account_id: str, record_set: dict[str, Any]) -> list[str]:
    """What Route 53 says about an alias record's target, [] when it is fine. Only API
    Gateway's regional names and CloudFront distributions are checked (other AWS targets
    pass, as moto let them)."""
    from . import control_plane, moto_domains

    alias = record_set.get("AliasTarget") or {}
    target = str(alias.get("DNSName") or "").lower().rstrip(".")
    zone = str(alias.get("HostedZoneId") or "")
    kind = record_set.get("Type") or "A"
    if not target:
        return []
    text = {"target": target, "type": kind, "zone": zone}
    regional = _REGIONAL.match(target)
    if regional:
        region = regional.group(1)
        right_zone = moto_domains.REGIONAL_HOSTED_ZONES.get(region)
        exists = any(
            getattr(d, "regional_domain_name", None) == target
            for d in control_plane.custom_domains(account_id, region)
        )
    elif _CLOUDFRONT.match(target):
        right_zone = moto_domains.EDGE_HOSTED_ZONE
        exists = _cloudfront_exists(account_id, target)
    else:
        return []
    problems = []
    if zone != right_zone:
        problems.append(NOT_IN_ZONE.format(**text))
    if zone != right_zone or not exists:
        problems.append(NOT_FOUND.format(**text))
    return problems


def _cloudfront_exists(account_id: str, target: str) -> bool:
    from moto.apigateway.models import apigateway_backends

    for backend in list(apigateway_backends[account_id].values()):
        for domain in list(backend.domain_names.values()):
            if getattr(domain, "distribution_domain_name", None) == target:
                return True
    return False


def _patch() -> None:
    from moto.route53.models import Route53Backend
    from moto.route53.responses import Route53

    original_change = Route53Backend.change_resource_record_sets

    def change_resource_record_sets(
        self: Any, zoneid: str, change_list: list[dict[str, Any]]
    ) -> None:
        problems: list[str] = []
        for change in change_list or []:
            if change.get("Action") in ("CREATE", "UPSERT"):
                problems += alias_problems(self.account_id, change.get("ResourceRecordSet") or {})
        if problems:
            raise _invalid(problems)
        return original_change(self, zoneid, change_list)

    Route53Backend.change_resource_record_sets = change_resource_record_sets  # type: ignore[method-assign]

    original_create = Route53.create_health_check

    def create_health_check(self: Any) -> Any:
        config = self._get_param("HealthCheckConfig") or {}
        result = original_create(self)
        check = result.result["HealthCheck"]
        check.apigw_lab_config = dict(config)
        check.apigw_lab_created = time.time()  # the lab clock: probes start from here
        return result

    Route53.create_health_check = create_health_check  # type: ignore[method-assign]

    original_status = Route53.get_health_check_status

    def get_health_check_status(self: Any) -> Any:
        from moto.core.responses import ActionResult

        if not status_source:
            return original_status(self)
        check = self.backend.get_health_check(self._get_param("HealthCheckId"))
        return ActionResult({"HealthCheckObservations": status_source[0](check)})

    Route53.get_health_check_status = get_health_check_status  # type: ignore[method-assign]


def install() -> None:
    """Patch moto's Route 53 once (idempotent)."""
    global _installed
    if _installed:
        return
    _patch()
    _installed = True
