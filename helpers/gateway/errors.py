"""Errors are gateway responses: one exception type per API Gateway response type.

Each carries the default status, the default message and the ``x-amzn-ErrorType`` header
AWS sends (see ../shared/reference/aws-behavior.md, section 6). One renderer
(:mod:`helpers.gateway.steps.respond`) turns any of them into the HTTP answer, honouring a
customised gateway response where the deployment has one.

Facts marked [unc] in the reference are kept here, in one table, so they are easy to change.
"""

from __future__ import annotations

from typing import ClassVar


class GatewayError(Exception):
    """A request that API Gateway answers itself, without (or instead of) the integration."""

    response_type: ClassVar[str] = "DEFAULT_4XX"
    status: ClassVar[int] = 400
    error_type: ClassVar[str | None] = None
    default_message: ClassVar[str | None] = None
    # Some answers (integration failures) come with a fixed body that is not the
    # gateway-response template; ``body`` overrides the template when set.
    body: ClassVar[bytes | None] = None
    #: the JSON key of the default body; ACCESS_DENIED captures show "Message" [unc]
    message_key: ClassVar[str] = "message"

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str = "",
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.message = self.default_message if message is None else message
        #: why the emulator decided this, for the trace (not sent to the client)
        self.reason = reason
        #: headers this answer carries besides the usual ones (``www-authenticate``)
        self.headers = list(headers or [])
        super().__init__(reason or self.message or self.response_type)


class MissingAuthenticationToken(GatewayError):
    """No deployed resource/method matches (or an unknown stage): 403, not 404."""

    response_type = "MISSING_AUTHENTICATION_TOKEN"
    status = 403
    error_type = "MissingAuthenticationTokenException"
    default_message = "Missing Authentication Token"


class Forbidden(GatewayError):
    """Generic 403, e.g. a private API called from outside a VPC endpoint. [unc]"""

    response_type = "DEFAULT_4XX"
    status = 403
    error_type = "ForbiddenException"
    default_message = "Forbidden"


class AccessDenied(GatewayError):
    """A resource policy (or authorizer policy) denied the call.

    Captured AWS answers spell the key ``"Message"`` and mask the account id
    (``********9012``); Knowledge Center articles print ``"message"``. [unc]
    """

    response_type = "ACCESS_DENIED"
    status = 403
    error_type = "AccessDeniedException"
    default_message = "User is not authorized to access this resource"
    message_key = "Message"


class RequestTooLarge(GatewayError):
    """Payload over 10 MB, or request headers over 10,240 bytes. Body text [unc]."""

    response_type = "REQUEST_TOO_LARGE"
    status = 413
    error_type = "RequestTooLargeException"
    default_message = "Request Too Long"


class NotFound(GatewayError):
    """HTTP APIs: no route and no $default route."""

    response_type = "RESOURCE_NOT_FOUND"
    status = 404
    error_type = "NotFoundException"
    default_message = "Not Found"


class IntegrationTimeout(GatewayError):
    """The integration did not answer within ``timeoutInMillis`` (default 29 s)."""

    response_type = "INTEGRATION_TIMEOUT"
    status = 504
    error_type = "InternalServerErrorException"
    default_message = "Endpoint request timed out"
    body = b'{"message": "Endpoint request timed out"}'


class IntegrationFailure(GatewayError):
    """Malformed Lambda proxy response or a function error: 502."""

    response_type = "INTEGRATION_FAILURE"
    status = 502
    error_type = "InternalServerErrorException"
    default_message = "Internal server error"
    body = b'{"message": "Internal server error"}'


class InternalServerError(GatewayError):
    """API Gateway could not call the integration (e.g. no lambda:InvokeFunction permission)."""

    response_type = "API_CONFIGURATION_ERROR"
    status = 500
    error_type = "InternalServerErrorException"
    default_message = "Internal server error"
    body = b'{"message": "Internal server error"}'


class UnsupportedMediaType(GatewayError):
    """Passthrough refused: no request template for the Content-Type (reference §5.2)."""

    response_type = "UNSUPPORTED_MEDIA_TYPE"
    status = 415
    error_type = "UnsupportedMediaTypeException"  # [unc] LocalStack sends BadRequestException
    default_message = "Unsupported Media Type"


class BadRequestParameters(GatewayError):
    """A request validator found required parameters missing (message lists them)."""

    response_type = "BAD_REQUEST_PARAMETERS"
    status = 400
    error_type = "BadRequestException"
    default_message = "Missing required request parameters: []"


class BadRequestBody(GatewayError):
    """A request validator found the body does not match the method's model."""

    response_type = "BAD_REQUEST_BODY"
    status = 400
    error_type = "BadRequestException"
    default_message = "Invalid request body"


class ApiConfigurationError(GatewayError):
    """The API is configured so API Gateway cannot answer (no method response for the
    selected status, no integration response, a template that cannot be rendered)."""

    response_type = "API_CONFIGURATION_ERROR"
    status = 500
    error_type = "InternalServerErrorException"
    default_message = "Internal server error"


class EndpointUnreachable(GatewayError):
    """An HTTP backend refused the connection or could not be resolved. [unc] status/body:
    the reference gives INTEGRATION_FAILURE 504 "Network error communicating with endpoint"."""

    response_type = "INTEGRATION_FAILURE"
    status = 504
    error_type = "InternalServerErrorException"
    default_message = "Network error communicating with endpoint"


class Unauthorized(GatewayError):
    """An authorizer found no usable identity: the identity source is missing or empty,
    fails ``identityValidationExpression``, the Lambda authorizer answered ``Unauthorized``,
    or a Cognito token is invalid, expired or lacks the method's scopes (reference §3.4)."""

    response_type = "UNAUTHORIZED"
    status = 401
    error_type = "UnauthorizedException"
    default_message = "Unauthorized"


class AuthorizerConfigurationError(GatewayError):
    """The Lambda authorizer failed: it raised an error other than ``Unauthorized``, timed
    out, answered a malformed policy, or API Gateway may not invoke it. The default body is
    ``{"message": null}`` (reference §3.4)."""

    response_type = "AUTHORIZER_CONFIGURATION_ERROR"
    status = 500
    error_type = "AuthorizerConfigurationException"
    default_message = None
    body = b'{"message": null}'


class AuthorizerFailure(GatewayError):
    """The authorizer could not authenticate the caller for a reason of its own, here: a
    Cognito user pool's signing keys could not be read. [unc] default body."""

    response_type = "AUTHORIZER_FAILURE"
    status = 500
    error_type = "AuthorizerFailureException"
    default_message = "Internal server error"


class InvalidSignature(GatewayError):
    """SigV4: the signature does not match, is malformed, or has expired (the message
    says which; reference §3.6)."""

    response_type = "INVALID_SIGNATURE"
    status = 403
    error_type = "InvalidSignatureException"
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


class InvalidSecurityToken(GatewayError):
    """SigV4: the access key id is unknown or inactive. [unc] the gateway response type;
    the reference gives the text and ``AccessDeniedException``."""

    response_type = "ACCESS_DENIED"
    status = 403
    error_type = "AccessDeniedException"
    default_message = "The security token included in the request is invalid."


class ExpiredToken(GatewayError):
    """SigV4 with temporary credentials whose session has expired. [unc] text."""

    response_type = "EXPIRED_TOKEN"
    status = 403
    error_type = "ExpiredTokenException"
    default_message = "The security token included in the request is expired"


class InvalidApiKey(GatewayError):
    """A method that requires an API key got none, an unknown or disabled one, or one that
    no usage plan binds to this stage (reference §1.4)."""

    response_type = "INVALID_API_KEY"
    status = 403
    error_type = "ForbiddenException"
    default_message = "Forbidden"


class Throttled(GatewayError):
    """A token bucket ran out: usage plan, stage method, or account (reference §1.3)."""

    response_type = "THROTTLED"
    status = 429
    error_type = "TooManyRequestsException"
    default_message = "Too Many Requests"


class QuotaExceeded(GatewayError):
    """The API key used up its usage plan's quota for the period (reference §1.5)."""

    response_type = "QUOTA_EXCEEDED"
    status = 429
    error_type = "LimitExceededException"
    default_message = "Limit Exceeded"


class CacheInvalidationForbidden(GatewayError):
    """``Cache-Control: max-age=0`` from a caller without ``execute-api:InvalidateCache``
    on a method whose strategy is ``FAIL_WITH_403``. [unc] the body and error type are not
    documented (reference, open question 1)."""

    response_type = "ACCESS_DENIED"
    status = 403
    error_type = "AccessDeniedException"
    default_message = "Forbidden"


class EmulatorLimitation(Exception):
    """Something the emulator cannot do faithfully. Raised loudly, never answered quietly."""
