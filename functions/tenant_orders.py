"""The orders function (lab 03): one SaaS API, several tenants, each with its own orders.

Deploy it with handler ``tenant_orders.handler`` (Python 3.12) behind a Lambda proxy
integration on ``GET /tenants/{tenant}/orders``. It answers the orders of the tenant named
in the path, and echoes who the authorizer said the caller is
(``requestContext.authorizer.tenant``), so you can see the authorizer's ``context`` reach
the integration.

The function itself trusts the path: keeping one tenant away from another's orders is the
authorizer's job, before this function is ever called.
"""

import json

ORDERS = {
    "acme": [
        {"id": "A-1001", "item": "rocket skates", "quantity": 2},
        {"id": "A-1002", "item": "giant magnet", "quantity": 1},
    ],
    "globex": [
        {"id": "G-2001", "item": "doomsday device (small)", "quantity": 1},
    ],
}


def handler(event, context):
    tenant = (event.get("pathParameters") or {}).get("tenant")
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    body = {
        "tenant": tenant,
        "authorizedTenant": authorizer.get("tenant"),
        "orders": ORDERS.get(tenant, []),
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
