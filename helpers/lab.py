"""The lab object a notebook gets from ``helpers.connect()``."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import boto3

from . import cognito, dynamodb_ttl, service_data
from .clock import LabClock, RealClock
from .ids import IdSource
from .tagging import cleanup as cleanup_by_tag
from .tagging import install_tagging

#: the Lambda handlers the course deploys (plain files a learner could zip by hand)
FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
MOTO_ACCOUNT = "123456789012"
#: the region on the moto target unless APIGW_LAB_REGION names another (the committed
#: notebook outputs are made in it)
MOTO_REGION = "us-east-1"
#: the environment variable that picks the region on either target (e.g. ap-northeast-1,
#: the region the source documents use); no notebook changes
REGION_VARIABLE = "APIGW_LAB_REGION"

COST_WARNING = """\
!! apigw-lab is using a REAL AWS account (APIGW_LAB_TARGET=aws).
!! What the notebooks create costs real money (API Gateway requests, Lambda, CloudWatch,
!! and a stage cache by the hour if you enable one). Everything is tagged apigw-lab=<scope>;
!! run the clean-up cell (lab.cleanup()) at the end of every notebook."""

_lock = threading.Lock()
_current: Lab | None = None


class Lab:
    """What a notebook needs beside boto3: the target, the clock, URLs, traces, clean-up."""

    def __init__(self, target: str, scope: str, seed: int) -> None:
        self.target = target
        self.scope = scope
        self.seed = seed
        self.gateway: Any = None
        self.runtime: Any = None
        self._server: Any = None
        self._mock: Any = None
        #: what live playgrounds still use, by owner (see :meth:`hold`)
        self._holds: dict[int, tuple[str, ...]] = {}
        self._hold_scopes: dict[int, str] = {}
        self._release_at_exit = False
        if target == "moto":
            self._start_moto()
        elif target == "aws":
            self._start_aws()
        else:
            raise ValueError(f"unknown target {target!r}: use 'moto' (the default) or 'aws'")

    # ----------------------------------------------------------------- targets
    def _start_moto(self) -> None:
        from moto import mock_aws
        from moto.moto_api._internal import mock_random

        from .gateway import DataPlane, moto_hooks, transport
        from .lambda_runtime import LambdaRuntime, install_moto_invoke_patch

        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": chosen_region() or MOTO_REGION,
        }.items():
            os.environ[key] = value
        os.environ.pop("AWS_PROFILE", None)
        self._mock = mock_aws()
        self._mock.start()
        mock_random.seed(self.seed)
        self.region = chosen_region() or MOTO_REGION
        self.account_id = MOTO_ACCOUNT
        self.clock: LabClock = LabClock()
        self.ids = IdSource(self.seed)
        self.runtime = LambdaRuntime(self.clock, self.ids)
        install_moto_invoke_patch(self.runtime)
        self.gateway = DataPlane(
            clock=self.clock, ids=self.ids, runtime=self.runtime, account_id=MOTO_ACCOUNT
        )
        moto_hooks.install()
        cognito.install()
        moto_hooks.on_rest_deployment[:] = [self.gateway.snapshots.take]
        moto_hooks.on_authorizer_cache_flush[:] = [self.gateway.authorizer_cache.flush]
        moto_hooks.on_stage_cache_flush[:] = [self._flush_stage_cache]
        moto_hooks.usage_source[:] = [self.gateway.limits]
        moto_hooks.before_metrics_read[:] = [self.gateway.flush]
        moto_hooks.connections_plane[:] = [self.gateway]
        from .gateway import moto_route53
        from .ops import alarms

        alarms.before_evaluation[:] = [self.gateway.flush]
        self.clock.listeners[:] = [
            self.gateway.connections.sweep,
            self._expire_ttl,
            alarms.on_clock,
            self.gateway.health_checks.on_clock,
        ]
        moto_route53.status_source[:] = [self.gateway.health_checks.observations]
        flush_logs = getattr(self.runtime, "flush_logs", None)
        moto_hooks.before_logs_read[:] = [self.gateway.flush_logs] + (
            [flush_logs] if flush_logs else []
        )
        transport.install(self._answer_in_process, self.gateway.custom_domains.claims)
        boto3.setup_default_session(region_name=self.region)
        self.session = boto3.DEFAULT_SESSION
        service_data.share_loader(self.session)  # botocore's data parsed once per process
        install_tagging(self.session, self.scope)

    def _start_aws(self) -> None:
        print(COST_WARNING)
        region = chosen_region()
        boto3.setup_default_session(**({"region_name": region} if region else {}))
        self.session = boto3.DEFAULT_SESSION
        self.region = self.session.region_name or MOTO_REGION
        print(f"!! region {self.region} (choose another with {REGION_VARIABLE}=...)")
        self.account_id = ""  # looked up when needed, never printed
        self.clock = RealClock()
        self.ids = IdSource(self.seed)
        install_tagging(self.session, self.scope)

    def _expire_ttl(self, now: float) -> None:
        dynamodb_ttl.sweep(now, self.account_id)

    def _flush_stage_cache(self, api_id: str, stage: str) -> None:
        self.gateway.stage_cache.flush((self.region, api_id, stage))

    def _answer_in_process(self, request: Any) -> Any:
        from .gateway import UnknownApi

        try:
            return self.gateway.handle(request)
        except UnknownApi:
            return None

    # ----------------------------------------------------------------- URLs
    def invoke_url(self, api_id: str, stage: str, path: str = "") -> str:
        """The stage's real invoke URL; on the moto target ``requests`` calls to it are
        answered in-process by the emulator. An HTTP API's ``$default`` stage is served at
        the root, so its URL has no stage segment."""
        base = f"https://{api_id}.execute-api.{self.region}.amazonaws.com"
        if stage != "$default":
            base += f"/{stage}"
        return base + ("/" + path.lstrip("/") if path else "/")

    @property
    def server_url(self) -> str:
        """The localhost server (started on first use, 127.0.0.1 only, any free port)."""
        self._require_moto("the localhost server")
        if self._server is None:
            from .gateway.server import LocalServer

            self._server = LocalServer(self.gateway, region=self.region)
            self._server.start()
        return self._server.url

    def local_url(self, api_id: str, stage: str, path: str = "") -> str:
        """The same stage on the localhost server, for curl or a browser."""
        base = f"{self.server_url}/{api_id}" + ("" if stage == "$default" else f"/{stage}")
        return base + ("/" + path.lstrip("/") if path else "/")

    def websocket_url(self, api_id: str, stage: str) -> str:
        """Where a WebSocket client connects: ``wss://{api_id}.execute-api.{region}
        .amazonaws.com/{stage}`` on AWS; on the moto target the localhost server's
        ``ws://127.0.0.1:{port}/{api_id}/{stage}`` (started on first use)."""
        if self.target != "moto":
            return f"wss://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}"
        self.server_url  # noqa: B018 (starts the server)
        return f"{self._server.ws_url}/{api_id}/{stage}"

    def connections_url(self, api_id: str, stage: str) -> str:
        """The @connections endpoint for ``boto3.client("apigatewaymanagementapi",
        endpoint_url=...)``: the same on both targets (moto answers it in-process)."""
        return f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}"

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the WebSocket server has finished what clients started (a
        ``$disconnect`` runs after the socket closed). On AWS: wait a second."""
        if self.target != "moto":
            import time

            time.sleep(1.0)
            return
        if self._server is not None and not self._server.websockets.settle(timeout):
            raise TimeoutError(f"the WebSocket server was still busy after {timeout} s")

    # ----------------------------------------------------------------- traces
    def last_trace(self) -> Any:
        """What each pipeline step decided for the most recent request (moto target)."""
        if self.gateway is None:
            print("(traces are an emulator feature; on AWS, read the stage's execution logs)")
            return None
        return self.gateway.traces.last()

    def traces(self, n: int = 10) -> list[Any]:
        if self.gateway is None:
            return []
        return self.gateway.traces.last(n)

    # ----------------------------------------------------------------- DNS
    @property
    def dns(self) -> Any:
        """The moto target's DNS (:class:`~helpers.gateway.dns.Resolver`): Route 53's
        records decide what a custom host name resolves to. None on the aws target."""
        return self.gateway.dns if self.gateway is not None else None

    def client_region(self, region: str | None = None) -> str:
        """The AWS Region DNS takes the notebook's client to be in (for Route 53 latency
        records): set it with ``lab.client_region("ap-northeast-1")``. On AWS, where you
        are decides; this only reports the session's Region."""
        if self.gateway is None:
            return self.region
        if region is not None:
            self.gateway.dns.client_region = region
        return str(self.gateway.dns.client_region)

    def resolve(self, host: str) -> str:
        """What DNS answers for ``host``, as ``dig`` would tell it: the records followed
        (moto: Route 53's records; aws: the system resolver's answer)."""
        if self.gateway is None:
            import socket

            try:
                name, aliases, addresses = socket.gethostbyname_ex(host)
            except OSError as exc:
                return f"{host}: does not resolve ({exc})"
            return f"{host} -> {' -> '.join([*aliases, name])} ({', '.join(addresses)})"
        answer = self.gateway.dns.resolve(host)
        if answer is None:
            return f"{host}: no Route 53 public hosted zone answers for it"
        return str(answer)

    def mailbox(self, address: str) -> list[Any]:
        """The e-mail SNS sent to ``address`` (moto target: an in-process inbox; on AWS the
        mail goes to the real address, so this prints a note and returns [])."""
        if self.target != "moto":
            print(f"(aws target: SNS mails {address} for real; read it in that inbox)")
            return []
        from .ops.mailbox import MAILBOXES

        return MAILBOXES.of(address)

    def execution_role(self, name: str = "apigw-lab-lambda") -> str:
        """The ARN of a Lambda execution role (created, tagged, on first use): the same
        ``iam.create_role`` + ``attach_role_policy`` calls notebook 01 shows."""
        iam = self.session.client("iam")
        try:
            return iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            pass
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
        )["Role"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
        return arn

    # ----------------------------------------------------------------- housekeeping
    def cleanup(self) -> list[str]:
        """Delete exactly what this lab created (tag ``apigw-lab=<scope>``); nothing else.

        What a live playground still uses (see :meth:`hold`) is kept until the learner is
        done with it (its *Done* button calls :meth:`release`)."""
        kept = {need for needs in self._holds.values() for need in needs}
        deleted = cleanup_by_tag(self.session, self.scope, region=self.region, keep=kept)
        if self.gateway is not None:
            self.gateway.traces.clear()
        if kept:
            print(
                f"kept for the playground above until you press its Done button: "
                f"{', '.join(sorted(kept))}"
                + (" (they cost money until then)" if self.target == "aws" else "")
            )
        return deleted

    def hold(self, owner: object, needs: list[str]) -> None:
        """Keep ``needs`` (named as :meth:`cleanup` names them: ``"rest api a1b2c3"``,
        ``"function hello"``) through :meth:`cleanup` until :meth:`release` of ``owner``:
        a playground drawn above the clean-up cell keeps working after *Run All*."""
        held = tuple(needs)
        for key in [k for k, v in self._holds.items() if v == held]:  # the cell ran again
            del self._holds[key]
            self._hold_scopes.pop(key, None)
        self._holds[id(owner)] = held
        self._hold_scopes[id(owner)] = self.scope
        if self.target == "aws" and not self._release_at_exit:
            import atexit

            atexit.register(self.release_all)  # the kernel shuts down: nothing left running
            self._release_at_exit = True

    def release(self, owner: object) -> list[str]:
        """Delete what ``owner`` held and nobody else holds (tagged resources only)."""
        return self._release(id(owner))

    def release_all(self) -> list[str]:
        """Release every hold (at the kernel's exit on the aws target)."""
        return [what for key in list(self._holds) for what in self._release(key)]

    def _release(self, key: int) -> list[str]:
        needs = self._holds.pop(key, ())
        scope = self._hold_scopes.pop(key, self.scope)
        if not needs:
            return []
        others = {need for held in self._holds.values() for need in held}
        return cleanup_by_tag(self.session, scope, region=self.region, keep=others, only=needs)

    def reset(self, seed: int | None = None) -> None:
        """Moto target only: forget every resource and start again with seeded ids (tests)."""
        self._require_moto("reset()")
        from moto.moto_api._internal import mock_random
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        self._holds.clear()
        self._hold_scopes.clear()
        self.seed = self.seed if seed is None else seed
        mock_random.seed(self.seed)
        self.ids.reseed(self.seed)
        self.clock.unfreeze()
        self.gateway.reset()
        self.runtime.reset()
        from . import ops

        ops.reset()
        if self._server is not None:
            self._server.websockets.settle(5)

    def _require_moto(self, what: str) -> None:
        if self.target != "moto":
            raise RuntimeError(f"{what} exists on the moto target only")

    def __repr__(self) -> str:
        return f"<apigw-lab on {self.target}, region {self.region}, scope {self.scope!r}>"


def chosen_region() -> str | None:
    """The region a learner chose with ``APIGW_LAB_REGION`` (None: the target's default)."""
    return (os.environ.get(REGION_VARIABLE) or "").strip() or None


def connect(target: str | None = None, *, scope: str = "course", seed: int = 0) -> Lab:
    """The lab for ``target`` (``"moto"``, the default, or ``"aws"``; or ``APIGW_LAB_TARGET``),
    in the region ``APIGW_LAB_REGION`` names (default: us-east-1 on moto, the profile's on aws).

    Calling it again in the same process returns the same lab (with the new scope for tags).
    """
    global _current
    chosen = (target or os.environ.get("APIGW_LAB_TARGET") or "moto").strip().lower()
    with _lock:
        if _current is not None:
            if _current.target != chosen:
                raise RuntimeError(
                    f"this process already uses the {_current.target} target; restart the "
                    f"kernel to switch to {chosen}"
                )
            if scope != _current.scope:
                _current.scope = scope
                install_tagging(_current.session, scope)
            return _current
        _current = Lab(chosen, scope, seed)
        from . import quick_exit
        from .cli import register_magic

        quick_exit.install()  # the kernel ends at once when it shuts down or restarts

        register_magic()  # %%aws cells run the AWS CLI in this process
        return _current
