"""A Lambda REQUEST authorizer for REST APIs and HTTP APIs (payload 1.0 and 2.0).

It lets in a caller whose ``x-tenant`` header names a known tenant and whose ``key``
query-string parameter is that tenant's key. ``RESPONSE_FORMAT=simple`` answers as an HTTP
API with ``enableSimpleResponses`` expects (``{"isAuthorized": ..., "context": ...}``);
otherwise it answers an IAM policy for the whole API.
"""

import os

KEYS = {"tenant-a": "k-111", "tenant-b": "k-222"}


def header(event, name):
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def handler(event, context):
    tenant = header(event, "x-tenant")
    key = (event.get("queryStringParameters") or {}).get("key")
    allowed = tenant in KEYS and KEYS[tenant] == key
    details = {"tenant": tenant or "", "checkedBy": "request_authorizer"}
    if os.environ.get("RESPONSE_FORMAT") == "simple":
        return {"isAuthorized": allowed, "context": details}
    arn = event.get("methodArn") or event.get("routeArn")
    api_arn = arn.split("/", 1)[0]
    return {
        "principalId": tenant or "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": f"{api_arn}/*",
                }
            ],
        },
        "context": details,
    }
