"""apigw-lab helpers: the small public surface every notebook uses.

- ``connect(target=None, scope="course")`` → :class:`~helpers.lab.Lab` for the moto
  (default) or aws target (``APIGW_LAB_TARGET``).
- ``zip_function(source)`` → deployment-package bytes for ``lambda.create_function``.
- ``show(response)`` → status, headers and body of a ``requests`` response, readably.
- ``FUNCTIONS`` → the folder of Lambda handlers the course deploys.
"""

from .display import show
from .lab import FUNCTIONS, Lab, connect
from .packaging import zip_function

__all__ = ["FUNCTIONS", "Lab", "connect", "show", "zip_function"]
