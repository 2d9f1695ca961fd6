"""CloudFormation on the moto target: templates become the objects boto3 would make, the
data plane answers them, and stacks behave as CloudFormation does (order, events,
rollback, the Deployment update trap, deletion)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import requests
import yaml

pytestmark = pytest.mark.usefixtures("fresh_lab")

LAMBDA = """def handler(event, context):
    return {"statusCode": 200, "body": "lambda"}
"""


def role_and_function() -> dict[str, Any]:
    return {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.11",
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": LAMBDA},
            },
        },
        "Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {
                    "Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"
                },
            },
        },
    }


def rest_api(
    method: dict[str, Any], *, deployment: dict[str, Any] | None = None, extra=None
) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Api": {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {"Name": "t", "EndpointConfiguration": {"Types": ["REGIONAL"]}},
        },
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
            },
        },
        "Method": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Items"}, **method},
        },
        "Deployment": deployment
        or {
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": "Method",
            "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"},
        },
    }
    resources.update(role_and_function())
    resources.update(extra or {})
    return {"Resources": resources, "Outputs": {"ApiId": {"Value": {"Ref": "Api"}}}}


MOCK = {
    "HttpMethod": "GET",
    "AuthorizationType": "NONE",
    "Integration": {
        "Type": "MOCK",
        "RequestTemplates": {"application/json": '{"statusCode": 200}'},
        "IntegrationResponses": [
            {"StatusCode": 200, "ResponseTemplates": {"application/json": '{"mock": 1}'}}
        ],
    },
    "MethodResponses": [{"StatusCode": 200}],
}
PROXY = {
    "HttpMethod": "GET",
    "AuthorizationType": "NONE",
    "Integration": {
        "Type": "AWS_PROXY",
        "IntegrationHttpMethod": "POST",
        "Uri": {
            "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
        },
    },
}


def create(template: dict[str, Any], name: str = "s", **kwargs: Any) -> dict[str, Any]:
    cf = boto3.client("cloudformation")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), **kwargs)
    return cf.describe_stacks(StackName=name)["Stacks"][0]


def out(stack: dict[str, Any], key: str) -> str:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}[key]


def url(api_id: str, stage: str = "prod", path: str = "items") -> str:
    return f"https://{api_id}.execute-api.us-east-1.amazonaws.com/{stage}/{path}"


def events(name: str) -> list[tuple[str, str, str]]:
    found = boto3.client("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "")
        for e in reversed(found)
    ]


# ------------------------------------------------------------------------ templates → answers

CASES = {
    "MOCK method (moto's own model raised KeyError)": (MOCK, 200, '{"mock": 1}'),
    "Lambda proxy": (PROXY, 200, "lambda"),
    "API key required, no key": ({**PROXY, "ApiKeyRequired": True}, 403, '{"message":"Forbidden"}'),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_template_method_answers_as_boto3s_would(case: str) -> None:
    method, status, body = CASES[case]
    stack = create(rest_api(method))
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    answer = requests.get(url(out(stack, "ApiId")))
    assert (answer.status_code, answer.text.replace(" ", "")) == (status, body.replace(" ", ""))


def test_endpoint_configuration_and_root_resource_id_reach_the_api() -> None:
    stack = create(rest_api(MOCK))
    api = boto3.client("apigateway").get_rest_api(restApiId=out(stack, "ApiId"))
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    resources = boto3.client("apigateway").get_resources(restApiId=api["id"])["items"]
    assert {r["path"] for r in resources} == {"/", "/items"}


def test_stage_description_settings_reach_the_stage() -> None:
    deployment = {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": "Method",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "StageName": "prod",
            "StageDescription": {
                "CacheClusterEnabled": True,
                "CacheClusterSize": "0.5",
                "CachingEnabled": True,
                "CacheTtlInSeconds": 60,
                "MethodSettings": [
                    {
                        "ResourcePath": "/~1items",
                        "HttpMethod": "GET",
                        "ThrottlingRateLimit": 5,
                        "ThrottlingBurstLimit": 2,
                    }
                ],
            },
        },
    }
    stack = create(rest_api(MOCK, deployment=deployment))
    stage = boto3.client("apigateway").get_stage(restApiId=out(stack, "ApiId"), stageName="prod")
    assert stage["cacheClusterEnabled"] is True
    assert stage["methodSettings"]["*/*"]["cachingEnabled"] is True
    assert stage["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 60
    assert stage["methodSettings"]["~1items/GET"]["throttlingBurstLimit"] == 2


def test_stage_description_variables_tracing_and_canary() -> None:
    deployment = {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": "Method",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "StageName": "prod",
            "StageDescription": {"Variables": {"v": "1"}, "TracingEnabled": True},
        },
    }
    stack = create(rest_api(MOCK, deployment=deployment))
    stage = boto3.client("apigateway").get_stage(restApiId=out(stack, "ApiId"), stageName="prod")
    assert stage["variables"] == {"v": "1"}
    assert stage["tracingEnabled"] is True


def test_usage_plan_key_and_per_method_throttle() -> None:
    extra = {
        "Key": {
            "Type": "AWS::ApiGateway::ApiKey",
            "DependsOn": "Deployment",
            "Properties": {"Enabled": True},
        },
        "Plan": {
            "Type": "AWS::ApiGateway::UsagePlan",
            "DependsOn": "Deployment",
            "Properties": {
                "ApiStages": [
                    {
                        "ApiId": {"Ref": "Api"},
                        "Stage": "prod",
                        "Throttle": {"/items/GET": {"RateLimit": 1, "BurstLimit": 1}},
                    }
                ],
                "Quota": {"Limit": 100, "Period": "DAY"},
            },
        },
        "PlanKey": {
            "Type": "AWS::ApiGateway::UsagePlanKey",
            "Properties": {
                "KeyId": {"Ref": "Key"},
                "KeyType": "API_KEY",
                "UsagePlanId": {"Ref": "Plan"},
            },
        },
    }
    template = rest_api({**MOCK, "ApiKeyRequired": True}, extra=extra)
    template["Outputs"]["Key"] = {"Value": {"Ref": "Key"}}
    stack = create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", events("s")
    key = boto3.client("apigateway").get_api_key(apiKey=out(stack, "Key"), includeValue=True)[
        "value"
    ]
    statuses = [
        requests.get(url(out(stack, "ApiId")), headers={"x-api-key": key}).status_code
        for _ in range(2)
    ]
    assert statuses == [200, 429]


def test_validator_model_and_gateway_response() -> None:
    extra = {
        "Validator": {
            "Type": "AWS::ApiGateway::RequestValidator",
            "Properties": {"RestApiId": {"Ref": "Api"}, "ValidateRequestParameters": True},
        },
        "Missing": {
            "Type": "AWS::ApiGateway::GatewayResponse",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResponseType": "BAD_REQUEST_PARAMETERS",
                "StatusCode": "422",
                "ResponseTemplates": {
                    "application/json": '{"why": "$context.error.validationErrorString"}'
                },
            },
        },
        "Schema": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "Name": "Item",
                "ContentType": "application/json",
                "Schema": {"type": "object"},
            },
        },
    }
    method = {
        **MOCK,
        "RequestParameters": {"method.request.querystring.q": True},
        "RequestValidatorId": {"Ref": "Validator"},
    }
    deployment = {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": ["Method", "Missing"],
        "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"},
    }
    stack = create(rest_api(method, deployment=deployment, extra=extra))
    assert stack["StackStatus"] == "CREATE_COMPLETE", events("s")
    api_id = out(stack, "ApiId")
    assert requests.get(url(api_id)).status_code == 422
    assert requests.get(url(api_id) + "?q=1").status_code == 200
    assert (
        boto3.client("apigateway").get_model(restApiId=api_id, modelName="Item")["name"] == "Item"
    )


# ------------------------------------------------------------------------ stack behaviour


def test_a_deployment_without_depends_on_fails_and_the_stack_rolls_back() -> None:
    deployment = {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"},
    }
    stack = create(rest_api(MOCK, deployment=deployment))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"].startswith(
        "The following resource(s) failed to create: [Deployment]."
    )
    failed = [e for e in events("s") if e[1] == "CREATE_FAILED"]
    assert failed[0][0] == "Deployment"
    assert "The REST API doesn't contain any methods" in failed[0][2]
    assert boto3.client("apigateway").get_rest_apis()["items"] == []
    assert events("s")[-1][:2] == ("s", "ROLLBACK_COMPLETE")


def test_on_failure_do_nothing_keeps_what_was_made() -> None:
    deployment = {
        "Type": "AWS::ApiGateway::Deployment",
        "Properties": {"RestApiId": {"Ref": "Api"}},
    }
    stack = create(rest_api(MOCK, deployment=deployment), OnFailure="DO_NOTHING")
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert len(boto3.client("apigateway").get_rest_apis()["items"]) == 1


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"RestApiId": {"Ref": "Api"}, "StageName": "prod", "CacheClusterEnabled": True},
            "#: extraneous key [CacheClusterEnabled] is not permitted",
        ),
        (
            {
                "RestApiId": {"Ref": "Api"},
                "StageName": "prod",
                "StageDescription": "Production stage",
            },
            "#/StageDescription: expected type: JSONObject, found: String",
        ),
    ],
)
def test_properties_outside_the_schema_fail_as_cloudformation_says(
    properties: dict[str, Any], message: str
) -> None:
    deployment = {
        "Type": "AWS::ApiGateway::Deployment",
        "DependsOn": "Method",
        "Properties": properties,
    }
    stack = create(rest_api(MOCK, deployment=deployment))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = next(e[2] for e in events("s") if e[1] == "CREATE_FAILED")
    assert reason.startswith("Properties validation failed for resource Deployment with message:")
    assert message in reason


def test_the_deployment_update_trap() -> None:
    cf = boto3.client("cloudformation")
    template = rest_api(PROXY)
    stack = create(template)
    api_id = out(stack, "ApiId")
    assert requests.get(url(api_id)).text == "lambda"

    template["Resources"]["Method"]["Properties"] = {
        "RestApiId": {"Ref": "Api"},
        "ResourceId": {"Ref": "Items"},
        **MOCK,
    }
    cf.update_stack(StackName="s", TemplateBody=json.dumps(template))
    assert cf.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    method = boto3.client("apigateway").get_method(
        restApiId=api_id, resourceId=_items(api_id), httpMethod="GET"
    )
    assert method["methodIntegration"]["type"] == "MOCK"
    assert requests.get(url(api_id)).text == "lambda"  # the stage still serves the old snapshot

    template["Resources"]["Deployment2"] = template["Resources"].pop("Deployment")
    cf.update_stack(StackName="s", TemplateBody=json.dumps(template))
    assert requests.get(url(api_id)).text == '{"mock": 1}'
    deployments = boto3.client("apigateway").get_deployments(restApiId=api_id)["items"]
    assert len(deployments) == 1  # the old one was deleted in the clean-up phase
    assert ("Deployment", "DELETE_COMPLETE", "") in events("s")

    with pytest.raises(cf.exceptions.ClientError, match="No updates are to be performed."):  # noqa: RUF043
        cf.update_stack(StackName="s", TemplateBody=json.dumps(template))


def _items(api_id: str) -> str:
    items = boto3.client("apigateway").get_resources(restApiId=api_id)["items"]
    return next(r["id"] for r in items if r["path"] == "/items")


def test_a_create_only_change_replaces_the_resource() -> None:
    cf = boto3.client("cloudformation")
    template = rest_api(MOCK)
    api_id = out(create(template), "ApiId")
    old = _items(api_id)
    template["Resources"]["Items"]["Properties"]["PathPart"] = "things"
    template["Resources"]["Deployment2"] = template["Resources"].pop("Deployment")
    cf.update_stack(StackName="s", TemplateBody=json.dumps(template))
    paths = {
        r["path"]: r["id"]
        for r in boto3.client("apigateway").get_resources(restApiId=api_id)["items"]
    }
    assert "/things" in paths and "/items" not in paths and paths["/things"] != old
    assert requests.get(url(api_id, path="things")).status_code == 200


def test_deleting_the_stack_deletes_the_api_and_the_data_plane_stops_answering() -> None:
    cf = boto3.client("cloudformation")
    stack = create(rest_api(PROXY))
    api_id = out(stack, "ApiId")
    assert requests.get(url(api_id)).status_code == 200
    cf.delete_stack(StackName="s")
    assert boto3.client("apigateway").get_rest_apis()["items"] == []
    assert boto3.client("lambda").list_functions()["Functions"] == []
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url(api_id))
    assert (
        cf.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"]
        == "DELETE_COMPLETE"
    )


# ------------------------------------------------------------------------ ApiGatewayV2 and SAM


def test_http_api_quick_create_and_websocket_api() -> None:
    template = {
        "Resources": {
            **role_and_function(),
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {
                    "Name": "q",
                    "ProtocolType": "HTTP",
                    "Target": {"Fn::GetAtt": ["Fn", "Arn"]},
                },
            },
            "Ws": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {
                    "Name": "w",
                    "ProtocolType": "WEBSOCKET",
                    "RouteSelectionExpression": "$request.body.action",
                },
            },
            "WsIntegration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {"ApiId": {"Ref": "Ws"}, "IntegrationType": "MOCK"},
            },
            "WsRoute": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Ws"},
                    "RouteKey": "$connect",
                    "Target": {"Fn::Sub": "integrations/${WsIntegration}"},
                },
            },
            "WsDeployment": {
                "Type": "AWS::ApiGatewayV2::Deployment",
                "DependsOn": "WsRoute",
                "Properties": {"ApiId": {"Ref": "Ws"}},
            },
            "WsStage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {
                    "ApiId": {"Ref": "Ws"},
                    "StageName": "prod",
                    "DeploymentId": {"Ref": "WsDeployment"},
                },
            },
        },
        "Outputs": {
            "Endpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
            "WsEndpoint": {"Value": {"Fn::GetAtt": ["Ws", "ApiEndpoint"]}},
        },
    }
    stack = create(template)
    assert stack["StackStatus"] == "CREATE_COMPLETE", events("s")
    assert requests.get(out(stack, "Endpoint") + "/anything").text == "lambda"
    assert out(stack, "WsEndpoint").startswith("wss://")
    ws_id = out(stack, "WsEndpoint").split("//")[1].split(".")[0]
    v2 = boto3.client("apigatewayv2")
    assert v2.get_stage(ApiId=ws_id, StageName="prod")["DeploymentId"]


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "sam"}
      Events:
        Get:
          Type: Api
          Properties: {Path: /hello, Method: get}
Outputs:
  Url:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello"
"""


def test_sam_template_expands_and_answers() -> None:
    cf = boto3.client("cloudformation")
    cf.create_stack(
        StackName="sam", TemplateBody=SAM, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    )
    stack = cf.describe_stacks(StackName="sam")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", events("sam")
    assert requests.get(out(stack, "Url")).text == "sam"
    types = {
        r["ResourceType"]
        for r in cf.list_stack_resources(StackName="sam")["StackResourceSummaries"]
    }
    assert {
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
    } <= types
    assert "Transform" in yaml.safe_load(SAM.replace("!Sub", ""))


# ------------------------------------------------------------------------ the rest of the types
# Each template below is short YAML, as a learner writes it; the assertions read the boto3
# view and, where the type changes what a caller gets, the data plane's answer.


def create_yaml(text: str, name: str = "y", **kwargs: Any) -> dict[str, Any]:
    cf = boto3.client("cloudformation")
    cf.create_stack(StackName=name, TemplateBody=text, Capabilities=["CAPABILITY_IAM"], **kwargs)
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", events(name)
    return stack


FUNCTION_YAML = """
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": "lambda"}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*'
"""

AUTHORIZER_FUNCTION_YAML = """
  AuthFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              token = event.get("authorizationToken") or (
                  event.get("queryStringParameters") or {}).get("token")
              if token not in ("allow", "deny"):
                  raise Exception("Unauthorized")
              effect = "Allow" if token == "allow" else "Deny"
              return {"principalId": "alice", "policyDocument": {"Version": "2012-10-17",
                  "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                                 "Resource": event["methodArn"]}]}}
  AuthPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref AuthFn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/authorizers/*'
"""


def rest_yaml(method_extra: str, resources: str = "", *, deployment_depends: str = "Method") -> str:
    """A REST API with GET /items (Lambda proxy) deployed to prod, plus ``resources``;
    ``method_extra`` is indented under the method's Properties."""
    return f"""
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: t
      EndpointConfiguration: {{Types: [REGIONAL]}}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: items
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{Fn.Arn}}/invocations'
{method_extra}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [{deployment_depends}]
    Properties:
      RestApiId: !Ref Api
      StageName: prod
{FUNCTION_YAML}
{resources}
Outputs:
  ApiId:
    Value: !Ref Api
"""


@pytest.mark.parametrize(
    ("kind", "identity", "calls"),
    [
        (
            "TOKEN",
            "IdentitySource: method.request.header.Authorization",
            [
                ({}, 401),
                ({"headers": {"Authorization": "allow"}}, 200),
                ({"headers": {"Authorization": "deny"}}, 403),
            ],
        ),
        (
            "REQUEST",
            "IdentitySource: method.request.querystring.token",
            [
                ({}, 401),
                ({"params": {"token": "allow"}}, 200),
                ({"params": {"token": "deny"}}, 403),
            ],
        ),
    ],
)
def test_a_lambda_authorizer_from_a_template_decides(
    kind: str, identity: str, calls: list[tuple[dict[str, Any], int]]
) -> None:
    method = """      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Authorizer"""
    authorizer = f"""
  Authorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: gate
      Type: {kind}
      {identity}
      AuthorizerResultTtlInSeconds: 0
      AuthorizerUri: !Sub 'arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{AuthFn.Arn}}/invocations'
{AUTHORIZER_FUNCTION_YAML}
"""
    stack = create_yaml(rest_yaml(method, authorizer))
    api_id = out(stack, "ApiId")
    found = boto3.client("apigateway").get_authorizers(restApiId=api_id)["items"]
    assert [(a["name"], a["type"], a["authorizerResultTtlInSeconds"]) for a in found] == [
        ("gate", kind, 0)
    ]
    for kwargs, status in calls:
        assert requests.get(url(api_id), **kwargs).status_code == status, kwargs


COGNITO_POOL_YAML = """
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: people
      AutoVerifiedAttributes: [email]
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ClientName: web
      GenerateSecret: false
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
"""


def _tokens(pool_id: str, client_id: str) -> dict[str, str]:
    idp = boto3.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", TemporaryPassword="Tmp-pass1!")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="alice", Password="Real-pass1!", Permanent=True
    )
    return idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Real-pass1!"},
    )["AuthenticationResult"]


def test_a_cognito_authorizer_on_a_template_pool() -> None:
    method = """      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref CognitoAuthorizer"""
    resources = (
        COGNITO_POOL_YAML
        + """
  CognitoAuthorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: CognitoAuthorizer
      Type: COGNITO_USER_POOLS
      RestApiId: !Ref Api
      IdentitySource: method.request.header.Authorization
      ProviderARNs:
        - !GetAtt UserPool.Arn
"""
    )
    template = (
        rest_yaml(method, resources)
        + """
  PoolId:
    Value: !Ref UserPool
  ClientId:
    Value: !Ref UserPoolClient
  Issuer:
    Value: !GetAtt UserPool.ProviderURL
"""
    )
    stack = create_yaml(template)
    pool_id, client_id = out(stack, "PoolId"), out(stack, "ClientId")
    pool = boto3.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Name"] == "people" and pool["AutoVerifiedAttributes"] == ["email"]
    assert out(stack, "Issuer") == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    api_id = out(stack, "ApiId")
    (authorizer,) = boto3.client("apigateway").get_authorizers(restApiId=api_id)["items"]
    assert authorizer["providerARNs"] == [pool["Arn"]]
    tokens = _tokens(pool_id, client_id)
    assert requests.get(url(api_id)).status_code == 401
    answer = requests.get(url(api_id), headers={"Authorization": tokens["IdToken"]})
    assert (answer.status_code, answer.text) == (200, "lambda")

    boto3.client("cloudformation").delete_stack(StackName="y")
    assert boto3.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


def test_an_http_api_jwt_authorizer_on_a_template_pool() -> None:
    template = f"""
Resources:
{FUNCTION_YAML.replace("${{Api}}/*", "${{Api}}/*")}
{COGNITO_POOL_YAML}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: h
      ProtocolType: HTTP
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: '2.0'
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: cognito
      AuthorizerType: JWT
      IdentitySource: ['$request.header.Authorization']
      JwtConfiguration:
        Issuer: !GetAtt UserPool.ProviderURL
        Audience: [!Ref UserPoolClient]
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /items
      AuthorizationType: JWT
      AuthorizerId: !Ref Jwt
      Target: !Sub 'integrations/${{Integration}}'
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Api
      StageName: $default
      AutoDeploy: true
Outputs:
  Endpoint:
    Value: !GetAtt Api.ApiEndpoint
  PoolId:
    Value: !Ref UserPool
  ClientId:
    Value: !Ref UserPoolClient
"""
    stack = create_yaml(template)
    api_id = out(stack, "Endpoint").split("//")[1].split(".")[0]
    authorizer_id = boto3.client("cloudformation").describe_stack_resource(
        StackName="y", LogicalResourceId="Jwt"
    )["StackResourceDetail"]["PhysicalResourceId"]
    found = boto3.client("apigatewayv2").get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert found["AuthorizerType"] == "JWT"
    assert found["JwtConfiguration"]["Audience"] == [out(stack, "ClientId")]
    tokens = _tokens(out(stack, "PoolId"), out(stack, "ClientId"))
    endpoint = out(stack, "Endpoint") + "/items"
    assert requests.get(endpoint).status_code == 401
    answer = requests.get(endpoint, headers={"Authorization": f"Bearer {tokens['IdToken']}"})
    assert (answer.status_code, answer.text) == (200, "lambda")


def test_a_body_validator_with_a_model_refuses_a_bad_body_before_lambda() -> None:
    method = """      RequestValidatorId: !Ref BodyValidator
      RequestModels:
        application/json: !Ref Order"""
    resources = """
  BodyValidator:
    Type: AWS::ApiGateway::RequestValidator
    Properties:
      RestApiId: !Ref Api
      Name: body-only
      ValidateRequestBody: true
      ValidateRequestParameters: false
  Order:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Order
      ContentType: application/json
      Schema:
        $schema: 'http://json-schema.org/draft-04/schema#'
        type: object
        required: [item]
        properties:
          item: {type: string}
"""
    template = rest_yaml(method, resources).replace("HttpMethod: GET", "HttpMethod: POST")
    api_id = out(create_yaml(template), "ApiId")
    validators = boto3.client("apigateway").get_request_validators(restApiId=api_id)["items"]
    assert [
        (v["name"], v["validateRequestBody"], v["validateRequestParameters"]) for v in validators
    ] == [("body-only", True, False)]
    bad = requests.post(url(api_id), json={"quantity": 1})
    assert (bad.status_code, bad.json()) == (400, {"message": "Invalid request body"})
    good = requests.post(url(api_id), json={"item": "tea"})
    assert (good.status_code, good.text) == (200, "lambda")


def test_gateway_response_parameters_and_an_update_that_redeploys() -> None:
    cf = boto3.client("cloudformation")
    response = """
  NotFound:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: '404'
      ResponseParameters:
        gatewayresponse.header.x-why: "'no such route'"
      ResponseTemplates:
        application/json: '{"error": "$context.error.message"}'
"""
    template = rest_yaml("", response, deployment_depends="Method, NotFound")
    api_id = out(create_yaml(template), "ApiId")
    answer = requests.get(url(api_id, path="nowhere"))
    assert (answer.status_code, answer.headers["x-why"]) == (404, "no such route")
    assert answer.json() == {"error": "Missing Authentication Token"}

    changed = template.replace("StatusCode: '404'", "StatusCode: '410'").replace(
        "  Deployment:", "  Deployment2:"
    )
    cf.update_stack(StackName="y", TemplateBody=changed, Capabilities=["CAPABILITY_IAM"])
    assert cf.describe_stacks(StackName="y")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    found = boto3.client("apigateway").get_gateway_response(
        restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN"
    )
    assert (found["statusCode"], found["defaultResponse"]) == ("410", False)
    assert requests.get(url(api_id, path="nowhere")).status_code == 410


def test_a_usage_plan_key_opens_the_stage_and_removing_it_closes_it() -> None:
    cf = boto3.client("cloudformation")
    resources = """
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties:
      Name: client
      Enabled: true
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      UsagePlanName: basic
      ApiStages:
        - ApiId: !Ref Api
          Stage: prod
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties:
      KeyId: !Ref Key
      KeyType: API_KEY
      UsagePlanId: !Ref Plan
"""
    template = (
        rest_yaml("      ApiKeyRequired: true", resources) + "  KeyId:\n    Value: !Ref Key\n"
    )
    stack = create_yaml(template)
    api_id, key_id = out(stack, "ApiId"), out(stack, "KeyId")
    apigateway = boto3.client("apigateway")
    plan_id = apigateway.get_usage_plans()["items"][0]["id"]
    keys = apigateway.get_usage_plan_keys(usagePlanId=plan_id)["items"]
    assert [(k["id"], k["type"], k["name"]) for k in keys] == [(key_id, "API_KEY", "client")]
    value = apigateway.get_api_key(apiKey=key_id, includeValue=True)["value"]
    assert requests.get(url(api_id), headers={"x-api-key": value}).status_code == 200

    without = template.replace(resources.split("  PlanKey:")[1], "\n").replace("  PlanKey:", "")
    cf.update_stack(StackName="y", TemplateBody=without, Capabilities=["CAPABILITY_IAM"])
    assert apigateway.get_usage_plan_keys(usagePlanId=plan_id)["items"] == []
    assert requests.get(url(api_id), headers={"x-api-key": value}).status_code == 403


def test_the_account_resource_sets_the_cloudwatch_role() -> None:
    template = """
Resources:
  LogsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: apigateway.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs
  Account:
    Type: AWS::ApiGateway::Account
    Properties:
      CloudWatchRoleArn: !GetAtt LogsRole.Arn
Outputs:
  RoleArn:
    Value: !GetAtt LogsRole.Arn
"""
    stack = create_yaml(template)
    account = boto3.client("apigateway").get_account()
    assert account["cloudwatchRoleArn"] == out(stack, "RoleArn")


# --- custom domain names: the control plane, then the data plane through the mappings

DOMAIN_YAML = """
Parameters:
  CertificateArn:
    Type: String
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: t
      EndpointConfiguration: {Types: [REGIONAL]}
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            ResponseTemplates: {application/json: '{"via": "domain"}'}
      MethodResponses:
        - StatusCode: 200
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Method
    Properties:
      RestApiId: !Ref Api
      StageName: prod
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: api.example.com
      RegionalCertificateArn: !Ref CertificateArn
      EndpointConfiguration: {Types: [REGIONAL]}
      SecurityPolicy: TLS_1_2
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    DependsOn: Deployment
    Properties:
      DomainName: !Ref Domain
      BasePath: shop
      RestApiId: !Ref Api
      Stage: prod
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: h
      ProtocolType: HTTP
  HttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref HttpApi
      StageName: $default
      AutoDeploy: true
  HttpDomain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: http.example.com
      DomainNameConfigurations:
        - CertificateArn: !Ref CertificateArn
          EndpointType: REGIONAL
          SecurityPolicy: TLS_1_2
  HttpMapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    DependsOn: HttpStage
    Properties:
      DomainName: !Ref HttpDomain
      ApiId: !Ref HttpApi
      Stage: $default
      ApiMappingKey: v1
Outputs:
  ApiId:
    Value: !Ref Api
  HttpApiId:
    Value: !Ref HttpApi
  RegionalDomainName:
    Value: !GetAtt Domain.RegionalDomainName
  RegionalHostedZoneId:
    Value: !GetAtt Domain.RegionalHostedZoneId
  HttpRegionalDomainName:
    Value: !GetAtt HttpDomain.RegionalDomainName
  HttpMappingId:
    Value: !Ref HttpMapping
"""


def _zone() -> str:
    r53 = boto3.client("route53")
    for zone in r53.list_hosted_zones()["HostedZones"]:
        if zone["Name"] == "example.com.":
            return zone["Id"]
    return r53.create_hosted_zone(Name="example.com", CallerReference="example.com")["HostedZone"][
        "Id"
    ]


def _upsert(record: dict[str, Any]) -> None:
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=_zone(),
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]},
    )


def _certificate() -> str:
    """An ACM certificate for *.example.com, validated as ACM asks (its DNS record)."""
    acm = boto3.client("acm")
    arn = acm.request_certificate(DomainName="*.example.com", ValidationMethod="DNS")[
        "CertificateArn"
    ]
    options = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"]
    record = options[0]["ResourceRecord"]
    _upsert(
        {
            "Name": record["Name"],
            "Type": "CNAME",
            "TTL": 300,
            "ResourceRecords": [{"Value": record["Value"]}],
        }
    )
    return arn


def test_custom_domain_names_and_mappings_in_the_control_plane() -> None:
    cert = _certificate()
    stack = create_yaml(
        DOMAIN_YAML, Parameters=[{"ParameterKey": "CertificateArn", "ParameterValue": cert}]
    )
    apigateway, v2 = boto3.client("apigateway"), boto3.client("apigatewayv2")
    domain = apigateway.get_domain_name(domainName="api.example.com")
    assert domain["regionalCertificateArn"] == cert
    assert domain["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert domain["regionalDomainName"] == out(stack, "RegionalDomainName")
    assert domain["regionalHostedZoneId"] == out(stack, "RegionalHostedZoneId")
    mappings = apigateway.get_base_path_mappings(domainName="api.example.com")["items"]
    assert mappings == [{"basePath": "shop", "restApiId": out(stack, "ApiId"), "stage": "prod"}]

    http_domain = v2.get_domain_name(DomainName="http.example.com")
    config = http_domain["DomainNameConfigurations"][0]
    assert (config["CertificateArn"], config["EndpointType"]) == (cert, "REGIONAL")
    (mapping,) = v2.get_api_mappings(DomainName="http.example.com")["Items"]
    assert mapping["ApiMappingId"] == out(stack, "HttpMappingId")
    assert (mapping["ApiId"], mapping["Stage"], mapping["ApiMappingKey"]) == (
        out(stack, "HttpApiId"),
        "$default",
        "v1",
    )

    boto3.client("cloudformation").delete_stack(StackName="y")
    assert apigateway.get_domain_names()["items"] == []
    assert v2.get_domain_names()["Items"] == []



def test_custom_domain_names_answer_through_their_mappings() -> None:
    """The HTTP API domain's own host name (moto makes none), then calls through the REST
    API's base path mapping once a Route 53 alias record makes the name resolve."""
    cert = _certificate()
    stack = create_yaml(
        DOMAIN_YAML, Parameters=[{"ParameterKey": "CertificateArn", "ParameterValue": cert}]
    )
    config = boto3.client("apigatewayv2").get_domain_name(DomainName="http.example.com")[
        "DomainNameConfigurations"
    ][0]
    assert config["ApiGatewayDomainName"] == out(stack, "HttpRegionalDomainName")
    _upsert(
        {
            "Name": "api.example.com",
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": out(stack, "RegionalHostedZoneId"),
                "DNSName": out(stack, "RegionalDomainName"),
                "EvaluateTargetHealth": False,
            },
        }
    )
    answer = requests.get("https://api.example.com/shop")
    assert (answer.status_code, answer.json()) == (200, {"via": "domain"})
    assert requests.get("https://api.example.com/other").status_code == 403


def test_a_usage_plan_made_before_its_stage_fails_as_on_aws() -> None:
    """No DependsOn, the stage written as a literal name: CloudFormation creates the plan as
    soon as the API exists, before the Stage resource, and API Gateway refuses it."""
    resources = """
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: v1
      DeploymentId: !Ref Deployment
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref Api
          Stage: v1
"""
    cf = boto3.client("cloudformation")
    cf.create_stack(
        StackName="y", TemplateBody=rest_yaml("", resources), Capabilities=["CAPABILITY_IAM"]
    )
    stack = cf.describe_stacks(StackName="y")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = next(e for e in events("y") if e[1] == "CREATE_FAILED")
    assert failed[0] == "Plan"
    assert "Invalid API Stage {api: " in failed[2] and "stage: v1}" in failed[2]

    fixed = rest_yaml("", resources.replace("Stage: v1\n", "Stage: !Ref Stage\n"))
    cf.delete_stack(StackName="y")
    create_yaml(fixed)  # a Ref to the Stage orders the plan after it
