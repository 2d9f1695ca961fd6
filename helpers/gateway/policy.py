"""A small IAM policy evaluator: enough for API Gateway resource policies, Lambda
resource-based permissions and authorizer policies.

Explicit deny wins over allow; no matching allow is an implicit deny. Supported:
Action/NotAction, Resource/NotResource, Principal/NotPrincipal and the condition
operators API Gateway lessons use (String*, Arn*, IpAddress/NotIpAddress, Bool, Null),
with ``...IfExists`` and ``ForAnyValue:``/``ForAllValues:`` forms.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


@dataclass(frozen=True, slots=True)
class Decision:
    effect: str  # ALLOW, EXPLICIT_DENY or IMPLICIT_DENY
    statement: Mapping[str, Any] | None = None

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(
        "".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    )


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters, ``?`` exactly one."""
    return _glob(pattern, ignore_case).match(value) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _principal_matches(spec: Any, principal: Mapping[str, Iterable[str]] | None) -> bool:
    """``principal`` maps a type ("AWS", "Service", ...) to the caller's identifiers;
    ``None`` is the anonymous caller, which only ``"*"`` / ``{"AWS": "*"}`` matches."""
    if spec == "*":
        return True
    if not isinstance(spec, Mapping):
        return False
    for kind, wanted in spec.items():
        for want in _as_list(wanted):
            if want == "*" and kind == "AWS":
                return True
            for have in (principal or {}).get(kind, ()):
                if glob_match(str(want), have) or _account_root_matches(str(want), have):
                    return True
    return False


def _account_root_matches(want: str, have: str) -> bool:
    """``"123456789012"`` or ``arn:aws:iam::123456789012:root`` names every identity of the account."""
    account = want.split(":")[4] if want.startswith("arn:") and want.endswith(":root") else want
    return account.isdigit() and len(account) == 12 and f":{account}:" in have


def _ip_in(value: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(value.split("/")[0]) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


_OPERATORS = {
    "StringEquals": lambda v, p: v == p,
    "StringNotEquals": lambda v, p: v != p,
    "StringEqualsIgnoreCase": lambda v, p: v.lower() == p.lower(),
    "StringNotEqualsIgnoreCase": lambda v, p: v.lower() != p.lower(),
    "StringLike": lambda v, p: glob_match(p, v),
    "StringNotLike": lambda v, p: not glob_match(p, v),
    "ArnEquals": lambda v, p: v == p,
    "ArnLike": lambda v, p: glob_match(p, v),
    "ArnNotEquals": lambda v, p: v != p,
    "ArnNotLike": lambda v, p: not glob_match(p, v),
    "IpAddress": _ip_in,
    "NotIpAddress": lambda v, p: not _ip_in(v, p),
    "Bool": lambda v, p: str(v).lower() == str(p).lower(),
}
_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
}


def _condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, Any]) -> bool:
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    present = {k.lower(): v for k, v in context.items()}
    values = _as_list(present.get(key.lower()))
    if operator == "Null":
        return (not values) == (str(wanted).lower() == "true")
    if not values:
        # a missing key satisfies ...IfExists, and the negated operators
        return if_exists or operator in _NEGATED
    test = _OPERATORS.get(operator)
    if test is None:
        raise ValueError(f"condition operator {operator!r} is not supported by the emulator")
    patterns = [str(p) for p in _as_list(wanted)]
    negated = operator in _NEGATED

    def one(value: Any) -> bool:
        results = (test(str(value), p) for p in patterns)
        return all(results) if negated else any(results)

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def _statement_applies(
    st: Mapping[str, Any],
    action: str,
    resource: str,
    principal: Mapping[str, Iterable[str]] | None,
    context: Mapping[str, Any],
    check_principal: bool,
) -> bool:
    if "Action" in st and not any(
        glob_match(a, action, ignore_case=True) for a in _as_list(st["Action"])
    ):
        return False
    if "NotAction" in st and any(
        glob_match(a, action, ignore_case=True) for a in _as_list(st["NotAction"])
    ):
        return False
    if "Resource" in st and not any(glob_match(r, resource) for r in _as_list(st["Resource"])):
        return False
    if "NotResource" in st and any(glob_match(r, resource) for r in _as_list(st["NotResource"])):
        return False
    if check_principal:
        if "Principal" in st and not _principal_matches(st["Principal"], principal):
            return False
        if "NotPrincipal" in st and _principal_matches(st["NotPrincipal"], principal):
            return False
    for operator, block in (st.get("Condition") or {}).items():
        for key, wanted in block.items():
            if not _condition_holds(operator, key, wanted, context):
                return False
    return True


def evaluate(
    statements: Iterable[Mapping[str, Any]],
    *,
    action: str,
    resource: str,
    principal: Mapping[str, Iterable[str]] | None = None,
    context: Mapping[str, Any] | None = None,
    check_principal: bool = True,
) -> Decision:
    """Evaluate statements for one request. ``check_principal=False`` for identity policies."""
    context = context or {}
    allow: Mapping[str, Any] | None = None
    for st in statements:
        if not _statement_applies(st, action, resource, principal, context, check_principal):
            continue
        if st.get("Effect") == "Deny":
            return Decision(EXPLICIT_DENY, st)
        if st.get("Effect") == "Allow" and allow is None:
            allow = st
    return Decision(ALLOW, allow) if allow is not None else Decision(IMPLICIT_DENY)


def statements_of(policy: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not policy:
        return []
    return _as_list(policy.get("Statement"))
