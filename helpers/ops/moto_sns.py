"""SNS deliveries moto skips or fakes (moto 5.2.5), for alarm notifications.

- ``email`` / ``email-json`` subscriptions: pending until confirmed with the token SNS
  mails (``confirm_subscription``), then each message lands in the in-process mailbox
  (:mod:`helpers.ops.mailbox`); moto delivers nothing and confirms everything.
- ``lambda`` subscriptions: the function gets the event SNS really sends (the
  subscription's ARN, the topic, the message's id, attributes and time on the lab clock);
  moto sends a canned one (``"TopicArn": "arn:aws:sns:EXAMPLE"``, a 1970 timestamp, test
  attributes). The function runs inline, where AWS would invoke it asynchronously.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from .mailbox import MAILBOXES, SENDER, Email

EMAIL_PROTOCOLS = ("email", "email-json")
#: [unc] the confirmation mail's text, as SNS writes it
CONFIRMATION_SUBJECT = "AWS Notification - Subscription Confirmation"
FOOTER = (
    "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or "
    "visit the link below to unsubscribe:\n{unsubscribe}\n\nPlease do not reply directly to "
    "this email. If you have any questions or comments regarding this email, please contact "
    "us at https://aws.amazon.com/support"
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _region(arn: str) -> str:
    return arn.split(":")[3]


def install() -> None:
    from moto.sns.models import SNSBackend, Subscription
    from moto.sns.responses import SNSResponse

    _email(SNSBackend, SNSResponse)
    _deliveries(Subscription)


def _email(backend_class: Any, response_class: Any) -> None:
    from moto.moto_api._internal import mock_random

    original_subscribe = backend_class.subscribe

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = original_subscribe(self, topic_arn, endpoint, protocol)
        if protocol in EMAIL_PROTOCOLS and existing is None:
            token = "".join(f"{mock_random.getrandbits(32):08x}" for _ in range(8))
            subscription.apigw_lab_token = token
            subscription.attributes["PendingConfirmation"] = "true"
            subscription.attributes["ConfirmationWasAuthenticated"] = "false"
            region = _region(topic_arn)
            link = (
                f"https://sns.{region}.amazonaws.com/confirmation.html?TopicArn={topic_arn}"
                f"&Token={token}&Endpoint={quote(endpoint)}"
            )
            topic_name = topic_arn.split(":")[-1]
            MAILBOXES.deliver(
                Email(
                    SENDER,
                    endpoint,
                    CONFIRMATION_SUBJECT,
                    f"You have chosen to subscribe to the topic: \n{topic_arn}\n\n"
                    "To confirm this subscription, click or visit the link below (If this "
                    f"was in error no action is necessary): \nConfirm subscription\n{link}\n\n"
                    "Please do not reply directly to this email. If you wish to remove "
                    "yourself from receiving all future SNS subscription confirmation "
                    f"requests please send an email to sns-opt-out ({topic_name})",
                    _now(),
                )
            )
        return subscription

    subscribe.__doc__ = original_subscribe.__doc__
    backend_class.subscribe = subscribe

    original_subscribe_response = response_class.subscribe

    def subscribe_response(self: Any) -> Any:
        from moto.core.responses import ActionResult

        result = original_subscribe_response(self)
        arn = result.result.get("SubscriptionArn") if isinstance(result, ActionResult) else None
        subscription = self.backend.subscriptions.get(arn) if arn else None
        if subscription is not None and _pending(subscription):
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return result

    response_class.subscribe = subscribe_response

    def confirm_subscription(self: Any) -> Any:
        from moto.core.responses import ActionResult
        from moto.sns.exceptions import SNSInvalidParameter, SNSNotFoundError

        topic_arn = self._get_param("TopicArn")
        token = self._get_param("Token")
        if topic_arn not in self.backend.topics:
            raise SNSNotFoundError("Topic does not exist")
        for subscription in self.backend.subscriptions.values():
            if (
                subscription.topic.arn == topic_arn
                and getattr(subscription, "apigw_lab_token", None) == token
            ):
                subscription.attributes["PendingConfirmation"] = "false"
                subscription.attributes["ConfirmationWasAuthenticated"] = "false"
                subscription.confirmed = True
                return ActionResult({"SubscriptionArn": subscription.arn})
        if any(getattr(s, "apigw_lab_token", None) for s in self.backend.subscriptions.values()):
            raise SNSInvalidParameter("Invalid parameter: Token")
        # a subscription moto confirmed itself (not e-mail): as before
        return ActionResult({"SubscriptionArn": f"{topic_arn}:confirmed"})

    response_class.confirm_subscription = confirm_subscription


def _pending(subscription: Any) -> bool:
    return str(subscription.attributes.get("PendingConfirmation")).lower() == "true"


def _deliveries(subscription_class: Any) -> None:
    original_publish = subscription_class.publish

    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol not in EMAIL_PROTOCOLS and self.protocol != "lambda":
            return original_publish(
                self,
                message,
                message_id,
                subject=subject,
                message_attributes=message_attributes,
                group_id=group_id,
                deduplication_id=deduplication_id,
                message_structure=message_structure,
            )
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        if self.protocol == "lambda":
            return _to_lambda(self, message, message_id, subject, message_attributes)
        if _pending(self):
            return None  # nothing reaches an unconfirmed address
        region = _region(self.topic.arn)
        unsubscribe = (
            f"https://sns.{region}.amazonaws.com/unsubscribe.html?SubscriptionArn={self.arn}"
            f"&Endpoint={quote(self.endpoint)}"
        )
        if self.protocol == "email":
            body = message + FOOTER.format(unsubscribe=unsubscribe)
        else:  # email-json: the same JSON document SQS and HTTP subscribers get
            body = json.dumps(
                {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": self.topic.arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": _stamp(_now()),
                    "UnsubscribeURL": unsubscribe,
                },
                indent=2,
            )
        MAILBOXES.deliver(
            Email(SENDER, self.endpoint, subject or "AWS Notification Message", body, _now())
        )
        return None

    subscription_class.publish = publish


def _to_lambda(
    subscription: Any,
    message: str,
    message_id: str,
    subject: str | None,
    attributes: dict[str, Any] | None,
) -> None:
    from moto.awslambda.utils import get_backend

    arn = subscription.endpoint
    parts = arn.split(":")
    region = parts[3]
    qualifier = parts[7] if len(parts) == 8 else None
    name = parts[6] if len(parts) >= 7 else arn
    topic = subscription.topic.arn
    event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription.arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": _stamp(_now()),
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                    "SimpleNotificationService-0000000000000000000000.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
                    f"&SubscriptionArn={subscription.arn}",
                    "MessageAttributes": {
                        key: {"Type": value.get("Type"), "Value": value.get("Value")}
                        for key, value in (attributes or {}).items()
                    },
                },
            }
        ]
    }
    fn = get_backend(parts[4], region)._lambdas.get_function_by_name_or_arn_with_qualifier(
        name, qualifier
    )
    fn.invoke(json.dumps(event), {}, {})
