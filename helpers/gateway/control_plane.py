"""Read-only access to what boto3 created, held by moto.

Only a few modules know moto's classes: this one, the patches in
:mod:`helpers.gateway.moto_hooks` and :mod:`helpers.gateway.moto_v2` (what moto's
apigatewayv2 lacks), and :mod:`helpers.gateway.integrations.aws_service_moto` (roles, STS
and moto's dispatch for AWS service integrations). Everything else works on plain data."""

from __future__ import annotations

from typing import Any


def backend(backends: Any, account_id: str, region: str) -> Any:
    """``backends[account_id][region]`` for one of moto's ``BackendDict``s, but faster.

    Indexing a ``BackendDict`` takes a lock and scans a list of every service's backends
    (about 5 µs, several times per request); plain dict reads find a backend that exists in
    0.1 µs. moto's reset empties these dicts, so nothing stale is ever returned; a backend
    not made yet is made by the usual indexing.
    """
    account = dict.get(backends, account_id)
    if account is not None:
        found = dict.get(account, region)
        if found is not None:
            return found
    return backends[account_id][region]


_apigateway: dict[str, Any] = {}


def apigateway_backend(account_id: str, region: str) -> Any:
    """moto's API Gateway (v1) backend (its ``BackendDict`` imported once, on first use)."""
    backends = _apigateway.get("v1")
    if backends is None:
        from moto.apigateway.models import apigateway_backends

        backends = _apigateway["v1"] = apigateway_backends
    account = dict.get(backends, account_id)
    if account is not None:
        found = dict.get(account, region)
        if found is not None:
            return found
    return backends[account_id][region]


def rest_api(account_id: str, region: str, api_id: str) -> Any | None:
    return apigateway_backend(account_id, region).apis.get(api_id)


def http_api(account_id: str, region: str, api_id: str) -> Any | None:
    """The apigatewayv2 API with this id if it is an HTTP API (not a WebSocket API)."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    api = backend(apigatewayv2_backends, account_id, region).apis.get(api_id)
    return api if api is not None and api.protocol_type == "HTTP" else None


def websocket_api(account_id: str, region: str, api_id: str) -> Any | None:
    """The apigatewayv2 API with this id if it is a WebSocket API."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    api = backend(apigatewayv2_backends, account_id, region).apis.get(api_id)
    return api if api is not None and api.protocol_type == "WEBSOCKET" else None


def http_deployment_document(api: Any, deployment_id: str) -> dict[str, Any] | None:
    """The frozen API of one of an apigatewayv2 API's deployments (HTTP or WebSocket; None:
    no such deployment)."""
    from . import moto_v2

    found = moto_v2.deployments(api).get(deployment_id)
    return found.document if found is not None else None


#: the function name in an unqualified function ARN or plain name, by the text an
#: integration URI names (None: a qualified name, looked up by moto itself)
_unqualified: dict[str, str | None] = {}


def _unqualified_name(arn_or_name: str) -> str | None:
    """``greeter`` for ``arn:aws:lambda:…:function:greeter`` or ``greeter``, as moto's
    ``split_function_arn`` reads it; None when a version or alias is named."""
    found = _unqualified.get(arn_or_name, "")
    if found != "":
        return found
    import re

    from moto.utilities.utils import ARN_PARTITION_REGEX

    name: str | None = arn_or_name
    if re.match(ARN_PARTITION_REGEX, arn_or_name):
        tail = arn_or_name.split(":function:")[-1]
        name = None if ":" in tail else arn_or_name.split(":")[-1]
    elif ":" in arn_or_name:
        name = None
    if len(_unqualified) >= 1024:
        _unqualified.clear()
    _unqualified[arn_or_name] = name
    return name


#: the Lambda runtime's backend lookup, imported on first use (the runtime imports the
#: gateway's modules)
_runtime_backends: dict[str, Any] = {}


def lambda_function(account_id: str, region: str, arn_or_name: str) -> Any | None:
    _lambda_backend = _runtime_backends.get("lambda")
    if _lambda_backend is None:
        from ..lambda_runtime.runtime import _lambda_backend

        _runtime_backends["lambda"] = _lambda_backend
    # the backend moto's own Lambda API uses (get_backend): with mock_aws(config={"lambda":
    # {"use_docker": False}}) functions live in the "simple" backend
    backend = _lambda_backend(account_id, region)
    name = _unqualified_name(arn_or_name)
    if name is not None:
        # what moto's get_function answers for an unqualified name, without its ARN
        # parsing (a dozen string splits and a regex per call): the latest version
        entry = backend._lambdas._functions.get(name)
        return entry["latest"] if entry is not None else None
    from moto.core.exceptions import JsonRESTError, ServiceException

    try:
        return backend.get_function(arn_or_name)
    except (ServiceException, JsonRESTError, KeyError, ValueError):
        # moto's Lambda raises UnknownFunctionException, a JsonRESTError, for a missing function
        return None


def lambda_policy_statements(fn: Any) -> list[dict[str, Any]]:
    policy = getattr(fn, "policy", None)
    return list(getattr(policy, "statements", None) or [])


def service_set_up(service: str, account_id: str, region: str) -> bool:
    """Whether moto has set up ``service`` (botocore's name, e.g. ``cognito-idp``) for the
    account in ``region`` or globally (a request reached it, or moto itself used it): a
    service not set up holds nothing. True when moto's backends cannot be told apart."""
    import sys

    from moto.backends import ALT_SERVICE_NAMES

    safe = service.replace("-", "")
    module = "moto." + ALT_SERVICE_NAMES.get(safe, safe)
    if module not in sys.modules:
        return False  # moto never even imported it
    from moto.backends import get_backend

    # Lambda keeps functions in one of two backends (see lambda_function)
    names = ["lambda", "lambda-simple"] if service == "lambda" else [service]
    for name in names:
        try:
            backends = get_backend(name)  # type: ignore[call-overload]
        except (ImportError, AttributeError, KeyError):
            return True
        account = dict.get(backends, account_id)
        if account is not None and any(
            dict.get(account, key) is not None for key in (region, "global", "aws")
        ):
            return True
    return False


def route53_zones(account_id: str) -> list[Any]:
    """Route 53's public hosted zones (private zones answer only inside their VPCs)."""
    from moto.route53.models import route53_backends

    backend = route53_backends[account_id]["aws"]
    return [z for z in list(backend.zones.values()) if not z.private_zone]


def zone_for(account_id: str, name: str) -> Any | None:
    """The public hosted zone authoritative for ``name``: the one with the longest name
    ``name`` ends with (the first created, when two zones have the same name)."""
    wanted = name.lower().rstrip(".") + "."
    best = None
    for zone in route53_zones(account_id):
        zone_name = zone.name.lower().rstrip(".") + "."
        if (wanted == zone_name or wanted.endswith("." + zone_name)) and (
            best is None or len(zone_name) > len(best.name.rstrip(".") + ".")
        ):
            best = zone
    return best


def public_records(account_id: str, name: str) -> list[Any]:
    """The record sets named ``name`` in its public hosted zone (moto ``RecordSet`` objects)."""
    zone = zone_for(account_id, name)
    if zone is None:
        return []
    wanted = name.lower().rstrip(".") + "."
    return [r for r in list(zone.rrsets) if r.name.lower().rstrip(".") + "." == wanted]


def health_check(account_id: str, health_check_id: str) -> Any | None:
    from moto.route53.models import route53_backends

    return route53_backends[account_id]["aws"].health_checks.get(health_check_id)


#: moto's Route 53 ``BackendDict``, imported on first use (see health_checks)
_route53: list[Any] = []


def health_checks(account_id: str) -> list[Any]:
    # imported once: an import statement costs about 1 µs even when the module is loaded,
    # and this runs at every clock move
    if not _route53:
        from moto.route53.models import route53_backends

        _route53.append(route53_backends)
    route53_backends = _route53[0]
    # plain dict reads (see backend()), and no backend made when Route 53 was never used:
    # the lab clock asks at every move, and the traffic simulator moves it at every request
    account = dict.get(route53_backends, account_id)
    found = dict.get(account, "aws") if account is not None else None
    return list(found.health_checks.values()) if found is not None else []


def custom_domain(account_id: str, region: str, name: str) -> Any | None:
    """The custom domain name ``name`` of ``region`` (see :mod:`.moto_domains`)."""
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region].domain_names.get(name.lower().rstrip("."))


def custom_domains(account_id: str, region: str) -> list[Any]:
    from moto.apigateway.models import apigateway_backends

    return list(apigateway_backends[account_id][region].domain_names.values())


def domain_mappings(account_id: str, region: str, name: str) -> list[Any]:
    """The base path / API mappings of a custom domain (moto ``BasePathMapping`` objects)."""
    from moto.apigateway.models import apigateway_backends

    backend = apigateway_backends[account_id][region]
    return list(backend.base_path_mappings.get(name.lower().rstrip("."), {}).values())
