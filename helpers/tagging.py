"""Tag everything a lab creates, and clean up by tag only.

``install_tagging`` adds the lab's tag to every create call made through boto3's default
session (the clients a notebook makes with ``boto3.client(...)``), on both targets.
``cleanup`` then deletes exactly the resources that carry that tag, and nothing untagged.
"""

from __future__ import annotations

from collections.abc import Callable
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
    ("cloudwatch", "PutMetricAlarm"): ("Tags", "list"),
}


def _adder(param: str, shape: str, value: str) -> Callable[..., None]:
    def add(params: dict[str, Any], **_: Any) -> None:
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
        service_id = session._session.get_service_model(service).service_id.hyphenize()  # type: ignore[attr-defined]
        event = f"provide-client-params.{service_id}.{operation}"
        unique_id = f"apigw-lab-tag-{service}-{operation}"
        events.unregister(event, unique_id=unique_id)
        events.register(event, _adder(param, shape, value), unique_id=unique_id)


def _tagged(tags: dict[str, str] | list[dict[str, str]] | None, value: str) -> bool:
    if isinstance(tags, list):
        tags = {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags}
    return (tags or {}).get(TAG_KEY) == value


def cleanup(session: boto3.session.Session, value: str, *, region: str) -> list[str]:
    """Delete every resource tagged ``apigw-lab=value``; return what was deleted."""
    deleted: list[str] = []

    def attempt(what: str, action: Callable[[], Any]) -> None:
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

    apigw = session.client("apigateway", region_name=region)
    # usage plans first: AWS refuses to delete a plan that still names API stages ("Cannot
    # delete Usage Plan ... because there are API Stages associated with it")
    for plan in apigw.get_usage_plans(limit=500).get("items", []):
        if _tagged(plan.get("tags"), value):
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

    v2 = session.client("apigatewayv2", region_name=region)
    for api in v2.get_apis().get("Items", []):
        if _tagged(api.get("Tags"), value):
            attempt(f"api {api['ApiId']}", lambda a=api: v2.delete_api(ApiId=a["ApiId"]))

    cognito = session.client("cognito-idp", region_name=region)
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for listed in page.get("UserPools", []):
            pool = cognito.describe_user_pool(UserPoolId=listed["Id"])["UserPool"]
            if not _tagged(pool.get("UserPoolTags"), value):
                continue
            if pool.get("Domain"):  # AWS refuses to delete a pool that still has a domain
                cognito.delete_user_pool_domain(Domain=pool["Domain"], UserPoolId=pool["Id"])
            attempt(
                f"user pool {pool['Name']} ({pool['Id']})",
                lambda p=pool: cognito.delete_user_pool(UserPoolId=p["Id"]),
            )

    lam = session.client("lambda", region_name=region)
    #: the log groups Lambda made for the functions deleted here (untagged, as on AWS)
    function_groups: set[str] = set()
    for page in lam.get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            if _tagged(lam.list_tags(Resource=fn["FunctionArn"]).get("Tags"), value):
                attempt(
                    f"function {fn['FunctionName']}",
                    lambda f=fn: lam.delete_function(FunctionName=f["FunctionName"]),
                )
                function_groups.add(f"/aws/lambda/{fn['FunctionName']}")

    logs = session.client("logs", region_name=region)
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            name = group["logGroupName"]
            tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*")).get(
                "tags"
            )
            if name in function_groups or _tagged(tags, value):
                attempt(f"log group {name}", lambda n=name: logs.delete_log_group(logGroupName=n))

    ddb = session.client("dynamodb", region_name=region)
    for name in ddb.list_tables().get("TableNames", []):
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        if _tagged(ddb.list_tags_of_resource(ResourceArn=arn).get("Tags"), value):
            attempt(f"table {name}", lambda n=name: ddb.delete_table(TableName=n))

    sqs = session.client("sqs", region_name=region)
    for page in sqs.get_paginator("list_queues").paginate():
        for url in page.get("QueueUrls", []):
            if _tagged(sqs.list_queue_tags(QueueUrl=url).get("Tags"), value):
                attempt(
                    f"queue {url.rsplit('/', 1)[-1]}", lambda u=url: sqs.delete_queue(QueueUrl=u)
                )

    sfn = session.client("stepfunctions", region_name=region)
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            arn = machine["stateMachineArn"]
            if _tagged(sfn.list_tags_for_resource(resourceArn=arn).get("tags"), value):
                attempt(
                    f"state machine {machine['name']}",
                    lambda a=arn: sfn.delete_state_machine(stateMachineArn=a),
                )

    cloudwatch = session.client("cloudwatch", region_name=region)
    for page in cloudwatch.get_paginator("describe_alarms").paginate():
        for alarm in page.get("MetricAlarms", []):
            arn, name = alarm["AlarmArn"], alarm["AlarmName"]
            if _tagged(cloudwatch.list_tags_for_resource(ResourceARN=arn).get("Tags"), value):
                attempt(f"alarm {name}", lambda n=name: cloudwatch.delete_alarms(AlarmNames=[n]))

    sns = session.client("sns", region_name=region)
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            arn = topic["TopicArn"]
            if _tagged(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"), value):
                attempt(
                    f"topic {arn.rsplit(':', 1)[-1]}", lambda a=arn: sns.delete_topic(TopicArn=a)
                )

    iam = session.client("iam")
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        for pol in page["Policies"]:
            arn = pol["Arn"]
            if not _tagged(iam.list_policy_tags(PolicyArn=arn).get("Tags"), value):
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
            if not _tagged(iam.list_role_tags(RoleName=name).get("Tags"), value):
                continue
            for pol in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=name, PolicyArn=pol["PolicyArn"])
            for pol in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.delete_role_policy(RoleName=name, PolicyName=pol)
            attempt(f"role {name}", lambda n=name: iam.delete_role(RoleName=n))
    return deleted
