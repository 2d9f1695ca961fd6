"""Operating an API on the moto target: what CloudWatch, SNS, X-Ray, CloudTrail and API
Gateway's account settings do on AWS and moto does not.

- :mod:`.moto_account` — ``cloudwatchRoleArn`` and the execution-logging prerequisite;
- :mod:`.moto_cloudwatch` — percentiles, alarm state and history as CloudWatch keeps them;
- :mod:`.moto_logs` — filter patterns for JSON access logs (``{ $.status = 429 }``);
- :mod:`.alarms` — alarms evaluated on the lab clock, notifications through SNS;
- :mod:`.moto_sns` and :mod:`.mailbox` — e-mail subscribers a notebook can read, and the
  real SNS event for Lambda subscribers;
- :mod:`.moto_xray` — trace summaries that say where the time went;
- :mod:`.cloudtrail` — the event history of control-plane calls (``lookup_events``).

The gateway's side (access and execution logs, metrics, X-Ray segments) lives in
:mod:`helpers.gateway` and is written by the observe step.
"""

from __future__ import annotations

_installed = False


def install() -> None:
    """Install every moto extension above (once; called from ``moto_hooks.install``)."""
    global _installed
    if _installed:
        return
    from . import cloudtrail, moto_account, moto_cloudwatch, moto_logs, moto_sns, moto_xray

    moto_account.install()
    moto_cloudwatch.install()
    moto_logs.install()
    moto_sns.install()
    moto_xray.install()
    cloudtrail.install()
    _installed = True


def reset() -> None:
    """Forget what the extensions keep beside moto's own state (the lab's reset)."""
    from . import alarms, cloudtrail
    from .mailbox import MAILBOXES

    alarms.reset()
    cloudtrail.reset()
    MAILBOXES.clear()
