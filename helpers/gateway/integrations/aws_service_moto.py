"""What an ``AWS`` integration needs from moto: the execution role and its policies, an
STS session for it, and moto's own request dispatch (the "network" on the moto target).

Like :mod:`helpers.gateway.control_plane`, this is one of the few modules that know moto's
classes; everything else works on plain data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..errors import EmulatorLimitation


@dataclass(slots=True)
class RoleRecord:
    """An IAM role as API Gateway reads it: trust policy, identity policies, boundary."""

    arn: str
    name: str
    account_id: str
    trust_policy: dict[str, Any]
    #: inline policies then the default versions of attached managed policies
    policies: list[dict[str, Any]] = field(default_factory=list)
    boundary: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SessionCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    text = str(text or "")
    if text.lstrip().startswith("%"):
        text = unquote(text)
    return json.loads(text) if text.strip() else {}


def _managed_document(policy: Any) -> dict[str, Any]:
    for version in getattr(policy, "versions", []):
        if version.is_default:
            return _document(version.document)
    return _document(getattr(policy, "document", ""))


def find_role(arn: str) -> RoleRecord | None:
    """The role with ``arn`` as moto holds it, or None when there is no such role."""
    from moto.iam.models import iam_backends

    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    account, partition = parts[4], parts[1]
    if account not in iam_backends:
        return None
    backend = iam_backends[account][partition]
    role = next((r for r in backend.get_roles() if r.arn == arn), None)
    if role is None:
        return None
    record = RoleRecord(
        arn=role.arn,
        name=role.name,
        account_id=account,
        trust_policy=_document(role.assume_role_policy_document),
        policies=[_document(doc) for doc in role.policies.values()],
    )
    record.policies += [_managed_document(p) for p in role.managed_policies.values()]
    if role.permissions_boundary_arn:
        boundary = backend.managed_policies.get(role.permissions_boundary_arn)
        record.boundary = _managed_document(boundary) if boundary is not None else {}
    return record


def assume_role(caller_account: str, region: str, role_arn: str, session_name: str) -> Any:
    """moto's STS ``AssumeRole`` (returns moto's AssumedRole: keys, token, ARN)."""
    from moto.sts.models import sts_backends

    return sts_backends[caller_account]["global"].assume_role(
        region_name=region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy=None,  # type: ignore[arg-type]
        duration=3600,
        external_id=None,  # type: ignore[arg-type]
    )


def session_credentials(assumed: Any) -> SessionCredentials:
    return SessionCredentials(
        assumed.access_key_id, assumed.secret_access_key, assumed.session_token
    )


def dispatch(
    method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send one request into moto in-process (moto's own request dispatch, as its
    ``mock_aws`` does for boto3), never onto the network. Raises EmulatorLimitation when
    no moto backend answers at that URL or moto cannot serve the operation."""
    from botocore.awsrequest import AWSRequest
    from moto.core.models import botocore_stubber

    request = AWSRequest(method=method, url=url, data=body)
    for key, value in headers:
        request.headers[key] = value
    prepared = request.prepare()
    try:
        answer = botocore_stubber.process_request(prepared)
    except NotImplementedError as err:
        raise EmulatorLimitation(f"moto does not implement this call ({url}): {err}") from None
    except Exception as err:  # moto raising instead of answering: not something AWS does
        raise EmulatorLimitation(
            f"moto could not serve {method} {url}: {type(err).__name__}: {err}"
        ) from None
    if answer is None:
        raise EmulatorLimitation(f"no moto backend answers at {url}")
    status, raw_headers, raw_body = answer
    text = raw_body if isinstance(raw_body, bytes) else str(raw_body or "").encode()
    if status == 404 and text == b"Not yet implemented":
        raise EmulatorLimitation(f"moto does not implement the operation called at {url}")
    out = [
        ("x-amzn-RequestId" if k.lower() == "x-amzn-requestid" else k, str(v))
        for k, v in (raw_headers or {}).items()
        if k.lower() != "status"  # moto's bookkeeping, not an HTTP header
    ]
    return int(status), out, text
