"""Automatic checks for the labs.

A check takes the lab and the learner's values (an API id, a stage name) and verifies
*behaviour*: it calls the deployed API with ``requests`` as a client would, and reads the
configuration only to explain a failure. Each passed criterion prints one ``✓`` line; the
first failed one raises :class:`CheckFailed` saying what was expected, what happened and
what to try.

``hints(lab)`` gives a lab's progressive hints (:mod:`.hints`): ``hint(2)`` a nudge,
``hint(2, 2)`` the documentation page, ``hint(2, 3)`` the call. Every learner-facing text of
a lab — hints and check messages — is in its message catalogue,
``helpers/messages/<language>/labNN.toml`` (see :mod:`helpers.messages`).

They run unchanged on both targets; on the moto target a failure also quotes what the
gateway emulator decided (its trace), which is the line CloudWatch execution logs would
show on AWS.

- :mod:`.common`: ``CheckFailed``, ``Report``, calling the API, traces, shared criteria;
- :mod:`.lab01`: ``check_lab01`` (the ``notes`` API: one function behind ``ANY /`` and
  ``ANY /{proxy+}``, two stages with a stage variable);
- :mod:`.lab02`: ``check_lab02`` (the ``feedback`` API: validation, SQS, CORS);
- :mod:`.lab03`: ``check_lab03`` (the ``tenant-orders`` API: a Lambda TOKEN authorizer
  asking Cognito, one tenant per token);
- :mod:`.lab04`: ``check_lab04`` (the ``transit-api``: stage throttling, a partner's API key,
  a usage plan with a weekly quota);
- :mod:`.lab05`: ``check_lab05`` (a ``sendPrivate`` route on the WebSocket chat
  ``ChatAPI``: real WebSocket clients, the @connections API, GoneException);
- :mod:`.lab06`: ``check_lab06_canary`` and ``check_lab06`` (v2 of the ``quotes-api`` as a
  canary, its metrics, promote or roll back);
- :mod:`.lab07`: ``check_lab07`` (the ``orders`` API written as a CloudFormation template:
  the check deploys the stack, calls the API, reads the stack's events).
"""

from __future__ import annotations

from collections.abc import Callable

from .common import CheckFailed, Report, describe
from .hints import Hint, Hints, hints
from .lab01 import check_lab01
from .lab02 import check_lab02
from .lab03 import check_lab03
from .lab04 import check_lab04
from .lab05 import check_lab05
from .lab06 import check_lab06, check_lab06_canary
from .lab07 import check_lab07

__all__ = [
    "CHECKS",
    "CheckFailed",
    "Hint",
    "Hints",
    "Report",
    "check_lab01",
    "check_lab02",
    "check_lab03",
    "check_lab04",
    "check_lab05",
    "check_lab06",
    "check_lab06_canary",
    "check_lab07",
    "describe",
    "hints",
]

#: lab notebook name → its check, for tests and tools
CHECKS: dict[str, Callable[..., None]] = {
    "01-first-rest-api": check_lab01,
    "02-feedback-api": check_lab02,
    "03-tenant-gate": check_lab03,
    "04-pricing-tiers": check_lab04,
    "05-private-messages": check_lab05,
    "06-ship-v2-safely": check_lab06,
    "07-orders-template": check_lab07,
}
