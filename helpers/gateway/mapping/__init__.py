"""REST data mapping: Velocity mapping templates, parameter mappings and the ``$context``
object they read (reference §5.1).

- :mod:`.vtl` renders a mapping template (``$input``, ``$util``, ``$context``,
  ``$stageVariables``) on airspeed, taught to behave like the Velocity 1.7 API Gateway runs;
- :mod:`.params` resolves ``method.request.*`` / ``integration.response.*`` mapping
  expressions;
- :mod:`.context_vars` builds the nested ``$context`` map from an invocation context.
"""

from .context_vars import context_map
from .params import MappedRequest, map_request, map_response, request_value
from .vtl import Rendered, TemplateError, TemplateInput, render

__all__ = [
    "MappedRequest",
    "Rendered",
    "TemplateError",
    "TemplateInput",
    "context_map",
    "map_request",
    "map_response",
    "render",
    "request_value",
]
