"""``AWS::Cognito::UserPool`` and ``AWS::Cognito::UserPoolClient`` (moto has no model for
either): the user pool and app client a ``COGNITO_USER_POOLS`` or JWT authorizer names,
made with the ``cognito-idp`` calls boto3 makes.

The template's property names are the API's own (``UserPoolName`` aside, which the API
calls ``PoolName``), so each resource passes on the properties its create/update
operation takes (botocore's model says which). ``Ref`` and ``Fn::GetAtt`` are those the
CloudFormation reference documents: a pool's ``Ref`` is its id, ``Arn``, ``ProviderName``
and ``ProviderURL`` (the JWT issuer) its attributes; a client's ``Ref`` is its id.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .base import ApiModel, client


@cache
def _members(operation: str) -> frozenset[str]:
    model = client("cognito-idp", "us-east-1").meta.service_model
    name = "".join(part.title() for part in operation.split("_"))
    return frozenset(model.operation_model(name).input_shape.members)


def _params(props: dict[str, Any], operation: str, renames: dict[str, str]) -> dict[str, Any]:
    members = _members(operation)
    out: dict[str, Any] = {}
    for key, value in props.items():
        key = renames.get(key, key)
        if key in members:
            out[key] = value
    return out


class UserPool(ApiModel):
    TYPE = "AWS::Cognito::UserPool"
    SERVICE = "cognito-idp"
    ATTRIBUTES = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")
    TAGGABLE = True
    RENAMES = {"UserPoolName": "PoolName"}  # noqa: RUF012

    def create(self) -> None:
        params = _params(self.props, "create_user_pool", self.RENAMES)
        params.setdefault("PoolName", self.logical_resource_id)
        tags = {**(self.tags() or {}), **(self.props.get("UserPoolTags") or {})}
        tags.pop("aws:cloudformation:logical-id", None)
        if tags:
            params["UserPoolTags"] = tags
        pool = self.call("create_user_pool", **params)["UserPool"]
        self.ref = pool["Id"]
        provider = f"cognito-idp.{self.region}.amazonaws.com/{pool['Id']}"
        self.attrs.update(
            {
                "Arn": pool["Arn"],
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
                "UserPoolId": pool["Id"],
            }
        )

    def update(self, old: dict[str, Any]) -> None:
        params = _params(self.props, "update_user_pool", self.RENAMES)
        params.pop("PoolName", None)
        self.call("update_user_pool", UserPoolId=self.ref, **params)

    def remove(self) -> None:
        self.call("delete_user_pool", UserPoolId=self.ref)


class UserPoolClient(ApiModel):
    TYPE = "AWS::Cognito::UserPoolClient"
    SERVICE = "cognito-idp"
    ATTRIBUTES = ("ClientId", "ClientSecret", "Name")

    def create(self) -> None:
        params = _params(self.props, "create_user_pool_client", {})
        params.setdefault("ClientName", self.logical_resource_id)
        made = self.call("create_user_pool_client", **params)["UserPoolClient"]
        self.ref = made["ClientId"]
        self.attrs.update(
            {
                "ClientId": made["ClientId"],
                "ClientSecret": made.get("ClientSecret"),
                "Name": made.get("ClientName"),
            }
        )

    def update(self, old: dict[str, Any]) -> None:
        params = _params(self.props, "update_user_pool_client", {})
        params.pop("UserPoolId", None)
        self.call(
            "update_user_pool_client",
            UserPoolId=self.props["UserPoolId"],
            ClientId=self.ref,
            **params,
        )

    def remove(self) -> None:
        self.call("delete_user_pool_client", UserPoolId=self.props["UserPoolId"], ClientId=self.ref)


MODELS = (UserPool, UserPoolClient)
