"""Request validation (REST): the method's request validator checks required parameters,
then the body against the model for its Content-Type (JSON Schema draft 4), before any
integration is called (DG: api-gateway-method-request-validation)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..context import InvocationContext, MethodRequest
from ..errors import BadRequestBody, BadRequestParameters, EmulatorLimitation

# jsonschema and referencing are imported where a body is first validated, not with this
# module: the pipeline imports it at every kernel start, and most notebooks never validate
# a body (importing jsonschema costs about 0.1 s)
if TYPE_CHECKING:
    from jsonschema import Draft4Validator, ValidationError

#: names in "Missing required request parameters: [...]" follow the method's declaration
#: order; LocalStack sorts them [unc]
SORT_MISSING = False
#: an empty body is validated as ``{}`` [obs LS]
EMPTY_BODY: Any = {}
#: the models every REST API has from its creation (moto does not create them)
BUILTIN_MODELS: dict[str, dict[str, Any]] = {
    "Empty": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Empty Schema",
        "type": "object",
    },
    "Error": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Error Schema",
        "type": "object",
        "properties": {"message": {"type": "string"}},
    },
}
_MODEL_URI = re.compile(r"^https?://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/#?]+)")
_PARAMETER = re.compile(
    r"^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$"
)


# ------------------------------------------------------------------------------- parameters


def missing_parameters(required: dict[str, Any], mreq: MethodRequest) -> list[str]:
    """Names of the required (``True``) method request parameters the request lacks."""
    missing: list[str] = []
    for key, is_required in required.items():
        found = _PARAMETER.match(key)
        if not is_required or not found:
            continue
        kind, name = found.groups()
        if kind == "path":
            present = name in mreq.path_params
        elif kind in ("querystring", "multivaluequerystring"):
            present = name in mreq.query
        else:
            present = mreq.header(name) is not None
        if not present:
            missing.append(name)
    return sorted(missing) if SORT_MISSING else missing


# ------------------------------------------------------------------------------- body


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "?")


def describe(error: ValidationError) -> str:
    """One message in the style of the Java json-schema-validator API Gateway reports
    through ``$context.error.validationErrorString`` [unc: wording approximated]."""
    kind, value, inst = error.validator, error.validator_value, error.instance
    if kind == "required":
        absent = [name for name in value if isinstance(inst, dict) and name not in inst]
        return f"object has missing required properties ({_json(sorted(absent))})"
    if kind == "type":
        allowed = value if isinstance(value, list) else [value]
        return (
            f"instance type ({_json_type(inst)}) does not match any allowed primitive type "
            f"(allowed: {_json(sorted(allowed))})"
        )
    if kind == "enum":
        return f"instance value ({_json(inst)}) not found in enum (possible values: {_json(value)})"
    if kind == "minimum":
        return (
            f"numeric instance is lower than the required minimum (minimum: {value}, found: {inst})"
        )
    if kind == "maximum":
        return (
            f"numeric instance is greater than the required maximum (maximum: {value}, "
            f"found: {inst})"
        )
    if kind == "minLength":
        return f"string {_json(inst)} is too short (length: {len(inst)}, required minimum: {value})"
    if kind == "maxLength":
        return f"string {_json(inst)} is too long (length: {len(inst)}, maximum allowed: {value})"
    if kind == "pattern":
        return f"ECMA 262 regex {_json(value)} does not match input string {_json(inst)}"
    if kind == "additionalProperties" and isinstance(inst, dict):
        known = set((error.schema or {}).get("properties") or {})
        extra = sorted(k for k in inst if k not in known)
        return f"object instance has properties which are not allowed by the schema: {_json(extra)}"
    if kind == "minItems":
        return (
            f"array is too short: must have at least {value} elements but instance has "
            f"{len(inst)} elements"
        )
    if kind == "maxItems":
        return (
            f"array is too long: must have at most {value} elements but instance has "
            f"{len(inst)} elements"
        )
    return error.message


@lru_cache(maxsize=256)
def _validator(name: str, models: tuple[tuple[str, str], ...]) -> Draft4Validator:
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT4

    schemas = dict(models)

    def schema_of(model: str) -> Any:
        if model in schemas:
            try:
                return json.loads(schemas[model])
            except ValueError as exc:
                raise EmulatorLimitation(
                    f"model {model!r} is not valid JSON ({exc}); API Gateway refuses it at "
                    "create_model, moto accepted it"
                ) from None
        if model in BUILTIN_MODELS:
            return BUILTIN_MODELS[model]
        raise EmulatorLimitation(
            f"the method names model {model!r}, which this API does not have; API Gateway "
            "refuses such a method, moto accepted it"
        )

    def retrieve(uri: str) -> Resource:
        found = _MODEL_URI.match(uri)
        if not found:
            raise NoSuchResource(ref=uri)
        return Resource.from_contents(schema_of(found.group(1)), default_specification=DRAFT4)

    registry: Registry = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    return Draft4Validator(schema_of(name), registry=registry)


def body_model(method: dict[str, Any], content_type: str | None) -> str | None:
    """The model for the request's Content-Type (missing: ``application/json``), else
    the ``$default`` one, else None (no body check) [unc]."""
    models = method.get("requestModels") or {}
    wanted = (content_type or "application/json").split(";")[0].strip().lower()
    for key, name in models.items():
        if key.lower() == wanted:
            return name
    return models.get("$default")


def body_errors(body: bytes, name: str, models: dict[str, dict[str, Any]]) -> list[str]:
    """Validation messages for ``body`` against model ``name`` (empty: valid)."""
    try:
        instance = json.loads(body) if body.strip() else EMPTY_BODY
    except ValueError as exc:
        return [f"Invalid JSON in request body: {exc}"]  # [unc] wording
    from referencing.exceptions import Unresolvable

    frozen = tuple(sorted((k, m.get("schema") or "{}") for k, m in models.items()))
    validator = _validator(name, frozen)
    try:
        # jsonschema reports each missing required property apart; the Java validator (and
        # describe()) makes one message of them all, so keep each message once
        return list(dict.fromkeys(describe(e) for e in validator.iter_errors(instance)))
    except Unresolvable as exc:
        raise EmulatorLimitation(
            f"model {name!r} refers to {exc}, which API Gateway would have refused when the "
            "model was created (moto accepted it)"
        ) from None


# ------------------------------------------------------------------------------- the step


def step(ctx: InvocationContext) -> None:
    """Validate: required parameters, then the body against its model (request validator)."""
    assert ctx.route is not None and ctx.deployment is not None and ctx.method_request
    method = ctx.route.method
    validator_id = method.get("requestValidatorId")
    if not validator_id:
        return
    validator = ctx.deployment.request_validators.get(validator_id)
    if validator is None:
        ctx.trace.add("validate", "skipped", reason=f"no request validator {validator_id}")
        return
    mreq = ctx.method_request
    name = validator.get("name") or validator_id
    if validator.get("validateRequestParameters"):
        missing = missing_parameters(method.get("requestParameters") or {}, mreq)
        if missing:
            ctx.trace.add("validate", "missing parameters", validator=name, missing=missing)
            raise BadRequestParameters(
                f"Missing required request parameters: [{', '.join(missing)}]",
                reason=f"validator {name!r}: required parameters absent",
            )
    model = None
    if validator.get("validateRequestBody"):
        model = body_model(method, mreq.header("content-type"))
        if model is not None:
            errors = body_errors(mreq.body, model, ctx.deployment.models)
            if errors:
                ctx.trace.add("validate", "invalid body", model=model, errors=errors)
                err = BadRequestBody(reason=f"body does not match model {model!r}")
                err.validation_error = "[" + ", ".join(errors) + "]"  # type: ignore[attr-defined]
                raise err
    ctx.trace.add("validate", "passed", validator=name, **({"model": model} if model else {}))
