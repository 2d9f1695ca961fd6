"""A usage plan names API stages that exist, as AWS requires.

AWS refuses ``create_usage_plan`` (and ``update_usage_plan``'s ``add /apiStages``) when an
entry names an API or a stage that does not exist; moto 5.2.5 accepts anything, so a
template whose UsagePlan is created before its Stage (no ``DependsOn``, the stage written
as a literal name) worked on moto and failed on AWS — the classic usage-plan mistake of
templates. The message is the one AWS has been seen to give
("Invalid API Stage {api: ..., stage: ...} specified for usageplan ..."); AWS has been seen
to leave its placeholders unfilled, here they are filled [unc: exact wording].

Installed at start-up by :func:`helpers.gateway.moto_hooks.install`.
"""

from __future__ import annotations

from typing import Any

#: [unc] observed in CloudFormation and CLI error reports (placeholders unfilled there)
MESSAGE = "Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan {plan}"


def _check(backend: Any, plan_name: str, stages: list[dict[str, Any]]) -> None:
    from moto.apigateway.exceptions import BadRequestException

    for entry in stages or []:
        api_id, stage = entry.get("apiId") or "", entry.get("stage") or ""
        api = backend.apis.get(api_id)
        if api is None or stage not in api.stages:
            raise BadRequestException(MESSAGE.format(api=api_id, stage=stage, plan=plan_name))


def install() -> None:
    from moto.apigateway.models import APIGatewayBackend

    if getattr(APIGatewayBackend.create_usage_plan, "apigw_lab_stages", False):
        return
    original_create = APIGatewayBackend.create_usage_plan
    original_update = APIGatewayBackend.update_usage_plan

    def create_usage_plan(self: Any, payload: Any) -> Any:
        _check(self, payload.get("name") or "", payload.get("apiStages") or [])
        return original_create(self, payload)

    def update_usage_plan(self: Any, usage_plan_id: str, patch_operations: Any) -> Any:
        plan = self.get_usage_plan(usage_plan_id)
        added = [
            dict(zip(("apiId", "stage"), str(op.get("value") or "").split(":", 1), strict=False))
            for op in patch_operations or []
            if op.get("op") == "add" and op.get("path") == "/apiStages"
        ]
        _check(self, plan.name, added)
        return original_update(self, usage_plan_id, patch_operations)

    create_usage_plan.apigw_lab_stages = True  # type: ignore[attr-defined]
    APIGatewayBackend.create_usage_plan = create_usage_plan  # type: ignore[method-assign]
    APIGatewayBackend.update_usage_plan = update_usage_plan  # type: ignore[method-assign]
