"""Request validation (helpers.gateway.steps.validate), end to end through a deployed REST
API whose Lambda proxy integration must not be called when validation fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft4Validator

from helpers.gateway import EmulatorLimitation
from helpers.gateway.steps import validate

PET = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Pet",
    "type": "object",
    "required": ["name", "price"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "price": {"type": "number", "minimum": 0},
        "type": {"type": "string", "enum": ["dog", "cat"]},
        "owner": {"$ref": "https://apigateway.amazonaws.com/restapis/API/models/Owner"},
    },
}
OWNER = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
PARAMS = {
    "method.request.querystring.name": True,
    "method.request.header.X-Token": True,
    "method.request.querystring.optional": False,
    "method.request.path.id": True,
}
JSON = [("Content-Type", "application/json"), ("User-Agent", "unit-test")]


class Api:
    """A REST API with validated methods under /pets/{id}, behind one Lambda proxy."""

    def __init__(self, kit: Any) -> None:
        self.kit = kit
        self.apigw = kit.apigw
        fn = kit.function(None)
        self.id = kit.rest_api()
        for name, schema in (("Pet", PET), ("Owner", OWNER)):
            self.apigw.create_model(
                restApiId=self.id,
                name=name,
                contentType="application/json",
                schema=json.dumps(schema).replace("/API/", f"/{self.id}/"),
            )
        self.validators = {
            kind: self.apigw.create_request_validator(
                restApiId=self.id,
                name=kind,
                validateRequestBody=kind in ("all", "body"),
                validateRequestParameters=kind in ("all", "params"),
            )["id"]
            for kind in ("all", "body", "params")
        }
        self.fn = fn
        kit.permit(fn, self.id)

    def method(
        self,
        http_method: str,
        validator: str | None,
        *,
        params: dict[str, bool] | None = None,
        models: dict[str, str] | None = None,
    ) -> None:
        rid = self.kit.resource(self.id, "/pets/{id}")
        extra: dict[str, Any] = {}
        if validator:
            extra["requestValidatorId"] = self.validators[validator]
        if params:
            extra["requestParameters"] = params
        if models:
            extra["requestModels"] = models
        self.apigw.put_method(
            restApiId=self.id,
            resourceId=rid,
            httpMethod=http_method,
            authorizationType="NONE",
            **extra,
        )
        self.apigw.put_integration(
            restApiId=self.id,
            resourceId=rid,
            httpMethod=http_method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"{self.fn}/invocations",
        )

    def deploy(self) -> None:
        self.kit.deploy(self.id)


@pytest.fixture
def api(unit_kit: Any, plane: Any) -> Api:
    api = Api(unit_kit)
    api.method("GET", "params", params=PARAMS)
    api.method("POST", "body", params=PARAMS, models={"application/json": "Pet"})
    api.method("PUT", "all", params=PARAMS, models={"application/json": "Pet"})
    api.method("PATCH", None, params=PARAMS, models={"application/json": "Pet"})
    api.method("DELETE", "all", models={"application/json": "Empty", "text/plain": "Pet"})
    api.deploy()
    return api


def assert_bad_request(resp: Any, message: str) -> None:
    assert resp.status == 400
    assert json.loads(resp.body) == {"message": message}
    assert resp.header("x-amzn-ErrorType") == "BadRequestException"
    assert resp.header("Content-Type") == "application/json"


GOOD = json.dumps({"name": "Rex", "price": 10, "type": "dog", "owner": {"id": 1}}).encode()


@pytest.mark.parametrize(
    ("query", "headers", "missing"),
    [
        ("", [], "[name, X-Token]"),
        ("name=rex", [], "[X-Token]"),
        ("optional=1", [("X-Token", "t")], "[name]"),
    ],
)
def test_missing_parameters(
    api: Api, call: Any, fake_runtime: Any, query: str, headers: list, missing: str
) -> None:
    resp = call(api.id, "/prod/pets/7", query=query, headers=[*JSON, *headers])
    assert_bad_request(resp, f"Missing required request parameters: {missing}")
    assert fake_runtime.calls == []


@pytest.mark.parametrize("query", ["name=rex", "name=", "name=a&name=b"])
def test_parameters_present(api: Api, call: Any, fake_runtime: Any, query: str) -> None:
    resp = call(api.id, "/prod/pets/7", query=query, headers=[*JSON, ("x-token", "t")])
    assert resp.status == 200
    assert len(fake_runtime.calls) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "valid"),
    [
        (GOOD, "application/json", True),
        (GOOD, "application/json; charset=utf-8", True),
        (GOOD, None, True),  # no Content-Type: application/json
        (b'{"name": "Rex"}', "application/json", False),
        (b'{"name": "Rex", "price": -1}', "application/json", False),
        (b'{"name": "Rex", "price": 1, "type": "fish"}', "application/json", False),
        (b'{"name": "Rex", "price": 1, "owner": {}}', "application/json", False),  # $ref
        (b'{"name": "Rex", "price": "1"}', "application/json", False),
        (b"[1, 2]", "application/json", False),
        (b"{not json", "application/json", False),
        (b"", "application/json", False),  # validated as {}: required properties missing
        (b"anything", "text/csv", True),  # no model for that type and no $default [unc]
    ],
)
def test_body_against_the_model(
    api: Api, call: Any, fake_runtime: Any, body: bytes, content_type: str | None, valid: bool
) -> None:
    headers = [("User-Agent", "unit-test")]
    if content_type:
        headers.append(("Content-Type", content_type))
    resp = call(api.id, "/prod/pets/7", "POST", body=body, headers=headers)
    if valid:
        assert resp.status == 200
        assert len(fake_runtime.calls) == 1
    else:
        assert_bad_request(resp, "Invalid request body")
        assert fake_runtime.calls == []


def test_parameters_are_checked_before_the_body(api: Api, call: Any, fake_runtime: Any) -> None:
    resp = call(api.id, "/prod/pets/7", "PUT", body=b"{}", headers=JSON)
    assert_bad_request(resp, "Missing required request parameters: [name, X-Token]")
    resp = call(
        api.id, "/prod/pets/7", "PUT", query="name=a", body=b"{}", headers=[*JSON, ("X-Token", "t")]
    )
    assert_bad_request(resp, "Invalid request body")
    assert fake_runtime.calls == []


def test_a_validator_checks_only_what_it_is_set_to(api: Api, call: Any) -> None:
    # "body" validator: missing parameters pass; "params" validator: any body passes
    assert call(api.id, "/prod/pets/7", "POST", body=GOOD, headers=JSON).status == 200
    resp = call(
        api.id, "/prod/pets/7", query="name=a", body=b"{nope", headers=[*JSON, ("X-Token", "t")]
    )
    assert resp.status == 200


def test_no_validator_no_validation(api: Api, call: Any, plane: Any) -> None:
    assert call(api.id, "/prod/pets/7", "PATCH", body=b"{nope", headers=JSON).status == 200
    assert [e.step for e in plane.traces.last().entries if e.step == "validate"] == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{}", "application/json", 200),  # the built-in Empty model: any object
        (b"[1]", "application/json", 400),
        (b'{"name": "x"}', "text/plain", 400),  # the model follows the Content-Type
        (GOOD, "text/plain", 200),
    ],
)
def test_model_by_content_type_and_the_builtin_empty_model(
    api: Api, call: Any, body: bytes, content_type: str, status: int
) -> None:
    headers = [("Content-Type", content_type), ("User-Agent", "unit-test")]
    assert call(api.id, "/prod/pets/7", "DELETE", body=body, headers=headers).status == status


def test_validation_needs_a_redeploy(api: Api, call: Any, fake_runtime: Any) -> None:
    api.apigw.update_request_validator(
        restApiId=api.id,
        requestValidatorId=api.validators["params"],
        patchOperations=[{"op": "replace", "path": "/validateRequestParameters", "value": "false"}],
    )
    assert call(api.id, "/prod/pets/7", headers=JSON).status == 400
    api.deploy()
    assert call(api.id, "/prod/pets/7", headers=JSON).status == 200


def test_trace(api: Api, call: Any, plane: Any) -> None:
    call(api.id, "/prod/pets/7", "POST", body=b'{"name": 1, "price": 1}', headers=JSON)
    entry = next(e for e in plane.traces.last().entries if e.step == "validate")
    assert entry.decision == "invalid body"
    assert entry.details["model"] == "Pet"
    assert entry.details["errors"] == [
        'instance type (integer) does not match any allowed primitive type (allowed: ["string"])'
    ]
    call(api.id, "/prod/pets/7", "POST", body=GOOD, headers=JSON)
    entry = next(e for e in plane.traces.last().entries if e.step == "validate")
    assert (entry.decision, entry.details) == ("passed", {"validator": "body", "model": "Pet"})


def test_validation_error_string_reaches_gateway_responses(api: Api, call: Any) -> None:
    api.apigw.put_gateway_response(
        restApiId=api.id,
        responseType="BAD_REQUEST_BODY",
        statusCode="422",
        responseTemplates={
            "application/json": '{"message": $context.error.messageString, '
            '"details": "$context.error.validationErrorString"}'
        },
    )
    api.deploy()
    resp = call(api.id, "/prod/pets/7", "POST", body=b'{"price": 1, "type": "fish"}', headers=JSON)
    assert resp.status == 422
    assert resp.body.decode() == (
        '{"message": "Invalid request body", "details": "[object has missing required '
        'properties (["name"]), instance value ("fish") not found in enum (possible values: '
        '["dog","cat"])]"}'
    )


def test_a_model_the_api_does_not_have_is_loud(unit_kit: Any, plane: Any, call: Any) -> None:
    api = Api(unit_kit)
    api.method("POST", "body", models={"application/json": "Ghost"})
    api.deploy()
    with pytest.raises(EmulatorLimitation, match="Ghost"):
        call(api.id, "/prod/pets/7", "POST", body=b"{}", headers=JSON)


@pytest.mark.parametrize(
    ("schema", "instance", "message"),
    [
        ({"required": ["a", "b"]}, {"b": 1}, 'object has missing required properties (["a"])'),
        (
            {"type": "integer"},
            "x",
            "instance type (string) does not match any allowed primitive type "
            '(allowed: ["integer"])',
        ),
        (
            {"enum": [1, 2]},
            3,
            "instance value (3) not found in enum (possible values: [1,2])",
        ),
        (
            {"minimum": 5},
            1,
            "numeric instance is lower than the required minimum (minimum: 5, found: 1)",
        ),
        (
            {"maximum": 5},
            9,
            "numeric instance is greater than the required maximum (maximum: 5, found: 9)",
        ),
        (
            {"minLength": 3},
            "ab",
            'string "ab" is too short (length: 2, required minimum: 3)',
        ),
        (
            {"maxLength": 1},
            "ab",
            'string "ab" is too long (length: 2, maximum allowed: 1)',
        ),
        (
            {"pattern": "^a"},
            "b",
            'ECMA 262 regex "^a" does not match input string "b"',
        ),
        (
            {"properties": {"a": {}}, "additionalProperties": False},
            {"a": 1, "z": 2},
            'object instance has properties which are not allowed by the schema: ["z"]',
        ),
        (
            {"minItems": 2},
            [1],
            "array is too short: must have at least 2 elements but instance has 1 elements",
        ),
    ],
)
def test_error_messages(schema: dict, instance: Any, message: str) -> None:
    (error,) = Draft4Validator(schema).iter_errors(instance)
    assert validate.describe(error) == message


def test_several_missing_properties_make_one_message() -> None:
    models = {"Pet": {"schema": json.dumps({"type": "object", "required": ["name", "price"]})}}
    assert validate.body_errors(b"{}", "Pet", models) == [
        'object has missing required properties (["name","price"])'
    ]
