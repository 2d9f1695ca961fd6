"""A REST API's ``Body``: an OpenAPI 3 or Swagger 2.0 definition with API Gateway's
extensions, imported with the API calls a learner would make one by one.

moto's own ``put_rest_api`` takes OpenAPI 3 only and keeps paths and integrations alone;
SAM writes Swagger 2.0 with authorizers, API keys and CORS. This importer keeps what the
course's SAM templates use: resources, methods (``x-amazon-apigateway-any-method`` is
``ANY``), path/query/header parameters, ``security`` (``x-amazon-apigateway-authorizer``
schemes become authorizers; an ``apiKey`` scheme sets ``apiKeyRequired``), method responses
and their headers, ``x-amazon-apigateway-integration`` with its responses, request
validators, gateway responses, ``x-amazon-apigateway-api-key-source`` and
``x-amazon-apigateway-binary-media-types``.
"""

from __future__ import annotations

from typing import Any

from .base import call

HTTP_METHODS = (
    "get",
    "put",
    "post",
    "delete",
    "patch",
    "head",
    "options",
    "x-amazon-apigateway-any-method",
)


def _schemes(doc: dict[str, Any]) -> dict[str, Any]:
    return (
        doc.get("securityDefinitions") or (doc.get("components") or {}).get("securitySchemes") or {}
    )


def import_body(region: str, api_id: str, doc: dict[str, Any]) -> None:
    """Replace the API's resources and methods with the definition's (mode ``overwrite``)."""

    def api(operation: str, **params: Any) -> dict[str, Any]:
        return call("apigateway", region, operation, restApiId=api_id, **params)

    resources = {r["path"]: r["id"] for r in api("get_resources", limit=500)["items"]}
    for path, rid in sorted(resources.items(), key=lambda item: -len(item[0])):
        if path != "/":
            try:  # noqa: SIM105
                api("delete_resource", resourceId=rid)
            except Exception:
                pass
    resources = {"/": resources["/"]}

    ops = []
    if doc.get("x-amazon-apigateway-api-key-source"):
        ops.append(
            {
                "op": "replace",
                "path": "/apiKeySource",
                "value": doc["x-amazon-apigateway-api-key-source"],
            }
        )
    for media_type in doc.get("x-amazon-apigateway-binary-media-types") or []:
        ops.append({"op": "add", "path": "/binaryMediaTypes/" + media_type.replace("/", "~1")})
    if ops:
        api("update_rest_api", patchOperations=ops)

    authorizers: dict[str, str] = {}
    api_key_schemes = set()
    for name, scheme in _schemes(doc).items():
        spec = scheme.get("x-amazon-apigateway-authorizer")
        if spec:
            kind = str(spec.get("type", "token")).upper()
            made = api(
                "create_authorizer",
                name=name,
                type="COGNITO_USER_POOLS" if kind == "COGNITO_USER_POOLS" else kind,
                providerARNs=spec.get("providerARNs"),
                authorizerUri=spec.get("authorizerUri"),
                authorizerCredentials=spec.get("authorizerCredentials"),
                identitySource=spec.get("identitySource") or _header_source(scheme),
                identityValidationExpression=spec.get("identityValidationExpression"),
                authorizerResultTtlInSeconds=spec.get("authorizerResultTtlInSeconds"),
                authType=scheme.get("x-amazon-apigateway-authtype"),
            )
            authorizers[name] = made["id"]
        elif scheme.get("type") == "apiKey":
            api_key_schemes.add(name)

    validators: dict[str, str] = {}
    for name, spec in (doc.get("x-amazon-apigateway-request-validators") or {}).items():
        made = api(
            "create_request_validator",
            name=name,
            validateRequestBody=spec.get("validateRequestBody", False),
            validateRequestParameters=spec.get("validateRequestParameters", False),
        )
        validators[name] = made["id"]
    default_validator = doc.get("x-amazon-apigateway-request-validator")

    for kind, spec in (doc.get("x-amazon-apigateway-gateway-responses") or {}).items():
        api(
            "put_gateway_response",
            responseType=kind,
            statusCode=str(spec["statusCode"]) if spec.get("statusCode") else None,
            responseParameters=spec.get("responseParameters"),
            responseTemplates=spec.get("responseTemplates"),
        )

    top_security = doc.get("security")
    for path in sorted(doc.get("paths") or {}):
        rid = _resource(api, resources, path)
        item = doc["paths"][path]
        shared = item.get("parameters") or []
        for method_name, operation in item.items():
            if method_name not in HTTP_METHODS:
                continue
            http_method = (
                "ANY" if method_name == "x-amazon-apigateway-any-method" else method_name.upper()
            )
            security = operation.get("security", top_security) or []
            auth_type, authorizer_id, scopes, key_required = "NONE", None, None, False
            for requirement in security:
                for name, requirement_scopes in requirement.items():
                    if name in authorizers:
                        authorizer_id = authorizers[name]
                        kind = str(
                            _schemes(doc)[name]["x-amazon-apigateway-authorizer"].get("type", "")
                        ).upper()
                        auth_type = (
                            "COGNITO_USER_POOLS" if kind == "COGNITO_USER_POOLS" else "CUSTOM"
                        )
                        scopes = requirement_scopes or None
                    elif name in api_key_schemes:
                        key_required = True
                    elif (
                        _schemes(doc).get(name, {}).get("x-amazon-apigateway-authtype")
                        == "awsSigv4"
                    ):
                        auth_type = "AWS_IAM"
            parameters = {}
            for parameter in [*shared, *(operation.get("parameters") or [])]:
                where = {"path": "path", "query": "querystring", "header": "header"}.get(
                    parameter.get("in")
                )
                if where:
                    parameters[f"method.request.{where}.{parameter['name']}"] = bool(
                        parameter.get("required")
                    )
            validator = operation.get("x-amazon-apigateway-request-validator", default_validator)
            api(
                "put_method",
                resourceId=rid,
                httpMethod=http_method,
                authorizationType=auth_type,
                authorizerId=authorizer_id,
                authorizationScopes=scopes if auth_type == "COGNITO_USER_POOLS" else None,
                apiKeyRequired=key_required,
                operationName=operation.get("operationId"),
                requestParameters=parameters or None,
                requestValidatorId=validators.get(validator) if validator else None,
            )
            for status, response in (operation.get("responses") or {}).items():
                if not str(status).isdigit():
                    continue
                headers = {
                    f"method.response.header.{h}": False for h in (response.get("headers") or {})
                }
                api(
                    "put_method_response",
                    resourceId=rid,
                    httpMethod=http_method,
                    statusCode=str(status),
                    responseParameters=headers or None,
                )
            integration = operation.get("x-amazon-apigateway-integration")
            if integration:
                _integration(api, rid, http_method, integration)


def _header_source(scheme: dict[str, Any]) -> str | None:
    if scheme.get("in") == "header" and scheme.get("name"):
        return f"method.request.header.{scheme['name']}"
    return None


def _resource(api: Any, resources: dict[str, str], path: str) -> str:
    if path in resources:
        return resources[path]
    parent, _, part = path.rstrip("/").rpartition("/")
    parent_id = _resource(api, resources, parent or "/")
    resources[path] = api("create_resource", parentId=parent_id, pathPart=part)["id"]
    return resources[path]


def _integration(api: Any, rid: str, http_method: str, spec: dict[str, Any]) -> None:
    kind = str(spec.get("type", "")).upper()
    api(
        "put_integration",
        resourceId=rid,
        httpMethod=http_method,
        type=kind,
        integrationHttpMethod=spec.get("httpMethod"),
        uri=spec.get("uri"),
        credentials=spec.get("credentials"),
        requestParameters=spec.get("requestParameters"),
        requestTemplates=spec.get("requestTemplates"),
        passthroughBehavior=(spec.get("passthroughBehavior") or "").upper() or None,
        contentHandling=spec.get("contentHandling"),
        cacheKeyParameters=spec.get("cacheKeyParameters"),
        cacheNamespace=spec.get("cacheNamespace"),
        timeoutInMillis=spec.get("timeoutInMillis"),
    )
    for pattern, response in (spec.get("responses") or {}).items():
        api(
            "put_integration_response",
            resourceId=rid,
            httpMethod=http_method,
            statusCode=str(response.get("statusCode", "200")),
            selectionPattern=None if pattern == "default" else pattern,
            responseParameters=response.get("responseParameters"),
            responseTemplates=response.get("responseTemplates"),
            contentHandling=response.get("contentHandling"),
        )
