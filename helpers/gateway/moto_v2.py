"""Deployments for moto's apigatewayv2 (HTTP APIs), which moto 5.2.5 lacks.

Installed once by :func:`helpers.gateway.moto_hooks.install`. It adds to moto's backend and
responses, in the wire shapes of botocore's service model:

- ``create_deployment`` / ``get_deployment`` / ``get_deployments`` / ``update_deployment`` /
  ``delete_deployment`` (``/v2/apis/{apiId}/deployments[/{deploymentId}]``);
- ``update_stage``, and ``deploymentId`` / ``lastDeploymentStatusMessage`` on stages;
- quick create: ``create_api(..., Target=...)`` makes the integration, the ``$default`` (or
  ``RouteKey``) route and the auto-deploying ``$default`` stage, as AWS does;
- auto-deploy: every change to an API (routes, integrations, CORS, ...) is deployed at once
  to its stages that have ``autoDeploy`` on.

A deployment freezes the API in the shapes the apigatewayv2 API returns (``document``);
the data plane builds its snapshot from that, so a change is live only once deployed.
"""

from __future__ import annotations

import json
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from moto.apigatewayv2.exceptions import APIGatewayV2Error, BadRequestException, StageNotFound
from moto.apigatewayv2.models import ApiGatewayV2Backend, Stage
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.utils import iso_8601_datetime_without_milliseconds
from moto.moto_api._internal import mock_random

#: what AWS writes on a deployment it made for an auto-deploy stage [unc: wording]
AUTO_DEPLOY_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"
#: CreateDeployment on an API without routes [unc: wording]
NO_ROUTES_MESSAGE = "Unable to deploy API because no routes exists in this API"
#: CreateStage with the name of a stage the API already has (quick create's ``$default``
#: included): 409 ConflictException, as REST APIs answer [obs]; the v2 wording [unc]
STAGE_EXISTS_MESSAGE = "Stage already exists"


class ConflictException(APIGatewayV2Error):
    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ConflictException", message)
#: the backend methods that change what a deployment freezes (tags and stages do not)
API_MUTATIONS = (
    "update_api",
    "reimport_api",
    "delete_cors_configuration",
    "create_authorizer",
    "update_authorizer",
    "delete_authorizer",
    "create_model",
    "update_model",
    "delete_model",
    "create_route",
    "update_route",
    "delete_route",
    "delete_route_request_parameter",
    "create_route_response",
    "delete_route_response",
    "create_integration",
    "update_integration",
    "delete_integration",
    "create_integration_response",
    "update_integration_response",
    "delete_integration_response",
)
#: HTTP API integration timeouts (DG http-api-quotas: 30 s at most) [unc: message wording]
HTTP_TIMEOUT_MS = (50, 30_000)
_DEPLOYMENT_PATHS = (
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments$",
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$",
)
_lock = threading.RLock()
_installed = False


@dataclass(slots=True)
class Deployment:
    """One frozen version of an API (the apigatewayv2 ``Deployment`` resource)."""

    deployment_id: str
    description: str | None
    created: datetime
    auto_deployed: bool
    #: the API as it was: {"api", "routes", "integrations", "authorizers", "models"}
    document: dict[str, Any]
    #: the API's change counter when it was frozen
    version: int
    status: str = "DEPLOYED"
    status_message: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "autoDeployed": self.auto_deployed,
            "createdDate": iso_8601_datetime_without_milliseconds(self.created),
            "deploymentId": self.deployment_id,
            "deploymentStatus": self.status,
        }
        if self.status_message:
            out["deploymentStatusMessage"] = self.status_message
        if self.description is not None:
            out["description"] = self.description
        return out


# ---------------------------------------------------------------------------------- model


def deployments(api: Any) -> dict[str, Deployment]:
    """The API's deployments by id (kept on moto's ``Api`` object, reset with it)."""
    found = getattr(api, "apigw_lab_deployments", None)
    if found is None:
        found = {}
        api.apigw_lab_deployments = found
    return found


def version(api: Any) -> int:
    """How many changes the API has had (bumped by every method in ``API_MUTATIONS``)."""
    return getattr(api, "apigw_lab_version", 0)


def _clean(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def freeze(api: Any) -> dict[str, Any]:
    """The API in the shapes ``get_api``, ``get_routes``, ``get_integrations``,
    ``get_authorizers`` and ``get_models`` return (deep, JSON-clean copies)."""
    routes = []
    for route in api.routes.values():
        data = route.to_json()
        data["routeResponses"] = [r.to_json() for r in route.route_responses.values()]
        routes.append(data)
    integrations = []
    for integration in api.integrations.values():
        data = integration.to_json()
        data["integrationResponses"] = [r.to_json() for r in integration.get_responses()]
        integrations.append(data)
    return _clean(
        {
            "api": api.to_json(),
            "routes": routes,
            "integrations": integrations,
            "authorizers": [a.to_json() for a in api.authorizers.values()],
            "models": [m.to_json() for m in api.models.values()],
        }
    )


class DeploymentNotFound(APIGatewayV2Error):
    code = 404

    def __init__(self, deployment_id: str) -> None:
        super().__init__(
            "NotFoundException", f"Invalid Deployment identifier specified {deployment_id}"
        )


def _new_id() -> str:
    return "".join(mock_random.choice(string.ascii_lowercase + string.digits) for _ in range(6))


def deploy(
    api: Any,
    *,
    description: str | None = None,
    auto: bool = False,
    hooks: list[Callable[[Any, Deployment], None]] | None = None,
) -> Deployment:
    """Freeze the API now as a new deployment; the ``on_http_deployment`` hooks see it."""
    if not api.routes:
        raise BadRequestException(NO_ROUTES_MESSAGE)
    with _lock:
        dep = Deployment(
            deployment_id=_new_id(),
            description=description,
            created=datetime.now(),
            auto_deployed=auto,
            document=freeze(api),
            version=version(api),
        )
        deployments(api)[dep.deployment_id] = dep
    if hooks is None:
        from . import moto_hooks

        hooks = moto_hooks.on_http_deployment
    for hook in list(hooks):
        hook(api, dep)
    return dep


def point_stage(stage: Any, dep: Deployment) -> None:
    """Serve ``dep`` on ``stage`` from now on."""
    stage.deployment_id = dep.deployment_id
    stage.apigw_lab_deployed_version = dep.version
    stage.last_deployment_status_message = (
        f"Successfully deployed stage with deployment ID '{dep.deployment_id}'"
    )
    stage.updated = datetime.now()


def auto_deploy(api: Any) -> list[str]:
    """Deploy the API to each of its auto-deploy stages that serves an older version.

    Returns the names of the stages deployed. An API without routes cannot be deployed:
    the stage keeps what it had and says why, as AWS does.
    """
    done = []
    for stage in list(api.stages.values()):
        if not getattr(stage, "auto_deploy", False):
            continue
        if getattr(stage, "apigw_lab_deployed_version", None) == version(api) and getattr(
            stage, "deployment_id", None
        ):
            continue
        try:
            dep = deploy(api, description=AUTO_DEPLOY_DESCRIPTION, auto=True)
        except BadRequestException as exc:
            stage.last_deployment_status_message = f"Deployment attempt failed: {exc.message}"
            continue
        point_stage(stage, dep)
        done.append(stage.name)
    return done


def _changed(api: Any) -> None:
    with _lock:
        api.apigw_lab_version = version(api) + 1
    auto_deploy(api)


# ---------------------------------------------------------------------------------- backend


def _check_mappings(backend: Any, api_id: str, kind: str | None, kwargs: dict[str, Any]) -> None:
    """HTTP APIs refuse a time-out over 30 s, and a parameter mapping they could not apply
    (a reserved header, an unknown key or expression), when the integration is made or
    changed."""
    from .integrations import http_mapping_v2

    api = backend.get_api(api_id)
    if api.protocol_type != "HTTP":
        return
    timeout = kwargs.get("timeout_in_millis")
    if timeout is not None and not HTTP_TIMEOUT_MS[0] <= int(timeout) <= HTTP_TIMEOUT_MS[1]:
        raise BadRequestException(
            f"Timeout must be between {HTTP_TIMEOUT_MS[0]} ms and {HTTP_TIMEOUT_MS[1]} ms"
        )
    if kind != "HTTP_PROXY":
        return
    try:
        if kwargs.get("request_parameters"):
            http_mapping_v2.validate_request_parameters(kwargs["request_parameters"])
        if kwargs.get("response_parameters"):
            http_mapping_v2.validate_response_parameters(kwargs["response_parameters"])
    except ValueError as exc:
        raise BadRequestException(str(exc)) from None


def _backend_methods() -> dict[str, Callable[..., Any]]:
    original_create_stage = ApiGatewayV2Backend.create_stage
    original_create_integration = ApiGatewayV2Backend.create_integration
    original_update_integration = ApiGatewayV2Backend.update_integration

    def create_integration(self: Any, api_id: str, **kwargs: Any) -> Any:
        _check_mappings(self, api_id, kwargs.get("integration_type"), kwargs)
        return original_create_integration(self, api_id, **kwargs)

    def update_integration(self: Any, api_id: str, **kwargs: Any) -> Any:
        kind = kwargs.get("integration_type")
        if not kind and kwargs.get("integration_id"):
            kind = self.get_api(api_id).get_integration(kwargs["integration_id"]).integration_type
        _check_mappings(self, api_id, kind, kwargs)
        return original_update_integration(self, api_id, **kwargs)

    def get_deployment_obj(self: Any, api_id: str, deployment_id: str) -> Deployment:
        found = deployments(self.get_api(api_id)).get(deployment_id)
        if found is None:
            raise DeploymentNotFound(deployment_id)
        return found

    def create_deployment(
        self: Any, api_id: str, stage_name: str | None = None, description: str | None = None
    ) -> Deployment:
        api = self.get_api(api_id)
        stage = None
        if stage_name:
            stage = api.stages.get(stage_name)
            if stage is None:
                raise StageNotFound()
        dep = deploy(api, description=description)
        if stage is not None:
            point_stage(stage, dep)
        return dep

    def get_deployments(self: Any, api_id: str) -> list[Deployment]:
        return list(deployments(self.get_api(api_id)).values())

    def update_deployment(
        self: Any, api_id: str, deployment_id: str, description: str | None
    ) -> Deployment:
        dep = get_deployment_obj(self, api_id, deployment_id)
        if description is not None:
            dep.description = description
        return dep

    def delete_deployment(self: Any, api_id: str, deployment_id: str) -> None:
        api = self.get_api(api_id)
        get_deployment_obj(self, api_id, deployment_id)
        if any(getattr(s, "deployment_id", None) == deployment_id for s in api.stages.values()):
            raise BadRequestException(
                "Active stages pointing to this deployment must be moved or deleted"
            )
        deployments(api).pop(deployment_id, None)

    def create_stage(self: Any, api_id: str, config: dict[str, Any]) -> Any:
        api = self.get_api(api_id)
        if config.get("stageName") in api.stages:
            raise ConflictException(STAGE_EXISTS_MESSAGE)
        if config.get("deploymentId"):
            get_deployment_obj(self, api_id, config["deploymentId"])
        stage = original_create_stage(self, api_id, config)
        if stage.auto_deploy:
            auto_deploy(api)
        return stage

    def update_stage(self: Any, api_id: str, stage_name: str, changes: dict[str, Any]) -> Any:
        api = self.get_api(api_id)
        stage = api.get_stage(stage_name)
        if changes.get("deploymentId"):
            dep = get_deployment_obj(self, api_id, changes["deploymentId"])
            point_stage(stage, dep)
        simple = {
            "accessLogSettings": "access_log_settings",
            "autoDeploy": "auto_deploy",
            "clientCertificateId": "client_certificate_id",
            "description": "description",
            # [unc] UpdateStage replaces the whole map (it is the only way to drop a variable)
            "stageVariables": "stage_variables",
        }
        for key, attr in simple.items():
            if key in changes and changes[key] is not None:
                setattr(stage, attr, changes[key])
        if changes.get("defaultRouteSettings") is not None:
            stage.default_route_settings = {
                **(stage.default_route_settings or {}),
                **changes["defaultRouteSettings"],
            }
        for route_key, settings in (changes.get("routeSettings") or {}).items():
            stage.route_settings = dict(stage.route_settings or {})
            stage.route_settings[route_key] = {
                **(stage.route_settings.get(route_key) or {}),
                **settings,
            }
        stage.updated = datetime.now()
        if changes.get("autoDeploy"):
            auto_deploy(api)
        return stage

    return {
        "get_deployment": get_deployment_obj,
        "create_deployment": create_deployment,
        "get_deployments": get_deployments,
        "update_deployment": update_deployment,
        "delete_deployment": delete_deployment,
        "create_stage": create_stage,
        "update_stage": update_stage,
        "create_integration": create_integration,
        "update_integration": update_integration,
    }


def _tracking(method: Callable[..., Any]) -> Callable[..., Any]:
    """Bump the API's change counter (and auto-deploy) after a successful change."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        api_id = kwargs.get("api_id", args[0] if args else None)
        api = self.apis.get(api_id) if isinstance(api_id, str) else None
        if api is not None:
            _changed(api)
        return result

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def _patch_stage() -> None:
    original_init = Stage.__init__
    original_to_json = Stage.to_json

    def __init__(self: Any, api: Any, config: dict[str, Any]) -> None:
        original_init(self, api, config)
        self.deployment_id = config.get("deploymentId")
        self.last_deployment_status_message = None
        self.api_gateway_managed = bool(config.get("apiGatewayManaged"))

    def to_json(self: Any) -> dict[str, Any]:
        out = original_to_json(self)
        if getattr(self, "deployment_id", None):
            out["deploymentId"] = self.deployment_id
        if getattr(self, "last_deployment_status_message", None):
            out["lastDeploymentStatusMessage"] = self.last_deployment_status_message
        if getattr(self, "api_gateway_managed", False):
            out["apiGatewayManaged"] = True
        return out

    Stage.__init__ = __init__  # type: ignore[method-assign]
    Stage.to_json = to_json  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------- responses


def _response_methods() -> dict[str, Callable[..., Any]]:
    original_create_api = ApiGatewayV2Response.create_api

    def _ids(self: Any) -> list[str]:
        return [unquote(p) for p in self.path.split("?")[0].split("/")]

    def create_deployment(self: Any) -> Any:
        api_id = _ids(self)[-2]
        params = json.loads(self.body or "{}")
        dep = self.apigatewayv2_backend.create_deployment(
            api_id, params.get("stageName"), params.get("description")
        )
        return 201, {}, json.dumps(dep.to_json())

    def get_deployment(self: Any) -> Any:
        parts = _ids(self)
        dep = self.apigatewayv2_backend.get_deployment(parts[-3], parts[-1])
        return 200, {}, json.dumps(dep.to_json())

    def get_deployments(self: Any) -> Any:
        deps = self.apigatewayv2_backend.get_deployments(_ids(self)[-2])
        return 200, {}, json.dumps({"items": [d.to_json() for d in deps]})

    def update_deployment(self: Any) -> Any:
        parts = _ids(self)
        params = json.loads(self.body or "{}")
        dep = self.apigatewayv2_backend.update_deployment(
            parts[-3], parts[-1], params.get("description")
        )
        return 200, {}, json.dumps(dep.to_json())

    def delete_deployment(self: Any) -> Any:
        parts = _ids(self)
        self.apigatewayv2_backend.delete_deployment(parts[-3], parts[-1])
        return 204, {}, ""

    def update_stage(self: Any) -> Any:
        parts = _ids(self)
        changes = json.loads(self.body or "{}")
        stage = self.apigatewayv2_backend.update_stage(parts[-3], parts[-1], changes)
        return 200, {}, json.dumps(stage.to_json())

    def create_api(self: Any) -> Any:
        status, headers, body = original_create_api(self)
        params = json.loads(self.body or "{}")
        target = params.get("target")
        data = json.loads(body)
        if data.get("protocolType") == "WEBSOCKET":
            # AWS gives WebSocket APIs a wss:// endpoint (moto: https://)
            api = self.apigatewayv2_backend.get_api(data["apiId"])
            api.api_endpoint = api.api_endpoint.replace("https://", "wss://", 1)
            data["apiEndpoint"] = api.api_endpoint
            body = json.dumps(data)
        if target and data.get("protocolType") == "HTTP":
            quick_create(
                self.apigatewayv2_backend,
                data["apiId"],
                target,
                route_key=params.get("routeKey"),
                credentials_arn=params.get("credentialsArn"),
            )
        return status, headers, body

    return {
        "create_deployment": create_deployment,
        "get_deployment": get_deployment,
        "get_deployments": get_deployments,
        "update_deployment": update_deployment,
        "delete_deployment": delete_deployment,
        "update_stage": update_stage,
        "create_api": create_api,
    }


def quick_create(
    backend: Any,
    api_id: str,
    target: str,
    *,
    route_key: str | None = None,
    credentials_arn: str | None = None,
) -> None:
    """What ``create_api(Target=...)`` adds: an integration (Lambda → ``AWS_PROXY`` with
    payload 2.0; URL → ``HTTP_PROXY`` with method ANY), a route to it (``$default`` unless
    ``RouteKey``) and an auto-deploying ``$default`` stage."""
    is_url = target.startswith(("http://", "https://"))
    integration = backend.create_integration(
        api_id=api_id,
        connection_id=None,
        connection_type="INTERNET",
        content_handling_strategy=None,
        credentials_arn=credentials_arn,
        description=None,
        integration_method="ANY" if is_url else "POST",
        integration_subtype=None,
        integration_type="HTTP_PROXY" if is_url else "AWS_PROXY",
        integration_uri=target,
        passthrough_behavior=None,
        payload_format_version="1.0" if is_url else "2.0",
        request_parameters=None,
        request_templates=None,
        response_parameters=None,
        template_selection_expression=None,
        timeout_in_millis=None,
        tls_config=None,
    )
    backend.create_route(
        api_id=api_id,
        api_key_required=False,
        authorization_scopes=None,
        authorization_type="NONE",
        authorizer_id=None,
        model_selection_expression=None,
        operation_name=None,
        request_models=None,
        request_parameters=None,
        route_key=route_key or "$default",
        route_response_selection_expression=None,
        target=f"integrations/{integration.id}",
    )
    backend.create_stage(
        api_id, {"stageName": "$default", "autoDeploy": True, "apiGatewayManaged": True}
    )


def install() -> None:
    """Patch moto's apigatewayv2 once (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.apigateway import urls as v1_urls
    from moto.apigatewayv2 import urls as v2_urls

    _patch_stage()
    for name, method in _backend_methods().items():
        setattr(ApiGatewayV2Backend, name, method)
    for name in API_MUTATIONS:
        if hasattr(ApiGatewayV2Backend, name):
            setattr(ApiGatewayV2Backend, name, _tracking(getattr(ApiGatewayV2Backend, name)))
    for name, method in _response_methods().items():
        setattr(ApiGatewayV2Response, name, method)
    for pattern in _DEPLOYMENT_PATHS:
        # apigateway's url table (the one moto dispatches on) merged v2's at import time
        for table in (v2_urls.url_paths, v1_urls.url_paths):
            table.setdefault(pattern, ApiGatewayV2Response.dispatch)
    _refuse_duplicate_stages()
    _installed = True


#: CreateStage with the name of an existing stage [unc: wording]
STAGE_EXISTS_MESSAGE = "Stage already exists"


def _refuse_duplicate_stages() -> None:
    """CreateStage of a name the API already has is a 409 ConflictException on AWS (e.g.
    ``$default`` after a quick create); moto silently replaced the stage."""
    from moto.apigatewayv2.exceptions import APIGatewayV2Error

    class ConflictException(APIGatewayV2Error):
        def __init__(self, message: str) -> None:
            super().__init__("ConflictException", message)
            self.code = 409

    original = ApiGatewayV2Backend.create_stage

    def create_stage(self: Any, api_id: str, config: dict[str, Any]) -> Any:
        api = self.get_api(api_id)
        if config.get("stageName") in api.stages:
            raise ConflictException(STAGE_EXISTS_MESSAGE)
        return original(self, api_id, config)

    ApiGatewayV2Backend.create_stage = create_stage
