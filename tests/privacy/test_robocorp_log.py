"""CPR numbers are masked in robocorp.log's files of a Python task step: in the process and afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from robocorp.log import iter_decoded_log_format_from_log_html

from rpa_core.privacy import contains_cpr
from rpa_core.privacy.robocorp_log import mask_log_files
from rpa_core.runner.process import ROBOCORP_TASKS

TASKS = """
from robocorp.tasks import task


def look_up(number):
    return f"citizen {number}"


@task
def boom():
    cpr = "010190-1234"
    found = look_up(cpr)
    print("working on", found)
    raise ValueError(f"no wage for {cpr}")
"""


def _run(folder: Path, module: str = "robocorp.tasks") -> subprocess.CompletedProcess:
    (folder / "tasks.py").write_text(TASKS, encoding="utf-8")
    command = [sys.executable, "-m", module, "run", "tasks.py", "-t", "boom", "--output-dir", "out"]
    env = {**os.environ, "ROBOT_ROOT": str(folder)}
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False)


def _log_text(out: Path) -> str:
    html = json.dumps(list(iter_decoded_log_format_from_log_html(out / "log.html")), ensure_ascii=False)
    return html + "".join(p.read_text(encoding="utf-8") for p in out.glob("*.robolog"))


def test_a_python_steps_log_holds_masked_cpr_numbers_only(tmp_path: Path) -> None:
    result = _run(tmp_path, ROBOCORP_TASKS)
    assert result.returncode == 1, result.stdout + result.stderr
    out = tmp_path / "out"
    before = _log_text(out)
    assert "'010190-XXXX'" in before  # the variable's value, masked in the process
    assert contains_cpr(before)  # the exception's text does not pass robocorp.log's redacter

    mask_log_files(out)

    text = _log_text(out)
    assert not contains_cpr(text)
    assert "010190-XXXX" in text  # the variable, the argument, the return value and the exception, masked
    assert "no wage for 010190-XXXX" in text


def test_under_plain_robocorp_tasks_the_variables_are_in_clear_and_the_pass_after_masks_them(tmp_path: Path) -> None:
    _run(tmp_path)
    out = tmp_path / "out"
    assert "010190-1234" in _log_text(out)

    mask_log_files(out)

    assert not contains_cpr(_log_text(out))
