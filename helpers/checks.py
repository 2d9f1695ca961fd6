"""Automatic checks for the labs.

A check takes the lab and the learner's values (an API id, a stage name) and verifies
*behaviour*: it calls the deployed API with ``requests`` as a client would, and reads the
configuration only to explain a failure. Each passed criterion prints one ``✓`` line; the
first failed one raises :class:`CheckFailed` saying what was expected, what happened and
what to try.

They run unchanged on both targets; on the moto target a failure also quotes what the
gateway emulator decided (its trace), which is the line CloudWatch execution logs would
show on AWS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

__all__ = ["CHECKS", "CheckFailed", "Report", "check_lab01"]


class CheckFailed(AssertionError):
    """A lab criterion is not met: what was expected, what happened, and a hint."""

    def __init__(
        self,
        criterion: str,
        *,
        expected: str | None = None,
        got: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.criterion = criterion
        self.expected = expected
        self.got = got
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"✗ {self.criterion}"]
        for label, text in (("expected", self.expected), ("got", self.got), ("hint", self.hint)):
            if text:
                first, *rest = str(text).splitlines() or [""]
                lines.append(f"  {label + ':':<9} {first}")
                lines += [f"  {'':<9} {line}" for line in rest]
        return "\n".join(lines)

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone, no helper frames."""
        return [f"{type(self).__name__}: lab check failed", *self.render().splitlines()]


class Report:
    """Prints one ``✓`` line per passed criterion, and a summary at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.passed: list[str] = []

    def ok(self, text: str) -> None:
        self.passed.append(text)
        print(f"✓ {text}")

    def done(self) -> None:
        print(f"All {len(self.passed)} checks passed: {self.title}")


def _fail(criterion: str, **kwargs: Any) -> NoReturn:
    __tracebackhide__ = True
    raise CheckFailed(criterion, **kwargs)


# ---------------------------------------------------------------------------- calling the API


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(response: requests.Response) -> str:
    """``HTTP 403 {"message":"Missing Authentication Token"}``, on one line."""
    body = response.content.decode("utf-8", errors="replace")
    return f"HTTP {response.status_code} {_short(body)}".rstrip()


def gateway_reason(lab: Any) -> str | None:
    """Why the emulator answered as it did (moto target), from the last trace."""
    gateway = getattr(lab, "gateway", None)
    if gateway is None:
        return None
    try:
        trace = gateway.traces.last()
    except LookupError:
        return None
    for entry in reversed(trace.entries):
        if entry.step in ("gateway-response", "lambda-permission", "integration"):
            reason = entry.details.get("reason") or entry.details.get("error")
            if reason:
                return str(reason)
    return None


def call(lab: Any, criterion: str, method: str, url: str, **kwargs: Any) -> requests.Response:
    """``requests.request`` that turns "no answer at all" into a :class:`CheckFailed`."""
    __tracebackhide__ = True
    try:
        return requests.request(method, url, timeout=30, **kwargs)
    except requests.ConnectionError as exc:
        _fail(
            criterion,
            expected=f"an answer from API Gateway at {url}",
            got=f"no API answers there ({_short(str(exc))})",
            hint="Check api_id: it is the id create_rest_api returned (apigateway.get_rest_apis() "
            "lists them).",
        )
    except requests.Timeout:
        _fail(criterion, expected=f"an answer from {url} within 30 s", got="no answer in time")
    except Exception as exc:
        if type(exc).__name__ != "EmulatorLimitation":
            raise
        _fail(
            criterion,
            expected="an integration the course supports",
            got=str(exc),
            hint='Use type="AWS_PROXY" (a Lambda proxy integration) for every method.',
        )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _account_id(lab: Any) -> str:
    if getattr(lab, "account_id", ""):
        return str(lab.account_id)
    try:
        return str(lab.session.client("sts").get_caller_identity()["Account"])
    except Exception:
        return "<your account id>"


# ---------------------------------------------------------------------------- lab 01

LAB01_NAME = "bookshelf"
LAB01_STAGE = "v1"
LAB01_GREETING = "hello"
LAB01_FUNCTION = "bookshelf"
LAB01_METHODS = (("GET", "/books"), ("GET", "/books/{id}"), ("POST", "/books"))
LAB01_NEW_BOOK = {"title": "Clean Code", "author": "Robert C. Martin"}


class _Api:
    """The learner's REST API as the control plane describes it (for diagnoses only)."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        self.lab = lab
        self.api_id = api_id
        self.stage = stage
        self.apigw = lab.session.client("apigateway", region_name=lab.region)
        self.awslambda = lab.session.client("lambda", region_name=lab.region)
        self._resources: dict[str, dict[str, Any]] | None = None

    def resources(self) -> dict[str, dict[str, Any]]:
        if self._resources is None:
            items = self.apigw.get_resources(restApiId=self.api_id, limit=500)["items"]
            self._resources = {item["path"]: item for item in items}
        return self._resources

    def has_stage(self) -> bool:
        try:
            self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)
        except ClientError as exc:
            if _error_code(exc) == "NotFoundException":
                return False
            raise
        return True

    def stage_variables(self) -> dict[str, str]:
        stage = self.apigw.get_stage(restApiId=self.api_id, stageName=self.stage)
        return dict(stage.get("variables") or {})

    def integration(self, method: str, path: str) -> dict[str, Any] | None:
        resource = self.resources().get(path)
        if resource is None:
            return None
        try:
            found = self.apigw.get_integration(
                restApiId=self.api_id, resourceId=resource["id"], httpMethod=method
            )
        except ClientError as exc:
            if _error_code(exc) == "NotFoundException":
                return None
            raise
        return found if found.get("type") else None

    def source_arn(self, method: str, path: str) -> str:
        return (
            f"arn:aws:execute-api:{self.lab.region}:{_account_id(self.lab)}:{self.api_id}/"
            f"{self.stage}/{method}{path}"
        )

    def permission_hint(self) -> str:
        return (
            'lam.add_permission(FunctionName="bookshelf", StatementId="apigateway-invoke",\n'
            '    Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",\n'
            f'    SourceArn="arn:aws:execute-api:{self.lab.region}:{_account_id(self.lab)}:'
            f'{self.api_id}/*/*/*")'
        )


def _function_name(uri: str) -> str | None:
    found = re.search(r":lambda:path/2015-03-31/functions/(.+)/invocations$", uri or "")
    if not found:
        return None
    arn = found.group(1)
    return arn.split(":function:", 1)[1].split(":")[0] if ":function:" in arn else arn


def _why_403(api: _Api, method: str, path: str) -> tuple[str, str]:
    """(what is wrong, hint) when API Gateway answered 403 Missing Authentication Token."""
    if not api.has_stage():
        return (
            f"there is no stage {api.stage!r}, so no URL under /{api.stage}/ exists",
            f'Deploy: apigateway.create_deployment(restApiId=api_id, stageName="{api.stage}",\n'
            f'    variables={{"greeting": "{LAB01_GREETING}"}})',
        )
    resources = api.resources()
    if path not in resources:
        parent_path, _, part = path.rpartition("/")
        parent = parent_path or "/"
        where = (
            f"under the {parent} resource (parentId = its id)"
            if parent != "/"
            else 'under the root resource "/"'
        )
        return (
            f"the API has no resource {path} (it has: {', '.join(sorted(resources))})",
            f'apigateway.create_resource(restApiId=api_id, parentId=..., pathPart="{part}") {where}, '
            "then deploy again.",
        )
    try:
        api.apigw.get_method(
            restApiId=api.api_id, resourceId=resources[path]["id"], httpMethod=method
        )
    except ClientError as exc:
        if _error_code(exc) != "NotFoundException":
            raise
        return (
            f"the resource {path} has no {method} method",
            f'apigateway.put_method(restApiId=api_id, resourceId=<id of {path}>, httpMethod="{method}", '
            'authorizationType="NONE"), add its integration, then deploy again.',
        )
    return (
        f"{method} {path} exists in your API, but not in the deployment stage {api.stage!r} serves",
        "Changes are not live until you deploy them: call apigateway.create_deployment(restApiId="
        f'api_id, stageName="{api.stage}", variables=...) again.',
    )


def _why_500(api: _Api, method: str, path: str) -> tuple[str, str]:
    """(what is wrong, hint) when API Gateway could not call the integration."""
    integration = api.integration(method, path)
    if integration is None:
        return (
            f"{method} {path} has no integration",
            "apigateway.put_integration(restApiId=api_id, resourceId=..., httpMethod="
            f'"{method}", type="AWS_PROXY",\n    integrationHttpMethod="POST", uri=...)',
        )
    if integration.get("type") != "AWS_PROXY":
        return (
            f"{method} {path} has a {integration.get('type')} integration",
            'This lab wants Lambda proxy integrations: type="AWS_PROXY".',
        )
    name = _function_name(integration.get("uri", ""))
    if name is None:
        return (
            f"the integration URI {integration.get('uri')!r} is not a Lambda invocation URI",
            'uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/'
            '{function_arn}/invocations"',
        )
    try:
        policy = api.awslambda.get_policy(FunctionName=name)["Policy"]
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        try:
            api.awslambda.get_function(FunctionName=name)
        except ClientError:
            return (
                f"the integration calls function {name!r}, which does not exist",
                f"Create it first, or point the integration's uri at the {LAB01_FUNCTION} "
                "function's ARN.",
            )
        return (
            f"function {name!r} has no resource-based policy, so API Gateway may not invoke it",
            api.permission_hint(),
        )
    arns = sorted(
        {
            str(value)
            for statement in json.loads(policy).get("Statement", [])
            for condition in (statement.get("Condition") or {}).values()
            for key, value in condition.items()
            if key.lower() == "aws:sourcearn"
        }
    )
    return (
        f"function {name!r} does not allow this API to invoke it: API Gateway presents\n"
        f"{api.source_arn(method, path)}\n"
        f"and the policy allows only {', '.join(arns) or 'other principals'}",
        "Add a permission whose SourceArn matches (wildcards allowed), e.g.\n"
        + api.permission_hint(),
    )


def _explain(api: _Api, response: requests.Response, method: str, path: str) -> tuple[str, str]:
    """(what happened, hint) for an answer that is not what the spec asks."""
    status = response.status_code
    got = describe(response)
    reason = gateway_reason(api.lab)
    if status == 403 and "Missing Authentication Token" in response.text:
        why, hint = _why_403(api, method, path)
    elif status == 500:
        why, hint = _why_500(api, method, path)
    elif status == 502:
        why = "API Gateway called your function, but it failed or answered in the wrong shape"
        hint = (
            'Check the function: Handler="bookshelf.handler", Runtime "python3.12", code '
            'from functions/bookshelf.py;\ntry lam.invoke(FunctionName="bookshelf", '
            "Payload=...) and read its logs."
        )
    elif status == 504:
        why = "the function did not answer in time"
        hint = "Check the function's Timeout and the integration's timeoutInMillis."
    else:
        why = ""
        hint = (
            f"Check that {method} {path} is integrated (AWS_PROXY) with the "
            f"{LAB01_FUNCTION!r} function from functions/bookshelf.py."
        )
    lines = [got]
    if why:
        lines.append(f"because {why}")
    if reason:
        lines.append(f"(gateway: {_short(reason, 300)})")
    return "\n".join(lines), hint


def _expect_status(
    api: _Api,
    criterion: str,
    response: requests.Response,
    status: int,
    method: str,
    path: str,
    expected: str,
) -> None:
    __tracebackhide__ = True
    if response.status_code != status:
        got, hint = _explain(api, response, method, path)
        _fail(criterion, expected=expected, got=got, hint=hint)


def _json(criterion: str, response: requests.Response, expected: str, hint: str) -> Any:
    __tracebackhide__ = True
    try:
        return response.json()
    except ValueError:
        _fail(criterion, expected=expected, got=describe(response), hint=hint)


def _check_inputs(lab: Any, api_id: Any, stage: Any) -> _Api:
    __tracebackhide__ = True
    if not api_id or not isinstance(api_id, str):
        found = []
        try:
            apigw = lab.session.client("apigateway", region_name=lab.region)
            found = [
                a["id"]
                for a in apigw.get_rest_apis(limit=500).get("items", [])
                if a.get("name") == LAB01_NAME
            ]
        except Exception:
            pass
        hint = (
            'api_id = apigateway.create_rest_api(name="bookshelf", '
            'endpointConfiguration={"types": ["REGIONAL"]})["id"]'
        )
        if found:
            hint = (
                f"A REST API named {LAB01_NAME!r} exists (id {', '.join(found)}): assign its id "
                "to api_id.\n" + hint
            )
        _fail(
            "the REST API id is set",
            expected="api_id: the id create_rest_api returned (a string such as 'a1b2c3d4e5')",
            got=f"api_id = {api_id!r}: the step that creates the REST API has not run yet",
            hint=hint,
        )
    if stage != LAB01_STAGE:
        _fail(
            f"the stage is {LAB01_STAGE!r}",
            expected=f"the spec's stage name {LAB01_STAGE!r}",
            got=f"{stage!r}",
            hint=f'check_lab01(lab, api_id, "{LAB01_STAGE}") after deploying stage {LAB01_STAGE!r}',
        )
    return _Api(lab, api_id, stage)


def check_lab01(lab: Any, api_id: Any, stage: Any = LAB01_STAGE) -> None:
    """Lab 01: the ``bookshelf`` REST API behaves as the spec says on stage ``v1``."""
    __tracebackhide__ = True
    report = Report("lab 01, your first REST API, meets the spec")
    api = _check_inputs(lab, api_id, stage)

    # 1. the API itself
    criterion = f"REST API {LAB01_NAME!r} exists with a REGIONAL endpoint"
    try:
        described = api.apigw.get_rest_api(restApiId=api_id)
    except ClientError as exc:
        if _error_code(exc) != "NotFoundException":
            raise
        _fail(
            criterion,
            expected=f"a REST API with id {api_id!r}",
            got="no such REST API (deleted, or an id from another run?)",
            hint="Run the create_rest_api step again and use the id it returns.",
        )
    if described.get("name") != LAB01_NAME:
        _fail(
            criterion,
            expected=f"name {LAB01_NAME!r}",
            got=f"name {described.get('name')!r}",
            hint=f'create_rest_api(name="{LAB01_NAME}", ...)',
        )
    types = (described.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    if types != ["REGIONAL"]:
        _fail(
            criterion,
            expected="endpoint type REGIONAL",
            got=f"endpoint type {', '.join(types)}"
            + (" (the default when you do not choose)" if types == ["EDGE"] else ""),
            hint='create_rest_api(..., endpointConfiguration={"types": ["REGIONAL"]}), or '
            "update_rest_api with a patch /endpointConfiguration/types/EDGE → REGIONAL.",
        )
    report.ok(criterion)

    base = lab.invoke_url(api_id, stage).rstrip("/")

    # 2. GET /books
    criterion = "GET /books answers 200 with a JSON list of books"
    books_response = call(lab, criterion, "GET", f"{base}/books")
    _expect_status(
        api, criterion, books_response, 200, "GET", "/books", "HTTP 200 and a JSON list of books"
    )
    books = _json(
        criterion,
        books_response,
        "a JSON list of books",
        "Is GET /books integrated with the bookshelf function?",
    )
    if (
        not isinstance(books, list)
        or not books
        or not all(isinstance(b, dict) and b.get("id") for b in books)
    ):
        _fail(
            criterion,
            expected="a non-empty JSON list of books, each with an id",
            got=describe(books_response),
            hint=f"Integrate GET /books with the {LAB01_FUNCTION!r} function "
            "(functions/bookshelf.py).",
        )
    report.ok(f"GET /books → 200 with a JSON list of {len(books)} books")

    # 3. the stage variable
    criterion = f"stage variable greeting={LAB01_GREETING!r} reaches the function (x-greeting)"
    greeting = books_response.headers.get("x-greeting")
    if greeting != LAB01_GREETING:
        variables = api.stage_variables()
        if "greeting" not in variables:
            why = f"stage {stage!r} has no stage variable greeting (it has {variables or 'none'})"
        else:
            why = f"stage {stage!r} has greeting={variables['greeting']!r}"
        _fail(
            criterion,
            expected=f"header x-greeting: {LAB01_GREETING}",
            got=(f"x-greeting: {greeting}" if greeting is not None else "no x-greeting header")
            + f", because {why}",
            hint=f'apigateway.create_deployment(restApiId=api_id, stageName="{stage}", '
            f'variables={{"greeting": "{LAB01_GREETING}"}}),\nor update_stage with a patch '
            f"op=replace path=/variables/greeting value={LAB01_GREETING}.",
        )
    report.ok(f"stage variable greeting reaches the function: x-greeting: {greeting}")

    # 4. GET /books/{id}
    first = str(books[0]["id"])
    criterion = "GET /books/{id} answers 200 with that book"
    one = call(lab, criterion, "GET", f"{base}/books/{first}")
    _expect_status(api, criterion, one, 200, "GET", "/books/{id}", f"HTTP 200 and book {first!r}")
    book = _json(criterion, one, f"book {first!r} as JSON", "Is GET /books/{id} integrated?")
    if not isinstance(book, dict) or str(book.get("id")) != first:
        _fail(
            criterion,
            expected=f"book {first!r}",
            got=describe(one),
            hint='The resource\'s pathPart must be exactly "{id}" (braces included), so the '
            "function gets pathParameters.id.",
        )
    report.ok(f"GET /books/{first} → 200 with book {first!r}")

    # 5. GET /books/{unknown id}
    criterion = 'GET /books/{unknown id} answers 404 {"message": "book not found"}'
    missing = call(lab, criterion, "GET", f"{base}/books/no-such-book")
    _expect_status(
        api,
        criterion,
        missing,
        404,
        "GET",
        "/books/{id}",
        'HTTP 404 {"message": "book not found"} from the function',
    )
    if _json(criterion, missing, "a JSON body", "") != {"message": "book not found"}:
        _fail(
            criterion,
            expected='{"message": "book not found"}',
            got=describe(missing),
            hint="The 404 should come from the bookshelf function, through GET /books/{id}.",
        )
    report.ok('GET /books/no-such-book → 404 {"message": "book not found"}')

    # 6. POST /books
    criterion = "POST /books answers 201 with the new book"
    created = call(lab, criterion, "POST", f"{base}/books", json=LAB01_NEW_BOOK)
    _expect_status(
        api, criterion, created, 201, "POST", "/books", "HTTP 201 and the new book as JSON"
    )
    new = _json(criterion, created, "the new book as JSON", "Is POST /books integrated?")
    if not isinstance(new, dict) or new.get("title") != LAB01_NEW_BOOK["title"]:
        _fail(
            criterion,
            expected=f"the new book, with title {LAB01_NEW_BOOK['title']!r}",
            got=describe(created),
            hint="A proxy integration passes the request body to the function as event['body'].",
        )
    report.ok(f"POST /books → 201 with the new book (id {new.get('id')!r})")

    # 7. how it is wired: what AWS needs that the emulator would forgive
    criterion = (
        f"every method uses a Lambda proxy integration (AWS_PROXY, POST) to {LAB01_FUNCTION!r}"
    )
    for method, path in LAB01_METHODS:
        integration = api.integration(method, path) or {}
        problems = []
        if integration.get("type") != "AWS_PROXY":
            problems.append(f"type {integration.get('type')}")
        if integration.get("httpMethod") != "POST":
            problems.append(f"integrationHttpMethod {integration.get('httpMethod')}")
        if _function_name(integration.get("uri", "")) not in (LAB01_FUNCTION, None):
            problems.append(f"function {_function_name(integration.get('uri', ''))}")
        if problems:
            _fail(
                criterion,
                expected=f"{method} {path}: type AWS_PROXY, integrationHttpMethod POST",
                got=f"{method} {path}: " + ", ".join(problems),
                hint="API Gateway always invokes Lambda with POST, whatever the method's own "
                'verb: put_integration(..., type="AWS_PROXY", integrationHttpMethod="POST", ...)',
            )
    report.ok(criterion)
    report.done()


#: lab notebook name → its check, for tests and tools
CHECKS: dict[str, Callable[..., None]] = {"01-first-rest-api": check_lab01}
