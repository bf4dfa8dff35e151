"""``rpa sandbox serve`` and ``rpa sandbox generate``: real server process, clear one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest
from typer.testing import CliRunner

from rpa_core.cli import sandbox_cmd
from rpa_core.errors import UserError
from rpa_core.privacy import contains_cpr

SERVE = [sys.executable, "-u", "-c", "from rpa_core.cli.sandbox_cmd import app; app()", "serve"]


def test_serve_prints_urls_and_logins_and_serves_without_logging_a_cpr() -> None:
    proc = subprocess.Popen(
        [*SERVE, "--port", "0", "--citizens", "5", "--seed", "4", "--faults", "dialog_rate=0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Press Ctrl+C" in line or not line:
                break
        text = "".join(lines)
        assert "login: robot / ydelse-demo" in text and "X-API-Key: sandbox-demo-key" in text
        assert "'dialog_rate': 0.1" in text
        base = re.search(r"(http://127\.0\.0\.1:\d+)/ydelse/", text).group(1)
        for _ in range(100):
            try:
                if httpx.get(base + "/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        assert httpx.get(base + "/ydelse/login").status_code == 200
        assert httpx.get(base + "/admin/expected").status_code == 404  # no admin without --admin
        c = httpx.Client(base_url=base)
        c.post("/indkomst/login", data={"username": "robot", "password": "indkomst-demo"})
        cpr = "010180-1234"
        c.get(f"/indkomst/opslag?cpr={cpr}")
        c.post("/indkomst/opslag", data={"cpr": cpr, "month": "2024-10"})
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    logs = text + out + err  # uvicorn's access log goes to stdout, its other logs to stderr
    assert "GET /indkomst/opslag?cpr=010180-XXXX" in logs
    assert not contains_cpr(logs)


def test_generate_writes_the_workbook_and_the_expected_outcomes(tmp_path: Path) -> None:
    result = CliRunner().invoke(sandbox_cmd.app, ["generate", str(tmp_path), "--citizens", "30", "--seed", "9",
                                                  "--share", "NO_WAGE=0.2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    assert expected["payment_month"] == "2024-11" and expected["income_month"] == "2024-10"
    assert len(expected["outcomes"]) == 30
    assert sum(o["reason"] == "NO_WAGE" for o in expected["outcomes"]) == 6
    ws = openpyxl.load_workbook(tmp_path / "stamdata.xlsx").active
    assert [c.value for c in ws[1]][:2] == ["CPR-nr.", "Sagsnummer"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "{tmp}", "--month", "2024-13"], "is not a month"),
        (["generate", "{tmp}", "--citizens", "-1"], "citizens must be between 1 and 10000"),
        (["generate", "{tmp}", "--share", "NOPE=0.1"], "unknown scenario NOPE"),
        (["generate", "{tmp}", "--share", "NO_WAGE"], "SCENARIO=FRACTION"),
        (["generate", "{tmp}", "--rates", "{tmp}/missing.toml"], "cannot be read"),
        (["serve", "--faults", "nope=1"], "unknown fault 'nope'"),
        (["serve", "--faults", "error_rate=2"], "between 0 and 1"),
        (["serve", "--port", "70000"], "between 0 and 65535"),
    ],
)
def test_bad_input_is_one_clear_line(args: list[str], message: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(sandbox_cmd.app, args)
    assert isinstance(result.exception, UserError), result.output
    assert message in str(result.exception)
    # through the console script: exit code 2 and one line on stderr, no traceback
    proc = subprocess.run([sys.executable, "-c", "from rpa_core.cli.main import main; main()", "sandbox", *args],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and message in proc.stderr and "Traceback" not in proc.stderr


def test_every_command_has_help_with_an_example() -> None:
    for command in ("serve", "generate"):
        result = CliRunner().invoke(sandbox_cmd.app, [command, "--help"])
        assert result.exit_code == 0 and "Example: rpa sandbox " + command in result.output
