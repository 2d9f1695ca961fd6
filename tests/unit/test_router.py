"""The router core: literal before {param} before {proxy+}, ANY as the method fallback."""

from __future__ import annotations

import pytest

from helpers.gateway.router import RouteMatch, Router


def router(*routes: tuple[str, str]) -> Router[str]:
    r: Router[str] = Router()
    for template, method in routes:
        r.add(template, method, f"{method} {template}")
    return r


PETS = router(
    ("/", "GET"),
    ("/pets", "GET"),
    ("/pets", "POST"),
    ("/pets/mine", "GET"),
    ("/pets/{id}", "GET"),
    ("/pets/{id}/toys/{toy}", "GET"),
    ("/files/{proxy+}", "ANY"),
    ("/any", "ANY"),
    ("/any", "DELETE"),
    ("/{proxy+}", "GET"),
)


@pytest.mark.parametrize(
    ("path", "method", "target", "params"),
    [
        ("/", "GET", "GET /", {}),
        ("/pets", "GET", "GET /pets", {}),
        ("/pets", "POST", "POST /pets", {}),
        # a literal segment wins over a {param} at the same level
        ("/pets/mine", "GET", "GET /pets/mine", {}),
        ("/pets/7", "GET", "GET /pets/{id}", {"id": "7"}),
        ("/pets/7/toys/ball", "GET", "GET /pets/{id}/toys/{toy}", {"id": "7", "toy": "ball"}),
        # a {param} match beats a greedy one
        ("/pets/8", "GET", "GET /pets/{id}", {"id": "8"}),
        # greedy: everything after the prefix, slashes kept
        ("/files/a", "PUT", "ANY /files/{proxy+}", {"proxy": "a"}),
        ("/files/a/b/c", "GET", "ANY /files/{proxy+}", {"proxy": "a/b/c"}),
        ("/elsewhere/x/y", "GET", "GET /{proxy+}", {"proxy": "elsewhere/x/y"}),
        ("/pets/7/collar", "GET", "GET /{proxy+}", {"proxy": "pets/7/collar"}),
        # ANY answers every method the resource does not define itself
        ("/any", "GET", "ANY /any", {}),
        ("/any", "PATCH", "ANY /any", {}),
        ("/any", "DELETE", "DELETE /any", {}),
        # empty segments (a trailing slash, doubled slashes) are ignored for matching
        ("/pets/", "GET", "GET /pets", {}),
        ("//pets//7", "GET", "GET /pets/{id}", {"id": "7"}),
    ],
)
def test_best_match(path: str, method: str, target: str, params: dict[str, str]) -> None:
    found = PETS.match(path, method)
    assert isinstance(found, RouteMatch)
    assert found.target == target
    assert found.path_params == params
    assert found.template == target.split(" ", 1)[1]


def test_match_records_the_method_key_that_matched() -> None:
    found = PETS.match("/any", "OPTIONS")
    assert isinstance(found, RouteMatch)
    assert found.method == "ANY"
    found = PETS.match("/any", "DELETE")
    assert isinstance(found, RouteMatch) and found.method == "DELETE"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/pets", "DELETE"),  # resource exists, method does not (and no ANY)
        ("/pets/7", "POST"),
        ("/pets/mine", "PUT"),
    ],
)
def test_existing_path_without_the_method_is_false(path: str, method: str) -> None:
    r = router(("/pets", "GET"), ("/pets/{id}", "GET"), ("/pets/mine", "GET"))
    assert r.match(path, method) is False


@pytest.mark.parametrize("path", ["/nope", "/pets/7/8", "/pets/7/toys"])
def test_unknown_path_is_none(path: str) -> None:
    r = router(("/pets", "GET"), ("/pets/{id}", "GET"), ("/pets/{id}/toys/{toy}", "GET"))
    assert r.match(path, "GET") is None


def test_root_without_a_method_does_not_match() -> None:
    r = router(("/pets", "GET"))
    assert r.match("/", "GET") is None


def test_greedy_needs_at_least_one_segment() -> None:
    r = router(("/files/{proxy+}", "ANY"))
    assert r.match("/files", "GET") is None
    assert r.match("/files/", "GET") is None


def test_literal_dead_end_backtracks_to_param() -> None:
    r = router(("/a/b/d", "GET"), ("/a/{x}/c", "GET"))
    found = r.match("/a/b/c", "GET")
    assert isinstance(found, RouteMatch)
    assert found.template == "/a/{x}/c"
    assert found.path_params == {"x": "b"}


def test_param_values_are_not_leaked_between_branches() -> None:
    r = router(("/{a}/x", "GET"), ("/{a}/{b}/{proxy+}", "GET"))
    found = r.match("/1/2/3/4", "GET")
    assert isinstance(found, RouteMatch)
    assert found.path_params == {"a": "1", "b": "2", "proxy": "3/4"}


def test_greedy_variable_must_be_last() -> None:
    r: Router[str] = Router()
    with pytest.raises(ValueError, match="greedy path variable must be last"):
        r.add("/{proxy+}/more", "GET", "x")


def test_templates_lists_each_template_once_in_order() -> None:
    r = router(("/", "GET"), ("/a", "GET"), ("/a", "POST"), ("/a/{p+}", "ANY"), ("/a/{p+}", "GET"))
    assert r.templates == ["/", "/a", "/a/{p+}"]


def test_a_later_add_replaces_the_target_for_the_same_method() -> None:
    r: Router[str] = Router()
    r.add("/a", "GET", "first")
    r.add("/a", "GET", "second")
    found = r.match("/a", "GET")
    assert isinstance(found, RouteMatch) and found.target == "second"


def test_a_route_added_after_a_match_is_seen() -> None:
    """Answers are remembered per (path, method); adding a route forgets them."""
    r = router(("/pets/{id}", "GET"))
    assert r.match("/pets/mine", "GET").template == "/pets/{id}"
    assert r.match("/pets/mine", "POST") is False
    r.add("/pets/mine", "GET", "GET /pets/mine")
    r.add("/pets/mine", "POST", "POST /pets/mine")
    assert r.match("/pets/mine", "GET").template == "/pets/mine"
    assert r.match("/pets/mine", "POST").target == "POST /pets/mine"


def test_a_remembered_match_gives_each_caller_its_own_path_parameters() -> None:
    r = router(("/pets/{id}", "GET"))
    first = r.match("/pets/7", "GET")
    first.path_params["id"] = "changed"
    assert r.match("/pets/7", "GET").path_params == {"id": "7"}
