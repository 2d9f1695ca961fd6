"""The data plane: answers requests to deployed stages as API Gateway would."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import unquote

from . import control_plane
from .auth.cache import AuthorizerCache
from .auth.jwt_tokens import JwksCache
from .canary import TrafficSplit
from .context import InvocationContext
from .custom_domains import CustomDomains, DomainMatch, NotServed
from .dns import Resolver
from .errors import EmulatorLimitation
from .health_checks import HealthCheckers
from .http import HttpRequest, HttpResponse
from .http_api import http_context
from .limits.state import Limits
from .log_buffer import LogBuffer
from .metrics import MetricsRecorder
from .pipeline import Pipeline
from .pipelines import HTTP, REST, UNMAPPED, WEBSOCKET
from .snapshot_v2 import HttpSnapshots
from .snapshots import Snapshots
from .stage_cache import StageCache
from .trace import Trace, TraceLog
from .ws.connections import Connection, ConnectionRegistry
from .ws.snapshot import build_snapshot as build_websocket_snapshot
from .xray import Sampler as XraySampler

#: bytes of randomness in WebSocket request, message and connection ids ("BFHPhfCWIAMCKlQ=")
WEBSOCKET_ID_BYTES = 11

_PUBLIC = re.compile(
    r"^([a-z0-9]+)(?:-(vpce-[a-z0-9]+))?\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$"
)
_VPCE = re.compile(r"^(vpce-[a-z0-9]+)-[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.vpce\.amazonaws\.com$")


#: execute-api host names already read by DataPlane.resolve (a pure function of the name)
_public_hosts: dict[str, tuple[str, str, str | None]] = {}


class UnknownApi(LookupError):
    """No API answers at this host name (on AWS: the name does not resolve)."""


class DataPlane:
    def __init__(
        self, *, clock: Any, ids: Any, runtime: Any, account_id: str = "123456789012"
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.runtime = runtime
        self.account_id = account_id
        self.snapshots = Snapshots()
        self.http_snapshots = HttpSnapshots()
        self.traces = TraceLog()
        self.metrics = MetricsRecorder()
        #: access and execution log lines, until something reads logs; X-Ray's reservoir
        self.logs = LogBuffer()
        self.xray_sampler = XraySampler()
        #: Lambda authorizer answers, on the lab clock; JWT issuers' signing keys
        self.authorizer_cache = AuthorizerCache()
        self.jwks = JwksCache()
        #: token buckets and quota counts (on the lab clock); the REST stage caches
        self.limits = Limits()
        self.stage_cache = StageCache()
        #: WebSocket APIs: frozen deployments and the live connections
        self.ws_snapshots = HttpSnapshots(build=build_websocket_snapshot)
        self.connections = ConnectionRegistry()
        self.pipelines: dict[str, Pipeline] = {"REST": REST, "HTTP": HTTP, "WEBSOCKET": WEBSOCKET}
        #: releases: the seeded canary split; Route 53 health checks on the lab clock; DNS
        #: (Route 53 records) and the custom domains it reaches
        seed = getattr(ids, "seed", 0)
        self.traffic_split = TrafficSplit(seed)
        self.health_checks = HealthCheckers(self)
        self.dns = Resolver(account_id, self.health_checks, seed)
        self.custom_domains = CustomDomains(account_id, self.dns)

    def resolve(self, request: HttpRequest) -> tuple[str, str, str | None]:
        """(api id, region, VPC endpoint id or None) from the host the client called."""
        known = _public_hosts.get(request.host)
        if known is not None:
            return known
        host = request.host.split(":")[0].lower()
        found = _PUBLIC.match(host)
        if found:
            if len(_public_hosts) >= 1024:
                _public_hosts.clear()
            known = _public_hosts[request.host] = (found.group(1), found.group(3), found.group(2))
            return known
        found = _VPCE.match(host)
        if found:
            # the API is named by an x-apigw-api-id header, or by a Host header carrying the
            # API's own name (reference §7)
            api_id = request.header("x-apigw-api-id")
            named = _PUBLIC.match((request.header("host") or "").split(":")[0].lower())
            if not api_id and named and not named.group(2):
                api_id = named.group(1)
            if not api_id:
                raise UnknownApi(
                    f"{host}: a VPC endpoint name needs an x-apigw-api-id header or a "
                    "Host: {api-id}.execute-api.{region}.amazonaws.com header"
                )
            return api_id, found.group(2), found.group(1)
        raise UnknownApi(f"{host} is not an execute-api host name")

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request. Raises :class:`UnknownApi` when no API has that host name
        (an execute-api name of no API, or a name DNS does not resolve to API Gateway)."""
        try:
            api_id, region, vpce = self.resolve(request)
        except UnknownApi:
            try:
                match = self.custom_domains.route(request.host, request.path or "/")
            except NotServed as exc:
                raise UnknownApi(str(exc)) from None
            return self.handle_custom_domain(request, match)
        return self._handle_api(request, api_id, region, vpce)

    def _handle_api(
        self,
        request: HttpRequest,
        api_id: str,
        region: str,
        vpce: str | None,
        match: DomainMatch | None = None,
    ) -> HttpResponse:
        api = control_plane.rest_api(self.account_id, region, api_id)
        if api is None:
            http_api = control_plane.http_api(self.account_id, region, api_id)
            if http_api is None:
                if control_plane.websocket_api(self.account_id, region, api_id) is not None:
                    return self.manage_connection(request, region, api_id)
                raise UnknownApi(f"no REST, HTTP or WebSocket API with id {api_id!r} in {region}")
            http = http_context(self, request, http_api, region)
            http.custom_domain = match
            self.pipelines["HTTP"].run(http)
            assert http.method_response is not None
            return http.method_response
        request_id = self.ids.uuid4()
        ctx = InvocationContext(
            request=request,
            request_id=request_id,
            extended_request_id=self.ids.token(10),
            request_time=self.clock.now(),
            started=time.perf_counter(),
            account_id=self.account_id,
            region=region,
            plane=self,
            api_id=api_id,
            rest_api=api,
            api_type="REST",
            endpoint_type=(
                match.endpoint_type
                if match is not None
                else ((api.endpoint_configuration or {}).get("types") or ["EDGE"])[0]
            ),
            source_vpce=vpce,
            trace=Trace(request_id, api_id=api_id),
            custom_domain=match,
        )
        self.pipelines["REST"].run(ctx)
        assert ctx.method_response is not None
        return ctx.method_response

    def handle_custom_domain(self, request: HttpRequest, match: DomainMatch) -> HttpResponse:
        """A request to a custom domain name that DNS resolved to API Gateway: the mapped
        API's pipeline, or 403 Forbidden when no mapping matches."""
        mapping = match.mapping
        if mapping is not None and mapping.api_type == "WEBSOCKET":
            raise EmulatorLimitation(
                f"{match.host}: WebSocket APIs on custom domain names are not served by the "
                "emulator (connect to lab.websocket_url(...))"
            )
        if mapping is not None:
            known = control_plane.rest_api(
                self.account_id, match.region, mapping.api_id
            ) or control_plane.http_api(self.account_id, match.region, mapping.api_id)
            if known is None:
                match.mapping = None
                match.reason = f"the mapped API {mapping.api_id} no longer exists"
        if match.mapping is None:
            request_id = self.ids.uuid4()
            ctx = InvocationContext(
                request=request,
                request_id=request_id,
                extended_request_id=self.ids.token(10),
                request_time=self.clock.now(),
                started=time.perf_counter(),
                account_id=self.account_id,
                region=match.region,
                plane=self,
                endpoint_type=match.endpoint_type,
                trace=Trace(request_id),
                custom_domain=match,
            )
            ctx.trace.method, ctx.trace.path = request.method.upper(), request.path or "/"
            UNMAPPED.run(ctx)
            assert ctx.method_response is not None
            return ctx.method_response
        return self._handle_api(request, match.mapping.api_id, match.region, None, match)

    def websocket_event(
        self,
        conn: Connection,
        event_type: str,
        *,
        message: str | bytes | None = None,
        headers: dict[str, list[str]] | None = None,
        disconnect: tuple[int, str] | None = None,
    ) -> InvocationContext:
        """Run one WebSocket event (``CONNECT``, ``MESSAGE``, ``DISCONNECT``) of ``conn``
        through the WebSocket pipeline; the context says what to answer."""
        ids = conn.ids or self.ids
        request_id = ids.token(WEBSOCKET_ID_BYTES)
        message_id = ids.token(WEBSOCKET_ID_BYTES) if event_type == "MESSAGE" else None
        ctx = InvocationContext(
            request=conn.request,
            request_id=request_id,
            extended_request_id=request_id,
            request_time=self.clock.now(),
            started=time.perf_counter(),
            account_id=self.account_id,
            region=conn.region,
            plane=self,
            api_id=conn.api_id,
            api_type="WEBSOCKET",
            endpoint_type="REGIONAL",
            trace=Trace(request_id, api_id=conn.api_id),
            http_api=control_plane.websocket_api(self.account_id, conn.region, conn.api_id),
            connection=conn,
            event_type=event_type,
            message=message,
            message_id=message_id,
            handshake_headers=headers,
            disconnect=disconnect,
        )
        self.pipelines["WEBSOCKET"].run(ctx)
        return ctx

    def manage_connection(self, request: HttpRequest, region: str, api_id: str) -> HttpResponse:
        """A WebSocket API's @connections API over HTTP: ``{METHOD} /{stage}/@connections/
        {connection id}`` (the id URL-encoded, ``=`` as ``%3D``, ``/`` as ``%2F``)."""
        from .ws import management

        raw = request.path.lstrip("/")
        for marker in ("/@connections/", "/%40connections/"):
            stage, found, connection_id = raw.partition(marker)
            if found:
                break
        # split before decoding: a connection id is base64 and may hold "/" (sent as %2F)
        if not found or "/" in connection_id:
            return management.ManagementError(403, "ForbiddenException", "Forbidden").response()
        stage, connection_id = unquote(stage), unquote(connection_id)
        return management.answer(
            self, request.method.upper(), region, api_id, stage, connection_id, request.body
        )

    def record_outgoing(self, conn: Connection) -> None:
        """A message sent to a client by the @connections API (MessageCount)."""
        from .metrics import Sample

        now = self.clock.now()
        self.metrics.record(
            Sample(
                self.account_id,
                conn.region,
                conn.api_id,
                conn.stage,
                "OUT",
                "",
                int(now // 60 * 60),
                200,
                0.0,
                None,
                False,
                api_type="WEBSOCKET",
                event="OUT",
            )
        )

    @staticmethod
    def latency_ms(ctx: InvocationContext) -> float:
        return (time.perf_counter() - ctx.started) * 1000

    def flush(self) -> None:
        """Write buffered metrics into the target (called before anything reads them)."""
        self.metrics.flush()

    def flush_logs(self) -> None:
        """Write buffered access and execution log lines (before anything reads logs)."""
        self.logs.flush()

    def reset(self) -> None:
        seed = getattr(self.ids, "seed", 0)
        self.traffic_split.reseed(seed)
        self.dns.reseed(seed)
        self.health_checks.reset()
        self.snapshots.clear()
        self.http_snapshots.clear()
        self.traces.clear()
        self.metrics = MetricsRecorder()
        self.logs.clear()
        self.xray_sampler.clear()
        self.authorizer_cache.clear()
        self.jwks.clear()
        self.limits.clear()
        self.stage_cache.clear()
        self.ws_snapshots.clear()
        self.connections.clear()
