"""Releases end to end (issue 13; reference aws-behavior-releases-ops §1-4), through boto3 and
requests as a notebook calls them:

- stages and deployments: several stages of one API, ``get_deployments``, rollback,
  deleting a deployment in use, ``create_deployment`` / ``create_stage`` / ``update_stage``
  parameters, ``get_stages(deploymentId=...)``, AWS's errors;
- stage variables: mapping templates, HTTP integration URIs, Lambda aliases behind
  ``${stageVariables.alias}`` with per-alias invoke permissions, HTTP APIs too, live
  without a redeploy;
- canary releases: the seeded split, overrides, ``$context.isCanaryRequest``, promotion,
  removal, metrics and access logs, the stage cache, errors, none on HTTP APIs;
- custom domains: ACM validation and region rules, both APIs' domain names, base path and
  API mappings, Route 53 deciding whether the name resolves, mapping selection,
  ``domainName`` in events and logs, ``disableExecuteApiEndpoint``, the localhost server;
- two Regions behind one name: failover with a health check, latency records with the
  client's Region, weighted records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError, ParamValidationError

import helpers
from helpers.traffic import Client, simulate

pytestmark = pytest.mark.usefixtures("fresh_lab")

ACCOUNT = "123456789012"
T0 = "2025-01-01T09:00:00Z"
DOMAIN = "api.example.com"
TEMPLATE = json.dumps(
    {
        "version": "$stageVariables.version",
        "extra": "$stageVariables.extra",
        "canary": "$context.isCanaryRequest",
        "domain": "$context.domainName",
        "prefix": "$context.domainPrefix",
        "base": "$context.customDomain.basePathMatched",
        "stage": "$context.stage",
        "resource": "$context.resourcePath",
    }
)


@pytest.fixture(autouse=True)
def frozen(fresh_lab: Any) -> Any:
    fresh_lab.clock.freeze(T0)
    return fresh_lab


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


class MockApi:
    """A REST API whose ``GET /items`` (and ``GET /health``) MOCK integrations answer with
    ``TEMPLATE`` (stage variables and ``$context``), and ``$stageVariables.status`` as the
    status (200 unless a stage sets it)."""

    def __init__(self, region: str = "us-east-1", name: str = "releases") -> None:
        self.region = region
        self.apigw = boto3.client("apigateway", region_name=region)
        self.api_id = self.apigw.create_rest_api(
            name=name, endpointConfiguration={"types": ["REGIONAL"]}
        )["id"]
        self.root = self.apigw.get_resources(restApiId=self.api_id)["items"][0]["id"]
        self.ids: dict[str, str] = {}
        for part in ("items", "health"):
            self.ids[part] = self.apigw.create_resource(
                restApiId=self.api_id, parentId=self.root, pathPart=part
            )["id"]
            self.answer(part, TEMPLATE)

    def answer(self, part: str, template: str) -> None:
        get = {"restApiId": self.api_id, "resourceId": self.ids[part], "httpMethod": "GET"}
        self.apigw.put_method(**get, authorizationType="NONE")
        self.apigw.put_integration(
            **get,
            type="MOCK",
            requestTemplates={
                "application/json": '#set($s = "$!stageVariables.status")'
                '{"statusCode": #if($s == "")200#{else}$s#end}'
            },
        )
        for code in ("200", "503"):
            self.apigw.put_method_response(**get, statusCode=code)
        self.apigw.put_integration_response(
            **get,
            statusCode="200",
            selectionPattern="",
            responseTemplates={"application/json": template},
        )
        self.apigw.put_integration_response(
            **get,
            statusCode="503",
            selectionPattern="503",
            responseTemplates={"application/json": '{"message": "down"}'},
        )

    def deploy(self, stage: str = "prod", **kwargs: Any) -> str:
        return self.apigw.create_deployment(restApiId=self.api_id, stageName=stage, **kwargs)["id"]

    def url(self, stage: str = "prod", path: str = "items") -> str:
        return f"https://{self.api_id}.execute-api.{self.region}.amazonaws.com/{stage}/{path}"

    def get(self, stage: str = "prod", path: str = "items") -> requests.Response:
        return requests.get(self.url(stage, path))

    def stage(self, name: str = "prod") -> dict[str, Any]:
        return self.apigw.get_stage(restApiId=self.api_id, stageName=name)

    def update(self, name: str, *ops: dict[str, Any]) -> dict[str, Any]:
        return self.apigw.update_stage(
            restApiId=self.api_id, stageName=name, patchOperations=list(ops)
        )


def replace(path: str, value: str) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": value}


# ---------------------------------------------------------------------------------- stages


class TestStagesAndDeployments:
    def test_several_stages_each_on_its_own_deployment(self) -> None:
        api = MockApi()
        dev = api.deploy("dev", variables={"version": "dev-1"})
        api.deploy("staging", variables={"version": "staging-1"})
        prod = api.deploy("prod", variables={"version": "prod-1"})
        assert api.get("dev").json()["version"] == "dev-1"
        assert api.get("staging").json()["stage"] == "staging"
        assert api.get("prod").json()["version"] == "prod-1"
        items = api.apigw.get_deployments(restApiId=api.api_id)["items"]
        assert {d["id"] for d in items} >= {dev, prod} and len(items) == 3
        assert all("createdDate" in d for d in items)
        only_dev = api.apigw.get_stages(restApiId=api.api_id, deploymentId=dev)["item"]
        assert [s["stageName"] for s in only_dev] == ["dev"]

    def test_rollback_points_the_stage_at_an_older_deployment(self) -> None:
        api = MockApi()
        v1 = api.deploy()
        api.answer("items", '{"version": "two"}')
        api.deploy()
        assert api.get().json() == {"version": "two"}
        stage = api.update("prod", replace("/deploymentId", v1))
        assert stage["deploymentId"] == v1
        assert api.get().json()["resource"] == "/items"

    def test_deleting_a_deployment_a_stage_uses_is_refused(self) -> None:
        api = MockApi()
        v1 = api.deploy()
        with pytest.raises(ClientError) as exc:
            api.apigw.delete_deployment(restApiId=api.api_id, deploymentId=v1)
        assert error(exc) == (
            "BadRequestException",
            "Active stages pointing to this deployment must be moved or deleted",
        )
        api.deploy()
        api.apigw.delete_deployment(restApiId=api.api_id, deploymentId=v1)
        assert v1 not in {d["id"] for d in api.apigw.get_deployments(restApiId=api.api_id)["items"]}

    def test_create_deployment_stage_parameters_take_effect(self) -> None:
        api = MockApi()
        api.deploy(
            stageDescription="Production",
            variables={"version": "1"},
            cacheClusterEnabled=True,
            cacheClusterSize="1.6",
            tracingEnabled=True,
        )
        stage = api.stage()
        assert stage["description"] == "Production"
        assert stage["variables"] == {"version": "1"}
        assert stage["cacheClusterEnabled"] is True
        assert stage["cacheClusterSize"] == "1.6"
        assert stage["cacheClusterStatus"] == "AVAILABLE"
        assert stage["tracingEnabled"] is True
        # the cluster is real: a cached method answers from it
        api.update("prod", replace("/*/*/caching/enabled", "true"))
        api.get()
        api.get()
        assert lab_trace_has("cache", "hit")

    def test_a_new_stage_shows_awss_defaults(self) -> None:
        api = MockApi()
        api.deploy()
        stage = api.stage()
        assert stage["cacheClusterEnabled"] is False
        assert stage["cacheClusterStatus"] == "NOT_AVAILABLE"
        assert stage["tracingEnabled"] is False
        assert stage["methodSettings"] == {}
        assert "canarySettings" not in stage

    def test_redeploying_keeps_the_stages_settings(self) -> None:
        api = MockApi()
        api.deploy(variables={"version": "1"})
        api.update("prod", replace("/*/*/throttling/rateLimit", "50"), replace("/description", "d"))
        api.deploy(variables={"extra": "x"})
        stage = api.stage()
        assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 50.0
        assert stage["description"] == "d"
        assert stage["variables"] == {"version": "1", "extra": "x"}

    def test_create_stage_and_update_stage_parameters(self) -> None:
        api = MockApi()
        dep = api.deploy("dev")
        created = api.apigw.create_stage(
            restApiId=api.api_id,
            stageName="qa",
            deploymentId=dep,
            description="QA",
            variables={"version": "qa"},
            tracingEnabled=True,
            canarySettings={"percentTraffic": 0, "useStageCache": True},
        )
        assert created["description"] == "QA" and created["tracingEnabled"] is True
        assert created["canarySettings"] == {
            "deploymentId": dep,
            "percentTraffic": 0.0,
            "useStageCache": True,
        }
        stage = api.update(
            "qa",
            replace("/description", "QA 2"),
            replace("/tracingEnabled", "false"),
            replace("/variables/version", "qa-2"),
            replace("/cacheClusterEnabled", "true"),
            replace("/cacheClusterSize", "0.5"),
        )
        assert stage["description"] == "QA 2" and stage["tracingEnabled"] is False
        assert stage["cacheClusterStatus"] == "AVAILABLE"
        assert api.get("qa").json()["version"] == "qa-2"
        stage = api.update("qa", {"op": "remove", "path": "/variables/version"})
        assert stage["variables"] == {}

    def test_unknown_stage_and_deployment_get_awss_errors(self) -> None:
        api = MockApi()
        api.deploy()
        with pytest.raises(ClientError) as exc:
            api.stage("nope")
        assert error(exc) == ("NotFoundException", "Invalid stage identifier specified")
        with pytest.raises(ClientError) as exc:
            api.update("prod", replace("/deploymentId", "nosuchid"))
        assert error(exc) == ("BadRequestException", "Deployment id does not exist")
        with pytest.raises(ClientError) as exc:
            api.apigw.create_stage(restApiId=api.api_id, stageName="x", deploymentId="nosuchid")
        assert error(exc)[0] == "BadRequestException"
        with pytest.raises(ClientError) as exc:
            api.apigw.get_deployment(restApiId=api.api_id, deploymentId="nosuchid")
        assert error(exc)[0] == "NotFoundException"
        assert api.get("nope").status_code == 403


def lab_trace_has(step: str, decision_start: str) -> bool:
    lab = helpers.connect()
    return any(
        e.step == step and e.decision.startswith(decision_start) for e in lab.last_trace().entries
    )


# ---------------------------------------------------------------------------------- variables


LAMBDA_SOURCE = """
import json
VERSION = "{version}"


def handler(event, context):
    return {{"statusCode": 200, "body": json.dumps({{
        "version": VERSION, "invoked": context.invoked_function_arn,
        "stageVariables": event.get("stageVariables")}})}}
"""


def aliased_function(lab: Any, name: str = "greeter") -> tuple[str, str, str]:
    """A function with version 1 behind alias ``prod`` and version 2 behind ``dev``."""
    lam = boto3.client("lambda")
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lab.execution_role(),
        Handler="app.handler",
        Code={
            "ZipFile": helpers.zip_function(LAMBDA_SOURCE.format(version="1"), filename="app.py")
        },
    )["FunctionArn"]
    one = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(
        FunctionName=name,
        ZipFile=helpers.zip_function(LAMBDA_SOURCE.format(version="2"), filename="app.py"),
    )
    two = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="prod", FunctionVersion=one)
    lam.create_alias(FunctionName=name, Name="dev", FunctionVersion=two)
    return arn, one, two


class TestStageVariables:
    def test_update_stage_of_a_variable_is_live_without_a_redeploy(self) -> None:
        api = MockApi()
        api.deploy(variables={"version": "1"})
        api.update("prod", replace("/variables/version", "2"))
        assert api.get().json()["version"] == "2"

    def test_an_http_integration_url_from_a_stage_variable(self) -> None:
        backends = [helpers.start_backend(), helpers.start_backend()]
        try:
            apigw = boto3.client("apigateway")
            api_id = apigw.create_rest_api(name="proxy")["id"]
            root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
            apigw.put_method(
                restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
            )
            apigw.put_integration(
                restApiId=api_id,
                resourceId=root,
                httpMethod="GET",
                type="HTTP_PROXY",
                integrationHttpMethod="GET",
                uri="http://${stageVariables.backend}/echo/where",
            )
            for stage, backend in zip(("dev", "prod"), backends, strict=True):
                apigw.create_deployment(
                    restApiId=api_id,
                    stageName=stage,
                    variables={"backend": backend.url.removeprefix("http://")},
                )
            for stage, backend in zip(("dev", "prod"), backends, strict=True):
                url = f"https://{api_id}.execute-api.us-east-1.amazonaws.com/{stage}/"
                assert requests.get(url).status_code == 200
                assert backend.requests[-1].path == "/echo/where"
                assert len(backend.requests) == 1
        finally:
            for backend in backends:
                backend.stop()

    def test_lambda_aliases_behind_a_stage_variable_need_a_permission_each(
        self, fresh_lab: Any
    ) -> None:
        arn, _, _ = aliased_function(fresh_lab)
        api = MockApi()
        api.apigw.put_integration(
            restApiId=api.api_id,
            resourceId=api.ids["items"],
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            f"{arn}:${{stageVariables.alias}}/invocations",
        )
        dep = api.deploy("prod", variables={"alias": "prod"})
        api.apigw.create_stage(
            restApiId=api.api_id, stageName="dev", deploymentId=dep, variables={"alias": "dev"}
        )
        lam = boto3.client("lambda")
        source = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.api_id}/*/GET/items"
        lam.add_permission(
            FunctionName="greeter",
            StatementId="unqualified",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source,
        )
        answer = api.get("prod")
        assert answer.status_code == 500
        assert answer.json() == {"message": "Internal server error"}
        reason = [e for e in fresh_lab.last_trace().entries if e.step == "gateway-response"]
        assert "Invalid permissions on Lambda function" in reason[0].details["reason"]
        assert ":function:greeter:prod" in reason[0].details["reason"]
        for alias in ("prod", "dev"):
            lam.add_permission(
                FunctionName="greeter",
                Qualifier=alias,
                StatementId=f"alias-{alias}",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=source,
            )
        prod, dev = api.get("prod").json(), api.get("dev").json()
        assert (prod["version"], dev["version"]) == ("1", "2")
        assert prod["invoked"].endswith(":function:greeter:prod")
        assert dev["stageVariables"] == {"alias": "dev"}

    def test_http_apis_have_stage_variables(self, fresh_lab: Any) -> None:
        arn, _, _ = aliased_function(fresh_lab)
        v2 = boto3.client("apigatewayv2")
        api_id = v2.create_api(Name="http", ProtocolType="HTTP")["ApiId"]
        integration = v2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=f"{arn}:${{stageVariables.alias}}",
            PayloadFormatVersion="2.0",
        )["IntegrationId"]
        v2.create_route(ApiId=api_id, RouteKey="GET /hello", Target=f"integrations/{integration}")
        for stage in ("dev", "prod"):
            v2.create_stage(
                ApiId=api_id, StageName=stage, AutoDeploy=True, StageVariables={"alias": stage}
            )
            boto3.client("lambda").add_permission(
                FunctionName="greeter",
                Qualifier=stage,
                StatementId=f"http-{stage}",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*/*/hello",
            )
        base = f"https://{api_id}.execute-api.us-east-1.amazonaws.com"
        assert requests.get(f"{base}/prod/hello").json()["version"] == "1"
        assert requests.get(f"{base}/dev/hello").json()["version"] == "2"
        v2.update_stage(ApiId=api_id, StageName="dev", StageVariables={"alias": "prod"})
        assert requests.get(f"{base}/dev/hello").json()["version"] == "1"


# ---------------------------------------------------------------------------------- canary


def canary_api(percent: float = 10.0, **settings: Any) -> MockApi:
    api = MockApi()
    api.deploy(variables={"version": "v1"})
    api.answer("items", json.dumps({"release": "v2", **json.loads(TEMPLATE)}))
    api.deploy(
        canarySettings={
            "percentTraffic": percent,
            "stageVariableOverrides": {"version": "v2", "extra": "canary-only"},
            **settings,
        }
    )
    return api


class TestCanary:
    def test_the_split_is_seeded_and_close_to_the_percentage(self, fresh_lab: Any) -> None:
        api = canary_api(25)
        counts = Counter(api.get().json().get("release", "v1") for _ in range(400))
        assert 80 <= counts["v2"] <= 120
        fresh_lab.gateway.traffic_split.reseed(fresh_lab.seed)
        again = Counter(api.get().json().get("release", "v1") for _ in range(400))
        assert again == counts

    def test_the_canary_sees_overrides_and_production_does_not(self) -> None:
        api = canary_api(50)
        answers = [api.get().json() for _ in range(40)]
        canary = [a for a in answers if a.get("release") == "v2"]
        production = [a for a in answers if "release" not in a]
        assert canary and production
        assert {(a["version"], a["extra"], a["canary"]) for a in canary} == {
            ("v2", "canary-only", "true")
        }
        assert {(a["version"], a["extra"], a["canary"]) for a in production} == {
            ("v1", "", "false")
        }

    def test_canary_settings_on_the_stage(self) -> None:
        api = canary_api(10)
        canary = api.stage()["canarySettings"]
        assert canary["percentTraffic"] == 10.0 and canary["useStageCache"] is False
        assert canary["deploymentId"] != api.stage()["deploymentId"]
        assert canary["stageVariableOverrides"] == {"version": "v2", "extra": "canary-only"}

    def test_promotion_copies_the_canary_into_the_stage(self) -> None:
        api = canary_api(10)
        canary_id = api.stage()["canarySettings"]["deploymentId"]
        stage = api.update(
            "prod",
            replace("/canarySettings/percentTraffic", "0.0"),
            {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
        )
        assert stage["deploymentId"] == canary_id
        assert stage["variables"] == {"version": "v2", "extra": "canary-only"}
        assert stage["canarySettings"]["percentTraffic"] == 0.0
        assert {api.get().json()["release"] for _ in range(20)} == {"v2"}
        assert {api.get().json()["canary"] for _ in range(5)} == {"false"}

    def test_removing_the_canary_rolls_back(self) -> None:
        api = canary_api(50)
        stage = api.update("prod", {"op": "remove", "path": "/canarySettings"})
        assert "canarySettings" not in stage
        assert all("release" not in api.get().json() for _ in range(20))

    def test_a_canary_made_by_update_stage_starts_on_the_stages_deployment(self) -> None:
        api = MockApi()
        dep = api.deploy()
        stage = api.update("prod", replace("/canarySettings/percentTraffic", "20"))
        assert stage["canarySettings"] == {
            "deploymentId": dep,
            "percentTraffic": 20.0,
            "useStageCache": False,
        }
        stage = api.update("prod", replace("/canarySettings/stageVariableOverrides/version", "x"))
        assert stage["canarySettings"]["stageVariableOverrides"] == {"version": "x"}

    @pytest.mark.parametrize(
        ("ops", "message"),
        [
            (
                [{"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"}],
                "Promotion not available. Canary does not exist.",
            ),
            (
                [{"op": "add", "path": "/canarySettings/deploymentId", "value": "x"}],
                "Invalid add operation with path: /canarySettings/deploymentId",
            ),
            (
                [{"op": "copy", "from": "/variables", "path": "/deploymentId"}],
                "Invalid copy operation with path: /deploymentId and from /variables. Valid "
                "copy:path are [/deploymentId, /variables] and valid copy:from are "
                "[/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]",
            ),
        ],
    )
    def test_bad_canary_patches_get_awss_errors(self, ops: Any, message: str) -> None:
        api = MockApi()
        api.deploy()
        with pytest.raises(ClientError) as exc:
            api.update("prod", *ops)
        assert error(exc) == ("BadRequestException", message)

    def test_a_canary_deployment_needs_an_existing_stage(self) -> None:
        api = MockApi()
        with pytest.raises(ClientError) as exc:
            api.apigw.create_deployment(restApiId=api.api_id, canarySettings={})
        assert error(exc)[1] == (
            "Invalid deployment content specified.Non null and non empty stageName must be "
            "provided for canary deployment. Provided value is null"
        )
        with pytest.raises(ClientError) as exc:
            api.deploy("nope", canarySettings={"percentTraffic": 5})
        assert error(exc)[1] == (
            "Invalid deployment content specified.Stage nope must already be created before "
            "making a canary release deployment"
        )

    def test_canary_requests_have_their_own_metrics_and_log_group(self, fresh_lab: Any) -> None:
        api = canary_api(50)
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName="access")
        api.update(
            "prod",
            replace(
                "/accessLogSettings/destinationArn",
                f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:access",
            ),
            replace("/accessLogSettings/format", "$context.requestId $context.status"),
        )
        answers = [api.get().json() for _ in range(20)]
        canaries = sum(1 for a in answers if a.get("release"))
        start = dt.datetime(2025, 1, 1, 8, 55, tzinfo=dt.UTC)

        def count(stage: str) -> float:
            points = boto3.client("cloudwatch").get_metric_statistics(
                Namespace="AWS/ApiGateway",
                MetricName="Count",
                Dimensions=[
                    {"Name": "ApiName", "Value": "releases"},
                    {"Name": "Stage", "Value": stage},
                ],
                StartTime=start,
                EndTime=start + dt.timedelta(minutes=10),
                Period=60,
                Statistics=["Sum"],
            )["Datapoints"]
            return sum(p["Sum"] for p in points)

        assert count("prod/Canary") == canaries
        assert count("prod") == 20 - canaries

        def lines(group: str) -> int:
            return len(logs.filter_log_events(logGroupName=group)["events"])

        assert lines("access/Canary") == canaries
        assert lines("access") == 20 - canaries

    def test_the_canary_skips_the_stage_cache_unless_told(self, fresh_lab: Any) -> None:
        api = canary_api(100)
        api.update(
            "prod",
            replace("/cacheClusterEnabled", "true"),
            replace("/*/*/caching/enabled", "true"),
        )
        api.get()
        assert lab_trace_has("cache", "not used")
        api.update("prod", replace("/canarySettings/useStageCache", "true"))
        api.get()
        api.get()
        assert lab_trace_has("cache", "hit")

    def test_http_apis_have_no_canary(self) -> None:
        v2 = boto3.client("apigatewayv2")
        api_id = v2.create_api(Name="http", ProtocolType="HTTP")["ApiId"]
        with pytest.raises(ParamValidationError):
            v2.create_stage(ApiId=api_id, StageName="prod", CanarySettings={"PercentTraffic": 10})

    def test_the_simulator_reports_the_deployment_that_answered(self) -> None:
        api = canary_api(20)
        prod = api.stage()
        run = simulate(helpers.connect(), api.url("prod", ""), [Client("c", 10, path="items")], 10)
        counts = Counter((o.deployment, o.canary) for o in run.outcomes)
        assert set(counts) == {
            (prod["deploymentId"], False),
            (prod["canarySettings"]["deploymentId"], True),
        }
        slots = run.per_deployment(width=5)
        assert slots["t"] == [0, 5]
        assert sum(sum(v) for k, v in slots.items() if k != "t") == 100


# ---------------------------------------------------------------------------------- domains


def certificate(name: str = DOMAIN, region: str = "us-east-1", validate: bool = True) -> str:
    acm = boto3.client("acm", region_name=region)
    arn = acm.request_certificate(DomainName=name, ValidationMethod="DNS")["CertificateArn"]
    if validate:
        record = acm.describe_certificate(CertificateArn=arn)["Certificate"][
            "DomainValidationOptions"
        ][0]["ResourceRecord"]
        upsert(
            record["Name"],
            {"Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": record["Value"]}]},
        )
    return arn


def zone_id(name: str = "example.com") -> str:
    r53 = boto3.client("route53")
    for zone in r53.list_hosted_zones()["HostedZones"]:
        if zone["Name"].rstrip(".") == name:
            return zone["Id"]
    return r53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]


def upsert(name: str, record: dict[str, Any], action: str = "UPSERT") -> None:
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id(),
        ChangeBatch={
            "Changes": [{"Action": action, "ResourceRecordSet": {"Name": name, **record}}]
        },
    )


def regional_domain(region: str = "us-east-1", name: str = DOMAIN) -> dict[str, Any]:
    apigw = boto3.client("apigateway", region_name=region)
    return apigw.create_domain_name(
        domainName=name,
        regionalCertificateArn=certificate(name, region),
        endpointConfiguration={"types": ["REGIONAL"]},
    )


def alias(domain: dict[str, Any], name: str = DOMAIN, **extra: Any) -> None:
    upsert(
        name,
        {
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": domain["regionalHostedZoneId"],
                "DNSName": domain["regionalDomainName"],
                "EvaluateTargetHealth": False,
            },
            **extra,
        },
    )


class TestCertificatesAndDomainNames:
    def test_acm_validates_when_the_cname_exists(self) -> None:
        acm = boto3.client("acm")
        arn = certificate(validate=False)
        cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        assert cert["Status"] == "PENDING_VALIDATION"
        record = cert["DomainValidationOptions"][0]["ResourceRecord"]
        assert record["Type"] == "CNAME" and record["Name"].endswith(".api.example.com.")
        assert record["Value"].endswith(".acm-validations.aws.")
        upsert(
            record["Name"],
            {"Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": record["Value"]}]},
        )
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"

    def test_a_domain_name_needs_a_certificate(self) -> None:
        apigw = boto3.client("apigateway")
        with pytest.raises(ClientError) as exc:
            apigw.create_domain_name(domainName=DOMAIN)
        assert error(exc) == (
            "BadRequestException",
            "A certificate was not provided for the endpoint type EDGE.",
        )
        with pytest.raises(ClientError) as exc:
            apigw.create_domain_name(
                domainName=DOMAIN, endpointConfiguration={"types": ["REGIONAL"]}
            )
        assert error(exc)[1] == "A certificate was not provided for the endpoint type REGIONAL."

    def test_the_certificate_region_rules(self) -> None:
        tokyo = certificate(region="ap-northeast-1")
        virginia = certificate(region="us-east-1")
        with pytest.raises(ClientError) as exc:
            boto3.client("apigateway").create_domain_name(domainName=DOMAIN, certificateArn=tokyo)
        assert error(exc)[1] == (
            f"Invalid certificate ARN: {tokyo}. Certificate must be in 'us-east-1'."
        )
        with pytest.raises(ClientError) as exc:
            boto3.client("apigateway", region_name="ap-northeast-1").create_domain_name(
                domainName=DOMAIN,
                regionalCertificateArn=virginia,
                endpointConfiguration={"types": ["REGIONAL"]},
            )
        assert error(exc)[1] == (
            f"Invalid certificate ARN: {virginia}. Certificate must be in 'ap-northeast-1'."
        )
        edge = boto3.client("apigateway", region_name="ap-northeast-1").create_domain_name(
            domainName=DOMAIN, certificateArn=virginia
        )
        assert edge["distributionHostedZoneId"] == "Z2FDTNDATAQYW2"
        assert edge["distributionDomainName"].endswith(".cloudfront.net")
        assert "regionalDomainName" not in edge

    def test_a_certificate_not_yet_issued_is_refused(self) -> None:
        arn = certificate(validate=False)
        with pytest.raises(ClientError) as exc:
            boto3.client("apigateway").create_domain_name(
                domainName=DOMAIN,
                regionalCertificateArn=arn,
                endpointConfiguration={"types": ["REGIONAL"]},
            )
        assert error(exc)[0] == "BadRequestException" and "not yet issued" in error(exc)[1]

    def test_regional_domains_answer_their_regions_alias_target(self) -> None:
        virginia = regional_domain("us-east-1")
        tokyo = regional_domain("ap-northeast-1")
        assert virginia["regionalHostedZoneId"] == "Z1UJRXOUMOOFQ8"
        assert tokyo["regionalHostedZoneId"] == "Z1YSHQZHG15GKL"
        assert tokyo["regionalDomainName"].startswith("d-")
        assert tokyo["regionalDomainName"].endswith(".execute-api.ap-northeast-1.amazonaws.com")
        assert virginia["securityPolicy"] == "TLS_1_2"
        assert virginia["domainNameStatus"] == "AVAILABLE"

    def test_one_set_of_domain_names_for_both_apis(self) -> None:
        v1 = regional_domain()
        v2 = boto3.client("apigatewayv2")
        listed = v2.get_domain_names()["Items"]
        assert [d["DomainName"] for d in listed] == [DOMAIN]
        config = listed[0]["DomainNameConfigurations"][0]
        assert config["ApiGatewayDomainName"] == v1["regionalDomainName"]
        assert config["HostedZoneId"] == "Z1UJRXOUMOOFQ8"
        assert config["EndpointType"] == "REGIONAL"
        created = v2.create_domain_name(
            DomainName="other.example.com",
            DomainNameConfigurations=[{"CertificateArn": certificate("other.example.com")}],
        )["DomainNameConfigurations"][0]
        assert (
            created["SecurityPolicy"] == "TLS_1_2" and created["HostedZoneId"] == "Z1UJRXOUMOOFQ8"
        )
        names = [d["domainName"] for d in boto3.client("apigateway").get_domain_names()["items"]]
        assert sorted(names) == ["api.example.com", "other.example.com"]


class TestMappingsAndDns:
    def test_a_base_path_mapping_needs_an_existing_stage(self) -> None:
        api = MockApi()
        api.deploy()
        regional_domain()
        with pytest.raises(ClientError) as exc:
            api.apigw.create_base_path_mapping(
                domainName=DOMAIN, restApiId=api.api_id, stage="nope", basePath="v1"
            )
        assert error(exc) == ("BadRequestException", "Invalid stage identifier specified")
        with pytest.raises(ClientError) as exc:
            api.apigw.create_base_path_mapping(
                domainName=DOMAIN, restApiId=api.api_id, stage="prod", basePath="v1/orders"
            )
        assert error(exc)[0] == "BadRequestException"

    def test_the_name_resolves_only_with_a_route53_record(self) -> None:
        api = MockApi()
        api.deploy()
        domain = regional_domain()
        api.apigw.create_base_path_mapping(
            domainName=DOMAIN, restApiId=api.api_id, stage="prod", basePath="v1"
        )
        with pytest.raises(requests.ConnectionError):
            requests.get("https://api.example.com/v1/items")
        alias(domain)
        answer = requests.get("https://api.example.com/v1/items")
        assert answer.status_code == 200
        body = answer.json()
        assert (body["domain"], body["prefix"], body["base"]) == (DOMAIN, "api", "v1")

    def test_an_alias_in_the_wrong_hosted_zone_is_refused(self) -> None:
        domain = regional_domain()
        with pytest.raises(ClientError) as exc:
            upsert(
                DOMAIN,
                {
                    "Type": "A",
                    "AliasTarget": {
                        "HostedZoneId": "Z2FDTNDATAQYW2",
                        "DNSName": domain["regionalDomainName"],
                        "EvaluateTargetHealth": False,
                    },
                },
            )
        code, message = error(exc)
        assert code == "InvalidChangeBatch"
        assert "but the alias target name does not lie within the target zone" in message

    def test_mapping_selection_longest_key_then_none(self) -> None:
        apis = {name: MockApi(name=name) for name in ("root", "v1", "orders")}
        for api in apis.values():
            api.deploy()
        domain = regional_domain()
        alias(domain)
        v2 = boto3.client("apigatewayv2")
        for key, name in (("", "root"), ("v1", "v1"), ("v1/orders", "orders")):
            v2.create_api_mapping(
                DomainName=DOMAIN, ApiId=apis[name].api_id, Stage="prod", ApiMappingKey=key
            )

        def answered(path: str) -> tuple[int, str]:
            r = requests.get(f"https://api.example.com{path}")
            return r.status_code, (r.json().get("base") if r.status_code == 200 else r.text)

        assert answered("/v1/orders/items") == (200, "v1/orders")
        assert answered("/v1/items") == (200, "v1")
        assert answered("/items") == (200, "")
        assert answered("/v10/items")[0] == 403  # (none) gets /v10/items: no such resource
        assert answered("/prod/items") == (403, '{"message":"Missing Authentication Token"}')

    def test_a_mapping_without_a_stage_takes_it_from_the_path(self) -> None:
        api = MockApi()
        api.deploy("prod")
        api.deploy("dev")
        domain = regional_domain()
        alias(domain)
        api.apigw.create_base_path_mapping(
            domainName=DOMAIN, restApiId=api.api_id, basePath="shop"
        )
        mapping = api.apigw.get_base_path_mapping(domainName=DOMAIN, basePath="shop")
        assert "stage" not in mapping
        assert requests.get("https://api.example.com/shop/dev/items").json()["stage"] == "dev"
        assert requests.get("https://api.example.com/shop/prod/items").json()["base"] == "shop"
        assert requests.get("https://api.example.com/shop/items").status_code == 403

    def test_no_mapping_answers_403_forbidden(self) -> None:
        api = MockApi()
        api.deploy()
        domain = regional_domain()
        alias(domain)
        api.apigw.create_base_path_mapping(
            domainName=DOMAIN, restApiId=api.api_id, stage="prod", basePath="v1"
        )
        answer = requests.get("https://api.example.com/v2/items")
        assert answer.status_code == 403
        assert answer.text == '{"message":"Forbidden"}'
        assert answer.headers["x-amzn-ErrorType"] == "ForbiddenException"

    def test_events_and_access_logs_show_the_custom_domain(self, fresh_lab: Any) -> None:
        lam = boto3.client("lambda")
        fn = lam.create_function(
            FunctionName="echo",
            Runtime="python3.12",
            Role=fresh_lab.execution_role(),
            Handler="app.handler",
            Code={
                "ZipFile": helpers.zip_function(
                    "import json\ndef handler(e, c):\n    return {'statusCode': 200, "
                    "'body': json.dumps(e)}\n",
                    filename="app.py",
                )
            },
        )["FunctionArn"]
        api = MockApi()
        api.apigw.put_integration(
            restApiId=api.api_id,
            resourceId=api.ids["items"],
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations",
        )
        lam.add_permission(
            FunctionName="echo",
            StatementId="api",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api.api_id}/*/*/*",
        )
        api.deploy()
        boto3.client("logs").create_log_group(logGroupName="access")
        api.update(
            "prod",
            replace(
                "/accessLogSettings/destinationArn",
                f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:access",
            ),
            replace(
                "/accessLogSettings/format",
                "$context.requestId $context.domainName $context.customDomain.basePathMatched",
            ),
        )
        domain = regional_domain()
        alias(domain)
        boto3.client("apigatewayv2").create_api_mapping(
            DomainName=DOMAIN, ApiId=api.api_id, Stage="prod", ApiMappingKey="shop/v1"
        )
        event = requests.get("https://api.example.com/shop/v1/items").json()
        assert event["path"] == "/shop/v1/items"
        assert event["resource"] == "/items"
        assert event["requestContext"]["domainName"] == DOMAIN
        assert event["requestContext"]["domainPrefix"] == "api"
        assert event["requestContext"]["stage"] == "prod"
        direct = api.get().json()
        assert direct["path"] == "/items"
        assert direct["requestContext"]["domainName"].startswith(api.api_id + ".execute-api.")
        lines = [
            e["message"]
            for e in boto3.client("logs").filter_log_events(logGroupName="access")["events"]
        ]
        assert lines[0].endswith(" api.example.com shop/v1")
        assert lines[1].endswith(".amazonaws.com -")

    def test_http_api_mappings(self, fresh_lab: Any) -> None:
        v2 = boto3.client("apigatewayv2")
        api_id = v2.create_api(
            Name="http", ProtocolType="HTTP", Target="https://example.org/backend"
        )["ApiId"]
        domain = regional_domain()
        alias(domain)
        mapping = v2.create_api_mapping(
            DomainName=DOMAIN, ApiId=api_id, Stage="$default", ApiMappingKey="orders/v2"
        )
        assert mapping["ApiMappingKey"] == "orders/v2" and mapping["ApiMappingId"]
        assert v2.get_api_mappings(DomainName=DOMAIN)["Items"][0]["ApiId"] == api_id
        with pytest.raises(ClientError):
            v2.create_api_mapping(DomainName=DOMAIN, ApiId=api_id, Stage="nope", ApiMappingKey="x")
        # an HTTP API needs a Regional domain
        virginia = certificate("edge.example.com")
        boto3.client("apigateway").create_domain_name(
            domainName="edge.example.com", certificateArn=virginia
        )
        with pytest.raises(ClientError) as exc:
            v2.create_api_mapping(
                DomainName="edge.example.com", ApiId=api_id, Stage="$default", ApiMappingKey=""
            )
        assert error(exc)[0] == "BadRequestException"

    def test_an_http_api_behind_a_custom_domain_gets_its_event(self, fresh_lab: Any) -> None:
        lam = boto3.client("lambda")
        fn = lam.create_function(
            FunctionName="echo2",
            Runtime="python3.12",
            Role=fresh_lab.execution_role(),
            Handler="app.handler",
            Code={
                "ZipFile": helpers.zip_function(
                    "import json\ndef handler(e, c):\n    return {'statusCode': 200, "
                    "'body': json.dumps(e)}\n",
                    filename="app.py",
                )
            },
        )["FunctionArn"]
        v2 = boto3.client("apigatewayv2")
        api_id = v2.create_api(Name="http", ProtocolType="HTTP", Target=fn)["ApiId"]
        lam.add_permission(
            FunctionName="echo2",
            StatementId="api",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*",
        )
        domain = regional_domain()
        alias(domain)
        v2.create_api_mapping(DomainName=DOMAIN, ApiId=api_id, Stage="$default", ApiMappingKey="v2")
        event = requests.get("https://api.example.com/v2/orders/7").json()
        assert event["rawPath"] == "/v2/orders/7"
        assert event["requestContext"]["domainName"] == DOMAIN
        assert event["requestContext"]["domainPrefix"] == "api"
        assert event["headers"]["host"] == DOMAIN

    def test_disable_execute_api_endpoint_after_a_redeploy(self) -> None:
        api = MockApi()
        api.deploy()
        domain = regional_domain()
        alias(domain)
        api.apigw.create_base_path_mapping(domainName=DOMAIN, restApiId=api.api_id, stage="prod")
        api.apigw.update_rest_api(
            restApiId=api.api_id,
            patchOperations=[replace("/disableExecuteApiEndpoint", "True")],
        )
        assert api.get().status_code == 200  # not live until a deployment carries it
        api.deploy()
        answer = api.get()
        assert (answer.status_code, answer.text) == (403, '{"message":"Forbidden"}')
        assert requests.get("https://api.example.com/items").status_code == 200
        api.apigw.update_rest_api(
            restApiId=api.api_id,
            patchOperations=[replace("/disableExecuteApiEndpoint", "False")],
        )
        api.deploy()
        assert api.get().status_code == 200

    def test_http_api_disable_execute_api_endpoint(self) -> None:
        v2 = boto3.client("apigatewayv2")
        api_id = v2.create_api(
            Name="http", ProtocolType="HTTP", Target="https://example.org/backend"
        )["ApiId"]
        v2.update_api(ApiId=api_id, DisableExecuteApiEndpoint=True)
        answer = requests.get(f"https://{api_id}.execute-api.us-east-1.amazonaws.com/x")
        assert (answer.status_code, answer.text) == (403, '{"message":"Forbidden"}')

    def test_the_localhost_server_answers_a_custom_host(self, fresh_lab: Any) -> None:
        api = MockApi()
        api.deploy()
        domain = regional_domain()
        alias(domain)
        api.apigw.create_base_path_mapping(
            domainName=DOMAIN, restApiId=api.api_id, stage="prod", basePath="v1"
        )
        answer = requests.get(f"{fresh_lab.server_url}/v1/items", headers={"Host": DOMAIN})
        assert answer.status_code == 200 and answer.json()["domain"] == DOMAIN

    def test_the_regional_target_name_itself_is_not_the_api(self) -> None:
        domain = regional_domain()
        answer = requests.get(f"https://{domain['regionalDomainName']}/items")
        assert answer.status_code == 403


# ---------------------------------------------------------------------------------- regions


def two_regions() -> dict[str, tuple[MockApi, dict[str, Any]]]:
    out = {}
    for region in ("ap-northeast-1", "us-east-1"):
        api = MockApi(region, name=f"hello-{region}")
        api.answer("items", json.dumps({"region": region}))
        api.deploy(variables={"status": "200"})
        domain = regional_domain(region)
        api.apigw.create_base_path_mapping(domainName=DOMAIN, restApiId=api.api_id, stage="prod")
        out[region] = (api, domain)
    return out


class TestTwoRegions:
    def test_failover_follows_the_health_check_on_the_lab_clock(self, fresh_lab: Any) -> None:
        regions = two_regions()
        tokyo, tokyo_domain = regions["ap-northeast-1"]
        r53 = boto3.client("route53")
        check = r53.create_health_check(
            CallerReference="tokyo",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": f"{tokyo.api_id}.execute-api.ap-northeast-1.amazonaws.com",
                "ResourcePath": "/prod/health",
                "RequestInterval": 30,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
        alias(tokyo_domain, SetIdentifier="tokyo", Failover="PRIMARY", HealthCheckId=check)
        alias(regions["us-east-1"][1], SetIdentifier="virginia", Failover="SECONDARY")
        assert requests.get("https://api.example.com/items").json() == {"region": "ap-northeast-1"}
        tokyo.update("prod", replace("/variables/status", "503"))
        fresh_lab.clock.advance(60)  # two failed probes: not yet
        assert requests.get("https://api.example.com/items").status_code == 503
        fresh_lab.clock.advance(30)  # the third
        assert requests.get("https://api.example.com/items").json() == {"region": "us-east-1"}
        report = r53.get_health_check_status(HealthCheckId=check)["HealthCheckObservations"]
        assert report[0]["StatusReport"]["Status"].startswith("Failure: HTTP Status Code 503")
        tokyo.update("prod", replace("/variables/status", "200"))
        fresh_lab.clock.advance(90)
        assert requests.get("https://api.example.com/items").json() == {"region": "ap-northeast-1"}
        # Inverted turns a passing check into a failing one: a way to test failover
        r53.update_health_check(HealthCheckId=check, Inverted=True)
        assert requests.get("https://api.example.com/items").json() == {"region": "us-east-1"}

    def test_the_simulator_sees_requests_move(self, fresh_lab: Any) -> None:
        regions = two_regions()
        tokyo, tokyo_domain = regions["ap-northeast-1"]
        check = boto3.client("route53").create_health_check(
            CallerReference="tokyo",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": f"{tokyo.api_id}.execute-api.ap-northeast-1.amazonaws.com",
                "ResourcePath": "/prod/health",
            },
        )["HealthCheck"]["Id"]
        alias(tokyo_domain, SetIdentifier="tokyo", Failover="PRIMARY", HealthCheckId=check)
        alias(regions["us-east-1"][1], SetIdentifier="virginia", Failover="SECONDARY")
        tokyo.update("prod", replace("/variables/status", "503"))
        run = simulate(fresh_lab, "https://api.example.com", [Client("c", 1, path="items")], 180)
        per = run.per_deployment(width=30, by="region")
        assert per["ap-northeast-1"] == [30, 30, 30, 0, 0, 0]
        assert per["us-east-1"] == [0, 0, 0, 30, 30, 30]

    def test_latency_records_follow_the_clients_region(self, fresh_lab: Any) -> None:
        regions = two_regions()
        for region, (_, domain) in regions.items():
            alias(domain, SetIdentifier=region, Region=region)
        fresh_lab.client_region("ap-northeast-2")
        assert requests.get("https://api.example.com/items").json() == {"region": "ap-northeast-1"}
        fresh_lab.client_region("us-east-2")
        assert requests.get("https://api.example.com/items").json() == {"region": "us-east-1"}
        assert "latency us-east-1" in fresh_lab.resolve(DOMAIN)

    def test_weighted_records_split_deterministically(self, fresh_lab: Any) -> None:
        regions = two_regions()
        for region, (_, domain) in regions.items():
            alias(domain, SetIdentifier=region, Weight=1 if region == "ap-northeast-1" else 3)
        counts = Counter(
            requests.get("https://api.example.com/items").json()["region"] for _ in range(200)
        )
        assert 30 <= counts["ap-northeast-1"] <= 70
        fresh_lab.gateway.dns.reseed(fresh_lab.seed)
        again = Counter(
            requests.get("https://api.example.com/items").json()["region"] for _ in range(200)
        )
        assert again == counts

    def test_a_name_without_any_record_fails_to_resolve_in_the_simulator(
        self, fresh_lab: Any
    ) -> None:
        zone_id()
        run = simulate(fresh_lab, "https://api.example.com", [Client("c", 1)], 3)
        assert run.counts() == Counter({"name does not resolve": 3})
