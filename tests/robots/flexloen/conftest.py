"""Put robots/flexloen on sys.path, as the runner does, so ``import flexloen`` finds the robot's package; run it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROBOT_DIR = Path(__file__).resolve().parents[3] / "robots" / "flexloen"

if str(ROBOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROBOT_DIR))


def run_flexloen(sandbox, workdir: Path, store, *overrides: str, observer=None):
    """Run robots/flexloen with Skanderborg's profile against ``sandbox``, with its logins in the vault."""
    import os

    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.runner import Runner

    workdir.mkdir(parents=True, exist_ok=True)
    stamdata = sandbox.stamdata(workdir / "stamdata.xlsx")
    robot = load_robot(ROBOT_DIR)
    settings = resolve_settings(
        robot,
        profile="skanderborg",
        environ={},
        overrides=[
            f"ydelse_url={sandbox.base_url}/ydelse",
            f"indkomst_url={sandbox.base_url}/indkomst",
            f"esdh_url={sandbox.base_url}/esdh",
            f"payment_month={sandbox.payment_month}",
            f"master_data_workbook={stamdata}",
            f"report_folder={workdir / 'reports'}",
            "mailbox=",
            *overrides,
        ],
    )
    secrets = {
        "RPA_SECRET_YDELSE__USERNAME": sandbox.logins["ydelse"][0],
        "RPA_SECRET_YDELSE__PASSWORD": sandbox.logins["ydelse"][1],
        "RPA_SECRET_INDKOMST__API_KEY": sandbox.api_key,
        "RPA_SECRET_ESDH__API_KEY": sandbox.api_key,
        "RPA_SECRETS_FILE": str(workdir / "no-secrets.toml"),
    }
    saved = {key: os.environ.get(key) for key in secrets}
    os.environ.update(secrets)
    try:
        # The pre-flight check (parse and dry run) has tests of its own (tests/runner/test_preflight.py); these
        # runs test the robot, and skip its second or so per run.
        runner = Runner(store, robot, runs_dir=workdir / "runs", settings=settings, observer=observer, preflight=False)
        return runner.run()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def store(sqlite_url):
    """The embedded store, as the demo and a single robot machine use it (these runs need no PostgreSQL twin)."""
    from rpa_core.store import open_store

    opened = open_store(sqlite_url)
    yield opened
    opened.close()
