"""SigV4 verification and identity-policy checks for ``AWS_IAM`` methods (reference §3.6).

Requests are signed by botocore exactly as a notebook would sign them, at a frozen instant
(time-machine), and checked against the keys moto's IAM and STS hold.
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import time_machine
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from helpers.gateway import policy
from helpers.gateway.auth import sigv4
from helpers.gateway.errors import (
    ExpiredToken,
    InvalidSecurityToken,
    InvalidSignature,
    MissingAuthenticationToken,
)
from helpers.gateway.http import HttpRequest

REGION = "us-east-1"
ACCOUNT = "123456789012"
T0 = calendar.timegm((2025, 1, 1, 9, 0, 0))  # 20250101T090000Z
API = "abc123"
HOST = f"{API}.execute-api.{REGION}.amazonaws.com"
URL = f"https://{HOST}/prod/pets/7"
ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/pets/7"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
}


def invoke_policy(resource: str, effect: str = "Allow") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}],
        }
    )


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture
def clock(moto_env: None) -> Iterator[time_machine.Coordinates]:
    """moto's clean backends, with time frozen at T0 (botocore signs with the frozen time)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def iam(clock: Any) -> Any:
    return boto3.client("iam", region_name=REGION)


def make_user(iam: Any, name: str = "alice") -> tuple[Credentials, dict[str, Any]]:
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"]), user


@pytest.fixture
def alice(iam: Any) -> tuple[Credentials, dict[str, Any]]:
    return make_user(iam)


def make_role(iam: Any, name: str = "reader", **kwargs: Any) -> str:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **kwargs)[
        "Role"
    ]["Arn"]


def assume(role_arn: str, session: str = "sess", **kwargs: Any) -> Credentials:
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=role_arn, RoleSessionName=session, **kwargs
    )["Credentials"]
    return Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


# ---------------------------------------------------------------------------------- signing


def to_http(aws: AWSRequest) -> HttpRequest:
    """What the in-process transport hands the data plane (no Host header of its own)."""
    parts = urlsplit(aws.url)
    return HttpRequest(
        method=aws.method,
        host=parts.netloc,
        path=parts.path or "/",
        query=parts.query,
        headers=list(aws.headers.items()),
        body=aws.body or b"",
    )


def sign(
    creds: Credentials,
    *,
    method: str = "GET",
    url: str = URL,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    service: str = "execute-api",
    region: str = REGION,
    unsigned_payload: bool = False,
) -> HttpRequest:
    aws = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    if unsigned_payload:
        aws.context["payload_signing_enabled"] = False
    SigV4Auth(creds, service, region).add_auth(aws)
    return to_http(aws)


def presign(creds: Credentials, *, url: str = URL, expires: int = 60) -> HttpRequest:
    aws = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(creds, "execute-api", REGION, expires=expires).add_auth(aws)
    return to_http(aws)


def check(request: HttpRequest, now: float = T0) -> sigv4.Caller:
    return sigv4.authenticate(request, region=REGION, now=now, account_id=ACCOUNT)


def stamp(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


# ---------------------------------------------------------------------------------- authenticate


def test_a_user_signature_names_the_user(alice: Any) -> None:
    creds, user = alice
    caller = check(sign(creds, method="POST", body=b'{"name": "rex"}'))
    assert caller.arn == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert caller.account_id == ACCOUNT
    assert caller.access_key == creds.access_key
    assert caller.user_id == user["UserId"]
    assert caller.kind == "user"
    assert caller.principal() == {"AWS": [caller.arn]}


def test_identity_fields_are_what_api_gateway_puts_in_context_identity(alice: Any) -> None:
    creds, user = alice
    caller = check(sign(creds))
    assert caller.identity_fields() == {
        "accessKey": creds.access_key,
        "accountId": ACCOUNT,
        "caller": user["UserId"],
        "user": user["UserId"],
        "userArn": f"arn:aws:iam::{ACCOUNT}:user/alice",
    }
    assert caller.iam_authorizer_fields()["callerId"] == user["UserId"]


def test_query_string_and_extra_signed_headers_verify(alice: Any) -> None:
    creds, _ = alice
    request = sign(
        creds,
        url=URL + "?size=large&color=red%20brown&empty=",
        headers={"X-Custom": "a  b", "Content-Type": "application/json"},
    )
    assert check(request).kind == "user"


def test_unsigned_payload_is_accepted(alice: Any) -> None:
    creds, _ = alice
    request = sign(creds, method="PUT", body=b"payload", unsigned_payload=True)
    assert request.header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD"
    assert check(request).kind == "user"


def test_a_date_header_may_stand_in_for_x_amz_date(alice: Any) -> None:
    creds, _ = alice
    request = sign(creds, headers={"Date": "Wed, 01 Jan 2025 09:00:00 GMT"})
    assert request.header("x-amz-date") is None
    assert check(request).kind == "user"


def test_unsigned_request_is_missing_authentication_token(clock: Any) -> None:
    with pytest.raises(MissingAuthenticationToken) as err:
        check(HttpRequest("GET", HOST, "/prod/pets/7"))
    assert err.value.status == 403
    assert err.value.message == "Missing Authentication Token"


def test_a_bearer_token_is_an_incomplete_signature(clock: Any) -> None:
    request = HttpRequest("GET", HOST, "/prod/", headers=[("Authorization", "Bearer abc.def")])
    with pytest.raises(sigv4.IncompleteSignature) as err:
        check(request)
    assert err.value.error_type == "IncompleteSignatureException"
    assert err.value.message.startswith(
        "Invalid key=value pair (missing equal-sign) in Authorization header "
        "(hashed with SHA-256 and encoded with Base64): '"
    )


def test_missing_authorization_components_are_listed(clock: Any) -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/execute-api/aws4_request"
    request = HttpRequest("GET", HOST, "/prod/", headers=[("Authorization", header)])
    with pytest.raises(sigv4.IncompleteSignature) as err:
        check(request)
    assert err.value.message == (
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={header}"
    )


def test_unknown_access_key_is_an_invalid_security_token(clock: Any) -> None:
    with pytest.raises(InvalidSecurityToken) as err:
        check(sign(Credentials("AKIA" + "NOSUCHKEY" + "0" * 7, "secret")))
    assert err.value.message == "The security token included in the request is invalid."
    assert err.value.error_type == "AccessDeniedException"


def test_inactive_access_key_is_an_invalid_security_token(iam: Any, alice: Any) -> None:
    creds, _ = alice
    iam.update_access_key(UserName="alice", AccessKeyId=creds.access_key, Status="Inactive")
    with pytest.raises(InvalidSecurityToken):
        check(sign(creds))


def test_a_wrong_secret_is_a_signature_mismatch(alice: Any) -> None:
    creds, _ = alice
    with pytest.raises(InvalidSignature) as err:
        check(sign(Credentials(creds.access_key, "not-the-secret")))
    assert err.value.message == InvalidSignature.default_message


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda r: setattr(r, "body", b'{"name": "tom"}'), id="body"),
        pytest.param(lambda r: setattr(r, "path", "/prod/pets/8"), id="path"),
        pytest.param(lambda r: setattr(r, "query", "size=small"), id="query"),
        pytest.param(lambda r: setattr(r, "method", "PUT"), id="method"),
        pytest.param(
            lambda r: setattr(r, "host", "zzz999.execute-api.us-east-1.amazonaws.com"), id="host"
        ),
        pytest.param(
            lambda r: r.headers.__setitem__(
                next(i for i, (k, _) in enumerate(r.headers) if k.lower() == "x-custom"),
                ("X-Custom", "changed"),
            ),
            id="signed-header",
        ),
    ],
)
def test_a_tampered_request_fails_the_signature(alice: Any, tamper: Any) -> None:
    creds, _ = alice
    request = sign(
        creds,
        method="POST",
        url=URL + "?size=large",
        body=b'{"name": "rex"}',
        headers={"X-Custom": "original"},
    )
    assert check(request).kind == "user"
    tamper(request)
    with pytest.raises(InvalidSignature) as err:
        check(request)
    assert err.value.message == InvalidSignature.default_message


def test_an_unsigned_header_may_change(alice: Any) -> None:
    creds, _ = alice
    request = sign(creds)
    request.headers.append(("X-Added-Later", "fine"))
    assert check(request).kind == "user"


def test_a_content_sha256_header_must_be_the_bodys(alice: Any) -> None:
    creds, _ = alice
    request = sign(creds, method="POST", body=b"one", headers={"X-Amz-Content-SHA256": "0" * 64})
    with pytest.raises(InvalidSignature):
        check(request)


def test_credential_scoped_to_another_service(alice: Any) -> None:
    creds, _ = alice
    with pytest.raises(InvalidSignature) as err:
        check(sign(creds, service="lambda"))
    assert err.value.message == "Credential should be scoped to correct service: 'execute-api'. "


def test_credential_scoped_to_another_region(alice: Any) -> None:
    creds, _ = alice
    with pytest.raises(InvalidSignature) as err:
        check(sign(creds, region="eu-west-1"))
    assert err.value.message == "Credential should be scoped to a valid region. "


def test_an_old_signature_has_expired(alice: Any) -> None:
    creds, _ = alice
    request = sign(creds)
    assert check(request, now=T0 + sigv4.MAX_AGE_SECONDS).kind == "user"
    now = T0 + 16 * 60
    with pytest.raises(InvalidSignature) as err:
        check(request, now=now)
    minutes = sigv4.MAX_AGE_SECONDS // 60
    assert err.value.message == (
        f"Signature expired: 20250101T090000Z is now earlier than "
        f"{stamp(now - sigv4.MAX_AGE_SECONDS)} (20250101T091600Z - {minutes} min.)"
    )


def test_a_signature_from_the_future_is_not_yet_current(alice: Any) -> None:
    creds, _ = alice
    request = sign(creds)
    assert check(request, now=T0 - sigv4.MAX_AHEAD_SECONDS).kind == "user"
    now = T0 - sigv4.MAX_AHEAD_SECONDS - 60
    with pytest.raises(InvalidSignature) as err:
        check(request, now=now)
    minutes = sigv4.MAX_AHEAD_SECONDS // 60
    assert err.value.message == (
        f"Signature not yet current: 20250101T090000Z is still later than "
        f"{stamp(now + sigv4.MAX_AHEAD_SECONDS)} ({stamp(now)} + {minutes} min.)"
    )


def test_a_role_session_names_the_assumed_role(iam: Any) -> None:
    role_arn = make_role(iam, Path="/team/")
    creds = assume(role_arn, "bob")
    caller = check(sign(creds))
    role_id = iam.get_role(RoleName="reader")["Role"]["RoleId"]
    assert caller.kind == "assumed-role"
    assert caller.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/bob"
    assert caller.user_id == f"{role_id}:bob"
    assert caller.identity_fields()["caller"] == f"{role_id}:bob"
    assert caller.principal() == {"AWS": [caller.arn, role_arn]}


def test_a_session_needs_its_token(iam: Any) -> None:
    creds = assume(make_role(iam))
    with pytest.raises(InvalidSecurityToken):
        check(sign(Credentials(creds.access_key, creds.secret_key)))
    with pytest.raises(InvalidSecurityToken):
        check(sign(Credentials(creds.access_key, creds.secret_key, "not-the-token")))


def test_an_expired_session_is_an_expired_token(iam: Any, clock: Any) -> None:
    creds = assume(make_role(iam), DurationSeconds=900)
    clock.move_to(T0 + 901)
    request = sign(creds)  # a fresh signature, from a session that ended a second ago
    with pytest.raises(ExpiredToken) as err:
        check(request, now=T0 + 901)
    assert err.value.status == 403
    assert err.value.error_type == "ExpiredTokenException"


def test_presigned_url(alice: Any) -> None:
    creds, _ = alice
    request = presign(creds, url=URL + "?size=large", expires=120)
    assert request.header("authorization") is None
    assert "X-Amz-Signature=" in request.query
    assert check(request, now=T0 + 100).arn.endswith(":user/alice")
    with pytest.raises(InvalidSignature) as err:
        check(request, now=T0 + 121)
    assert err.value.message.startswith("Signature expired: 20250101T090000Z")
    request.query = request.query.replace("size=large", "size=small")
    with pytest.raises(InvalidSignature):
        check(request, now=T0)


def test_presigned_url_of_a_session(iam: Any) -> None:
    creds = assume(make_role(iam))
    assert check(presign(creds)).kind == "assumed-role"


def test_the_lab_credentials_are_the_root_user(clock: Any) -> None:
    caller = check(sign(Credentials("testing", "testing", "testing")))
    assert caller.kind == "root"
    assert caller.arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert caller.user_id == ACCOUNT
    assert sigv4.may_invoke(caller, ARN).allowed
    with pytest.raises(InvalidSignature):
        check(sign(Credentials("testing", "wrong", "testing")))


def test_keys_of_other_accounts_are_found(clock: Any) -> None:
    # moto keeps a session of a role in another account in that account's STS backend
    other = "111111111111"
    caller = check(sign(assume(f"arn:aws:iam::{other}:role/remote")))
    assert caller.account_id == other
    assert caller.arn == f"arn:aws:sts::{other}:assumed-role/remote/sess"
    assert caller.policies == ()  # no such role in moto: the session may do nothing


def test_local_server_path_style_request_verifies_as_sent(alice: Any) -> None:
    from helpers.gateway.server import _to_request

    creds, _ = alice
    local = f"http://127.0.0.1:8080/{API}/prod/pets/7"
    aws = AWSRequest(method="GET", url=local + "?a=1")
    SigV4Auth(creds, "execute-api", REGION).add_auth(aws)
    scope = {
        "method": "GET",
        "path": f"/{API}/prod/pets/7",
        "raw_path": f"/{API}/prod/pets/7".encode(),
        "query_string": b"a=1",
        "headers": [(b"host", b"127.0.0.1:8080")]
        + [(k.lower().encode(), v.encode()) for k, v in aws.headers.items()],
        "client": ("127.0.0.1", 5555),
    }
    request = _to_request(scope, b"", REGION)
    assert request is not None
    assert request.host == HOST and request.path == "/prod/pets/7"
    assert request.sent_host == "127.0.0.1:8080"
    assert request.sent_path == f"/{API}/prod/pets/7"
    assert check(request).kind == "user"


# ---------------------------------------------------------------------------------- may_invoke


def test_allow_on_the_exact_arn(iam: Any, alice: Any) -> None:
    creds, _ = alice
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=invoke_policy(ARN))
    caller = check(sign(creds))
    assert sigv4.may_invoke(caller, ARN).effect == policy.ALLOW
    assert sigv4.may_invoke(caller, ARN.replace("GET", "POST")).effect == policy.IMPLICIT_DENY


def test_allow_on_a_wildcard_arn(iam: Any, alice: Any) -> None:
    creds, _ = alice
    wildcard = f"arn:aws:execute-api:{REGION}:*:{API}/*/GET/*"
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=invoke_policy(wildcard))
    caller = check(sign(creds))
    assert sigv4.may_invoke(caller, ARN).allowed
    assert not sigv4.may_invoke(caller, ARN.replace(API, "other1")).allowed


def test_an_explicit_deny_wins(iam: Any, alice: Any) -> None:
    creds, _ = alice
    iam.put_user_policy(UserName="alice", PolicyName="a", PolicyDocument=invoke_policy("*"))
    iam.put_user_policy(
        UserName="alice", PolicyName="d", PolicyDocument=invoke_policy(ARN, effect="Deny")
    )
    caller = check(sign(creds))
    decision = sigv4.may_invoke(caller, ARN)
    assert decision.effect == policy.EXPLICIT_DENY
    assert decision.statement is not None and decision.statement["Effect"] == "Deny"


def test_no_policy_is_an_implicit_deny(alice: Any) -> None:
    creds, _ = alice
    caller = check(sign(creds))
    assert caller.policies == ()
    assert sigv4.may_invoke(caller, ARN).effect == policy.IMPLICIT_DENY


def test_a_group_policy_counts(iam: Any, alice: Any) -> None:
    creds, _ = alice
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_group_policy(GroupName="devs", PolicyName="g", PolicyDocument=invoke_policy(ARN))
    assert sigv4.may_invoke(check(sign(creds)), ARN).allowed


def test_a_managed_policy_counts_at_its_default_version(iam: Any, alice: Any) -> None:
    creds, _ = alice
    arn = iam.create_policy(PolicyName="invoke", PolicyDocument=invoke_policy("*"))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    assert sigv4.may_invoke(check(sign(creds)), ARN).allowed
    iam.create_policy_version(
        PolicyArn=arn,
        PolicyDocument=invoke_policy("arn:aws:execute-api:*:*:nothing/*"),
        SetAsDefault=True,
    )
    assert not sigv4.may_invoke(check(sign(creds)), ARN).allowed


def test_a_group_managed_policy_counts(iam: Any, alice: Any) -> None:
    creds, _ = alice
    arn = iam.create_policy(PolicyName="gi", PolicyDocument=invoke_policy(ARN))["Policy"]["Arn"]
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="alice")
    iam.attach_group_policy(GroupName="ops", PolicyArn=arn)
    assert sigv4.may_invoke(check(sign(creds)), ARN).allowed


def test_a_role_session_uses_the_roles_policies(iam: Any) -> None:
    role_arn = make_role(iam)
    iam.put_role_policy(RoleName="reader", PolicyName="p", PolicyDocument=invoke_policy(ARN))
    caller = check(sign(assume(role_arn)))
    assert sigv4.may_invoke(caller, ARN).allowed


def test_a_permissions_boundary_narrows(iam: Any) -> None:
    boundary = iam.create_policy(
        PolicyName="only-get",
        PolicyDocument=invoke_policy(f"arn:aws:execute-api:*:*:{API}/*/GET/*"),
    )["Policy"]["Arn"]
    role_arn = make_role(iam, PermissionsBoundary=boundary)
    iam.put_role_policy(RoleName="reader", PolicyName="all", PolicyDocument=invoke_policy("*"))
    caller = check(sign(assume(role_arn)))
    assert caller.boundary is not None
    assert sigv4.may_invoke(caller, ARN).allowed
    post = ARN.replace("/GET/", "/POST/")
    assert sigv4.may_invoke(caller, post).effect == policy.IMPLICIT_DENY


def test_a_boundary_alone_grants_nothing(iam: Any) -> None:
    boundary = iam.create_policy(PolicyName="b", PolicyDocument=invoke_policy("*"))["Policy"]["Arn"]
    caller = check(sign(assume(make_role(iam, PermissionsBoundary=boundary))))
    assert sigv4.may_invoke(caller, ARN).effect == policy.IMPLICIT_DENY


def test_a_deny_in_the_boundary_is_explicit(iam: Any) -> None:
    boundary = iam.create_policy(PolicyName="no", PolicyDocument=invoke_policy("*", effect="Deny"))[
        "Policy"
    ]["Arn"]
    role_arn = make_role(iam, PermissionsBoundary=boundary)
    iam.put_role_policy(RoleName="reader", PolicyName="all", PolicyDocument=invoke_policy("*"))
    caller = check(sign(assume(role_arn)))
    assert sigv4.may_invoke(caller, ARN).effect == policy.EXPLICIT_DENY


def test_a_session_policy_narrows(iam: Any) -> None:
    role_arn = make_role(iam)
    iam.put_role_policy(RoleName="reader", PolicyName="all", PolicyDocument=invoke_policy("*"))
    creds = assume(role_arn, Policy=invoke_policy(ARN))
    caller = check(sign(creds))
    assert sigv4.may_invoke(caller, ARN).allowed
    assert not sigv4.may_invoke(caller, ARN.replace("/GET/", "/POST/")).allowed


def test_conditions_see_the_principal(iam: Any, alice: Any) -> None:
    creds, _ = alice
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:PrincipalType": "User"},
                    "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                },
            }
        ],
    }
    iam.put_user_policy(UserName="alice", PolicyName="c", PolicyDocument=json.dumps(document))
    caller = check(sign(creds))
    assert sigv4.may_invoke(caller, ARN, context={"aws:SourceIp": "203.0.113.7"}).allowed
    assert not sigv4.may_invoke(caller, ARN, context={"aws:SourceIp": "198.51.100.1"}).allowed
