"""apigw-lab helpers: the small public surface every notebook uses.

- ``connect(target=None, scope="course")`` → :class:`~helpers.lab.Lab` for the moto
  (default) or aws target (``APIGW_LAB_TARGET``).
- ``zip_function(source)`` → deployment-package bytes for ``lambda.create_function``.
- ``show(response)`` / ``show_json(value)`` → a ``requests`` response (status, headers,
  body) or a dict, readably.
- ``start_backend()`` → a small HTTP service on 127.0.0.1 for HTTP integrations (moto
  target); ``unused_url()`` → a URL nothing listens on.
- ``FUNCTIONS`` → the folder of Lambda handlers the course deploys.
- ``docs`` → the AWS documentation pages the course cites: ``docs.markdown("http-api-stages")``.
"""

from .lazy_imports import defer_openapi_spec_validator, defer_rfc3987_syntax

defer_rfc3987_syntax()  # before anything imports jsonschema: ~1.7 s less at every start
defer_openapi_spec_validator()  # before moto's API Gateway imports it: ~0.4 s less

from . import docs  # noqa: E402
from .backend import start_backend, unused_url  # noqa: E402
from .display import show, show_json  # noqa: E402
from .lab import FUNCTIONS, Lab, connect  # noqa: E402
from .packaging import zip_function  # noqa: E402

__all__ = [
    "FUNCTIONS",
    "Lab",
    "connect",
    "docs",
    "show",
    "show_json",
    "start_backend",
    "unused_url",
    "zip_function",
]
