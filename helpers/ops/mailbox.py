"""E-mail as SNS sends it, kept in-process so a notebook can read what an on-call engineer
would find in their inbox (moto target only; on AWS the mail goes to a real inbox).

An ``email`` (or ``email-json``) subscription starts *pending*: SNS mails a confirmation
with a token, and nothing is delivered until ``sns.confirm_subscription(TopicArn=...,
Token=...)`` — what clicking the link does. Then each notification arrives as an
:class:`Email`: the message (CloudWatch alarms send their text form to e-mail), and SNS's
footer with the unsubscribe link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SENDER = "AWS Notifications <no-reply@sns.amazonaws.com>"


@dataclass(frozen=True, slots=True)
class Email:
    sender: str
    to: str
    subject: str
    body: str
    date: dt.datetime

    def __str__(self) -> str:
        return (
            f"From: {self.sender}\nTo: {self.to}\n"
            f"Date: {self.date:%a, %d %b %Y %H:%M:%S} +0000\nSubject: {self.subject}\n\n{self.body}"
        )


class Mailboxes:
    """Every address's mail, oldest first."""

    def __init__(self) -> None:
        self._boxes: dict[str, list[Email]] = {}

    def deliver(self, email: Email) -> None:
        self._boxes.setdefault(email.to.lower(), []).append(email)

    def of(self, address: str) -> list[Email]:
        return list(self._boxes.get(address.lower(), []))

    def clear(self) -> None:
        self._boxes.clear()


MAILBOXES = Mailboxes()
