"""``AWS_IAM`` authorization: check a request's SigV4 signature, then the caller's identity
policies (reference §3.6).

What API Gateway does with a method or route whose ``authorizationType`` is ``AWS_IAM``:

1. It needs SigV4 (service ``execute-api``), in the ``Authorization`` header or in the query
   string (a presigned URL); without either the answer is 403 ``Missing Authentication
   Token``. A header it cannot parse is a 403 ``IncompleteSignatureException``.
2. The credential scope must name ``execute-api`` and the API's region, and the request
   time (``X-Amz-Date``, else ``Date``) must be close to API Gateway's clock.
3. The access key must exist and be active (else ``The security token included in the
   request is invalid.``); temporary credentials need their session token and an unexpired
   session (``ExpiredTokenException``).
4. API Gateway recomputes the signature with the key's secret; a mismatch is
   ``InvalidSignatureException``.
5. The caller's identity policies (and resource policy, combined by the pipeline) must allow
   ``execute-api:Invoke`` on the method ARN.

The signature is recomputed by botocore's own SigV4 code (:class:`botocore.auth.SigV4Auth`
on a rebuilt :class:`botocore.awsrequest.AWSRequest`), never by a hand-written copy.

The lab's own credentials (access key ``testing``, secret ``testing``, session token
``testing``, see :mod:`helpers.lab`) are treated as the account's **root user**: allowed
everything. On AWS a notebook usually runs with an administrator's credentials, so a
notebook signing with its own credentials gets through, as it would there.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from .. import policy
from ..errors import (
    EmulatorLimitation,
    ExpiredToken,
    InvalidSecurityToken,
    InvalidSignature,
    MissingAuthenticationToken,
)
from ..http import HttpRequest
from . import principals

SERVICE = "execute-api"
ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

#: the lab's own credentials on the moto target (helpers/lab.py), treated as the root user
LAB_ACCESS_KEY = "testing"
LAB_SECRET_KEY = "testing"
LAB_SESSION_TOKEN = "testing"

#: [unc] how far the request time may lag behind API Gateway's clock, and run ahead of it.
#: The IAM User Guide says a request "must reach AWS within five minutes of the time stamp";
#: API Gateway answers captured in the wild read "(... - 5 min.)". Some services allow 15.
MAX_AGE_SECONDS = 5 * 60
MAX_AHEAD_SECONDS = 5 * 60

#: the parameters of a presigned (query-string) request
QUERY_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders")


class IncompleteSignature(InvalidSignature):
    """An ``Authorization`` header (or presigned query) API Gateway cannot parse: 403 with
    ``x-amzn-ErrorType: IncompleteSignatureException`` [obs]. [unc] the gateway response
    type: rendered as INVALID_SIGNATURE (there is no INCOMPLETE_SIGNATURE type)."""

    error_type = "IncompleteSignatureException"


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal a valid SigV4 signature names, with the policies that decide what it
    may invoke."""

    #: arn:aws:iam::123456789012:user/alice | arn:aws:sts::123456789012:assumed-role/Role/session
    #: | arn:aws:iam::123456789012:root
    arn: str
    account_id: str
    access_key: str
    #: the IAM unique id: the user's id, "{role id}:{session}" for a role session, the
    #: account id for root
    user_id: str
    kind: str  # "user" | "assumed-role" | "root"
    #: identity-policy documents: a user's inline and attached policies and its groups';
    #: a role's inline and attached policies
    policies: tuple[dict[str, Any], ...] = ()
    boundary: dict[str, Any] | None = None
    #: the session policy passed to AssumeRole: like a boundary, it only narrows
    session_policy: dict[str, Any] | None = None
    #: the role of an assumed-role session
    role_arn: str | None = None

    def identity_fields(self) -> dict[str, str | None]:
        """What API Gateway puts in ``requestContext.identity`` / ``$context.identity`` for
        a SigV4 caller (REST, HTTP payload 1.0)."""
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "caller": self.user_id,
            "user": self.user_id,
            "userArn": self.arn,
        }

    def iam_authorizer_fields(self) -> dict[str, Any]:
        """``requestContext.authorizer.iam`` of an HTTP API payload 2.0 event (reference
        §4.3). [unc] ``userId`` for a role session: the AWS sample shows a role id there and
        "{role id}:{session}" in ``callerId``; both carry the caller id here."""
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "callerId": self.user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": self.arn,
            "userId": self.user_id,
        }

    def principal(self) -> dict[str, list[str]]:
        """For resource-policy ``Principal`` matching: the caller's ARN, and for a role
        session the role's ARN too (a policy naming the role lets its sessions in)."""
        arns = [self.arn] + ([self.role_arn] if self.role_arn else [])
        return {"AWS": arns}

    def condition_keys(self) -> dict[str, str]:
        """The global condition keys IAM sets for this principal."""
        principal_arn = self.role_arn or self.arn
        kinds = {"user": "User", "assumed-role": "AssumedRole", "root": "Account"}
        return {
            "aws:PrincipalArn": principal_arn,
            "aws:PrincipalAccount": self.account_id,
            "aws:PrincipalType": kinds.get(self.kind, self.kind),
            "aws:userid": self.user_id,
        }


@dataclass(frozen=True, slots=True)
class _Signed:
    """The SigV4 elements a request carries."""

    access_key: str
    scope_date: str
    scope_region: str
    scope_service: str
    scope_terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    #: the request time as SigV4 signs it (ISO 8601 basic: 20250101T090000Z)
    amz_date: str
    security_token: str | None
    #: presigned URLs only: X-Amz-Expires (seconds)
    expires: int | None = None


# ------------------------------------------------------------------------------- parsing


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """The query's parameters, percent-decoded once (the server canonicalises them again)."""
    pairs = []
    for piece in query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def _hashed(value: str) -> str:
    return base64.b64encode(hashlib.sha256(value.encode("utf-8")).digest()).decode()


def _request_date(request: HttpRequest, amz_date: str | None) -> str | None:
    """The signing time from ``X-Amz-Date`` (or a ``Date`` header), in SigV4's format."""
    if amz_date is not None:
        try:
            time.strptime(amz_date, AMZ_DATE_FORMAT)
        except ValueError:
            # [unc] the text AWS services give for a malformed X-Amz-Date
            raise IncompleteSignature(
                f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
                "See http://en.wikipedia.org/wiki/ISO_8601"
            ) from None
        return amz_date
    date = request.header("date")
    if date is None:
        return None
    try:
        return parsedate_to_datetime(date).strftime(AMZ_DATE_FORMAT)
    except (TypeError, ValueError):
        return None


def _credential(value: str) -> tuple[str, str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5:
        # [unc] AWS's text for a scope that does not end in /aws4_request
        raise IncompleteSignature(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{parts[-1]}'. "
        )
    return parts[0], parts[1], parts[2], parts[3], parts[4]


def _from_header(request: HttpRequest, value: str) -> _Signed:
    """Parse ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``.

    The texts are API Gateway's [obs]: a component without "=" (a ``Bearer`` token sent to
    an IAM method) gives "Invalid key=value pair (missing equal-sign) in Authorization
    header (hashed with SHA-256 and encoded with Base64): '...'" ([unc] what is hashed: here
    the whole header value); missing components give "Authorization header requires
    'Credential' parameter. ..." followed by ``Authorization=<the header>``."""
    text = value.strip()
    head, _, tail = text.partition(" ")
    rest = tail if head == ALGORITHM else text
    fields: dict[str, str] = {}
    for component in re.split(r"[,\s]+", rest):
        if not component:
            continue
        key, equal, val = component.partition("=")
        if not equal:
            raise IncompleteSignature(
                "Invalid key=value pair (missing equal-sign) in Authorization header "
                f"(hashed with SHA-256 and encoded with Base64): '{_hashed(value)}'."
            )
        fields[key] = val
    amz_date = _request_date(request, request.header("x-amz-date"))
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if amz_date is None:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if missing:
        raise IncompleteSignature("".join(missing) + f"Authorization={value}")
    if head != ALGORITHM:
        # [unc] text; e.g. SigV4a ("AWS4-ECDSA-P256-SHA256"), which API Gateway also takes
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{head}'")
    assert amz_date is not None
    return _signed(
        fields["Credential"],
        fields["SignedHeaders"],
        fields["Signature"],
        amz_date,
        request.header("x-amz-security-token"),
    )


def _signed(
    credential: str,
    signed_headers: str,
    signature: str,
    amz_date: str,
    token: str | None,
    expires: int | None = None,
) -> _Signed:
    """What a request's signature claims, from the header or the query-string form."""
    key, date, region, service, terminator = _credential(credential)
    extra = {"expires": expires} if expires is not None else {}
    return _Signed(
        access_key=key,
        scope_date=date,
        scope_region=region,
        scope_service=service,
        scope_terminator=terminator,
        signed_headers=tuple(h.strip().lower() for h in signed_headers.split(";")),
        signature=signature,
        amz_date=amz_date,
        security_token=token,
        **extra,
    )


def _from_query(request: HttpRequest, params: Mapping[str, str]) -> _Signed:
    """Parse a presigned URL's ``X-Amz-*`` parameters (botocore's ``SigV4QueryAuth``)."""
    missing = [
        f"AWS query-string parameters must include '{name}'. "
        for name in (*QUERY_PARAMS, "X-Amz-Signature")
        if not params.get(name)
    ]
    if missing:  # [unc] text, as AWS services word it
        raise IncompleteSignature("".join(missing) + "Re-examine the query-string parameters.")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{params['X-Amz-Algorithm']}'")
    try:
        expires = int(params.get("X-Amz-Expires") or MAX_AGE_SECONDS)
    except ValueError:
        raise IncompleteSignature("X-Amz-Expires should be a number") from None  # [unc]
    amz_date = _request_date(request, params["X-Amz-Date"])
    assert amz_date is not None
    return _signed(
        params["X-Amz-Credential"],
        params["X-Amz-SignedHeaders"],
        params["X-Amz-Signature"],
        amz_date,
        params.get("X-Amz-Security-Token"),
        expires,
    )


def _parse(request: HttpRequest) -> _Signed:
    authorization = request.header("authorization")
    if authorization is not None:
        return _from_header(request, authorization)
    params = dict(_query_pairs(request.query))
    if any(name in params for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")):
        return _from_query(request, params)
    raise MissingAuthenticationToken(reason="AWS_IAM: the request is not signed")


# ------------------------------------------------------------------------------- checks


def _check_scope(signed: _Signed, region: str) -> None:
    """The credential scope must be ``{date}/{the API's region}/execute-api/aws4_request``.
    Texts [obs] for the region; [unc] for the others (as other AWS services word them)."""
    if signed.scope_terminator != TERMINATOR:
        raise InvalidSignature(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{signed.scope_terminator}'. "
        )
    if signed.scope_date != signed.amz_date[:8]:
        raise InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{signed.scope_date}' != '{signed.amz_date[:8]}', "
            f"from '{signed.amz_date}'."
        )
    if signed.scope_region != region:
        raise InvalidSignature("Credential should be scoped to a valid region. ")
    if signed.scope_service != SERVICE:
        raise InvalidSignature(f"Credential should be scoped to correct service: '{SERVICE}'. ")


def _stamp(epoch: float) -> str:
    return time.strftime(AMZ_DATE_FORMAT, time.gmtime(epoch))


def _check_time(signed: _Signed, now: float) -> None:
    """Reject a request signed too long ago, or too far in the future. A presigned URL is
    good for its ``X-Amz-Expires`` seconds instead of the usual window ([unc] the text)."""
    signed_at = calendar.timegm(time.strptime(signed.amz_date, AMZ_DATE_FORMAT))
    if signed.expires is not None:
        if now > signed_at + signed.expires:
            raise InvalidSignature(
                f"Signature expired: {signed.amz_date} is now earlier than "
                f"{_stamp(now - signed.expires)} ({_stamp(now)} - {signed.expires} sec.)"
            )
    elif signed_at < now - MAX_AGE_SECONDS:
        raise InvalidSignature(
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{_stamp(now - MAX_AGE_SECONDS)} ({_stamp(now)} - {MAX_AGE_SECONDS // 60} min.)"
        )
    if signed_at > now + MAX_AHEAD_SECONDS:
        raise InvalidSignature(
            f"Signature not yet current: {signed.amz_date} is still later than "
            f"{_stamp(now + MAX_AHEAD_SECONDS)} ({_stamp(now)} + {MAX_AHEAD_SECONDS // 60} min.)"
        )


def _owner(signed: _Signed, now: float, account_id: str) -> tuple[str, Caller]:
    """The secret to verify with and the caller the key names (raises for unknown,
    inactive or expired keys and for a missing or wrong session token)."""
    if signed.access_key == LAB_ACCESS_KEY:
        # [unc] the lab's env carries a session token; a request may send it or not
        if signed.security_token not in (None, LAB_SESSION_TOKEN):
            raise InvalidSecurityToken(reason="the lab credentials with a wrong session token")
        root = Caller(
            arn=f"arn:aws:iam::{account_id}:root",
            account_id=account_id,
            access_key=LAB_ACCESS_KEY,
            user_id=account_id,
            kind="root",
        )
        return LAB_SECRET_KEY, root
    owner = principals.find_key(signed.access_key)
    if owner is None:
        raise InvalidSecurityToken(reason=f"no IAM user or STS session has {signed.access_key}")
    if not owner.active:
        raise InvalidSecurityToken(reason=f"access key {signed.access_key} is inactive")
    if owner.kind == "assumed-role":
        if signed.security_token != owner.session_token:
            why = "missing" if signed.security_token is None else "wrong"
            raise InvalidSecurityToken(reason=f"temporary credentials with a {why} session token")
        if owner.expiration is not None and owner.expiration < now:
            raise ExpiredToken(reason=f"the session of {owner.arn} has expired")
    elif signed.security_token is not None:
        # [unc] a session token sent with a long-term key
        raise InvalidSecurityToken(reason="a session token with a long-term access key")
    caller = Caller(
        arn=owner.arn,
        account_id=owner.account_id,
        access_key=owner.access_key_id,
        user_id=owner.user_id,
        kind=owner.kind,
        policies=owner.policies,
        boundary=owner.boundary,
        session_policy=owner.session_policy,
        role_arn=owner.role_arn,
    )
    return owner.secret_access_key, caller


class _Verifier(SigV4Auth):
    """botocore's SigV4 over exactly the headers the client signed (botocore's own signer
    picks every header but a few; a verifier must take the client's list)."""

    def __init__(self, credentials: Credentials, region: str, headers: HTTPHeaders) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = headers

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        return self._signed


def _expected_signature(request: HttpRequest, signed: _Signed, secret: str) -> str:
    host = request.sent_host or request.header("host") or request.host
    headers = HTTPHeaders()
    for name in signed.signed_headers:
        if name == "host":
            headers["host"] = host
            continue
        for key, value in request.headers:
            if key.lower() == name:
                headers[name] = value
    pairs = [(k, v) for k, v in _query_pairs(request.query) if k != "X-Amz-Signature"]
    aws = AWSRequest(
        method=request.method,
        url=f"{request.scheme}://{host}{request.sent_path or request.path}",
        data=request.body,
        params=pairs,
    )
    content_sha = request.header("x-amz-content-sha256")
    if content_sha is not None:
        # botocore takes this header as the payload hash; it must be the body's (or the
        # UNSIGNED-PAYLOAD marker, [unc] whether API Gateway accepts that)
        if content_sha not in (UNSIGNED_PAYLOAD, hashlib.sha256(request.body).hexdigest()):
            raise InvalidSignature(reason="X-Amz-Content-Sha256 is not the body's SHA-256")
        aws.headers["X-Amz-Content-SHA256"] = content_sha
    aws.context["timestamp"] = signed.amz_date
    verifier = _Verifier(Credentials(signed.access_key, secret), signed.scope_region, headers)
    canonical = verifier.canonical_request(aws)
    return verifier.signature(verifier.string_to_sign(aws, canonical), aws)


# ------------------------------------------------------------------------------- public


def authenticate(request: HttpRequest, *, region: str, now: float, account_id: str) -> Caller:
    """Verify the request's SigV4 signature as API Gateway does for ``AWS_IAM`` and return
    the caller it names.

    ``region`` is the API's region, ``now`` the lab clock (epoch seconds), ``account_id``
    the API's account (the lab credentials' root user belongs to it). Raises
    MissingAuthenticationToken (unsigned), IncompleteSignature / InvalidSignature
    (malformed, wrong scope, expired, mismatch), InvalidSecurityToken (unknown or inactive
    key, missing or wrong session token) or ExpiredToken (expired session)."""
    signed = _parse(request)
    _check_scope(signed, region)
    _check_time(signed, now)
    secret, caller = _owner(signed, now, account_id)
    expected = _expected_signature(request, signed, secret)
    if not hmac.compare_digest(expected.encode(), signed.signature.encode("utf-8", "replace")):
        raise InvalidSignature(reason=f"signature mismatch for {caller.arn}")
    return caller


def may_invoke(
    caller: Caller,
    resource_arn: str,
    *,
    action: str = "execute-api:Invoke",
    context: Mapping[str, Any] | None = None,
) -> policy.Decision:
    """What the caller's identity policies say about ``action`` on ``resource_arn``.

    An explicit Deny in any of them (or in the permissions boundary or session policy)
    wins; otherwise an Allow is needed, and the boundary and the session policy, when
    there are any, must allow too (they only ever narrow). The root user is always
    allowed. ``context`` adds condition keys to the principal's own (aws:PrincipalArn,
    aws:PrincipalAccount, aws:PrincipalType, aws:userid). The resource policy is the
    pipeline's to combine."""
    if caller.kind == "root":
        return policy.Decision(policy.ALLOW)
    keys: dict[str, Any] = {**caller.condition_keys(), **(context or {})}

    def judge(documents: tuple[dict[str, Any], ...]) -> policy.Decision:
        statements = [st for doc in documents for st in policy.statements_of(doc)]
        try:
            return policy.evaluate(
                statements,
                action=action,
                resource=resource_arn,
                context=keys,
                check_principal=False,
            )
        except ValueError as err:
            raise EmulatorLimitation(f"identity policy of {caller.arn}: {err}") from None

    decision = judge(caller.policies)
    limits = [judge((doc,)) for doc in (caller.boundary, caller.session_policy) if doc is not None]
    for limit in (decision, *limits):
        if limit.effect == policy.EXPLICIT_DENY:
            return limit
    if decision.allowed and all(limit.allowed for limit in limits):
        return decision
    return policy.Decision(policy.IMPLICIT_DENY)
