"""A Lambda proxy backend that answers with who API Gateway says the caller is: the
authorizer's output and the identity fields of ``requestContext`` (payload 1.0 or 2.0)."""

import json

IDENTITY_KEYS = ("accessKey", "accountId", "caller", "user", "userArn", "apiKey")


def masked(access_key):
    """Never echo credentials back, not even an access key id: ASIA…N5N4."""
    return access_key[:4] + "…" + access_key[-4:] if access_key else access_key


def handler(event, context):
    rc = event.get("requestContext") or {}
    identity = rc.get("identity") or {}
    authorizer = dict(rc.get("authorizer") or {}) or None
    if authorizer:
        # REST and WebSocket report how long the authorizer took; it varies run to run
        authorizer.pop("integrationLatency", None)
        if "iam" in authorizer:  # HTTP APIs with AWS_IAM
            authorizer["iam"] = {**authorizer["iam"]}
            authorizer["iam"]["accessKey"] = masked(authorizer["iam"].get("accessKey"))
    shown = {k: identity[k] for k in IDENTITY_KEYS if identity.get(k) is not None}
    if "accessKey" in shown:
        shown["accessKey"] = masked(shown["accessKey"])
    body = {
        "path": event.get("rawPath") or event.get("path"),
        "authorizer": authorizer,
        "identity": shown,
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
