"""Host: which API and stage the called host name reaches.

On an execute-api host (``{api-id}.execute-api.{region}.amazonaws.com``) the host names
the API and the first path segment the stage; this step only notes the host. On a custom
domain name, the data plane has already resolved the name through Route 53 and chosen the
base path / API mapping (:mod:`helpers.gateway.custom_domains`); this step records that in
the trace and in ``$context.domainName`` / ``$context.customDomain.basePathMatched``, or
answers ``403 {"message":"Forbidden"}`` when no mapping matches.
"""

from __future__ import annotations

from ..context import InvocationContext
from ..errors import Forbidden


def step(ctx: InvocationContext) -> None:
    """Host: the execute-api host, or a custom domain's base path mapping (403 if none)."""
    match = ctx.custom_domain
    if match is None:  # the API's own name (also when called through a VPC endpoint's name)
        ctx.domain_name = f"{ctx.api_id}.execute-api.{ctx.region}.amazonaws.com"
        return
    ctx.domain_name = match.host
    via = {"dns": " / ".join(match.dns)} if match.dns else {}
    if match.mapping is None:
        ctx.trace.add("custom-domain", f"{match.host}: no mapping", reason=match.reason, **via)
        raise Forbidden(reason=match.reason)
    mapping = match.mapping
    ctx.base_path_matched = mapping.key
    stage = mapping.stage or "(the next path segment)"
    ctx.trace.add(
        "custom-domain",
        f"{match.host}/{mapping.key or '(none)'} -> API {mapping.api_id} stage {stage}",
        path=match.path,
        region=match.region,
        **via,
    )
