"""Reports for caseworkers and operators: Excel workbooks and summary e-mails."""

from rpa_core.reporting.excel import Sheet, write_workbook
from rpa_core.reporting.mail import (
    MailNotSentError,
    MailSettings,
    PersonalDataInMailError,
    mail_settings_from,
    send_mail,
)

__all__ = [
    "MailNotSentError",
    "MailSettings",
    "PersonalDataInMailError",
    "Sheet",
    "mail_settings_from",
    "send_mail",
    "write_workbook",
]
