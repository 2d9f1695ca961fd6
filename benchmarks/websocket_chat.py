"""WebSocket figures for `make bench`: the chat of notebook 11 (functions/chat.py:
DynamoDB connection table, broadcast through the @connections API from inside Lambda)
with 100 clients, and a two-way echo route answered to 100 clients at once.

The clients are real WebSocket clients (the websockets library's asyncio client), run on
their own event loop in a thread of this process.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from websockets.asyncio.client import ClientConnection, connect

import helpers

ROOT = Path(__file__).resolve().parent.parent
ECHO = """
def handler(event, context):
    return {"statusCode": 200, "body": event["body"]}
"""


class Clients:
    """``n`` WebSocket clients on a private event loop; counts what each received."""

    def __init__(self, url: str, n: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.received = [0] * n
        self.sockets: list[ClientConnection] = self._run(self._open(url, n))

    def _run(self, coro: Any, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _open(self, url: str, n: int) -> list[ClientConnection]:
        sockets = []
        for i in range(n):
            ws = await connect(f"{url}?name=client{i}", compression=None, max_queue=None)
            sockets.append(ws)
            self.loop.create_task(self._count(i, ws))
        return sockets

    async def _count(self, i: int, ws: ClientConnection) -> None:
        async for _ in ws:
            self.received[i] += 1

    def send(self, i: int, text: str) -> None:
        self._run(self.sockets[i].send(text))

    def send_all(self, text: str) -> None:
        async def all_send() -> None:
            await asyncio.gather(*(ws.send(text) for ws in self.sockets))

        self._run(all_send())

    def wait_for(self, total: int, timeout: float = 300) -> None:
        deadline = time.perf_counter() + timeout
        while sum(self.received) < total:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{sum(self.received)} of {total} messages arrived")
            time.sleep(0.001)

    def close(self) -> None:
        async def close_all() -> None:
            await asyncio.gather(*(ws.close() for ws in self.sockets))

        self._run(close_all())
        self.loop.call_soon_threadsafe(self.loop.stop)


def build_chat(lab: helpers.Lab) -> str:
    """The chat API of notebook 11 with an extra two-way ``echo`` route."""
    role = lab.execution_role()
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="ChatConnections",
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    lam = boto3.client("lambda")
    functions = {}
    for name, source, handler in (
        ("bench-chat", ROOT / "functions" / "chat.py", "chat.handler"),
        ("bench-echo", ECHO, "app.handler"),
    ):
        functions[name] = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler=handler,
            Code={"ZipFile": helpers.zip_function(source)},
            Environment={"Variables": {"TABLE_NAME": "ChatConnections"}},
        )["FunctionArn"]
    v2 = boto3.client("apigatewayv2")
    api_id = v2.create_api(
        Name="bench-chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    integrations = {}
    for name, arn in functions.items():
        uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        integrations[name] = v2.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri
        )["IntegrationId"]
        lam.add_permission(
            FunctionName=name,
            StatementId="apigw",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*",
        )
    for key in ("$connect", "$disconnect", "sendMessage"):
        v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integrations['bench-chat']}")
    echo = v2.create_route(
        ApiId=api_id, RouteKey="echo", Target=f"integrations/{integrations['bench-echo']}"
    )["RouteId"]
    v2.create_route_response(ApiId=api_id, RouteId=echo, RouteResponseKey="$default")
    v2.create_stage(ApiId=api_id, StageName="production")
    v2.create_deployment(ApiId=api_id, StageName="production")
    return api_id


def run(lab: helpers.Lab, clients: int = 100, broadcasts: int = 20, echoes: int = 10) -> None:
    api_id = build_chat(lab)
    url = lab.websocket_url(api_id, "production")
    start = time.perf_counter()
    crowd = Clients(url, clients)
    opened = time.perf_counter() - start
    print(f"WebSocket chat, {clients} clients (real clients in this process)")
    print(f"  connect ($connect Lambda + DynamoDB put)  {clients / opened:>9,.0f} connections/s")

    message = json.dumps({"action": "sendMessage", "message": "hi"})
    start = time.perf_counter()
    for _ in range(broadcasts):
        crowd.send(0, message)
    crowd.wait_for(broadcasts * clients)
    took = time.perf_counter() - start
    print(
        f"  broadcast from Lambda (scan + {clients} post_to_connection)"
        f" {broadcasts / took:>6,.1f} broadcasts/s = {broadcasts * clients / took:>7,.0f}"
        " messages delivered/s"
    )

    before = sum(crowd.received)
    echo = json.dumps({"action": "echo", "message": "ping"})
    start = time.perf_counter()
    for _ in range(echoes):
        crowd.send_all(echo)
    crowd.wait_for(before + echoes * clients)
    took = time.perf_counter() - start
    print(
        f"  two-way echo route, all {clients} clients at once"
        f"  {echoes * clients / took:>9,.0f} messages/s (in and back)"
    )

    mgmt = boto3.client("apigatewaymanagementapi", endpoint_url=lab.connections_url(api_id, "production"))
    ids = [c.connection_id for c in lab.gateway.connections.all()]
    before = sum(crowd.received)
    start = time.perf_counter()
    for cid in ids:
        mgmt.post_to_connection(ConnectionId=cid, Data=b"push")
    crowd.wait_for(before + len(ids))
    took = time.perf_counter() - start
    print(f"  post_to_connection from the notebook      {len(ids) / took:>9,.0f} messages/s")
    crowd.close()
    lab.settle(30)
    left = boto3.client("dynamodb").scan(TableName="ChatConnections")["Count"]
    print(f"  after closing: {left} rows left in the connection table ($disconnect ran)")
    lab.cleanup()


if __name__ == "__main__":
    run(helpers.connect(scope="benchmark"))
