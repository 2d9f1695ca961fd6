"""Lab 01's check: the ``bookshelf`` REST API (Lambda proxy integrations, a path parameter,
an invoke permission, a stage variable) behaves as its spec says."""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from botocore.exceptions import ClientError

from .common import (
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
    json_body,
    short,
    why_403,
)

__all__ = ["check_lab01"]

LAB01_NAME = "bookshelf"
LAB01_STAGE = "v1"
LAB01_GREETING = "hello"
LAB01_FUNCTION = "bookshelf"
LAB01_METHODS = (("GET", "/books"), ("GET", "/books/{id}"), ("POST", "/books"))
LAB01_NEW_BOOK = {"title": "Clean Code", "author": "Robert C. Martin"}


class _Api(RestApiView):
    """The bookshelf API as the control plane describes it, with its function's permission."""

    def __init__(self, lab: Any, api_id: str, stage: str) -> None:
        super().__init__(lab, api_id, stage)
        self.awslambda = lab.session.client("lambda", region_name=lab.region)

    def source_arn(self, method: str, path: str) -> str:
        return (
            f"arn:aws:execute-api:{self.lab.region}:{account_id(self.lab)}:{self.api_id}/"
            f"{self.stage}/{method}{path}"
        )

    def permission_hint(self) -> str:
        return (
            'lam.add_permission(FunctionName="bookshelf", StatementId="apigateway-invoke",\n'
            '    Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",\n'
            f'    SourceArn="arn:aws:execute-api:{self.lab.region}:{account_id(self.lab)}:'
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
    return why_403(
        api,
        method,
        path,
        deploy=f'apigateway.create_deployment(restApiId=api_id, stageName="{api.stage}",\n'
        f'    variables={{"greeting": "{LAB01_GREETING}"}})',
        redeploy=f'create_deployment(restApiId=api_id, stageName="{api.stage}", variables=...)',
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
        if error_code(exc) != "ResourceNotFoundException":
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
        lines.append(f"(gateway: {short(reason, 300)})")
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
        fail(criterion, expected=expected, got=got, hint=hint)


def check_lab01(lab: Any, api_id: Any, stage: Any = LAB01_STAGE) -> None:
    """Lab 01: the ``bookshelf`` REST API behaves as the spec says on stage ``v1``."""
    __tracebackhide__ = True
    report = Report("lab 01, your first REST API, meets the spec")
    check_inputs(lab, api_id, stage, name=LAB01_NAME, stage_name=LAB01_STAGE, check="check_lab01")
    api = _Api(lab, api_id, stage)

    # 1. the API itself
    report.ok(check_api(api, LAB01_NAME))

    base = lab.invoke_url(api_id, stage).rstrip("/")

    # 2. GET /books
    criterion = "GET /books answers 200 with a JSON list of books"
    books_response = call(lab, criterion, "GET", f"{base}/books")
    _expect_status(
        api, criterion, books_response, 200, "GET", "/books", "HTTP 200 and a JSON list of books"
    )
    books = json_body(
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
        fail(
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
        fail(
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
    book = json_body(criterion, one, f"book {first!r} as JSON", "Is GET /books/{id} integrated?")
    if not isinstance(book, dict) or str(book.get("id")) != first:
        fail(
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
    if json_body(criterion, missing, "a JSON body", "") != {"message": "book not found"}:
        fail(
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
    new = json_body(criterion, created, "the new book as JSON", "Is POST /books integrated?")
    if not isinstance(new, dict) or new.get("title") != LAB01_NEW_BOOK["title"]:
        fail(
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
            fail(
                criterion,
                expected=f"{method} {path}: type AWS_PROXY, integrationHttpMethod POST",
                got=f"{method} {path}: " + ", ".join(problems),
                hint="API Gateway always invokes Lambda with POST, whatever the method's own "
                'verb: put_integration(..., type="AWS_PROXY", integrationHttpMethod="POST", ...)',
            )
    report.ok(criterion)
    report.done()
