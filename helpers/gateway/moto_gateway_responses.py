"""Gateway responses as the API Gateway API keeps them, where moto 5.2.5 falls short.

- ``update_gateway_response`` (``aws apigateway update-gateway-response``; moto has none)
  with the documented patch paths: ``/statusCode``, ``/responseParameters/{name}`` and
  ``/responseTemplates/{content type}`` (``/`` in a name written ``~1``), ``add``,
  ``replace`` and ``remove``. A type that was never customised starts from its default
  (the type's default status, no parameters, the ``{"message":$context.error.
  messageString}`` template) and becomes a customised one (``defaultResponse`` false), as
  on AWS [doc: API UpdateGatewayResponse, DG: supported-gateway-response-types].
- ``get_gateway_response`` of a type that was never customised answers its default
  (``defaultResponse`` true) instead of NotFoundException, as on AWS [obs: the
  GetGatewayResponses example in AWS's SDK documentation].

Like ``put_gateway_response``, a change reaches callers with the next deployment (the data
plane reads the deployment's snapshot).
"""

from __future__ import annotations

import json
from typing import Any

#: each type's default status code; DEFAULT_4XX/5XX have none [doc] DG:supported-gateway-response-types
DEFAULT_STATUS: dict[str, str | None] = {
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "ACCESS_DENIED": "403",
    "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_PARAMETERS": "400",
    "BAD_REQUEST_BODY": "400",
    "EXPIRED_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403",
    "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404",
    "THROTTLED": "429",
    "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "WAF_FILTERED": "403",
}
DEFAULT_TEMPLATES = {"application/json": '{"message":$context.error.messageString}'}
#: the patch paths, as the refusal of another one lists them [unc: AWS's exact wording]
PATHS = "/statusCode, /responseParameters/{name}, /responseTemplates/{content type}"


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _default(response_type: str) -> Any:
    from moto.apigateway.models import GatewayResponse

    made = GatewayResponse(
        response_type=response_type,
        status_code=DEFAULT_STATUS[response_type],  # type: ignore[arg-type]
        response_parameters={},
        response_templates=dict(DEFAULT_TEMPLATES),
    )
    made.default_response = True
    return made


def apply(response: Any, operations: list[dict[str, Any]]) -> None:
    """Apply ``operations`` to a moto ``GatewayResponse``, all or nothing
    (BadRequestException on a path or op AWS does not take)."""
    from moto.apigateway.exceptions import BadRequestException

    status = response.status_code
    stores = {
        "responseParameters": dict(response.response_parameters or {}),
        "responseTemplates": dict(response.response_templates or {}),
    }
    for op in operations:
        kind, path, value = op.get("op"), str(op.get("path") or ""), op.get("value")
        parts = path.split("/", 2)
        field = parts[1] if len(parts) > 1 else ""
        if field == "statusCode" and len(parts) == 2 and kind in ("replace", "add", "remove"):
            status = None if kind == "remove" else str(value)
        elif field in stores and len(parts) == 3 and parts[2] and kind in ("add", "replace"):
            stores[field][_unescape(parts[2])] = "" if value is None else str(value)
        elif field in stores and len(parts) == 3 and parts[2] and kind == "remove":
            stores[field].pop(_unescape(parts[2]), None)
        else:
            raise BadRequestException(
                f"Invalid patch path '{path}' specified for op '{kind}'. Must be one of: [{PATHS}]"
            )
    response.status_code = status
    response.response_parameters = stores["responseParameters"]
    response.response_templates = stores["responseTemplates"]


def install() -> None:
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import RestAPI
    from moto.apigateway.responses import APIGatewayResponse

    if getattr(RestAPI.get_gateway_response, "apigw_lab", False):
        return
    original_get = RestAPI.get_gateway_response

    def get_gateway_response(self: Any, response_type: str) -> Any:
        if response_type not in self.gateway_responses and response_type in DEFAULT_STATUS:
            return _default(response_type)
        return original_get(self, response_type)

    get_gateway_response.apigw_lab = True  # type: ignore[attr-defined]
    RestAPI.get_gateway_response = get_gateway_response  # type: ignore[method-assign]

    def update_gateway_response(self: Any) -> Any:
        parts = self.path.split("/")
        api = self.backend.get_rest_api(parts[-3])
        response_type = parts[-1]
        if response_type not in DEFAULT_STATUS:
            raise BadRequestException(
                f"1 validation error detected: Value '{response_type}' at 'responseType' "
                "failed to satisfy constraint: Member must satisfy enum value set"
            )
        response = api.gateway_responses.get(response_type)
        if response is None:
            response = _default(response_type)
        apply(response, self._get_param("patchOperations") or [])
        response.default_response = False
        api.gateway_responses[response_type] = response
        return 200, {}, json.dumps(response.to_json())

    APIGatewayResponse.update_gateway_response = update_gateway_response
