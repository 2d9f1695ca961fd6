"""The answers HTTP APIs (apigatewayv2) give themselves: a short JSON body, no
``x-amzn-ErrorType`` header and no gateway responses to customise (reference §4.4, §10).

Bodies are byte-exact (``{"message":"Not Found"}``, no space). Facts marked [unc] are
inferred, not documented; each lives in one class here so it is easy to change.
"""

from __future__ import annotations

from .errors import GatewayError


class HttpApiError(GatewayError):
    """Base of the HTTP API answers: the body is always ``{"message":"<default_message>"}``."""

    error_type = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.default_message:
            cls.body = b'{"message":"' + cls.default_message.encode() + b'"}'


class RouteNotFound(HttpApiError):
    """No stage, no route and no ``$default`` route (or a stage never deployed)."""

    response_type = "RESOURCE_NOT_FOUND"
    status = 404
    default_message = "Not Found"


class NoIntegration(RouteNotFound):
    """A route without a target (``integrations/<id>``). [unc] AWS's answer is not
    documented; a route with nothing attached is reported as not found."""


class PayloadTooLarge(HttpApiError):
    """Body over 10 MB. [unc] status and text for HTTP APIs."""

    response_type = "REQUEST_TOO_LARGE"
    status = 413
    default_message = "Request Entity Too Large"


class IntegrationError(HttpApiError):
    """Any integration failure: a malformed Lambda answer, a function error, a missing
    permission or function, a refused backend (§4.4: all 500, capital S)."""

    response_type = "INTEGRATION_FAILURE"
    status = 500
    default_message = "Internal Server Error"


class ConfigurationError(IntegrationError):
    """API Gateway cannot call the integration (no permission, no such function)."""

    response_type = "API_CONFIGURATION_ERROR"


class ServiceUnavailable(HttpApiError):
    """The integration did not answer within ``timeoutInMillis`` (observed on AWS: 503)."""

    response_type = "INTEGRATION_TIMEOUT"
    status = 503
    default_message = "Service Unavailable"


class AuthUnauthorized(HttpApiError):
    """An authorizer found no valid identity: a missing identity source, a JWT that fails
    a check (with ``www-authenticate``), a Lambda authorizer answering ``Unauthorized``."""

    response_type = "UNAUTHORIZED"
    status = 401
    default_message = "Unauthorized"


class AuthForbidden(HttpApiError):
    """An authorizer said no: ``isAuthorized: false``, a policy that does not allow the
    route, IAM identity policies that do not, a JWT without the route's scopes. [unc] the
    reference marks this 403 "widely observed, not in the DG"."""

    response_type = "ACCESS_DENIED"
    status = 403
    default_message = "Forbidden"


class AuthorizerError(HttpApiError):
    """The Lambda authorizer failed, timed out, answered an invalid shape or may not be
    invoked (reference §3.9: 500)."""

    response_type = "AUTHORIZER_CONFIGURATION_ERROR"
    status = 500
    default_message = "Internal Server Error"


class TooManyRequests(HttpApiError):
    """A route's or the account's token bucket ran out (reference §1.6). [obs/unc] body."""

    response_type = "THROTTLED"
    status = 429
    default_message = "Too Many Requests"


class DefaultEndpointDisabled(HttpApiError):
    """The API's default ``execute-api`` endpoint is disabled (``disableExecuteApiEndpoint``)
    and the client called it. [unc] status and body: not documented for HTTP APIs; REST
    answers 403 ``{"message":"Forbidden"}``."""

    response_type = "ACCESS_DENIED"
    status = 403
    default_message = "Forbidden"
