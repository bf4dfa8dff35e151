"""A worker killed with SIGKILL mid-item: after its lease expires another worker finishes the item once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpa_core.queue import ItemState, WorkQueue, get_item, item_history

SLOW_ROBOT = Path(__file__).parent / "robots" / "slow"


def _worker(store_url: str, tmp_path: Path, done_file: Path, sleep: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "rpa_core.cli.main", "worker", str(SLOW_ROBOT),
        "--store", store_url, "--runs-dir", str(tmp_path / "runs"),
        "-v", f"SLEEP:{sleep}", "-v", f"DONE_FILE:{done_file}",
    ]  # fmt: skip
    return subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_killed_worker_item_is_finished_once_by_the_next(store, store_url, tmp_path):
    queue = WorkQueue(store, "slow")
    item, _ = queue.create("slow:1", {"reference": "slow:1"})
    done_file = tmp_path / "done.txt"

    first = _worker(store_url, tmp_path, done_file, sleep=120)
    deadline = time.monotonic() + 60
    while get_item(store, item.id).state is not ItemState.IN_PROGRESS:
        assert first.poll() is None, first.stdout.read().decode()
        assert time.monotonic() < deadline, "the first worker never claimed the item"
        time.sleep(0.2)
    time.sleep(1.0)  # mid-item, and a heartbeat or two have renewed the lease
    os.killpg(first.pid, signal.SIGKILL)  # the runner and its Robot Framework child, without warning
    first.wait()
    assert get_item(store, item.id).state is ItemState.IN_PROGRESS, "a killed worker releases nothing"

    second = _worker(store_url, tmp_path, done_file, sleep=0)
    output = second.communicate(timeout=120)[0].decode()
    assert second.returncode == 0, output

    assert get_item(store, item.id).state is ItemState.DONE
    outcomes = [a.outcome for a in item_history(store, item.id).attempts]
    assert outcomes == ["LEASE_EXPIRED", "DONE"]
    assert done_file.read_text().split() == ["slow:1"], "the item's work was done exactly once"
