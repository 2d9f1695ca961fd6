"""A Lambda TOKEN authorizer in the style of the AWS samples.

It knows three bearer tokens (a real one would verify a signed token or ask an identity
service). ``POLICY_SCOPE`` chooses what the returned policy covers:

- ``method`` (default): only the method ARN of this request (``event["methodArn"]``);
- ``api``: every method of every stage of the API (``.../{api-id}/*``).

With result caching on, a ``method`` policy is reused for the next method called with
the same token, and denies it: the classic trap.
"""

import os

TOKENS = {
    "allow-alice": ("alice", "reader"),
    "allow-bob": ("bob", "admin"),
    "deny-mallory": ("mallory", "banned"),
}


def policy(principal_id, effect, resource, context):
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }


def handler(event, context):
    token = event["authorizationToken"].removeprefix("Bearer ")
    if token == "boom":
        raise RuntimeError("Error: Invalid token")  # any error but "Unauthorized" → 500
    if token not in TOKENS:
        raise Exception("Unauthorized")  # the one error message API Gateway turns into 401
    user, role = TOKENS[token]
    arn = event["methodArn"]
    if os.environ.get("POLICY_SCOPE") == "api":
        api_arn, _stage, _rest = arn.split("/", 2)
        arn = f"{api_arn}/*"
    effect = "Deny" if role == "banned" else "Allow"
    return policy(user, effect, arn, {"role": role, "admin": role == "admin", "level": 3})
