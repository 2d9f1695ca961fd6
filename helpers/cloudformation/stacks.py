"""How a stack runs on moto: the order, the events, rollback, updates and deletion.

moto creates a stack's resources in one pass with no resource events and no rollback (a
failing resource becomes a 500), updates by raw-template diff, and deletes by retrying. A
learner reading ``describe_stack_events`` on AWS sees something else, so this module runs
the stack the way CloudFormation does:

- **Order.** CloudFormation starts a resource as soon as everything it refers to (``Ref``,
  ``Fn::GetAtt``, ``Fn::Sub``, ``DependsOn``) is complete, many at once. Here resources run
  in waves of that graph (template order within a wave), so a Deployment that depends only
  on its RestApi is made *before* the methods that depend on a Resource, and fails with
  "The REST API doesn't contain any methods" exactly when it would on AWS.
- **Events.** ``CREATE_IN_PROGRESS`` / ``CREATE_COMPLETE`` / ``CREATE_FAILED`` (with the
  reason) for every resource; the same for updates and deletes.
- **Rollback.** A failed create rolls back what it made (``ROLLBACK_COMPLETE``), unless
  ``OnFailure=DO_NOTHING`` / ``DisableRollback`` (``CREATE_FAILED``) or ``OnFailure=DELETE``.
  A failed update puts the changed resources back (``UPDATE_ROLLBACK_COMPLETE``).
- **Updates.** A resource is updated only if its resolved properties changed; a change to a
  create-only property (from the type's registry schema) replaces it — the new one is made
  first, the old one deleted in the clean-up phase. An unchanged ``AWS::ApiGateway::Deployment``
  is left alone, so a changed method is not live until the deployment's logical id changes.
  An update that changes nothing is refused ("No updates are to be performed.").
- **Deletion** in reverse order, with events; a resource that fails leaves ``DELETE_FAILED``.
"""

from __future__ import annotations

import contextvars
import copy
import json
import re
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Event, Stack

from .base import ApiModel, ResourceFailed, create_only

#: a create or update option from the request (OnFailure, DisableRollback)
_request_options: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "apigw_lab_stack_options", default={}  # noqa: B039
)
NO_UPDATES = "No updates are to be performed."
REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."
#: the resource type moto cannot create [an apigw-lab message, not AWS's]
UNSUPPORTED = "apigw-lab: moto's CloudFormation cannot create {type} (an emulator limitation)"


# ----------------------------------------------------------------------------- the graph


def references(value: Any) -> set[str]:
    """Every name ``value`` refers to with Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".")[0])
            elif key == "Fn::Sub":
                text, names = (item, {}) if isinstance(item, str) else (item[0], item[1])
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    if name not in names:
                        found.add(name.split(".")[0])
                found |= references(names)
            else:
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependencies(resources: dict[str, Any], name: str) -> set[str]:
    body = resources[name]
    depends = body.get("DependsOn") or []
    depends = [depends] if isinstance(depends, str) else list(depends)
    found = references(body.get("Properties") or {}) | set(depends)
    return {d for d in found if d in resources and d != name}


def creation_order(resources: dict[str, Any]) -> list[str]:
    """Resources in waves of the dependency graph (template order within a wave)."""
    level: dict[str, int] = {}

    def depth(name: str, seen: tuple[str, ...] = ()) -> int:
        if name in level:
            return level[name]
        if name in seen:
            raise ValidationError(
                message=f"Circular dependency between resources: [{', '.join(sorted(seen))}]"
            )
        deps = dependencies(resources, name)
        level[name] = 1 + max((depth(d, (*seen, name)) for d in deps), default=-1)
        return level[name]

    index = {name: i for i, name in enumerate(resources)}
    return sorted(resources, key=lambda n: (depth(n), index[n]))


# ----------------------------------------------------------------------------- events


def _event(
    stack: Stack,
    logical_id: str,
    resource_type: str,
    status: str,
    reason: str | None = None,
    physical_id: str = "",
    properties: Any = None,
) -> None:
    event = Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical_id or "",
        resource_type=resource_type,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=json.dumps(properties) if properties is not None else None,
    )
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)


def _stack_event(stack: Stack, status: str, reason: str | None = None) -> None:
    stack._add_stack_event(status, resource_status_reason=reason)
    if reason is None and status.endswith("ROLLBACK_COMPLETE"):
        reason = stack.status_reason  # the failure that started the rollback stays [unc]
    stack.status = status
    stack.status_reason = reason  # describe_stacks' StackStatusReason


def _no_outputs(stack: Stack) -> None:
    """A stack whose resources are gone has no outputs (moto would re-create the
    resources its outputs refer to, its resource map being lazy)."""
    from moto.cloudformation.parsing import OutputMap

    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ResourceFailed):
        return str(exc)
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}" if not isinstance(exc, ValidationError) else message


def _physical(resource: Any) -> str:
    return str(getattr(resource, "physical_resource_id", "") or "")


# ----------------------------------------------------------------------------- create


def _condition_false(rmap: Any, body: dict[str, Any]) -> bool:
    condition = body.get("Condition")
    return bool(condition) and not rmap.lazy_condition_map[condition]


def _make(stack: Stack, logical_id: str) -> Any:
    """Create one resource with its events; raise ResourceFailed (event written) on failure."""
    rmap = stack.resource_map
    body = rmap._resource_json_map[logical_id]
    resource_type = body["Type"]
    _event(
        stack, logical_id, resource_type, "CREATE_IN_PROGRESS", properties=body.get("Properties")
    )
    try:
        if (
            resource_type not in parsing.NULL_MODELS
            and parsing.resource_class_from_type(resource_type) is None
        ):
            raise ResourceFailed(UNSUPPORTED.format(type=resource_type))
        resource = rmap[logical_id]
    except Exception as exc:
        reason = _reason(exc)
        _event(stack, logical_id, resource_type, "CREATE_FAILED", reason)
        raise ResourceFailed(reason) from exc
    _event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=_physical(resource))
    return resource


def _remove(stack: Stack, logical_id: str, resource: Any, body: dict[str, Any]) -> None:
    """Delete one resource with its events (DeletionPolicy Retain keeps it)."""
    resource_type = body["Type"]
    physical = _physical(resource)
    if body.get("DeletionPolicy") == "Retain":
        _event(stack, logical_id, resource_type, "DELETE_SKIPPED", physical_id=physical)
        return
    _event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical)
    try:
        if resource is not None and not isinstance(resource, str):
            stack.resource_map._delete_resource(resource, body)
    except Exception as exc:
        reason = _reason(exc)
        _event(stack, logical_id, resource_type, "DELETE_FAILED", reason, physical_id=physical)
        raise ResourceFailed(reason) from exc
    _event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical)


def create_resources(self: Stack) -> None:
    options = getattr(self, "apigw_lab_options", {}) or {}
    self.status = "CREATE_IN_PROGRESS"
    rmap = self.resource_map
    rmap._template = self.template_dict
    rmap._resource_json_map = self.template_dict.get("Resources") or {}
    rmap.tags.update(
        {"aws:cloudformation:stack-name": self.name, "aws:cloudformation:stack-id": self.stack_id}
    )
    made: list[str] = []
    for logical_id in creation_order(rmap._resource_json_map):
        if _condition_false(rmap, rmap._resource_json_map[logical_id]):
            continue
        try:
            _make(self, logical_id)
        except ResourceFailed:
            _failed_create(self, made, logical_id, options)
            return
        made.append(logical_id)
    self.description = self.template_dict.get("Description")
    self.output_map = self._create_output_map()
    self.mark_creation_complete()
    self.status_reason = None


def _failed_create(stack: Stack, made: list[str], failed: str, options: dict[str, Any]) -> None:
    rmap = stack.resource_map
    on_failure = options.get("OnFailure") or (
        "DO_NOTHING" if options.get("DisableRollback") else "ROLLBACK"
    )
    reason = f"The following resource(s) failed to create: [{failed}]. "
    _no_outputs(stack)
    if on_failure == "DO_NOTHING":
        _stack_event(stack, "CREATE_FAILED", reason)
        return
    _stack_event(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.")
    _event(stack, failed, rmap._resource_json_map[failed]["Type"], "DELETE_COMPLETE")
    for logical_id in reversed(made):
        resource = rmap._parsed_resources.get(logical_id)
        try:
            _remove(stack, logical_id, resource, rmap._resource_json_map[logical_id])
        except ResourceFailed:
            _stack_event(
                stack,
                "ROLLBACK_FAILED",
                f"The following resource(s) failed to delete: [{logical_id}]. ",
            )
            return
        rmap._parsed_resources.pop(logical_id, None)
    _stack_event(stack, "ROLLBACK_COMPLETE")
    if on_failure == "DELETE":
        from moto.cloudformation.models import cloudformation_backends

        _stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        _stack_event(stack, "DELETE_COMPLETE")
        backend = cloudformation_backends[stack.account_id][stack.region_name]
        backend.stacks.pop(stack.stack_id, None)
        backend.deleted_stacks[stack.stack_id] = stack


# ----------------------------------------------------------------------------- delete


def delete(self: Stack) -> None:
    _stack_event(self, "DELETE_IN_PROGRESS", "User Initiated")
    _no_outputs(self)
    rmap = self.resource_map
    bodies = rmap._resource_json_map
    for logical_id in reversed(creation_order(bodies)):
        if logical_id not in rmap._parsed_resources:
            continue
        try:
            _remove(self, logical_id, rmap._parsed_resources[logical_id], bodies[logical_id])
        except ResourceFailed:
            _stack_event(
                self,
                "DELETE_FAILED",
                f"The following resource(s) failed to delete: [{logical_id}]. ",
            )
            return
        rmap._parsed_resources.pop(logical_id, None)
    _stack_event(self, "DELETE_COMPLETE")


def delete_stack(original: Any) -> Any:
    """A stack whose deletion failed stays listed (``DELETE_FAILED``), as on AWS."""

    def wrapper(self: Any, name_or_stack_id: str) -> None:
        stack = None
        for candidate in self.stacks.values():
            if name_or_stack_id in (candidate.stack_id, candidate.name):
                stack = candidate
        original(self, name_or_stack_id)
        if stack is not None and stack.status == "DELETE_FAILED":
            self.deleted_stacks.pop(stack.stack_id, None)
            self.stacks[stack.stack_id] = stack

    return wrapper


# ----------------------------------------------------------------------------- update


def _resolved_properties(rmap: Any, logical_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return parsing.clean_json(copy.deepcopy(body.get("Properties") or {}), rmap)


def update(
    self: Stack,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    rmap = self.resource_map
    old_template, old_text = self.template_dict, self.template
    old_bodies = dict(rmap._resource_json_map)
    old_parameters = dict(rmap.input_parameters or {})
    self.template = template
    self._parse_template()
    new_bodies = self.template_dict.get("Resources") or {}
    if self.template_dict == old_template and (not parameters or parameters == old_parameters):
        self.template, self.template_dict = old_text, old_template
        raise ValidationError(message=NO_UPDATES)
    _stack_event(self, "UPDATE_IN_PROGRESS", "User Initiated")
    rmap._template = self.template_dict
    if parameters:
        rmap.input_parameters = parameters
    rmap.load_mapping()
    rmap.load_parameters()
    rmap.load_conditions()
    rmap._resource_json_map = new_bodies

    added: list[str] = []
    changed: list[tuple[str, Any, dict[str, Any]]] = []  # (logical id, old resource, old props)
    replaced: list[tuple[str, Any, dict[str, Any]]] = []  # (logical id, old resource, old body)
    try:
        for logical_id in creation_order(new_bodies):
            body = new_bodies[logical_id]
            if logical_id not in old_bodies or logical_id not in rmap._parsed_resources:
                if _condition_false(rmap, body):
                    continue
                _make(self, logical_id)
                added.append(logical_id)
                continue
            outcome = _update_one(self, logical_id, body, old_bodies[logical_id])
            if outcome is not None:
                kind, old_resource, old_value = outcome
                (replaced if kind == "replaced" else changed).append(
                    (logical_id, old_resource, old_value)
                )
    except ResourceFailed as failure:
        _roll_back_update(self, str(failure), added, changed, replaced, old_bodies)
        self.template, self.template_dict = old_text, old_template
        rmap._template = old_template
        rmap._resource_json_map = old_bodies
        rmap.input_parameters = old_parameters
        rmap.load_parameters()
        return

    _stack_event(self, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id, old_resource, old_body in reversed(replaced):
        try:  # noqa: SIM105
            _remove(self, logical_id, old_resource, old_body)
        except ResourceFailed:
            pass  # AWS reports the failed clean-up in the events and still completes
    for logical_id in reversed(creation_order(old_bodies)):
        if logical_id in new_bodies or logical_id not in rmap._parsed_resources:
            continue
        try:
            _remove(self, logical_id, rmap._parsed_resources[logical_id], old_bodies[logical_id])
            rmap._parsed_resources.pop(logical_id, None)
        except ResourceFailed:
            pass
    self.output_map = self._create_output_map()
    _stack_event(self, "UPDATE_COMPLETE")
    self.role_arn = role_arn
    if parameters:
        self.parameters = parameters
    if tags is not None:
        self.tags = tags


def _update_one(
    stack: Stack, logical_id: str, body: dict[str, Any], old_body: dict[str, Any]
) -> tuple[str, Any, Any] | None:
    """Update one resource if it changed; ``("updated", resource, old props)`` or
    ``("replaced", old resource, old body)`` or None."""
    rmap = stack.resource_map
    old_resource = rmap._parsed_resources[logical_id]
    resource_type = body["Type"]
    if isinstance(old_resource, ApiModel) and old_body.get("Type") == resource_type:
        try:
            props = _resolved_properties(rmap, logical_id, body)
        except Exception as exc:
            _event(stack, logical_id, resource_type, "UPDATE_FAILED", _reason(exc))
            raise ResourceFailed(_reason(exc)) from exc
        if props == old_resource.props:
            return None
        physical = old_resource.physical_resource_id
        _event(
            stack,
            logical_id,
            resource_type,
            "UPDATE_IN_PROGRESS",
            physical_id=physical,
            properties=body.get("Properties"),
        )
        if any(props.get(k) != old_resource.props.get(k) for k in create_only(resource_type)):
            _event(
                stack,
                logical_id,
                resource_type,
                "UPDATE_IN_PROGRESS",
                REPLACING,
                physical_id=physical,
            )
            rmap._parsed_resources.pop(logical_id)
            try:
                new = rmap[logical_id]
            except Exception as exc:
                rmap._parsed_resources[logical_id] = old_resource
                _event(
                    stack,
                    logical_id,
                    resource_type,
                    "UPDATE_FAILED",
                    _reason(exc),
                    physical_id=physical,
                )
                raise ResourceFailed(_reason(exc)) from exc
            _event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=_physical(new))
            return ("replaced", old_resource, old_body)
        old_props = old_resource.props
        try:
            type(old_resource).update_from_cloudformation_json(
                old_resource, "", {"Properties": props}, stack.account_id, stack.region_name
            )
        except Exception as exc:
            old_resource.props = old_props
            _event(
                stack,
                logical_id,
                resource_type,
                "UPDATE_FAILED",
                _reason(exc),
                physical_id=physical,
            )
            raise ResourceFailed(_reason(exc)) from exc
        _event(stack, logical_id, resource_type, "UPDATE_COMPLETE", physical_id=physical)
        return ("updated", old_resource, old_props)
    if body == old_body:
        return None
    # another service's resource: moto's own update (or replacement when it has none)
    physical = _physical(old_resource)
    _event(stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=physical)
    try:
        new = parsing.parse_and_update_resource(
            logical_id, copy.deepcopy(body), rmap, stack.account_id, stack.region_name
        )
    except Exception as exc:
        _event(
            stack, logical_id, resource_type, "UPDATE_FAILED", _reason(exc), physical_id=physical
        )
        raise ResourceFailed(_reason(exc)) from exc
    if new is not None:
        rmap._parsed_resources[logical_id] = new
    _event(
        stack,
        logical_id,
        resource_type,
        "UPDATE_COMPLETE",
        physical_id=_physical(new or old_resource),
    )
    return None


def _roll_back_update(
    stack: Stack,
    reason: str,
    added: list[str],
    changed: list[tuple[str, Any, dict[str, Any]]],
    replaced: list[tuple[str, Any, dict[str, Any]]],
    old_bodies: dict[str, Any],
) -> None:
    rmap = stack.resource_map
    failed = next(
        (
            e.logical_resource_id
            for e in reversed(stack.events)
            if e.resource_status.endswith("_FAILED")
        ),
        "",
    )
    verb = "create" if failed in added or failed not in old_bodies else "update"
    _stack_event(
        stack,
        "UPDATE_ROLLBACK_IN_PROGRESS",
        f"The following resource(s) failed to {verb}: [{failed}]. ",
    )
    for logical_id, resource, old_props in reversed(changed):
        body = old_bodies[logical_id]
        _event(
            stack, logical_id, body["Type"], "UPDATE_IN_PROGRESS", physical_id=_physical(resource)
        )
        try:
            new_props = resource.props
            resource.props = old_props
            resource.update(new_props)
        except Exception:
            pass
        _event(stack, logical_id, body["Type"], "UPDATE_COMPLETE", physical_id=_physical(resource))
    _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id, old_resource, old_body in reversed(replaced):
        new = rmap._parsed_resources.get(logical_id)
        try:  # noqa: SIM105
            _remove(stack, logical_id, new, old_body)
        except ResourceFailed:
            pass
        rmap._parsed_resources[logical_id] = old_resource
    for logical_id in reversed(added):
        try:  # noqa: SIM105
            _remove(
                stack,
                logical_id,
                rmap._parsed_resources.get(logical_id),
                rmap._resource_json_map[logical_id],
            )
        except ResourceFailed:
            pass
        rmap._parsed_resources.pop(logical_id, None)
    _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")


# ----------------------------------------------------------------------------- change sets


def execute_change_set(original: Any) -> Any:
    """Run a change set through the same create/update as ``create_stack``/``update_stack``."""

    def wrapper(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.change_sets.get(change_set_name) or next(
            (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
        )
        if change_set is None:
            raise ValidationError(stack_name)
        stack = self.stacks[change_set.stack_id]
        if change_set.change_set_type == "CREATE":
            stack.template = change_set.template
            stack._parse_template()
            stack.parameters = change_set.parameters
            stack.resource_map = stack._create_resource_map()
            stack.output_map = stack._create_output_map()
            _stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
            stack.create_resources()
        else:
            stack.update(change_set.template, parameters=change_set.parameters or None)
        change_set.execution_status = "EXECUTE_COMPLETE"

    return wrapper


# ----------------------------------------------------------------------------- request options


def remember_options(original: Any) -> Any:
    """``create_stack``'s ``OnFailure`` / ``DisableRollback`` reach the stack (moto drops them)."""

    def create_stack(self: Any) -> Any:
        options = {
            "OnFailure": self._get_param("OnFailure"),
            "DisableRollback": str(self._get_param("DisableRollback") or "").lower() == "true",
        }
        token = _request_options.set(options)
        try:
            return original(self)
        finally:
            _request_options.reset(token)

    return create_stack


def stack_init(original: Any) -> Any:
    def __init__(self: Stack, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.apigw_lab_options = dict(_request_options.get())
        self.status_reason = None

    return __init__
