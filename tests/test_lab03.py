"""Lab 03, a tenant gate: ``check_lab03`` passes on an API built to the spec, fails with a
targeted message (expected, got, hint) on each way of getting it wrong, and the blank
exercise stops at every step with a message naming it, its check cell failing helpfully.
Also: ``lab.cleanup()`` deletes the user pools the lab tagged, and no other.
(Generator and sync tests for every lab are in ``test_labs.py``.)
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from test_labs import (
    ACCOUNT,
    REGION,
    assert_blank_check_fails,
    assert_blank_setup_and_cleanup_run,
    assert_blank_steps_stop,
    run_blank,
)

from helpers import FUNCTIONS, zip_function

USERS = (("wile", "acme", "Acme-Orders-2025!"), ("hank", "globex", "Globex-Orders-2025!"))

#: the authorizer function of the solution, with knobs: {strip} how the token is read,
#: {verify} how the user is found, {resource} what the policy allows, {context} its context
AUTHORIZER = """
import boto3

cognito = boto3.client("cognito-idp")


def handler(event, context):
    token = {strip}
{verify}
    attributes = {{a["Name"]: a["Value"] for a in user["UserAttributes"]}}
    tenant = attributes.get("custom:tenant")
    if not tenant:
        raise Exception("Unauthorized")
    api_arn, stage, _ = event["methodArn"].split("/", 2)
    return {{
        "principalId": user["Username"],
        "policyDocument": {{
            "Version": "2012-10-17",
            "Statement": [{{"Action": "execute-api:Invoke", "Effect": {effect}, "Resource": {resource}}}],
        }},
        "context": {context},
    }}
"""
VERIFY = """    try:
        user = cognito.get_user(AccessToken=token)
    except cognito.exceptions.NotAuthorizedException:
        raise Exception("Unauthorized")"""
#: a careless authorizer: the user named by the path's tenant, whatever the token says
TRUSTING = """    tenant_in_path = event["methodArn"].split("/")[4]
    user = {"Username": "anyone", "UserAttributes": [{"Name": "custom:tenant", "Value": tenant_in_path}]}"""
POLICIES = {
    "tenant": ('"Allow"', 'f"{api_arn}/{stage}/GET/tenants/{tenant}/orders"'),
    "star": ('"Allow"', '"*"'),
    "method": ('"Allow"', 'event["methodArn"]'),
    # the method ARN, allowed for the user's own tenant and denied otherwise
    "method-checked": (
        '"Allow" if event["methodArn"].split("/")[4] == tenant else "Deny"',
        'event["methodArn"]',
    ),
}


def authorizer_source(
    *,
    policy: str = "tenant",
    bearer: bool = True,
    catch: bool = True,
    trusting: bool = False,
    context: bool = True,
) -> str:
    effect, resource = POLICIES[policy]
    verify = TRUSTING if trusting else VERIFY
    if not catch:
        verify = "    user = cognito.get_user(AccessToken=token)"
    return AUTHORIZER.format(
        strip='event["authorizationToken"].removeprefix("Bearer ")'
        if bearer
        else 'event["authorizationToken"]',
        verify=verify,
        effect=effect,
        resource=resource,
        context='{"tenant": tenant}' if context else "{}",
    )


def build_tenant_gate(
    lab: Any,
    *,
    pool: bool = True,
    attribute: bool = True,
    flows: tuple[str, ...] = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
    source: str | None = None,
    auth_type: str = "TOKEN",
    identity_source: str = "method.request.header.Authorization",
    authorization: str = "CUSTOM",
    authorizer_permission: bool = True,
    orders_permission: bool = True,
    deploy: bool = True,
    late_authorization: bool = False,
    ttl: int = 300,
) -> str:
    """The lab's boto3 calls, with knobs to get each of them wrong; returns the API id."""
    iam = boto3.client("iam", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    apigateway = boto3.client("apigateway", region_name=REGION)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    if pool:
        schema = [{"Name": "tenant", "AttributeDataType": "String", "Mutable": False}]
        pool_id = cognito.create_user_pool(
            PoolName="tenant-users", **({"Schema": schema} if attribute else {})
        )["UserPool"]["Id"]
        cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="tenant-orders-web", ExplicitAuthFlows=list(flows)
        )
        for name, tenant, password in USERS:
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=name,
                UserAttributes=[{"Name": "custom:tenant", "Value": tenant}] if attribute else [],
                MessageAction="SUPPRESS",
            )
            cognito.admin_set_user_password(
                UserPoolId=pool_id, Username=name, Password=password, Permanent=True
            )

    from helpers.lab import LAMBDA_TRUST_POLICY

    role_arn = iam.create_role(
        RoleName="apigw-lab-03-functions",
        AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
    )["Role"]["Arn"]
    orders_arn = lam.create_function(
        FunctionName="tenant-orders",
        Runtime="python3.12",
        Role=role_arn,
        Handler="tenant_orders.handler",
        Code={"ZipFile": zip_function(FUNCTIONS / "tenant_orders.py")},
        Timeout=5,
    )["FunctionArn"]
    authorizer_arn = lam.create_function(
        FunctionName="tenant-authorizer",
        Runtime="python3.12",
        Role=role_arn,
        Handler="tenant_authorizer.handler",
        Code={
            "ZipFile": zip_function(source or authorizer_source(), filename="tenant_authorizer.py")
        },
        Timeout=10,
    )["FunctionArn"]

    def uri(arn: str) -> str:
        return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"

    api_id = apigateway.create_rest_api(
        name="tenant-orders", endpointConfiguration={"types": ["REGIONAL"]}
    )["id"]
    root_id = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    tenants_id = apigateway.create_resource(restApiId=api_id, parentId=root_id, pathPart="tenants")[
        "id"
    ]
    tenant_id = apigateway.create_resource(
        restApiId=api_id, parentId=tenants_id, pathPart="{tenant}"
    )["id"]
    orders_id = apigateway.create_resource(restApiId=api_id, parentId=tenant_id, pathPart="orders")[
        "id"
    ]
    authorizer_id = apigateway.create_authorizer(
        restApiId=api_id,
        name="tenant-gate",
        type=auth_type,
        authorizerUri=uri(authorizer_arn),
        identitySource=identity_source,
        authorizerResultTtlInSeconds=ttl,
    )["id"]
    get = {"restApiId": api_id, "resourceId": orders_id, "httpMethod": "GET"}
    first = "NONE" if late_authorization else authorization
    apigateway.put_method(
        **get,
        authorizationType=first,
        **({"authorizerId": authorizer_id} if first == "CUSTOM" else {}),
    )
    apigateway.put_integration(
        **get, type="AWS_PROXY", integrationHttpMethod="POST", uri=uri(orders_arn)
    )
    arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}"
    if orders_permission:
        lam.add_permission(
            FunctionName="tenant-orders",
            StatementId="apigateway-invoke",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"{arn}/*/GET/tenants/*/orders",
        )
    if authorizer_permission:
        lam.add_permission(
            FunctionName="tenant-authorizer",
            StatementId="apigateway-authorizer",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"{arn}/authorizers/{authorizer_id}",
        )
    if deploy:
        apigateway.create_deployment(restApiId=api_id, stageName="v1")
    if late_authorization:  # changed after the deployment: not live until redeployed
        apigateway.update_method(
            **get,
            patchOperations=[
                {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
                {"op": "replace", "path": "/authorizerId", "value": authorizer_id},
            ],
        )
    return api_id


def failure(lab: Any, api_id: Any, stage: str = "v1") -> str:
    from helpers.checks import CheckFailed, check_lab03

    with pytest.raises(CheckFailed) as caught:
        check_lab03(lab, api_id, stage)
    return str(caught.value)


def pool_users() -> list[str]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    (pool,) = cognito.list_user_pools(MaxResults=10)["UserPools"]
    return sorted(u["Username"] for u in cognito.list_users(UserPoolId=pool["Id"])["Users"])


# ---------------------------------------------------------------------------- it passes


def test_check_passes_on_an_api_built_to_the_spec(
    fresh_lab: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.checks import CHECKS, check_lab03

    assert CHECKS["03-tenant-gate"] is check_lab03
    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    api_id = build_tenant_gate(fresh_lab)
    capsys.readouterr()
    assert check_lab03(fresh_lab, api_id, "v1") is None
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "✓ REST API 'tenant-orders' exists with a REGIONAL endpoint",
        "✓ user pool 'tenant-users' has the attribute custom:tenant; client "
        "'tenant-orders-web' allows ADMIN_USER_PASSWORD_AUTH",
        "✓ no token → 401 Unauthorized",
        "✓ a forged token (an acme token with its signature changed) → 401 Unauthorized",
        "✓ an acme token on /tenants/acme/orders → 200, 2 orders of acme, authorizer context "
        "tenant=acme",
        "✓ the same token on /tenants/globex/orders → 403, not authorized",
        "✓ a new acme token: /tenants/globex/orders first → 403, then /tenants/acme/orders → "
        "200 (the policy names the user's tenant, whatever path asked first)",
        "✓ a globex token on /tenants/globex/orders → 200, 1 order of globex, authorizer "
        "context tenant=globex",
        "✓ GET /tenants/{tenant}/orders uses TOKEN authorizer 'tenant-gate' "
        "(method.request.header.Authorization)",
        "All 9 checks passed: lab 03, a tenant gate, meets the spec",
    ]
    # the check's own users are gone; the learner's are still there
    assert pool_users() == ["hank", "wile"]


def test_the_cached_answer_is_what_refuses_the_other_tenant(fresh_lab: Any) -> None:
    """With the result cache on, the second request of a token is answered from the cache."""
    from helpers.checks import check_lab03

    fresh_lab.clock.freeze("2025-01-01T09:00:00Z")
    check_lab03(fresh_lab, build_tenant_gate(fresh_lab), "v1")
    cached = [
        e
        for trace in fresh_lab.traces(10)
        for e in trace.entries
        if e.step == "authorizer" and e.decision == "cached answer"
    ]
    assert len(cached) == 2  # the same acme token on globex; the new one back on acme


def test_the_check_passes_without_a_result_cache(fresh_lab: Any) -> None:
    from helpers.checks import check_lab03

    check_lab03(fresh_lab, build_tenant_gate(fresh_lab, ttl=0), "v1")


def test_the_check_leaves_no_user_behind_when_it_fails(fresh_lab: Any) -> None:
    failure(fresh_lab, build_tenant_gate(fresh_lab, source=authorizer_source(policy="star")))
    assert pool_users() == ["hank", "wile"]


def test_the_forged_token_is_well_formed_and_differs() -> None:
    from helpers.checks.lab03 import forge

    token = "aGVhZA.cGF5bG9hZA.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    forged = forge(token)
    assert forged != token and len(forged) == len(token)
    assert forged.split(".")[:2] == token.split(".")[:2]


# ---------------------------------------------------------------------------- wrong builds

#: (what the learner got wrong, build arguments, phrases the message must contain)
WRONG: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "authorizationType NONE",
        {"authorization": "NONE"},
        (
            "✗ a request without a token is refused with 401",
            "HTTP 200",
            "method GET /tenants/{tenant}/orders has authorizationType NONE",
            '"value": "CUSTOM"',
        ),
    ),
    (
        "authorizer added after the deployment",
        {"late_authorization": True},
        (
            "HTTP 200",
            "serves an older deployment",
            'create_deployment(restApiId=api_id, stageName="v1")',
        ),
    ),
    (
        "policy with Resource '*': tenants cross",
        {"source": authorizer_source(policy="star")},
        (
            "✗ the same acme token may not read /tenants/globex/orders",
            "HTTP 200",
            "the authorizer's policy allows '*' so acme reached globex's orders",
            '"Resource": f"{api_arn}/{stage}/GET/tenants/{tenant}/orders"',
        ),
    ),
    (
        "policy for the methodArn, no tenant check: crosses once the cache is bypassed",
        {"source": authorizer_source(policy="method")},
        (
            "✗ a new acme token used on /tenants/globex/orders first gets 403",
            "HTTP 200",
            "/GET/tenants/globex/orders' so acme reached globex's orders",
        ),
    ),
    (
        "policy for the methodArn with a Deny: the cached Deny refuses the user's own path",
        {"source": authorizer_source(policy="method-checked")},
        (
            "then 200 on /tenants/acme/orders",
            "HTTP 403",
            "API Gateway cached the answer your authorizer gave when this token asked for "
            "/tenants/globex/orders",
            "authorizerResultTtlInSeconds",
            "custom:tenant",
        ),
    ),
    (
        "missing authorizer permission: 500",
        {"authorizer_permission": False},
        (
            "✗ a forged token is refused with 401",
            "HTTP 500",
            "authorizer function 'tenant-authorizer' has no permission for "
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:",
            "/authorizers/",
            'lam.add_permission(FunctionName="tenant-authorizer"',
            "Invalid permissions on Lambda",
        ),
    ),
    (
        "missing orders permission: 500",
        {"orders_permission": False},
        (
            "✗ an acme user reads /tenants/acme/orders",
            "HTTP 500",
            "orders function 'tenant-orders' has no permission for",
            "/v1/GET/tenants/{tenant}/orders",
        ),
    ),
    (
        "NotAuthorizedException not caught: 500",
        {"source": authorizer_source(catch=False)},
        (
            "✗ a forged token is refused with 401",
            "HTTP 500",
            "the authorizer function 'tenant-authorizer' failed: An error occurred "
            "(NotAuthorizedException) when calling the GetUser operation",
            'raise Exception("Unauthorized")',
        ),
    ),
    (
        "an authorizer that never asks Cognito",
        {"source": authorizer_source(trusting=True)},
        ("✗ a forged token", "HTTP 200", "accepted a forged token", "get_user(AccessToken=token)"),
    ),
    (
        "'Bearer ' not stripped",
        {"source": authorizer_source(bearer=False)},
        ("✗ an acme user reads", "HTTP 401", "refuses 'Bearer <token>'", 'removeprefix("Bearer ")'),
    ),
    (
        "no context",
        {"source": authorizer_source(context=False)},
        ("authorizedTenant None", "has no context tenant", '"context": {"tenant": tenant}'),
    ),
    (
        "identity source another header",
        {"identity_source": "method.request.header.X-Token"},
        ("HTTP 401", "reads the token from method.request.header.X-Token", "/identitySource"),
    ),
    (
        "a REQUEST authorizer",
        {"auth_type": "REQUEST"},
        ("HTTP 500", "has type REQUEST", 'type="TOKEN"'),
    ),
    (
        "no deployment: 403",
        {"deploy": False},
        ("HTTP 403", "no stage 'v1'", 'create_deployment(restApiId=api_id, stageName="v1")'),
    ),
    (
        "no user pool",
        {"pool": False},
        ("user pool 'tenant-users'", "no user pool by that name", "create_user_pool("),
    ),
    (
        "pool without the custom attribute",
        {"attribute": False},
        ("has no attribute custom:tenant", "add_custom_attributes("),
    ),
    (
        "client without ADMIN_USER_PASSWORD_AUTH",
        {"flows": ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")},
        (
            "does not allow ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "update_user_pool_client(",
        ),
    ),
]


@pytest.mark.parametrize("build, phrases", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_build_gets_a_targeted_message(
    fresh_lab: Any, build: dict[str, Any], phrases: tuple[str, ...]
) -> None:
    message = failure(fresh_lab, build_tenant_gate(fresh_lab, **build))
    assert message.startswith("✗ ")
    for part in ("expected:", "got:", "hint:", *phrases):
        assert part in message, f"{part!r} not in:\n{message}"


@pytest.mark.parametrize(
    "api_id, stage, phrases",
    [
        (None, "v1", ("api_id = None", 'create_rest_api(name="tenant-orders"', "has not run yet")),
        ("nosuchapi", "v1", ("no such REST API", "create_rest_api step again")),
        ("API", "prod", ("the stage is 'v1'", "'prod'", 'check_lab03(lab, api_id, "v1")')),
    ],
)
def test_bad_inputs_are_explained(
    fresh_lab: Any, api_id: Any, stage: str, phrases: tuple[str, ...]
) -> None:
    built = build_tenant_gate(fresh_lab)
    message = failure(fresh_lab, built if api_id == "API" else api_id, stage)
    for part in phrases:
        assert part in message, f"{part!r} not in:\n{message}"


# ---------------------------------------------------------------------------- clean-up by tag


def test_cleanup_deletes_tagged_user_pools_only(fresh_lab: Any) -> None:
    """helpers/tagging.py: the lab's pools go (with their users and clients); others stay."""
    from helpers.tagging import TAG_KEY

    cognito = boto3.client("cognito-idp", region_name=REGION)
    mine = cognito.create_user_pool(PoolName="mine")["UserPool"]
    assert mine["UserPoolTags"] == {TAG_KEY: fresh_lab.scope}
    cognito.create_user_pool_client(UserPoolId=mine["Id"], ClientName="web")
    other_scope = cognito.create_user_pool(PoolName="other", UserPoolTags={TAG_KEY: "elsewhere"})
    untagged = boto3.client("cognito-idp", region_name=REGION)
    untagged.meta.events.unregister(
        "provide-client-params.cognito-identity-provider.CreateUserPool",
        unique_id="apigw-lab-tag-cognito-idp-CreateUserPool",
    )
    theirs = untagged.create_user_pool(PoolName="theirs")["UserPool"]
    assert not theirs.get("UserPoolTags")

    deleted = fresh_lab.cleanup()

    assert f"user pool mine ({mine['Id']})" in deleted
    left = {p["Name"] for p in cognito.list_user_pools(MaxResults=10)["UserPools"]}
    assert left == {"other", "theirs"}
    assert other_scope["UserPool"]["Name"] == "other"
    assert not [d for d in fresh_lab.cleanup() if d.startswith("user pool")]


# ---------------------------------------------------------------------------- blank exercise

#: what each blank step's NotImplementedError must name (its nudge)
LAB03_STEPS = {
    "Step 1": (
        "tenant-users",
        "custom attribute",
        "tenant-orders-web",
        "ADMIN_USER_PASSWORD_AUTH",
        "hint(1)",
    ),
    "Step 2": ("TENANT_USERS", "admin_create_user", "admin_set_user_password", "hint(2)"),
    "Step 3": ("AUTHORIZER_SOURCE", "get_user", 'Exception("Unauthorized")', "context", "hint(3)"),
    "Step 4": ("lam.create_function", "tenant-authorizer", "tenant-orders", "hint(4)"),
    "Step 5": ("tenant-orders", "/tenants/{tenant}/orders", "TOKEN authorizer", "CUSTOM", "hint(5)"),
    "Step 6": ("lam.add_permission", "tenant-authorizer", "tenant-orders", "hint(6)"),
    "Step 7": ("create_deployment", '"v1"', "hint(7)"),
}


@pytest.fixture(scope="module")
def blank_lab03() -> Any:
    return run_blank("03-tenant-gate.ipynb")


def test_each_blank_step_stops_with_a_message_naming_it(blank_lab03: Any) -> None:
    assert_blank_steps_stop(blank_lab03, LAB03_STEPS)


def test_the_blank_check_fails_helpfully(blank_lab03: Any) -> None:
    assert_blank_check_fails(blank_lab03, "check_lab03", "tenant-orders")


def test_the_blank_setup_and_cleanup_cells_run(blank_lab03: Any) -> None:
    outputs = assert_blank_setup_and_cleanup_run(blank_lab03)
    assert "role apigw-lab-03-functions" in outputs
