"""The AWS documentation pages the course cites, in one place: a key, the page's title and
its URL.

Notebooks and lab hints cite a page by its title and URL, never an internal note. API
Gateway Developer Guide pages are keyed by their page name (the URL's last part), so
``page("http-api-stages")`` is *Working with stages for HTTP APIs*,
``https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html``;
pages of other guides have a short key with the service first (``cognito:token-endpoint``);
a CloudFormation resource type's reference page is ``cfn:`` and the type
(``cfn:AWS::ApiGateway::Deployment``).

- :func:`page` → :class:`Page` (``title``, ``url``; ``str()`` is "title — url");
- :func:`markdown` → ``[title](url)`` for a markdown cell.

A test checks that every key a lab catalogue or a notebook helper names is here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLOUDFORMATION", "DEVELOPER_GUIDE", "PAGES", "Page", "markdown", "page"]

DEVELOPER_GUIDE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/{}.html"

#: API Gateway Developer Guide page name → title
_DEVELOPER_GUIDE_PAGES = {
    "welcome": "What is Amazon API Gateway?",
    "http-api-vs-rest": "Choosing between REST APIs and HTTP APIs",
    "limits": "Amazon API Gateway quotas and important notes",
    "api-gateway-execution-service-limits-table": (
        "API Gateway quotas for configuring and running a REST API"
    ),
    "http-api-quotas": "Quotas for configuring and running an HTTP API",
    "apigateway-execution-service-websocket-limits-table": (
        "API Gateway quotas for configuring and running a WebSocket API"
    ),
    "api-gateway-known-issues": "Amazon API Gateway important notes",
    "api-gateway-api-endpoint-types": "Choose an endpoint type to set up for an API Gateway API",
    "how-to-custom-domains-prerequisites": "Getting certificates ready in AWS Certificate Manager",
    "how-to-create-api": "Creating a REST API in Amazon API Gateway",
    "how-to-method-settings": "Set up REST API methods in API Gateway",
    "api-gateway-method-settings-method-response": "Set up method responses in API Gateway",
    "set-up-lambda-proxy-integrations": "Set up Lambda proxy integrations in API Gateway",
    "api-gateway-create-api-as-simple-proxy-for-lambda": (
        "Tutorial: Build a Hello World REST API with Lambda proxy integration"
    ),
    "api-gateway-set-up-simple-proxy": "Set up a proxy integration with a proxy resource",
    "set-up-deployments": "Deploy a REST API in API Gateway",
    "how-to-deploy-api": "Deploying a REST API in Amazon API Gateway",
    "set-up-stages": "Setting up a stage for a REST API",
    "stage-variables": "Setting up stage variables for a REST API deployment",
    "amazon-api-gateway-using-stage-variables": "Using Amazon API Gateway stage variables",
    "http-api-stages": "Working with stages for HTTP APIs",
    "canary-release": "Set up an API Gateway canary release deployment",
    "create-canary-deployment": "Create a canary release deployment",
    "promote-canary-deployment": "Promote a canary release",
    "delete-canary-deployment": "Turn off a canary release",
    "how-to-custom-domains": "Custom domain name for public REST APIs in API Gateway",
    "dns-failover": "Configure custom health checks for DNS failover for an API Gateway API",
    "http-api-develop-routes": "Working with routes for HTTP APIs",
    "http-api-develop-integrations-lambda": (
        "Working with AWS Lambda proxy integrations for HTTP APIs"
    ),
    "how-to-mock-integration": "Set up mock integrations in API Gateway",
    "api-gateway-integration-settings-integration-response": (
        "Set up an integration response in API Gateway"
    ),
    "handle-errors-in-lambda-integration": "Handle Lambda errors in API Gateway",
    "integration-passthrough-behaviors": "Integration passthrough behaviors",
    "set-up-lambda-integration-async": (
        "Set up asynchronous invocation of the backend Lambda function"
    ),
    "api-gateway-mapping-template-reference": (
        "API Gateway mapping template and access logging variable reference"
    ),
    "apigateway-override-request-response-parameters": (
        "Use a mapping template to override an API's request and response parameters and "
        "status codes"
    ),
    "request-response-data-mappings": (
        "Amazon API Gateway API request and response data mapping reference"
    ),
    "getting-started-aws-proxy": "Tutorial: Build an API Gateway REST API with AWS integration",
    "api-gateway-method-request-validation": "Enable request validation in API Gateway",
    "api-gateway-gatewayResponse-definition": "Gateway responses in API Gateway",
    "supported-gateway-response-types": "Gateway response types",
    "how-to-cors": "Enabling CORS for a REST API resource",
    "http-api-cors": "Configuring CORS for an HTTP API",
    "apigateway-resource-policies": (
        "Controlling access to an API with API Gateway resource policies"
    ),
    "api-gateway-control-access-using-iam-policies-to-invoke-api": (
        "Control access for invoking an API"
    ),
    "apigateway-use-lambda-authorizer": "Use API Gateway Lambda authorizers",
    "configure-api-gateway-lambda-authorization-with-console": (
        "Configure a Lambda authorizer using the API Gateway console"
    ),
    "api-gateway-lambda-authorizer-input": "Input to an Amazon API Gateway Lambda authorizer",
    "api-gateway-lambda-authorizer-output": "Output from an Amazon API Gateway Lambda authorizer",
    "apigateway-integrate-with-cognito": (
        "Control access to a REST API using Amazon Cognito user pools as authorizer"
    ),
    "apigateway-enable-cognito-user-pool": (
        "Integrate a REST API with an Amazon Cognito user pool"
    ),
    "http-api-jwt-authorizer": "Controlling access to HTTP APIs with JWT authorizers",
    "http-api-lambda-authorizer": "Working with AWS Lambda authorizers for HTTP APIs",
    "api-gateway-api-usage-plans": "Creating and using usage plans with API keys",
    "api-gateway-create-usage-plans": "Steps to configure a usage plan",
    "api-gateway-create-usage-plans-with-rest-api": (
        "Create, configure, and test usage plans using the API Gateway CLI and REST API"
    ),
    "api-gateway-api-key-source": "Choose an API key source",
    "api-gateway-request-throttling": "Throttle API requests for better throughput",
    "http-api-throttling": "Throttling requests to your HTTP API",
    "api-gateway-caching": "Enabling API caching to enhance responsiveness",
    "api-gateway-metrics-and-dimensions": "Amazon API Gateway dimensions and metrics",
    "http-api-metrics": "Monitor CloudWatch metrics for HTTP APIs in API Gateway",
    "apigateway-websocket-api-logging": "Monitor WebSocket API execution with CloudWatch metrics",
    "set-up-logging": "Set up CloudWatch logging for REST APIs in API Gateway",
    "http-api-logging": "Configure logging for HTTP APIs in API Gateway",
    "apigateway-xray": "Trace user requests to REST APIs using X-Ray in API Gateway",
    "cloudtrail": "Logging Amazon API Gateway API calls using AWS CloudTrail",
    "apigateway-websocket-api-overview": "About WebSocket APIs in API Gateway",
    "websocket-api-develop-routes": "Working with routes for WebSocket APIs",
    "apigateway-websocket-api-selection-expressions": (
        "WebSocket selection expressions in API Gateway"
    ),
    "apigateway-websocket-api-route-keys-connect-disconnect": (
        "Managing connected users and client apps: $connect and $disconnect routes"
    ),
    "apigateway-websocket-api-routes-integrations": (
        "Invoking your backend integration: $default Route and custom routes"
    ),
    "apigateway-websocket-api-route-response": (
        "Set up route responses for a WebSocket API in API Gateway"
    ),
    "apigateway-how-to-call-websocket-api-connections": (
        "Use @connections commands in your backend service"
    ),
    "apigateway-websocket-control-access-iam": "Using IAM authorization",
    "apigateway-websocket-api-lambda-auth": "Creating a Lambda REQUEST authorizer function",
    "websocket-api-chat-app": (
        "Tutorial: Building a serverless chat app with a WebSocket API, Lambda and DynamoDB"
    ),
}

CLOUDFORMATION = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/{}.html"

#: CloudFormation resource types the course's templates use → their reference page
_CLOUDFORMATION_PAGES = {
    "AWS::ApiGateway::RestApi": "aws-resource-apigateway-restapi",
    "AWS::ApiGateway::Resource": "aws-resource-apigateway-resource",
    "AWS::ApiGateway::Model": "aws-resource-apigateway-model",
    "AWS::ApiGateway::RequestValidator": "aws-resource-apigateway-requestvalidator",
    "AWS::ApiGateway::Method": "aws-resource-apigateway-method",
    "AWS::ApiGateway::Deployment": "aws-resource-apigateway-deployment",
    "AWS::ApiGateway::Stage": "aws-resource-apigateway-stage",
    "AWS::ApiGateway::ApiKey": "aws-resource-apigateway-apikey",
    "AWS::ApiGateway::UsagePlan": "aws-resource-apigateway-usageplan",
    "AWS::ApiGateway::UsagePlanKey": "aws-resource-apigateway-usageplankey",
    "AWS::ApiGateway::Authorizer": "aws-resource-apigateway-authorizer",
    "AWS::Lambda::Permission": "aws-resource-lambda-permission",
}

#: pages of other guides: key → (title, URL)
_OTHER_PAGES = {
    "api:CreateAuthorizer": (
        "CreateAuthorizer (API Gateway API Reference)",
        "https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html",
    ),
    "api:CreateStage-v2": (
        "CreateStage (API Gateway V2 API Reference)",
        "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages.html",
    ),
    "lambda:resource-based-policies": (
        "Viewing resource-based IAM policies in Lambda",
        "https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html",
    ),
    "lambda:CreateFunction": (
        "CreateFunction (AWS Lambda API Reference)",
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    ),
    "lambda:AddPermission": (
        "AddPermission (AWS Lambda API Reference)",
        "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html",
    ),
    "lambda:versions": (
        "Manage Lambda function versions",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html",
    ),
    "lambda:aliases": (
        "Create an alias for a Lambda function",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html",
    ),
    "lambda:python-handler": (
        "Define Lambda function handler in Python",
        "https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html",
    ),
    "lambda:async-invocation": (
        "Asynchronous invocation",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html",
    ),
    "pricing": (
        "Amazon API Gateway pricing",
        "https://aws.amazon.com/api-gateway/pricing/",
    ),
    "cloudwatch:alarms": (
        "Using Amazon CloudWatch alarms",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
    ),
    "logs:json-filter-patterns": (
        "Using filter patterns to match terms in JSON log events",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
        "matching-terms-json-log-events.html",
    ),
    "kc:api-gateway-504-errors": (
        "How do I troubleshoot HTTP 504 errors from my API Gateway REST API? (AWS re:Post "
        "Knowledge Center)",
        "https://repost.aws/knowledge-center/api-gateway-504-errors",
    ),
    "iam:sigv4": (
        "AWS Signature Version 4 for API requests",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html",
    ),
    "iam:roles-for-services": (
        "Create a role to delegate permissions to an AWS service",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html",
    ),
    "sts:assume-role": (
        "AssumeRole (AWS STS API Reference)",
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
    ),
    "cognito:resource-servers": (
        "Scopes, M2M, and APIs with resource servers",
        "https://docs.aws.amazon.com/cognito/latest/developerguide/"
        "cognito-user-pools-define-resource-servers.html",
    ),
    "cognito:token-endpoint": (
        "The token issuer endpoint",
        "https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html",
    ),
    "cognito:tokens": (
        "Understanding user pool JSON web tokens (JWTs)",
        "https://docs.aws.amazon.com/cognito/latest/developerguide/"
        "amazon-cognito-user-pools-using-tokens-with-identity-providers.html",
    ),
    "cognito:CreateUserPoolClient": (
        "CreateUserPoolClient (Amazon Cognito API Reference)",
        "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
        "API_CreateUserPoolClient.html",
    ),
    "cognito:GetUser": (
        "GetUser (Amazon Cognito API Reference)",
        "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
        "API_GetUser.html",
    ),
    "dynamodb:gsi": (
        "Using Global Secondary Indexes in DynamoDB",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html",
    ),
    "dynamodb:query": (
        "Query (Amazon DynamoDB API Reference)",
        "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html",
    ),
    "dynamodb:ttl": (
        "Using time to live (TTL) in DynamoDB",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html",
    ),
    "sqs:SendMessage": (
        "SendMessage (Amazon SQS API Reference)",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/"
        "API_SendMessage.html",
    ),
    **{
        f"cfn:{name}": (name, CLOUDFORMATION.format(page))
        for name, page in _CLOUDFORMATION_PAGES.items()
    },
    "cfn:DependsOn": (
        "DependsOn attribute",
        CLOUDFORMATION.format("aws-attribute-dependson"),
    ),
    "cfn:update-behaviors": (
        "Understand update behaviors of stack resources",
        CLOUDFORMATION.format("using-cfn-updating-stacks-update-behaviors"),
    ),
    "sam:AWS::Serverless::Api": (
        "AWS::Serverless::Api",
        "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
        "sam-resource-api.html",
    ),
    "json-schema:draft-04": (
        "JSON Schema draft 4 (validation)",
        "https://datatracker.ietf.org/doc/html/draft-fge-json-schema-validation-00",
    ),
}


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    title: str
    url: str

    def __str__(self) -> str:
        return f"{self.title} — {self.url}"

    def markdown(self) -> str:
        return f"[{self.title}]({self.url})"

    def in_language(self, lang: str) -> Page:
        """The page as AWS serves it in ``lang``: the documentation site's Japanese edition
        for ``ja`` (``docs.aws.amazon.com/ja_jp/...``, the same page name; its title there is
        AWS's Japanese one, so the English title stays beside the link)."""
        prefix = "https://docs.aws.amazon.com/"
        if lang == "ja" and self.url.startswith(prefix) and "/ja_jp/" not in self.url:
            return Page(self.key, self.title, f"{prefix}ja_jp/{self.url[len(prefix):]}")
        return self


#: every page the course cites, by key
PAGES: dict[str, Page] = {
    **{
        name: Page(name, title, DEVELOPER_GUIDE.format(name))
        for name, title in _DEVELOPER_GUIDE_PAGES.items()
    },
    **{key: Page(key, title, url) for key, (title, url) in _OTHER_PAGES.items()},
}


def page(key: str, lang: str | None = None) -> Page:
    """The page cited as ``key`` (KeyError, naming the key, when the course does not know it),
    linked in ``lang`` (by default the language learners read: ``APIGW_LAB_LANG``)."""
    try:
        found = PAGES[key]
    except KeyError:
        raise KeyError(f"no documentation page {key!r} in helpers.docs.PAGES") from None
    if lang is None:
        from .i18n import language

        lang = language()
    return found.in_language(lang)


def markdown(key: str) -> str:
    """``[title](url)`` for a markdown cell."""
    return page(key).markdown()
