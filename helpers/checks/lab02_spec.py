"""Lab 02's spec as data (the ``feedback`` API), and the boto3 calls its hints quote."""

from __future__ import annotations

NAME = "feedback"
STAGE = "v1"
QUEUE = "feedback"
ROLE = "apigw-lab-02-feedback-sqs"
ORIGIN = "https://feedback.example"
MODEL = "Feedback"
ALLOW_METHODS = ("POST", "OPTIONS")
ALLOW_HEADERS = ("Content-Type",)

#: what the check posts: valid feedback, then each way of getting it wrong with the
#: model rule that should refuse it
VALID = {"email": "check@feedback.example", "message": "Sent by the lab 02 check.", "rating": 5}
INVALID: tuple[tuple[str, dict[str, object], str], ...] = (
    ("missing email", {"message": "Who sent this?"}, "required"),
    ("empty message", {"email": "ada@feedback.example", "message": ""}, "minLength"),
    ("email without @", {"email": "ada.feedback.example", "message": "Hi"}, "pattern"),
    ("rating 9", {"email": "ada@feedback.example", "message": "Great", "rating": 9}, "maximum"),
    (
        "an extra field",
        {"email": "ada@feedback.example", "message": "Hi", "name": "Ada"},
        "additionalProperties",
    ),
)
#: SQS answers the error mapping must turn into 500 {"status": "error"}
SQS_ERRORS = ("400", "403", "404", "500", "503")
#: what the role must not be able to do (besides sqs:SendMessage on the feedback queue)
FORBIDDEN = (
    ("sqs:ReceiveMessage", "queue"),
    ("sqs:DeleteMessage", "queue"),
    ("sqs:PurgeQueue", "queue"),
    ("sqs:DeleteQueue", "queue"),
    ("sqs:SendMessage", "other queue"),
)

# ---------------------------------------------------------------------------- hint texts

DEPLOY = f'apigateway.create_deployment(restApiId=api_id, stageName="{STAGE}")'
REDEPLOY = f'create_deployment(restApiId=api_id, stageName="{STAGE}")'
URI = 'uri=f"arn:aws:apigateway:{region}:sqs:path/{account_id}/feedback"'
CONTENT_TYPE = (
    'requestParameters={"integration.request.header.Content-Type": '
    "\"'application/x-www-form-urlencoded'\"}"
)
REQUEST_TEMPLATE = (
    'requestTemplates={"application/json": '
    '"Action=SendMessage&MessageBody=$util.urlEncode($input.body)"}'
)
QUEUED_TEMPLATE = (
    'responseTemplates={"application/json": \'{"status": "queued", "id": '
    "\"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')\"}'}"
)
ERROR_MAPPING = (
    'apigateway.put_method_response(..., httpMethod="POST", statusCode="500", ...), then\n'
    'apigateway.put_integration_response(..., httpMethod="POST", statusCode="500",\n'
    '    selectionPattern=r"[45]\\d{2}", responseTemplates={"application/json": '
    '\'{"status": "error"}\'})'
)
TRUST = (
    'iam.update_assume_role_policy(RoleName=..., PolicyDocument=json.dumps({"Version": '
    '"2012-10-17",\n    "Statement": [{"Effect": "Allow", "Principal": {"Service": '
    '"apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))'
)
SEND_POLICY = (
    'iam.put_role_policy(RoleName="apigw-lab-02-feedback-sqs", PolicyName="send-feedback",\n'
    '    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n'
    '    "Action": "sqs:SendMessage", "Resource": queue_arn}]}))'
)
VALIDATOR = (
    'validator_id = apigateway.create_request_validator(restApiId=api_id, name="body",\n'
    '    validateRequestBody=True, validateRequestParameters=False)["id"]\n'
    'then put_method(..., requestValidatorId=validator_id, requestModels={"application/json": '
    '"Feedback"}),\nand deploy again.'
)
ORIGIN_ON_POST = (
    'put_method_response(..., httpMethod="POST", statusCode="200",\n'
    '    responseParameters={"method.response.header.Access-Control-Allow-Origin": False}), and\n'
    'put_integration_response(..., httpMethod="POST", statusCode="200", ...,\n'
    '    responseParameters={"method.response.header.Access-Control-Allow-Origin": '
    "\"'https://feedback.example'\"}); then deploy again."
)
ORIGIN_ON_4XX = (
    'apigateway.put_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX",\n'
    '    responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": '
    "\"'https://feedback.example'\"}); then deploy again."
)
PREFLIGHT = (
    'OPTIONS /feedback: put_method(..., httpMethod="OPTIONS", authorizationType="NONE"), a MOCK\n'
    "integration, put_method_response declaring the three method.response.header."
    "Access-Control-Allow-* headers,\nand put_integration_response mapping them to "
    "'https://feedback.example', 'POST,OPTIONS' and 'Content-Type'."
)
#: the model rule each invalid body breaks → the line of the spec's schema to add
RULES = {
    "required": '"required": ["email", "message"]',
    "minLength": '"message": {"type": "string", "minLength": 1, "maxLength": 500}',
    "pattern": '"email": {"type": "string", "pattern": "^[^@]+@[^@]+$"}',
    "maximum": '"rating": {"type": "integer", "minimum": 1, "maximum": 5}',
    "additionalProperties": '"additionalProperties": false',
}
