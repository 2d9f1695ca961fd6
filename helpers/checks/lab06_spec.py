"""Lab 06's spec as data (ship v2 of the ``quotes-api`` safely: a canary, its metrics, then
promote or roll back), and its hints: for each step a nudge, then the documentation page,
then the call (:func:`helpers.checks.lab06.lab06_hint` shows them one at a time)."""

from __future__ import annotations

NAME = "quotes-api"
STAGE = "prod"
FUNCTION = "apigw-lab-06-quotes"
#: the stage variable that names the Lambda alias, and the two aliases
VARIABLE = "alias"
LIVE = "live"
NEXT = "next"
PATH = "quote"
#: the canary's share of the stage's requests
PERCENT = 10.0
#: promote when the canary's 5XXError rate is under this, else roll back
ERROR_BUDGET = 0.01
#: the metrics' Stage dimension value for the canary's requests [unc: AWS documents that a
#: canary has its own metrics, not this exact value; the emulator uses it]
CANARY_STAGE = f"{STAGE}/Canary"
#: the check's load through both deployments: requests per second and seconds (moto), and
#: how many requests it sends on a real account
LOAD_RATE = 10
LOAD_SECONDS = 20
AWS_REQUESTS = 50
#: the canary's share of the check's load may be this far from PERCENT (moto: the split is
#: seeded, so this only allows for the share of a short run)
SHARE_SLACK = 6.0

DOC = "https://docs.aws.amazon.com"
HINTS: dict[str, tuple[str, str, str]] = {
    "version": (
        "A Lambda version freezes the function's code as it is now: upload version 2's code "
        "(functions/quotes_v2.py, zipped as quotes.py), then publish a version.",
        f"Lambda function versions: {DOC}/lambda/latest/dg/configuration-versions.html",
        "lam.update_function_code(FunctionName=FUNCTION, ZipFile=helpers.zip_function("
        'helpers.FUNCTIONS / "quotes_v2.py", filename="quotes.py"))\n'
        'lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)\n'
        'v2 = lam.publish_version(FunctionName=FUNCTION)["Version"]',
    ),
    "alias": (
        "The canary reaches version 2 through an alias of its own, next; live stays on "
        "version 1 for the stage's other requests.",
        f"Lambda function aliases: {DOC}/lambda/latest/dg/configuration-aliases.html",
        'lam.create_alias(FunctionName=FUNCTION, Name="next", FunctionVersion=v2)',
    ),
    "permission": (
        "API Gateway will invoke ...:function:apigw-lab-06-quotes:next. A Lambda resource "
        "policy belongs to one qualifier: the permission the setup gave live does not "
        "cover next.",
        "Use stage variables for a Lambda integration (the add-permission step): "
        f"{DOC}/apigateway/latest/developerguide/amazon-api-gateway-using-stage-variables.html",
        'lam.add_permission(FunctionName=FUNCTION, Qualifier="next", '
        'StatementId="apigateway-next",\n'
        '    Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",\n'
        '    SourceArn=f"arn:aws:execute-api:{region}:{account_id}:{api_id}/*/GET/quote")',
    ),
    "canary": (
        "A canary is a deployment to the existing stage that does not replace the stage's "
        "own deployment: create_deployment with canarySettings (the share, and the stage "
        "variables the canary sees instead).",
        "Create a canary release deployment: "
        f"{DOC}/apigateway/latest/developerguide/create-canary-deployment.html",
        'apigateway.create_deployment(restApiId=api_id, stageName="prod", canarySettings={\n'
        '    "percentTraffic": 10, "stageVariableOverrides": {"alias": "next"}})',
    ),
    "metrics": (
        "AWS/ApiGateway metrics by ApiName and Stage; the canary's requests are counted under "
        "their own Stage value, prod/Canary. Sum Count and 5XXError over the load's minutes.",
        "Amazon API Gateway dimensions and metrics: "
        f"{DOC}/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html",
        'cloudwatch.get_metric_statistics(Namespace="AWS/ApiGateway", MetricName="5XXError",\n'
        '    Dimensions=[{"Name": "ApiName", "Value": "quotes-api"},\n'
        '                {"Name": "Stage", "Value": "prod/Canary"}],\n'
        "    StartTime=watch_start, EndTime=lab.clock.datetime(), Period=60, "
        'Statistics=["Sum"])',
    ),
    "promote": (
        "Promotion copies the canary's deployment and its stage-variable overrides into the "
        "stage (two copy operations, traffic to 0 %), then you remove the canary settings.",
        "Promote a canary release deployment: "
        f"{DOC}/apigateway/latest/developerguide/promote-canary-deployment.html",
        'apigateway.update_stage(restApiId=api_id, stageName="prod", patchOperations=[\n'
        '    {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},\n'
        '    {"op": "copy", "from": "/canarySettings/stageVariableOverrides", '
        '"path": "/variables"},\n'
        '    {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"}])\n'
        'apigateway.update_stage(restApiId=api_id, stageName="prod", patchOperations=[\n'
        '    {"op": "remove", "path": "/canarySettings"}])',
    ),
    "rollback": (
        "Rolling a canary back is removing it: the stage's own deployment and variables "
        "never changed.",
        "Turn off a canary release: "
        f"{DOC}/apigateway/latest/developerguide/delete-canary-deployment.html",
        'apigateway.update_stage(restApiId=api_id, stageName="prod", patchOperations=[\n'
        '    {"op": "remove", "path": "/canarySettings"}])',
    ),
}


def hint_text(step: str) -> str:
    """A check failure's hint: the nudge and the documentation page; the call only on
    request (``lab06_hint``)."""
    nudge, doc, _ = HINTS[step]
    return f"{nudge}\n{doc}\nStill stuck? helpers.checks.lab06_hint({step!r}) shows the next hint."
