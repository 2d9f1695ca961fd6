"""Lab 01's check: the ``notes`` REST API — one Lambda function behind ``ANY /`` and
``ANY /{proxy+}`` (Lambda proxy integrations), an invoke permission for every method and
path, and two stages, ``dev`` and ``prod``, each with its own stage variable ``env`` —
behaves as its spec says.

Behaviour first: requests to both stages. The control plane only explains a failure. Every
learner-facing text is in the lab's message catalogue (``helpers/messages/<lang>/lab01.toml``).
"""

from __future__ import annotations

import re
from typing import Any

import requests
from botocore.exceptions import ClientError

from .common import (
    Catalogue,
    Report,
    RestApiView,
    account_id,
    call,
    check_api,
    check_inputs,
    describe,
    error_code,
    fail,
    gateway_reason,
    invoke_permission,
    json_body,
    messages,
    short,
    why_403,
)

__all__ = ["check_lab01"]

NAME = "notes"
FUNCTION = "notes-router"
#: the stages and the value of their stage variable ``env``
STAGES = {"dev": "development", "prod": "production"}
METHODS = (("ANY", "/"), ("ANY", "/{proxy+}"))
NEW_NOTE = {"text": "Written by the lab 01 check"}
#: a path and method no route of the function knows: the function's own 404 answers it
STRAY = ("PATCH", "/drafts/7/title")


class _Api(RestApiView):
    """The notes API as the control plane describes it, with its function's permission."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self.awslambda = lab.session.client("lambda", region_name=lab.region)
        self.texts: Catalogue = messages("lab01")

    def at(self, stage: str) -> _Api:
        other = _Api(self.lab, self.api_id, stage)
        other._resources = self._resources
        return other

    def source_arn(self, method: str, path: str) -> str:
        return (
            f"arn:aws:execute-api:{self.lab.region}:{account_id(self.lab)}:{self.api_id}/"
            f"{self.stage}/{method}{path}"
        )

    def permission_hint(self) -> str:
        return self.texts.text(
            "fix.permission",
            function=FUNCTION,
            region=self.lab.region,
            account=account_id(self.lab),
            api_id=self.api_id,
        )

    def methods_on(self, path: str) -> list[str]:
        resource = self.resources().get(path) or {}
        return sorted(resource.get("resourceMethods") or {})


def _function_name(uri: str) -> str | None:
    found = re.search(r":lambda:path/2015-03-31/functions/(.+)/invocations$", uri or "")
    if not found:
        return None
    arn = found.group(1)
    return arn.split(":function:", 1)[1].split(":")[0] if ":function:" in arn else arn


def _resource_for(api: _Api, path: str) -> str:
    """Which of the spec's resources answers ``path`` (``/`` or ``/{proxy+}``)."""
    return "/" if path == "/" else "/{proxy+}"


def _why_403(api: _Api, method: str, path: str) -> tuple[str, str]:
    """(what is wrong, hint) when API Gateway answered 403 Missing Authentication Token."""
    t = api.texts
    if not api.has_stage():
        deploy = t.text("fix.deploy_dev" if api.stage == "dev" else "fix.deploy_prod")
        return why_403(api, method, path, deploy=deploy, redeploy="")
    resources = api.resources()
    if path == "/" and not api.methods_on("/"):
        return t.text("why.root_missing"), t.text("fix.root")
    if path != "/" and "/{proxy+}" not in resources:
        single = [p for p in resources if re.fullmatch(r"/\{[^}+]+\}", p)]
        if single:
            return t.text("why.not_greedy", path=single[0]), t.text("fix.greedy")
    resource = _resource_for(api, path)
    if resource in resources:
        methods = api.methods_on(resource)
        if methods and "ANY" not in methods and method not in methods:
            return (
                t.text("why.not_any", path=resource, methods=", ".join(methods), method=method),
                t.text("fix.any", path=resource),
            )
    verb = "ANY" if "ANY" in api.methods_on(resource) else method
    return why_403(
        api,
        verb,
        resource,
        deploy=t.text("fix.deploy_dev"),
        redeploy=t.text("fix.redeploy", stage=api.stage),
    )


def _why_500(api: _Api, method: str, path: str) -> tuple[str, str]:
    """(what is wrong, hint) when API Gateway could not call the integration."""
    t = api.texts
    resource = _resource_for(api, path)
    verb = "ANY" if "ANY" in api.methods_on(resource) else method
    integration = api.integration(verb, resource)
    if integration is None:
        return t.text("why.no_integration", method=verb, path=resource), t.text("fix.integration")
    if integration.get("type") != "AWS_PROXY":
        return (
            t.text("why.not_proxy", method=verb, path=resource, kind=integration.get("type")),
            t.text("fix.proxy_type"),
        )
    name = _function_name(integration.get("uri", ""))
    if name is None:
        return t.text("why.not_lambda_uri", uri=integration.get("uri")), t.text("fix.lambda_uri")
    try:
        function_arn = api.awslambda.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return t.text("why.no_function", name=name), t.text(
            "fix.create_function", function=FUNCTION
        )
    allowed, arns = invoke_permission(
        api.awslambda,
        name,
        function_arn,
        api.source_arn(method, path),
        account_id(api.lab),
    )
    if not arns and not allowed:
        try:
            api.awslambda.get_policy(FunctionName=name)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return t.text("why.no_policy", name=name), api.permission_hint()
    return (
        t.text(
            "why.not_allowed",
            name=name,
            method=method,
            path=path,
            source_arn=api.source_arn(method, path),
            arns=", ".join(arns) or t.text("why.other_principals"),
        ),
        t.text("fix.permission_match", permission=api.permission_hint()),
    )


def _explain(api: _Api, response: requests.Response, method: str, path: str) -> tuple[str, str]:
    """(what happened, hint) for an answer that is not what the spec asks."""
    t = api.texts
    status = response.status_code
    reason = gateway_reason(api.lab)
    if status == 403 and "Missing Authentication Token" in response.text:
        why, hint = _why_403(api, method, path)
    elif status == 500:
        why, hint = _why_500(api, method, path)
    elif status == 502:
        why, hint = t.text("why.function_failed"), t.text("fix.function_failed")
    elif status == 504:
        why, hint = t.text("why.timed_out"), t.text("fix.timed_out")
    else:
        why, hint = "", t.text("fix.other", method=method, path=path, function=FUNCTION)
    lines = [describe(response)]
    if why:
        lines.append(t.text("ui.because", why=why))
    if reason:
        lines.append(t.text("ui.gateway", reason=short(reason, 300)))
    return "\n".join(lines), hint


def _send(
    api: _Api, criterion: str, method: str, path: str, status: int, expected: str, **kwargs: Any
) -> requests.Response:
    """One request to the API at ``api.stage``; a failed check unless it answers ``status``."""
    __tracebackhide__ = True
    url = api.lab.invoke_url(api.api_id, api.stage).rstrip("/") + path
    response = call(api.lab, criterion, method, url, **kwargs)
    if response.status_code != status:
        got, hint = _explain(api, response, method, path)
        fail(criterion, expected=expected, got=got, hint=hint)
    return response


def _check_env(api: _Api, response: requests.Response) -> str:
    """The stage variable ``env`` of ``api.stage`` reached the function (``x-env``)."""
    __tracebackhide__ = True
    t = api.texts
    wanted = STAGES[api.stage]
    criterion = t.text("criteria.env", env=wanted, stage=api.stage)
    found = response.headers.get("x-env")
    if found != wanted:
        variables = api.stage_variables()
        if "env" not in variables:
            listed = ", ".join(f"{k}={v}" for k, v in variables.items()) or t.text(
                "why.no_variables"
            )
            why = t.text("why.no_stage_variable", stage=api.stage, variables=listed)
        else:
            why = t.text("why.wrong_stage_variable", stage=api.stage, value=variables["env"])
        got = t.text("got.env", env=found) if found else t.text("got.no_env")
        fail(
            criterion,
            expected=t.text("expected.env", env=wanted),
            got=t.text("got.because", got=got, why=why),
            hint=t.text("fix.env", stage=api.stage, env=wanted),
        )
    return t.text("criteria.env_ok", stage=api.stage, env=found)


def _check_root(api: _Api, report: Report) -> None:
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.root", stage=api.stage)
    root = _send(api, criterion, "GET", "/", 200, t.text("expected.root"))
    body = json_body(criterion, root, t.text("expected.root"), t.text("fix.not_json", path="/"))
    if not isinstance(body, dict) or body.get("service") != "notes":
        fail(
            criterion,
            expected=t.text("expected.root"),
            got=describe(root),
            hint=t.text("fix.other", method="GET", path="/", function=FUNCTION),
        )
    report.ok(t.text("criteria.root_ok", stage=api.stage, env=root.headers.get("x-env")))
    report.ok(_check_env(api, root))


def _check_wiring(api: _Api) -> str:
    """What AWS needs that the emulator would forgive: AWS_PROXY, invoked with POST."""
    __tracebackhide__ = True
    t = api.texts
    criterion = t.text("criteria.wiring", function=FUNCTION)
    for method, path in METHODS:
        integration = api.integration(method, path) or {}
        problems = []
        if integration.get("type") != "AWS_PROXY":
            problems.append(t.text("why.type", kind=integration.get("type")))
        if integration.get("httpMethod") != "POST":
            problems.append(t.text("why.http_method", method=integration.get("httpMethod")))
        name = _function_name(integration.get("uri", ""))
        if name not in (FUNCTION, None):
            problems.append(t.text("why.function", name=name))
        if problems:
            fail(
                criterion,
                expected=t.text("expected.wiring", method=method, path=path),
                got=t.text("got.wiring", method=method, path=path, problems=", ".join(problems)),
                hint=t.text("fix.wiring"),
            )
    return criterion


def check_lab01(lab: Any, api_id: Any) -> None:
    """Lab 01: the ``notes`` REST API behaves as the spec says on stages ``dev`` and ``prod``."""
    __tracebackhide__ = True
    t = messages("lab01")
    report = Report(t.text("report.title"))
    check_inputs(lab, api_id, "dev", name=NAME, stage_name="dev", check="check_lab01")
    api = _Api(lab, api_id, "dev")

    # 1. the API itself
    report.ok(check_api(api, NAME))

    # 2. the root, on dev, and its stage variable
    _check_root(api, report)

    # 3. GET /notes
    criterion = t.text("criteria.notes")
    listed = _send(api, criterion, "GET", "/notes", 200, t.text("expected.notes"))
    notes = json_body(
        criterion, listed, t.text("expected.notes_list"), t.text("fix.not_json", path="/notes")
    )
    if (
        not isinstance(notes, list)
        or not notes
        or not all(isinstance(n, dict) and n.get("id") for n in notes)
    ):
        fail(
            criterion,
            expected=t.text("expected.notes_list"),
            got=describe(listed),
            hint=t.text("fix.list_body", function=FUNCTION),
        )
    report.ok(t.text("criteria.notes_ok", n=len(notes)))

    # 4. GET /notes/{id}, and a note that does not exist
    first = str(notes[0]["id"])
    criterion = t.text("criteria.note")
    one = _send(api, criterion, "GET", f"/notes/{first}", 200, t.text("expected.note", id=first))
    note = json_body(criterion, one, t.text("expected.note", id=first), t.text("fix.note_body"))
    if not isinstance(note, dict) or str(note.get("id")) != first:
        fail(
            criterion,
            expected=t.text("expected.note", id=first),
            got=describe(one),
            hint=t.text("fix.note_body"),
        )
    report.ok(t.text("criteria.note_ok", id=first))
    criterion = t.text("criteria.missing")
    missing = _send(api, criterion, "GET", "/notes/99", 404, t.text("expected.missing"))
    if json_body(criterion, missing, t.text("expected.missing"), "") != {
        "message": "note not found"
    }:
        fail(
            criterion,
            expected=t.text("expected.missing"),
            got=describe(missing),
            hint=t.text("fix.note_body"),
        )
    report.ok(t.text("criteria.missing_ok"))

    # 5. POST /notes
    criterion = t.text("criteria.post")
    created = _send(api, criterion, "POST", "/notes", 201, t.text("expected.post"), json=NEW_NOTE)
    new = json_body(criterion, created, t.text("expected.post"), t.text("fix.post_body"))
    if not isinstance(new, dict) or new.get("text") != NEW_NOTE["text"]:
        fail(
            criterion,
            expected=t.text("expected.post_body", text=NEW_NOTE["text"]),
            got=describe(created),
            hint=t.text("fix.post_body"),
        )
    report.ok(t.text("criteria.post_ok", id=new.get("id")))

    # 6. any other path and method: the function's own 404
    method, path = STRAY
    criterion = t.text("criteria.catch_all")
    stray = _send(api, criterion, method, path, 404, t.text("expected.catch_all"))
    if "no route" not in stray.text:
        fail(
            criterion,
            expected=t.text("expected.catch_all"),
            got=describe(stray),
            hint=t.text("fix.other", method=method, path=path, function=FUNCTION),
        )
    report.ok(t.text("criteria.catch_all_ok"))

    # 7. the second stage, with its own stage variable
    _check_root(api.at("prod"), report)

    # 8. how it is wired: what AWS needs that the emulator would forgive
    report.ok(_check_wiring(api))
    report.done()
