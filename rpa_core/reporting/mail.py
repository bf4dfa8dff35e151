"""Summary e-mails to a team's mailbox over SMTP. A mail never carries a CPR number: one in the subject or
body is refused, not masked silently, because a mail that needed a CPR was written wrong.

The connection is plain (``none``), upgraded with ``starttls`` (usually port 587) or TLS from the first byte
(``ssl``, usually port 465). Certificates are verified with the system's trusted CAs, plus a municipality's own
CA file when one is given. A login is only sent over an encrypted connection, and the password never appears in
an error message.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from email.message import EmailMessage
from typing import Any

from rpa_core.errors import ConfigError
from rpa_core.privacy import contains_cpr, register_secret

SECURITY_MODES = ("none", "starttls", "ssl")


class PersonalDataInMailError(ValueError):
    """The mail's subject or body holds a CPR number in clear."""


class MailNotSentError(RuntimeError):
    """The SMTP server could not be reached or refused the mail."""


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes and how: SMTP host and port, sender, security mode, an optional login, CA file, timeout.

    ``security`` is one of ``none``, ``starttls``, ``ssl``; ``ca_file`` names a PEM file of CA certificates trusted
    besides the system's; ``timeout`` is in seconds, for connecting and for each answer of the server.
    """

    host: str
    port: int = 25
    sender: str = "robot@localhost"
    security: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ConfigError(
                f"smtp_security: '{self.security}' is not a security mode; use one of {', '.join(SECURITY_MODES)}"
            )
        if not self.timeout > 0:
            raise ConfigError(f"smtp_timeout: must be a number of seconds above 0, got {self.timeout}")
        if self.username and self.security == "none":
            raise ConfigError(
                "smtp_security: a login needs starttls or ssl; with none the password would cross the network "
                "unencrypted"
            )

    def tls_context(self) -> ssl.SSLContext:
        """The context that verifies the server's certificate (and host name): system CAs plus ``ca_file``."""
        context = ssl.create_default_context()
        if self.ca_file:
            try:
                context.load_verify_locations(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    f"smtp_ca_file: cannot read '{self.ca_file}' as PEM CA certificates ({exc})"
                ) from None
        return context


# A robot's setting -> MailSettings' field; every robot (and the RunKeywords library) names them so.
SETTING_NAMES = {
    "smtp_host": "host",
    "smtp_port": "port",
    "mail_sender": "sender",
    "smtp_security": "security",
    "smtp_ca_file": "ca_file",
    "smtp_timeout": "timeout",
}
DEFAULT_HOST = "localhost"


def mail_settings_from(
    values: Mapping[str, Any], *, login: Callable[[str], tuple[str, str]] | None = None
) -> MailSettings:
    """The mail settings in a robot's settings values (``smtp_host``, ``smtp_port``, ``mail_sender``,
    ``smtp_security``, ``smtp_credential``, ``smtp_ca_file``, ``smtp_timeout``); one missing (or None) takes
    MailSettings' default, ``smtp_host`` ``localhost``, and an empty ``smtp_ca_file`` means none.

    A non-empty ``smtp_credential`` names the vault secret with the login: ``login(name)`` returns its
    ``(username, password)``, read now (the caller does the vault lookup, so only the name need be kept). The
    password is registered as a secret, so ``mask_text`` hides it wherever it would be written.
    """
    defaults = {f.name: f.default for f in fields(MailSettings)}
    given = {key: values.get(name) for name, key in SETTING_NAMES.items()}
    given = {key: value for key, value in given.items() if value is not None}
    given.setdefault("host", DEFAULT_HOST)
    given["ca_file"] = given.get("ca_file") or None
    for key, kind, what in (("port", int, "a port number"), ("timeout", float, "a number of seconds above 0")):
        try:
            given[key] = kind(given.get(key, defaults[key]))
        except (TypeError, ValueError):
            raise ConfigError(f"smtp_{key}: must be {what}, got {given[key]!r}") from None
    credential = str(values.get("smtp_credential") or "").strip()
    username = password = None
    if credential:
        if login is None:
            raise ValueError(f"smtp_credential names the vault secret '{credential}', but no login lookup was given")
        username, password = login(credential)
        register_secret(password)
        missing = [key for key, value in (("username", username), ("password", password)) if not value]
        if missing:
            raise ConfigError(
                f"smtp_credential: the vault secret '{credential}' lacks {' and '.join(missing)}; add them to the vault"
            )
    return MailSettings(username=username, password=password, **given)


def build_message(sender: str, to: Sequence[str], subject: str, body: str) -> EmailMessage:
    """The message, after checking it holds no CPR number (run ids are never CPR-shaped: runner.records)."""
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
    """Send a plain-text mail; returns the message sent.

    A server that cannot be reached, does not answer within the timeout, is not trusted, or refuses the login or
    the mail raises MailNotSentError with what it answered and what to check; never with the password.
    """
    message = build_message(settings.sender, to, subject, body)
    context = settings.tls_context() if settings.security != "none" else None
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        if smtp is not None:
            smtp.close()  # no QUIT: a server that did not answer would be waited for a second time
        raise MailNotSentError(_not_sent(settings, to, exc)) from None
    _say_goodbye(smtp)
    return message


def _say_goodbye(smtp: smtplib.SMTP) -> None:
    """QUIT and close; the mail is accepted, so a server that hangs up first changes nothing."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        smtp.close()


def _not_sent(settings: MailSettings, to: Sequence[str], exc: BaseException) -> str:
    """What went wrong and what to check, in one line, with the password (should a server echo it) blanked."""
    answer = " ".join(_answer(exc).split())
    if settings.password:
        answer = answer.replace(settings.password, "***")
    where = f"SMTP server {settings.host}:{settings.port}"
    # smtplib turns a read that timed out into SMTPServerDisconnected, with the TimeoutError as its context
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        what = f"{where} did not answer within {settings.timeout:g} s"
        hint = "check smtp_host and smtp_port, or raise smtp_timeout"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        what = f"{where} answered with a certificate that is not trusted ('{answer}')"
        hint = "if the mail server's certificate comes from the municipality's own CA, set smtp_ca_file to its PEM file"
    elif isinstance(exc, ssl.SSLError):
        what = f"{where} answered '{answer}' to the TLS handshake"
        hint = (
            "smtp_security = ssl needs a port with TLS from the first byte (usually 465); "
            "for a port that upgrades (usually 587) use starttls"
        )
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in answer.upper():
        what = f"{where} answered '{answer}'"
        hint = "the server offers no STARTTLS on this port: check smtp_port, or use smtp_security = ssl"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        what = f"{where} refused the login of '{settings.username}' ('{answer}')"
        hint = "check the username and password of the vault secret that smtp_credential names"
    elif isinstance(exc, smtplib.SMTPNotSupportedError) and settings.username:
        what = f"{where} answered '{answer}'"
        hint = "the server takes no login on this connection: check smtp_security, or leave smtp_credential empty"
    elif isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 530:
        what = f"{where} answered '{answer}'"
        hint = (
            "the server wants encryption first: set smtp_security = starttls (or ssl), and smtp_credential if it "
            "takes a login"
            if settings.security == "none" and "TLS" in answer.upper()
            else "the server wants a login: set smtp_credential to the vault secret with its username and password"
        )
    else:
        what = f"{where} answered '{answer}'"
        hint = "check the mail settings (smtp_host, smtp_port, smtp_security, smtp_credential)"
    return f"the mail to {', '.join(to)} was not sent: {what}; {hint}"


def _answer(exc: BaseException) -> str:
    """The server's reply as ``code text`` (smtplib's own str() is a tuple of bytes)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for rcpt, (code, text) in exc.recipients.items()
        )
    return str(exc)
