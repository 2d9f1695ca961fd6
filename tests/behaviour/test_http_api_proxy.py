"""HTTP APIs in front of an HTTP backend (``HTTP_PROXY``, parameter mapping) and CORS, end
to end against the local backend of :mod:`helpers.backend`. Facts from reference §10 and
DG http-api-develop-integrations-http, http-api-parameter-mapping, http-api-cors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.usefixtures("fresh_lab")

INTERNAL = b'{"message":"Internal Server Error"}'
UNAVAILABLE = b'{"message":"Service Unavailable"}'
ORIGIN = "https://app.example.com"


@pytest.fixture
def backend() -> Iterator[Any]:
    from helpers.backend import start_backend

    server = start_backend()
    yield server
    server.stop()


def proxy_api(
    http_kit: Any, uri: str, routes: tuple[str, ...], *, cors: dict | None = None, **integration: Any
) -> tuple[str, str]:
    """An HTTP API whose routes all go to one HTTP_PROXY integration; $default auto-deploys."""
    api_id = http_kit.api(**({"CorsConfiguration": cors} if cors else {}))
    integration_id = http_kit.http_integration(api_id, uri, **integration)
    for key in routes:
        http_kit.route(api_id, key, integration_id)
    http_kit.stage(api_id, "$default", AutoDeploy=True)
    return api_id, integration_id


def url(api_id: str, path: str) -> str:
    return f"https://{api_id}.execute-api.us-east-1.amazonaws.com{path}"


# ====================================================================================== HTTP_PROXY


def test_greedy_path_query_method_and_body_are_forwarded(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/echo/{proxy}", ("ANY /{proxy+}",))
    r = requests.post(url(api_id, "/a/b%20c?x=1&x=2"), data=b"hello", headers={"X-Mine": "m"})
    assert r.status_code == 200
    seen = backend.last
    assert (seen.method, seen.path, seen.body) == ("POST", "/echo/a/b%20c", b"hello")
    assert seen.query == {"x": ["1", "2"]}
    assert seen.header("x-mine") == "m"
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    assert seen.header("x-forwarded-proto") == "https"
    assert seen.header("host") == backend.url.removeprefix("http://")
    assert r.json()["path"] == "/echo/a/b%20c"
    assert r.headers["apigw-requestid"]


def test_a_route_calls_its_uri_as_it_is(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/pets/{id}", ("GET /animals/{id}",))
    r = requests.get(url(api_id, "/animals/2"))
    assert r.status_code == 200
    assert r.json() == {"id": 2, "type": "cat", "price": 124.99}
    assert backend.last.path == "/pets/2"


def test_backend_status_headers_and_body_come_back(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/status/{code}", ("GET /status/{code}",))
    r = requests.get(url(api_id, "/status/418"))
    assert r.status_code == 418
    assert r.json() == {"status": 418, "message": "I'm a Teapot"}
    assert r.headers["Server"] == "apigw-lab-backend"
    assert r.headers["Content-Length"] == str(len(r.content))


def test_quick_create_with_a_url_target_appends_the_request_path(
    http_kit: Any, backend: Any
) -> None:
    api_id = http_kit.v2.create_api(
        Name="quick-http", ProtocolType="HTTP", Target=backend.url + "/echo"
    )["ApiId"]
    r = requests.put(url(api_id, "/some/where?q=1"), data=b"x")
    assert r.status_code == 200
    assert (backend.last.method, backend.last.path) == ("PUT", "/echo/some/where")
    assert backend.last.query == {"q": ["1"]}


def test_parameter_mapping(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(
        http_kit,
        backend.url + "/echo/unused",
        ("GET /map/{id}",),
        RequestParameters={
            "overwrite:path": "/echo/mapped/${request.path.id}",
            "append:header.x-from-query": "$request.querystring.q",
            "overwrite:header.x-request-id": "$context.requestId",
            "overwrite:header.x-static": "static text",
            "remove:header.x-secret": "''",
            "overwrite:querystring.id": "$request.path.id",
            "remove:querystring.q": "''",
        },
        ResponseParameters={
            "200": {
                "overwrite:statuscode": "202",
                "append:header.x-backend": "$response.header.Server",
                "remove:header.Server": "''",
            }
        },
    )
    r = requests.get(url(api_id, "/map/7?q=hello"), headers={"X-Secret": "s"})
    seen = backend.last
    assert seen.path == "/echo/mapped/7"
    assert seen.query == {"id": ["7"]}
    assert seen.header("x-from-query") == "hello"
    assert seen.header("x-request-id") == r.headers["apigw-requestid"]
    assert seen.header("x-static") == "static text"
    assert seen.header("x-secret") is None
    assert r.status_code == 202
    assert r.headers["x-backend"] == "apigw-lab-backend"
    assert "Server" not in r.headers


def test_a_mapping_for_another_status_does_not_apply(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(
        http_kit,
        backend.url + "/status/{code}",
        ("GET /status/{code}",),
        ResponseParameters={"404": {"overwrite:statuscode": "200"}},
    )
    assert requests.get(url(api_id, "/status/404")).status_code == 200
    assert requests.get(url(api_id, "/status/500")).status_code == 500


def test_a_refused_connection_is_500(http_kit: Any) -> None:
    from helpers.backend import unused_url

    api_id, _ = proxy_api(http_kit, unused_url() + "/x", ("GET /x",))
    r = requests.get(url(api_id, "/x"))
    assert (r.status_code, r.content) == (500, INTERNAL)
    assert r.headers["Content-Type"] == "application/json"


def test_a_backend_slower_than_the_timeout_is_503(http_kit: Any, backend: Any, lab: Any) -> None:
    api_id, _ = proxy_api(
        http_kit, backend.url + "/slow/{ms}", ("GET /slow/{ms}",), TimeoutInMillis=300
    )
    r = requests.get(url(api_id, "/slow/5000"))
    assert (r.status_code, r.content) == (503, UNAVAILABLE)
    assert r.elapsed.total_seconds() < 4  # cut at 0.3 s, not after the backend's 5 s
    assert lab.last_trace().entries[-1].decision == "INTEGRATION_TIMEOUT"


def test_mapping_changes_need_a_deployment(http_kit: Any, backend: Any) -> None:
    api_id = http_kit.api()
    integration = http_kit.http_integration(api_id, backend.url + "/echo/x")
    http_kit.route(api_id, "GET /x", integration)
    http_kit.stage(api_id, "prod")
    http_kit.deploy(api_id, "prod")
    http_kit.v2.update_integration(
        ApiId=api_id,
        IntegrationId=integration,
        RequestParameters={"overwrite:header.x-new": "yes"},
    )
    requests.get(http_kit.url(api_id, "prod", "/x"))
    assert backend.last.header("x-new") is None
    http_kit.deploy(api_id, "prod")
    requests.get(http_kit.url(api_id, "prod", "/x"))
    assert backend.last.header("x-new") == "yes"


# ====================================================================================== CORS

CORS = {
    "AllowOrigins": [ORIGIN],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["content-type", "x-api-version"],
    "ExposeHeaders": ["x-request-id"],
    "MaxAge": 300,
    "AllowCredentials": True,
}


def preflight(api_id: str, path: str, origin: str = ORIGIN) -> requests.Response:
    return requests.options(
        url(api_id, path),
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_preflight_is_answered_without_an_options_route(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/echo/x", ("POST /items",), cors=CORS)
    r = preflight(api_id, "/items")
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["access-control-allow-methods"] == "GET,POST"
    assert r.headers["access-control-allow-headers"] == "content-type,x-api-version"
    assert r.headers["access-control-max-age"] == "300"
    assert r.headers["access-control-allow-credentials"] == "true"
    assert r.headers["apigw-requestid"]
    assert backend.requests == []  # the backend never saw it
    # even for a path no route matches
    assert preflight(api_id, "/no/route/here").status_code == 204


def test_preflight_from_an_origin_not_allowed_gets_no_cors_headers(
    http_kit: Any, backend: Any
) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/echo/x", ("POST /items",), cors=CORS)
    r = preflight(api_id, "/items", origin="https://evil.example")
    assert r.status_code == 204
    assert not [k for k in r.headers if k.lower().startswith("access-control-")]


def test_an_options_route_takes_the_preflight(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(
        http_kit, backend.url + "/echo/x", ("POST /items", "OPTIONS /items"), cors=CORS
    )
    r = preflight(api_id, "/items")
    assert r.status_code == 200
    assert backend.last.method == "OPTIONS"
    assert r.headers["access-control-allow-origin"] == ORIGIN  # added to the route's answer


def test_an_actual_request_gets_the_configured_headers_not_the_backends(
    http_kit: Any, backend: Any
) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/headers", ("GET /h",), cors=CORS)
    own = "Access-Control-Allow-Origin=https%3A%2F%2Fevil.example&Access-Control-Max-Age=9"
    r = requests.get(url(api_id, f"/h?{own}"), headers={"Origin": ORIGIN})
    assert r.status_code == 200
    assert r.raw.headers.getlist("access-control-allow-origin") == [ORIGIN]
    assert r.headers["access-control-expose-headers"] == "x-request-id"
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "access-control-max-age" not in r.headers  # the backend's, dropped
    # without an Origin the request is not a CORS request: no CORS headers at all
    r = requests.get(url(api_id, f"/h?{own}"))
    assert not [k for k in r.headers if k.lower().startswith("access-control-")]


def test_a_wildcard_origin(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(
        http_kit, backend.url + "/echo/x", ("GET /x",), cors={"AllowOrigins": ["*"]}
    )
    r = requests.get(url(api_id, "/x"), headers={"Origin": "https://anywhere.example"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_without_cors_configuration_options_is_routed(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/echo/x", ("POST /items",))
    r = preflight(api_id, "/items")
    assert r.status_code == 404
    assert r.content == b'{"message":"Not Found"}'


def test_cors_configuration_is_deployed_with_the_api(http_kit: Any, backend: Any) -> None:
    api_id, _ = proxy_api(http_kit, backend.url + "/echo/x", ("POST /items",))
    http_kit.v2.update_api(ApiId=api_id, CorsConfiguration={"AllowOrigins": [ORIGIN]})
    r = preflight(api_id, "/items")  # auto-deploy made it live
    assert (r.status_code, r.headers["access-control-allow-origin"]) == (204, ORIGIN)
    assert json.loads(requests.post(url(api_id, "/items")).content)["method"] == "POST"


# ====================================================================================== control plane


def test_a_mapping_of_a_reserved_header_is_refused(http_kit: Any, backend: Any) -> None:
    api_id = http_kit.api()
    with pytest.raises(http_kit.v2.exceptions.BadRequestException, match="reserved"):
        http_kit.http_integration(
            api_id, backend.url, RequestParameters={"overwrite:header.Authorization": "x"}
        )
    integration = http_kit.http_integration(api_id, backend.url)
    with pytest.raises(http_kit.v2.exceptions.BadRequestException, match="statuscode"):
        http_kit.v2.update_integration(
            ApiId=api_id,
            IntegrationId=integration,
            ResponseParameters={"200": {"overwrite:statuscode": "abc"}},
        )


# ====================================================================================== localhost


def test_the_localhost_server_serves_http_apis(http_kit: Any, backend: Any, lab: Any) -> None:
    """Path style: ``/{api_id}/...`` for the $default stage, ``/{api_id}/{stage}/...`` else;
    or host style with a ``Host: {api_id}.execute-api...`` header."""
    api_id, _ = proxy_api(http_kit, backend.url + "/echo/{proxy}", ("ANY /{proxy+}",))
    http_kit.stage(api_id, "dev", AutoDeploy=True)
    r = requests.get(f"{lab.server_url}/{api_id}/a/b?x=1")
    assert r.status_code == 200 and r.json()["path"] == "/echo/a/b"
    assert r.headers["apigw-requestid"]
    r = requests.get(lab.local_url(api_id, "dev", "/c"))
    assert r.status_code == 200 and r.json()["path"] == "/echo/c"
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    r = requests.get(f"{lab.server_url}/d", headers={"Host": host})
    assert r.status_code == 200 and r.json()["path"] == "/echo/d"
