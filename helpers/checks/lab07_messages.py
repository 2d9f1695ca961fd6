"""Every learner-facing text of lab 07, as data: the hints of each step and the check's
messages. The check and the notebook name keys and pass values; they hold no sentences.

The layout is that of a per-lab message catalogue (one table per section, ``str.format``
templates, ``{{``/``}}`` for a literal brace), so the texts can move as they are into a
catalogue file (``[hints.1]``, ``[criteria]``, ...) and be translated there:

- ``HINTS[step]``: ``nudge`` (what to do), ``docs`` (what to look for) with ``pages``
  ((title, URL) of the AWS documentation), ``call`` (the YAML, ready to type);
- ``CRITERIA``: what the check verifies, one line each (printed with ✓, or after ✗);
- ``EXPECTED``, ``GOT``, ``WHY`` and ``FIX``: the parts of a failure's message;
- ``UI``: the words around the hints.

:func:`text` finds a text by its dotted path (``"why.no_methods"``) and fills it.
"""

from __future__ import annotations

import string
from typing import Any

CFN = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide"
DG = "https://docs.aws.amazon.com/apigateway/latest/developerguide"

HINTS: dict[str, dict[str, Any]] = {
    "1": {
        "nudge": """Step 1 — in the "api" part, declare the REST API "orders" (a REGIONAL endpoint) and,
under its root resource, the resource /orders.""",
        "docs": """A REST API is an AWS::ApiGateway::RestApi; its EndpointConfiguration takes a list of
Types. A resource is an AWS::ApiGateway::Resource: its ParentId is the API's root resource,
which the RestApi gives as the attribute RootResourceId (Fn::GetAtt), and its PathPart is
"orders" (no slash).""",
        "pages": [
            ("AWS::ApiGateway::RestApi", f"{CFN}/aws-resource-apigateway-restapi.html"),
            ("AWS::ApiGateway::Resource", f"{CFN}/aws-resource-apigateway-resource.html"),
        ],
        "call": """Resources:
  OrdersApi:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders
      EndpointConfiguration:
        Types: [REGIONAL]
  OrdersResource:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref OrdersApi
      ParentId: !GetAtt OrdersApi.RootResourceId
      PathPart: orders""",
    },
    "2": {
        "nudge": """Step 2 — in the "validation" part, declare the model "Order" (application/json: item, a
non-empty string, and quantity, an integer from 1 to 10, both required) and a request
validator that validates request bodies.""",
        "docs": """An AWS::ApiGateway::Model holds a JSON schema (draft 4) in Schema — in YAML you write the
schema as YAML. An AWS::ApiGateway::RequestValidator says what to check:
ValidateRequestBody and ValidateRequestParameters. Neither does anything until a method
names it (step 3).""",
        "pages": [
            ("AWS::ApiGateway::Model", f"{CFN}/aws-resource-apigateway-model.html"),
            (
                "AWS::ApiGateway::RequestValidator",
                f"{CFN}/aws-resource-apigateway-requestvalidator.html",
            ),
            (
                "Request validation for REST APIs in API Gateway",
                f"{DG}/api-gateway-method-request-validation.html",
            ),
        ],
        "call": """Resources:
  Order:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref OrdersApi
      Name: Order
      ContentType: application/json
      Schema:
        $schema: 'http://json-schema.org/draft-04/schema#'
        type: object
        required: [item, quantity]
        properties:
          item: {type: string, minLength: 1}
          quantity: {type: integer, minimum: 1, maximum: 10}
  BodyValidator:
    Type: AWS::ApiGateway::RequestValidator
    Properties:
      RestApiId: !Ref OrdersApi
      Name: body-only
      ValidateRequestBody: true
      ValidateRequestParameters: false""",
    },
    "3": {
        "nudge": """Step 3 — in the "method" part, declare POST /orders: a Lambda proxy integration to
OrdersFunction, an API key required, the body validated by your validator against the
Order model; and the permission that lets API Gateway invoke the function.""",
        "docs": """An AWS::ApiGateway::Method names its RestApiId, ResourceId and HttpMethod; ApiKeyRequired,
RequestValidatorId and RequestModels (content type → model name) are its own properties.
A proxy integration is Type AWS_PROXY with IntegrationHttpMethod POST (Lambda is always
invoked with POST) and the function's invocation URI. The AWS::Lambda::Permission's
SourceArn is arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{METHOD}/{path}.""",
        "pages": [
            ("AWS::ApiGateway::Method", f"{CFN}/aws-resource-apigateway-method.html"),
            ("AWS::Lambda::Permission", f"{CFN}/aws-resource-lambda-permission.html"),
            (
                "Lambda proxy integrations in API Gateway",
                f"{DG}/set-up-lambda-proxy-integrations.html",
            ),
        ],
        "call": """Resources:
  PostOrderMethod:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !Ref OrdersResource
      HttpMethod: POST
      AuthorizationType: NONE
      ApiKeyRequired: true
      RequestValidatorId: !Ref BodyValidator
      RequestModels:
        application/json: !Ref Order
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${OrdersFunction.Arn}/invocations'
  OrdersPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref OrdersFunction
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${OrdersApi}/*/POST/orders'""",
    },
    "4": {
        "nudge": """Step 4 — in the "stage" part, declare a deployment of the API and the stage "v1" that
serves it, and the output OrdersUrl (the stage's URL of /orders).""",
        "docs": """An AWS::ApiGateway::Deployment is a snapshot of the API, taken when the resource is
created: it must wait for the method (DependsOn), or CloudFormation may make it first, of
an API without methods. An AWS::ApiGateway::Stage names the deployment it serves
(DeploymentId) and its StageName.""",
        "pages": [
            ("AWS::ApiGateway::Deployment", f"{CFN}/aws-resource-apigateway-deployment.html"),
            ("AWS::ApiGateway::Stage", f"{CFN}/aws-resource-apigateway-stage.html"),
            ("DependsOn attribute", f"{CFN}/aws-attribute-dependson.html"),
        ],
        "call": """Resources:
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: PostOrderMethod
    Properties:
      RestApiId: !Ref OrdersApi
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref OrdersApi
      StageName: v1
      DeploymentId: !Ref Deployment
Outputs:
  OrdersUrl:
    Value: !Sub 'https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}/orders'""",
    },
    "5": {
        "nudge": """Step 5 — in the "plan" part, declare the API key "partner" (enabled), the usage plan
"partner-plan" on stage v1 (5 requests a second, burst 10; 1,000 requests a day) and the
key's membership of the plan; output the key's id as ApiKeyId.""",
        "docs": """An AWS::ApiGateway::ApiKey is disabled unless Enabled is true. An AWS::ApiGateway::UsagePlan
names its API stages in ApiStages (ApiId and Stage: a Ref to the Stage gives its name and
makes CloudFormation create the plan after the stage, which must exist), and has a Throttle
(RateLimit, BurstLimit) and a Quota (Limit, Period). An AWS::ApiGateway::UsagePlanKey puts a
key in a plan (KeyType API_KEY).""",
        "pages": [
            ("AWS::ApiGateway::ApiKey", f"{CFN}/aws-resource-apigateway-apikey.html"),
            ("AWS::ApiGateway::UsagePlan", f"{CFN}/aws-resource-apigateway-usageplan.html"),
            ("AWS::ApiGateway::UsagePlanKey", f"{CFN}/aws-resource-apigateway-usageplankey.html"),
            (
                "Usage plans and API keys for REST APIs in API Gateway",
                f"{DG}/api-gateway-api-usage-plans.html",
            ),
        ],
        "call": """Resources:
  PartnerKey:
    Type: AWS::ApiGateway::ApiKey
    Properties:
      Name: partner
      Enabled: true
  PartnerPlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: partner-plan
      ApiStages:
        - ApiId: !Ref OrdersApi
          Stage: !Ref Stage
      Throttle:
        RateLimit: 5
        BurstLimit: 10
      Quota:
        Limit: 1000
        Period: DAY
  PartnerPlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties:
      KeyId: !Ref PartnerKey
      KeyType: API_KEY
      UsagePlanId: !Ref PartnerPlan
Outputs:
  ApiKeyId:
    Value: !Ref PartnerKey""",
    },
    "6": {
        "nudge": """Step 6 — the change: orders of up to 20. Declare the "validation" part again, the
Order model allowing quantity up to 20 (the validator unchanged), and deploy.""",
        "docs": """A cell with the same part name replaces that part of the template, as editing the file
would. On update_stack, CloudFormation compares each resource's properties with what it
deployed and updates the resources that changed — here the model's Schema, in place.""",
        "pages": [
            ("AWS::ApiGateway::Model", f"{CFN}/aws-resource-apigateway-model.html"),
            (
                "Understand update behaviors of stack resources",
                f"{CFN}/using-cfn-updating-stacks-update-behaviors.html",
            ),
        ],
        "call": "",  # step 2's part, with maximum 20 (set below)
    },
    "7": {
        "nudge": """Step 7 — make the model change live: declare the "stage" part again, so that the stack
update creates a new deployment and stage v1 serves it.""",
        "docs": """CloudFormation updates a resource only when its properties change, and a Deployment's
properties did not: the update changed the model, and left the snapshot stage v1 serves.
A Deployment whose logical id is new is a new resource: CloudFormation creates it (a new
snapshot, with the new model), points whatever names it at it, and deletes the old one.""",
        "pages": [
            ("AWS::ApiGateway::Deployment", f"{CFN}/aws-resource-apigateway-deployment.html"),
            ("AWS::ApiGateway::Stage", f"{CFN}/aws-resource-apigateway-stage.html"),
        ],
        "call": """Resources:
  DeploymentV2:
    Type: AWS::ApiGateway::Deployment
    DependsOn: PostOrderMethod
    Properties:
      RestApiId: !Ref OrdersApi
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref OrdersApi
      StageName: v1
      DeploymentId: !Ref DeploymentV2
Outputs:
  OrdersUrl:
    Value: !Sub 'https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}/orders'""",
    },
}

HINTS["6"]["call"] = HINTS["2"]["call"].replace("maximum: 10", "maximum: 20")

CRITERIA = {
    "written": "the template is written",
    "deploys": "the template deploys as stack {stack!r}",
    "api": "REST API {name!r} exists with a REGIONAL endpoint",
    "no_key": "POST {path} without an API key → 403 Forbidden",
    "valid": "POST {path} with the partner key and a valid order → 201 and the order",
    "invalid": "an invalid order → 400 Invalid request body, before the function runs",
    "raised": "the change is live: quantity {raised} → 201, quantity {too_many} → 400",
    "burst": "{size} orders at once with the partner key → {burst} answered, then 429",
    "config": "the usage plan and the key are the spec's",
}

DONE = {
    "title": "lab 07, the orders API from a template, meets the spec",
    "deployed": "the template deploys as stack {stack!r} ({status})",
    "invalid": "invalid orders ({cases}) → 400 Invalid request body, the function not called",
    "burst": "{size} orders at once → {burst} × 201, then 429 Too Many Requests (usage plan {plan!r})",
    "config": "plan {plan!r}: {rate} req/s, burst {burst}, {quota} a {period}; key {key!r} enabled, in the plan",
    "aws_skipped": "– left out on the aws target (AWS throttles on a best-effort basis): the burst of {size}; the plan's settings are checked instead",
}

EXPECTED = {
    "template": "a Template from the %%template cells (or a template's text)",
    "resource": "an {type} in the template",
    "stack_ok": "stack {stack!r} in CREATE_COMPLETE or UPDATE_COMPLETE",
    "forbidden": 'HTTP 403 {{"message":"Forbidden"}} (an API key is required)',
    "created": "HTTP 201 and the order as JSON",
    "bad_body": 'HTTP 400 {{"message": "Invalid request body"}}, the function not called',
    "raised": "quantity {raised} → HTTP 201 and quantity {too_many} → HTTP 400 (at most {max})",
    "burst": "{burst} × HTTP 201, then HTTP 429 Too Many Requests (the plan's burst of {burst})",
    "config": "plan {plan!r} naming stage {stage!r}: {rate} req/s, burst {burst}, {quota} requests a {period}; key {key!r} enabled in it",
}

GOT = {
    "no_template": "{value!r}: the %%template cells have not run yet",
    "missing": "no {type} (steps {steps})",
    "stack_failed": "stack {stack!r} {status}: {resource} ({type}) failed\n{reason}",
    "answer": "{answer}",
    "because": "{answer}\nbecause {why}",
    "orders": "{case}: {answer}",
    "burst": "{size} orders at once: {tally}",
}

WHY = {
    "no_methods": "CloudFormation created the Deployment {deployment!r} before the method: it refers only to the API, so nothing told CloudFormation to wait, and API Gateway refuses to deploy an API without methods",
    "no_integration": "the method has no Integration, and API Gateway refuses to deploy an API whose method has none",
    "schema": "a property is not where the resource type's schema has it (misspelt, or one level off)",
    "stage_order": "the usage plan names stage {stage!r} by its name, so CloudFormation made the plan as soon as the API existed — before the Stage resource",
    "stage_name": "the usage plan names stage {stage!r}, which the template does not make (its stages: {stages})",
    "rolled_back": "the stack was {status} (a failed create): it was deleted, then created again",
    "other": "see the reason above (the first *_FAILED event of the stack)",
    "no_key_required": "method {method} {path} does not require an API key (ApiKeyRequired is not true), so API Gateway lets every request through and no usage plan applies",
    "stale": "stage {stage!r} serves deployment {deployment_id} ({logical}), made before the stack's last change to {changed}: CloudFormation updated those, and left the Deployment alone — its properties did not change, so there was nothing to do",
    "no_stage": "the stack made no stage {stage!r} (its API has: {stages})",
    "no_resource": "the API has no resource {path} (it has: {paths})",
    "no_method": "the resource {path} has no {method} method",
    "key_disabled": "API key {key!r} is disabled (an AWS::ApiGateway::ApiKey is disabled unless Enabled is true)",
    "key_not_in_plan": "API key {key!r} is in no usage plan (no AWS::ApiGateway::UsagePlanKey puts it in one)",
    "plan_no_stage": "API key {key!r} is in plan {plan!r}, which names no stage of this API (ApiStages: {stages}), so the key opens nothing here",
    "no_policy": "function {function!r} has no resource-based policy, so API Gateway may not invoke it (no AWS::Lambda::Permission)",
    "wrong_source": "function {function!r} does not allow this API to invoke it: API Gateway presents\n{source_arn}\nand the policy allows only {allowed}",
    "function_failed": "API Gateway called the function, and it failed or answered in the wrong shape",
    "throttled": "the request was throttled: the usage plan's bucket was empty",
    "quota": "the key used up its quota",
    "valid_refused": "the body validator refused a valid order: the model's schema does not match the spec",
    "no_validator": "method {method} {path} names no request validator (RequestValidatorId), so API Gateway checks nothing and the invalid body reached the function",
    "validator_no_body": "the validator {validator!r} does not validate bodies (ValidateRequestBody is not true)",
    "no_model": "method {method} {path} has no model for application/json (RequestModels), so the validator has nothing to check the body against",
    "model_allows": "the Order model lets this through: its schema is {schema}",
    "model_max": "the Order model allows quantity up to {maximum}; the spec (after the change) up to {max}",
    "plan_settings": "{what}",
}

FIX = {
    "template": "Run the %%template cells from the top (each adds its part to the template), then check_lab07(lab, orders).",
    "missing": "Do step {step} (hint({step}) for a nudge).",
    "depends_on": "Add DependsOn: {method} to the {deployment} resource (every method the deployment must contain), then run the check again.",
    "integration": "Give the method its Integration (Type AWS_PROXY, IntegrationHttpMethod POST, the function's invocation Uri): hint(3, 3).",
    "schema": "Compare the resource with its type's reference page: hint({step}, 2) names it.",
    "stage_order": "Write Stage: !Ref Stage in the plan's ApiStages (a Ref orders the plan after the stage), or add DependsOn: Stage to the plan.",
    "stage_name": "Name the stage the template makes: Stage: !Ref Stage in the plan's ApiStages.",
    "other": "Fix the resource the reason names, then run the check again.",
    "key_required": "Add ApiKeyRequired: true to {method_id}; if the stack exists already, give the Deployment a new logical id too (step 7): a changed method is live only in a new deployment.",
    "stale": "Give the Deployment a new logical id (e.g. {next}) and point the Stage's DeploymentId at it, then deploy again: CloudFormation creates the new deployment and deletes the old one (hint(7)).",
    "stage": "Declare the stage as an AWS::ApiGateway::Stage with StageName: v1 (hint(4, 3)).",
    "resource": "PathPart: orders on a resource whose ParentId is !GetAtt OrdersApi.RootResourceId (hint(1, 3)).",
    "method": "Declare the POST method on /orders (hint(3, 3)).",
    "key_enabled": "Add Enabled: true to the AWS::ApiGateway::ApiKey (hint(5, 3)).",
    "plan_key": "Add an AWS::ApiGateway::UsagePlanKey with KeyId: !Ref {key_id}, KeyType: API_KEY, UsagePlanId: !Ref {plan_id} (hint(5, 3)).",
    "plan_stage": "List the stage in the plan: ApiStages: [{{ApiId: !Ref OrdersApi, Stage: !Ref Stage}}] (hint(5, 3)).",
    "permission": "Add the AWS::Lambda::Permission of hint(3, 3): Principal apigateway.amazonaws.com, SourceArn !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{OrdersApi}}/*/POST/orders'.",
    "function": "The function is the template's own (do not change it); check the integration's Uri: functions/${{OrdersFunction.Arn}}/invocations.",
    "validator": "Name the validator on the method: RequestValidatorId: !Ref BodyValidator (hint(3, 3)); then a new Deployment logical id if the stack exists (step 7).",
    "validator_body": "Set ValidateRequestBody: true on the AWS::ApiGateway::RequestValidator (hint(2, 3)).",
    "model": "Add RequestModels: {{application/json: !Ref Order}} to the method (hint(3, 3)).",
    "schema_spec": "Write the Order schema as hint(2, 3) shows: item a non-empty string, quantity an integer from 1 to {max}, both required.",
    "raise_max": "Change the Order model's maximum to {max} (step 6, hint(6)), then make it live (step 7).",
    "plan_settings": "Write the plan as the spec says (hint(5, 3)).",
    "answer": "Compare the part of the template that makes {what} with hint({step}, 3).",
}

UI = {
    "heading_nudge": "Step {step} — hint 1 of 3: what to do",
    "heading_docs": "Step {step} — hint 2 of 3: where it is documented",
    "heading_call": "Step {step} — hint 3 of 3: the YAML",
    "more_docs": "hint({step}, 2) names the documentation.",
    "more_call": "hint({step}, 3) shows the YAML.",
    "more_check": "Then run the check: check_lab07(lab, orders).",
    "todo": "{nudge} (hint({step}) repeats this; hint({step}, 2) names the documentation; hint({step}, 3) shows the YAML)",
}

_TABLES = {
    "criteria": CRITERIA,
    "done": DONE,
    "expected": EXPECTED,
    "got": GOT,
    "why": WHY,
    "fix": FIX,
    "ui": UI,
}


class _Values(dict):  # type: ignore[type-arg]
    """A field with no value stays as written, rather than raise."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(where: str, /, **values: Any) -> str:
    """The text at ``where`` (``"why.no_methods"``), filled with ``values``."""
    table, _, key = where.partition(".")
    template = _TABLES[table][key]
    return string.Formatter().vformat(template, (), _Values(values))
