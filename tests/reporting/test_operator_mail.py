"""The operator's mail about a failed, stopped or missed scheduled run: one mail over the robot's SMTP settings
(STARTTLS and a login from the vault), to the profile's operator_mail, without CPR numbers, secrets or names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mail_login import PASSWORD, USERNAME

from rpa_core.errors import ConfigError
from rpa_core.privacy import register_name
from rpa_core.reporting import MailNotSentError, mail_settings_from
from rpa_core.scheduler.notify import Notice, NoticeKind, compose, operator_address, send_notice
from rpa_core.vault import login_of

DUE = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)  # 02:30 in Copenhagen (winter time)
RUN_ID = "20261202-023000-a1b2c3"


def notice(what: NoticeKind = NoticeKind.FAILED, **changes) -> Notice:
    given = {
        "robot": "flexloen",
        "profile": "skanderborg",
        "schedule": "nightly",
        "due_at": DUE,
        "what": what,
        "message": "max_duration 3h exceeded",
        "run_id": RUN_ID,
        "artifacts_dir": f"/srv/rpa/runs/{RUN_ID}",
        "host": "rpa01",
        **changes,
    }
    return Notice(**given)


def values(port: int, tls_files, **extra) -> dict:
    """A robot's settings values as flexloen's robot.toml names them."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "mail_sender": "robot@kommune.example",
        "smtp_security": "starttls",
        "smtp_credential": "smtp",
        "smtp_ca_file": str(tls_files.ca_file),
        "smtp_timeout": 10.0,
        **extra,
    }


def login(name: str) -> tuple[str, str]:
    assert name == "smtp"
    return USERNAME, PASSWORD


def body_of(message) -> str:
    return message.get_payload(decode=True).decode()


def subject_of(message) -> str:
    return " ".join(str(message["Subject"]).split())


def test_a_failed_run_is_mailed_once_over_starttls_with_the_login(starttls_server, tls_files):
    settings = mail_settings_from(values(starttls_server.port, tls_files), login=login)
    send_notice(notice(), to="drift@kommune.example", settings=settings)
    (message,) = starttls_server.received
    assert subject_of(message) == "[rpa] flexloen/skanderborg nightly FAILED (due 2026-12-02 02:30 +01:00)"
    assert message["To"] == "drift@kommune.example"
    assert starttls_server.logins == [(USERNAME, True)]
    body = body_of(message)
    assert "max_duration 3h exceeded" in body and f"rpa runs show {RUN_ID}" in body
    assert f"/srv/rpa/runs/{RUN_ID}" in body and "rpa01" in body


def test_cpr_numbers_and_names_in_the_message_arrive_masked(starttls_server, tls_files):
    register_name("Anna Hansen")
    settings = mail_settings_from(values(starttls_server.port, tls_files), login=login)
    send_notice(notice(message="CPR 010190-1234 Anna Hansen failed"), to=["drift@kommune.example"], settings=settings)
    (message,) = starttls_server.received
    body = body_of(message)
    assert "010190-1234" not in body and "Anna Hansen" not in body
    assert "010190-XXXX [navn] failed" in body
    assert PASSWORD not in body


def test_several_operators_get_one_mail(starttls_server, tls_files):
    to = operator_address({"operator_mail": ["drift@kommune.example", "vagt@kommune.example"]})
    settings = mail_settings_from(values(starttls_server.port, tls_files), login=login)
    send_notice(notice(NoticeKind.STOPPED, message="stopped by rpa runs stop"), to=to, settings=settings)
    (message,) = starttls_server.received
    assert message["X-RcptTo"] == "drift@kommune.example, vagt@kommune.example"
    assert "STOPPED" in subject_of(message) and "was stopped" in body_of(message)


def test_the_run_id_is_mailed_as_it_is(starttls_server, tls_files):
    from rpa_core.runner.records import new_run_id

    run_id = new_run_id()  # never CPR-shaped, so never masked nor refused
    settings = mail_settings_from(values(starttls_server.port, tls_files), login=login)
    send_notice(notice(run_id=run_id, artifacts_dir=f"runs/{run_id}"), to="drift@kommune.example", settings=settings)
    (message,) = starttls_server.received
    assert f"rpa runs show {run_id}" in body_of(message)


def test_a_missed_run_says_no_scheduler_was_running():
    subject, body = compose(notice(NoticeKind.MISSED, message=None, run_id=None, artifacts_dir=None, profile=None))
    assert subject == "[rpa] flexloen nightly MISSED (due 2026-12-02 02:30 +01:00)"
    assert "no scheduler was running at the due time" in body and "rpa runs show" not in body


def test_summer_time_is_shown_with_its_offset():
    subject, _ = compose(notice(due_at=datetime(2026, 6, 1, 0, 30, tzinfo=UTC)))
    assert subject.endswith("(due 2026-06-01 02:30 +02:00)")


def test_a_naive_due_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        notice(due_at=datetime(2026, 12, 2, 2, 30))


def test_mail_settings_from_reads_the_login_through_the_callable(tls_files):
    asked = []
    settings = mail_settings_from(values(587, tls_files), login=lambda name: asked.append(name) or login(name))
    assert asked == ["smtp"]
    assert (settings.host, settings.port, settings.sender, settings.security) == (
        "127.0.0.1",
        587,
        "robot@kommune.example",
        "starttls",
    )
    assert (settings.username, settings.password, settings.timeout) == (USERNAME, PASSWORD, 10.0)


def test_mail_settings_from_takes_the_defaults_and_needs_no_login_without_a_credential():
    settings = mail_settings_from({"smtp_ca_file": "", "smtp_credential": " "})
    assert (settings.host, settings.port, settings.sender, settings.security) == (
        "localhost",
        25,
        "robot@localhost",
        "none",
    )
    assert settings.username is None and settings.ca_file is None and settings.timeout == 30.0


def test_a_wrong_login_is_a_clear_error(starttls_server, tls_files):
    with pytest.raises(ConfigError, match=r"^smtp_credential: the vault secret 'smtp' lacks password; add them"):
        mail_settings_from(values(starttls_server.port, tls_files), login=lambda name: (USERNAME, ""))
    with pytest.raises(ValueError, match="no login lookup"):
        mail_settings_from(values(starttls_server.port, tls_files))
    wrong = mail_settings_from(values(starttls_server.port, tls_files), login=lambda name: (USERNAME, "forkert!"))
    with pytest.raises(MailNotSentError, match=rf"refused the login of '{USERNAME}'") as failure:
        send_notice(notice(), to="drift@kommune.example", settings=wrong)
    assert "forkert!" not in str(failure.value) and starttls_server.received == []


def test_login_of_reads_the_secret_named_by_smtp_credential(monkeypatch, tmp_path):
    monkeypatch.setenv("RPA_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("RPA_STORE_URL", f"sqlite:///{(tmp_path / 'rpa.db').as_posix()}")
    monkeypatch.setenv("RPA_SECRET_SMTP__USERNAME", USERNAME)
    with pytest.raises(ConfigError, match="lacks password"):
        mail_settings_from({"smtp_security": "starttls", "smtp_credential": "smtp"}, login=login_of)
    monkeypatch.setenv("RPA_SECRET_SMTP__PASSWORD", PASSWORD)
    settings = mail_settings_from({"smtp_security": "starttls", "smtp_credential": "smtp"}, login=login_of)
    assert (settings.username, settings.password) == (USERNAME, PASSWORD)


def test_a_port_that_is_not_a_number_names_the_setting():
    with pytest.raises(ConfigError, match=r"^smtp_port: must be a port number, got 'fem'"):
        mail_settings_from({"smtp_port": "fem"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"operator_mail": "drift@kommune.example"}, "drift@kommune.example"),
        ({"operator_mail": ["a@kommune.example", " b@kommune.example "]}, "a@kommune.example, b@kommune.example"),
        ({"municipality": "Skanderborg Kommune"}, None),
        ({"operator_mail": ""}, None),
    ],
)
def test_operator_address_takes_one_address_or_a_list(given, expected):
    assert operator_address(given) == expected


@pytest.mark.parametrize("wrong", [42, "drift", ["a@kommune.example", 7], "a@kommune.example, b@kommune.example"])
def test_operator_address_refuses_anything_else(wrong):
    with pytest.raises(ConfigError, match=r"^profile\.operator_mail: .* use one address .* or a list"):
        operator_address({"operator_mail": wrong})
