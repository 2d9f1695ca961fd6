"""Answers with the event it received, as JSON (the behaviour tests read it back)."""

import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(event),
    }
