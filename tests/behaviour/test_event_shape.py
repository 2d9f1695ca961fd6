"""The payload 1.0 event a REST Lambda proxy receives (reference §4.1), compared with the
sample ``apiGatewayProxyEvent_noVersionAuth.json`` (Powertools' ``tests/events``, the sample
closest to a REST event) and with the documented facts.

Known, intended differences from that sample (it is an HTTP-API 1.0 capture with the
``version`` and ``authorizer`` keys removed):
- ``identity.clientCert`` is present in the sample because it was captured with mutual TLS;
  without mTLS a REST event has no ``clientCert``.
- ``identity.vpceId`` is added for calls that came through a VPC endpoint (private APIs).
- ``requestContext.authorizer`` appears only when an authorizer ran (none here).
- The sample's ``requestContext.path`` and ``stage`` (``$default``) are HTTP-API-shaped; on
  a REST API ``path`` includes the stage name.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

# Copied from the sample (see the module docstring) so the test needs nothing outside the
# repository; ``test_the_copied_key_sets_match_the_sample`` re-checks them when it is there.
SAMPLE = Path("/work/shared/reference/events/apiGatewayProxyEvent_noVersionAuth.json")
SAMPLE_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "requestContext",
    "pathParameters",
    "stageVariables",
    "body",
    "isBase64Encoded",
}
SAMPLE_CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
}
SAMPLE_IDENTITY_KEYS = {
    "accessKey",
    "accountId",
    "caller",
    "clientCert",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
}


@pytest.mark.skipif(not SAMPLE.exists(), reason="the shared reference events are not here")
def test_the_copied_key_sets_match_the_sample() -> None:
    sample = json.loads(SAMPLE.read_text())
    assert set(sample) == SAMPLE_KEYS
    assert set(sample["requestContext"]) == SAMPLE_CONTEXT_KEYS
    assert set(sample["requestContext"]["identity"]) == SAMPLE_IDENTITY_KEYS


ROUTES = (("GET", "/pets/{id}"), ("POST", "/pets"), ("ANY", "/files/{proxy+}"))


@pytest.fixture
def echo(kit: Any, functions_dir: Path) -> Any:
    return kit.proxy_api(functions_dir / "echo.py", ROUTES)


def test_key_sets_match_the_rest_sample(echo: Any) -> None:
    event = requests.get(echo.url("/pets/7")).json()
    assert set(event) == SAMPLE_KEYS
    assert "version" not in event  # REST events have none (HTTP APIs with 1.0 add "1.0")
    assert set(event["requestContext"]) == SAMPLE_CONTEXT_KEYS  # no "authorizer"
    assert set(event["requestContext"]["identity"]) == SAMPLE_IDENTITY_KEYS - {"clientCert"}


def test_identity_values(echo: Any) -> None:
    identity = requests.get(echo.url("/pets/7"), headers={"User-Agent": "lab/1.0"}).json()[
        "requestContext"
    ]["identity"]
    assert identity["userAgent"] == "lab/1.0"
    assert identity["sourceIp"] == "127.0.0.1"
    nulls = SAMPLE_IDENTITY_KEYS - {"clientCert", "sourceIp", "userAgent"}
    assert {k: identity[k] for k in nulls} == dict.fromkeys(nulls)


def test_request_context(echo: Any, lab: Any) -> None:
    lab.clock.freeze("2024-05-01T12:00:00.123Z")
    r = requests.get(echo.url("/pets/7"))
    rc = r.json()["requestContext"]
    assert rc["requestTime"] == "01/May/2024:12:00:00 +0000"  # CLF, from the lab clock
    assert rc["requestTimeEpoch"] == 1714564800123
    assert rc["path"] == "/prod/pets/7"  # includes the stage
    assert rc["stage"] == "prod"
    assert rc["resourcePath"] == "/pets/{id}"
    assert rc["resourceId"] == echo.resources["/pets/{id}"]
    assert rc["httpMethod"] == "GET"
    assert rc["protocol"] == "HTTP/1.1"
    assert rc["accountId"] == "123456789012"
    assert rc["apiId"] == echo.api_id
    assert rc["domainPrefix"] == echo.api_id
    assert rc["domainName"] == f"{echo.api_id}.execute-api.us-east-1.amazonaws.com"
    assert rc["requestId"] == r.headers["x-amzn-RequestId"]
    assert r.headers["Date"] == "Wed, 01 May 2024 12:00:00 GMT"
    lab.clock.advance(61.5)
    rc = requests.get(echo.url("/pets/7")).json()["requestContext"]
    assert rc["requestTime"] == "01/May/2024:12:01:01 +0000"
    assert rc["requestTimeEpoch"] == 1714564861623


def test_multi_value_query_and_single_values(echo: Any) -> None:
    event = requests.get(
        echo.url("/pets/7"), params=[("tag", "a"), ("tag", "b"), ("q", "x y"), ("empty", "")]
    ).json()
    assert event["queryStringParameters"] == {"tag": "b", "q": "x y", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {
        "tag": ["a", "b"],
        "q": ["x y"],
        "empty": [""],
    }


def test_no_query_is_null(echo: Any) -> None:
    event = requests.get(echo.url("/pets/7")).json()
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_multi_value_headers_with_repeated_values(echo: Any, lab: Any) -> None:
    """``requests`` cannot repeat a header, the localhost server (real HTTP) can."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(lab.local_url(echo.api_id, "prod", "/pets/7"))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("GET", url.path, skip_accept_encoding=True)
    conn.putheader("X-Repeat", "one")
    conn.putheader("X-Repeat", "two")
    conn.putheader("Accept", "application/json")
    conn.endheaders()
    resp = conn.getresponse()
    event = json.loads(resp.read())
    conn.close()
    assert resp.status == 200
    assert event["multiValueHeaders"]["X-Repeat"] == ["one", "two"]
    assert event["headers"]["X-Repeat"] == "two"
    assert event["multiValueHeaders"]["Accept"] == ["application/json"]
    assert event["headers"]["Accept"] == "application/json"


def test_path_parameters(echo: Any) -> None:
    assert requests.get(echo.url("/pets/7")).json()["pathParameters"] == {"id": "7"}
    event = requests.get(echo.url("/files/a/b/c")).json()
    assert event["pathParameters"] == {"proxy": "a/b/c"}
    assert event["resource"] == "/files/{proxy+}"
    assert requests.post(echo.url("/pets")).json()["pathParameters"] is None


def test_stage_variables(kit: Any, functions_dir: Path) -> None:
    none = kit.proxy_api(functions_dir / "echo.py")
    assert requests.get(none.url("/hello")).json()["stageVariables"] is None
    some = kit.proxy_api(functions_dir / "echo.py", variables={"color": "blue", "n": "1"})
    assert requests.get(some.url("/hello")).json()["stageVariables"] == {"color": "blue", "n": "1"}


def test_body_is_null_for_get_and_text_for_post(echo: Any) -> None:
    get = requests.get(echo.url("/pets/7")).json()
    assert get["body"] is None
    assert get["isBase64Encoded"] is False
    post = requests.post(echo.url("/pets"), json={"name": "Rex", "age": 3}).json()
    assert post["body"] == '{"name": "Rex", "age": 3}'
    assert post["isBase64Encoded"] is False
    assert post["headers"]["Content-Type"] == "application/json"


def test_binary_media_types_make_the_body_base64(kit: Any, functions_dir: Path) -> None:
    api = kit.proxy_api(functions_dir / "echo.py", (("POST", "/upload"),), binary=["image/png"])
    raw = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    event = requests.post(
        api.url("/upload"), data=raw, headers={"Content-Type": "image/png"}
    ).json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    text = requests.post(
        api.url("/upload"), data="plain", headers={"Content-Type": "text/plain"}
    ).json()
    assert text["isBase64Encoded"] is False
    assert text["body"] == "plain"


def test_unicode_text_body(echo: Any) -> None:
    body = "héllo ☕ 🐍"
    event = requests.post(
        echo.url("/pets"),
        data=body.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    ).json()
    assert event["body"] == body


def test_host_and_forwarding_headers(echo: Any) -> None:
    headers = requests.get(echo.url("/pets/7")).json()["headers"]
    assert headers["Host"] == f"{echo.api_id}.execute-api.us-east-1.amazonaws.com"
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["X-Forwarded-Port"] == "443"
    assert headers["X-Forwarded-For"].startswith("127.0.0.1")
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_binary_media_type_added_by_patch_needs_a_redeploy(kit: Any, functions_dir: Path) -> None:
    api = kit.proxy_api(functions_dir / "echo.py", (("POST", "/upload"),))
    kit.apigw.update_rest_api(
        restApiId=api.api_id,
        patchOperations=[{"op": "add", "path": "/binaryMediaTypes/application~1octet-stream"}],
    )
    assert kit.apigw.get_rest_api(restApiId=api.api_id)["binaryMediaTypes"] == [
        "application/octet-stream"
    ]

    def post() -> dict[str, Any]:
        return requests.post(
            api.url("/upload"),
            data=b"\x00\x01",
            headers={"Content-Type": "application/octet-stream"},
        ).json()

    assert post()["isBase64Encoded"] is False
    kit.deploy(api.api_id)
    event = post()
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AAE="
