"""The runner's own masking: it registers the robot's declared credentials before it copies a step's console
and masks its output.xml, so even text that bypasses Robot Framework's listener is masked."""

from __future__ import annotations

from rpa_core.packaging import load_robot
from rpa_core.privacy import mask_text
from rpa_core.privacy.registry import REGISTRY
from rpa_core.runner import Runner
from rpa_core.runner.process import StepContext, register_credentials, robot_environment
from rpa_core.store import open_store

PASSWORD = "Runner-Kender-Koden-7"

MANIFEST = """\
[robot]
name = "secret-test"
version = "1.0.0"

[[credentials]]
name = "ydelse"
keys = ["password"]

[[credentials]]
name = "not_in_the_vault"
keys = ["api_key"]

[privacy]
name_fields = ["borger"]

[[steps]]
name = "main"
tasks = "tasks/main.robot"
"""
SUITE = """\
*** Settings ***
Library    RPA.Robocorp.Vault
Library    leak.py

*** Tasks ***
Leak Past The Listener
    ${secret}    Get Secret    ydelse
    Write To Raw Console    ${secret}[password]
"""
LIBRARY = """\
import sys

def write_to_raw_console(value):
    sys.__stdout__.write(f"raw console: {value}\\n")
    sys.__stdout__.flush()
"""


def _robot(tmp_path):
    folder = tmp_path / "robot"
    (folder / "tasks").mkdir(parents=True)
    (folder / "robot.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "tasks" / "main.robot").write_text(SUITE, encoding="utf-8")
    (folder / "leak.py").write_text(LIBRARY, encoding="utf-8")
    return load_robot(folder)


def _context(tmp_path):
    return StepContext(store_url="sqlite:///x.db", run_id="r", worker_id="w", output_dir=tmp_path / "out")


def test_declared_credentials_are_registered_and_a_missing_one_is_fine(tmp_path, monkeypatch):
    REGISTRY.clear()
    monkeypatch.setenv("RPA_SECRET_YDELSE__PASSWORD", PASSWORD)
    monkeypatch.setenv("RPA_SECRETS_FILE", str(tmp_path / "none.toml"))
    robot = _robot(tmp_path)
    assert register_credentials(robot) >= 1
    assert mask_text(f"pw={PASSWORD}") == "pw=***"
    env = robot_environment(robot, robot.manifest.steps[0], _context(tmp_path))
    assert env["RPA_PRIVACY_NAME_FIELDS"] == "borger" and PASSWORD not in " ".join(
        env.get(k, "") for k in env if not k.startswith("RPA_SECRET_")
    )
    REGISTRY.clear()


def test_a_secret_written_past_robot_framework_is_masked_in_console_log_and_output(tmp_path, monkeypatch):
    REGISTRY.clear()
    monkeypatch.setenv("RPA_SECRET_YDELSE__PASSWORD", PASSWORD)
    monkeypatch.setenv("RPA_SECRETS_FILE", str(tmp_path / "none.toml"))
    store = open_store(f"sqlite:///{(tmp_path / 'store.db').as_posix()}")
    try:
        result = Runner(store, _robot(tmp_path), runs_dir=tmp_path / "runs", preflight=False).run()
    finally:
        store.close()
        REGISTRY.clear()
    console = next(result.artifacts_dir.rglob("console.log")).read_text(encoding="utf-8")
    assert "raw console: ***" in console, console
    for path in result.artifacts_dir.rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), path.name
