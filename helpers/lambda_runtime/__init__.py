"""The in-process Lambda runtime of the moto target.

moto stores Lambda functions but cannot run them without Docker. This package runs Python
functions in the notebook's own process, from the deployment package stored in moto, the way
Lambda's Python runtime would:

* the handler named by ``Handler`` (``app.handler``, ``pkg/mod.handler``, ``pkg.mod.handler``)
  is imported from the zip once per execution environment and kept warm; a new environment
  (a cold start, with a fresh import) follows a change of code or configuration, a time-out,
  and :meth:`LambdaRuntime.reset` (``container.py``);
* the handler sees its function's environment variables and those Lambda sets, in its own
  thread only (``environ.py``); it receives a proper context object (``context.py``);
* what it prints or logs goes to CloudWatch Logs in moto, framed by ``START``/``END``/
  ``REPORT`` lines (``capture.py``, ``logs.py``);
* exceptions, time-outs and unserialisable results give Lambda's error payloads
  (``errors.py``, ``timeouts.py``).

Handlers run inline, in the caller's thread: the gateway calls :meth:`LambdaRuntime.invoke`
from its server threads, and a hand-off to another thread would cost more than the whole
invocation. ``install_moto_invoke_patch`` makes boto3's ``lambda.invoke`` use the same
runtime (``moto_patch.py``).

Only Python runtimes run here (:class:`UnsupportedRuntime` otherwise); other runtimes need the
aws target.
"""

from .errors import FunctionNotFound, UnsupportedRuntime
from .moto_patch import install_moto_invoke_patch
from .runtime import InvocationResult, LambdaRuntime

__all__ = [
    "FunctionNotFound",
    "InvocationResult",
    "LambdaRuntime",
    "UnsupportedRuntime",
    "install_moto_invoke_patch",
]
