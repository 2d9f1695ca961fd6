"""``AWS_IAM`` on REST methods and HTTP API routes (reference §3.6, §3.7): SigV4 signed by
botocore, checked against moto's IAM, identity policies and resource policies combined,
and the caller's identity in the integration's event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

pytestmark = pytest.mark.usefixtures("fresh_lab")

FUNCTIONS = Path(__file__).parents[2] / "functions"
ACCOUNT = "123456789012"


def signed(method: str, url: str, creds: Credentials, body: bytes = b"") -> requests.Response:
    req = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
    return requests.request(method, url, headers=dict(req.headers), data=body)


def user(kit: Any, name: str, statements: list[dict[str, Any]] | None = None) -> Credentials:
    kit.iam.create_user(UserName=name)
    if statements:
        kit.iam.put_user_policy(
            UserName=name,
            PolicyName="invoke",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    key = kit.iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def masked(access_key: str) -> str:
    """How functions/whoami.py echoes an access key id: never whole."""
    return access_key[:4] + "…" + access_key[-4:]


def invoke(resource: str, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}


@pytest.fixture
def rest(kit: Any) -> Any:
    api = kit.proxy_api(
        FUNCTIONS / "whoami.py", (("GET", "/pets"), ("POST", "/pets")), deploy=False
    )
    for method in ("GET", "POST"):
        kit.apigw.update_method(
            restApiId=api.api_id,
            resourceId=api.resources["/pets"],
            httpMethod=method,
            patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}],
        )
    kit.deploy(api.api_id)
    return api


def test_unsigned_is_missing_authentication_token(rest: Any) -> None:
    resp = requests.get(rest.url("/pets"))
    assert resp.status_code == 403
    assert resp.content == b'{"message":"Missing Authentication Token"}'
    assert resp.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_user_without_permission_then_with_it(rest: Any, kit: Any) -> None:
    creds = user(kit, "alice")
    resp = signed("GET", rest.url("/pets"), creds)
    assert resp.status_code == 403
    arn = f"arn:aws:execute-api:us-east-1:********9012:{rest.api_id}/prod/GET/pets"
    assert resp.json() == {
        "Message": f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: "
        f"execute-api:Invoke on resource: {arn}"
    }
    kit.iam.put_user_policy(
        UserName="alice",
        PolicyName="invoke",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [invoke(f"arn:aws:execute-api:us-east-1:*:{rest.api_id}/*/GET/*")],
            }
        ),
    )
    resp = signed("GET", rest.url("/pets"), creds)
    assert resp.status_code == 200
    identity = resp.json()["identity"]
    assert identity["userArn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert identity["accessKey"] == masked(creds.access_key)
    assert identity["accountId"] == ACCOUNT
    assert identity["caller"] == kit.iam.get_user(UserName="alice")["User"]["UserId"]
    # the policy names GET only
    assert signed("POST", rest.url("/pets"), creds, b"{}").status_code == 403


def test_explicit_deny_in_identity_policy(rest: Any, kit: Any) -> None:
    creds = user(
        kit,
        "bob",
        [invoke("*"), invoke(f"arn:aws:execute-api:*:*:{rest.api_id}/prod/POST/*", "Deny")],
    )
    assert signed("GET", rest.url("/pets"), creds).status_code == 200
    resp = signed("POST", rest.url("/pets"), creds, b"{}")
    assert resp.status_code == 403
    assert resp.json()["Message"].endswith("with an explicit deny")


def test_bad_key_bad_signature_and_expired_signature(rest: Any, kit: Any, lab: Any) -> None:
    lab.clock.freeze("2025-01-01T09:00:00Z")
    creds = user(kit, "carol", [invoke("*")])
    resp = signed("GET", rest.url("/pets"), Credentials("AKIA" + "EXAMPLE" * 2 + "00", "secret"))
    assert resp.status_code == 403
    assert resp.json() == {"message": "The security token included in the request is invalid."}
    resp = signed("GET", rest.url("/pets"), Credentials(creds.access_key, "wrong-secret"))
    assert resp.status_code == 403
    assert resp.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert resp.json()["message"].startswith("The request signature we calculated does not match")
    # a signature made now, sent ten minutes later
    req = AWSRequest(method="GET", url=rest.url("/pets"))
    SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
    lab.clock.advance(600)
    resp = requests.get(rest.url("/pets"), headers=dict(req.headers))
    assert resp.status_code == 403
    assert resp.json()["message"] == (
        "Signature expired: 20250101T090000Z is now earlier than 20250101T090500Z "
        "(20250101T091000Z - 5 min.)"
    )


def test_resource_policy_allow_is_enough_for_a_user_without_identity_policy(kit: Any) -> None:
    """Table A: the resource policy allows the principal; the user has no policy."""
    creds = user(kit, "dave")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/dave"},
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            }
        ],
    }
    api = kit.proxy_api(FUNCTIONS / "whoami.py", (("GET", "/pets"),), deploy=False, policy=policy)
    kit.apigw.update_method(
        restApiId=api.api_id,
        resourceId=api.resources["/pets"],
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}],
    )
    kit.deploy(api.api_id)
    assert signed("GET", api.url("/pets"), creds).status_code == 200
    other = user(kit, "erin")
    assert signed("GET", api.url("/pets"), other).status_code == 403


def test_resource_policy_deny_beats_identity_allow(kit: Any) -> None:
    creds = user(kit, "frank", [invoke("*")])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
            }
        ],
    }
    api = kit.proxy_api(FUNCTIONS / "whoami.py", (("GET", "/pets"),), deploy=False, policy=policy)
    kit.apigw.update_method(
        restApiId=api.api_id,
        resourceId=api.resources["/pets"],
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}],
    )
    kit.deploy(api.api_id)
    resp = signed("GET", api.url("/pets"), creds)
    assert resp.status_code == 403
    assert resp.json()["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/frank is not authorized to perform: execute-api:Invoke"
        f" on resource: arn:aws:execute-api:us-east-1:********9012:{api.api_id}/prod/GET/pets"
        " with an explicit deny"
    )


def test_assumed_role_session(rest: Any, kit: Any) -> None:
    import boto3

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    kit.iam.create_role(RoleName="caller-role", AssumeRolePolicyDocument=json.dumps(trust))
    kit.iam.put_role_policy(
        RoleName="caller-role",
        PolicyName="invoke",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [invoke("*")]}),
    )
    got = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/caller-role", RoleSessionName="notebook"
    )["Credentials"]
    creds = Credentials(got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"])
    resp = signed("GET", rest.url("/pets"), creds)
    assert resp.status_code == 200
    assert resp.json()["identity"]["userArn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/caller-role/notebook"
    )


def test_http_api_iam_route(http_kit: Any, kit: Any) -> None:
    api = http_kit.lambda_api(FUNCTIONS / "whoami.py", ("GET /pets",))
    http_kit.v2.update_route(
        ApiId=api.api_id, RouteId=api.routes["GET /pets"], AuthorizationType="AWS_IAM"
    )
    assert requests.get(api.url("/pets")).status_code == 403
    assert requests.get(api.url("/pets")).content == b'{"message":"Forbidden"}'
    nobody = user(kit, "gina")
    assert signed("GET", api.url("/pets"), nobody).status_code == 403
    creds = user(
        kit,
        "hank",
        [invoke(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.api_id}/$default/GET/pets")],
    )
    resp = signed("GET", api.url("/pets"), creds)
    assert resp.status_code == 200
    iam = resp.json()["authorizer"]["iam"]
    assert iam["userArn"] == f"arn:aws:iam::{ACCOUNT}:user/hank"
    assert iam["accessKey"] == masked(creds.access_key)
    assert iam["accountId"] == ACCOUNT
