"""Frozen deployments.

``create_deployment`` freezes the API as it is at that moment. The data plane serves a
stage from its deployment's snapshot, so a change made afterwards is not live until the
next deployment, exactly as on AWS ("I forgot to redeploy").

A snapshot holds the API in the shapes the API Gateway API itself returns (``get_rest_api``
and ``get_resources(embed=["methods"])``), deep-copied, so every later step reads fields by
their documented names and no step depends on moto's classes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .router import Router


def _frozen(value: Any) -> Any:
    """A deep, JSON-clean copy (dates become their text form)."""
    return json.loads(json.dumps(value, default=str))


@dataclass(slots=True)
class MethodConfig:
    """One deployed method: the Method resource with its integration, as AWS returns it."""

    resource_id: str
    resource_path: str
    http_method: str
    method: dict[str, Any]

    @property
    def integration(self) -> dict[str, Any] | None:
        return self.method.get("methodIntegration")


@dataclass(slots=True)
class RestSnapshot:
    deployment_id: str
    api: dict[str, Any]
    resources: list[dict[str, Any]]
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateway_responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    request_validators: dict[str, dict[str, Any]] = field(default_factory=dict)
    policy: dict[str, Any] | None = None
    router: Router[MethodConfig] = field(default_factory=Router)
    #: True when the snapshot was taken after the fact (deployment made before the lab started)
    late: bool = False

    @property
    def api_id(self) -> str:
        return self.api["id"]

    @property
    def api_name(self) -> str:
        return self.api.get("name") or self.api["id"]


def snapshot_rest_api(moto_api: Any, deployment_id: str, *, late: bool = False) -> RestSnapshot:
    """Freeze a moto ``RestAPI`` (its resources, methods, integrations, policy, ...)."""
    api = _frozen(moto_api.to_dict())
    resources = [_frozen(r.to_dict()) for r in moto_api.resources.values()]
    policy_text = api.get("policy")
    policy = None
    if policy_text:
        policy = json.loads(policy_text) if isinstance(policy_text, str) else policy_text
    snap = RestSnapshot(
        deployment_id=deployment_id,
        api=api,
        resources=resources,
        authorizers={k: _frozen(v.to_json()) for k, v in moto_api.authorizers.items()},
        gateway_responses={k: _frozen(v.to_json()) for k, v in moto_api.gateway_responses.items()},
        models={k: _frozen(v.to_json()) for k, v in moto_api.models.items()},
        request_validators={
            k: _frozen(v.to_dict()) for k, v in moto_api.request_validators.items()
        },
        policy=policy,
        late=late,
    )
    for res in resources:
        for http_method, method in (res.get("resourceMethods") or {}).items():
            snap.router.add(
                res["path"], http_method, MethodConfig(res["id"], res["path"], http_method, method)
            )
    return snap
