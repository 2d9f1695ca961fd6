"""Lab 03's spec as data (the ``tenant-orders`` API behind a tenant gate), and the boto3
calls its hints quote."""

from __future__ import annotations

NAME = "tenant-orders"
STAGE = "v1"
PATH = "/tenants/{tenant}/orders"
POOL = "tenant-users"
CLIENT = "tenant-orders-web"
#: the custom attribute as the pool's schema names it, and as users and tokens carry it
ATTRIBUTE = "tenant"
USER_ATTRIBUTE = "custom:tenant"
#: the flow the check signs its users in with; ADMIN_NO_SRP_AUTH is its legacy name
AUTH_FLOWS = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
ORDERS_FUNCTION = "tenant-orders"
AUTHORIZER_FUNCTION = "tenant-authorizer"
AUTHORIZER = "tenant-gate"
IDENTITY_SOURCE = "method.request.header.Authorization"
#: the one error message of an authorizer function that API Gateway answers 401 for (§3.4)
UNAUTHORIZED = "Unauthorized"

#: the users the check creates in the learner's pool (and deletes when it is done), by tenant
CHECK_USERS = {"acme": "lab03-check-acme", "globex": "lab03-check-globex"}
#: meets Cognito's default password policy (8+ characters, upper, lower, digit, symbol)
CHECK_PASSWORD = "Lab03-Check-Passw0rd!"

# ---------------------------------------------------------------------------- hint texts

DEPLOY = f'apigateway.create_deployment(restApiId=api_id, stageName="{STAGE}")'
REDEPLOY = f'create_deployment(restApiId=api_id, stageName="{STAGE}")'
POOL_HINT = (
    f'cognito.create_user_pool(PoolName="{POOL}",\n'
    f'    Schema=[{{"Name": "{ATTRIBUTE}", "AttributeDataType": "String", "Mutable": False}}])'
)
CLIENT_HINT = (
    f'cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="{CLIENT}",\n'
    '    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])'
)
FLOWS_HINT = (
    "cognito.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, "
    f'ClientName="{CLIENT}",\n'
    '    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])'
)
METHOD_HINT = (
    'apigateway.update_method(restApiId=api_id, resourceId=orders_id, httpMethod="GET",\n'
    '    patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},\n'
    '                     {"op": "replace", "path": "/authorizerId", "value": authorizer_id}])\n'
    "then deploy again."
)
AUTHORIZER_HINT = (
    f'apigateway.create_authorizer(restApiId=api_id, name="{AUTHORIZER}", type="TOKEN",\n'
    "    authorizerUri=<the tenant-authorizer function's invocation URI>,\n"
    f'    identitySource="{IDENTITY_SOURCE}")'
)
IDENTITY_HINT = (
    "apigateway.update_authorizer(restApiId=api_id, authorizerId=authorizer_id,\n"
    '    patchOperations=[{"op": "replace", "path": "/identitySource", '
    f'"value": "{IDENTITY_SOURCE}"}}])\nthen deploy again.'
)
UNAUTHORIZED_HINT = (
    "try:\n"
    "    user = cognito.get_user(AccessToken=token)\n"
    "except cognito.exceptions.NotAuthorizedException:\n"
    '    raise Exception("Unauthorized")  # exactly this message: API Gateway answers 401 for it'
)
BEARER_HINT = (
    'token = event["authorizationToken"].removeprefix("Bearer ")  '
    "# the header is 'Bearer <access token>'"
)
TENANT_HINT = (
    'attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}\n'
    f'tenant = attributes["{USER_ATTRIBUTE}"]'
)
POLICY_HINT = (
    'api_arn, stage, _ = event["methodArn"].split("/", 2)  # arn:...:{api_id}, v1, GET/tenants/...\n'
    '"Resource": f"{api_arn}/{stage}/GET/tenants/{tenant}/orders"  '
    "# tenant: the user's custom:tenant, from Cognito"
)
CONTEXT_HINT = (
    'return {"principalId": user["Username"], "policyDocument": {...}, '
    '"context": {"tenant": tenant}}'
)
