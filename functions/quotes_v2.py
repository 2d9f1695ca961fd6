"""Lab 06's quotes service, version 2: the same quotes, now with their authors.

Deploy it as the same function (``apigw-lab-06-quotes``, handler ``quotes.handler``: zip this
file under the name ``quotes.py``) and publish it as a new version.
"""

import json

VERSION = "2"
QUOTES = (
    ("Simplicity is prerequisite for reliability.", "Edsger W. Dijkstra"),
    ("Make it work, make it right, make it fast.", "Kent Beck"),
    ("Premature optimization is the root of all evil.", "Donald Knuth"),
)


def handler(event, context):
    day = int((event.get("queryStringParameters") or {}).get("day", "0")) % len(QUOTES)
    quote, author = QUOTES[day]
    body = {"quote": quote, "author": author, "version": VERSION}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
