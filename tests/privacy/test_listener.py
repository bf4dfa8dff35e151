"""The CPR listener on its own: a plain `robot --listener` run, without the runner's second masking pass."""

from __future__ import annotations

import subprocess
import sys

import pytest

SUITE = """\
*** Tasks ***
Greet Citizen
    Log    Borger 010190-1234 har fået tilskud
    Log Many    cpr=0101901234
    Run Keyword And Ignore Error    Fail    UNKNOWN_CPR: 010190-1234 findes ikke
"""


def robot(tmp_path, *listener: str) -> str:
    (tmp_path / "t.robot").write_text(SUITE, encoding="utf-8")
    output = tmp_path / "out.xml"
    command = [sys.executable, "-m", "robot", "--rpa", "--output", str(output), "--log", "NONE", "--report", "NONE"]
    subprocess.run([*command, "--console", "none", *listener, str(tmp_path / "t.robot")], check=True, timeout=60)
    return output.read_text(encoding="utf-8")


@pytest.mark.parametrize("cpr", ["010190-1234", "0101901234"])
def test_the_listener_alone_masks_messages_arguments_and_failures(tmp_path, cpr):
    assert cpr in robot(tmp_path), "the suite really writes CPR numbers without the listener"
    masked = robot(tmp_path, "--listener", "rpa_core.privacy.listener.CprMaskingListener")
    assert cpr not in masked
    assert "Borger 010190-XXXX har fået tilskud" in masked and "UNKNOWN_CPR: 010190-XXXX findes ikke" in masked
