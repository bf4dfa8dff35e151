"""Excel reports and summary mails (a real SMTP server on a localhost port)."""

import socket
from decimal import Decimal
from email.header import decode_header, make_header

import pytest
from openpyxl import load_workbook

from rpa_core.reporting import MailSettings, PersonalDataInMailError, Sheet, send_mail, write_workbook


def test_workbook_has_sheets_money_and_headings(tmp_path):
    path = write_workbook(
        tmp_path / "report" / "fleksloen.xlsx",
        [
            Sheet("Behandlet", ["CPR-nr.", "Tilskud"], [["010190-1234", Decimal("14753.31")]]),
            Sheet("Manuel behandling", ["CPR-nr.", "Årsag"], []),
        ],
    )
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Behandlet", "Manuel behandling"]
    sheet = workbook["Behandlet"]
    assert [c.value for c in sheet[1]] == ["CPR-nr.", "Tilskud"]
    assert sheet["B2"].value == pytest.approx(14753.31) and sheet["B2"].number_format == "#,##0.00"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert not list(tmp_path.glob("report/.*")), "no temporary file left behind"


def test_rows_must_fit_the_columns():
    with pytest.raises(ValueError, match="row 1 has 1 values for 2 columns"):
        Sheet("Fejl", ["a", "b"], [["only one"]])
    with pytest.raises(ValueError, match="1-31 characters"):
        Sheet("x" * 32, ["a"])


def test_mail_reaches_the_mailbox(smtp_mailbox):
    settings = MailSettings(host="127.0.0.1", port=smtp_mailbox.port, sender="robot@k.dk")
    send_mail(settings, ["team@k.dk"], "Fleksløn: 45 behandlet", "Rapporten ligger i \\\\fil\\rapporter.")
    (message,) = smtp_mailbox.received
    assert message["To"] == "team@k.dk"
    assert str(make_header(decode_header(message["Subject"]))) == "Fleksløn: 45 behandlet"
    assert "Rapporten ligger" in message.get_payload()


def test_mail_with_a_cpr_number_is_refused(smtp_mailbox):
    settings = MailSettings(host="127.0.0.1", port=smtp_mailbox.port)
    with pytest.raises(PersonalDataInMailError, match="body contains a CPR number"):
        send_mail(settings, ["team@k.dk"], "Fleksløn", "Se borger 010190-1234")
    assert smtp_mailbox.received == []


def test_unreachable_mail_server_is_a_clear_error():
    from rpa_core.reporting import MailNotSentError

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    with pytest.raises(MailNotSentError, match=rf"SMTP server 127.0.0.1:{port} answered .*check the mail settings"):
        send_mail(MailSettings(host="127.0.0.1", port=port), ["team@k.dk"], "Fleksløn", "Ingen CPR her.")
