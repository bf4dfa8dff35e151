"""The consumer killed mid-item: the next run finishes that item without a second approval or journal note."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROBOT_DIR

from rpa_core.queue import list_items
from rpa_core.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def start_run(robot_dir, sandbox, workdir, store_url) -> subprocess.Popen:
    stamdata = sandbox.stamdata(workdir / "stamdata.xlsx")
    command = [
        sys.executable, "-m", "rpa_core.cli.main", "run", str(robot_dir), "--profile", "skanderborg",
        "--store", store_url, "--runs-dir", str(workdir / "runs"),
        "--set", f"ydelse_url={sandbox.base_url}/ydelse", "--set", f"indkomst_url={sandbox.base_url}/indkomst",
        "--set", f"esdh_url={sandbox.base_url}/esdh", "--set", f"payment_month={sandbox.payment_month}",
        "--set", f"master_data_workbook={stamdata}", "--set", f"report_folder={workdir / 'reports'}",
        "--set", "mailbox=",
    ]  # fmt: skip
    env = {
        **os.environ,
        "RPA_SECRET_YDELSE__USERNAME": sandbox.logins["ydelse"][0],
        "RPA_SECRET_YDELSE__PASSWORD": sandbox.logins["ydelse"][1],
        "RPA_SECRET_INDKOMST__API_KEY": sandbox.api_key,
        "RPA_SECRET_ESDH__API_KEY": sandbox.api_key,
    }
    return subprocess.Popen(command, env=env, cwd=workdir, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


def test_killed_consumer_resumes_without_writing_twice(sandbox_factory, tmp_path, sqlite_url):
    sandbox = sandbox_factory(citizens=12, faults="latency_ms=150")  # slow enough to be caught mid-item
    robot = tmp_path / "flexloen"
    shutil.copytree(ROBOT_DIR, robot, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = robot / "robot.toml"
    manifest.write_text(manifest.read_text().replace("lease_seconds = 300", "lease_seconds = 3"))
    store = open_store(sqlite_url)

    first = start_run(robot, sandbox, tmp_path, sqlite_url)
    deadline = time.monotonic() + 120
    caught = None
    while caught is None:
        assert first.poll() is None, first.stdout.read().decode()[-3000:]
        assert time.monotonic() < deadline, "never caught an item mid-way"
        for item in list_items(store, queue="flexloen", states=["IN_PROGRESS"]):
            progress = item.payload.get("progress", {})
            if progress.get("registering") and not progress.get("noted"):
                caught = item
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()

    sandbox.clear_faults()  # the latency was there to catch an item mid-way; the resumed run needs none
    second = start_run(robot, sandbox, tmp_path, sqlite_url)
    output = second.communicate(timeout=300)[0].decode()
    assert second.returncode == 0, output[-3000:]

    writes = [(e["action"], e["object_id"]) for e in sandbox.audit() if e["result"] == "ok"]
    pid = caught.payload["payment_id"]
    assert writes.count(("approve", pid)) == 1
    assert writes.count(("register_income", pid)) == 1
    assert writes.count(("add_note", sandbox.outcomes()[pid]["case_number"])) == 1
    assert len(writes) == len(set(writes)), "no write happened twice for any payment or case"
    assert sandbox.payments()[pid]["status"] == "APPROVED"
    assert sandbox.payments()[pid]["registration"] == sandbox.outcomes()[pid]["registration"]
