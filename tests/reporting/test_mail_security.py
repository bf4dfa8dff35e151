"""Mail to a server like a municipality's: STARTTLS or TLS, a certificate from the municipality's own CA, a login
from the vault, a timeout. The password is never in a message, a log or Robot Framework's output."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mail_login import PASSWORD, USERNAME

from rpa_core.errors import ConfigError
from rpa_core.reporting import MailNotSentError, MailSettings, send_mail

ROBOT_DIR = Path(__file__).resolve().parents[2] / "robots" / "flexloen"
TO = ["team@kommune.example"]


def settings(port: int, security: str, tls_files, **extra) -> MailSettings:
    given = {"username": USERNAME, "password": PASSWORD, "ca_file": str(tls_files.ca_file), "timeout": 10, **extra}
    return MailSettings(host="127.0.0.1", port=port, sender="robot@kommune.example", security=security, **given)


def test_starttls_with_the_right_login_delivers(starttls_server, tls_files):
    send_mail(settings(starttls_server.port, "starttls", tls_files), TO, "Fleksløn", "Rapporten ligger klar.")
    (message,) = starttls_server.received
    assert message["To"] == TO[0] and "Rapporten ligger klar." in message.get_payload()
    assert starttls_server.logins == [(USERNAME, True)]


def test_a_wrong_password_is_a_clear_error_without_the_password(starttls_server, tls_files):
    wrong = PASSWORD + "-forkert"
    with pytest.raises(MailNotSentError) as failure:
        send_mail(settings(starttls_server.port, "starttls", tls_files, password=wrong), TO, "Fleksløn", "Tekst.")
    message = str(failure.value)
    assert f"refused the login of '{USERNAME}'" in message and "535" in message
    assert "vault secret that smtp_credential names" in message
    assert wrong not in message and PASSWORD not in message and "\n" not in message
    assert PASSWORD not in repr(settings(1, "starttls", tls_files)), "the settings' repr leaves the password out"
    assert starttls_server.received == []


def test_a_server_that_requires_starttls_refuses_plain_mail_clearly(starttls_server, tls_files):
    plain = settings(starttls_server.port, "none", tls_files, username=None, password=None)
    with pytest.raises(MailNotSentError, match=r"530 .*STARTTLS.*set smtp_security = starttls"):
        send_mail(plain, TO, "Fleksløn", "Tekst.")
    assert starttls_server.received == []


def test_a_login_over_a_plain_connection_is_refused_before_connecting(tls_files):
    with pytest.raises(ConfigError, match="smtp_security: a login needs starttls or ssl"):
        settings(25, "none", tls_files)


def test_an_unknown_security_mode_names_the_setting_and_the_modes(tls_files):
    with pytest.raises(ConfigError) as failure:
        settings(25, "tls", tls_files)
    assert str(failure.value) == "smtp_security: 'tls' is not a security mode; use one of none, starttls, ssl"


def test_a_certificate_from_an_untrusted_ca_is_refused(starttls_server, tls_files):
    untrusted = settings(starttls_server.port, "starttls", tls_files, ca_file=None)
    with pytest.raises(MailNotSentError, match=r"certificate that is not trusted .*set smtp_ca_file"):
        send_mail(untrusted, TO, "Fleksløn", "Tekst.")
    assert starttls_server.logins == [], "no login is offered to a server that is not trusted"


def test_a_ca_file_that_cannot_be_read_names_the_setting(tmp_path, tls_files):
    (tmp_path / "ca.pem").write_text("not a certificate")
    broken = settings(25, "starttls", tls_files, ca_file=str(tmp_path / "ca.pem"))
    with pytest.raises(ConfigError, match=r"smtp_ca_file: cannot read '.*ca.pem' as PEM CA certificates"):
        send_mail(broken, TO, "Fleksløn", "Tekst.")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # TLS from the first byte
def test_ssl_mode_delivers_over_smtp_over_tls(ssl_server, tls_files):
    send_mail(settings(ssl_server.port, "ssl", tls_files), TO, "Fleksløn", "Over TLS.")
    (message,) = ssl_server.received
    assert "Over TLS." in message.get_payload()
    assert ssl_server.logins == [(USERNAME, True)]


def test_ssl_mode_against_a_starttls_port_says_which_mode_fits(starttls_server, tls_files):
    with pytest.raises(MailNotSentError, match=r"TLS handshake; smtp_security = ssl needs .*use starttls"):
        send_mail(settings(starttls_server.port, "ssl", tls_files), TO, "Fleksløn", "Tekst.")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_server_that_never_answers_fails_within_the_timeout(silent_server, tls_files, security):
    quiet = settings(silent_server, security, tls_files, timeout=1)
    started = time.monotonic()
    with pytest.raises(MailNotSentError, match=rf"127.0.0.1:{silent_server} did not answer within 1 s.*smtp_timeout"):
        send_mail(quiet, TO, "Fleksløn", "Tekst.")
    assert time.monotonic() - started < 5


def test_run_keywords_read_the_login_from_the_vault_only_when_mailing(starttls_server, tls_files, monkeypatch):
    from rpa_core.keywords.run import RunKeywords

    monkeypatch.setenv("RPA_SECRETS_FILE", str(tls_files.ca_file.parent / "no-secrets.toml"))
    library = RunKeywords(
        "127.0.0.1",
        starttls_server.port,
        "robot@kommune.example",
        smtp_security="starttls",
        smtp_credential="smtp",
        smtp_ca_file=str(tls_files.ca_file),
        smtp_timeout=10,
    )
    monkeypatch.setenv("RPA_SECRET_SMTP__USERNAME", USERNAME)
    with pytest.raises(ConfigError, match=r"^smtp_credential: the vault secret 'smtp' lacks password; add them"):
        library.send_report_mail(TO[0], "Fleksløn", "Tekst.")
    monkeypatch.setenv("RPA_SECRET_SMTP__PASSWORD", PASSWORD)
    library.send_report_mail(TO[0], "Fleksløn", "Tekst.")
    assert len(starttls_server.received) == 1 and starttls_server.logins == [(USERNAME, True)]
    assert PASSWORD not in repr(vars(library)), "the library keeps the secret's name, not its values"


def test_the_flexloen_reporter_mails_over_starttls_with_the_vaults_login(starttls_server, tls_files, tmp_path):
    result, run_dir = run_reporter(tmp_path, starttls_server.port, tls_files, PASSWORD)
    assert result.exit_code == 0, (result, (run_dir / "reporter" / "console.log").read_text()[-2000:])
    (message,) = starttls_server.received
    assert message["To"] == TO[0] and "Fleksløntilskud for 2024-11" in message.get_payload(decode=True).decode()
    assert starttls_server.logins == [(USERNAME, True)]
    assert_nowhere(run_dir, PASSWORD)


def test_the_flexloen_reporter_with_a_wrong_password_fails_without_showing_it(starttls_server, tls_files, tmp_path):
    wrong = "Forkert-" + PASSWORD
    result, run_dir = run_reporter(tmp_path, starttls_server.port, tls_files, wrong)
    assert result.exit_code == 1 and result.failed_steps == ["reporter"], result
    output = (run_dir / "reporter" / "output.xml").read_text(encoding="utf-8")
    assert f"refused the login of '{USERNAME}'" in output
    assert list((tmp_path / "reports").glob("fleksloen-*.xlsx")), "the workbook is written before the mail fails"
    assert starttls_server.received == [] and {login for login in starttls_server.logins} == {(USERNAME, False)}
    assert_nowhere(run_dir, wrong)


def run_reporter(workdir: Path, port: int, tls_files, password: str):
    """Only the fleksløn robot's reporter step, by the runner, with the SMTP login in the vault's file."""
    import os

    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.runner import Runner
    from rpa_core.store import open_store

    robot = load_robot(ROBOT_DIR)
    robot = robot.model_copy(update={"manifest": robot.manifest.model_copy(update={"steps": [robot.step("reporter")]})})
    secrets = workdir / ".rpa" / "secrets.toml"
    secrets.parent.mkdir(parents=True)
    secrets.write_text(f'[smtp]\nusername = "{USERNAME}"\npassword = "{password}"\n', encoding="utf-8")
    values = resolve_settings(
        robot,
        profile="skanderborg",
        environ={},
        overrides=[
            f"mailbox={TO[0]}",
            "payment_month=2024-11",
            f"report_folder={workdir / 'reports'}",
            "smtp_host=127.0.0.1",
            f"smtp_port={port}",
            "smtp_security=starttls",
            "smtp_credential=smtp",
            f"smtp_ca_file={tls_files.ca_file}",
            "smtp_timeout=10",
        ],
    )
    saved = os.environ.get("RPA_SECRETS_FILE")
    os.environ["RPA_SECRETS_FILE"] = str(secrets)
    store = open_store(f"sqlite:///{(workdir / '.rpa' / 'rpa.db').as_posix()}")
    try:
        result = Runner(store, robot, runs_dir=workdir / "runs", settings=values, preflight=False).run()
    finally:
        store.close()
        if saved is None:
            os.environ.pop("RPA_SECRETS_FILE")
        else:
            os.environ["RPA_SECRETS_FILE"] = saved
    return result, workdir / "runs" / result.run_id


def assert_nowhere(run_dir: Path, password: str) -> None:
    """The run's every file (output.xml, log.html, console.log, ...) is free of the password."""
    files = [path for path in run_dir.rglob("*") if path.is_file()]
    assert any(path.name == "output.xml" for path in files), files
    for path in files:
        assert password.encode() not in path.read_bytes(), f"the password is in {path}"
