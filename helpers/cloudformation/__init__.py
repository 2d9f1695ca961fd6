"""CloudFormation and SAM on the moto target, as a learner meets them on AWS.

:func:`install` (called once by :func:`helpers.gateway.moto_hooks.install`) registers the
``AWS::ApiGateway::*`` and ``AWS::ApiGatewayV2::*`` resource models of :mod:`.rest` and
:mod:`.v2` (and the Cognito user pool and client of :mod:`.cognito`, which authorizers
name) with moto's CloudFormation (replacing moto's four REST models, which lose
``EndpointConfiguration`` and fail on a MOCK method), runs stacks the way CloudFormation
does (:mod:`.stacks`: order, resource events, rollback, updates, deletion), and expands SAM
templates with AWS's translator (:mod:`.sam`). :mod:`.lint` runs cfn-lint on a template.
"""

from __future__ import annotations

from typing import Any

from .display import StackInProgress, busy, events, outputs, show_events, wait
from .fragments import Template
from .lint import lint

__all__ = [
    "StackInProgress",
    "Template",
    "busy",
    "events",
    "install",
    "install_on_first_use",
    "lint",
    "outputs",
    "show_events",
    "wait",
]

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.cloudformation import parsing
    from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
    from moto.cloudformation.responses import CloudFormationResponse

    from . import cognito, rest, sam, stacks, v2

    ours = {model.TYPE: model for model in (*rest.MODELS, *v2.MODELS, *cognito.MODELS)}
    original_map = parsing.get_model_map

    def get_model_map() -> dict[str, Any]:
        return {**original_map(), **ours}

    parsing.get_model_map = get_model_map

    def region_of(stack_id: str) -> tuple[str, str]:
        parts = stack_id.split(":")
        return parts[3], parts[4]

    def stack_parse_template(self: Any) -> None:
        region, account = region_of(self.stack_id)
        parsed = Stack.parse_template(self.template)
        self.template_dict = sam.expand(parsed, region, account, getattr(self, "parameters", None))

    def change_set_parse_template(self: Any) -> None:
        region, account = region_of(self.stack_id)
        parsed = Stack.parse_template(self.template)
        self.template_dict = sam.expand(parsed, region, account, self.parameters)

    Stack._parse_template = stack_parse_template
    ChangeSet._parse_template = change_set_parse_template
    Stack.__init__ = stacks.stack_init(Stack.__init__)
    Stack.create_resources = stacks.create_resources
    Stack.update = stacks.update
    Stack.delete = stacks.delete
    CloudFormationBackend.delete_stack = stacks.delete_stack(CloudFormationBackend.delete_stack)
    CloudFormationBackend.execute_change_set = stacks.execute_change_set(
        CloudFormationBackend.execute_change_set
    )
    CloudFormationResponse.create_stack = stacks.remember_options(
        CloudFormationResponse.create_stack
    )
    _installed = True


def install_on_first_use() -> None:
    """Install when the first CloudFormation request reaches moto.

    Importing moto's CloudFormation loads every service it can create (EC2, RDS, ...),
    which costs about a second; notebooks that never use a template do not pay it.
    """
    import moto.backends as backends

    if getattr(backends.get_backend, "apigw_lab_cloudformation", False):
        return
    original = backends.get_backend

    def get_backend(name: str) -> Any:
        if name == "cloudformation" and not _installed:
            install()
        return original(name)  # type: ignore[call-overload]

    get_backend.apigw_lab_cloudformation = True  # type: ignore[attr-defined]
    backends.get_backend = get_backend  # type: ignore[assignment]
