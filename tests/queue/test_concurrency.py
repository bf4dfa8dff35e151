"""Four worker processes share one queue of 2,000 items: each item is processed exactly once."""

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rpa_core.queue import WorkQueue
from rpa_core.store.models import item_attempts

WORKER = Path(__file__).resolve().parents[2] / "benchmarks" / "queue_throughput.py"
ITEMS = 2000
WORKERS = 4


@pytest.mark.slow
def test_four_processes_claim_each_item_exactly_once(store, store_url, tmp_path):
    queue = WorkQueue(store, "shared")
    queue.create_many((f"ref-{i}", {"i": i}) for i in range(ITEMS))
    start_at = time.time() + 2.0  # all processes start claiming together
    outputs = [tmp_path / f"worker-{n}.txt" for n in range(WORKERS)]
    procs = [
        subprocess.Popen([sys.executable, str(WORKER), "--worker", store_url, "shared", str(out), str(start_at)])
        for out in outputs
    ]
    assert [p.wait(timeout=240) for p in procs] == [0] * WORKERS

    claimed = [int(line) for out in outputs for line in out.read_text().split()]
    per_item = Counter(claimed)
    assert len(per_item) == ITEMS, "every item was claimed"
    assert max(per_item.values()) == 1, "no item was claimed twice"
    assert sum(1 for out in outputs if out.read_text().split()) >= 2, "the work was shared"
    assert queue.counts() == {"DONE": ITEMS}
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(item_attempts)).scalar() == ITEMS
