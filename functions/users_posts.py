"""The source documents' Users/Posts CRUD API: one function behind ten HTTP API routes.

API Gateway (HTTP API, payload format 2.0) sends ``routeKey`` such as ``"GET /users/{id}"``
(behind a REST API, the same key is made from ``httpMethod`` and ``resource``); the function
dispatches on it and stores items in two DynamoDB tables (``Users`` keyed by
``userId``, ``Posts`` keyed by ``postId``; names from the environment, defaults as in the
source documents).

One change from the source: new ids come from the invocation's request id rather than the
current time in milliseconds, so two items created in the same millisecond cannot collide.
"""

import json
import os
from datetime import UTC, datetime
from decimal import Decimal

import boto3

dynamodb = boto3.resource("dynamodb")
users_table = dynamodb.Table(os.environ.get("USERS_TABLE", "Users"))
posts_table = dynamodb.Table(os.environ.get("POSTS_TABLE", "Posts"))


def lambda_handler(event, context):
    print("routeKey:", event.get("routeKey"))
    # HTTP APIs send routeKey; a REST API's proxy event has httpMethod and resource instead
    route_key = event.get("routeKey") or f"{event.get('httpMethod')} {event.get('resource')}"
    params = event.get("pathParameters") or {}
    body = event.get("body") or "{}"
    new_id = context.aws_request_id[:8]
    try:
        if route_key == "GET /users":
            return scan(users_table)
        if route_key == "GET /users/{id}":
            return get(users_table, "userId", params["id"], "User")
        if route_key == "POST /users":
            data = json.loads(body)
            item = {"userId": f"user-{new_id}", "name": data.get("name", ""),
                    "email": data.get("email", ""), "createdAt": now()}
            users_table.put_item(Item=item)
            return response(201, item)
        if route_key == "PATCH /users/{id}":
            return update(users_table, "userId", params["id"], json.loads(body), "User")
        if route_key == "DELETE /users/{id}":
            users_table.delete_item(Key={"userId": params["id"]})
            return response(204, "")
        if route_key == "GET /posts":
            return scan(posts_table)
        if route_key == "GET /posts/{id}":
            return get(posts_table, "postId", params["id"], "Post")
        if route_key == "POST /posts":
            data = json.loads(body)
            item = {"postId": f"post-{new_id}", "userId": data.get("userId", ""),
                    "title": data.get("title", ""), "content": data.get("content", ""),
                    "createdAt": now()}
            posts_table.put_item(Item=item)
            return response(201, item)
        if route_key == "PATCH /posts/{id}":
            return update(posts_table, "postId", params["id"], json.loads(body), "Post")
        if route_key == "DELETE /posts/{id}":
            posts_table.delete_item(Key={"postId": params["id"]})
            return response(204, "")
        return response(404, {"message": "Not Found"})
    except Exception as e:  # the source documents answer every failure with a 500
        print(f"Error: {e}")
        return response(500, {"message": "Internal Server Error", "error": str(e)})


def now():
    return datetime.now(UTC).isoformat(timespec="seconds")


def scan(table):
    return response(200, convert_decimal(table.scan().get("Items", [])))


def get(table, key, value, what):
    result = table.get_item(Key={key: value})
    if "Item" not in result:
        return response(404, {"message": f"{what} not found"})
    return response(200, convert_decimal(result["Item"]))


def update(table, key, value, data, what):
    result = table.get_item(Key={key: value})
    if "Item" not in result:
        return response(404, {"message": f"{what} not found"})
    item = result["Item"]
    item.update(data)
    item[key] = value
    item["updatedAt"] = now()
    table.put_item(Item=item)
    return response(200, convert_decimal(item))


def response(status_code, body):
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, ensure_ascii=False) if body != "" else "",
    }


def convert_decimal(obj):
    if isinstance(obj, list):
        return [convert_decimal(item) for item in obj]
    if isinstance(obj, dict):
        return {key: convert_decimal(value) for key, value in obj.items()}
    if isinstance(obj, Decimal):
        return int(obj) if obj % 1 == 0 else float(obj)
    return obj
