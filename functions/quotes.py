"""Lab 06's quotes service, version 1: a quote of the day (``GET /quote``).

Deployed as the Lambda function ``apigw-lab-06-quotes`` (handler ``quotes.handler``); the
stage ``prod`` calls it through the alias its stage variable ``alias`` names.
"""

import json

VERSION = "1"
QUOTES = (
    "Simplicity is prerequisite for reliability.",
    "Make it work, make it right, make it fast.",
    "Premature optimization is the root of all evil.",
)


def handler(event, context):
    day = int((event.get("queryStringParameters") or {}).get("day", "0")) % len(QUOTES)
    body = {"quote": QUOTES[day], "version": VERSION}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
