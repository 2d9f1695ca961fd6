"""The few places where moto needs to tell the data plane something, patched once.

- REST stages and deployments (:mod:`.moto_stages`): ``create_deployment`` freezes a
  snapshot (the ``on_rest_deployment`` hooks) and keeps an existing stage's settings;
  canaries, promotion, rollback, the stage parameters moto drops.
- CloudWatch and CloudWatch Logs reads: flush what the data plane buffered first.
- ``put_integration_response``: refuse what AWS refuses (a status with no method response,
  a header mapping the method response does not declare) — moto accepts both, and a
  learner would build on the emulator what a real account rejects.
- IAM: the AWS managed policies the course attaches exist (moto loads none by default, or
  all ~1,000 of them, which costs almost a second per reset).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

on_rest_deployment: list[Callable[[Any, str], None]] = []
#: called with (api id, stage name) by ``flush_stage_authorizers_cache``
on_authorizer_cache_flush: list[Callable[[str, str], None]] = []
#: called with (api id, stage name) by ``flush_stage_cache``, and when a stage's cache
#: cluster is turned off or resized
on_stage_cache_flush: list[Callable[[str, str], None]] = []
#: the data plane's :class:`~helpers.gateway.limits.state.Limits`, which answers
#: ``get_usage``/``update_usage`` from its real counts (empty: no data plane)
usage_source: list[Any] = []
before_metrics_read: list[Callable[[], None]] = []
before_logs_read: list[Callable[[], None]] = []
#: (moto apigatewayv2 Api, moto_v2.Deployment) after each HTTP API deployment (auto ones too)
on_http_deployment: list[Callable[[Any, Any], None]] = []
#: the data plane answering the @connections API of WebSocket APIs (empty: moto's own stub)
connections_plane: list[Any] = []
_installed = False

#: AWS managed policies a learner may attach in this course
MANAGED_POLICIES = (
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaRole",
    "AWSLambda_FullAccess",
    "AWSLambdaDynamoDBExecutionRole",
    "AmazonAPIGatewayPushToCloudWatchLogs",
    "AmazonAPIGatewayInvokeFullAccess",
    "AmazonAPIGatewayAdministrator",
    "AmazonDynamoDBFullAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSFullAccess",
    "AmazonKinesisFullAccess",
    "AmazonEventBridgeFullAccess",
    "AWSStepFunctionsFullAccess",
    "CloudWatchLogsFullAccess",
)
_policy_data: dict[str, Any] = {}


def managed_policy_data(text: str, names: Sequence[str]) -> dict[str, Any]:
    """The entries of ``names`` (in that order, those present) in moto's managed-policy
    JSON, a 4.7 MB text indented one space per level: each entry is parsed where its
    top-level key stands (the last one, as ``json.loads`` keeps the last of a repeated
    key), not the whole text (0.15 s at every first IAM call). When a name cannot be
    found that way, the whole text is parsed."""
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    for name in names:
        at = text.rfind(f'\n "{name}":')
        if at < 0:
            parsed = json.loads(text)
            return {k: parsed[k] for k in names if k in parsed}
        start = at + len(name) + 5
        while text[start] in " \t\r\n":
            start += 1
        found[name], _ = decoder.raw_decode(text, start)
    return found


def _course_managed_policies(self: Any) -> list[Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy

    if not _policy_data:
        _policy_data.update(managed_policy_data(aws_managed_policies_data, MANAGED_POLICIES))
    return [
        AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
        for name, data in _policy_data.items()
    ]


def _run(hooks: list[Callable[[], None]]) -> None:
    for hook in list(hooks):
        hook()


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.apigateway.models import RestAPI
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.iam.models import IAMBackend
    from moto.logs.models import LogsBackend

    from .. import cloudformation, service_data
    from . import (
        moto_cognito,
        moto_deployments,
        moto_domains,
        moto_gateway_responses,
        moto_memory,
        moto_route53,
        moto_stages,
        moto_update_calls,
        moto_usage_plan_stages,
        moto_v2,
    )

    service_data.install()  # region lists and moto's model loader: read once per process

    IAMBackend._init_aws_policies = _course_managed_policies

    moto_stages.install()  # REST stages, deployments, canaries (extends create_deployment)
    moto_domains.install()  # custom domain names, base path / API mappings, ACM validation
    moto_route53.install()  # alias targets checked, health checks answered by the emulator
    _management_api()
    _patch_binary_media_types(RestAPI)
    _check_integration_responses()
    _authorizer_fixes()
    _update_method()
    _stage_settings()
    _usage_plans()
    moto_deployments.install()  # a method without an integration: BadRequestException
    moto_gateway_responses.install()  # update_gateway_response; a type's default answers get
    moto_usage_plan_stages.install()  # a usage plan names API stages that exist
    moto_update_calls.install()  # update_model, update_deployment (moto has neither)
    moto_v2.install()  # apigatewayv2 deployments, update_stage, quick create, auto-deploy
    cloudformation.install_on_first_use()  # AWS::ApiGateway*/SAM templates, stack events, rollback
    moto_cognito.install()  # user pools share one imported signing key (0.12 s each less)
    moto_memory.install()  # untracked model objects, log streams of 10,000 events at most

    def flushing(method: Callable[..., Any], hooks: list[Callable[[], None]]) -> Callable[..., Any]:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            _run(hooks)
            return method(self, *args, **kwargs)

        wrapper.__name__ = method.__name__
        wrapper.__doc__ = method.__doc__
        return wrapper

    for name in ("get_metric_statistics", "get_metric_data", "list_metrics"):
        setattr(
            CloudWatchBackend, name, flushing(getattr(CloudWatchBackend, name), before_metrics_read)
        )
    _exact_dimensions(CloudWatchBackend)
    for name in ("get_log_events", "filter_log_events", "describe_log_streams"):
        setattr(LogsBackend, name, flushing(getattr(LogsBackend, name), before_logs_read))
    from ..ops import install as install_operations  # logging role, alarms, X-Ray, CloudTrail

    install_operations()
    _installed = True


def _patch_binary_media_types(rest_api_class: Any) -> None:
    import json

    from moto.apigateway.responses import APIGatewayResponse

    original_create = APIGatewayResponse.create_rest_api

    def create_rest_api(self: Any) -> Any:
        status, headers, body = original_create(self)
        types = self._get_param("binaryMediaTypes")
        if status == 200 and types:
            data = json.loads(body)
            self.backend.apis[data["id"]].binaryMediaTypes = list(types)
            data["binaryMediaTypes"] = list(types)
            body = json.dumps(data)
        return status, headers, body

    APIGatewayResponse.create_rest_api = create_rest_api

    original_patch = rest_api_class.apply_patch_operations

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> None:
        rest = []
        for op in patch_operations:
            path = op.get("path", "")
            if op.get("op") in ("add", "remove") and path.startswith("/binaryMediaTypes/"):
                media_type = path.split("/", 2)[2].replace("~1", "/").replace("~0", "~")
                if op["op"] == "add" and media_type not in self.binaryMediaTypes:
                    self.binaryMediaTypes.append(media_type)
                elif op["op"] == "remove" and media_type in self.binaryMediaTypes:
                    self.binaryMediaTypes.remove(media_type)
            else:
                rest.append(op)
        if rest:
            original_patch(self, rest)

    rest_api_class.apply_patch_operations = apply_patch_operations


def _check_integration_responses() -> None:
    """AWS validates an integration response against the method's declared responses.

    The messages are those AWS returns (seen in CloudFormation errors) [unc: exact wording].
    """
    from moto.apigateway.exceptions import BadRequestException, NotFoundException
    from moto.apigateway.models import APIGatewayBackend

    original = APIGatewayBackend.put_integration_response

    def put_integration_response(
        self: Any,
        function_id: str,
        resource_id: str,
        method_type: str,
        status_code: str,
        selection_pattern: str,
        response_templates: dict[str, str],
        response_parameters: dict[str, str],
        content_handling: str | None = None,
    ) -> Any:
        method = self.get_method(function_id, resource_id, method_type)
        declared = method.method_responses.get(str(status_code))
        if declared is None:
            raise NotFoundException("Invalid Response status code specified")
        allowed = {k.lower() for k in (declared.response_parameters or {})}
        for key in response_parameters or {}:
            if key.lower().startswith("method.response.header.") and key.lower() not in allowed:
                raise BadRequestException(
                    "Invalid mapping expression specified: Validation Result: warnings : [], "
                    f"errors : [Invalid mapping expression parameter specified: {key}]"
                )
        return original(
            self,
            function_id,
            resource_id,
            method_type,
            status_code,
            selection_pattern,
            response_templates,
            response_parameters,
            content_handling,
        )

    put_integration_response.__doc__ = original.__doc__
    APIGatewayBackend.put_integration_response = put_integration_response


def _exact_dimensions(backend_class: Any) -> None:
    original = backend_class.get_metric_statistics

    def get_metric_statistics(
        self: Any,
        namespace: str,
        metric_name: str,
        start_time: Any,
        end_time: Any,
        period: int,
        stats: list[str],
        dimensions: list[dict[str, str]],
        unit: str | None = None,
    ) -> Any:
        result = original(
            self, namespace, metric_name, start_time, end_time, period, stats, dimensions, unit
        )
        wanted = sorted((d["Name"], d["Value"]) for d in dimensions or [])
        exact = []
        for point in result:  # statistics are computed lazily from metric_data
            point.metric_data = [
                md
                for md in point.metric_data
                if sorted((d.name, d.value) for d in md.dimensions) == wanted
            ]
            if point.metric_data:
                exact.append(point)
        return exact

    get_metric_statistics.__doc__ = original.__doc__
    backend_class.get_metric_statistics = get_metric_statistics


def _stage_flush(hooks: list[Callable[[str, str], None]]) -> Callable[[Any], Any]:
    """A ``DELETE /restapis/{id}/stages/{stage}/cache/...`` handler: 202 after telling the
    data plane, NotFoundException for an unknown stage (as AWS)."""

    def flush(self: Any) -> Any:
        parts = self.path.split("/")
        api_id, stage_name = parts[2], parts[4]
        self.backend.get_stage(api_id, stage_name)
        for hook in list(hooks):
            hook(api_id, stage_name)
        return 202, {"status": 202}, ""

    return flush


def _authorizer_fixes() -> None:
    """moto 5.2.5 drops ``identityValidationExpression`` (a misspelt keyword between its
    responses and its model) and has no ``flush_stage_authorizers_cache``; add both."""
    from moto.apigateway import urls
    from moto.apigateway.models import Authorizer
    from moto.apigateway.responses import APIGatewayResponse

    original_init = Authorizer.__init__

    def __init__(
        self: Any, authorizer_id: Any, name: Any, authorizer_type: Any, **kwargs: Any
    ) -> None:
        if "identiy_validation_expression" in kwargs:
            kwargs.setdefault(
                "identity_validation_expression", kwargs.pop("identiy_validation_expression")
            )
        original_init(self, authorizer_id, name, authorizer_type, **kwargs)

    Authorizer.__init__ = __init__

    APIGatewayResponse.flush_stage_authorizers_cache = _stage_flush(on_authorizer_cache_flush)
    urls.url_paths.setdefault(
        "{0}/restapis/(?P<function_id>[^/]+)/stages/(?P<stage_name>[^/]+)/cache/authorizers$",
        APIGatewayResponse.dispatch,
    )


def _unescape(path_part: str) -> str:
    return path_part.replace("~1", "/").replace("~0", "~")


def _update_method() -> None:
    """moto 5.2.5 has no ``update_method``; add it with the patch paths the course uses
    (``/authorizationType``, ``/authorizerId``, ``/authorizationScopes``, ``/apiKeyRequired``,
    ``/requestValidatorId``, ``/operationName``, ``/requestParameters/...``,
    ``/requestModels/...``). Another path is refused as AWS refuses an unknown one."""
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.responses import APIGatewayResponse

    def apply(method: Any, ops: list[dict[str, Any]]) -> None:
        for op in ops:
            path, kind, value = op.get("path", ""), op.get("op"), op.get("value")
            parts = path.split("/")
            field = parts[1] if len(parts) > 1 else ""
            if field == "authorizationType" and kind == "replace":
                method.authorization_type = value
                if value in ("NONE", "AWS_IAM"):
                    method.authorizer_id = None
            elif field == "authorizerId":
                method.authorizer_id = value if kind in ("replace", "add") else None
            elif field == "apiKeyRequired" and kind == "replace":
                method.api_key_required = str(value).lower() == "true"
            elif field == "requestValidatorId":
                method.request_validator_id = value if kind != "remove" else None
            elif field == "operationName":
                method.operation_name = value if kind != "remove" else None
            elif field == "authorizationScopes":
                scopes = list(method.authorization_scopes or [])
                if kind == "add" and value and value not in scopes:
                    scopes.append(value)
                elif kind == "remove":
                    scopes = [s for s in scopes if s != value] if value else []
                elif kind == "replace":
                    scopes = [value] if value else []
                method.authorization_scopes = scopes or None
            elif field in ("requestParameters", "requestModels") and len(parts) > 2:
                key = _unescape("/".join(parts[2:]))
                store = dict(getattr(method, _snake(field)) or {})
                if kind == "remove":
                    store.pop(key, None)
                elif field == "requestParameters":
                    store[key] = str(value).lower() == "true"
                else:
                    store[key] = value
                setattr(method, _snake(field), store or None)
            else:
                raise BadRequestException(f"Invalid patch path '{path}' specified for op '{kind}'.")

    def update_method(self: Any) -> Any:
        parts = self.path.split("/")
        method = self.backend.get_method(parts[2], parts[4], parts[6])
        apply(method, self._get_param("patchOperations") or [])
        return 200, {}, json.dumps(method.to_json())

    APIGatewayResponse.update_method = update_method


def _snake(name: str) -> str:
    return {"requestParameters": "request_parameters", "requestModels": "request_models"}[name]


#: what AWS returns for a method-settings entry it creates [obs: get-stage output in AWS
#: docs and captures]; moto's own defaults (1,000 rps, burst 2,000) are not AWS's
AWS_METHOD_SETTING_DEFAULTS = {
    "metricsEnabled": False,
    "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "cachingEnabled": False,
    "cacheTtlInSeconds": 300,
    "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}


def _stage_settings() -> None:
    """Stages: AWS's method-setting defaults; ``flush_stage_cache`` (moto has none); and
    turning a cache cluster off or resizing it empties the stage cache, as on AWS."""
    from moto.apigateway import urls
    from moto.apigateway.models import APIGatewayBackend, Stage
    from moto.apigateway.responses import APIGatewayResponse

    Stage._get_default_method_settings = lambda self: dict(AWS_METHOD_SETTING_DEFAULTS)
    original_update = APIGatewayBackend.update_stage

    def update_stage(self: Any, function_id: str, stage_name: str, patch_operations: Any) -> Any:
        before = self.get_stage(function_id, stage_name) if stage_name else None
        was = (
            getattr(before, "cache_cluster_enabled", None),
            str(getattr(before, "cache_cluster_size", None) or "0.5"),
        )
        stage = original_update(self, function_id, stage_name, patch_operations)
        size = str(stage.cache_cluster_size or "0.5")  # get_stage shows "0.5" when unset
        if was[0] and (not stage.cache_cluster_enabled or size != was[1]):
            for hook in list(on_stage_cache_flush):
                hook(function_id, stage_name)
        return stage

    APIGatewayBackend.update_stage = update_stage

    original_put_integration = APIGatewayResponse.put_integration

    def put_integration(self: Any) -> Any:
        # moto drops cacheKeyParameters and leaves cacheNamespace empty; AWS keeps the
        # former and defaults the latter to the resource id [doc] API:Integration
        status, headers, _ = original_put_integration(self)
        parts = self.path.split("/")
        integration = self.backend.get_integration(parts[2], parts[4], parts[6])
        integration.cache_key_parameters = list(self._get_param("cacheKeyParameters") or [])
        integration.cache_namespace = integration.cache_namespace or parts[4]
        return status, headers, json.dumps(integration.to_json())

    APIGatewayResponse.put_integration = put_integration

    APIGatewayResponse.flush_stage_cache = _stage_flush(on_stage_cache_flush)
    urls.url_paths.setdefault(
        "{0}/restapis/(?P<function_id>[^/]+)/stages/(?P<stage_name>[^/]+)/cache/data$",
        APIGatewayResponse.dispatch,
    )


def _usage_plans() -> None:
    """Usage plans: per-method throttles in ``update_usage_plan`` (moto skips them), rate
    limits kept as numbers with decimals, quota limits as integers; ``get_usage`` and
    ``update_usage`` answered from the data plane's counts."""
    from moto.apigateway import urls
    from moto.apigateway.exceptions import BadRequestException, NotFoundException
    from moto.apigateway.models import UsagePlan
    from moto.apigateway.responses import APIGatewayResponse

    from .limits import usage_report

    original_patch = UsagePlan.apply_patch_operations

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> None:
        rest = []
        for op in patch_operations:
            path, kind, value = op.get("path", ""), op.get("op"), op.get("value")
            parts = path.split("/")
            if kind == "remove" and path == "/apiStages":
                # moto removes only an entry equal to {apiId, stage}: one with per-method
                # throttles raised ValueError (a 500)
                api_id, _, stage = str(value).partition(":")
                kept = [
                    s
                    for s in self.api_stages
                    if (s.get("apiId"), s.get("stage")) != (api_id, stage)
                ]
                if len(kept) == len(self.api_stages):
                    raise BadRequestException("Invalid API Stage specified")
                self.api_stages[:] = kept
                continue
            if path.startswith("/apiStages/") and len(parts) > 4 and parts[3] == "throttle":
                api_stage = parts[2]
                api_id, _, stage = api_stage.partition(":")
                entry = next(
                    (
                        s
                        for s in self.api_stages
                        if s.get("apiId") == api_id and s.get("stage") == stage
                    ),
                    None,
                )
                if entry is None:
                    raise NotFoundException(f"Invalid API stage {api_stage}")
                throttles = entry.setdefault("throttle", {})
                # /apiStages/<api:stage>/throttle/<resourcePath>/<METHOD>/rateLimit|burstLimit
                method_key = (
                    _unescape("/".join(parts[4:-1]))
                    if len(parts) > 6
                    else _unescape("/".join(parts[4:]))
                )
                field = parts[-1] if len(parts) > 6 else None
                if kind == "remove":
                    throttles.pop(method_key if field else _unescape("/".join(parts[4:])), None)
                elif field in ("rateLimit", "burstLimit"):
                    settings = throttles.setdefault(method_key, {})
                    settings[field] = float(value) if field == "rateLimit" else int(value)
                else:
                    raise BadRequestException(f"Invalid patch path '{path}'")
                continue
            rest.append(op)
        original_patch(self, rest)
        if "rateLimit" in self.throttle:
            self.throttle["rateLimit"] = float(self.throttle["rateLimit"])
        for field in ("limit", "offset"):
            if field in self.quota:
                self.quota[field] = int(self.quota[field])

    UsagePlan.apply_patch_operations = apply_patch_operations

    def source() -> Any:
        if not usage_source:
            raise BadRequestException("usage is counted by apigw-lab's data plane, not started")
        return usage_source[0]

    def get_usage(self: Any) -> Any:
        plan_id = self.path.split("/")[2]
        try:
            body = usage_report.get_usage(
                source(),
                self.current_account,
                self.region,
                plan_id,
                self._get_param("startDate"),
                self._get_param("endDate"),
                self._get_param("keyId"),
            )
        except usage_report.UsageError as err:
            raise BadRequestException(str(err)) from None
        except KeyError:
            raise NotFoundException("Invalid Usage Plan ID specified") from None
        return 200, {}, json.dumps(body)

    def update_usage(self: Any) -> Any:
        parts = self.path.split("/")
        plan_id, key_id = parts[2], parts[4]
        import time

        try:
            body = usage_report.update_usage(
                source(),
                self.current_account,
                self.region,
                plan_id,
                key_id,
                self._get_param("patchOperations") or [],
                time.time(),
            )
        except usage_report.UsageError as err:
            raise BadRequestException(str(err)) from None
        except KeyError:
            raise NotFoundException("Invalid Usage Plan ID or API key specified") from None
        return 200, {}, json.dumps(body)

    APIGatewayResponse.get_usage = get_usage
    APIGatewayResponse.update_usage = update_usage
    for pattern in (
        "{0}/usageplans/(?P<usage_plan_id>[^/]+)/usage$",
        "{0}/usageplans/(?P<usage_plan_id>[^/]+)/keys/(?P<api_key_id>[^/]+)/usage$",
    ):
        urls.url_paths.setdefault(pattern, APIGatewayResponse.dispatch)


def _management_api() -> None:
    """``apigatewaymanagementapi`` calls (``post_to_connection``, ``get_connection``,
    ``delete_connection``) reach the data plane's live WebSocket connections instead of
    moto's stub, which accepts anything and never talks to a socket."""
    from urllib.parse import urlsplit

    from moto.apigatewaymanagementapi import urls

    from .http import HttpRequest

    def handler(request: Any, full_url: str, headers: Any) -> Any:
        if not connections_plane:
            raise RuntimeError("apigw-lab: no data plane serves WebSocket connections")
        plane = connections_plane[0]
        parts = urlsplit(full_url)
        host = parts.hostname or ""
        api_id, _, rest = host.partition(".execute-api.")
        region = rest.split(".")[0]
        # moto hands over a werkzeug Request (data) or a prepared request (body)
        body = request.get_data() if hasattr(request, "get_data") else request.body or b""
        if isinstance(body, str):
            body = body.encode()
        answer = plane.manage_connection(
            HttpRequest(method=request.method, host=host, path=parts.path, body=body),
            region,
            api_id,
        )
        return answer.status, dict(answer.headers), answer.body

    for pattern in list(urls.url_paths):
        urls.url_paths[pattern] = handler
