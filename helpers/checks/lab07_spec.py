"""Lab 07's spec as data: the ``orders`` API a partner's system calls, written as a
CloudFormation template and deployed as the stack ``orders-api``."""

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
#: orders the spec refuses (400 Invalid request body, the function not called), and why
INVALID = (
    ({"quantity": 2}, "no item"),
    ({"item": "tea", "quantity": 0}, "quantity 0"),
    ({"item": "tea", "quantity": "two"}, "quantity not a number"),
)
#: accepted once the change is live; refused before it
RAISED = {"item": "tea", "quantity": 15}
#: refused even after the change
TOO_MANY = {"item": "tea", "quantity": MAX_QUANTITY + 1}

#: (spec row, value) for the table the notebook shows
TABLE = (
    ("Stack", f"`{STACK}` (capabilities `CAPABILITY_IAM`: the template makes the function's role)"),
    ("REST API", f"named `{API_NAME}`, endpoint type `REGIONAL`"),
    (
        f"`{METHOD} {PATH}`",
        "a Lambda proxy integration (`AWS_PROXY`) to the `create-order` function the template "
        "already has; an API key required; the request body validated against the model",
    ),
    (
        "Model `Order`",
        f"`application/json`: an object with `item` (a string, not empty) and `quantity` (an "
        f"integer from 1 to {FIRST_MAX}; {MAX_QUANTITY} after the change of steps 6 and 7), both required",
    ),
    ("Stage", f"`{STAGE}`, its own `AWS::ApiGateway::Stage` resource"),
    ("API key", f"`{KEY_NAME}`, enabled"),
    (
        "Usage plan",
        f"`{PLAN_NAME}` on stage `{STAGE}`: {RATE:g} requests a second, burst {BURST}; "
        f"{QUOTA:,} requests a {PERIOD.lower()}",
    ),
    (
        "Behaviour",
        f"no key → `403`; a valid order → `201` and the order; an invalid one → `400 Invalid "
        f"request body` before the function runs; more than {BURST} at once → `429`",
    ),
)


def spec_table() -> str:
    """The spec as the Markdown table the notebook shows (a test keeps the two equal)."""
    lines = ["| | |", "|---|---|"]
    lines += [f"| **{row}** | {value} |" for row, value in TABLE]
    return "\n".join(lines)
