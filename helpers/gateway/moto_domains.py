"""Custom domain names, base path and API mappings, and their ACM certificates, on moto.

Installed once by :func:`helpers.gateway.moto_hooks.install`; the behaviour sits in moto's
backends, so boto3, the AWS CLI and CloudFormation models all get it. What AWS does and
moto 5.2.5 did not (reference: aws-behavior-releases-ops §4):

- **One set of domain names per Region** for both APIs: a name created with ``apigateway``
  is seen by ``apigatewayv2`` and the other way round, and so are their mappings (moto kept
  two unrelated lists). They live in the ``apigateway`` backend of the Region:
  ``domain_names`` and ``base_path_mappings`` (keyed by mapping key, ``"(none)"`` for the
  empty one, multi-level keys included).
- **Certificates:** a domain needs an ACM certificate (``A certificate was not provided for
  the endpoint type EDGE.``), in ``us-east-1`` for an edge-optimized name and in the API's
  Region for a regional one (``Invalid certificate ARN: ... Certificate must be in
  'us-east-1'.``), issued, and covering the name.
- **Answers**: ``regionalDomainName`` ``d-xxxxxxxxxx.execute-api.{region}.amazonaws.com``
  with the Region's ``regionalHostedZoneId`` (moto gave every Region CloudFront's zone),
  ``distributionDomainName`` ``dxxxxxxxxxxxxx.cloudfront.net`` with ``Z2FDTNDATAQYW2`` for
  edge names, only the fields of the domain's endpoint type, ``securityPolicy`` TLS_1_2 by
  default; apigatewayv2's ``ApiGatewayDomainName`` and ``HostedZoneId`` in the domain name
  configuration.
- **Mappings**: ``create_base_path_mapping`` (one level; a stage that does not exist is
  refused) and ``create_api_mapping`` (multi-level keys such as ``v1/orders``, REST or HTTP
  APIs, a Regional TLS 1.2 domain for HTTP APIs and multi-level keys).
- **ACM DNS validation**: a requested certificate stays ``PENDING_VALIDATION`` until the
  CNAME record its ``DomainValidationOptions`` name exists in a Route 53 public hosted zone
  (moto issued every certificate 60 seconds after the request, record or not).
"""

from __future__ import annotations

import hashlib
import string
from typing import Any

#: Route 53 hosted zone of API Gateway's regional endpoints, per Region: the alias target's
#: ``HostedZoneId`` for a regional custom domain [obs: AWS's service endpoints table]
REGIONAL_HOSTED_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "ca-central-1": "Z19DQILCV0OWEC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-west-3": "Z3KY65QIEKYHQQ",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "eu-north-1": "Z3UWIKFBOOGXPP",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
    "ap-northeast-2": "Z20JF4UZKIW1U8",
    "ap-northeast-3": "Z2YQB5RD63NC85",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-southeast-2": "Z2RPCDW04V8134",
    "ap-south-1": "Z3VO1THU9YC4UR",
    "sa-east-1": "ZCMLWB8V5SYIT",
}
#: every CloudFront distribution (edge-optimized custom domains) lives in this zone [doc]
EDGE_HOSTED_ZONE = "Z2FDTNDATAQYW2"
#: edge-optimized custom domains need their certificate here [doc]
EDGE_CERTIFICATE_REGION = "us-east-1"
NO_CERTIFICATE = "A certificate was not provided for the endpoint type {type}."  # [obs]
WRONG_CERTIFICATE_REGION = "Invalid certificate ARN: {arn}. Certificate must be in '{region}'."
#: [unc] wording for a certificate ARN that names no certificate, one not issued yet, and
#: one that does not cover the name
UNKNOWN_CERTIFICATE = "Invalid certificate ARN: {arn}. Certificate not found."
NOT_ISSUED = "Certificate {arn} in account {account} not yet issued"
NOT_COVERED = "The certificate {arn} does not cover the domain name {name}."
#: [unc] a second domain of the same name in the Region
DOMAIN_EXISTS = "The domain name you provided already exists."
#: [obs] serverless-domain-manager#179: an empty base path must be the only mapping (v1)
EMPTY_BASE_PATH_ALONE = "Only one base path mapping is allowed if the base path is empty."
BASE_PATH_EXISTS = "Base path already exists for this domain name"
#: [unc] wording: HTTP APIs and multi-level mappings need a Regional TLS 1.2 domain [doc]
NEEDS_REGIONAL_TLS12 = (
    "{what} can only be mapped to a Regional custom domain name with security policy TLS_1_2."
)
#: [unc] wording: WebSocket APIs cannot share a domain with REST or HTTP APIs [doc]
NO_MIXED_WEBSOCKET = (
    "WebSocket APIs cannot be mapped to a custom domain name with REST or HTTP API mappings."
)
MAPPING_KEY_CHARS = set(string.ascii_letters + string.digits + "$-_.+!*'()/")
_installed = False


def _v1_backend(account_id: str, region: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region]


def _v2_backend(account_id: str, region: str) -> Any:
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region]


def _token(length: int) -> str:
    from moto.moto_api._internal import mock_random

    alphabet = string.ascii_lowercase + string.digits
    return "".join(mock_random.choice(alphabet) for _ in range(length))


def _bad(message: str) -> Exception:
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(message)


def _conflict(message: str) -> Exception:
    from moto.apigateway.exceptions import ConflictException

    return ConflictException(message)


def regional_hosted_zone(region: str) -> str:
    """API Gateway's regional hosted zone id in ``region`` (an alias target's zone)."""
    found = REGIONAL_HOSTED_ZONES.get(region)
    if found is None:
        from .errors import EmulatorLimitation

        raise EmulatorLimitation(
            f"apigw-lab does not know API Gateway's regional hosted zone id in {region}"
        )
    return found


# ---------------------------------------------------------------------------------- certificates


def _covers(pattern: str, name: str) -> bool:
    """Whether a certificate name (``api.example.com`` or ``*.example.com``) covers ``name``."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern == name:
        return True
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return False


def check_certificate(account_id: str, region: str, arn: str | None, name: str, kind: str) -> None:
    """API Gateway's checks of a custom domain's certificate (raises BadRequestException)."""
    if not arn:
        raise _bad(NO_CERTIFICATE.format(type=kind))
    parts = arn.split(":")
    cert_region = parts[3] if len(parts) > 5 and parts[2] == "acm" else ""
    wanted = EDGE_CERTIFICATE_REGION if kind == "EDGE" else region
    if cert_region != wanted:
        raise _bad(WRONG_CERTIFICATE_REGION.format(arn=arn, region=wanted))
    from moto.acm.models import acm_backends

    certs = acm_backends[account_id][cert_region]._certificates
    bundle = certs.get(arn)
    if bundle is None:
        raise _bad(UNKNOWN_CERTIFICATE.format(arn=arn))
    bundle.check()
    if bundle.status != "ISSUED":
        raise _bad(NOT_ISSUED.format(arn=arn, account=account_id))
    names = set(bundle.sans) | ({bundle.common_name} if bundle.common_name else set())
    if not any(_covers(n, name) for n in names):
        raise _bad(NOT_COVERED.format(arn=arn, name=name))


def validation_record(arn: str, domain: str) -> dict[str, str]:
    """The CNAME record ACM asks for to validate ``domain`` (stable per certificate)."""
    digest = hashlib.sha256(f"{arn}|{domain}".encode()).hexdigest()
    base = domain[2:] if domain.startswith("*.") else domain
    return {
        "Name": f"_{digest[:32]}.{base}.",
        "Type": "CNAME",
        "Value": f"_{digest[32:64]}.{digest[:10]}.acm-validations.aws.",
    }


def _validated(account_id: str, arn: str, domain: str) -> bool:
    from . import control_plane

    wanted = validation_record(arn, domain)
    for record in control_plane.public_records(account_id, wanted["Name"]):
        if record.type == "CNAME":
            values = [str(v).rstrip(".").lower() for v in record.records or []]
            if wanted["Value"].rstrip(".").lower() in values:
                return True
    return False


_KEY: list[Any] = []


def _generate_cert(
    cls: Any,
    domain_name: str,
    account_id: str,
    region: str,
    sans: list[str] | None = None,
    cert_authority_arn: str | None = None,
) -> Any:
    """moto's ``CertBundle.generate_cert``, with one RSA key per process (moto made a new
    2048-bit key for every requested certificate: a tenth of a second or more each). The
    certificate is a stand-in either way: nothing ever checks its signature."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from moto.core.utils import utcnow

    if not _KEY:
        _KEY.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    key = _KEY[0]
    names = list(dict.fromkeys([domain_name, *(sans or [])]))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain_name)])
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Amazon"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Server CA 1B"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Amazon"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(utcnow())
        .not_valid_after(utcnow() + dt.timedelta(days=395))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cls(
        certificate=cert.public_bytes(serialization.Encoding.PEM),
        private_key=private,
        cert_type="PRIVATE" if cert_authority_arn is not None else "AMAZON_ISSUED",
        cert_status="ISSUED" if cert_authority_arn is not None else "PENDING_VALIDATION",
        cert_authority_arn=cert_authority_arn,
        account_id=account_id,
        region=region,
    )


def _patch_acm() -> None:
    from moto.acm.models import CertBundle

    CertBundle.generate_cert = classmethod(_generate_cert)  # type: ignore[method-assign,assignment]
    original_check = CertBundle.check
    original_describe = CertBundle.describe

    def check(self: Any) -> None:
        pending = self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION"
        if not pending:
            original_check(self)
            return
        account_id = self.arn.split(":")[4]
        names = set(self.sans) | ({self.common_name} if self.common_name else set())
        if names and all(_validated(account_id, self.arn, n) for n in names):
            self.status = "ISSUED"

    def describe(self: Any) -> dict[str, Any]:
        out = original_describe(self)
        cert = out["Certificate"]
        order = list(dict.fromkeys([self.common_name, *self.sans]))
        options = sorted(  # the certificate's name first, then its other names, as AWS lists
            cert.get("DomainValidationOptions") or [],
            key=lambda o: order.index(o["DomainName"]) if o["DomainName"] in order else len(order),
        )
        if options:
            cert["DomainValidationOptions"] = options
        for option in options:
            domain = option["DomainName"]
            option["ResourceRecord"] = validation_record(self.arn, domain)
            if self.status == "PENDING_VALIDATION":
                option["ValidationStatus"] = "PENDING_VALIDATION"
        if self.status != "ISSUED":
            cert.pop("IssuedAt", None)
        return out

    CertBundle.check = check  # type: ignore[method-assign]
    CertBundle.describe = describe  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------- domain names


def _endpoint_type(domain: Any) -> str:
    return getattr(domain, "apigw_lab_endpoint", None) or (
        ((domain.endpoint_configuration or {}).get("types") or ["EDGE"])[0]
    )


def _shape_domain(domain: Any, region: str, kind: str) -> None:
    """Fill the fields AWS answers for a new domain of endpoint type ``kind``."""
    domain.apigw_lab_endpoint = kind
    domain.endpoint_configuration = {"types": [kind]}
    domain.domain_name_status = "AVAILABLE"
    domain.status_message = None
    domain.security_policy = domain.security_policy or "TLS_1_2"
    if kind == "REGIONAL":
        domain.regional_domain_name = f"d-{_token(10)}.execute-api.{region}.amazonaws.com"
        domain.regional_hosted_zone_id = regional_hosted_zone(region)
        domain.distribution_domain_name = None
        domain.distribution_hosted_zone_id = None
    else:
        domain.distribution_domain_name = f"d{_token(13)}.cloudfront.net"
        domain.distribution_hosted_zone_id = EDGE_HOSTED_ZONE
        domain.regional_domain_name = None
        domain.regional_hosted_zone_id = None
    domain.domain_name_arn = (
        f"arn:aws:apigateway:{region}::/domainnames/{domain.domain_name}"
    )


def create_domain(
    backend: Any,
    domain_name: str,
    *,
    kind: str,
    certificate_arn: str | None,
    security_policy: str | None = None,
    tags: dict[str, str] | None = None,
    created_by: str = "apigateway",
    certificate_body: str | None = None,
) -> Any:
    """A custom domain name in ``backend``'s Region (the apigateway backend), after AWS's
    checks. Both APIs' ``create_domain_name`` end here."""
    from moto.apigateway.exceptions import InvalidDomainName
    from moto.apigateway.models import DomainName

    if not domain_name:
        raise InvalidDomainName()
    if kind not in ("EDGE", "REGIONAL"):
        raise _bad(f"Invalid endpoint type {kind}")  # [unc] PRIVATE domains: not emulated
    name = domain_name.lower().rstrip(".")
    if name in backend.domain_names:
        raise _conflict(DOMAIN_EXISTS)
    if not (kind == "EDGE" and certificate_body):  # uploaded (deprecated) certificates
        check_certificate(backend.account_id, backend.region_name, certificate_arn, name, kind)
    domain = DomainName(
        domain_name=name,
        certificate_arn=certificate_arn if kind == "EDGE" else None,
        regional_certificate_arn=certificate_arn if kind == "REGIONAL" else None,
        certificate_body=None,
        endpoint_configuration={"types": [kind]},
        tags=tags,
        security_policy=security_policy,
        region_name=backend.region_name,
    )
    _shape_domain(domain, backend.region_name, kind)
    domain.apigw_lab_created_by = created_by
    backend.domain_names[name] = domain
    backend.base_path_mappings.setdefault(name, {})
    return domain


def _domain_json(self: Any) -> dict[str, Any]:
    """The v1 ``DomainName`` as AWS answers it: only the fields of its endpoint type."""
    kind = _endpoint_type(self)
    out: dict[str, Any] = {
        "domainName": self.domain_name,
        "domainNameArn": getattr(self, "domain_name_arn", None),
        "certificateUploadDate": self.certificate_upload_date,
        "endpointConfiguration": {"types": [kind]},
        "domainNameStatus": self.domain_name_status,
        "securityPolicy": self.security_policy or "TLS_1_2",
    }
    if kind == "REGIONAL":
        out["regionalDomainName"] = self.regional_domain_name
        out["regionalHostedZoneId"] = self.regional_hosted_zone_id
        out["regionalCertificateArn"] = self.regional_certificate_arn
    else:
        out["distributionDomainName"] = self.distribution_domain_name
        out["distributionHostedZoneId"] = self.distribution_hosted_zone_id
        if self.certificate_arn:
            out["certificateArn"] = self.certificate_arn
        if self.certificate_name:
            out["certificateName"] = self.certificate_name
    if self.tags:
        out["tags"] = self.tags
    return {k: v for k, v in out.items() if v is not None}


class DomainV2View:
    """A domain name as apigatewayv2 answers it."""

    def __init__(self, domain: Any) -> None:
        self.domain = domain

    def to_json(self) -> dict[str, Any]:
        d = self.domain
        kind = _endpoint_type(d)
        config: dict[str, Any] = {
            "ApiGatewayDomainName": d.regional_domain_name
            if kind == "REGIONAL"
            else d.distribution_domain_name,
            "CertificateArn": d.regional_certificate_arn if kind == "REGIONAL" else d.certificate_arn,
            "CertificateUploadDate": d.certificate_upload_date,
            "DomainNameStatus": d.domain_name_status,
            "EndpointType": kind,
            "HostedZoneId": d.regional_hosted_zone_id
            if kind == "REGIONAL"
            else d.distribution_hosted_zone_id,
            "SecurityPolicy": d.security_policy or "TLS_1_2",
        }
        # the wire shape is camelCase (botocore maps it to the names above)
        wire = {k[0].lower() + k[1:]: v for k, v in config.items() if v is not None}
        return {
            "apiMappingSelectionExpression": "$request.basepath",
            "domainName": d.domain_name,
            "domainNameArn": getattr(d, "domain_name_arn", None),
            "domainNameConfigurations": [wire],
            "tags": d.tags or {},
        }


# ---------------------------------------------------------------------------------- mappings


def _api_kind(account_id: str, region: str, api_id: str) -> str | None:
    """REST, HTTP or WEBSOCKET for an API id of this Region (None: no such API)."""
    if api_id in _v1_backend(account_id, region).apis:
        return "REST"
    api = _v2_backend(account_id, region).apis.get(api_id)
    return api.protocol_type if api is not None else None


def _has_stage(account_id: str, region: str, api_id: str, kind: str, stage: str) -> bool:
    if kind == "REST":
        return stage in _v1_backend(account_id, region).apis[api_id].stages
    return stage in _v2_backend(account_id, region).apis[api_id].stages


def add_mapping(
    backend: Any,
    domain_name: str,
    *,
    api_id: str,
    key: str,
    stage: str | None,
    via: str,
) -> Any:
    """A base path mapping (``via="apigateway"``) or API mapping (``"apigatewayv2"``) on a
    domain of ``backend``'s Region, after AWS's checks; returns moto's BasePathMapping."""
    from moto.apigateway.exceptions import (
        DomainNameNotFound,
        InvalidBasePathException,
        InvalidRestApiIdForBasePathMappingException,
        InvalidStageException,
    )
    from moto.apigateway.models import BasePathMapping

    account_id, region = backend.account_id, backend.region_name
    name = domain_name.lower()
    domain = backend.domain_names.get(name)
    if domain is None:
        if via == "apigatewayv2":
            from moto.apigatewayv2.exceptions import DomainNameNotFound as V2NotFound

            raise V2NotFound()
        raise DomainNameNotFound()
    key = key or ""
    if key in ("(none)",):
        key = ""
    if via == "apigateway" and "/" in key:
        raise InvalidBasePathException()
    if key.startswith("/") or "//" in key:
        raise _bad("API mapping key should not start with a '/' or have consecutive '/'s.")
    if key.endswith("/"):
        raise _bad("API mapping key should not end with a '/'.")
    if len(key) > 300 or not set(key) <= MAPPING_KEY_CHARS:
        raise _bad(f"Invalid API mapping key {key}")  # [unc] wording
    kind = _api_kind(account_id, region, api_id)
    if kind is None or (via == "apigateway" and kind != "REST"):
        if via == "apigatewayv2":
            from moto.apigatewayv2.exceptions import ApiNotFound

            raise ApiNotFound(api_id)
        raise InvalidRestApiIdForBasePathMappingException()
    if stage and stage != "(none)":
        if not _has_stage(account_id, region, api_id, kind, stage):
            raise InvalidStageException()
    elif kind != "REST" or via == "apigatewayv2":
        raise _bad("Stage must be specified")  # [unc] v2 requires Stage (model: required)
    else:
        stage = None
    regional_tls12 = _endpoint_type(domain) == "REGIONAL" and (
        domain.security_policy or "TLS_1_2"
    ) == "TLS_1_2"
    if kind == "HTTP" and not regional_tls12:
        raise _bad(NEEDS_REGIONAL_TLS12.format(what="HTTP APIs"))
    if "/" in key and not regional_tls12:
        raise _bad(NEEDS_REGIONAL_TLS12.format(what="Multi-level base paths"))
    existing = backend.base_path_mappings.setdefault(name, {})
    stored = key or "(none)"
    if stored in existing:
        raise _conflict(BASE_PATH_EXISTS)
    if via == "apigateway" and not key and existing:
        raise _conflict(EMPTY_BASE_PATH_ALONE)
    kinds = {getattr(m, "apigw_lab_api_type", "REST") for m in existing.values()}
    if kinds and (("WEBSOCKET" in kinds) != (kind == "WEBSOCKET")):
        raise _bad(NO_MIXED_WEBSOCKET)
    mapping = BasePathMapping(name, api_id, basePath=stored, stage=stage)
    mapping.apigw_lab_api_type = kind
    mapping.api_mapping_id = _token(6)
    existing[stored] = mapping
    return mapping


class MappingV2View:
    """A mapping as apigatewayv2 answers it."""

    def __init__(self, mapping: Any) -> None:
        self.mapping = mapping

    def to_json(self) -> dict[str, Any]:
        m = self.mapping
        return {
            "apiId": m.rest_api_id,
            "apiMappingId": getattr(m, "api_mapping_id", ""),
            "apiMappingKey": "" if m.base_path == "(none)" else m.base_path,
            "stage": m.stage,
        }


def _v1_mapping_json(self: Any) -> dict[str, Any]:
    out = {"basePath": self.base_path, "restApiId": self.rest_api_id}
    if self.stage is not None:
        out["stage"] = self.stage
    return out


def _patch_v1() -> None:
    from moto.apigateway.exceptions import DomainNameNotFound
    from moto.apigateway.models import APIGatewayBackend, BasePathMapping, DomainName

    DomainName.to_json = _domain_json  # type: ignore[method-assign]
    BasePathMapping.to_json = _v1_mapping_json  # type: ignore[method-assign]

    def create_domain_name(
        self: Any,
        domain_name: str,
        certificate_name: str,
        tags: Any,
        certificate_arn: str,
        certificate_body: str,
        certificate_private_key: str,
        certificate_chain: str,
        regional_certificate_name: str,
        regional_certificate_arn: str,
        endpoint_configuration: Any,
        security_policy: str,
    ) -> Any:
        kind = ((endpoint_configuration or {}).get("types") or ["EDGE"])[0]
        domain = create_domain(
            self,
            domain_name,
            kind=kind,
            certificate_arn=regional_certificate_arn if kind == "REGIONAL" else certificate_arn,
            security_policy=security_policy,
            tags=tags,
            certificate_body=certificate_body,
        )
        domain.certificate_name = certificate_name
        domain.regional_certificate_name = regional_certificate_name
        return domain

    def get_domain_name(self: Any, domain_name: str) -> Any:
        found = self.domain_names.get((domain_name or "").lower())
        if found is None:
            raise DomainNameNotFound()
        return found

    def delete_domain_name(self: Any, domain_name: str) -> None:
        name = (domain_name or "").lower()
        if self.domain_names.pop(name, None) is None:
            raise DomainNameNotFound()
        self.base_path_mappings.pop(name, None)

    def create_base_path_mapping(
        self: Any, domain_name: str, rest_api_id: str, base_path: str, stage: str
    ) -> Any:
        return add_mapping(
            self, domain_name, api_id=rest_api_id, key=base_path or "", stage=stage, via="apigateway"
        )

    def get_base_path_mappings(self: Any, domain_name: str) -> list[Any]:
        get_domain_name(self, domain_name)
        return [
            m
            for m in self.base_path_mappings.get(domain_name.lower(), {}).values()
            if getattr(m, "apigw_lab_api_type", "REST") == "REST" and "/" not in m.base_path
        ]

    APIGatewayBackend.create_domain_name = create_domain_name  # type: ignore[method-assign]
    APIGatewayBackend.get_domain_name = get_domain_name  # type: ignore[method-assign]
    APIGatewayBackend.delete_domain_name = delete_domain_name  # type: ignore[method-assign]
    APIGatewayBackend.create_base_path_mapping = create_base_path_mapping  # type: ignore[method-assign]
    APIGatewayBackend.get_base_path_mappings = get_base_path_mappings  # type: ignore[method-assign]


def _patch_v2() -> None:
    from moto.apigatewayv2.exceptions import ApiMappingNotFound, DomainNameNotFound
    from moto.apigatewayv2.models import ApiGatewayV2Backend

    def v1(self: Any) -> Any:
        return _v1_backend(self.account_id, self.region_name)

    def create_domain_name(
        self: Any,
        domain_name: str,
        domain_name_configurations: list[dict[str, Any]],
        mutual_tls_authentication: Any,
        tags: dict[str, str],
    ) -> DomainV2View:
        config = (domain_name_configurations or [{}])[0] or {}
        kind = config.get("endpointType") or "REGIONAL"
        domain = create_domain(
            v1(self),
            domain_name,
            kind=kind,
            certificate_arn=config.get("certificateArn"),
            security_policy=config.get("securityPolicy"),
            tags=tags,
            created_by="apigatewayv2",
        )
        return DomainV2View(domain)

    def get_domain_name(self: Any, domain_name: str | None) -> DomainV2View:
        found = v1(self).domain_names.get((domain_name or "").lower())
        if found is None:
            raise DomainNameNotFound()
        return DomainV2View(found)

    def get_domain_names(self: Any) -> list[DomainV2View]:
        return [DomainV2View(d) for d in v1(self).domain_names.values()]

    def delete_domain_name(self: Any, domain_name: str) -> None:
        name = (domain_name or "").lower()
        backend = v1(self)
        if backend.domain_names.pop(name, None) is None:
            raise DomainNameNotFound()
        backend.base_path_mappings.pop(name, None)

    def _find(self: Any, domain_name: str, mapping_id: str) -> tuple[str, Any]:
        backend = v1(self)
        name = (domain_name or "").lower()
        if name not in backend.domain_names:
            raise DomainNameNotFound()
        for key, mapping in backend.base_path_mappings.get(name, {}).items():
            if getattr(mapping, "api_mapping_id", None) == mapping_id:
                return key, mapping
        raise ApiMappingNotFound()

    def create_api_mapping(
        self: Any, api_id: str, api_mapping_key: str, domain_name: str, stage: str
    ) -> MappingV2View:
        mapping = add_mapping(
            v1(self),
            domain_name,
            api_id=api_id,
            key=api_mapping_key or "",
            stage=stage,
            via="apigatewayv2",
        )
        return MappingV2View(mapping)

    def get_api_mapping(self: Any, api_mapping_id: str, domain_name: str) -> MappingV2View:
        return MappingV2View(_find(self, domain_name, api_mapping_id)[1])

    def get_api_mappings(self: Any, domain_name: str) -> list[MappingV2View]:
        backend = v1(self)
        name = (domain_name or "").lower()
        if name not in backend.domain_names:
            raise DomainNameNotFound()
        return [MappingV2View(m) for m in backend.base_path_mappings.get(name, {}).values()]

    def delete_api_mapping(self: Any, api_mapping_id: str, domain_name: str) -> None:
        key, _ = _find(self, domain_name, api_mapping_id)
        v1(self).base_path_mappings[(domain_name or "").lower()].pop(key, None)

    for name, method in {
        "create_domain_name": create_domain_name,
        "get_domain_name": get_domain_name,
        "get_domain_names": get_domain_names,
        "delete_domain_name": delete_domain_name,
        "create_api_mapping": create_api_mapping,
        "get_api_mapping": get_api_mapping,
        "get_api_mappings": get_api_mappings,
        "delete_api_mapping": delete_api_mapping,
    }.items():
        setattr(ApiGatewayV2Backend, name, method)


def install() -> None:
    """Patch moto's domain names, mappings and ACM validation once (idempotent)."""
    global _installed
    if _installed:
        return
    _patch_acm()
    _patch_v1()
    _patch_v2()
    _installed = True
