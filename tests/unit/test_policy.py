"""The IAM policy evaluator used for resource policies and Lambda permissions."""

from __future__ import annotations

import pytest

from helpers.gateway import policy as iam

API_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets"


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("*", "anything/at/all", True),
        ("arn:aws:execute-api:*:*:abc123/*", API_ARN, True),
        ("arn:aws:execute-api:*:*:abc123/*/POST/*", API_ARN, False),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pet?", API_ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pe?", API_ARN, False),
        ("a.b", "axb", False),  # regex metacharacters are literal
        ("a[1]", "a[1]", True),
        ("line*", "line1\nline2", True),
    ],
)
def test_glob_match(pattern: str, value: str, matches: bool) -> None:
    assert iam.glob_match(pattern, value) is matches


def test_glob_match_case() -> None:
    assert not iam.glob_match("execute-api:Invoke", "EXECUTE-API:invoke")
    assert iam.glob_match("execute-api:Invoke", "EXECUTE-API:invoke", ignore_case=True)


def allow(**extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", **extra}


def deny(**extra: object) -> dict[str, object]:
    return {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", **extra}


def decide(statements: list[dict[str, object]], **context: object) -> str:
    return iam.evaluate(
        statements,
        action="execute-api:Invoke",
        resource=API_ARN,
        principal=None,
        context=context,
    ).effect


def test_no_statement_is_an_implicit_deny() -> None:
    assert decide([]) == iam.IMPLICIT_DENY


def test_matching_allow_allows_and_names_the_statement() -> None:
    st = allow(Resource="arn:aws:execute-api:us-east-1:123456789012:abc123/*", Sid="open")
    decision = iam.evaluate(
        [st], action="execute-api:Invoke", resource=API_ARN, principal=None, context={}
    )
    assert decision.allowed
    assert decision.statement is st


def test_explicit_deny_wins_whatever_the_order() -> None:
    statements = [allow(Resource="*"), deny(Resource="*")]
    assert decide(statements) == iam.EXPLICIT_DENY
    assert decide(list(reversed(statements))) == iam.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("statement", "effect"),
    [
        (allow(Action="execute-api:*"), iam.ALLOW),
        (allow(Action="EXECUTE-API:INVOKE"), iam.ALLOW),  # actions are case-insensitive
        (allow(Action="lambda:InvokeFunction"), iam.IMPLICIT_DENY),
        (allow(Action=["s3:*", "execute-api:Invoke"]), iam.ALLOW),
        ({"Effect": "Allow", "Principal": "*", "NotAction": "s3:*"}, iam.ALLOW),
        ({"Effect": "Allow", "Principal": "*", "NotAction": "execute-api:*"}, iam.IMPLICIT_DENY),
        (allow(Resource="arn:aws:execute-api:*:*:other/*"), iam.IMPLICIT_DENY),
        (allow(NotResource="arn:aws:execute-api:*:*:abc123/*/POST/*"), iam.ALLOW),
        (allow(NotResource="arn:aws:execute-api:*:*:abc123/*"), iam.IMPLICIT_DENY),
        (allow(Principal={"AWS": "*"}), iam.ALLOW),
        # the anonymous caller of a resource policy matches only "*"
        (allow(Principal={"AWS": "arn:aws:iam::123456789012:root"}), iam.IMPLICIT_DENY),
        (allow(Principal={"Service": "apigateway.amazonaws.com"}), iam.IMPLICIT_DENY),
    ],
)
def test_statement_matching(statement: dict[str, object], effect: str) -> None:
    assert decide([statement]) == effect


VPCE = "vpce-0abc123"


@pytest.mark.parametrize(
    ("condition", "context", "effect"),
    [
        ({"StringEquals": {"aws:SourceVpce": VPCE}}, {"aws:SourceVpce": VPCE}, iam.ALLOW),
        ({"StringEquals": {"aws:SourceVpce": VPCE}}, {"aws:SourceVpce": "vpce-x"}, "deny"),
        ({"StringEquals": {"aws:SourceVpce": VPCE}}, {}, "deny"),
        # condition keys are case-insensitive
        ({"StringEquals": {"AWS:SOURCEVPCE": VPCE}}, {"aws:SourceVpce": VPCE}, iam.ALLOW),
        (
            {"StringEquals": {"aws:SourceVpce": [VPCE, "vpce-2"]}},
            {"aws:SourceVpce": "vpce-2"},
            iam.ALLOW,
        ),
        ({"StringNotEquals": {"aws:SourceVpce": VPCE}}, {"aws:SourceVpce": "vpce-x"}, iam.ALLOW),
        (
            {"StringNotEquals": {"aws:SourceVpce": [VPCE, "vpce-2"]}},
            {"aws:SourceVpce": "vpce-2"},
            "deny",
        ),
        # a missing key satisfies the negated operators
        ({"StringNotEquals": {"aws:SourceVpce": VPCE}}, {}, iam.ALLOW),
        ({"StringEqualsIfExists": {"aws:SourceVpce": VPCE}}, {}, iam.ALLOW),
        ({"StringEqualsIfExists": {"aws:SourceVpce": VPCE}}, {"aws:SourceVpce": "x"}, "deny"),
        ({"StringLike": {"aws:UserAgent": "curl/*"}}, {"aws:UserAgent": "curl/8.5"}, iam.ALLOW),
        ({"StringNotLike": {"aws:UserAgent": "curl/*"}}, {"aws:UserAgent": "curl/8.5"}, "deny"),
        ({"StringEqualsIgnoreCase": {"aws:UserAgent": "ABC"}}, {"aws:UserAgent": "abc"}, iam.ALLOW),
        (
            {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            {"aws:SourceIp": "203.0.113.7"},
            iam.ALLOW,
        ),
        (
            {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            {"aws:SourceIp": "198.51.100.1"},
            "deny",
        ),
        (
            {"IpAddress": {"aws:SourceIp": "203.0.113.7"}},
            {"aws:SourceIp": "203.0.113.7/32"},
            iam.ALLOW,
        ),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "not-an-ip"}, "deny"),
        (
            {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            {"aws:SourceIp": "203.0.113.7"},
            iam.ALLOW,
        ),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, iam.ALLOW),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, "deny"),
        ({"Null": {"aws:SourceVpce": "true"}}, {}, iam.ALLOW),
        ({"Null": {"aws:SourceVpce": "true"}}, {"aws:SourceVpce": VPCE}, "deny"),
        ({"Null": {"aws:SourceVpce": "false"}}, {"aws:SourceVpce": VPCE}, iam.ALLOW),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:*:*:abc123/*"}},
            {"aws:SourceArn": API_ARN},
            iam.ALLOW,
        ),
        (
            {"ArnNotLike": {"aws:SourceArn": "arn:aws:execute-api:*:*:abc123/*"}},
            {"aws:SourceArn": API_ARN},
            "deny",
        ),
        ({"ArnEquals": {"aws:SourceArn": API_ARN}}, {"aws:SourceArn": API_ARN}, iam.ALLOW),
        (
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
            {"aws:TagKeys": ["z", "b"]},
            iam.ALLOW,
        ),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
            {"aws:TagKeys": ["z", "b"]},
            "deny",
        ),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
            {"aws:TagKeys": ["a", "b"]},
            iam.ALLOW,
        ),
        # every condition block and every key must hold
        (
            {
                "StringEquals": {"aws:SourceVpce": VPCE},
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            },
            {"aws:SourceVpce": VPCE, "aws:SourceIp": "203.0.113.7"},
            "deny",
        ),
    ],
)
def test_conditions(condition: dict[str, object], context: dict[str, object], effect: str) -> None:
    got = decide([allow(Condition=condition)], **context)
    assert got == (iam.IMPLICIT_DENY if effect == "deny" else effect)


def test_deny_unless_from_the_vpce_is_the_usual_private_api_policy() -> None:
    statements = [
        allow(Resource="execute-api:/*"),
        deny(Resource="execute-api:/*", Condition={"StringNotEquals": {"aws:SourceVpce": VPCE}}),
    ]
    resource = "execute-api:/*"
    assert (
        iam.evaluate(
            statements,
            action="execute-api:Invoke",
            resource=resource,
            context={"aws:SourceVpce": VPCE},
        ).effect
        == iam.ALLOW
    )
    assert (
        iam.evaluate(
            statements,
            action="execute-api:Invoke",
            resource=resource,
            context={"aws:SourceVpce": "vpce-x"},
        ).effect
        == iam.EXPLICIT_DENY
    )


def test_unsupported_operator_is_loud() -> None:
    with pytest.raises(ValueError, match="DateGreaterThan"):
        decide(
            [allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}})],
            **{"aws:CurrentTime": "x"},
        )


@pytest.mark.parametrize(
    ("spec", "principal", "matches"),
    [
        ({"Service": "apigateway.amazonaws.com"}, {"Service": ["apigateway.amazonaws.com"]}, True),
        ({"Service": ["lambda.amazonaws.com"]}, {"Service": ["apigateway.amazonaws.com"]}, False),
        ({"AWS": "123456789012"}, {"AWS": ["arn:aws:iam::123456789012:user/ann"]}, True),
        (
            {"AWS": "arn:aws:iam::123456789012:root"},
            {"AWS": ["arn:aws:iam::123456789012:role/r"]},
            True,
        ),
        (
            {"AWS": "arn:aws:iam::000000000000:root"},
            {"AWS": ["arn:aws:iam::123456789012:role/r"]},
            False,
        ),
        (
            {"AWS": "arn:aws:iam::123456789012:role/*"},
            {"AWS": ["arn:aws:iam::123456789012:role/r"]},
            True,
        ),
        ({"AWS": "*"}, None, True),
        ("*", None, True),
        ({"Service": "apigateway.amazonaws.com"}, None, False),
    ],
)
def test_principals(spec: object, principal: dict[str, list[str]] | None, matches: bool) -> None:
    st = {"Effect": "Allow", "Principal": spec, "Action": "*"}
    decision = iam.evaluate([st], action="lambda:InvokeFunction", resource="*", principal=principal)
    assert decision.allowed is matches


def test_not_principal_excludes() -> None:
    st = {"Effect": "Deny", "NotPrincipal": {"Service": "apigateway.amazonaws.com"}, "Action": "*"}
    ok = iam.evaluate(
        [st, {"Effect": "Allow", "Principal": "*", "Action": "*"}],
        action="lambda:InvokeFunction",
        resource="*",
        principal={"Service": ["apigateway.amazonaws.com"]},
    )
    assert ok.effect == iam.ALLOW


def test_identity_policies_skip_the_principal() -> None:
    st = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    assert iam.evaluate(
        [st], action="execute-api:Invoke", resource=API_ARN, check_principal=False
    ).allowed


def test_the_lambda_permission_that_add_permission_writes() -> None:
    """The statement shape moto stores for ``lambda.add_permission``."""
    st = {
        "Action": "lambda:InvokeFunction",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Effect": "Allow",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Condition": {
            "ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/*/*/*"}
        },
    }

    def check(source_arn: str) -> bool:
        return iam.evaluate(
            [st],
            action="lambda:InvokeFunction",
            resource="arn:aws:lambda:us-east-1:123456789012:function:f",
            principal={"Service": ["apigateway.amazonaws.com"]},
            context={"AWS:SourceArn": source_arn},
        ).allowed

    assert check("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/{id}")
    assert not check("arn:aws:execute-api:us-east-1:123456789012:zzz999/prod/GET/pets")


@pytest.mark.parametrize(
    ("policy", "count"),
    [
        (None, 0),
        ({}, 0),
        ({"Statement": {"Effect": "Allow"}}, 1),
        ({"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]}, 2),
    ],
)
def test_statements_of(policy: dict[str, object] | None, count: int) -> None:
    assert len(iam.statements_of(policy)) == count
