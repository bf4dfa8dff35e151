"""A step that cannot start says why on the console, and charges no work item an attempt."""

import os
import subprocess
import sys
from pathlib import Path

from rpa_core.packaging import load_robot
from rpa_core.queue import WorkQueue, list_items
from rpa_core.runner import Runner, RunStatus
from rpa_core.runner.artifacts import first_failure
from rpa_core.runner.progress import ConsoleObserver
from rpa_core.runner.records import list_steps

REASON = "Cannot read the master data: add a [stamdata] sheet to stamdata.xlsx"


def test_a_failed_suite_setup_leaves_every_item_pending_and_names_the_reason(store, tmp_path, capsys):
    WorkQueue(store, "setup_fails").create_many((f"item-{i}", {}) for i in range(4))
    robot = load_robot(Path(__file__).parent / "robots" / "setup_fails")
    result = Runner(store, robot, runs_dir=tmp_path / "runs", observer=ConsoleObserver()).run()

    assert result.status is RunStatus.FAILED and result.exit_code == 1
    items = list_items(store, queue="setup_fails")
    assert [(i.state.value, i.attempts) for i in items] == [("PENDING", 0)] * 4, "no item pays for the step's fault"
    console = " ".join(capsys.readouterr().err.split())
    assert f"worker process FAILED (exit code 1, 0 items): Parent suite setup failed: {REASON}" in console
    processes = list_steps(store, result.run_id)
    assert processes and all(p.status == "FAILED" and p.exit_code == 1 for p in processes)
    assert all(p.message == f"Parent suite setup failed: {REASON}" for p in processes)
    shown = subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "runs", "show", result.run_id, "--store", store.url_string()],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert f"consumer failed: Parent suite setup failed: {REASON}" in shown.stdout, shown.stdout

    listing = subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "runs", "ls", "--store", store.url_string()],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert listing.returncode == 0, listing.stderr
    assert "Items (done/manual/error/open)" in listing.stdout
    assert "0/0/0/0" in listing.stdout, "the run created and worked no item"


def test_first_failure_reads_the_first_failed_task_masked_and_tolerates_broken_files(tmp_path):
    output = tmp_path / "output.xml"
    output.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><robot><suite name="s">'
        '<test name="ok"><status status="PASS"/></test>'
        '<test name="bad"><kw name="Fail"><status status="FAIL">inner</status></kw>'
        '<status status="FAIL">Borger 010190-1234:\n  no wage</status></test>'
        '<status status="FAIL"/></suite></robot>',
        encoding="utf-8",
    )
    assert first_failure(output) == "Borger 010190-XXXX: no wage"
    assert first_failure(output, limit=10) == "Borger ..."
    output.write_text("<robot><suite><test><status status='FA", encoding="utf-8")
    assert first_failure(output) is None
    assert first_failure(tmp_path / "missing.xml") is None
