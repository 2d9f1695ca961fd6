"""``delete_deployment`` as AWS decides it, for every front door (boto3, the CLI, stacks).

AWS refuses to delete a deployment while a stage points at it — the stage's own
``deploymentId`` or its canary's — and only then ("Active stages pointing to this
deployment must be moved or deleted") [doc: API DeleteDeployment]. moto 5.2.5 refuses
whenever the stage the deployment was *created* with still exists, even after that stage
was re-pointed at a newer deployment, so an old deployment could never be deleted (and a
stack whose Deployment got a new logical id could not clean up the old one).

``create_deployment`` of an API whose method has no integration is a
``BadRequestException`` ("No integration defined for method"), as AWS answers it; moto
raised a ``NotFoundException`` (and CloudFormation's event then named the wrong handler
error code).

Installed at start-up by :func:`helpers.gateway.moto_hooks.install`. (The releases branch
carries the same ``delete_deployment`` rule in its stage and deployment fixes; either copy
may stay.)
"""

from __future__ import annotations

from typing import Any


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
    from moto.apigateway.exceptions import StageStillActive
    from moto.apigateway.models import RestAPI

    _no_integration_is_a_bad_request()

    if getattr(RestAPI.delete_deployment, "apigw_lab", False):
        return
    original = RestAPI.delete_deployment

    def delete_deployment(self: Any, deployment_id: str) -> Any:
        if deployment_id not in self.deployments:
            return original(self, deployment_id)  # moto's NotFoundException
        for stage in self.stages.values():
            canary = getattr(stage, "canary_settings", None) or {}
            if deployment_id in (stage.deployment_id, canary.get("deploymentId")):
                raise StageStillActive()
        return self.deployments.pop(deployment_id)

    delete_deployment.apigw_lab = True  # type: ignore[attr-defined]
    RestAPI.delete_deployment = delete_deployment  # type: ignore[method-assign]
