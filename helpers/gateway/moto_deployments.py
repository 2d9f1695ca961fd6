"""Deployments as AWS refuses them, for every front door (boto3, the CLI, stacks).

``create_deployment`` of an API whose method has no integration is a
``BadRequestException`` ("No integration defined for method"), as AWS answers it; moto
raised a ``NotFoundException`` (and CloudFormation's event then named the wrong handler
error code). (``delete_deployment`` while a stage or its canary points at the deployment is
refused in :mod:`.moto_stages`.)

Installed at start-up by :func:`helpers.gateway.moto_hooks.install`.
"""

from __future__ import annotations


def _no_integration_is_a_bad_request() -> None:
    import moto.apigateway.exceptions as exceptions
    import moto.apigateway.models as models

    if getattr(exceptions.NoIntegrationDefined, "apigw_lab", False):
        return

    class NoIntegrationDefined(exceptions.BadRequestException):
        apigw_lab = True

        def __init__(self) -> None:
            super().__init__("No integration defined for method")

    exceptions.NoIntegrationDefined = NoIntegrationDefined  # type: ignore[misc]
    models.NoIntegrationDefined = NoIntegrationDefined  # type: ignore[attr-defined,misc]


def install() -> None:
    _no_integration_is_a_bad_request()
