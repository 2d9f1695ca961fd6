"""CORS for HTTP APIs, from the deployed ``corsConfiguration`` (DG http-api-cors, §10).

- A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is
  answered by API Gateway itself, 204 with the configured allow-* headers and max-age, even
  without an OPTIONS route; only a route for ``OPTIONS`` itself (not ``ANY``, not
  ``$default``) takes it instead.
- Every other answer loses the CORS headers its backend sent, and gains allow-origin,
  expose-headers and allow-credentials when the request's ``Origin`` is allowed.
"""

from __future__ import annotations

from typing import Any

from ..context import InvocationContext
from ..http import HttpResponse
from ..router import RouteMatch

#: status of API Gateway's own preflight answer
PREFLIGHT_STATUS = 204
#: [unc] a preflight from an origin that is not allowed still gets 204, with no CORS headers
#: (so the browser refuses the real request)
PREFLIGHT_STATUS_DENIED = 204


def _values(cors: dict[str, Any], key: str) -> list[str]:
    return [str(v) for v in cors.get(key) or []]


def allowed_origin(cors: dict[str, Any], origin: str | None) -> str | None:
    """The ``access-control-allow-origin`` value for ``origin``, or None if not allowed."""
    if not origin:
        return None
    origins = _values(cors, "allowOrigins")
    if "*" in origins:
        return "*"
    lowered = origin.lower()
    return origin if any(o.lower() == lowered for o in origins) else None


def preflight_headers(cors: dict[str, Any], origin: str | None) -> list[tuple[str, str]]:
    allow = allowed_origin(cors, origin)
    if allow is None:
        return []
    headers = [("access-control-allow-origin", allow)]
    if cors.get("allowCredentials"):
        headers.append(("access-control-allow-credentials", "true"))
    for key, name in (
        ("allowMethods", "access-control-allow-methods"),
        ("allowHeaders", "access-control-allow-headers"),
    ):
        values = _values(cors, key)
        if values:
            headers.append((name, ",".join(values)))
    if cors.get("maxAge") is not None:
        headers.append(("access-control-max-age", str(cors["maxAge"])))
    return headers


def preflight(ctx: InvocationContext) -> None:
    """CORS preflight: answer OPTIONS + Origin + Access-Control-Request-Method (204)."""
    snap = ctx.http_deployment
    mreq = ctx.method_request
    assert snap is not None and mreq is not None
    cors = snap.cors
    if not cors or mreq.method != "OPTIONS":
        return
    origin = mreq.header("origin")
    if not origin or not mreq.header("access-control-request-method"):
        return
    explicit = snap.router.match(mreq.path, "OPTIONS")
    if isinstance(explicit, RouteMatch) and explicit.method == "OPTIONS":
        ctx.trace.add("cors", "preflight left to the OPTIONS route", route=explicit.template)
        return
    headers = preflight_headers(cors, origin)
    status = PREFLIGHT_STATUS if headers else PREFLIGHT_STATUS_DENIED
    ctx.method_response = HttpResponse(status, headers, b"")
    ctx.cors_preflight = True
    ctx.trace.add(
        "cors",
        "preflight answered" if headers else "preflight: origin not allowed",
        origin=origin,
    )


def step(ctx: InvocationContext) -> None:
    """CORS headers: drop the backend's, add the configured ones for an allowed Origin."""
    snap = ctx.http_deployment
    resp = ctx.method_response
    if snap is None or resp is None or not snap.cors or ctx.cors_preflight:
        return
    cors = snap.cors
    kept = [(k, v) for k, v in resp.headers if not k.lower().startswith("access-control-")]
    dropped = len(resp.headers) - len(kept)
    origin = ctx.method_request.header("origin") if ctx.method_request else None
    allow = allowed_origin(cors, origin)
    if allow is not None:
        kept.append(("access-control-allow-origin", allow))
        if cors.get("allowCredentials"):
            kept.append(("access-control-allow-credentials", "true"))
        exposed = _values(cors, "exposeHeaders")
        if exposed:
            kept.append(("access-control-expose-headers", ",".join(exposed)))
    resp.headers = kept
    if dropped or allow is not None:
        ctx.trace.add(
            "cors",
            f"origin {'allowed' if allow else 'not allowed'}",
            **({"dropped_backend_headers": dropped} if dropped else {}),
        )
