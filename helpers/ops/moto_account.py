"""API Gateway's account settings and the execution-logging prerequisite, in the backends
(so every front door — boto3, the CLI, CloudFormation's ``AWS::ApiGateway::Account`` —
meets the same rules).

- ``update_account`` with ``/cloudwatchRoleArn``: the role must exist and trust
  ``apigateway.amazonaws.com`` (else 400 ``The role ARN does not have required permissions
  set to API Gateway`` [unc: exact wording]); ``get_account`` lists ``features``
  ``["UsagePlans"]`` as AWS does.
- Turning on **execution logs** — REST ``update_stage`` with ``.../logging/loglevel`` other
  than ``OFF`` or ``.../logging/dataTrace`` ``true``; apigatewayv2 ``create_stage`` /
  ``update_stage`` of a WebSocket API with ``LoggingLevel`` ``ERROR``/``INFO`` or
  ``DataTraceEnabled`` — is refused with AWS's 400 ``CloudWatch Logs role ARN must be set
  in account settings to enable logging`` until the Region's account settings name a role.
  The trap every newcomer hits.
- HTTP APIs have no execution logs: ``LoggingLevel`` other than ``OFF`` on an HTTP API's
  stage is refused (``Execution logs are not supported on protocolType HTTP`` [unc]).
"""

from __future__ import annotations

import json
from typing import Any

ROLE_MISSING = "CloudWatch Logs role ARN must be set in account settings to enable logging"
#: [unc] AWS's text when the role cannot be assumed by API Gateway
ROLE_NOT_TRUSTED = "The role ARN does not have required permissions set to API Gateway"
#: [unc] the refusal for execution logs on an HTTP API stage
HTTP_NO_EXECUTION_LOGS = "Execution logs are not supported on protocolType HTTP"


def role_arn(account_id: str, region: str) -> str | None:
    """The Region's ``cloudwatchRoleArn`` (None when unset)."""
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region].account.cloudwatch_role_arn or None


def install() -> None:
    from moto.apigateway.models import Account, APIGatewayBackend
    from moto.apigatewayv2.models import ApiGatewayV2Backend

    _account(Account, APIGatewayBackend)
    _rest_stages(APIGatewayBackend)
    _v2_stages(ApiGatewayV2Backend)


def _trusts_api_gateway(document: Any) -> bool:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            from urllib.parse import unquote

            document = json.loads(unquote(document))
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        service = (st.get("Principal") or {}).get("Service", [])
        service = [service] if isinstance(service, str) else service
        if "apigateway.amazonaws.com" in service and any(
            a in ("sts:AssumeRole", "sts:*", "*") for a in actions
        ):
            return True
    return False


def _account(account_class: Any, backend_class: Any) -> None:
    from moto.apigateway.exceptions import BadRequestException

    original_init = account_class.__init__

    def __init__(self: Any) -> None:
        original_init(self)
        self.features = ["UsagePlans"]

    account_class.__init__ = __init__

    original_update = backend_class.update_account

    def update_account(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        from moto.iam.models import iam_backends

        for op in patch_operations:
            if op.get("path") == "/cloudwatchRoleArn" and op.get("value"):
                arn = op["value"]
                name = arn.split("/")[-1]
                iam = iam_backends[self.account_id]["global"]
                role = next((r for r in iam.roles.values() if r.arn == arn or r.name == name), None)
                if role is None or not _trusts_api_gateway(role.assume_role_policy_document):
                    raise BadRequestException(ROLE_NOT_TRUSTED)
        return original_update(self, patch_operations)

    update_account.__doc__ = original_update.__doc__
    backend_class.update_account = update_account


def _enables_logging(op: dict[str, Any]) -> bool:
    path, value = op.get("path", ""), str(op.get("value", ""))
    if op.get("op") not in ("replace", "add"):
        return False
    if path.endswith("/logging/loglevel"):
        return value.upper() != "OFF"
    if path.endswith("/logging/dataTrace"):
        return value.lower() == "true"
    return False


def _rest_stages(backend_class: Any) -> None:
    from moto.apigateway.exceptions import BadRequestException

    original_update = backend_class.update_stage

    def update_stage(self: Any, function_id: str, stage_name: str, patch_operations: Any) -> Any:
        if any(_enables_logging(op) for op in patch_operations or []) and not role_arn(
            self.account_id, self.region_name
        ):
            raise BadRequestException(ROLE_MISSING)
        return original_update(self, function_id, stage_name, patch_operations)

    update_stage.__doc__ = original_update.__doc__
    backend_class.update_stage = update_stage


def _logging_settings(config: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    default = config.get("defaultRouteSettings")
    if isinstance(default, dict):
        found.append(default)
    for settings in (config.get("routeSettings") or {}).values():
        if isinstance(settings, dict):
            found.append(settings)
    return found


def _check_v2(backend: Any, api_id: str, config: dict[str, Any]) -> None:
    from moto.apigatewayv2.exceptions import BadRequestException

    settings = _logging_settings(config)
    level_on = any(str(s.get("loggingLevel", "OFF")).upper() != "OFF" for s in settings)
    trace_on = any(s.get("dataTraceEnabled") is True for s in settings)
    if not (level_on or trace_on):
        return
    api = backend.get_api(api_id)
    if api.protocol_type == "HTTP":
        raise BadRequestException(HTTP_NO_EXECUTION_LOGS)
    if not role_arn(backend.account_id, backend.region_name):
        raise BadRequestException(ROLE_MISSING)


def _v2_stages(backend_class: Any) -> None:
    original_create = backend_class.create_stage
    original_update = backend_class.update_stage

    def create_stage(self: Any, api_id: str, config: dict[str, Any]) -> Any:
        _check_v2(self, api_id, config)
        return original_create(self, api_id, config)

    def update_stage(self: Any, api_id: str, stage_name: str, changes: dict[str, Any]) -> Any:
        _check_v2(self, api_id, changes)
        return original_update(self, api_id, stage_name, changes)

    backend_class.create_stage = create_stage
    backend_class.update_stage = update_stage
