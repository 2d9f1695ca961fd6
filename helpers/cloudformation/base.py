"""What every API Gateway resource model shares: the registry schema, clients, errors, tags.

A model is a :class:`moto.core.common_models.CloudFormationModel` whose ``create``,
``update`` and ``delete`` make the same API calls a learner's boto3 would (through boto3
clients answered by moto in the same process), so the response-level fixes of
:mod:`helpers.gateway.moto_hooks`, the data plane's snapshots and auto-deploy all see a
template exactly as they see boto3. Before a handler runs, the resolved properties are
checked against the type's registry schema (the one cfn-lint ships), as CloudFormation
checks them, so a misplaced key fails the resource with CloudFormation's message.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import boto3
from botocore.exceptions import ClientError
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

#: how CloudFormation words a resource whose handler failed (registry resources). AWS adds
#: the request id and a request token; they change every run, so they are left out [unc]
HANDLER_MESSAGE = (
    'Resource handler returned message: "{message} (Service: {service}, Status Code: {status})" '
    "(HandlerErrorCode: {code})"
)
#: the handler error code CloudFormation shows for each API error [unc: mapping]
HANDLER_CODES = {
    "BadRequestException": "InvalidRequest",
    "NotFoundException": "NotFound",
    "ConflictException": "AlreadyExists",
    "TooManyRequestsException": "Throttling",
    "LimitExceededException": "ServiceLimitExceeded",
    "UnauthorizedException": "AccessDenied",
    "AccessDeniedException": "AccessDenied",
}
#: a property that does not fit the type's schema [unc: exact wording of the joined list]
VALIDATION_MESSAGE = (
    "Properties validation failed for resource {logical_id} with message:\n{errors}"
)
_SERVICE_NAMES = {"apigateway": "ApiGateway", "apigatewayv2": "ApiGatewayV2"}
_local = threading.local()


class ResourceFailed(Exception):
    """A resource handler failed; ``str(exc)`` is the stack event's status reason."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.code = code  # the API's error code, if an API call failed


# ------------------------------------------------------------------------- clients


def client(service: str, region: str) -> Any:
    """A boto3 client for ``service`` in ``region`` (moto answers it in-process).

    Its own session, so the lab's tag adders (registered on boto3's default session) do
    not apply: a stack tags what it makes with the stack's tags, as CloudFormation does.
    """
    cache = getattr(_local, "clients", None)
    if cache is None:
        cache = _local.clients = {}
    key = (service, region)
    if key not in cache:
        cache[key] = session().client(service, region_name=region)
    return cache[key]


def session() -> boto3.session.Session:
    """A boto3 session of its own that shares the default session's data loader (service
    models are read once per process, not once per session)."""
    import botocore.session

    found = getattr(_local, "session", None)
    if found is None:
        core = botocore.session.Session()
        loader = boto3._get_default_session()._session.get_component("data_loader")
        core.register_component("data_loader", loader)
        found = _local.session = boto3.session.Session(botocore_session=core)
    return found


def call(service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
    """Call ``operation`` (boto3's snake_case name); an API error becomes
    :class:`ResourceFailed` with the text CloudFormation shows."""
    params = {k: v for k, v in params.items() if v is not None}
    try:
        return getattr(client(service, region), operation)(**params)
    except ClientError as err:
        error = err.response.get("Error", {})
        code = error.get("Code", "")
        raise ResourceFailed(
            HANDLER_MESSAGE.format(
                message=error.get("Message", str(err)),
                service=_SERVICE_NAMES.get(service, service),
                status=err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400),
                code=HANDLER_CODES.get(code, "GeneralServiceException"),
            ),
            code,
        ) from err


# ------------------------------------------------------------------------- schema


@cache
def _schema_index() -> tuple[Path, dict[str, str]]:
    spec = importlib.util.find_spec("cfnlint")
    assert spec is not None and spec.submodule_search_locations
    schemas = Path(spec.submodule_search_locations[0]) / "data" / "schemas"
    return schemas, json.loads((schemas / "providers" / "us-east-1.json").read_text())


@cache
def registry_schema(type_name: str) -> dict[str, Any]:
    """The type's registry schema, as cfn-lint ships it (us-east-1's copy; read from its
    data files, since importing cfn-lint itself takes seconds)."""
    schemas, index = _schema_index()
    return json.loads((schemas / "resources" / f"{index[type_name]}.json").read_text())


def create_only(type_name: str) -> tuple[str, ...]:
    """Top-level properties whose change replaces the resource (``createOnlyProperties``)."""
    paths = registry_schema(type_name).get("createOnlyProperties", [])
    return tuple(p.split("/")[2] for p in paths if p.count("/") == 2)


_SCALARS = {"string", "number", "integer", "boolean"}


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "JSONObject"
    if isinstance(value, list):
        return "JSONArray"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Number"
    return "String"


def _pointer(path: Iterable[Any]) -> str:
    return "#" + "".join(f"/{p}" for p in path)


def validate(type_name: str, logical_id: str, properties: dict[str, Any]) -> None:
    """Raise :class:`ResourceFailed` as CloudFormation does when ``properties`` do not fit
    the type's schema: an unknown key, a wrong type, a missing required key. Scalars are
    not told apart (CloudFormation turns ``0.5`` into ``"0.5"`` where a string is due)."""
    from jsonschema import Draft7Validator

    schema = dict(registry_schema(type_name))
    schema.pop("$schema", None)
    errors: list[str] = []
    for error in Draft7Validator(schema).iter_errors(properties):
        where = _pointer(error.absolute_path)
        if error.validator == "additionalProperties":
            known = set(error.schema.get("properties") or {})
            patterns = error.schema.get("patternProperties") or {}
            for key in error.instance:
                if key not in known and not patterns:
                    errors.append(f"{where}: extraneous key [{key}] is not permitted")
        elif error.validator == "required":
            missing = str(error.message).split("'")[1]
            errors.append(f"{where}: required key [{missing}] not found")
        elif error.validator == "type":
            wanted = error.validator_value
            wanted = set(wanted if isinstance(wanted, list) else [wanted])
            if wanted & _SCALARS and not isinstance(error.instance, dict | list):
                continue
            expected = "JSONObject" if "object" in wanted else "JSONArray"
            if not wanted - _SCALARS:
                expected = "String"
            errors.append(
                f"{where}: expected type: {expected}, found: {_type_name(error.instance)}"
            )
        elif error.validator in ("enum", "minimum", "maximum", "pattern", "maxLength"):
            errors.append(f"{where}: {error.message}")
    if errors:
        raise ResourceFailed(
            VALIDATION_MESSAGE.format(logical_id=logical_id, errors="\n".join(sorted(set(errors))))
        )


# ------------------------------------------------------------------------- the model


class ApiModel(CloudFormationModel):
    """One resource of a stack: its properties, its ``Ref`` value and its attributes."""

    TYPE: ClassVar[str] = ""
    SERVICE: ClassVar[str] = "apigateway"
    #: the attributes ``Fn::GetAtt`` may read
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()
    #: whether the type carries tags (the stack's tags are added, as CloudFormation adds them)
    TAGGABLE: ClassVar[bool] = False

    def __init__(
        self,
        logical_id: str,
        properties: dict[str, Any],
        account_id: str,
        region: str,
        stack_tags: dict[str, str] | None = None,
    ) -> None:
        self.logical_resource_id = logical_id
        self.props = properties
        self.account_id = account_id
        self.region = region
        self.stack_tags = dict(stack_tags or {})
        self.ref = ""
        self.attrs: dict[str, Any] = {}

    # --- moto's CloudFormationModel interface
    @classmethod
    def cloudformation_type(cls) -> str:  # type: ignore[override]
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:  # type: ignore[override]
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return self.ref

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES or attribute_name not in self.attrs:
            raise UnformattedGetAttTemplateException()
        return self.attrs[attribute_name]

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiModel:
        logical_id = kwargs.get("LogicalId", resource_name)
        properties = cloudformation_json.get("Properties") or {}
        validate(cls.TYPE, logical_id, properties)
        model = cls(logical_id, properties, account_id, region_name, _stack_tags(kwargs))
        model.create()
        return model

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> ApiModel:
        properties = cloudformation_json.get("Properties") or {}
        validate(cls.TYPE, original_resource.logical_resource_id, properties)
        old = original_resource.props
        original_resource.props = properties
        original_resource.update(old)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        raise NotImplementedError  # models delete themselves (``delete``)

    def delete(self, account_id: str = "", region_name: str = "") -> None:
        try:
            self.remove()
        except ResourceFailed as failure:
            if failure.code != "NotFoundException":  # already gone: deleted, as on AWS
                raise

    # --- what a type implements
    def create(self) -> None:
        raise NotImplementedError

    def update(self, old: dict[str, Any]) -> None:
        """Apply ``self.props`` in place (``old`` is what was there)."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    # --- helpers for the types
    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return call(self.SERVICE, self.region, operation, **params)

    def tags(self) -> dict[str, str] | None:
        tags = dict(self.stack_tags)
        for tag in self.props.get("Tags") or []:
            if isinstance(tag, dict) and "Key" in tag:
                tags[tag["Key"]] = tag["Value"]
        if isinstance(self.props.get("Tags"), dict):  # ApiGatewayV2 takes a map
            tags.update(self.props["Tags"])
        if tags and self.TAGGABLE:
            tags.setdefault("aws:cloudformation:logical-id", self.logical_resource_id)
        return tags or None

    def __repr__(self) -> str:
        return f"<{self.TYPE} {self.logical_resource_id} {self.ref}>"


def _stack_tags(kwargs: dict[str, Any]) -> dict[str, str]:
    """The stack's own tags plus CloudFormation's ``aws:cloudformation:*`` tags."""
    stack_id = kwargs.get("StackId")
    if not stack_id:
        return {}
    from moto.cloudformation.models import cloudformation_backends

    parts = stack_id.split(":")
    region, account = parts[3], parts[4]
    stack = cloudformation_backends[account][region].stacks.get(stack_id)
    if stack is None:
        return {}
    return {
        **(stack.tags or {}),
        "aws:cloudformation:stack-name": stack.name,
        "aws:cloudformation:stack-id": stack.stack_id,
    }


def as_json_text(value: Any) -> str | None:
    """A policy or schema given as an object in a template is sent as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def lower_first(value: dict[str, Any] | None, names: dict[str, str] | None = None) -> Any:
    """``{"BurstLimit": 1}`` → ``{"burstLimit": 1}`` (one level; ``names`` renames)."""
    if value is None:
        return None
    names = names or {}
    return {names.get(k, k[:1].lower() + k[1:]): v for k, v in value.items()}


def patch_diff(
    old: dict[str, Any], new: dict[str, Any], paths: dict[str, str]
) -> list[dict[str, Any]]:
    """``replace`` operations for the properties that changed (``paths``: property → path)."""
    ops: list[dict[str, Any]] = []
    for prop, path in paths.items():
        if old.get(prop) != new.get(prop):
            value = new.get(prop)
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, dict | list):
                value = json.dumps(value)
            elif value is not None:
                value = str(value)
            op: dict[str, Any] = {"op": "replace", "path": path}
            if value is not None:
                op["value"] = value
            ops.append(op)
    return ops
