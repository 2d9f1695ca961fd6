"""Who owns an access key, as moto's IAM and STS hold it: the secret to check a SigV4
signature with, and the identity policies that decide what the key's principal may do.

Like :mod:`..integrations.aws_service_moto`, this is one of the few modules that know moto's
classes (moto 5.2.5): IAM users' long-term keys (``iam_backends[account][partition]``,
``users`` → ``access_keys``) and STS ``AssumeRole`` sessions
(``sts_backends[account][partition].assumed_roles``). Every account and partition moto has
created is searched, not only the lab's default account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..integrations.aws_service_moto import _document, _managed_document, find_role


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """An access key and the principal it belongs to, with that principal's policies."""

    access_key_id: str
    secret_access_key: str
    #: "user" (an IAM user's long-term key) or "assumed-role" (an STS session)
    kind: str
    arn: str
    account_id: str
    #: the IAM unique id: the user's id, or "{role id}:{session name}" for a session
    user_id: str
    #: IAM keys can be made Inactive (``update_access_key``); sessions are always active
    active: bool = True
    #: STS sessions only: the token the request must carry, and when the session ends
    session_token: str | None = None
    expiration: float | None = None
    role_arn: str | None = None
    #: identity-policy documents (inline first, then the default versions of managed ones)
    policies: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    boundary: dict[str, Any] | None = None
    #: the session policy passed to AssumeRole, if any
    session_policy: dict[str, Any] | None = None


def _epoch(value: dt.datetime) -> float:
    """moto keeps naive UTC datetimes (read from the lab clock when time is frozen)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _backends(backend_dict: Any) -> list[Any]:
    """Every region/partition backend of every account moto has created so far."""
    return [
        backend for account in list(dict.values(backend_dict)) for backend in list(account.values())
    ]


def _boundary(backend: Any, arn: str | None) -> dict[str, Any] | None:
    """A permissions boundary's document; an ARN moto does not know bounds to nothing."""
    if not arn:
        return None
    policy = backend.managed_policies.get(arn)
    return _managed_document(policy) if policy is not None else {}


def _user_owner(backend: Any, user: Any, key: Any) -> KeyOwner:
    docs = [_document(text) for text in user.policies.values()]
    docs += [_managed_document(p) for p in user.managed_policies.values()]
    for group in list(backend.groups.values()):
        if user in group.users:
            docs += [_document(text) for text in group.policies.values()]
            docs += [_managed_document(p) for p in group.managed_policies.values()]
    return KeyOwner(
        access_key_id=key.access_key_id,
        secret_access_key=key.secret_access_key,
        kind="user",
        arn=user.arn,
        account_id=user.account_id,
        user_id=user.id,
        active=key.status == "Active",
        policies=tuple(docs),
        # moto 5.2.5 has no user permissions boundaries (PutUserPermissionsBoundary is
        # not implemented); read one if a later moto keeps it where roles do
        boundary=_boundary(backend, getattr(user, "permissions_boundary_arn", None)),
    )


def _session_owner(session: Any) -> KeyOwner:
    role = find_role(session.role_arn)
    return KeyOwner(
        access_key_id=session.access_key_id,
        secret_access_key=session.secret_access_key,
        kind="assumed-role",
        arn=session.arn,
        account_id=session.account_id,
        user_id=session.user_id,
        session_token=session.session_token,
        expiration=_epoch(session.expiration),
        role_arn=session.role_arn,
        # a role deleted after AssumeRole leaves its sessions with no permissions
        policies=tuple(role.policies) if role is not None else (),
        boundary=role.boundary if role is not None else None,
        session_policy=_document(session.policy) if session.policy else None,
    )


def find_key(access_key_id: str) -> KeyOwner | None:
    """The owner of ``access_key_id`` in any account moto holds, or None when no IAM user
    and no STS session has that key."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for backend in _backends(sts_backends):
        for session in list(backend.assumed_roles):
            if session.access_key_id == access_key_id:
                return _session_owner(session)
    for backend in _backends(iam_backends):
        for user in list(backend.users.values()):
            for key in list(user.access_keys):
                if key.access_key_id == access_key_id:
                    return _user_owner(backend, user, key)
    return None
