"""Lab 03's check: the ``tenant-orders`` REST API lets a Cognito user read the orders of
their own tenant only, through a Lambda ``TOKEN`` authorizer, on stage ``v1``.

Behaviour first: the check signs in two users of its own (tenants ``acme`` and ``globex``)
in the learner's user pool, calls the stage with their access tokens, with none and with a
forged one, and judges the answers; it deletes its users when it is done. The control
plane (and the learner's authorizer function, asked directly) only explains failures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import requests
from botocore.exceptions import ClientError

from . import lab03_spec as spec
from .common import (
    Report,
    call,
    check_api,
    check_inputs,
    describe,
    error_code,
    fail,
    json_body,
    messages,
)
from .lab03_diagnose import (
    Problem,
    TenantApi,
    authorizer_problem,
    crossed_problem,
    denied_problem,
    explain,
    forged_problem,
    open_problem,
    server_problem,
    unauthorized_problem,
)

__all__ = ["check_lab03"]


def _pool_criterion() -> str:
    return messages("lab03").text("criteria.pool")


# ---------------------------------------------------------------------------- the user pool


def _pool_problem(cognito: Any, pool_id: str) -> tuple[str | None, str, str]:
    """(client id, what is wrong, hint) for one pool named like the spec's; '' when fine."""
    t = messages("lab03")
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    names = {a.get("Name") for a in pool.get("SchemaAttributes") or []}
    if spec.USER_ATTRIBUTE not in names:
        custom = sorted(n for n in names if n and n.startswith("custom:"))
        why = t.text("why.no_attribute")
        if custom:
            why += t.text("why.custom_attributes", names=", ".join(custom))
        return None, why, t.text("code.add_attribute", pool=t.text("code.pool"))
    clients = [
        c
        for page in cognito.get_paginator("list_user_pool_clients").paginate(
            UserPoolId=pool_id, MaxResults=60
        )
        for c in page.get("UserPoolClients", [])
    ]
    mine = [c for c in clients if c.get("ClientName") == spec.CLIENT]
    if not mine:
        names = ", ".join(sorted(str(c.get("ClientName")) for c in clients)) or t.text("got.none")
        return None, t.text("why.no_client", names=names), t.text("code.client")
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=mine[0]["ClientId"])[
        "UserPoolClient"
    ]
    flows = client.get("ExplicitAuthFlows") or []
    if not set(flows) & set(spec.AUTH_FLOWS):
        return None, t.text("why.no_flow", flows=flows or t.text("got.none")), t.text("code.flows")
    if client.get("ClientSecret"):
        return None, t.text("why.secret"), t.text("code.no_secret", client=t.text("code.client"))
    return str(client["ClientId"]), "", ""


def _find_pool(api: TenantApi) -> tuple[Any, str, str]:
    """(cognito client, pool id, app client id) of the spec's pool, or a CheckFailed."""
    __tracebackhide__ = True
    cognito = api.lab.session.client("cognito-idp", region_name=api.lab.region)
    pools = [
        p
        for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
        for p in page.get("UserPools", [])
    ]
    t = messages("lab03")
    named = [p for p in pools if p.get("Name") == spec.POOL]
    if not named:
        others = ", ".join(sorted({str(p.get("Name")) for p in pools})) or t.text("got.none")
        fail(
            _pool_criterion(),
            expected=t.text("expected.pool"),
            got=t.text("got.no_pool", others=others),
            hint=t.text("code.pool"),
        )
    problem = ("", "")
    for pool in named:  # the learner may have run the cell twice: any good one will do
        client_id, why, hint = _pool_problem(cognito, pool["Id"])
        if client_id:
            return cognito, pool["Id"], client_id
        problem = (why, hint)
    fail(
        _pool_criterion(), expected=t.text("expected.pool_schema"), got=problem[0], hint=problem[1]
    )


class _Users:
    """The check's own users in the learner's pool, one per tenant, and their sign-ins."""

    def __init__(self, cognito: Any, pool_id: str, client_id: str) -> None:
        self.cognito = cognito
        self.pool_id = pool_id
        self.client_id = client_id
        self.created: list[str] = []

    def _create(self, tenant: str) -> str:
        __tracebackhide__ = True
        name = spec.CHECK_USERS[tenant]
        if name in self.created:
            return name
        self._delete(name)  # left over from an interrupted run
        try:
            self.cognito.admin_create_user(
                UserPoolId=self.pool_id,
                Username=name,
                UserAttributes=[{"Name": spec.USER_ATTRIBUTE, "Value": tenant}],
                MessageAction="SUPPRESS",
            )
            self.created.append(name)
            self.cognito.admin_set_user_password(
                UserPoolId=self.pool_id, Username=name, Password=spec.CHECK_PASSWORD, Permanent=True
            )
        except ClientError as exc:
            t = messages("lab03")
            fail(
                _pool_criterion(),
                expected=t.text("expected.create_user", name=name, tenant=tenant),
                got=t.text(
                    "got.cognito",
                    code=error_code(exc),
                    message=exc.response.get("Error", {}).get("Message"),
                ),
                hint=t.text("fix.pool_policy", pool=t.text("code.pool")),
            )
        return name

    def token(self, tenant: str) -> str:
        """A new access token of the check's user of ``tenant`` (a new sign-in each time)."""
        __tracebackhide__ = True
        name = self._create(tenant)
        try:
            answer = self.cognito.admin_initiate_auth(
                UserPoolId=self.pool_id,
                ClientId=self.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": spec.CHECK_PASSWORD},
            )
        except ClientError as exc:
            t = messages("lab03")
            fail(
                _pool_criterion(),
                expected=t.text("expected.sign_in", name=name),
                got=t.text(
                    "got.cognito",
                    code=error_code(exc),
                    message=exc.response.get("Error", {}).get("Message"),
                ),
                hint=t.text("code.flows"),
            )
        result = answer.get("AuthenticationResult") or {}
        if not result.get("AccessToken"):
            t = messages("lab03")
            fail(
                _pool_criterion(),
                expected=t.text("expected.password_alone", name=name),
                got=t.text("got.challenge", challenge=answer.get("ChallengeName")),
                hint=t.text("fix.mfa"),
            )
        return str(result["AccessToken"])

    def _delete(self, name: str) -> None:
        try:
            self.cognito.admin_delete_user(UserPoolId=self.pool_id, Username=name)
        except ClientError as exc:
            if error_code(exc) not in ("UserNotFoundException", "ResourceNotFoundException"):
                raise

    def remove(self) -> None:
        for name in self.created:
            self._delete(name)
        self.created.clear()


@contextmanager
def _check_users(api: TenantApi) -> Iterator[_Users]:
    cognito, pool_id, client_id = _find_pool(api)
    users = _Users(cognito, pool_id, client_id)
    try:
        yield users
    finally:
        users.remove()


def forge(token: str) -> str:
    """The token with one character of its signature changed: well formed, not genuine.

    Cognito's ``GetUser`` answers such a token ``NotAuthorizedException`` (moto: the token
    is not one it issued). [unc] that AWS never answers a JWT-shaped token with another
    error (``InvalidParameterException``) is what the lab's solution relies on."""
    head, _, signature = token.rpartition(".")
    if not signature:
        return token + "x"
    i = len(signature) // 2
    swapped = "A" if signature[i] != "A" else "B"
    return f"{head}.{signature[:i]}{swapped}{signature[i + 1 :]}"


# ---------------------------------------------------------------------------- requests


def _get(
    api: TenantApi, criterion: str, base: str, tenant: str, header: str | None
) -> requests.Response:
    __tracebackhide__ = True
    headers = {"Authorization": header} if header is not None else {}
    return call(
        api.lab,
        criterion,
        "GET",
        f"{base}/tenants/{tenant}/orders",
        headers=headers,
        limitation_hint=api.texts.text("fix.limitation"),
    )


def _missing_token(response: requests.Response) -> bool:
    """API Gateway's 403 for a path or stage it does not serve (not an authorizer's 403)."""
    return response.status_code == 403 and "Missing Authentication Token" in response.text


def _fail(
    api: TenantApi,
    criterion: str,
    response: requests.Response,
    expected: str,
    diagnose: Callable[[], Problem | None] | None,
    *,
    header: str | None,
    tenant: str,
) -> NoReturn:
    """Fail ``criterion``, explaining ``response`` with ``diagnose`` (the situation's
    diagnosis) unless the status code alone says what is wrong."""
    __tracebackhide__ = True
    problem = None if diagnose is None or _missing_token(response) else diagnose()
    got, hint = explain(api, response, problem, header=header, tenant=tenant)
    fail(criterion, expected=expected, got=got, hint=hint)


def _refused(
    api: TenantApi,
    criterion: str,
    response: requests.Response,
    *,
    header: str | None,
    tenant: str,
    diagnose: Callable[[], Problem | None],
) -> None:
    """Expect a 401; ``diagnose`` explains why the request got through (2xx, or an
    authorizer's 403), a 500 is explained as a server problem."""
    __tracebackhide__ = True
    status = response.status_code
    if status == 401:
        return
    if status == 500:
        diagnose = lambda: server_problem(api, header, tenant)  # noqa: E731
    _fail(
        api,
        criterion,
        response,
        api.texts.text("expected.unauthorized"),
        diagnose,
        header=header,
        tenant=tenant,
    )


def _allowed(
    api: TenantApi,
    criterion: str,
    response: requests.Response,
    *,
    header: str,
    tenant: str,
    asked_first: str | None = None,
) -> dict[str, Any]:
    """Expect a 200 with the orders of ``tenant`` and the authorizer's ``tenant`` context."""
    __tracebackhide__ = True
    status = response.status_code

    def diagnose() -> Problem | None:
        if status == 401:
            return unauthorized_problem(api, header, tenant, tenant)
        if status == 403:
            return denied_problem(api, header, tenant, asked_first=asked_first)
        if status == 500:
            return server_problem(api, header, tenant)
        return None

    t = api.texts
    expected = t.text("expected.orders", tenant=tenant)
    if status != 200:
        _fail(api, criterion, response, expected, diagnose, header=header, tenant=tenant)
    body = json_body(criterion, response, expected, t.text("fix.integrate"))
    if not isinstance(body, dict) or body.get("tenant") != tenant:
        fail(
            criterion,
            expected=t.text("expected.orders_body", tenant=tenant),
            got=describe(response),
            hint=t.text("fix.path_part"),
        )
    said = body.get("authorizedTenant")
    if said != tenant:
        why = (
            t.text("got.no_context")
            if said is None
            else t.text("got.wrong_context", said=said, tenant=tenant)
        )
        fail(
            criterion,
            expected=t.text("expected.context", tenant=tenant),
            got=t.text("got.authorized_tenant", said=said, why=why),
            hint=t.text("fix.context", context=t.text("code.context")),
        )
    return body


def _denied(
    api: TenantApi,
    criterion: str,
    response: requests.Response,
    *,
    header: str,
    tenant: str,
    user_tenant: str,
) -> None:
    """Expect a 403 from the authorizer's policy (not a Missing Authentication Token)."""
    __tracebackhide__ = True
    status = response.status_code

    def diagnose() -> Problem | None:
        if 200 <= status < 300:
            return crossed_problem(api, header, tenant, user_tenant)
        if status == 401:
            return unauthorized_problem(api, header, tenant, user_tenant)
        if status == 500:
            return server_problem(api, header, tenant)
        return None

    expected = api.texts.text("expected.denied")
    if status != 403 or _missing_token(response):
        _fail(api, criterion, response, expected, diagnose, header=header, tenant=tenant)


# ---------------------------------------------------------------------------- the check


def _orders(body: dict[str, Any]) -> str:
    count = len(body.get("orders") or [])
    t = messages("lab03")
    return t.text("criteria.orders_one" if count == 1 else "criteria.orders_many", count=count)


def _check_config(api: TenantApi) -> str:
    __tracebackhide__ = True
    t = api.texts
    authorizer = api.authorizer() or {}
    criterion = t.text("criteria.config")
    problem = authorizer_problem(api)
    if problem:
        fail(criterion, expected=t.text("expected.config"), got=problem[0], hint=problem[1])
    return t.text("criteria.config_ok", name=authorizer.get("name"))


def check_lab03(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 03: only tokens of the tenant named in the path reach ``GET /tenants/{tenant}/orders``."""
    __tracebackhide__ = True
    t = messages("lab03")
    report = Report(t.text("report.title"))
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab03")
    api = TenantApi(lab, api_id, stage)
    report.ok(check_api(api, spec.NAME))
    base = lab.invoke_url(api_id, stage).rstrip("/")

    with _check_users(api) as users:
        acme = users.token("acme")
        globex = users.token("globex")
        report.ok(_pool_criterion())

        criterion = t.text("criteria.no_token")
        answer = _get(api, criterion, base, "acme", None)
        _refused(
            api, criterion, answer, header=None, tenant="acme", diagnose=lambda: open_problem(api)
        )
        report.ok(t.text("criteria.no_token_ok"))

        criterion = t.text("criteria.forged")
        forged = f"Bearer {forge(acme)}"
        answer = _get(api, criterion, base, "acme", forged)
        _refused(
            api,
            criterion,
            answer,
            header=forged,
            tenant="acme",
            diagnose=lambda: forged_problem(api, forged, "acme"),
        )
        report.ok(t.text("criteria.forged_ok"))

        criterion = t.text("criteria.acme")
        header = f"Bearer {acme}"
        answer = _get(api, criterion, base, "acme", header)
        body = _allowed(api, criterion, answer, header=header, tenant="acme")
        report.ok(t.text("criteria.acme_ok", orders=_orders(body)))

        criterion = t.text("criteria.crossed")
        answer = _get(api, criterion, base, "globex", header)
        _denied(api, criterion, answer, header=header, tenant="globex", user_tenant="acme")
        report.ok(t.text("criteria.crossed_ok"))

        criterion = t.text("criteria.cache")
        header = f"Bearer {users.token('acme')}"
        answer = _get(api, criterion, base, "globex", header)
        _denied(api, criterion, answer, header=header, tenant="globex", user_tenant="acme")
        answer = _get(api, criterion, base, "acme", header)
        _allowed(api, criterion, answer, header=header, tenant="acme", asked_first="globex")
        report.ok(t.text("criteria.cache_ok"))

        criterion = t.text("criteria.globex")
        answer = _get(api, criterion, base, "globex", globex)
        body = _allowed(api, criterion, answer, header=globex, tenant="globex")
        report.ok(t.text("criteria.globex_ok", orders=_orders(body)))

    report.ok(_check_config(api))
    report.done()
