"""Endpoint types (reference §7, §3.7): what an edge, regional or private REST API does to
the request before the Lambda function sees it, and who may call a private API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

VPCE = "vpce-0abc123"
OTHER_VPCE = "vpce-0fff999"


def echo_api(kit: Any, functions_dir: Path, **kwargs: Any) -> Any:
    return kit.proxy_api(functions_dir / "echo.py", **kwargs)


# ====================================================================================== edge/regional


def test_edge_capitalises_header_names_and_sorts_cookies(kit: Any, functions_dir: Path) -> None:
    api = echo_api(kit, functions_dir)  # EDGE is the default for REST APIs
    event = requests.get(
        api.url("/hello"),
        headers={"x-custom-thing": "v", "cookie": "zeta=1; alpha=2; mid=3", "X-API-KEY": "k"},
    ).json()
    headers = event["headers"]
    assert headers["X-Custom-Thing"] == "v"
    assert "x-custom-thing" not in headers
    assert headers["X-Api-Key"] == "k"
    assert headers["Cookie"] == "alpha=2; mid=3; zeta=1"
    assert event["multiValueHeaders"]["X-Custom-Thing"] == ["v"]
    assert headers["CloudFront-Viewer-Country"] == "US"
    assert headers["Via"].endswith(".cloudfront.net (CloudFront)")
    assert headers["X-Forwarded-For"].startswith("127.0.0.1, ")


def test_edge_answers_come_through_cloudfront(kit: Any, functions_dir: Path) -> None:
    api = echo_api(kit, functions_dir)
    ok = requests.get(api.url("/hello"))
    assert ok.headers["X-Cache"] == "Miss from cloudfront"
    assert ok.headers["X-Amz-Cf-Pop"]
    missing = requests.get(api.url("/nope"))
    assert missing.headers["X-Cache"] == "Error from cloudfront"


def test_regional_keeps_header_names_and_cookie_order(kit: Any, functions_dir: Path) -> None:
    api = echo_api(kit, functions_dir, endpoint="REGIONAL")
    r = requests.get(
        api.url("/hello"), headers={"x-custom-thing": "v", "cookie": "zeta=1; alpha=2"}
    )
    headers = r.json()["headers"]
    assert headers["x-custom-thing"] == "v"
    assert "X-Custom-Thing" not in headers
    assert headers["cookie"] == "zeta=1; alpha=2"
    assert not any(name.startswith("CloudFront-") for name in headers)
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert "X-Cache" not in r.headers
    assert "X-Amz-Cf-Id" not in r.headers


def test_endpoint_type_change_applies_to_the_next_request(kit: Any, functions_dir: Path) -> None:
    api = echo_api(kit, functions_dir)
    kit.apigw.update_rest_api(
        restApiId=api.api_id,
        patchOperations=[
            {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"}
        ],
    )
    headers = requests.get(api.url("/hello"), headers={"x-lower": "1"}).json()["headers"]
    assert headers["x-lower"] == "1"


# ====================================================================================== private


def vpce_policy(allow_vpce: str, *, deny: dict[str, Any] | None = None) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringEquals": {"aws:SourceVpce": allow_vpce}},
        }
    ]
    if deny is not None:
        statements.append(deny)
    return {"Version": "2012-10-17", "Statement": statements}


def private_api(kit: Any, functions_dir: Path, policy: dict[str, Any] | None) -> Any:
    return echo_api(kit, functions_dir, endpoint="PRIVATE", vpce_ids=[VPCE], policy=policy)


def alias_url(api: Any, path: str = "/hello") -> str:
    """Route 53 alias form: ``{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com``."""
    return f"https://{api.api_id}-{VPCE}.execute-api.us-east-1.amazonaws.com/prod{path}"


def vpce_dns_url(path: str = "/hello", vpce: str = VPCE) -> str:
    """Endpoint-specific public DNS name, used with the ``x-apigw-api-id`` header."""
    return f"https://{vpce}-xyz.execute-api.us-east-1.vpce.amazonaws.com/prod{path}"


def denial(api: Any, explicit: bool = False) -> bytes:
    arn = f"arn:aws:execute-api:us-east-1:********9012:{api.api_id}/prod/GET/hello"
    tail = " with an explicit deny" if explicit else ""
    message = (
        f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn}{tail}"
    )
    return json.dumps({"Message": message}, separators=(",", ":")).encode()


def test_private_api_from_outside_a_vpc_endpoint_is_forbidden(
    kit: Any, functions_dir: Path
) -> None:
    api = private_api(kit, functions_dir, vpce_policy(VPCE))
    r = requests.get(api.url("/hello"))
    assert r.status_code == 403
    assert r.content == b'{"message":"Forbidden"}'
    assert r.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_private_api_through_the_alias_name(kit: Any, functions_dir: Path) -> None:
    api = private_api(kit, functions_dir, vpce_policy(VPCE))
    r = requests.get(alias_url(api), headers={"x-custom-thing": "v"})
    assert r.status_code == 200
    event = r.json()
    assert event["requestContext"]["identity"]["vpceId"] == VPCE
    assert event["headers"]["x-amzn-vpce-id"] == VPCE
    assert event["headers"]["x-custom-thing"] == "v"  # private: names as sent
    assert event["requestContext"]["domainName"] == (
        f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    )


def test_private_api_through_the_vpc_endpoint_dns_name(kit: Any, functions_dir: Path) -> None:
    api = private_api(kit, functions_dir, vpce_policy(VPCE))
    r = requests.get(vpce_dns_url(), headers={"x-apigw-api-id": api.api_id})
    assert r.status_code == 200
    assert r.json()["requestContext"]["identity"]["vpceId"] == VPCE
    assert r.json()["requestContext"]["apiId"] == api.api_id


def test_private_api_through_the_vpc_endpoint_dns_name_with_a_host_header(
    kit: Any, functions_dir: Path
) -> None:
    api = private_api(kit, functions_dir, vpce_policy(VPCE))
    host = f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    r = requests.get(vpce_dns_url(), headers={"Host": host})
    assert r.status_code == 200
    assert r.json()["requestContext"]["identity"]["vpceId"] == VPCE
    assert r.json()["headers"]["Host"] == host


def test_policy_for_another_vpc_endpoint_is_an_implicit_deny(kit: Any, functions_dir: Path) -> None:
    api = private_api(kit, functions_dir, vpce_policy(OTHER_VPCE))
    for r in (
        requests.get(alias_url(api)),
        requests.get(vpce_dns_url(), headers={"x-apigw-api-id": api.api_id}),
    ):
        assert r.status_code == 403
        assert r.content == denial(api)
        assert r.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_private_api_without_a_policy_denies_everyone(kit: Any, functions_dir: Path) -> None:
    api = private_api(kit, functions_dir, None)
    r = requests.get(alias_url(api))
    assert r.status_code == 403
    assert r.content == denial(api)


def test_explicit_deny_wins(kit: Any, functions_dir: Path) -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*/GET/hello",
        "Condition": {"StringEquals": {"aws:SourceVpce": VPCE}},
    }
    api = private_api(kit, functions_dir, vpce_policy(VPCE, deny=deny))
    r = requests.get(alias_url(api))
    assert r.status_code == 403
    assert r.content == denial(api, explicit=True)


def test_the_usual_deny_unless_from_my_vpce_policy(kit: Any, functions_dir: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": VPCE}},
            },
        ],
    }
    api = private_api(kit, functions_dir, policy)
    assert requests.get(alias_url(api)).status_code == 200
    other = requests.get(vpce_dns_url(vpce=OTHER_VPCE), headers={"x-apigw-api-id": api.api_id})
    assert other.status_code == 403
    assert other.content == denial(api, explicit=True)


def test_policy_changes_need_a_redeploy(kit: Any, functions_dir: Path) -> None:
    api = private_api(kit, functions_dir, vpce_policy(VPCE))
    assert requests.get(alias_url(api)).status_code == 200
    kit.apigw.update_rest_api(
        restApiId=api.api_id,
        patchOperations=[
            {"op": "replace", "path": "/policy", "value": json.dumps(vpce_policy(OTHER_VPCE))}
        ],
    )
    assert requests.get(alias_url(api)).status_code == 200  # still the deployed policy
    kit.deploy(api.api_id)
    r = requests.get(alias_url(api))
    assert r.status_code == 403
    assert r.content == denial(api)


def test_resource_policy_on_a_regional_api(kit: Any, functions_dir: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
            },
        ],
    }
    api = echo_api(kit, functions_dir, endpoint="REGIONAL", policy=policy)
    r = requests.get(api.url("/hello"))  # in-process calls come from 127.0.0.1
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert r.json()["Message"].endswith("/prod/GET/hello with an explicit deny")
