"""Cognito on the moto target as the course needs it: an app client's token lifetimes are
its own (an hour by default), and a user pool domain's OAuth 2.0 token endpoint issues
access tokens with a resource server's scopes (client credentials), which API Gateway's
Cognito authorizer accepts for a method that demands the scope."""

from __future__ import annotations

from typing import Any

import boto3
import jwt
import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

REGION = "us-east-1"
DOMAIN = "apigw-lab-test-oauth"


def token_url(domain: str = DOMAIN) -> str:
    return f"https://{domain}.auth.{REGION}.amazoncognito.com/oauth2/token"


@pytest.fixture
def pool(lab: Any) -> dict[str, Any]:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
    cognito.create_resource_server(
        UserPoolId=pool_id,
        Identifier="profile-api",
        Name="Profile API",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "r"}, {"ScopeName": "write", "ScopeDescription": "w"}],
    )
    cognito.create_user_pool_domain(UserPoolId=pool_id, Domain=DOMAIN)
    service = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="service",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["profile-api/read"],
        AccessTokenValidity=15,
        TokenValidityUnits={"AccessToken": "minutes"},
    )["UserPoolClient"]
    return {"id": pool_id, "service": service, "cognito": cognito}


def ask(pool: dict[str, Any], **form: str) -> requests.Response:
    service = pool["service"]
    return requests.post(
        token_url(),
        data={"grant_type": "client_credentials", **form},
        auth=(service["ClientId"], service["ClientSecret"]),
    )


def test_client_credentials_issue_a_scoped_access_token(pool: dict[str, Any]) -> None:
    answer = ask(pool, scope="profile-api/read")
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "profile-api/read" and claims["token_use"] == "access"
    assert claims["client_id"] == claims["sub"] == pool["service"]["ClientId"]
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool['id']}"
    assert claims["exp"] - claims["iat"] == 900
    # no scope asked: every scope the client may have
    assert jwt.decode(ask(pool).json()["access_token"], options={"verify_signature": False})[
        "scope"
    ] == "profile-api/read"


@pytest.mark.parametrize(
    "case, form, auth, error",
    [
        ("a scope the client may not have", {"scope": "profile-api/write"}, None, "invalid_scope"),
        ("an unknown scope", {"scope": "other/read"}, None, "invalid_scope"),
        ("a wrong secret", {}, "wrong", "invalid_client"),
        ("another grant", {"grant_type": "password"}, None, "unsupported_grant_type"),
    ],
)
def test_refusals(
    pool: dict[str, Any], case: str, form: dict[str, str], auth: str | None, error: str
) -> None:
    service = pool["service"]
    answer = requests.post(
        token_url(),
        data={"grant_type": "client_credentials", **form},
        auth=(service["ClientId"], auth or service["ClientSecret"]),
    )
    assert answer.status_code == 400, case
    assert answer.json() == {"error": error}, case


def test_a_client_without_the_flow_is_unauthorized(pool: dict[str, Any]) -> None:
    other = pool["cognito"].create_user_pool_client(
        UserPoolId=pool["id"], ClientName="web", GenerateSecret=True
    )["UserPoolClient"]
    answer = requests.post(
        token_url(),
        data={"grant_type": "client_credentials"},
        auth=(other["ClientId"], other["ClientSecret"]),
    )
    assert answer.json() == {"error": "unauthorized_client"}


def test_sign_in_tokens_live_as_long_as_the_client_says(pool: dict[str, Any]) -> None:
    cognito = pool["cognito"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["id"],
        ClientName="short",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity=5,
        IdTokenValidity=2,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours"},
    )["UserPoolClient"]
    default = cognito.create_user_pool_client(
        UserPoolId=pool["id"], ClientName="default", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    cognito.admin_create_user(UserPoolId=pool["id"], Username="ada", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool["id"], Username="ada", Password="Corr3ct-Horse!", Permanent=True
    )

    def lifetimes(client_id: str) -> tuple[int, int]:
        result = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ada", "PASSWORD": "Corr3ct-Horse!"},
        )["AuthenticationResult"]
        out = []
        for name in ("AccessToken", "IdToken"):
            claims = jwt.decode(result[name], options={"verify_signature": False})
            out.append(claims["exp"] - claims["iat"])
        return out[0], out[1]

    assert lifetimes(client["ClientId"]) == (300, 7200)
    assert lifetimes(default["ClientId"]) == (3600, 3600)


def test_a_cognito_authorizer_accepts_the_scope_it_demands(
    pool: dict[str, Any], kit: Any, lab: Any
) -> None:
    from pathlib import Path

    functions = Path(__file__).resolve().parents[2] / "functions"
    backend = kit.function(functions / "whoami.py")
    api_id = kit.rest_api()
    pool_arn = pool["cognito"].describe_user_pool(UserPoolId=pool["id"])["UserPool"]["Arn"]
    authorizer = kit.apigw.create_authorizer(
        restApiId=api_id,
        name="users",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool_arn],
        identitySource="method.request.header.Authorization",
    )["id"]
    kit.method(
        api_id,
        "/profile",
        "GET",
        backend,
        authorization="COGNITO_USER_POOLS",
        authorizerId=authorizer,
        authorizationScopes=["profile-api/read"],
    )
    kit.permit(backend, api_id)
    kit.deploy(api_id, "prod")
    token = ask(pool, scope="profile-api/read").json()["access_token"]
    url = kit.url(api_id, "prod", "/profile")
    answer = requests.get(url, headers={"Authorization": token})
    assert answer.status_code == 200
    assert answer.json()["authorizer"]["claims"]["scope"] == "profile-api/read"
    lab.clock.advance(15 * 60 + 1)
    assert requests.get(url, headers={"Authorization": token}).status_code == 401
