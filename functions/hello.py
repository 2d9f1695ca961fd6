"""A first Lambda proxy handler: greets the caller and says which resource answered.

API Gateway (payload format 1.0) passes the whole HTTP request as ``event``; the function
returns the HTTP response as a dict with ``statusCode``, ``headers`` and a string ``body``.
"""

import json


def handler(event, context):
    params = event.get("queryStringParameters") or {}
    name = params.get("name", "world")
    body = {
        "message": f"Hello, {name}!",
        "resource": event["resource"],
        "path": event["path"],
        "pathParameters": event["pathParameters"],
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
