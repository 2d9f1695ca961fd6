"""The chat from the course's source documents, for a WebSocket API.

- ``$connect``: remember the connection in a DynamoDB table (its ``name``, and the
  ``userId`` a global secondary index can be keyed on), with a TTL attribute so that a
  connection whose ``$disconnect`` never ran does not stay there forever;
- ``sendMessage``: send the message to every remembered connection through the
  @connections API; a connection that is gone (``GoneException``) is deleted;
- ``$disconnect``: forget the connection.

The table name and the TTL come from environment variables.
"""

import json
import os
import time

import boto3

TABLE_NAME = os.environ.get("TABLE_NAME", "ChatConnections")
#: a connection lives at most 2 hours on API Gateway: keep its row no longer than that
CONNECTION_TTL_SECONDS = int(os.environ.get("CONNECTION_TTL_SECONDS", "7200"))

table = boto3.resource("dynamodb").Table(TABLE_NAME)


def management_api(event):
    """The @connections endpoint of the API and stage the event came from."""
    context = event["requestContext"]
    endpoint = f"https://{context['domainName']}/{context['stage']}"
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)


def live_connections():
    """Remembered connections whose TTL has not passed (DynamoDB deletes expired rows
    late, so readers filter them out themselves)."""
    now = int(time.time())
    items = table.scan()["Items"]
    return [item for item in items if int(item["expiresAt"]) > now]


def broadcast(event, text):
    api = management_api(event)
    delivered, gone = 0, 0
    for item in live_connections():
        try:
            api.post_to_connection(ConnectionId=item["connectionId"], Data=text.encode())
            delivered += 1
        except api.exceptions.GoneException:
            table.delete_item(Key={"connectionId": item["connectionId"]})
            gone += 1
    print(f"broadcast to {delivered} connection(s), {gone} gone")
    return delivered, gone


def handler(event, context):
    route = event["requestContext"]["routeKey"]
    connection_id = event["requestContext"]["connectionId"]

    if route == "$connect":
        name = (event.get("queryStringParameters") or {}).get("name", "anonymous")
        table.put_item(
            Item={
                "connectionId": connection_id,
                "name": name,
                # the user behind the connection (here, the name they gave): a table with a
                # UserIdIndex on it finds all of one user's connections with a query
                "userId": name,
                "expiresAt": int(time.time()) + CONNECTION_TTL_SECONDS,
            }
        )
        return {"statusCode": 200}

    if route == "$disconnect":
        table.delete_item(Key={"connectionId": connection_id})
        return {"statusCode": 200}

    if route == "sendMessage":
        message = json.loads(event["body"]).get("message", "")
        sender = table.get_item(Key={"connectionId": connection_id}).get("Item") or {}
        text = json.dumps({"from": sender.get("name", "?"), "message": message})
        delivered, gone = broadcast(event, text)
        return {"statusCode": 200, "body": json.dumps({"delivered": delivered, "gone": gone})}

    return {"statusCode": 400, "body": json.dumps({"error": f"unknown route {route}"})}
