"""API key (REST): a method with ``apiKeyRequired`` needs a key that a usage plan binds to
this stage (reference §1.4). The key comes from the ``x-api-key`` header, or from the Lambda
authorizer's ``usageIdentifierKey`` when the API's ``apiKeySource`` is ``AUTHORIZER``; the
check runs after the authorizer, as AWS's execution logs show."""

from __future__ import annotations

from ..context import InvocationContext
from ..errors import InvalidApiKey
from ..limits.usage_plans import KeyRefused, any_plans, grant_for


def step(ctx: InvocationContext) -> None:
    """API key: a method that requires a key needs one a usage plan binds to the stage (403)."""
    assert ctx.route is not None and ctx.stage is not None and ctx.method_request is not None
    if not ctx.route.method.get("apiKeyRequired"):
        if any_plans(ctx.account_id, ctx.region):
            ctx.trace.add("api-key", "not required: the usage plan's limits do not apply")
        return
    api = ctx.deployment.api if ctx.deployment else {}
    source = (api.get("apiKeySource") or "HEADER").upper()
    value = ctx.api_key if source == "AUTHORIZER" else ctx.method_request.header("x-api-key")
    try:
        grant = grant_for(
            ctx.account_id,
            ctx.region,
            ctx.api_id,
            ctx.stage.name,
            value,
            ctx.resource_path,
            ctx.route.http_method,
        )
    except KeyRefused as refused:
        where = "the authorizer's usageIdentifierKey" if source == "AUTHORIZER" else "x-api-key"
        raise InvalidApiKey(reason=f"{refused!s} ({where}) [apiKeySource {source}]") from None
    ctx.usage = grant
    ctx.api_key = grant.key_value
    ctx.identity["apiKey"] = grant.key_value
    ctx.identity["apiKeyId"] = grant.key_id
    ctx.trace.add(
        "api-key", f"key {grant.masked_key} in usage plan {grant.plan_name}", source=source
    )
