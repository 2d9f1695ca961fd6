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
from .common import Catalogue, account_id, error_code, invoke_permission, messages

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
        self.texts: Catalogue = messages("lab05")
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
    t = chat.texts
    routes = chat.routes()
    keys = ", ".join(sorted(routes)) or t.text("why.none")
    if spec.ROUTE in routes:
        return (
            t.text("why.deployed_without", stage=chat.stage),
            t.text("fix.redeploy", deploy=t.text("code.deploy")),
        )
    near = [k for k in routes if k.lower() == spec.ROUTE.lower()]
    if near:
        return t.text("why.case", found=near[0]), t.text("code.rename")
    return t.text("why.no_route", keys=keys), t.text("code.route")


def permission_hint(chat: ChatApi, function: str) -> str:
    return chat.texts.text("code.permission", function=function)


def permission_problem(chat: ChatApi, function: str) -> Problem | None:
    """The function lets API Gateway invoke it for ``.../{stage}/sendPrivate``."""
    t = chat.texts
    try:
        fn = chat.awslambda.get_function(FunctionName=function)["Configuration"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return t.text("why.no_function", function=function), t.text("code.function")
    source_arn = chat.source_arn(spec.ROUTE)
    allowed, arns = invoke_permission(
        chat.awslambda, function, fn["FunctionArn"], source_arn, chat.account
    )
    if allowed:
        return None
    why = t.text("why.no_permission", function=function, source_arn=source_arn)
    why += (
        "\n" + t.text("why.policy_allows", arns=", ".join(arns))
        if arns
        else t.text("why.no_policy")
    )
    return why, permission_hint(chat, function)


def failed_problem(chat: ChatApi, what: str) -> Problem:
    """Why the ``sendPrivate`` route answered ``Internal server error``: no integration, no
    function, no permission, or the function failed. ``what``: the situation, for the
    text (e.g. "when one of bob's connections is gone")."""
    t = chat.texts
    route = chat.routes().get(spec.ROUTE)
    integration = chat.integration(route) if route else None
    if route is not None and integration is None:
        return t.text("why.no_integration"), t.text("code.integration")
    function = function_name((integration or {}).get("IntegrationUri"))
    if function is not None:
        problem = permission_problem(chat, function)
        if problem:
            return problem
    name = function or spec.PRIVATE_FUNCTION
    return t.text("why.failed", function=name, what=what), t.text("fix.logs", function=name)


def silent_problem(chat: ChatApi) -> Problem:
    """Why nobody got anything for a private message that reached the route's function."""
    t = chat.texts
    function = chat.function_of(spec.ROUTE)
    status = integration_status(chat.lab, spec.ROUTE)
    if function == spec.CHAT_FUNCTION:
        return (
            t.text("why.chat_function", function=function),
            t.text("fix.own_function", integration=t.text("code.integration")),
        )
    answered = (
        t.text("why.answered", status=status)
        if status is not None and not 200 <= status < 300
        else ""
    )
    return (
        t.text(
            "why.silent",
            function=function or spec.PRIVATE_FUNCTION,
            answered=answered,
            bob=spec.RECIPIENT,
        ),
        t.text("fix.silent", lookup=t.text("code.lookup"), endpoint=t.text("code.endpoint")),
    )


def difference(expected: dict[str, Any], got: Any) -> str:
    """How a received message differs from the spec's, in words."""
    t = messages("lab05")
    if not isinstance(got, dict):
        return t.text("why.not_object", message=json.dumps(got))
    parts = []
    missing = [k for k in expected if k not in got]
    if missing:
        parts.append(t.text("why.has_no", keys=", ".join(repr(k) for k in missing)))
    for key, value in expected.items():
        if key in got and got[key] != value:
            note = ""
            if value is True and got[key] in ("true", "True", 1):
                note = t.text("why.boolean")
            parts.append(
                t.text(
                    "why.value",
                    key=key,
                    got=json.dumps(got[key]),
                    want=json.dumps(value),
                    note=note,
                )
            )
    extra = [k for k in got if k not in expected]
    if extra:
        parts.append(t.text("why.more_keys", keys=", ".join(repr(k) for k in extra)))
    return "; ".join(parts) or t.text("why.differs")


def wrong_message_hint(expected: dict[str, Any], got: Any) -> str:
    """What to change in the function for a message that differs from the spec's."""
    t = messages("lab05")
    if isinstance(got, dict) and got.get("from") not in (None, expected.get("from")):
        return t.text("fix.sender", sender=t.text("code.sender"))
    return t.text("fix.exact", sender=t.text("code.sender"))
