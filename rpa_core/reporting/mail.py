"""Summary e-mails to a team's mailbox over SMTP. A mail never carries a CPR number: one in the subject or
body is refused, not masked silently, because a mail that needed a CPR was written wrong."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from rpa_core.errors import ConfigError
from rpa_core.privacy import contains_cpr


class PersonalDataInMailError(ValueError):
    """The mail's subject or body holds a CPR number in clear."""


class MailNotSentError(RuntimeError):
    """The SMTP server could not be reached or refused the mail."""


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes: SMTP host and port, sender, and whether to use STARTTLS and a login."""

    host: str
    port: int = 25
    sender: str = "robot@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


def build_message(sender: str, to: Sequence[str], subject: str, body: str) -> EmailMessage:
    """The message, after checking it holds no CPR number."""
    for part, text in (("subject", subject), ("body", body)):
        if contains_cpr(text):
            raise PersonalDataInMailError(f"the mail's {part} contains a CPR number; mails must not carry them")
    if not to:
        raise ConfigError("a mail needs at least one recipient")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_mail(settings: MailSettings, to: Sequence[str], subject: str, body: str) -> EmailMessage:
    """Send a plain-text mail; returns the message sent. Connection problems raise OSError/smtplib errors."""
    message = build_message(settings.sender, to, subject, body)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSentError(
            f"the mail to {', '.join(to)} was not sent: SMTP server {settings.host}:{settings.port} answered "
            f"'{exc}'; check the mail settings (host, port, login)"
        ) from None
    return message
