"""A Lambda proxy backend that answers with who API Gateway says the caller is: the
authorizer's output and the identity fields of ``requestContext`` (payload 1.0 or 2.0)."""

import json

IDENTITY_KEYS = ("accessKey", "accountId", "caller", "user", "userArn", "apiKey")


def handler(event, context):
    rc = event.get("requestContext") or {}
    identity = rc.get("identity") or {}
    authorizer = dict(rc.get("authorizer") or {}) or None
    if authorizer:
        # REST and WebSocket report how long the authorizer took; it varies run to run
        authorizer.pop("integrationLatency", None)
    body = {
        "path": event.get("rawPath") or event.get("path"),
        "authorizer": authorizer,
        "identity": {k: identity[k] for k in IDENTITY_KEYS if identity.get(k) is not None},
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
