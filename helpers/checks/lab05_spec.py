"""Lab 05's spec as data (a ``sendPrivate`` route on the WebSocket chat ``ChatAPI``), the
messages the check sends and expects, and the boto3 calls its hints quote."""

from __future__ import annotations

from typing import Any

NAME = "ChatAPI"
STAGE = "production"
ROUTE_SELECTION = "$request.body.action"
#: the route the learner adds; route keys are matched exactly (case-sensitive)
ROUTE = "sendPrivate"
#: the given chat's routes (functions/chat.py)
CHAT_ROUTES = ("$connect", "$disconnect", "sendMessage")
TABLE = "ChatConnections"
CHAT_FUNCTION = "chat"
PRIVATE_FUNCTION = "chat-private"
PRIVATE_FILE = "private_chat.py"
PRIVATE_HANDLER = "private_chat.handler"

#: the check's three clients (``?name=``), and a name nobody uses
SENDER, RECIPIENT, BYSTANDER = "alice", "bob", "carol"
USERS = (SENDER, RECIPIENT, BYSTANDER)
NOBODY = "dave"
#: what the check's clients say
PRIVATE_TEXT = "lab 05 check: lunch at noon?"
NOBODY_TEXT = "lab 05 check: anyone there?"
GONE_TEXT = "lab 05 check: still there?"
BROADCAST_TEXT = "lab 05 check: hello, everyone"
#: a row the check adds for a connection of bob's that is gone (a well-formed connection id
#: that no connection has: @connections answers GoneException [unc: on AWS, for an id that
#: was never issued, rather than BadRequestException])
GONE_CONNECTION_ID = "lab05CheckGone0="


def private_request(to: str, message: str) -> dict[str, Any]:
    """What a client sends for a private message."""
    return {"action": ROUTE, "to": to, "message": message}


def private_message(sender: str, to: str, message: str) -> dict[str, Any]:
    """What the recipient (and no one else) gets."""
    return {"from": sender, "to": to, "message": message, "private": True}


def nobody_error(to: str) -> dict[str, Any]:
    """What the sender gets when nobody called ``to`` is connected."""
    return {"error": f"nobody called {to} is connected"}


def broadcast_request(message: str) -> dict[str, Any]:
    return {"action": "sendMessage", "message": message}


def broadcast_message(sender: str, message: str) -> dict[str, Any]:
    """What everyone gets from the given chat's ``sendMessage`` (functions/chat.py)."""
    return {"from": sender, "message": message}


# ---------------------------------------------------------------------------- hint texts

DEPLOY = f'apigatewayv2.create_deployment(ApiId=api_id, StageName="{STAGE}")'
ROUTE_HINT = (
    f'apigatewayv2.create_route(ApiId=api_id, RouteKey="{ROUTE}", '
    'Target=f"integrations/{integration_id}")\n'
    f"then deploy again: {DEPLOY}"
)
RENAME_HINT = (
    f'apigatewayv2.update_route(ApiId=api_id, RouteId=<its id>, RouteKey="{ROUTE}")\n'
    f"then deploy again: {DEPLOY}"
)
INTEGRATION_HINT = (
    "integration_id = apigatewayv2.create_integration(ApiId=api_id, "
    'IntegrationType="AWS_PROXY",\n'
    '    IntegrationUri=invocation_uri(private_arn))["IntegrationId"]\n'
    "apigatewayv2.update_route(ApiId=api_id, RouteId=<the sendPrivate route's id>, "
    'Target=f"integrations/{integration_id}")\n'
    f"then deploy again: {DEPLOY}"
)
FUNCTION_HINT = (
    f'lam.create_function(FunctionName="{PRIVATE_FUNCTION}", Runtime="python3.12", '
    f'Role=role_arn, Handler="{PRIVATE_HANDLER}",\n'
    f'    Code={{"ZipFile": helpers.zip_function(PRIVATE_SOURCE, filename="{PRIVATE_FILE}")}},\n'
    f'    Environment={{"Variables": {{"TABLE_NAME": "{TABLE}"}}}})'
)
RESPONSE_HINT = (
    "apigatewayv2.delete_route_response(ApiId=api_id, RouteId=<the sendPrivate route's id>, "
    "RouteResponseId=...)\n"
    f"then deploy again (a one-way route, as the spec says): {DEPLOY}"
)


def permission_hint(function: str) -> str:
    return (
        f'lam.add_permission(FunctionName="{function}", StatementId="apigateway-{ROUTE}",\n'
        '    Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",\n'
        f'    SourceArn=f"arn:aws:execute-api:{{region}}:{{account_id}}:{{api_id}}/*/{ROUTE}")'
    )


LOOKUP_HINT = (
    "from boto3.dynamodb.conditions import Attr\n"
    'rows = table.scan(FilterExpression=Attr("name").eq(to))["Items"]  '
    "# only the rows of the recipient\n"
    "for row in rows:\n"
    '    api.post_to_connection(ConnectionId=row["connectionId"], Data=text.encode())'
)
ENDPOINT_HINT = (
    'context = event["requestContext"]\n'
    'api = boto3.client("apigatewaymanagementapi", '
    "endpoint_url=f\"https://{context['domainName']}/{context['stage']}\")"
)
SENDER_HINT = (
    'me = table.get_item(Key={"connectionId": event["requestContext"]["connectionId"]})'
    '["Item"]\n'
    'text = json.dumps({"from": me["name"], "to": to, "message": message, "private": True})'
)
GONE_HINT = (
    "try:\n"
    '    api.post_to_connection(ConnectionId=row["connectionId"], Data=text.encode())\n'
    "except api.exceptions.GoneException:  # that client left without a $disconnect\n"
    '    table.delete_item(Key={"connectionId": row["connectionId"]})'
)
NOBODY_HINT = (
    "if not delivered:  # nobody by that name: tell the sender, on the sender's connection\n"
    '    api.post_to_connection(ConnectionId=event["requestContext"]["connectionId"],\n'
    '        Data=json.dumps({"error": f"nobody called {to} is connected"}).encode())'
)
