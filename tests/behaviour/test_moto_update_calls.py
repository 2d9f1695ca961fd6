"""API calls moto lacks or answers differently from AWS, filled in helpers.

``update_gateway_response`` (moto has none) with the documented patch paths, through
boto3 and the AWS CLI as seed 000 writes it, and the data plane answering with the result
after the next deployment; ``get_gateway_response`` of a type never customised answers its
default; ``delete_deployment`` is refused only while a stage points at the deployment, and
``create_deployment`` of a method without integration is a BadRequestException;
``update_model`` and ``update_deployment`` (moto has neither), a changed model live with the
next deployment."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

pytestmark = pytest.mark.usefixtures("fresh_lab")

OPEN = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def test_a_default_type_answers_get_with_its_default(kit: Any) -> None:
    api_id = kit.rest_api()
    found = kit.apigw.get_gateway_response(restApiId=api_id, responseType="THROTTLED")
    assert found["defaultResponse"] is True
    assert found["statusCode"] == "429"
    assert found["responseTemplates"] == {
        "application/json": '{"message":$context.error.messageString}'
    }
    assert "statusCode" not in kit.apigw.get_gateway_response(
        restApiId=api_id, responseType="DEFAULT_4XX"
    )


def test_update_starts_from_the_default_and_the_next_deployment_answers_with_it(kit: Any) -> None:
    api = kit.proxy_api(OPEN)
    updated = kit.apigw.update_gateway_response(
        restApiId=api.api_id,
        responseType="MISSING_AUTHENTICATION_TOKEN",
        patchOperations=[
            {"op": "replace", "path": "/statusCode", "value": "404"},
            {
                "op": "add",
                "path": "/responseParameters/gatewayresponse.header.x-why",
                "value": "'no such route'",
            },
            {
                "op": "replace",
                "path": "/responseTemplates/application~1json",
                "value": '{"error": "$context.error.message", "type": "$context.error.responseType"}',
            },
        ],
    )
    assert updated["defaultResponse"] is False
    assert updated["statusCode"] == "404"
    assert updated["responseParameters"] == {"gatewayresponse.header.x-why": "'no such route'"}

    missing = requests.get(api.url("/nowhere"))
    assert missing.status_code == 403  # not live before a deployment, as on AWS

    kit.deploy(api.api_id)
    missing = requests.get(api.url("/nowhere"))
    assert missing.status_code == 404
    assert missing.headers["x-why"] == "no such route"
    assert missing.json() == {
        "error": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
    }


def test_remove_takes_a_part_back(kit: Any) -> None:
    api_id = kit.rest_api()
    kit.apigw.put_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        statusCode="400",
        responseParameters={"gatewayresponse.header.x-a": "'1'"},
    )
    after = kit.apigw.update_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        patchOperations=[
            {"op": "remove", "path": "/statusCode"},
            {"op": "remove", "path": "/responseParameters/gatewayresponse.header.x-a"},
        ],
    )
    assert "statusCode" not in after
    assert after["responseParameters"] == {}


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/bogus", "value": "x"},
        {"op": "replace", "path": "/responseTemplates", "value": "x"},
        {"op": "copy", "path": "/statusCode", "from": "/x"},
    ],
)
def test_a_path_aws_does_not_take_is_refused_and_nothing_changes(
    kit: Any, operation: dict[str, str]
) -> None:
    api_id = kit.rest_api()
    with pytest.raises(ClientError) as caught:
        kit.apigw.update_gateway_response(
            restApiId=api_id,
            responseType="THROTTLED",
            patchOperations=[{"op": "replace", "path": "/statusCode", "value": "503"}, operation],
        )
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert "/statusCode, /responseParameters/{name}" in str(caught.value)
    found = kit.apigw.get_gateway_response(restApiId=api_id, responseType="THROTTLED")
    assert found["defaultResponse"] is True and found["statusCode"] == "429"


def test_the_seeds_cli_command_runs_as_written(
    kit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.cli import Shell

    api = kit.proxy_api(OPEN)
    shell = Shell({"API_ID": api.api_id})
    status = shell.run(
        """
aws apigateway update-gateway-response \\
    --rest-api-id $API_ID \\
    --response-type DEFAULT_4XX \\
    --patch-operations '[
        {
            "op": "replace",
            "path": "/responseTemplates/application~1json",
            "value": "{\\"error\\": \\"$context.error.message\\", \\"requestId\\": \\"$context.requestId\\"}"
        }
    ]'
"""
    )
    assert status == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["responseType"] == "DEFAULT_4XX" and printed["defaultResponse"] is False
    kit.deploy(api.api_id)
    answer = requests.get(api.url("/nowhere"))
    assert answer.status_code == 403
    body = answer.json()
    assert body["error"] == "Missing Authentication Token"
    assert body["requestId"] == answer.headers["x-amzn-RequestId"]


def test_an_old_deployment_can_be_deleted_once_no_stage_points_at_it(kit: Any) -> None:
    api = kit.proxy_api(OPEN)
    first = kit.apigw.get_stage(restApiId=api.api_id, stageName="prod")["deploymentId"]
    with pytest.raises(ClientError, match="Active stages pointing to this deployment"):
        kit.apigw.delete_deployment(restApiId=api.api_id, deploymentId=first)
    kit.deploy(api.api_id)  # prod now points at the second deployment
    kit.apigw.delete_deployment(restApiId=api.api_id, deploymentId=first)
    left = [d["id"] for d in kit.apigw.get_deployments(restApiId=api.api_id)["items"]]
    assert first not in left and len(left) == 1
    assert requests.get(api.url("/hello")).text == "ok"


def test_a_deployment_of_a_method_without_integration_is_a_bad_request(kit: Any) -> None:
    api_id = kit.rest_api()
    root = kit.resource(api_id, "/")
    kit.apigw.put_method(
        restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    with pytest.raises(ClientError) as caught:
        kit.deploy(api_id)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert caught.value.response["Error"]["Message"] == "No integration defined for method"


def test_update_model_changes_the_schema_and_the_next_deployment_validates_with_it(
    kit: Any,
) -> None:
    api_id = kit.rest_api()
    rid = kit.resource(api_id, "/orders")
    schema = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 10}}}
    kit.apigw.create_model(
        restApiId=api_id, name="Order", contentType="application/json", schema=json.dumps(schema)
    )
    validator = kit.apigw.create_request_validator(
        restApiId=api_id, name="body", validateRequestBody=True
    )["id"]
    post = {"restApiId": api_id, "resourceId": rid, "httpMethod": "POST"}
    kit.apigw.put_method(
        **post,
        authorizationType="NONE",
        requestValidatorId=validator,
        requestModels={"application/json": "Order"},
    )
    kit.apigw.put_integration(
        **post, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    kit.apigw.put_method_response(**post, statusCode="200")
    kit.apigw.put_integration_response(**post, statusCode="200", selectionPattern="")
    kit.deploy(api_id)
    url = kit.url(api_id, "prod", "/orders")
    assert requests.post(url, json={"n": 15}).status_code == 400

    schema["properties"]["n"]["maximum"] = 20
    updated = kit.apigw.update_model(
        restApiId=api_id,
        modelName="Order",
        patchOperations=[
            {"op": "replace", "path": "/schema", "value": json.dumps(schema)},
            {"op": "replace", "path": "/description", "value": "up to 20"},
        ],
    )
    assert json.loads(updated["schema"])["properties"]["n"]["maximum"] == 20
    assert updated["description"] == "up to 20"
    assert requests.post(url, json={"n": 15}).status_code == 400  # not live yet
    kit.deploy(api_id)
    assert requests.post(url, json={"n": 15}).status_code == 200

    with pytest.raises(ClientError, match="Invalid model schema specified"):
        kit.apigw.update_model(
            restApiId=api_id,
            modelName="Order",
            patchOperations=[{"op": "replace", "path": "/schema", "value": "{not json"}],
        )
    with pytest.raises(ClientError, match="Invalid patch path '/name'"):
        kit.apigw.update_model(
            restApiId=api_id,
            modelName="Order",
            patchOperations=[{"op": "replace", "path": "/name", "value": "Other"}],
        )


def test_update_deployment_changes_its_description(kit: Any) -> None:
    api = kit.proxy_api(OPEN)
    deployment = kit.apigw.get_stage(restApiId=api.api_id, stageName="prod")["deploymentId"]
    kit.apigw.update_deployment(
        restApiId=api.api_id,
        deploymentId=deployment,
        patchOperations=[{"op": "replace", "path": "/description", "value": "first"}],
    )
    found = kit.apigw.get_deployment(restApiId=api.api_id, deploymentId=deployment)
    assert found["description"] == "first"
