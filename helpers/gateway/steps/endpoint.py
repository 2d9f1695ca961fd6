"""Endpoint type: what CloudFront (edge), the regional front end or a VPC endpoint
(private) does to a request before API Gateway proper sees it (reference §7)."""

from __future__ import annotations

from ..context import InvocationContext
from ..errors import Forbidden

#: hop-by-hop and framing headers that never reach the integration
_DROPPED = {"connection", "content-length", "keep-alive", "transfer-encoding"}
#: a made-up but CloudFront-shaped edge address, so events look like the real thing
CLOUDFRONT_IP = "130.176.1.10"


#: what CloudFront adds about the viewer, in the order it adds them (before Via)
_EDGE_VIEWER = (
    ("CloudFront-Forwarded-Proto", "https"),
    ("CloudFront-Is-Desktop-Viewer", "true"),
    ("CloudFront-Is-Mobile-Viewer", "false"),
    ("CloudFront-Is-SmartTV-Viewer", "false"),
    ("CloudFront-Is-Tablet-Viewer", "false"),
    ("CloudFront-Viewer-Country", "US"),
)


#: header names already capitalized, by the name as sent
_capitalized: dict[str, str] = {}


def capitalize_header(name: str) -> str:
    """``x-api-key`` → ``X-Api-Key``, as CloudFront forwards header names."""
    found = _capitalized.get(name)
    if found is None:
        found = "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
        if len(_capitalized) >= 4096:
            _capitalized.clear()
        _capitalized[name] = found
    return found


def sort_cookies(value: str) -> str:
    """CloudFront sorts cookies in natural order by name before forwarding them."""
    cookies = [c.strip() for c in value.split(";") if c.strip()]
    return "; ".join(sorted(cookies, key=lambda c: c.split("=", 1)[0]))


def step(ctx: InvocationContext) -> None:
    """Endpoint: edge capitalises header names and sorts cookies; private needs a VPC endpoint."""
    mreq = ctx.method_request
    assert mreq is not None and ctx.deployment is not None
    kind = ctx.endpoint_type
    edge = kind == "EDGE"
    headers: dict[str, list[str]] = {}
    for name, values in mreq.headers.items():  # lists of this request's own (parse step)
        if name.lower() in _DROPPED:
            continue
        if edge:
            name = capitalize_header(name)
            if name == "Cookie":
                values = [sort_cookies(v) for v in values]
        known = headers.get(name)
        if known is None:
            headers[name] = values
        else:
            known.extend(values)

    ip = ctx.request.source_ip
    ids = ctx.plane.ids
    trace_id = f"Root=1-{int(ctx.request_time):08x}-{ids.hex(24)}"
    headers["Host"] = [f"{ctx.api_id}.execute-api.{ctx.region}.amazonaws.com"]
    if edge:
        for name, value in _EDGE_VIEWER:
            headers[name] = [value]
        headers["Via"] = [f"2.0 {ids.hex(32)}.cloudfront.net (CloudFront)"]
        headers["X-Amz-Cf-Id"] = [ids.token(40).rstrip("=")]
        headers["X-Amzn-Trace-Id"] = [trace_id]
        headers["X-Forwarded-For"] = [f"{ip}, {CLOUDFRONT_IP}"]
    else:
        headers["X-Amzn-Trace-Id"] = [trace_id]
        headers["X-Forwarded-For"] = [ip]
    headers["X-Forwarded-Port"] = ["443"]
    headers["X-Forwarded-Proto"] = ["https"]
    if kind == "PRIVATE" and ctx.source_vpce:
        headers["x-amzn-vpce-id"] = [ctx.source_vpce]
    mreq.headers = headers

    if kind == "PRIVATE" and not ctx.source_vpce:
        raise Forbidden(reason="private API called from outside a VPC endpoint")
    if ctx.source_vpce:
        ctx.trace.add("endpoint", kind, vpce=ctx.source_vpce)
    else:
        ctx.trace.add("endpoint", kind)
