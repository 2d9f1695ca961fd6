"""HTTP API route selection (DG http-api-develop-routes, reference §10): the frozen route
keys of a deployment and the priority a request is matched in."""

from __future__ import annotations

import pytest

from helpers.gateway.snapshot_v2 import DEFAULT_ROUTE, build_snapshot, parse_route_key


def document(*route_keys: str) -> dict:
    """A deployment document with one HTTP_PROXY integration per route key."""
    routes, integrations = [], []
    for n, key in enumerate(route_keys):
        integrations.append(
            {"integrationId": f"i{n}", "integrationType": "HTTP_PROXY", "integrationUri": key}
        )
        routes.append({"routeId": f"r{n}", "routeKey": key, "target": f"integrations/i{n}"})
    return {
        "api": {"apiId": "abc123", "name": "pets", "protocolType": "HTTP"},
        "routes": routes,
        "integrations": integrations,
    }


# the DG's example set: a literal beats a {param}, a full match beats {proxy+}, GET before ANY
DG_ROUTES = (
    "GET /pets/dog/1",
    "GET /pets/dog/{id}",
    "GET /pets/{proxy+}",
    "ANY /{proxy+}",
    "$default",
)


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
        ("GET", "/pets/dog", "GET /pets/{proxy+}", {"proxy": "dog"}),
        ("POST", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
        ("DELETE", "/anything/else", "ANY /{proxy+}", {"proxy": "anything/else"}),
        ("GET", "/", DEFAULT_ROUTE, {}),  # {proxy+} needs at least one segment
        ("GET", "/pets/dog/1/", "GET /pets/dog/1", {}),  # a trailing slash is the same path
    ],
)
def test_dg_priority_table(method: str, path: str, route_key: str, params: dict) -> None:
    snap = build_snapshot("dep1", document(*DG_ROUTES))
    found = snap.match(path, method)
    assert found is not None
    assert found.target.route_key == route_key
    assert found.path_params == params
    assert found.target.integration == snap.integrations[found.target.route["target"][13:]]


SPECIFIC_ROUTES = (
    "GET /users",
    "POST /users",
    "GET /users/{id}",
    "PATCH /users/{id}",
    "DELETE /users/{id}",
    "ANY /users/{id}",
    "GET /users/me",
    "ANY /files/{proxy+}",
    "GET /files/{proxy+}",
)


@pytest.mark.parametrize(
    ("method", "path", "route_key"),
    [
        ("GET", "/users", "GET /users"),
        ("POST", "/users", "POST /users"),
        ("GET", "/users/me", "GET /users/me"),  # literal before {id}
        ("DELETE", "/users/me", "DELETE /users/{id}"),  # the literal has no DELETE
        ("GET", "/users/7", "GET /users/{id}"),
        ("PUT", "/users/7", "ANY /users/{id}"),  # ANY: methods not defined for the path
        ("GET", "/files/a/b.txt", "GET /files/{proxy+}"),  # method before ANY, greedy too
        ("PUT", "/files/a/b.txt", "ANY /files/{proxy+}"),
    ],
)
def test_method_before_any_and_literal_before_param(method: str, path: str, route_key: str) -> None:
    snap = build_snapshot("dep1", document(*SPECIFIC_ROUTES))
    found = snap.match(path, method)
    assert found is not None and found.target.route_key == route_key


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/users"), ("GET", "/posts"), ("GET", "/"), ("GET", "/files")],
)
def test_no_match_without_default_route(method: str, path: str) -> None:
    snap = build_snapshot("dep1", document(*SPECIFIC_ROUTES))
    assert snap.match(path, method) is None


def test_default_route_catches_what_nothing_else_matches() -> None:
    snap = build_snapshot("dep1", document("GET /users", "$default"))
    found = snap.match("/users", "POST")
    assert found is not None and found.target.route_key == "$default"
    assert found.template == "$default" and found.path_params == {}


def test_paths_and_methods_are_case_sensitive_route_keys() -> None:
    snap = build_snapshot("dep1", document("GET /Users"))
    assert snap.match("/users", "GET") is None
    found = snap.match("/Users", "GET")
    assert found is not None and found.target.route_key == "GET /Users"


def test_route_without_target_has_no_integration() -> None:
    doc = document("GET /users")
    doc["routes"][0].pop("target")
    found = build_snapshot("dep1", doc).match("/users", "GET")
    assert found is not None and found.target.integration is None


def test_a_greedy_variable_that_is_not_last_is_skipped() -> None:
    snap = build_snapshot("dep1", document("GET /a/{proxy+}/b", "GET /ok"))
    assert snap.skipped == ["GET /a/{proxy+}/b"]
    assert snap.match("/ok", "GET") is not None


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("GET /pets/{id}", ("GET", "/pets/{id}")),
        ("ANY /{proxy+}", ("ANY", "/{proxy+}")),
        ("GET /", ("GET", "/")),
        ("$default", ("", "")),
    ],
)
def test_parse_route_key(key: str, parsed: tuple[str, str]) -> None:
    assert parse_route_key(key) == parsed


def test_cors_configuration_is_read_from_the_frozen_api() -> None:
    doc = document("GET /users")
    assert build_snapshot("dep1", doc).cors is None
    doc["api"]["corsConfiguration"] = {"allowOrigins": ["https://example.com"]}
    assert build_snapshot("dep1", doc).cors == {"allowOrigins": ["https://example.com"]}


def test_snapshot_registry_builds_once_per_deployment() -> None:
    from helpers.gateway.snapshot_v2 import HttpSnapshots

    reads: list[str] = []

    def read() -> dict:
        reads.append("read")
        return document("GET /users")

    registry = HttpSnapshots()
    first = registry.get("us-east-1", "abc123", "dep1", read)
    assert registry.get("us-east-1", "abc123", "dep1", read) is first
    assert reads == ["read"]
    assert registry.get("us-east-1", "abc123", "gone", lambda: None) is None
    taken = registry.take("us-east-1", "dep2", document("GET /posts"))
    assert registry.get("us-east-1", "abc123", "dep2", read) is taken
    registry.clear()
    assert registry.get("us-east-1", "abc123", "dep1", read) is not first
