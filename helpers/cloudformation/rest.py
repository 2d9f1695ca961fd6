"""``AWS::ApiGateway::*``: REST API resources, each made with the API calls boto3 makes.

``Ref`` and ``Fn::GetAtt`` return what the CloudFormation resource reference documents
(e.g. ``RestApi.RootResourceId``). Where the reference does not say, the value is marked
``[unc]`` beside it.
"""

from __future__ import annotations

from typing import Any

from .base import ApiModel, ResourceFailed, as_json_text, lower_first, patch_diff


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


class RestApi(ApiModel):
    TYPE = "AWS::ApiGateway::RestApi"
    ATTRIBUTES = ("RestApiId", "RootResourceId")
    TAGGABLE = True

    def create(self) -> None:
        p = self.props
        endpoint = p.get("EndpointConfiguration")
        api = self.call(
            "create_rest_api",
            name=p.get("Name") or self.logical_resource_id,
            description=p.get("Description"),
            endpointConfiguration=lower_first(endpoint),
            apiKeySource=p.get("ApiKeySourceType"),
            binaryMediaTypes=p.get("BinaryMediaTypes"),
            minimumCompressionSize=_int(p.get("MinimumCompressionSize")),
            policy=as_json_text(p.get("Policy")),
            disableExecuteApiEndpoint=p.get("DisableExecuteApiEndpoint"),
            cloneFrom=p.get("CloneFrom"),
            tags=self.tags(),
        )
        self.ref = api["id"]
        self.attrs["RestApiId"] = api["id"]
        if p.get("Body") is not None:
            self._put_body()
        self.attrs["RootResourceId"] = self._root_id()

    def _put_body(self) -> None:
        from .openapi import import_body

        body = self.props["Body"]
        if isinstance(body, str):
            import yaml

            body = yaml.safe_load(body)
        import_body(self.region, self.ref, body)

    def _root_id(self) -> str:
        items = self.call("get_resources", restApiId=self.ref, limit=500)["items"]
        return next(r["id"] for r in items if r["path"] == "/")

    def update(self, old: dict[str, Any]) -> None:
        p = self.props
        ops = patch_diff(
            old,
            p,
            {
                "Name": "/name",
                "Description": "/description",
                "ApiKeySourceType": "/apiKeySource",
                "MinimumCompressionSize": "/minimumCompressionSize",
                "DisableExecuteApiEndpoint": "/disableExecuteApiEndpoint",
            },
        )
        if old.get("Policy") != p.get("Policy"):
            ops.append(
                {"op": "replace", "path": "/policy", "value": as_json_text(p.get("Policy")) or ""}
            )
        for media_type in set(old.get("BinaryMediaTypes") or []) - set(
            p.get("BinaryMediaTypes") or []
        ):
            ops.append({"op": "remove", "path": f"/binaryMediaTypes/{_escape(media_type)}"})
        for media_type in set(p.get("BinaryMediaTypes") or []) - set(
            old.get("BinaryMediaTypes") or []
        ):
            ops.append({"op": "add", "path": f"/binaryMediaTypes/{_escape(media_type)}"})
        old_types = (old.get("EndpointConfiguration") or {}).get("Types")
        new_types = (p.get("EndpointConfiguration") or {}).get("Types")
        if old_types != new_types and old_types and new_types:
            ops.append(
                {
                    "op": "replace",
                    "path": f"/endpointConfiguration/types/{old_types[0]}",
                    "value": new_types[0],
                }
            )
        if ops:
            self.call("update_rest_api", restApiId=self.ref, patchOperations=ops)
        if p.get("Body") is not None and p.get("Body") != old.get("Body"):
            self._put_body()

    def remove(self) -> None:
        self.call("delete_rest_api", restApiId=self.ref)


class Resource(ApiModel):
    TYPE = "AWS::ApiGateway::Resource"
    ATTRIBUTES = ("ResourceId",)

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_resource",
            restApiId=p["RestApiId"],
            parentId=p["ParentId"],
            pathPart=p["PathPart"],
        )
        self.ref = self.attrs["ResourceId"] = made["id"]

    def update(self, old: dict[str, Any]) -> None:  # every property is create-only
        pass

    def remove(self) -> None:
        self.call("delete_resource", restApiId=self.props["RestApiId"], resourceId=self.ref)


class Method(ApiModel):
    """``put_method``, ``put_method_response``, ``put_integration``,
    ``put_integration_response``: what a learner's boto3 would call, in that order."""

    TYPE = "AWS::ApiGateway::Method"

    def _key(self) -> dict[str, str]:
        p = self.props
        return {
            "restApiId": p["RestApiId"],
            "resourceId": p["ResourceId"],
            "httpMethod": p["HttpMethod"],
        }

    def create(self) -> None:
        p = self.props
        key = self._key()
        self.call(
            "put_method",
            **key,
            authorizationType=p.get("AuthorizationType") or "NONE",
            authorizerId=p.get("AuthorizerId"),
            apiKeyRequired=p.get("ApiKeyRequired"),
            operationName=p.get("OperationName"),
            requestParameters=_bools(p.get("RequestParameters")),
            requestModels=p.get("RequestModels"),
            requestValidatorId=p.get("RequestValidatorId"),
            authorizationScopes=p.get("AuthorizationScopes"),
        )
        # [unc] CloudFormation documents Ref as "the method's ID"; the method has no id of
        # its own in the API, so the registry identifiers are joined
        self.ref = "|".join((key["restApiId"], key["resourceId"], key["httpMethod"]))
        for response in p.get("MethodResponses") or []:
            self.call(
                "put_method_response",
                **key,
                statusCode=str(response["StatusCode"]),
                responseParameters=_bools(response.get("ResponseParameters")),
                responseModels=response.get("ResponseModels"),
            )
        integration = p.get("Integration")
        if not integration:
            return
        self.call(
            "put_integration",
            **key,
            type=integration["Type"],
            integrationHttpMethod=integration.get("IntegrationHttpMethod"),
            uri=integration.get("Uri"),
            credentials=integration.get("Credentials"),
            connectionType=integration.get("ConnectionType"),
            connectionId=integration.get("ConnectionId"),
            passthroughBehavior=integration.get("PassthroughBehavior"),
            requestParameters=integration.get("RequestParameters"),
            requestTemplates=integration.get("RequestTemplates"),
            contentHandling=integration.get("ContentHandling"),
            cacheKeyParameters=integration.get("CacheKeyParameters"),
            cacheNamespace=integration.get("CacheNamespace"),
            timeoutInMillis=_int(integration.get("TimeoutInMillis")),
        )
        for response in integration.get("IntegrationResponses") or []:
            self.call(
                "put_integration_response",
                **key,
                statusCode=str(response["StatusCode"]),
                selectionPattern=response.get("SelectionPattern"),
                responseParameters=response.get("ResponseParameters"),
                responseTemplates=response.get("ResponseTemplates"),
                contentHandling=response.get("ContentHandling"),
            )

    def update(self, old: dict[str, Any]) -> None:
        # the method is put again as a whole; a deployment already taken keeps the old one
        self.call("delete_method", **self._key())
        self.create()

    def remove(self) -> None:
        self.call("delete_method", **self._key())


def _bools(value: dict[str, Any] | None) -> dict[str, bool] | None:
    if value is None:
        return None
    return {k: (v if isinstance(v, bool) else str(v).lower() == "true") for k, v in value.items()}


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


# ----------------------------------------------------------------- stages and deployments

#: StageDescription / MethodSetting property → the method-setting patch path's suffix
METHOD_SETTING_PATHS = {
    "LoggingLevel": "logging/loglevel",
    "DataTraceEnabled": "logging/dataTrace",
    "MetricsEnabled": "metrics/enabled",
    "ThrottlingBurstLimit": "throttling/burstLimit",
    "ThrottlingRateLimit": "throttling/rateLimit",
    "CachingEnabled": "caching/enabled",
    "CacheTtlInSeconds": "caching/ttlInSeconds",
    "CacheDataEncrypted": "caching/dataEncrypted",
}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def method_setting_ops(settings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``MethodSettings`` → ``update_stage`` operations (``/~1pets/GET/caching/enabled``)."""
    ops = []
    for setting in settings:
        resource = setting.get("ResourcePath") or "/*"
        resource = "/~1" if resource == "/" else resource
        prefix = f"{resource}/{setting.get('HttpMethod') or '*'}"
        for prop, suffix in METHOD_SETTING_PATHS.items():
            if setting.get(prop) is not None:
                ops.append(
                    {"op": "replace", "path": f"{prefix}/{suffix}", "value": _text(setting[prop])}
                )
    return ops


def stage_ops(settings: dict[str, Any], *, all_methods: bool) -> list[dict[str, Any]]:
    """The ``update_stage`` operations for a stage's settings in a template (a Stage's
    properties, or a Deployment's ``StageDescription``)."""
    ops: list[dict[str, Any]] = []
    if settings.get("CacheClusterEnabled") is not None:
        ops.append(
            {
                "op": "replace",
                "path": "/cacheClusterEnabled",
                "value": _text(settings["CacheClusterEnabled"]),
            }
        )
    if settings.get("CacheClusterSize") is not None:
        ops.append(
            {
                "op": "replace",
                "path": "/cacheClusterSize",
                "value": _text(settings["CacheClusterSize"]),
            }
        )
    if settings.get("TracingEnabled") is not None:
        ops.append(
            {"op": "replace", "path": "/tracingEnabled", "value": _text(settings["TracingEnabled"])}
        )
    if settings.get("ClientCertificateId"):
        ops.append(
            {
                "op": "replace",
                "path": "/clientCertificateId",
                "value": settings["ClientCertificateId"],
            }
        )
    log = settings.get("AccessLogSetting")
    if log:
        if log.get("DestinationArn"):
            ops.append(
                {
                    "op": "replace",
                    "path": "/accessLogSettings/destinationArn",
                    "value": log["DestinationArn"],
                }
            )
        if log.get("Format"):
            ops.append(
                {"op": "replace", "path": "/accessLogSettings/format", "value": log["Format"]}
            )
    if all_methods:  # a Deployment's StageDescription: settings for every method
        ops += method_setting_ops([{k: settings.get(k) for k in METHOD_SETTING_PATHS}])
    ops += method_setting_ops(settings.get("MethodSettings") or [])
    canary = settings.get("CanarySetting")
    if canary:
        for prop, path in (
            ("DeploymentId", "deploymentId"),
            ("PercentTraffic", "percentTraffic"),
            ("UseStageCache", "useStageCache"),
        ):
            if canary.get(prop) is not None:
                ops.append(
                    {
                        "op": "replace",
                        "path": f"/canarySettings/{path}",
                        "value": _text(canary[prop]),
                    }
                )
        for name, value in (canary.get("StageVariableOverrides") or {}).items():
            ops.append(
                {
                    "op": "replace",
                    "path": f"/canarySettings/stageVariableOverrides/{name}",
                    "value": str(value),
                }
            )
    return [op for op in ops if op.get("value") not in (None, "None")]


def _canary(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if not value:
        return None
    out = lower_first(value)
    if "percentTraffic" in out:
        out["percentTraffic"] = float(out["percentTraffic"])
    return out


class Deployment(ApiModel):
    """A deployment is the API frozen when the resource is *created*. Changing a method in
    a stack update does not make a new one: only a new logical id does (the classic trap)."""

    TYPE = "AWS::ApiGateway::Deployment"
    ATTRIBUTES = ("DeploymentId",)

    def create(self) -> None:
        p = self.props
        stage = p.get("StageName")
        described = p.get("StageDescription") or {}
        made = self.call(
            "create_deployment",
            restApiId=p["RestApiId"],
            stageName=stage,
            description=p.get("Description"),
            stageDescription=described.get("Description"),
            cacheClusterEnabled=described.get("CacheClusterEnabled"),
            cacheClusterSize=_str(described.get("CacheClusterSize")),
            variables=described.get("Variables"),
            tracingEnabled=described.get("TracingEnabled"),
            canarySettings=_canary(p.get("DeploymentCanarySettings")),
        )
        self.ref = self.attrs["DeploymentId"] = made["id"]
        if stage and described:
            self._configure_stage(stage, described, {})

    def _configure_stage(self, stage: str, described: dict[str, Any], old: dict[str, Any]) -> None:
        ops = stage_ops(described, all_methods=True)
        if described.get("Description") != old.get("Description") and old:
            ops.append(
                {
                    "op": "replace",
                    "path": "/description",
                    "value": described.get("Description") or "",
                }
            )
        for name, value in (described.get("Variables") or {}).items():
            if (old.get("Variables") or {}).get(name) != value:
                ops.append({"op": "replace", "path": f"/variables/{name}", "value": str(value)})
        if ops:
            self.call(
                "update_stage",
                restApiId=self.props["RestApiId"],
                stageName=stage,
                patchOperations=ops,
            )
        tags = dict(self.stack_tags)
        tags.update({t["Key"]: t["Value"] for t in described.get("Tags") or []})
        if tags:
            arn = f"arn:aws:apigateway:{self.region}::/restapis/{self.props['RestApiId']}/stages/{stage}"
            self.call("tag_resource", resourceArn=arn, tags=tags)

    def update(self, old: dict[str, Any]) -> None:
        """In place: the description and the stage's settings. No new deployment."""
        p = self.props
        if p.get("Description") != old.get("Description"):
            self.call(
                "update_deployment",
                restApiId=p["RestApiId"],
                deploymentId=self.ref,
                patchOperations=[
                    {"op": "replace", "path": "/description", "value": p.get("Description") or ""}
                ],
            )
        stage = p.get("StageName")
        if stage and stage != old.get("StageName"):
            self.call(
                "create_stage", restApiId=p["RestApiId"], stageName=stage, deploymentId=self.ref
            )
        if stage and (p.get("StageDescription") or {}) != (old.get("StageDescription") or {}):
            self._configure_stage(
                stage, p.get("StageDescription") or {}, old.get("StageDescription") or {}
            )

    def remove(self) -> None:
        api, stage = self.props["RestApiId"], self.props.get("StageName")
        if stage:  # the stage the deployment made goes with it, unless another one took it
            try:
                current = self.call("get_stage", restApiId=api, stageName=stage)
            except ResourceFailed:
                current = None
            if current and current.get("deploymentId") == self.ref:
                self.call("delete_stage", restApiId=api, stageName=stage)
        self.call("delete_deployment", restApiId=api, deploymentId=self.ref)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


class Stage(ApiModel):
    TYPE = "AWS::ApiGateway::Stage"
    TAGGABLE = True

    def create(self) -> None:
        p = self.props
        name = p.get("StageName") or self.logical_resource_id.lower()
        self.call(
            "create_stage",
            restApiId=p["RestApiId"],
            stageName=name,
            deploymentId=p.get("DeploymentId"),
            description=p.get("Description"),
            cacheClusterEnabled=p.get("CacheClusterEnabled"),
            cacheClusterSize=_str(p.get("CacheClusterSize")),
            variables=p.get("Variables"),
            documentationVersion=p.get("DocumentationVersion"),
            canarySettings=_canary(p.get("CanarySetting")),
            tracingEnabled=p.get("TracingEnabled"),
            tags=self.tags(),
        )
        self.ref = name
        ops = stage_ops({k: v for k, v in p.items() if k != "CanarySetting"}, all_methods=False)
        if ops:
            self.call("update_stage", restApiId=p["RestApiId"], stageName=name, patchOperations=ops)

    def update(self, old: dict[str, Any]) -> None:
        p = self.props
        ops = patch_diff(old, p, {"DeploymentId": "/deploymentId", "Description": "/description"})
        for name, value in (p.get("Variables") or {}).items():
            if (old.get("Variables") or {}).get(name) != value:
                ops.append({"op": "replace", "path": f"/variables/{name}", "value": str(value)})
        for name in set(old.get("Variables") or {}) - set(p.get("Variables") or {}):
            ops.append({"op": "remove", "path": f"/variables/{name}"})
        changed = {k: v for k, v in p.items() if old.get(k) != v}
        ops += stage_ops(changed, all_methods=False)
        if ops:
            self.call(
                "update_stage", restApiId=p["RestApiId"], stageName=self.ref, patchOperations=ops
            )

    def remove(self) -> None:
        self.call("delete_stage", restApiId=self.props["RestApiId"], stageName=self.ref)


# ----------------------------------------------------------------- keys and usage plans


class ApiKey(ApiModel):
    TYPE = "AWS::ApiGateway::ApiKey"
    ATTRIBUTES = ("APIKeyId",)
    TAGGABLE = True

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_api_key",
            name=p.get("Name") or self.logical_resource_id,
            description=p.get("Description"),
            enabled=p.get("Enabled", False),
            generateDistinctId=p.get("GenerateDistinctId"),
            value=p.get("Value"),
            customerId=p.get("CustomerId"),
            stageKeys=[lower_first(k) for k in p.get("StageKeys") or []] or None,
            tags=self.tags(),
        )
        self.ref = self.attrs["APIKeyId"] = made["id"]

    def update(self, old: dict[str, Any]) -> None:
        ops = patch_diff(
            old,
            self.props,
            {
                "Name": "/name",
                "Description": "/description",
                "Enabled": "/enabled",
                "CustomerId": "/customerId",
            },
        )
        if ops:
            self.call("update_api_key", apiKey=self.ref, patchOperations=ops)

    def remove(self) -> None:
        self.call("delete_api_key", apiKey=self.ref)


def _throttle(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out = lower_first(value)
    if "rateLimit" in out:
        out["rateLimit"] = float(out["rateLimit"])
    if "burstLimit" in out:
        out["burstLimit"] = int(out["burstLimit"])
    return out


def _api_stage(stage: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"apiId": stage.get("ApiId"), "stage": stage.get("Stage")}
    if stage.get("Throttle"):
        out["throttle"] = {path: _throttle(t) for path, t in stage["Throttle"].items()}
    return out


class UsagePlan(ApiModel):
    TYPE = "AWS::ApiGateway::UsagePlan"
    ATTRIBUTES = ("Id",)
    TAGGABLE = True

    def create(self) -> None:
        p = self.props
        quota = lower_first(p.get("Quota"))
        if quota:
            quota = {k: (int(v) if k in ("limit", "offset") else v) for k, v in quota.items()}
        made = self.call(
            "create_usage_plan",
            name=p.get("UsagePlanName") or self.logical_resource_id,
            description=p.get("Description"),
            apiStages=[_api_stage(s) for s in p.get("ApiStages") or []] or None,
            throttle=_throttle(p.get("Throttle")),
            quota=quota,
            tags=self.tags(),
        )
        self.ref = self.attrs["Id"] = made["id"]

    def update(self, old: dict[str, Any]) -> None:
        p = self.props
        ops = patch_diff(old, p, {"UsagePlanName": "/name", "Description": "/description"})
        for prop, path in (("Throttle", "/throttle"), ("Quota", "/quota")):
            for field, value in (p.get(prop) or {}).items():
                if (old.get(prop) or {}).get(field) != value:
                    name = field[:1].lower() + field[1:]
                    ops.append({"op": "replace", "path": f"{path}/{name}", "value": str(value)})
        before = {(s.get("ApiId"), s.get("Stage")): s for s in old.get("ApiStages") or []}
        after = {(s.get("ApiId"), s.get("Stage")): s for s in p.get("ApiStages") or []}
        for key in before.keys() - after.keys():
            ops.append({"op": "remove", "path": "/apiStages", "value": f"{key[0]}:{key[1]}"})
        for key in after.keys() - before.keys():
            ops.append({"op": "add", "path": "/apiStages", "value": f"{key[0]}:{key[1]}"})
        for key, stage in after.items():
            old_throttles = (before.get(key) or {}).get("Throttle") or {}
            for method, throttle in (stage.get("Throttle") or {}).items():
                if old_throttles.get(method) != throttle or key not in before:
                    escaped = "/".join(_escape(part) for part in method.rsplit("/", 1))
                    for field, value in throttle.items():
                        name = field[:1].lower() + field[1:]
                        ops.append(
                            {
                                "op": "replace",
                                "path": f"/apiStages/{key[0]}:{key[1]}/throttle/{escaped}/{name}",
                                "value": str(value),
                            }
                        )
        if ops:
            self.call("update_usage_plan", usagePlanId=self.ref, patchOperations=ops)

    def remove(self) -> None:
        stages = [f"{s.get('ApiId')}:{s.get('Stage')}" for s in self.props.get("ApiStages") or []]
        if stages:  # AWS refuses to delete a plan that still names API stages
            try:  # noqa: SIM105
                self.call(
                    "update_usage_plan",
                    usagePlanId=self.ref,
                    patchOperations=[
                        {"op": "remove", "path": "/apiStages", "value": s} for s in stages
                    ],
                )
            except ResourceFailed:
                pass
        self.call("delete_usage_plan", usagePlanId=self.ref)


class UsagePlanKey(ApiModel):
    TYPE = "AWS::ApiGateway::UsagePlanKey"
    ATTRIBUTES = ("Id",)

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_usage_plan_key",
            usagePlanId=p["UsagePlanId"],
            keyId=p["KeyId"],
            keyType=p["KeyType"],
        )
        self.ref = self.attrs["Id"] = made["id"]

    def update(self, old: dict[str, Any]) -> None:  # every property is create-only
        pass

    def remove(self) -> None:
        self.call("delete_usage_plan_key", usagePlanId=self.props["UsagePlanId"], keyId=self.ref)


# ----------------------------------------------------------------- the rest of an API


class Authorizer(ApiModel):
    TYPE = "AWS::ApiGateway::Authorizer"
    ATTRIBUTES = ("AuthorizerId",)
    PATHS = {  # noqa: RUF012
        "Name": "/name",
        "Type": "/type",
        "AuthType": "/authType",
        "AuthorizerUri": "/authorizerUri",
        "AuthorizerCredentials": "/authorizerCredentials",
        "IdentitySource": "/identitySource",
        "IdentityValidationExpression": "/identityValidationExpression",
        "AuthorizerResultTtlInSeconds": "/authorizerResultTtlInSeconds",
    }

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_authorizer",
            restApiId=p["RestApiId"],
            name=p.get("Name") or self.logical_resource_id,
            type=p["Type"],
            providerARNs=p.get("ProviderARNs"),
            authType=p.get("AuthType"),
            authorizerUri=p.get("AuthorizerUri"),
            authorizerCredentials=p.get("AuthorizerCredentials"),
            identitySource=p.get("IdentitySource"),
            identityValidationExpression=p.get("IdentityValidationExpression"),
            authorizerResultTtlInSeconds=_int(p.get("AuthorizerResultTtlInSeconds")),
        )
        self.ref = self.attrs["AuthorizerId"] = made["id"]

    def update(self, old: dict[str, Any]) -> None:
        ops = patch_diff(old, self.props, self.PATHS)
        if ops:
            self.call(
                "update_authorizer",
                restApiId=self.props["RestApiId"],
                authorizerId=self.ref,
                patchOperations=ops,
            )

    def remove(self) -> None:
        self.call("delete_authorizer", restApiId=self.props["RestApiId"], authorizerId=self.ref)


class GatewayResponse(ApiModel):
    TYPE = "AWS::ApiGateway::GatewayResponse"

    def create(self) -> None:
        p = self.props
        self.call(
            "put_gateway_response",
            restApiId=p["RestApiId"],
            responseType=p["ResponseType"],
            statusCode=_str(p.get("StatusCode")),
            responseParameters=p.get("ResponseParameters"),
            responseTemplates=p.get("ResponseTemplates"),
        )
        # [unc] the reference documents Ref as "the ID"; the API names a gateway response
        # by its API and type
        self.ref = f"{p['RestApiId']}|{p['ResponseType']}"

    def update(self, old: dict[str, Any]) -> None:
        self.create()

    def remove(self) -> None:
        self.call(
            "delete_gateway_response",
            restApiId=self.props["RestApiId"],
            responseType=self.props["ResponseType"],
        )


class Model(ApiModel):
    TYPE = "AWS::ApiGateway::Model"

    def create(self) -> None:
        p = self.props
        name = p.get("Name") or self.logical_resource_id
        self.call(
            "create_model",
            restApiId=p["RestApiId"],
            name=name,
            description=p.get("Description"),
            schema=as_json_text(p.get("Schema")),
            contentType=p.get("ContentType") or "application/json",
        )
        self.ref = name

    def update(self, old: dict[str, Any]) -> None:
        ops = []
        if old.get("Schema") != self.props.get("Schema"):
            ops.append(
                {
                    "op": "replace",
                    "path": "/schema",
                    "value": as_json_text(self.props.get("Schema")) or "",
                }
            )
        ops += patch_diff(old, self.props, {"Description": "/description"})
        if ops:
            self.call(
                "update_model",
                restApiId=self.props["RestApiId"],
                modelName=self.ref,
                patchOperations=ops,
            )

    def remove(self) -> None:
        self.call("delete_model", restApiId=self.props["RestApiId"], modelName=self.ref)


class RequestValidator(ApiModel):
    TYPE = "AWS::ApiGateway::RequestValidator"
    ATTRIBUTES = ("RequestValidatorId",)

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_request_validator",
            restApiId=p["RestApiId"],
            name=p.get("Name") or self.logical_resource_id,
            validateRequestBody=p.get("ValidateRequestBody"),
            validateRequestParameters=p.get("ValidateRequestParameters"),
        )
        self.ref = self.attrs["RequestValidatorId"] = made["id"]

    def update(self, old: dict[str, Any]) -> None:
        ops = patch_diff(
            old,
            self.props,
            {
                "Name": "/name",
                "ValidateRequestBody": "/validateRequestBody",
                "ValidateRequestParameters": "/validateRequestParameters",
            },
        )
        if ops:
            self.call(
                "update_request_validator",
                restApiId=self.props["RestApiId"],
                requestValidatorId=self.ref,
                patchOperations=ops,
            )

    def remove(self) -> None:
        self.call(
            "delete_request_validator",
            restApiId=self.props["RestApiId"],
            requestValidatorId=self.ref,
        )


class DomainName(ApiModel):
    TYPE = "AWS::ApiGateway::DomainName"
    ATTRIBUTES = (
        "DistributionDomainName",
        "DistributionHostedZoneId",
        "RegionalDomainName",
        "RegionalHostedZoneId",
        "DomainNameArn",
    )
    TAGGABLE = True

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_domain_name",
            domainName=p["DomainName"],
            certificateArn=p.get("CertificateArn"),
            regionalCertificateArn=p.get("RegionalCertificateArn"),
            endpointConfiguration=lower_first(p.get("EndpointConfiguration")),
            securityPolicy=p.get("SecurityPolicy"),
            mutualTlsAuthentication=lower_first(p.get("MutualTlsAuthentication")),
            ownershipVerificationCertificateArn=p.get("OwnershipVerificationCertificateArn"),
            tags=self.tags(),
        )
        self.ref = p["DomainName"]
        self.attrs.update(
            {
                "DistributionDomainName": made.get("distributionDomainName"),
                "DistributionHostedZoneId": made.get("distributionHostedZoneId"),
                "RegionalDomainName": made.get("regionalDomainName"),
                "RegionalHostedZoneId": made.get("regionalHostedZoneId"),
                "DomainNameArn": made.get("domainNameArn")
                or f"arn:aws:apigateway:{self.region}::/domainnames/{p['DomainName']}",
            }
        )

    def update(self, old: dict[str, Any]) -> None:
        ops = patch_diff(
            old,
            self.props,
            {
                "CertificateArn": "/certificateArn",
                "RegionalCertificateArn": "/regionalCertificateArn",
                "SecurityPolicy": "/securityPolicy",
            },
        )
        if ops:
            self.call("update_domain_name", domainName=self.ref, patchOperations=ops)

    def remove(self) -> None:
        self.call("delete_domain_name", domainName=self.ref)


class BasePathMapping(ApiModel):
    TYPE = "AWS::ApiGateway::BasePathMapping"

    def create(self) -> None:
        p = self.props
        made = self.call(
            "create_base_path_mapping",
            domainName=p["DomainName"],
            basePath=p.get("BasePath"),
            restApiId=p.get("RestApiId"),
            stage=p.get("Stage"),
        )
        self.base_path = made.get("basePath") or "(none)"
        self.ref = f"{p['DomainName']}|{self.base_path}"  # [unc] no Ref value documented

    def update(self, old: dict[str, Any]) -> None:
        ops = patch_diff(
            old, self.props, {"RestApiId": "/restapiId", "Stage": "/stage", "BasePath": "/basePath"}
        )
        if ops:
            self.call(
                "update_base_path_mapping",
                domainName=self.props["DomainName"],
                basePath=self.base_path,
                patchOperations=ops,
            )
            self.base_path = self.props.get("BasePath") or "(none)"

    def remove(self) -> None:
        self.call(
            "delete_base_path_mapping", domainName=self.props["DomainName"], basePath=self.base_path
        )


class Account(ApiModel):
    """The account's API Gateway settings: the CloudWatch Logs role (one per Region)."""

    TYPE = "AWS::ApiGateway::Account"
    ATTRIBUTES = ("Id",)

    def create(self) -> None:
        self._apply()
        # [unc] CloudFormation generates an id for this singleton; the Region names it here
        self.ref = self.attrs["Id"] = f"apigateway-account-{self.region}"

    def _apply(self) -> None:
        role = self.props.get("CloudWatchRoleArn")
        if role:
            self.call(
                "update_account",
                patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}],
            )

    def update(self, old: dict[str, Any]) -> None:
        self._apply()

    def remove(self) -> None:
        pass  # deleting the resource leaves the account's setting as it is [unc]


MODELS = (
    RestApi,
    Resource,
    Method,
    Deployment,
    Stage,
    ApiKey,
    UsagePlan,
    UsagePlanKey,
    Authorizer,
    GatewayResponse,
    Model,
    RequestValidator,
    DomainName,
    BasePathMapping,
    Account,
)
