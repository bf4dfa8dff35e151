"""Work queue throughput: create, and claim+release, on SQLite and PostgreSQL with 1 and 4 worker processes.

Prints a table of items per second and a column counting items claimed more than once (must be 0), and the
ratio of each figure to the single-worker SQLite baseline measured in the same run.
Targets (issue 2): >= 1,000 claim+release/s on SQLite with 1 worker, >= 600 on PostgreSQL with 4.

    python benchmarks/queue_throughput.py [--items 2000] [--postgres URL | --no-postgres]

Also usable as the worker process itself (``--worker``), which the concurrency test uses.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

DEFAULT_PG = os.environ.get("RPA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def work(store_url: str, queue_name: str, out_path: str, start_at: float) -> None:
    """Claim and release DONE until the queue is empty; write each claimed id to ``out_path``."""
    from rpa_core.queue import Outcome, WorkQueue
    from rpa_core.store import open_store

    store = open_store(store_url, migrate=False)
    queue = WorkQueue(store, queue_name)
    worker = f"bench-{os.getpid()}"
    claimed: list[int] = []
    time.sleep(max(0.0, start_at - time.time()))
    while True:
        item = queue.claim(worker)
        if item is None:
            break
        queue.release(item.id, worker, Outcome.DONE)
        claimed.append(item.id)
    Path(out_path).write_text("\n".join(map(str, claimed)) + "\n", encoding="utf-8")


def run_workers(store_url: str, queue_name: str, workers: int, tmp: Path) -> tuple[float, list[int]]:
    """Start ``workers`` processes together; returns (seconds from start signal to last exit, all claimed ids)."""
    start_at = time.time() + 2.0  # time for every process to import and connect before the clock starts
    outputs = [tmp / f"{queue_name}-{i}.txt" for i in range(workers)]
    procs = [
        subprocess.Popen([sys.executable, __file__, "--worker", store_url, queue_name, str(out), str(start_at)])
        for out in outputs
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"worker process failed with exit code {proc.returncode}")
    elapsed = time.time() - start_at
    ids = [int(line) for out in outputs for line in out.read_text().split()]
    return elapsed, ids


def measure(store_url: str, items: int, workers: int, tmp: Path) -> dict:
    from rpa_core.queue import WorkQueue
    from rpa_core.store import open_store

    store = open_store(store_url)
    queue_name = f"bench-{uuid.uuid4().hex[:8]}"
    queue = WorkQueue(store, queue_name)
    started = time.perf_counter()
    queue.create_many((f"ref-{i}", {"i": i}) for i in range(items))
    create_rate = items / (time.perf_counter() - started)
    elapsed, ids = run_workers(store_url, queue_name, workers, tmp)
    twice = sum(1 for _, n in Counter(ids).items() if n > 1)
    store.close()
    return {
        "create": create_rate,
        "claim": len(ids) / elapsed,
        "claimed": len(set(ids)),
        "twice": twice,
    }


def _postgres_ok(url: str) -> bool:
    try:
        from rpa_core.store import open_store

        open_store(url, migrate=False).close()
        return True
    except Exception as exc:
        print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL (default: %(default)s)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        backends = [("SQLite", f"sqlite:///{(tmp / 'bench.db').as_posix()}")]
        if not args.no_postgres and _postgres_ok(args.postgres):
            backends.append(("PostgreSQL", args.postgres))
        rows = []
        for label, url in backends:
            for workers in (1, 4):
                result = measure(url, args.items, workers, tmp)
                rows.append((label, workers, result))
    baseline = rows[0][2]["claim"]
    print(f"\nqueue throughput, {args.items} items per cell (ratio: claim+release vs SQLite 1 worker)")
    print(f"{'store':<11} {'workers':>7} {'create/s':>10} {'claim+release/s':>16} {'ratio':>6} {'claimed twice':>14}")
    for label, workers, r in rows:
        print(
            f"{label:<11} {workers:>7} {r['create']:>10.0f} {r['claim']:>16.0f} "
            f"{r['claim'] / baseline:>6.2f} {r['twice']:>14}"
        )
        if r["claimed"] != args.items:
            print(f"  !! {label} x{workers}: {r['claimed']} distinct items claimed of {args.items}")
    print("targets: SQLite 1 worker >= 1000/s, PostgreSQL 4 workers >= 600/s, claimed twice = 0")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        work(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        main()
