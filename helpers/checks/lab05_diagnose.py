"""Why lab 05's chat answered as it did, read from the control plane (the WebSocket API's
routes, the ``sendPrivate`` route's integration and function, the function's permission)
and, on the moto target, from the gateway's trace of the message. Each ``*_problem``
function returns ``(what is wrong, hint)``.

On AWS, the trace's lines are in the stage's execution logs; the control plane alone then
explains what it can (a missing or misspelt route, a missing permission).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from . import lab05_spec as spec
from .common import account_id, error_code, invoke_permission

Problem = tuple[str, str]

_FUNCTION_URI = re.compile(r":lambda:path/2015-03-31/functions/(.+)/invocations$")
#: the trace steps that say why a message got its answer (moto target)
TRACE_STEPS = ("route", "lambda-permission", "integration", "gateway-response")


def function_name(uri: str | None) -> str | None:
    """The function an integration URI names (an invocation URI or a function ARN)."""
    text = uri or ""
    found = _FUNCTION_URI.search(text)
    arn = found.group(1) if found else text
    if ":function:" in arn:
        return arn.split(":function:", 1)[1].split(":")[0]
    return None


class ChatApi:
    """The learner's WebSocket API ``ChatAPI`` as the control plane describes it."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        self.lab = lab
        self.api_id = api_id
        self.stage = stage
        self.v2 = lab.session.client("apigatewayv2", region_name=lab.region)
        self.awslambda = lab.session.client("lambda", region_name=lab.region)
        self._account: str | None = None

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = account_id(self.lab)
        return self._account

    def api_arn(self) -> str:
        return f"arn:aws:execute-api:{self.lab.region}:{self.account}:{self.api_id}"

    def source_arn(self, route_key: str) -> str:
        """The ARN API Gateway presents to Lambda for a WebSocket route: stage, route key."""
        return f"{self.api_arn()}/{self.stage}/{route_key}"

    def describe(self) -> dict[str, Any] | None:
        try:
            return dict(self.v2.get_api(ApiId=self.api_id))
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise

    def routes(self) -> dict[str, dict[str, Any]]:
        """The API's routes (as it is now, not as deployed), by route key."""
        found: dict[str, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {"ApiId": self.api_id}
        while True:
            page = self.v2.get_routes(**kwargs)
            found.update({r["RouteKey"]: r for r in page.get("Items", [])})
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def stage_deployment(self) -> str | None:
        """The id of the deployment the stage serves (None: no stage, or never deployed)."""
        try:
            return self.v2.get_stage(ApiId=self.api_id, StageName=self.stage).get("DeploymentId")
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise

    def integration(self, route: dict[str, Any]) -> dict[str, Any] | None:
        target = route.get("Target") or ""
        if not target.startswith("integrations/"):
            return None
        try:
            return dict(
                self.v2.get_integration(ApiId=self.api_id, IntegrationId=target.split("/", 1)[1])
            )
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise

    def function_of(self, route_key: str) -> str | None:
        route = self.routes().get(route_key)
        integration = self.integration(route) if route else None
        return function_name((integration or {}).get("IntegrationUri"))


# ---------------------------------------------------------------------------- the trace


def trace_reason(lab: Any, route_key: str | None = None, event: str = "MESSAGE") -> str | None:
    """What the gateway decided for the last ``event`` (``MESSAGE``, for ``route_key`` if
    given; or ``CONNECT``) on the moto target, on one line: ``route: ...;
    gateway-response: INTEGRATION_FAILURE: ...``. None on the aws target."""
    gateway = getattr(lab, "gateway", None)
    if gateway is None:
        return None
    # a handshake refused before its route was chosen (no stage) has no method yet
    events = (event, "") if event == "CONNECT" else (event,)
    for trace in reversed(gateway.traces.last(20)):
        if trace.method not in events or (route_key and trace.path != route_key):
            continue
        found = []
        for entry in trace.entries:
            if entry.step not in TRACE_STEPS:
                continue
            why = entry.details.get("reason") or entry.details.get("error")
            found.append(f"{entry.step}: {entry.decision}" + (f": {why}" if why else ""))
        return "; ".join(found[-2:]) or None
    return None


def integration_status(lab: Any, route_key: str) -> int | None:
    """The statusCode the route's function answered for the last message (moto target)."""
    gateway = getattr(lab, "gateway", None)
    if gateway is None:
        return None
    for trace in reversed(gateway.traces.last(20)):
        if trace.method == "MESSAGE" and trace.path == route_key:
            for entry in trace.entries:
                found = re.fullmatch(r"Lambda answered (\d+)", entry.decision)
                if entry.step == "integration" and found:
                    return int(found.group(1))
            return None
    return None


# ---------------------------------------------------------------------------- by situation


def no_route_problem(chat: ChatApi) -> Problem:
    """Why API Gateway found no route for ``{"action": "sendPrivate"}`` (Forbidden)."""
    routes = chat.routes()
    keys = ", ".join(sorted(routes)) or "none"
    if spec.ROUTE in routes:
        return (
            f"the stage's deployment has no {spec.ROUTE} route: redeploy. Your API has the "
            f"route, but stage {chat.stage!r} still serves the deployment made before you "
            "added it, and changes are live only once deployed",
            f"Deploy again: {spec.DEPLOY}",
        )
    near = [k for k in routes if k.lower() == spec.ROUTE.lower()]
    if near:
        return (
            f"route key is case-sensitive: found {near[0]}, and API Gateway matches the "
            f"message's action {spec.ROUTE!r} exactly",
            spec.RENAME_HINT,
        )
    return (
        f"your API has no route {spec.ROUTE} (its routes: {keys}); with no route for the "
        "message's action and no $default route, API Gateway answers Forbidden",
        spec.ROUTE_HINT,
    )


def permission_problem(chat: ChatApi, function: str) -> Problem | None:
    """The function lets API Gateway invoke it for ``.../{stage}/sendPrivate``."""
    try:
        fn = chat.awslambda.get_function(FunctionName=function)["Configuration"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return (
            f"route {spec.ROUTE}'s integration calls function {function!r}, which does not exist",
            spec.FUNCTION_HINT,
        )
    source_arn = chat.source_arn(spec.ROUTE)
    allowed, arns = invoke_permission(
        chat.awslambda, function, fn["FunctionArn"], source_arn, chat.account
    )
    if allowed:
        return None
    return (
        f"function {function!r} has no permission for {source_arn} (API Gateway invokes a "
        "WebSocket route's function with the source ARN .../{stage}/{route key})"
        + (f"\n(its policy allows only {', '.join(arns)})" if arns else " (it has no policy)"),
        spec.permission_hint(function),
    )


def failed_problem(chat: ChatApi, what: str) -> Problem:
    """Why the ``sendPrivate`` route answered ``Internal server error``: no integration, no
    function, no permission, or the function failed. ``what``: the situation, for the
    text (e.g. "when one of bob's connections is gone")."""
    route = chat.routes().get(spec.ROUTE)
    integration = chat.integration(route) if route else None
    if route is not None and integration is None:
        return (f"route {spec.ROUTE} has no integration (Target)", spec.INTEGRATION_HINT)
    function = function_name((integration or {}).get("IntegrationUri"))
    if function is not None:
        problem = permission_problem(chat, function)
        if problem:
            return problem
    name = function or spec.PRIVATE_FUNCTION
    return (
        f"your function {name!r} failed {what}; API Gateway tells the sender only "
        '"Internal server error"',
        f"Read its logs (the log group /aws/lambda/{name}), or look at the gateway's line "
        "below (on AWS: the stage's execution logs).",
    )


def silent_problem(chat: ChatApi) -> Problem:
    """Why nobody got anything for a private message that reached the route's function."""
    function = chat.function_of(spec.ROUTE)
    status = integration_status(chat.lab, spec.ROUTE)
    if function == spec.CHAT_FUNCTION:
        return (
            f"route {spec.ROUTE} calls the given chat function {function!r}, which knows only "
            f"$connect, $disconnect and sendMessage (it answers 400 to {spec.ROUTE})",
            f"Integrate the route with your own function {spec.PRIVATE_FUNCTION!r}:\n"
            + spec.INTEGRATION_HINT,
        )
    why = (
        f" (it answered statusCode {status}; on a one-way route nobody sees that answer)"
        if status is not None and not 200 <= status < 300
        else ""
    )
    return (
        f"your function {function or spec.PRIVATE_FUNCTION!r} ran{why} but posted nothing "
        f"to {spec.RECIPIENT}'s connection: it must find the rows whose name is the message's "
        "'to' and post to each row's connectionId through the @connections API",
        spec.LOOKUP_HINT + "\nwith the API's endpoint from the event:\n" + spec.ENDPOINT_HINT,
    )


def difference(expected: dict[str, Any], got: Any) -> str:
    """How a received message differs from the spec's, in words."""
    if not isinstance(got, dict):
        return f"the message is {json.dumps(got)}, not a JSON object"
    parts = []
    missing = [k for k in expected if k not in got]
    if missing:
        parts.append("it has no " + ", ".join(repr(k) for k in missing))
    for key, value in expected.items():
        if key in got and got[key] != value:
            note = ""
            if value is True and got[key] in ("true", "True", 1):
                note = " (a JSON boolean: True in Python, not a string)"
            parts.append(f"{key!r} is {json.dumps(got[key])}, not {json.dumps(value)}{note}")
    extra = [k for k in got if k not in expected]
    if extra:
        parts.append("it has more keys: " + ", ".join(repr(k) for k in extra))
    return "; ".join(parts) or "it differs"


def wrong_message_hint(expected: dict[str, Any], got: Any) -> str:
    """What to change in the function for a message that differs from the spec's."""
    if isinstance(got, dict) and got.get("from") not in (None, expected.get("from")):
        return (
            "'from' is the sender's name, from the sender's row in the table (by the "
            "event's connectionId):\n" + spec.SENDER_HINT
        )
    return "Send exactly the spec's message:\n" + spec.SENDER_HINT
