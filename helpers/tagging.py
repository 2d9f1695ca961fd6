"""Tag everything a lab creates, and clean up by tag only.

``install_tagging`` adds the lab's tag to every create call made through boto3's default
session (the clients a notebook makes with ``boto3.client(...)``), on both targets.
``cleanup`` then deletes exactly the resources that carry that tag, and nothing untagged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import boto3
from botocore.exceptions import ClientError

TAG_KEY = "apigw-lab"

# operation → (parameter, shape): "map" is {"k": "v"}, "list" is [{"Key": k, "Value": v}],
# "lower-list" is [{"key": k, "value": v}] (Step Functions)
TAGGED_CREATES: dict[tuple[str, str], tuple[str, str]] = {
    ("apigateway", "CreateRestApi"): ("tags", "map"),
    ("apigateway", "CreateApiKey"): ("tags", "map"),
    ("apigateway", "CreateUsagePlan"): ("tags", "map"),
    ("apigatewayv2", "CreateApi"): ("Tags", "map"),
    ("lambda", "CreateFunction"): ("Tags", "map"),
    ("iam", "CreateRole"): ("Tags", "list"),
    ("logs", "CreateLogGroup"): ("tags", "map"),
    ("dynamodb", "CreateTable"): ("Tags", "list"),
    ("sqs", "CreateQueue"): ("tags", "map"),
    ("sns", "CreateTopic"): ("Tags", "list"),
    ("iam", "CreatePolicy"): ("Tags", "list"),
    ("stepfunctions", "CreateStateMachine"): ("tags", "lower-list"),
    ("cognito-idp", "CreateUserPool"): ("UserPoolTags", "map"),
    ("apigateway", "CreateDomainName"): ("tags", "map"),
    ("apigatewayv2", "CreateDomainName"): ("Tags", "map"),
    ("acm", "RequestCertificate"): ("Tags", "list"),
    ("cloudformation", "CreateStack"): ("Tags", "list"),
    ("cloudwatch", "PutMetricAlarm"): ("Tags", "list"),
}

#: the service part of botocore's event names (``service_id.hyphenize()``), so that tagging
#: needs no service model loaded (a service missing here is looked up in its model)
EVENT_SERVICE_IDS = {
    "apigateway": "api-gateway",
    "apigatewayv2": "apigatewayv2",
    "lambda": "lambda",
    "iam": "iam",
    "logs": "cloudwatch-logs",
    "dynamodb": "dynamodb",
    "sqs": "sqs",
    "sns": "sns",
    "stepfunctions": "sfn",
    "cognito-idp": "cognito-identity-provider",
    "cloudformation": "cloudformation",
    "acm": "acm",
    "cloudwatch": "cloudwatch",
}
#: Route 53 creates take no tags: the tag is added right after (ChangeTagsForResource)
TAGGED_AFTER: dict[str, tuple[str, str]] = {
    "CreateHostedZone": ("hostedzone", "HostedZone"),
    "CreateHealthCheck": ("healthcheck", "HealthCheck"),
}
#: the Regions tagged resources were created in (a lab may use more than its own Region)
TAGGED_REGIONS: set[str] = set()


def _adder(param: str, shape: str, value: str) -> Callable[..., None]:
    def add(params: dict[str, Any], context: dict[str, Any] | None = None, **_: Any) -> None:
        region = (context or {}).get("client_region")
        if region and region != "aws-global":  # IAM and Route 53 are global
            TAGGED_REGIONS.add(region)
        if shape == "map":
            params.setdefault(param, {}).setdefault(TAG_KEY, value)
        else:
            key, val = ("key", "value") if shape == "lower-list" else ("Key", "Value")
            tags = params.setdefault(param, [])
            if not any(t.get(key) == TAG_KEY for t in tags):
                tags.append({key: TAG_KEY, val: value})

    return add


def install_tagging(session: boto3.session.Session, value: str) -> None:
    """Register the tag adders on ``session`` (idempotent per session)."""
    events = session.events
    for (service, operation), (param, shape) in TAGGED_CREATES.items():
        service_id = EVENT_SERVICE_IDS.get(service) or session._session.get_service_model(  # type: ignore[attr-defined]
            service
        ).service_id.hyphenize()
        event = f"provide-client-params.{service_id}.{operation}"
        unique_id = f"apigw-lab-tag-{service}-{operation}"
        events.unregister(event, unique_id=unique_id)
        events.register(event, _adder(param, shape, value), unique_id=unique_id)
    for operation, (kind, key) in TAGGED_AFTER.items():
        event = f"after-call.route-53.{operation}"
        unique_id = f"apigw-lab-tag-route53-{operation}"
        events.unregister(event, unique_id=unique_id)
        events.register(event, _route53_tagger(session, kind, key, value), unique_id=unique_id)


def _route53_tagger(
    session: boto3.session.Session, kind: str, key: str, value: str
) -> Callable[..., None]:
    def tag(parsed: dict[str, Any], **_: Any) -> None:
        created = (parsed or {}).get(key) or {}
        resource_id = str(created.get("Id") or "").rsplit("/", 1)[-1]
        if resource_id:
            session.client("route53").change_tags_for_resource(
                ResourceType=kind,
                ResourceId=resource_id,
                AddTags=[{"Key": TAG_KEY, "Value": value}],
            )

    return tag


def _tagged(tags: dict[str, str] | list[dict[str, str]] | None, value: str) -> bool:
    if isinstance(tags, list):
        tags = {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags}
    return (tags or {}).get(TAG_KEY) == value


def cleanup(
    session: boto3.session.Session,
    value: str,
    *,
    region: str,
    keep: Collection[str] = (),
    only: Collection[str] | None = None,
) -> list[str]:
    """Delete every resource tagged ``apigw-lab=value`` in ``region``, in the other Regions
    the lab tagged resources in, and in Route 53 (global); return what was deleted.

    Resources are named as the returned list names them (``"rest api a1b2c3"``,
    ``"function hello"``, ``"role apigw-lab-lambda"``): those in ``keep`` are left alone,
    and when ``only`` is given nothing outside it is touched (a playground's clean-up: its
    API, functions and roles, never domains or DNS).
    """
    if only is not None:
        return _cleanup_region(session, value, region=region, keep=keep, only=only)
    deleted = _cleanup_route53(session, value)
    deleted += _cleanup_domains(session, value, region)
    for other in sorted(TAGGED_REGIONS - {region}):
        deleted += _cleanup_domains(session, value, other)
        deleted += _cleanup_region(session, value, region=other, keep=keep)
    return deleted + _cleanup_region(session, value, region=region, keep=keep)


def holds_nothing(service: str, region: str) -> bool:
    """On the moto target: whether moto never set up ``service`` (botocore's name) in
    ``region`` of the lab's account, nor as a global service, so it holds nothing. Always
    false on a real account. (CloudFormation counts as set up only once its module is
    loaded: moto's CloudFormation takes a second to import.)"""
    import sys

    from . import lab

    current = lab._current
    if current is None or current.target != "moto":
        return False
    from .gateway import control_plane

    if service == "cloudformation" and "moto.cloudformation.models" not in sys.modules:
        return True
    return not control_plane.service_set_up(service, current.account_id, region)


def _ignore_missing(exc: ClientError) -> None:
    if exc.response["Error"]["Code"] not in (
        "NotFoundException",
        "ResourceNotFoundException",
        "NoSuchEntity",
        "NoSuchHostedZone",
        "NoSuchHealthCheck",
    ):
        raise exc


def _cleanup_domains(session: boto3.session.Session, value: str, region: str) -> list[str]:
    """Custom domain names (their mappings go with them), then their certificates."""
    deleted: list[str] = []
    # both APIs' domain names are listed by apigatewayv2 (see gateway.moto_domains)
    if not (holds_nothing("apigateway", region) and holds_nothing("apigatewayv2", region)):
        v2 = session.client("apigatewayv2", region_name=region)
        for domain in v2.get_domain_names().get("Items", []):
            if _tagged(domain.get("Tags"), value):
                try:
                    v2.delete_domain_name(DomainName=domain["DomainName"])
                    deleted.append(f"domain name {domain['DomainName']} ({region})")
                except ClientError as exc:
                    _ignore_missing(exc)
    if holds_nothing("acm", region):
        return deleted
    acm = session.client("acm", region_name=region)
    for page in acm.get_paginator("list_certificates").paginate():
        for cert in page.get("CertificateSummaryList", []):
            arn = cert["CertificateArn"]
            if _tagged(acm.list_tags_for_certificate(CertificateArn=arn).get("Tags"), value):
                try:
                    acm.delete_certificate(CertificateArn=arn)
                    deleted.append(f"certificate {cert.get('DomainName')} ({region})")
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "ResourceInUseException":
                        _ignore_missing(exc)
                    # API Gateway lets go of a deleted domain's certificate a little later:
                    # the next clean-up deletes it
                    print(f"certificate {cert.get('DomainName')} ({region}) still in use: run the clean-up again in a minute")
    return deleted


def _cleanup_route53(session: boto3.session.Session, value: str) -> list[str]:
    """Tagged hosted zones (their records first: AWS refuses to delete a zone that has
    more than its SOA and NS records) and health checks."""
    deleted: list[str] = []
    if holds_nothing("route53", "aws"):
        return deleted
    r53 = session.client("route53")
    for page in r53.get_paginator("list_hosted_zones").paginate():
        for zone in page["HostedZones"]:
            zone_id = zone["Id"].rsplit("/", 1)[-1]
            tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)
            if not _tagged(tags.get("ResourceTagSet", {}).get("Tags"), value):
                continue
            records = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
            apex = zone["Name"].rstrip(".")
            changes = [
                {"Action": "DELETE", "ResourceRecordSet": r}
                for r in records
                if not (r["Type"] in ("SOA", "NS") and r["Name"].rstrip(".") == apex)
            ]
            if changes:
                r53.change_resource_record_sets(
                    HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
                )
            try:
                r53.delete_hosted_zone(Id=zone_id)
                deleted.append(f"hosted zone {zone['Name']}")
            except ClientError as exc:
                _ignore_missing(exc)
    for page in r53.get_paginator("list_health_checks").paginate():
        for check in page["HealthChecks"]:
            tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"])
            if _tagged(tags.get("ResourceTagSet", {}).get("Tags"), value):
                try:
                    r53.delete_health_check(HealthCheckId=check["Id"])
                    deleted.append(f"health check {check['Id']}")
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "HealthCheckInUse":
                        _ignore_missing(exc)
                    print(f"health check {check['Id']} still used by a record: delete the record, then clean up again")
    return deleted


def _cleanup_region(
    session: boto3.session.Session,
    value: str,
    *,
    region: str,
    keep: Collection[str] = (),
    only: Collection[str] | None = None,
) -> list[str]:
    deleted: list[str] = []

    def selected(what: str) -> bool:
        return what not in keep and (only is None or what in only)

    def attempt(what: str, action: Callable[[], Any]) -> None:
        if not selected(what):
            return
        try:
            action()
            deleted.append(what)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in (
                "NotFoundException",
                "ResourceNotFoundException",
                "NoSuchEntity",
            ):
                raise

    def present(service: str) -> bool:
        """Whether ``service`` may hold something here. On the moto target, a service moto
        never set up in this Region (no request reached it) holds nothing, and is skipped:
        its first client would cost a model load and moto's first dispatch (0.5 s a clean-up
        in all). On a real account every service is listed."""
        return not holds_nothing(service, region)

    # stacks first: deleting a stack deletes what it made (its resources carry its tags).
    # On moto, only once a template was used (moto's CloudFormation takes a second to load)
    if present("cloudformation"):
        cloudformation = session.client("cloudformation", region_name=region)
        for page in cloudformation.get_paginator("describe_stacks").paginate():
            for stack in page["Stacks"]:
                if _tagged(stack.get("Tags"), value) and stack["StackStatus"] != "DELETE_COMPLETE":
                    attempt(
                        f"stack {stack['StackName']}",
                        lambda s=stack: cloudformation.delete_stack(StackName=s["StackId"]),
                    )

    if present("apigateway"):
        apigw = session.client("apigateway", region_name=region)
        # usage plans first: AWS refuses to delete a plan that still names API stages ("Cannot
        # delete Usage Plan ... because there are API Stages associated with it")
        for plan in apigw.get_usage_plans(limit=500).get("items", []):
            if _tagged(plan.get("tags"), value) and selected(f"usage plan {plan['id']}"):
                stages = [f"{s['apiId']}:{s['stage']}" for s in plan.get("apiStages", [])]
                if stages:
                    apigw.update_usage_plan(
                        usagePlanId=plan["id"],
                        patchOperations=[
                            {"op": "remove", "path": "/apiStages", "value": s} for s in stages
                        ],
                    )
                attempt(
                    f"usage plan {plan['id']}",
                    lambda p=plan: apigw.delete_usage_plan(usagePlanId=p["id"]),
                )
        for api in apigw.get_rest_apis(limit=500).get("items", []):
            if _tagged(api.get("tags"), value):
                attempt(f"rest api {api['id']}", lambda a=api: apigw.delete_rest_api(restApiId=a["id"]))
        for key in apigw.get_api_keys(limit=500).get("items", []):
            if _tagged(key.get("tags"), value):
                attempt(f"api key {key['id']}", lambda k=key: apigw.delete_api_key(apiKey=k["id"]))

    if present("apigatewayv2"):
        v2 = session.client("apigatewayv2", region_name=region)
        for api in v2.get_apis().get("Items", []):
            if _tagged(api.get("Tags"), value):
                attempt(f"api {api['ApiId']}", lambda a=api: v2.delete_api(ApiId=a["ApiId"]))

    if present("cognito-idp"):
        cognito = session.client("cognito-idp", region_name=region)
        for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
            for listed in page.get("UserPools", []):
                pool = cognito.describe_user_pool(UserPoolId=listed["Id"])["UserPool"]
                if not _tagged(pool.get("UserPoolTags"), value) or not selected(
                    f"user pool {pool['Name']} ({pool['Id']})"
                ):
                    continue
                if pool.get("Domain"):  # AWS refuses to delete a pool that still has a domain
                    cognito.delete_user_pool_domain(Domain=pool["Domain"], UserPoolId=pool["Id"])
                attempt(
                    f"user pool {pool['Name']} ({pool['Id']})",
                    lambda p=pool: cognito.delete_user_pool(UserPoolId=p["Id"]),
                )

    #: the log groups Lambda made for the functions deleted here (untagged, as on AWS)
    function_groups: set[str] = set()
    if present("lambda"):
        lam = session.client("lambda", region_name=region)
        for page in lam.get_paginator("list_functions").paginate():
            for fn in page["Functions"]:
                tags = lam.list_tags(Resource=fn["FunctionArn"]).get("Tags")
                if _tagged(tags, value) and selected(f"function {fn['FunctionName']}"):
                    attempt(
                        f"function {fn['FunctionName']}",
                        lambda f=fn: lam.delete_function(FunctionName=f["FunctionName"]),
                    )
                    function_groups.add(f"/aws/lambda/{fn['FunctionName']}")

    if present("logs"):
        logs = session.client("logs", region_name=region)
        for page in logs.get_paginator("describe_log_groups").paginate():
            for group in page["logGroups"]:
                name = group["logGroupName"]
                tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*")).get(
                    "tags"
                )
                if name in function_groups or _tagged(tags, value):
                    attempt(f"log group {name}", lambda n=name: logs.delete_log_group(logGroupName=n))

    if present("dynamodb"):
        ddb = session.client("dynamodb", region_name=region)
        for name in ddb.list_tables().get("TableNames", []):
            arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
            if _tagged(ddb.list_tags_of_resource(ResourceArn=arn).get("Tags"), value):
                attempt(f"table {name}", lambda n=name: ddb.delete_table(TableName=n))

    if present("sqs"):
        sqs = session.client("sqs", region_name=region)
        for page in sqs.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                if _tagged(sqs.list_queue_tags(QueueUrl=url).get("Tags"), value):
                    attempt(
                        f"queue {url.rsplit('/', 1)[-1]}", lambda u=url: sqs.delete_queue(QueueUrl=u)
                    )

    if present("stepfunctions"):
        sfn = session.client("stepfunctions", region_name=region)
        for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                arn = machine["stateMachineArn"]
                if _tagged(sfn.list_tags_for_resource(resourceArn=arn).get("tags"), value):
                    attempt(
                        f"state machine {machine['name']}",
                        lambda a=arn: sfn.delete_state_machine(stateMachineArn=a),
                    )

    if present("cloudwatch"):
        cloudwatch = session.client("cloudwatch", region_name=region)
        for page in cloudwatch.get_paginator("describe_alarms").paginate():
            for alarm in page.get("MetricAlarms", []):
                arn, name = alarm["AlarmArn"], alarm["AlarmName"]
                if _tagged(cloudwatch.list_tags_for_resource(ResourceARN=arn).get("Tags"), value):
                    attempt(f"alarm {name}", lambda n=name: cloudwatch.delete_alarms(AlarmNames=[n]))

    if present("sns"):
        sns = session.client("sns", region_name=region)
        for page in sns.get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                arn = topic["TopicArn"]
                if _tagged(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"), value):
                    attempt(
                        f"topic {arn.rsplit(':', 1)[-1]}", lambda a=arn: sns.delete_topic(TopicArn=a)
                    )

    if present("iam"):
        iam = session.client("iam")
        for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
            for pol in page["Policies"]:
                arn = pol["Arn"]
                if not _tagged(iam.list_policy_tags(PolicyArn=arn).get("Tags"), value) or not selected(
                    f"policy {pol['PolicyName']}"
                ):
                    continue
                entities = iam.list_entities_for_policy(PolicyArn=arn)
                for role in entities.get("PolicyRoles", []):
                    iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
                for user in entities.get("PolicyUsers", []):
                    iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
                for group in entities.get("PolicyGroups", []):
                    iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=arn)
                for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
                    if not version["IsDefaultVersion"]:
                        iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
                attempt(f"policy {pol['PolicyName']}", lambda a=arn: iam.delete_policy(PolicyArn=a))
        for page in iam.get_paginator("list_roles").paginate():
            for role in page["Roles"]:
                name = role["RoleName"]
                if not _tagged(iam.list_role_tags(RoleName=name).get("Tags"), value) or not selected(
                    f"role {name}"
                ):
                    continue
                for pol in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                    iam.detach_role_policy(RoleName=name, PolicyArn=pol["PolicyArn"])
                for pol in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                    iam.delete_role_policy(RoleName=name, PolicyName=pol)
                attempt(f"role {name}", lambda n=name: iam.delete_role(RoleName=n))
    return deleted


def rest_api_needs(session: boto3.session.Session, api_id: str, *, region: str) -> list[str]:
    """What a REST API needs in order to answer, named as :func:`cleanup` names it: the API,
    the Lambda functions its integrations and authorizers call, and their execution roles."""
    apigw = session.client("apigateway", region_name=region)
    uris: list[str] = []
    for page in apigw.get_paginator("get_resources").paginate(restApiId=api_id):
        for resource in page["items"]:
            for method in resource.get("resourceMethods", {}):
                try:
                    integration = apigw.get_integration(
                        restApiId=api_id, resourceId=resource["id"], httpMethod=method
                    )
                except ClientError:
                    continue  # a method without an integration yet
                uris.append(integration.get("uri", ""))
    uris += [a.get("authorizerUri", "") for a in apigw.get_authorizers(restApiId=api_id)["items"]]
    needs = [f"rest api {api_id}"]
    lam = session.client("lambda", region_name=region)
    for uri in uris:
        # arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function arn}/invocations
        if ":lambda:path/" not in uri or "/functions/" not in uri:
            continue
        function_arn = uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0]
        name = function_arn.split(":")[6] if function_arn.count(":") >= 6 else function_arn
        try:
            role_arn = lam.get_function_configuration(FunctionName=name)["Role"]
        except ClientError:
            continue
        for need in (f"function {name}", f"role {role_arn.rsplit('/', 1)[-1]}"):
            if need not in needs:
                needs.append(need)
    return needs
