"""The few places where moto needs to tell the data plane something, patched once.

- ``RestAPI.create_deployment``: freeze a snapshot; and keep an existing stage's settings
  (moto replaces the Stage object, AWS only points it at the new deployment).
- CloudWatch and CloudWatch Logs reads: flush what the data plane buffered first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

on_rest_deployment: list[Callable[[Any, str], None]] = []
before_metrics_read: list[Callable[[], None]] = []
before_logs_read: list[Callable[[], None]] = []
_installed = False


def _run(hooks: list[Callable[[], None]]) -> None:
    for hook in list(hooks):
        hook()


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.apigateway.models import RestAPI
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.logs.models import LogsBackend

    original_deploy = RestAPI.create_deployment

    def create_deployment(
        self: Any, name: str, description: str, stage_variables: Any = None
    ) -> Any:
        existing = self.stages.get(name) if name else None
        deployment = original_deploy(self, name, description, stage_variables)
        if existing is not None:
            existing.deployment_id = deployment.id
            existing.variables = {**(existing.variables or {}), **(stage_variables or {})}
            self.stages[name] = existing
        for hook in list(on_rest_deployment):
            hook(self, deployment.id)
        return deployment

    RestAPI.create_deployment = create_deployment

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
    for name in ("get_log_events", "filter_log_events", "describe_log_streams"):
        setattr(LogsBackend, name, flushing(getattr(LogsBackend, name), before_logs_read))
    _installed = True
