"""Lab 03's spec as data (the ``tenant-orders`` API behind a tenant gate). What the check
says is in the lab's message catalogue (``helpers/messages/<lang>/lab03.toml``)."""

from __future__ import annotations

NAME = "tenant-orders"
STAGE = "v1"
PATH = "/tenants/{tenant}/orders"
POOL = "tenant-users"
CLIENT = "tenant-orders-web"
#: the custom attribute as the pool's schema names it, and as users and tokens carry it
ATTRIBUTE = "tenant"
USER_ATTRIBUTE = "custom:tenant"
#: the flow the check signs its users in with; ADMIN_NO_SRP_AUTH is its legacy name
AUTH_FLOWS = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
ORDERS_FUNCTION = "tenant-orders"
AUTHORIZER_FUNCTION = "tenant-authorizer"
AUTHORIZER = "tenant-gate"
IDENTITY_SOURCE = "method.request.header.Authorization"
#: the one error message of an authorizer function that API Gateway answers 401 for (§3.4)
UNAUTHORIZED = "Unauthorized"

#: the users the check creates in the learner's pool (and deletes when it is done), by tenant
CHECK_USERS = {"acme": "lab03-check-acme", "globex": "lab03-check-globex"}
#: meets Cognito's default password policy (8+ characters, upper, lower, digit, symbol)
CHECK_PASSWORD = "Lab03-Check-Passw0rd!"
