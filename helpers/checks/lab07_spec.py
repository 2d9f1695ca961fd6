"""Lab 07's spec as data: the ``orders`` API a partner's system calls, written as a
CloudFormation template and deployed as the stack ``orders-api``. What the lab says — its
hints and the check's messages — is in ``helpers/messages/<lang>/lab07.toml``."""

from __future__ import annotations

STACK = "orders-api"
API_NAME = "orders"
STAGE = "v1"
PATH = "/orders"
METHOD = "POST"
KEY_NAME = "partner"
PLAN_NAME = "partner-plan"
RATE = 5.0
BURST = 10
QUOTA = 1000
PERIOD = "DAY"
#: the largest quantity an order may have, first (steps 1-5) and after the change (steps 6 and 7)
FIRST_MAX = 10
MAX_QUANTITY = 20
#: logical ids the solution uses (the check finds resources by type, not by these names)
MODEL_NAME = "Order"

#: an order the spec accepts, and what the function answers for it
VALID = {"item": "coffee beans", "quantity": 2}
#: orders the spec refuses (400 Invalid request body, the function not called), and the key
#: of what is wrong with each (``[case]`` in the lab's message catalogue)
INVALID = (
    ({"quantity": 2}, "no_item"),
    ({"item": "tea", "quantity": 0}, "quantity_0"),
    ({"item": "tea", "quantity": "two"}, "quantity_text"),
)
#: accepted once the change is live; refused before it
RAISED = {"item": "tea", "quantity": 15}
#: refused even after the change
TOO_MANY = {"item": "tea", "quantity": MAX_QUANTITY + 1}
