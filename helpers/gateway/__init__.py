"""The local API Gateway data plane (moto target). See ARCHITECTURE.md for the picture."""

from .dataplane import DataPlane, UnknownApi
from .errors import EmulatorLimitation, GatewayError
from .http import HttpRequest, HttpResponse
from .pipelines import REST

__all__ = [
    "REST",
    "DataPlane",
    "EmulatorLimitation",
    "GatewayError",
    "HttpRequest",
    "HttpResponse",
    "UnknownApi",
]
