"""A Lambda *custom* (non-proxy) integration handler.

With a custom integration the function never sees HTTP: the request template builds the event
(here ``{"a": 2, "b": 3, "op": "add"}``) and the function returns plain data. Errors are
raised as exceptions whose message starts with a word the integration responses can match
(``selectionPattern``), e.g. ``"BadRequest: ..."`` → 400.
"""

OPERATIONS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


def handler(event, context):
    a, b, op = event.get("a"), event.get("b"), event.get("op") or "add"
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        raise ValueError("BadRequest: a and b must be numbers")
    if op not in OPERATIONS:
        raise ValueError(f"BadRequest: unknown operation {op!r}")
    if op == "div" and b == 0:
        raise ZeroDivisionError("BadRequest: division by zero")
    return {"a": a, "b": b, "op": op, "result": OPERATIONS[op](a, b)}
