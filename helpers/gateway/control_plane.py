"""Read-only access to what boto3 created, held by moto (the only module that knows moto's
classes, apart from the patches in :mod:`helpers.gateway.moto_hooks`)."""

from __future__ import annotations

from typing import Any


def rest_api(account_id: str, region: str, api_id: str) -> Any | None:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region].apis.get(api_id)


def lambda_function(account_id: str, region: str, arn_or_name: str) -> Any | None:
    from moto.awslambda.models import lambda_backends
    from moto.core.exceptions import ServiceException

    try:
        return lambda_backends[account_id][region].get_function(arn_or_name)
    except (ServiceException, KeyError, ValueError):
        return None


def lambda_policy_statements(fn: Any) -> list[dict[str, Any]]:
    policy = getattr(fn, "policy", None)
    return list(getattr(policy, "statements", None) or [])
