"""REST API stages and deployments as AWS keeps them, where moto 5.2.5 falls short.

Installed once by :func:`helpers.gateway.moto_hooks.install`. The behaviour lives in moto's
backend and model classes, so every front door gets it: boto3 and the AWS CLI (through
moto's responses) and CloudFormation (whose models call the backend methods). Extended
signatures (keyword-only additions, the originals still work)::

    APIGatewayBackend.create_deployment(function_id, name, description="",
        stage_variables=None, *, stage_description=None, cache_cluster_enabled=None,
        cache_cluster_size=None, canary_settings=None, tracing_enabled=None)
    APIGatewayBackend.create_stage(function_id, stage_name, deploymentId, variables=None,
        description="", cacheClusterEnabled=None, cacheClusterSize=None, tags=None,
        tracing_enabled=None, *, canary_settings=None)
    APIGatewayBackend.get_stages(function_id, *, deployment_id=None)
    APIGatewayBackend.update_stage(function_id, stage_name, patch_operations)

What they do (reference: aws-behavior-releases-ops §1, §2):

- ``create_deployment`` with a new ``stageName`` creates the stage from ``stageDescription``,
  ``variables``, ``cacheClusterEnabled``, ``cacheClusterSize`` and ``tracingEnabled``; with
  an existing stage it points the stage at the new deployment and keeps its settings
  (moto replaced the whole Stage object), the given parameters overwriting theirs. With
  ``canarySettings`` the stage must exist; the new deployment becomes the canary's and the
  stage keeps serving its own.
- ``create_stage`` and ``update_stage`` take ``canarySettings`` and the canary patch paths:
  ``/canarySettings/percentTraffic``, ``/canarySettings/useStageCache``,
  ``/canarySettings/deploymentId``, ``/canarySettings/stageVariableOverrides/{name}``,
  ``remove /canarySettings``, and promotion by the two ``copy`` operations AWS documents.
  ``/deploymentId`` (rollback) must name an existing deployment.
- ``delete_deployment`` is refused while a stage (or a stage's canary) uses it (moto looked
  only at the stage the deployment was first made for).
- ``get_stages(deploymentId=...)`` filters; stages show ``tracingEnabled`` and
  ``cacheClusterStatus`` (``NOT_AVAILABLE`` without a cluster), ``createdDate`` and
  ``lastUpdatedDate``, as AWS does.
- ``update_rest_api`` with ``/disableExecuteApiEndpoint``: ``"False"`` means false (moto
  took any non-empty text for true).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

#: AWS's own list of the stage patch paths, quoted in its "Invalid method setting path"
#: error (reference §1.5); the canary paths are accepted too but not listed [obs]
STAGE_PATCH_PATHS = (
    "/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, "
    "/clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, "
    "/accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, "
    "/{resourcePath}/{httpMethod}/logging/dataTrace, "
    "/{resourcePath}/{httpMethod}/logging/loglevel, "
    "/{resourcePath}/{httpMethod}/throttling/burstLimit, "
    "/{resourcePath}/{httpMethod}/throttling/rateLimit, "
    "/{resourcePath}/{httpMethod}/caching/ttlInSeconds, "
    "/{resourcePath}/{httpMethod}/caching/enabled, "
    "/{resourcePath}/{httpMethod}/caching/dataEncrypted, "
    "/{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, "
    "/{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, "
    "/*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, "
    "/*/*/throttling/burstLimit, /*/*/throttling/rateLimit, /*/*/caching/ttlInSeconds, "
    "/*/*/caching/enabled, /*/*/caching/dataEncrypted, "
    "/*/*/caching/requireAuthorizationForCacheControl, "
    "/*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, "
    "/tracingEnabled"
)
UNKNOWN_DEPLOYMENT = "Deployment id does not exist"  # [obs] LS (update_stage /deploymentId)
STAGE_STILL_ACTIVE = "Active stages pointing to this deployment must be moved or deleted"
CANARY_NEEDS_STAGE_NAME = (
    "Invalid deployment content specified.Non null and non empty stageName must be "
    "provided for canary deployment. Provided value is {value}"
)
CANARY_NEEDS_STAGE = (
    "Invalid deployment content specified.Stage {stage} must already be created before "
    "making a canary release deployment"
)
NO_CANARY = "Promotion not available. Canary does not exist."
INVALID_COPY = (
    "Invalid copy operation with path: {path} and from {source}. Valid copy:path are "
    "[/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, "
    "/canarySettings/stageVariableOverrides]"
)
#: [unc] AWS's wording for a percentTraffic outside 0.0-100.0
PERCENT_RANGE = "Canary traffic percentage must be between 0.0 and 100.0"
#: [unc] a plain create_deployment (no canarySettings) to a stage with a canary points the
#: stage's own deploymentId at the new deployment and keeps the canary as it is (the
#: console instead deploys into the canary; LocalStack drops the canary)
PLAIN_DEPLOY_KEEPS_CANARY = True
#: [unc] create_deployment's ``variables`` on an existing stage are merged into its map
#: (LocalStack replaces the map; AWS does not say)
DEPLOY_VARIABLES_MERGE = True
_COPIES = {
    ("/deploymentId", "/canarySettings/deploymentId"),
    ("/variables", "/canarySettings/stageVariableOverrides"),
}
_installed = False


def _bad_request(message: str) -> Exception:
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(message)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def normal_canary(settings: dict[str, Any] | None, default_deployment: str | None) -> dict:
    """A Stage's ``canarySettings`` as AWS returns it: ``percentTraffic`` (a number, 0.0 when
    not given), ``useStageCache`` (false), ``stageVariableOverrides`` (only when set) and
    ``deploymentId`` (the stage's own when not given)."""
    settings = dict(settings or {})
    out: dict[str, Any] = {
        "deploymentId": settings.get("deploymentId") or default_deployment,
        "percentTraffic": float(settings.get("percentTraffic") or 0.0),
        "useStageCache": bool(settings.get("useStageCache") or False),
    }
    if not 0.0 <= out["percentTraffic"] <= 100.0:
        raise _bad_request(PERCENT_RANGE)
    overrides = settings.get("stageVariableOverrides")
    if overrides:
        out["stageVariableOverrides"] = {str(k): str(v) for k, v in overrides.items()}
    return out


def _check_deployment(api: Any, deployment_id: str | None) -> None:
    if api is not None and deployment_id and deployment_id not in api.deployments:
        raise _bad_request(UNKNOWN_DEPLOYMENT)


def _touch(stage: Any) -> None:
    stage.apigw_lab_updated = int(time.time())


# ---------------------------------------------------------------------------------- stages


def _patch_stage_model() -> None:
    from moto.apigateway.models import Stage

    original_init = Stage.__init__
    original_to_json = Stage.to_json
    original_apply = Stage.apply_operations

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.tracing_enabled is None:
            self.tracing_enabled = False
        if not self.cache_cluster_enabled:
            self.cache_cluster_status = "NOT_AVAILABLE"
        self.canary_settings = None
        self.client_certificate_id = None
        self.apigw_lab_created = self.apigw_lab_updated = int(time.time())

    def to_json(self: Any) -> dict[str, Any]:
        out = original_to_json(self)
        canary = getattr(self, "canary_settings", None)
        if canary is not None:
            out["canarySettings"] = copy.deepcopy(canary)
        if getattr(self, "client_certificate_id", None):
            out["clientCertificateId"] = self.client_certificate_id
        if out.get("accessLogSettings") is None:
            out.pop("accessLogSettings", None)
        created = getattr(self, "apigw_lab_created", None)
        if created is not None:
            out["createdDate"] = created
            out["lastUpdatedDate"] = getattr(self, "apigw_lab_updated", created)
        return out

    def apply_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        """The release paths here, the rest (method settings, access logs, cache) by moto's
        own code, in the order given."""
        api = getattr(self, "apigw_lab_api", None)
        rest: list[dict[str, Any]] = []

        def flush() -> None:
            if rest:
                original_apply(self, list(rest))
                rest.clear()

        for op in patch_operations or []:
            kind = op.get("op")
            path = op.get("path") or ""
            if kind == "copy":
                flush()
                _copy(self, path, op.get("from") or "")
            elif path == "/canarySettings" or path.startswith("/canarySettings/"):
                flush()
                _canary_op(self, api, kind, path, op.get("value"))
            elif path == "/deploymentId":
                _check_deployment(api, op.get("value"))
                self.deployment_id = op.get("value")
            elif path.startswith("/variables/"):
                name = _unescape(path[len("/variables/") :])
                if kind == "remove":
                    self.variables.pop(name, None)
                else:
                    self.variables[name] = "" if op.get("value") is None else str(op["value"])
            elif path == "/tracingEnabled":
                self.tracing_enabled = _truthy(op.get("value"))
            elif path == "/clientCertificateId":
                self.client_certificate_id = op.get("value") if kind != "remove" else None
            else:
                rest.append(op)
        flush()
        if not self.cache_cluster_enabled:
            self.cache_cluster_status = "NOT_AVAILABLE"
        _touch(self)
        return self

    Stage.__init__ = __init__  # type: ignore[method-assign]
    Stage.to_json = to_json  # type: ignore[method-assign]
    Stage.apply_operations = apply_operations  # type: ignore[method-assign]


def _copy(stage: Any, path: str, source: str) -> None:
    """Promotion: ``copy`` from the canary into the stage (reference §2.3)."""
    if (path, source) not in _COPIES:
        raise _bad_request(INVALID_COPY.format(path=path, source=source))
    canary = getattr(stage, "canary_settings", None)
    if canary is None:
        raise _bad_request(NO_CANARY)
    if path == "/deploymentId":
        stage.deployment_id = canary.get("deploymentId") or stage.deployment_id
    else:  # overrides merged into the variables: names not overridden are kept [obs]
        stage.variables = {**(stage.variables or {}), **canary.get("stageVariableOverrides", {})}


def _canary_op(stage: Any, api: Any, kind: str | None, path: str, value: Any) -> None:
    canary = getattr(stage, "canary_settings", None)
    if path == "/canarySettings":
        if kind != "remove":
            raise _bad_request(f"Invalid {kind} operation with path: {path}")
        stage.canary_settings = None
        return
    field, _, rest = path[len("/canarySettings/") :].partition("/")
    if field == "deploymentId" and kind == "add":
        raise _bad_request(f"Invalid add operation with path: {path}")
    known = ("percentTraffic", "useStageCache", "deploymentId", "stageVariableOverrides")
    if field not in known or (field == "stageVariableOverrides" and not rest):
        raise _bad_request(f"Invalid method setting path: {path}. Must be one of: [{STAGE_PATCH_PATHS}]")
    if canary is None:
        if kind == "remove":
            raise _bad_request(NO_CANARY)
        # any replace on a canary path creates the canary on the stage's own deployment
        canary = normal_canary(None, stage.deployment_id)
    canary = dict(canary)
    if field == "percentTraffic":
        try:
            percent = float(value)
        except (TypeError, ValueError):
            raise _bad_request(PERCENT_RANGE) from None
        if not 0.0 <= percent <= 100.0:
            raise _bad_request(PERCENT_RANGE)
        canary["percentTraffic"] = percent
    elif field == "useStageCache":
        canary["useStageCache"] = _truthy(value)
    elif field == "deploymentId":
        _check_deployment(api, value)
        canary["deploymentId"] = value
    else:
        name = _unescape(rest)
        overrides = dict(canary.get("stageVariableOverrides") or {})
        if kind == "remove":
            overrides.pop(name, None)
        else:
            overrides[name] = "" if value is None else str(value)
        if overrides:
            canary["stageVariableOverrides"] = overrides
        else:
            canary.pop("stageVariableOverrides", None)
    stage.canary_settings = canary


# ---------------------------------------------------------------------------------- API


def _patch_rest_api() -> None:
    from moto.apigateway.models import RestAPI, Stage

    from . import moto_hooks

    def create_deployment(
        self: Any,
        name: str,
        description: str,
        stage_variables: Any = None,
        *,
        stage_description: str | None = None,
        cache_cluster_enabled: bool | None = None,
        cache_cluster_size: str | None = None,
        canary_settings: dict[str, Any] | None = None,
        tracing_enabled: bool | None = None,
    ) -> Any:
        from moto.apigateway.models import Deployment
        from moto.apigateway.utils import ApigwDeploymentIdentifier

        existing = self.stages.get(name) if name else None
        if canary_settings is not None:
            if not name:
                raise _bad_request(
                    CANARY_NEEDS_STAGE_NAME.format(value="null" if name is None else "")
                )
            if existing is None:
                raise _bad_request(CANARY_NEEDS_STAGE.format(stage=name))
        deployment_id = ApigwDeploymentIdentifier(
            self.account_id, self.region_name, stage_name=name
        ).generate(list(self.deployments.keys()))
        deployment = Deployment(deployment_id, name, description or "")
        self.deployments[deployment_id] = deployment
        if canary_settings is not None:
            existing.canary_settings = normal_canary(
                {**canary_settings, "deploymentId": deployment_id}, deployment_id
            )
            _touch(existing)
        elif existing is not None:
            existing.deployment_id = deployment_id
            if stage_variables:
                existing.variables = (
                    {**(existing.variables or {}), **stage_variables}
                    if DEPLOY_VARIABLES_MERGE
                    else dict(stage_variables)
                )
            if stage_description is not None:
                existing.description = stage_description
            _cache_cluster(existing, cache_cluster_enabled, cache_cluster_size)
            if tracing_enabled is not None:
                existing.tracing_enabled = bool(tracing_enabled)
            if not PLAIN_DEPLOY_KEEPS_CANARY:
                existing.canary_settings = None
            _touch(existing)
        elif name:
            stage = Stage(
                name=name,
                deployment_id=deployment_id,
                variables=dict(stage_variables or {}),
                description=stage_description or "",
                cacheClusterEnabled=bool(cache_cluster_enabled),
                cacheClusterSize=cache_cluster_size,
                tracing_enabled=bool(tracing_enabled),
            )
            stage.apigw_lab_api = self
            self.stages[name] = stage
        if name:
            self.update_integration_mocks(name)
        for hook in list(moto_hooks.on_rest_deployment):
            hook(self, deployment.id)
        return deployment

    def delete_deployment(self: Any, deployment_id: str) -> Any:
        from moto.apigateway.exceptions import DeploymentNotFoundException

        if deployment_id not in self.deployments:
            raise DeploymentNotFoundException()
        for stage in self.stages.values():
            canary = getattr(stage, "canary_settings", None) or {}
            if deployment_id in (stage.deployment_id, canary.get("deploymentId")):
                raise _bad_request(STAGE_STILL_ACTIVE)
        return self.deployments.pop(deployment_id)

    original_patch = RestAPI.apply_patch_operations

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        rest = []
        for op in patch_operations or []:
            if op.get("path") == "/disableExecuteApiEndpoint" and op.get("op") == "replace":
                self.disableExecuteApiEndpoint = _truthy(op.get("value"))
            else:
                rest.append(op)
        if rest:
            return original_patch(self, rest)
        return None

    def get_deployment(self: Any, deployment_id: str) -> Any:
        from moto.apigateway.exceptions import DeploymentNotFoundException

        found = self.deployments.get(deployment_id)
        if found is None:
            raise DeploymentNotFoundException()
        return found

    RestAPI.get_deployment = get_deployment  # type: ignore[method-assign]
    RestAPI.create_deployment = create_deployment  # type: ignore[method-assign]
    RestAPI.delete_deployment = delete_deployment  # type: ignore[method-assign]
    RestAPI.apply_patch_operations = apply_patch_operations  # type: ignore[method-assign]


def _cache_cluster(stage: Any, enabled: bool | None, size: str | None) -> None:
    if enabled is not None:
        stage.cache_cluster_enabled = bool(enabled)
        stage.cache_cluster_status = "AVAILABLE" if enabled else "NOT_AVAILABLE"
    if size is not None:
        stage.cache_cluster_size = str(size)


def _patch_backend() -> None:
    from moto.apigateway.models import APIGatewayBackend

    original_create_stage = APIGatewayBackend.create_stage
    original_update_stage = APIGatewayBackend.update_stage
    original_get_stages = APIGatewayBackend.get_stages

    def create_deployment(
        self: Any,
        function_id: str,
        name: str,
        description: str = "",
        stage_variables: Any = None,
        *,
        stage_description: str | None = None,
        cache_cluster_enabled: bool | None = None,
        cache_cluster_size: str | None = None,
        canary_settings: dict[str, Any] | None = None,
        tracing_enabled: bool | None = None,
    ) -> Any:
        from moto.apigateway.exceptions import NoIntegrationDefined, NoMethodDefined

        api = self.get_rest_api(function_id)
        methods = [m for res in api.resources.values() for m in res.resource_methods.values()]
        if not methods:
            raise NoMethodDefined()
        if not any(m.method_integration for m in methods):
            raise NoIntegrationDefined()
        return api.create_deployment(
            name,
            description or "",
            stage_variables or {},
            stage_description=stage_description,
            cache_cluster_enabled=cache_cluster_enabled,
            cache_cluster_size=cache_cluster_size,
            canary_settings=canary_settings,
            tracing_enabled=tracing_enabled,
        )

    def create_stage(
        self: Any,
        function_id: str,
        stage_name: str,
        deploymentId: str,
        variables: Any | None = None,
        description: str = "",
        cacheClusterEnabled: bool | None = None,
        cacheClusterSize: str | None = None,
        tags: dict[str, str] | None = None,
        tracing_enabled: bool | None = None,
        *,
        canary_settings: dict[str, Any] | None = None,
    ) -> Any:
        api = self.get_rest_api(function_id)
        _check_deployment(api, deploymentId)
        if canary_settings is not None:
            _check_deployment(api, canary_settings.get("deploymentId"))
        stage = original_create_stage(
            self,
            function_id,
            stage_name,
            deploymentId,
            variables=variables,
            description=description or "",
            cacheClusterEnabled=cacheClusterEnabled,
            cacheClusterSize=cacheClusterSize,
            tags=tags,
            tracing_enabled=bool(tracing_enabled),
        )
        stage.apigw_lab_api = api
        if canary_settings is not None:
            stage.canary_settings = normal_canary(canary_settings, deploymentId)
        return stage

    def update_stage(
        self: Any, function_id: str, stage_name: str, patch_operations: Any
    ) -> Any:
        stage = self.get_stage(function_id, stage_name)  # NotFoundException when unknown
        stage.apigw_lab_api = self.get_rest_api(function_id)
        return original_update_stage(self, function_id, stage_name, patch_operations)

    def get_stages(self: Any, function_id: str, *, deployment_id: str | None = None) -> Any:
        stages = original_get_stages(self, function_id)
        if deployment_id:
            stages = [s for s in stages if s.deployment_id == deployment_id]
        return stages

    APIGatewayBackend.create_deployment = create_deployment  # type: ignore[method-assign]
    APIGatewayBackend.create_stage = create_stage  # type: ignore[method-assign]
    APIGatewayBackend.update_stage = update_stage  # type: ignore[method-assign]
    APIGatewayBackend.get_stages = get_stages  # type: ignore[method-assign]


def _patch_responses() -> None:
    from moto.apigateway.responses import APIGatewayResponse

    def create_deployment(self: Any) -> Any:
        function_id = self.path.replace("/restapis/", "", 1).split("/")[0]
        deployment = self.backend.create_deployment(
            function_id,
            self._get_param("stageName"),
            self._get_param("description") or "",
            self._get_param("variables", if_none={}),
            stage_description=self._get_param("stageDescription"),
            cache_cluster_enabled=self._get_param("cacheClusterEnabled"),
            cache_cluster_size=self._get_param("cacheClusterSize"),
            canary_settings=self._get_param("canarySettings"),
            tracing_enabled=self._get_param("tracingEnabled"),
        )
        body = {"id": deployment.id, "createdDate": deployment.created_date}
        if deployment.description:
            body["description"] = deployment.description
        return 201, {"status": 201}, json.dumps(body)

    def create_stage(self: Any) -> Any:
        function_id = self.path.split("/")[2]
        stage = self.backend.create_stage(
            function_id,
            self._get_param("stageName"),
            self._get_param("deploymentId"),
            variables=self._get_param("variables", if_none={}),
            description=self._get_param("description", if_none=""),
            cacheClusterEnabled=self._get_param("cacheClusterEnabled", if_none=False),
            cacheClusterSize=self._get_param("cacheClusterSize"),
            tags=self._get_param("tags"),
            tracing_enabled=self._get_param("tracingEnabled"),
            canary_settings=self._get_param("canarySettings"),
        )
        return 201, {"status": 201}, json.dumps(stage.to_json())

    def get_stages(self: Any) -> Any:
        function_id = self.path.split("/")[2]
        deployment_id = self.querystring.get("deploymentId", [None])[0]
        stages = self.backend.get_stages(function_id, deployment_id=deployment_id)
        return json.dumps({"item": [s.to_json() for s in stages]})

    def get_deployments(self: Any) -> Any:
        function_id = self.path.replace("/restapis/", "", 1).split("/")[0]
        items = []
        for d in self.backend.get_deployments(function_id):
            item = {"id": d.id, "createdDate": d.created_date}
            if d.description:
                item["description"] = d.description
            items.append(item)
        return json.dumps({"item": items})

    APIGatewayResponse.create_deployment = create_deployment
    APIGatewayResponse.create_stage = create_stage
    APIGatewayResponse.get_stages = get_stages
    APIGatewayResponse.get_deployments = get_deployments


def install() -> None:
    """Patch moto's REST stages and deployments once (idempotent)."""
    global _installed
    if _installed:
        return
    _patch_stage_model()
    _patch_rest_api()
    _patch_backend()
    _patch_responses()
    _installed = True
