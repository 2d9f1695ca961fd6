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
from .common import Report, call, check_api, check_inputs, describe, error_code, fail, json_body
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

_POOL_CRITERION = (
    f"user pool {spec.POOL!r} has the attribute {spec.USER_ATTRIBUTE}; "
    f"client {spec.CLIENT!r} allows ADMIN_USER_PASSWORD_AUTH"
)


# ---------------------------------------------------------------------------- the user pool


def _pool_problem(cognito: Any, pool_id: str) -> tuple[str | None, str, str]:
    """(client id, what is wrong, hint) for one pool named like the spec's; '' when fine."""
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    names = {a.get("Name") for a in pool.get("SchemaAttributes") or []}
    if spec.USER_ATTRIBUTE not in names:
        custom = sorted(n for n in names if n and n.startswith("custom:"))
        return (
            None,
            f"user pool {spec.POOL!r} has no attribute {spec.USER_ATTRIBUTE}"
            + (f" (its custom attributes: {', '.join(custom)})" if custom else ""),
            "Custom attributes are part of the pool's schema: add it with\n"
            f'cognito.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[{{"Name": '
            f'"{spec.ATTRIBUTE}",\n    "AttributeDataType": "String", "Mutable": False}}]), '
            f"or create the pool with it:\n{spec.POOL_HINT}",
        )
    clients = [
        c
        for page in cognito.get_paginator("list_user_pool_clients").paginate(
            UserPoolId=pool_id, MaxResults=60
        )
        for c in page.get("UserPoolClients", [])
    ]
    mine = [c for c in clients if c.get("ClientName") == spec.CLIENT]
    if not mine:
        names = ", ".join(sorted(str(c.get("ClientName")) for c in clients)) or "none"
        return (
            None,
            f"user pool {spec.POOL!r} has no app client {spec.CLIENT!r} (it has: {names})",
            (spec.CLIENT_HINT),
        )
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=mine[0]["ClientId"])[
        "UserPoolClient"
    ]
    flows = client.get("ExplicitAuthFlows") or []
    if not set(flows) & set(spec.AUTH_FLOWS):
        return (
            None,
            f"app client {spec.CLIENT!r} does not allow ADMIN_USER_PASSWORD_AUTH "
            f"(ExplicitAuthFlows: {flows or 'none'}), so no one can sign in with a password "
            "from the server side",
            spec.FLOWS_HINT,
        )
    if client.get("ClientSecret"):
        return (
            None,
            f"app client {spec.CLIENT!r} has a secret, so every sign-in needs a SECRET_HASH",
            "Create the client without one (GenerateSecret=False, the default):\n"
            + spec.CLIENT_HINT,
        )
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
    named = [p for p in pools if p.get("Name") == spec.POOL]
    if not named:
        others = ", ".join(sorted({str(p.get("Name")) for p in pools})) or "none"
        fail(
            _POOL_CRITERION,
            expected=f"a Cognito user pool named {spec.POOL!r}",
            got=f"no user pool by that name (user pools: {others})",
            hint=spec.POOL_HINT,
        )
    problem = ("", "")
    for pool in named:  # the learner may have run the cell twice: any good one will do
        client_id, why, hint = _pool_problem(cognito, pool["Id"])
        if client_id:
            return cognito, pool["Id"], client_id
        problem = (why, hint)
    fail(
        _POOL_CRITERION,
        expected=f"attribute {spec.USER_ATTRIBUTE} in the pool's schema; client "
        f"{spec.CLIENT!r} with ALLOW_ADMIN_USER_PASSWORD_AUTH",
        got=problem[0],
        hint=problem[1],
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
            fail(
                _POOL_CRITERION,
                expected=f"the check can create user {name!r} ({spec.USER_ATTRIBUTE}={tenant}) "
                "with a password",
                got=f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message')}",
                hint=spec.POOL_HINT + "\n(with Cognito's default password policy)",
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
            fail(
                _POOL_CRITERION,
                expected=f"user {name!r} can sign in with ADMIN_USER_PASSWORD_AUTH",
                got=f"{error_code(exc)}: {exc.response.get('Error', {}).get('Message')}",
                hint=spec.FLOWS_HINT,
            )
        result = answer.get("AuthenticationResult") or {}
        if not result.get("AccessToken"):
            fail(
                _POOL_CRITERION,
                expected=f"user {name!r} signs in with a password alone",
                got=f"Cognito asks for more: challenge {answer.get('ChallengeName')}",
                hint="Keep the pool's MFA off (MfaConfiguration OFF, the default) for this lab.",
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
        limitation_hint="Build GET /tenants/{tenant}/orders as the spec says: a Lambda proxy "
        '(type="AWS_PROXY") to tenant-orders, authorizationType="CUSTOM" with a TOKEN authorizer.',
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
        'HTTP 401 {"message":"Unauthorized"}',
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

    expected = f"HTTP 200 and the orders of {tenant} (from the tenant-orders function)"
    if status != 200:
        _fail(api, criterion, response, expected, diagnose, header=header, tenant=tenant)
    body = json_body(
        criterion,
        response,
        expected,
        'Integrate GET /tenants/{tenant}/orders with the tenant-orders function (type="AWS_PROXY").',
    )
    if not isinstance(body, dict) or body.get("tenant") != tenant:
        fail(
            criterion,
            expected=f'{{"tenant": "{tenant}", "orders": [...]}} from the tenant-orders function',
            got=describe(response),
            hint='The resource\'s pathPart must be exactly "{tenant}" (braces included), and '
            "the method integrated with tenant-orders (functions/tenant_orders.py).",
        )
    said = body.get("authorizedTenant")
    if said != tenant:
        fail(
            criterion,
            expected=f"requestContext.authorizer.tenant = {tenant!r} (the orders function "
            "echoes it as authorizedTenant)",
            got=f"authorizedTenant {said!r}: "
            + (
                "the authorizer's answer has no context tenant"
                if said is None
                else f"the authorizer said tenant {said!r} for a {tenant} user"
            ),
            hint=spec.CONTEXT_HINT + "\nwith tenant read from the user's custom:tenant.",
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

    expected = 'HTTP 403 "User is not authorized to access this resource"'
    if status != 403 or _missing_token(response):
        _fail(api, criterion, response, expected, diagnose, header=header, tenant=tenant)


# ---------------------------------------------------------------------------- the check


def _orders(body: dict[str, Any]) -> str:
    count = len(body.get("orders") or [])
    return f"{count} order" + ("" if count == 1 else "s")


def _check_config(api: TenantApi) -> str:
    __tracebackhide__ = True
    authorizer = api.authorizer() or {}
    criterion = f"GET {spec.PATH} uses a Lambda TOKEN authorizer reading the Authorization header"
    problem = authorizer_problem(api)
    if problem:
        fail(
            criterion,
            expected=f'authorizationType "CUSTOM", an authorizer of type TOKEN with '
            f'identitySource "{spec.IDENTITY_SOURCE}"',
            got=problem[0],
            hint=problem[1],
        )
    return (
        f"GET {spec.PATH} uses TOKEN authorizer {authorizer.get('name')!r} ({spec.IDENTITY_SOURCE})"
    )


def check_lab03(lab: Any, api_id: Any, stage: Any = spec.STAGE) -> None:
    """Lab 03: only tokens of the tenant named in the path reach ``GET /tenants/{tenant}/orders``."""
    __tracebackhide__ = True
    report = Report("lab 03, a tenant gate, meets the spec")
    check_inputs(lab, api_id, stage, name=spec.NAME, stage_name=spec.STAGE, check="check_lab03")
    api = TenantApi(lab, api_id, stage)
    report.ok(check_api(api, spec.NAME))
    base = lab.invoke_url(api_id, stage).rstrip("/")

    with _check_users(api) as users:
        acme = users.token("acme")
        globex = users.token("globex")
        report.ok(_POOL_CRITERION)

        criterion = "a request without a token is refused with 401 Unauthorized"
        answer = _get(api, criterion, base, "acme", None)
        _refused(
            api, criterion, answer, header=None, tenant="acme", diagnose=lambda: open_problem(api)
        )
        report.ok("no token → 401 Unauthorized")

        criterion = "a forged token is refused with 401 Unauthorized"
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
        report.ok("a forged token (an acme token with its signature changed) → 401 Unauthorized")

        criterion = "an acme user reads /tenants/acme/orders"
        header = f"Bearer {acme}"
        answer = _get(api, criterion, base, "acme", header)
        body = _allowed(api, criterion, answer, header=header, tenant="acme")
        report.ok(
            f"an acme token on /tenants/acme/orders → 200, {_orders(body)} of acme, "
            "authorizer context tenant=acme"
        )

        criterion = "the same acme token may not read /tenants/globex/orders"
        answer = _get(api, criterion, base, "globex", header)
        _denied(api, criterion, answer, header=header, tenant="globex", user_tenant="acme")
        report.ok("the same token on /tenants/globex/orders → 403, not authorized")

        criterion = (
            "a new acme token used on /tenants/globex/orders first gets 403, "
            "then 200 on /tenants/acme/orders"
        )
        header = f"Bearer {users.token('acme')}"
        answer = _get(api, criterion, base, "globex", header)
        _denied(api, criterion, answer, header=header, tenant="globex", user_tenant="acme")
        answer = _get(api, criterion, base, "acme", header)
        _allowed(api, criterion, answer, header=header, tenant="acme", asked_first="globex")
        report.ok(
            "a new acme token: /tenants/globex/orders first → 403, then /tenants/acme/orders "
            "→ 200 (the policy names the user's tenant, whatever path asked first)"
        )

        criterion = "a globex user reads /tenants/globex/orders (token without 'Bearer ')"
        answer = _get(api, criterion, base, "globex", globex)
        body = _allowed(api, criterion, answer, header=globex, tenant="globex")
        report.ok(
            f"a globex token on /tenants/globex/orders → 200, {_orders(body)} of globex, "
            "authorizer context tenant=globex"
        )

    report.ok(_check_config(api))
    report.done()
