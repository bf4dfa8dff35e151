"""The fleksløn robot checks a profile's values before any step runs: one message naming every bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROBOT_DIR
from flexloen.settings import check_settings

from rpa_core.packaging import load_robot, resolve_settings


def resolved(*overrides: str) -> dict:
    robot = load_robot(ROBOT_DIR)
    return resolve_settings(robot, profile="skanderborg", environ={}, overrides=overrides, check=False).values


def test_the_robot_defaults_and_skanderborgs_profile_are_valid():
    assert check_settings(resolve_settings(load_robot(ROBOT_DIR), environ={}, check=False).values) == []
    assert check_settings(resolved()) == []
    assert check_settings(resolved("change_threshold=", "payment_month=2024-11", "mailbox=")) == []
    assert check_settings(resolved("smtp_security=starttls", "smtp_credential=smtp", "smtp_timeout=10")) == []


@pytest.mark.parametrize(
    ("override", "setting", "words"),
    [
        ("ydelse_url=127.0.0.1:8400/ydelse", "ydelse_url", "http://"),
        ("esdh_mode=soap", "esdh_mode", "api, web"),
        ("unit= ", "unit", "not be empty"),
        ("payment_month=2024-13", "payment_month", "YYYY-MM"),
        ("payment_month=november", "payment_month", "YYYY-MM"),
        ('master_data_columns={"lonloft": "Lønloft"}', "master_data_columns", "unknown key(s) lonloft"),
        ('master_data_columns={"cpr": ""}', "master_data_columns", "heading of cpr"),
        ("change_threshold=25", "change_threshold", "at most 1"),
        ("change_threshold=25%", "change_threshold", "like 0.25"),
        ("change_threshold=0", "change_threshold", "above 0"),
        ('rates={"2026": {"max": "20000.00", "threshold": "16500.00"}}', "rates", "source"),
        ('rates={"2026": {"max": "15000.00", "threshold": "16500.00", "source": "STAR"}}', "rates", "2026"),
        ("spot_check_share=1.5", "spot_check_share", "from 0 to 1"),
        ("mailbox=fleksjob-team", "mailbox", "e-mail address"),
        ("smtp_port=0", "smtp_port", "1 to 65535"),
        ("smtp_security=tls", "smtp_security", "none, starttls, ssl"),
        ("smtp_credential=smtp", "smtp_credential", "needs smtp_security starttls or ssl"),
        ("smtp_credential=SMTP Login", "smtp_credential", "vault secret's name"),
        ("smtp_ca_file=no-such-ca.pem", "smtp_ca_file", "existing PEM file"),
        ("smtp_timeout=0", "smtp_timeout", "above 0"),
    ],
)
def test_each_bad_value_is_named_with_what_is_allowed(override, setting, words):
    problems = check_settings(resolved(override))
    assert [name for name, _ in problems] == [setting], problems
    assert words in problems[0][1]


BAD = ("--set", "change_threshold=25", "--set", "payment_month=2024-13")


def test_rpa_run_refuses_bad_settings_before_anything_runs(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "run", str(ROBOT_DIR), "--profile", "skanderborg", *BAD],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    assert "2 settings not valid" in result.stderr
    assert "change_threshold = '25' (command line --set)" in result.stderr
    assert "payment_month = '2024-13' (command line --set)" in result.stderr
    assert not (tmp_path / "runs").exists() and not (tmp_path / ".rpa").exists(), "nothing may start or be stored"
