"""WebSocket route settings give the route's token bucket (reference §1.7): the route's own
settings, else the stage's default route settings, then the account's limit."""

from __future__ import annotations

from typing import Any

import boto3

from helpers.gateway.limits import layers
from helpers.gateway.limits.state import Limits


def _stage(moto_env: None, **settings: Any) -> Any:
    from moto.apigatewayv2.models import apigatewayv2_backends

    v2 = boto3.client("apigatewayv2", region_name="us-east-1")
    api = v2.create_api(
        Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    v2.create_stage(ApiId=api, StageName="prod", **settings)
    stage = apigatewayv2_backends["123456789012"]["us-east-1"].apis[api].stages["prod"]
    return api, stage


def test_route_settings_win_over_the_default_route_settings(moto_env: None) -> None:
    api, stage = _stage(
        moto_env,
        DefaultRouteSettings={"ThrottlingRateLimit": 50.0, "ThrottlingBurstLimit": 100},
        RouteSettings={"sendmessage": {"ThrottlingRateLimit": 1.0, "ThrottlingBurstLimit": 2}},
    )
    own = layers.route_limit(api, "prod", "sendmessage", stage.route_settings,
                             stage.default_route_settings)
    other = layers.route_limit(api, "prod", "$default", stage.route_settings,
                               stage.default_route_settings)
    assert own is not None and (own.rate, own.burst) == (1.0, 2)
    assert own.label == "stage prod route settings 'sendmessage'"
    assert other is not None and (other.rate, other.burst) == (50.0, 100)
    assert other.scope != own.scope  # each route its own bucket


def test_a_websocket_route_runs_out_like_any_bucket(moto_env: None) -> None:
    api, stage = _stage(
        moto_env,
        RouteSettings={"sendmessage": {"ThrottlingRateLimit": 1.0, "ThrottlingBurstLimit": 2}},
    )
    route = layers.route_limit(api, "prod", "sendmessage", stage.route_settings,
                               stage.default_route_settings)
    assert route is not None
    limits = Limits()
    chain = [route, layers.account_limit("123456789012", "us-east-1", 10_000.0, 5_000)]
    verdicts = [limits.admit(chain, 100.0).refused_by for _ in range(3)]
    assert verdicts[:2] == [None, None]
    assert verdicts[2] is route
    assert limits.admit(chain, 101.0).refused_by is None  # one token back after a second


def test_no_route_settings_means_only_the_account_limit(moto_env: None) -> None:
    api, stage = _stage(moto_env)
    assert layers.route_limit(api, "prod", "$connect", stage.route_settings,
                              stage.default_route_settings) is None
