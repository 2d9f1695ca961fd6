"""``update_model`` and ``update_deployment``, which moto 5.2.5 lacks (a stack update that
changes a model's schema, or a Deployment's description, calls them; so may a learner).

The patch paths are those AWS documents for each resource: a model's ``/schema`` and
``/description`` (the schema must be JSON), a deployment's ``/description``; another path
is refused as AWS refuses an unknown one. A changed model reaches callers with the next
deployment, as on AWS (the data plane validates against the deployment's snapshot).

Installed at start-up by :func:`helpers.gateway.moto_hooks.install`.
"""

from __future__ import annotations

import json
from typing import Any

#: [unc] AWS's wording for a schema that is not JSON
INVALID_SCHEMA = "Invalid model schema specified"


def _refuse(path: str, kind: Any, allowed: str) -> Any:
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(
        f"Invalid patch path '{path}' specified for op '{kind}'. Must be one of: [{allowed}]"
    )


def apply_to_model(model: Any, operations: list[dict[str, Any]]) -> None:
    from moto.apigateway.exceptions import BadRequestException

    changes: dict[str, Any] = {}
    for op in operations:
        kind, path, value = op.get("op"), op.get("path"), op.get("value")
        if path == "/schema" and kind == "replace":
            try:
                json.loads(value or "")
            except ValueError:
                raise BadRequestException(INVALID_SCHEMA) from None
            changes["schema"] = value
        elif path == "/description" and kind == "replace":
            changes["description"] = value
        else:
            raise _refuse(str(path), kind, "/description, /schema")
    for name, value in changes.items():
        setattr(model, name, value)


def apply_to_deployment(deployment: Any, operations: list[dict[str, Any]]) -> None:
    for op in operations:
        kind, path = op.get("op"), op.get("path")
        if path == "/description" and kind == "replace":
            continue
        raise _refuse(str(path), kind, "/description")
    for op in operations:
        deployment.description = op.get("value") or ""


def install() -> None:
    from moto.apigateway.responses import APIGatewayResponse

    if hasattr(APIGatewayResponse, "update_model"):
        return

    def update_model(self: Any) -> Any:
        parts = self.path.split("/")
        model = self.backend.get_model(parts[2], parts[4])
        apply_to_model(model, self._get_param("patchOperations") or [])
        return 200, {}, json.dumps(model.to_json())

    def update_deployment(self: Any) -> Any:
        parts = self.path.split("/")
        deployment = self.backend.get_deployment(parts[2], parts[4])
        apply_to_deployment(deployment, self._get_param("patchOperations") or [])
        return 200, {}, json.dumps(deployment.to_json())

    APIGatewayResponse.update_model = update_model
    APIGatewayResponse.update_deployment = update_deployment
