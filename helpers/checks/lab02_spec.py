"""Lab 02's spec as data (the ``feedback`` API). What the check says — hints and the boto3
calls they quote — is in the lab's message catalogue (``helpers/messages/<lang>/lab02.toml``)."""

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
