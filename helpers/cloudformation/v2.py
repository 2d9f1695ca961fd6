"""``AWS::ApiGatewayV2::*``: HTTP and WebSocket API resources (moto has none of them).

The template's property names are the apigatewayv2 API's own, so each resource passes the
properties its create/update operation takes straight through (botocore's model says which).
Auto-deploy, quick create and deployments behave as :mod:`helpers.gateway.moto_v2` makes
them behave for boto3.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, ClassVar

from .base import ApiModel, client


@cache
def _members(operation: str) -> frozenset[str]:
    model = client("apigatewayv2", "us-east-1").meta.service_model
    name = "".join(part.title() for part in operation.split("_"))
    return frozenset(model.operation_model(name).input_shape.members)


class V2Model(ApiModel):
    SERVICE = "apigatewayv2"
    #: the resource's name in its operations: create_<NOUN>, update_<NOUN>, delete_<NOUN>
    NOUN: ClassVar[str] = ""
    #: the create/update/delete operations and the id they return (from NOUN; the id is
    #: ``<Noun>Id`` unless a class names it)
    CREATE: ClassVar[str] = ""
    UPDATE: ClassVar[str] = ""
    DELETE: ClassVar[str] = ""
    ID: ClassVar[str] = ""
    #: Fn::GetAtt name → response key: the create response's key of the same name
    ATTRIBUTE_KEYS: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.NOUN:
            cls.CREATE, cls.UPDATE, cls.DELETE = (
                f"{verb}_{cls.NOUN}" for verb in ("create", "update", "delete")
            )
            if "ID" not in cls.__dict__:
                cls.ID = "".join(part.title() for part in cls.NOUN.split("_")) + "Id"
        cls.ATTRIBUTE_KEYS = {name: name for name in cls.ATTRIBUTES}

    def params(self, operation: str) -> dict[str, Any]:
        members = _members(operation)
        out = {k: v for k, v in self.props.items() if k in members and k != "Tags"}
        if "Tags" in members and self.TAGGABLE:
            out["Tags"] = self.tags()
        return self.convert(out)

    def convert(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def create(self) -> None:
        made = self.call(self.CREATE, **self.params(self.CREATE))
        self.ref = made[self.ID]
        self.attrs.update({attr: made.get(key) for attr, key in self.ATTRIBUTE_KEYS.items()})

    def ids(self) -> dict[str, Any]:
        return {"ApiId": self.props.get("ApiId"), self.ID: self.ref}

    def update(self, old: dict[str, Any]) -> None:
        params = self.params(self.UPDATE)
        params.update(self.ids())
        self.call(self.UPDATE, **params)

    def remove(self) -> None:
        self.call(self.DELETE, **self.ids())


class Api(V2Model):
    """``Target`` makes a quick-create API: an integration, a ``$default`` route and an
    auto-deploying ``$default`` stage."""

    TYPE = "AWS::ApiGatewayV2::Api"
    NOUN = "api"
    ATTRIBUTES = ("ApiId", "ApiEndpoint")
    TAGGABLE = True

    def create(self) -> None:
        body = self.props.get("Body")
        if body is None:
            super().create()
            return
        # an OpenAPI definition (SAM's HttpApi writes one): an empty HTTP API, then the
        # definition imported into it (moto has reimport_api but not import_api)
        text = body if isinstance(body, str) else json.dumps(body)
        title = (body.get("info") or {}).get("title") if isinstance(body, dict) else None
        made = self.call(
            "create_api",
            Name=self.props.get("Name") or title or self.logical_resource_id,
            ProtocolType=self.props.get("ProtocolType") or "HTTP",
            Tags=self.tags(),
        )
        self.ref = made["ApiId"]
        self.call(
            "reimport_api",
            ApiId=self.ref,
            Body=text,
            FailOnWarnings=self.props.get("FailOnWarnings"),
            Basepath=self.props.get("BasePath"),
        )
        self._upper_case_types()
        self.attrs.update({"ApiId": made["ApiId"], "ApiEndpoint": made.get("ApiEndpoint")})

    def _upper_case_types(self) -> None:
        """OpenAPI writes ``type: aws_proxy``; API Gateway stores ``AWS_PROXY`` (moto keeps
        the case it was given)."""
        for item in self.call("get_integrations", ApiId=self.ref).get("Items", []):
            kind = item.get("IntegrationType") or ""
            if kind != kind.upper():
                self.call(
                    "update_integration",
                    ApiId=self.ref,
                    IntegrationId=item["IntegrationId"],
                    IntegrationType=kind.upper(),
                )

    def update(self, old: dict[str, Any]) -> None:
        if self.props.get("Body") is None:
            super().update(old)
        elif self.props.get("Body") != old.get("Body"):
            body = self.props["Body"]
            self.call(
                "reimport_api",
                ApiId=self.ref,
                Body=body if isinstance(body, str) else json.dumps(body),
            )
            self._upper_case_types()

    def convert(self, params: dict[str, Any]) -> dict[str, Any]:
        params.setdefault("Name", self.logical_resource_id)
        return params

    def ids(self) -> dict[str, Any]:
        return {"ApiId": self.ref}


class Integration(V2Model):
    TYPE = "AWS::ApiGatewayV2::Integration"
    NOUN = "integration"
    ATTRIBUTES = ("IntegrationId",)

    def convert(self, params: dict[str, Any]) -> dict[str, Any]:
        if "TimeoutInMillis" in params:
            params["TimeoutInMillis"] = int(params["TimeoutInMillis"])
        return params


class Route(V2Model):
    TYPE = "AWS::ApiGatewayV2::Route"
    NOUN = "route"
    ATTRIBUTES = ("RouteId",)

    def convert(self, params: dict[str, Any]) -> dict[str, Any]:
        # the template writes {"Required": true} or a bare boolean; the API a ParameterConstraints
        parameters = params.get("RequestParameters")
        if isinstance(parameters, dict):
            params["RequestParameters"] = {
                k: v if isinstance(v, dict) else {"Required": bool(v)}
                for k, v in parameters.items()
            }
        return params


class Deployment(V2Model):
    TYPE = "AWS::ApiGatewayV2::Deployment"
    NOUN = "deployment"
    ATTRIBUTES = ("DeploymentId",)


class Stage(V2Model):
    TYPE = "AWS::ApiGatewayV2::Stage"
    NOUN, ID = "stage", "StageName"
    TAGGABLE = True

    def convert(self, params: dict[str, Any]) -> dict[str, Any]:
        for settings in [
            params.get("DefaultRouteSettings"),
            *(params.get("RouteSettings") or {}).values(),
        ]:
            if isinstance(settings, dict):
                for key in ("ThrottlingBurstLimit",):
                    if key in settings:
                        settings[key] = int(settings[key])
                if "ThrottlingRateLimit" in settings:
                    settings["ThrottlingRateLimit"] = float(settings["ThrottlingRateLimit"])
        return params

    def ids(self) -> dict[str, Any]:
        return {"ApiId": self.props.get("ApiId"), "StageName": self.ref}


class Authorizer(V2Model):
    TYPE = "AWS::ApiGatewayV2::Authorizer"
    NOUN = "authorizer"
    ATTRIBUTES = ("AuthorizerId",)

    def convert(self, params: dict[str, Any]) -> dict[str, Any]:
        if "AuthorizerResultTtlInSeconds" in params:
            params["AuthorizerResultTtlInSeconds"] = int(params["AuthorizerResultTtlInSeconds"])
        return params


class DomainName(V2Model):
    TYPE = "AWS::ApiGatewayV2::DomainName"
    NOUN, ID = "domain_name", "DomainName"
    ATTRIBUTES = ("RegionalDomainName", "RegionalHostedZoneId", "DomainNameArn")
    TAGGABLE = True

    def create(self) -> None:
        made = self.call(self.CREATE, **self.params(self.CREATE))
        self.ref = made["DomainName"]
        config = (made.get("DomainNameConfigurations") or [{}])[0]
        self.attrs.update(
            {
                "RegionalDomainName": config.get("ApiGatewayDomainName"),
                "RegionalHostedZoneId": config.get("HostedZoneId"),
                "DomainNameArn": made.get("DomainNameArn")
                or f"arn:aws:apigateway:{self.region}::/domainnames/{self.ref}",
            }
        )

    def ids(self) -> dict[str, Any]:
        return {"DomainName": self.ref}


class ApiMapping(V2Model):
    TYPE = "AWS::ApiGatewayV2::ApiMapping"
    NOUN = "api_mapping"
    ATTRIBUTES = ("ApiMappingId",)

    def ids(self) -> dict[str, Any]:
        return {"DomainName": self.props.get("DomainName"), "ApiMappingId": self.ref}

    def update(self, old: dict[str, Any]) -> None:
        params = self.params(self.UPDATE)
        params.update(self.ids())
        params.setdefault("ApiId", self.props.get("ApiId"))
        self.call(self.UPDATE, **params)


MODELS = (Api, Integration, Route, Deployment, Stage, Authorizer, DomainName, ApiMapping)
