"""Work queue throughput: create, and claim+release, on SQLite and PostgreSQL with 1 and 4 worker processes,
side by side with OpenOrchestrator 3.0 (Aarhus' orchestrator) doing the same work through its own queue calls.

Prints a table of items per second and a column counting items claimed more than once (must be 0), and the
ratio of each figure to the single-worker SQLite baseline measured in the same run; then, per cell, ours and
OpenOrchestrator's claim+release/s and their ratio. Throughput counts the distinct items a side processed
exactly once, divided by the time from the start signal to the last worker's last release; items claimed twice
are counted beside it. Targets: >= 1,000 claim+release/s on SQLite with 1 worker, >= 1,500 on PostgreSQL with 1;
ours >= 5x OpenOrchestrator in every cell; 0 claimed twice on our side.

    python benchmarks/queue_throughput.py [--items 2000] [--repeat 1] [--postgres URL | --no-postgres]
                                          [--no-openorchestrator]

OpenOrchestrator runs in a throw-away venv under the system temp folder (reused while its requirements match),
installed with pip from the package index; when that fails its arm is skipped with the reason. It gets its own
SQLite file and its own PostgreSQL schema; ours gets a fresh schema too, and both schemas are dropped at the end.
Its workers do what its robots do: OrchestratorConnection(...), then get_next_queue_element and
set_queue_element_status(DONE) until the queue is empty.

This file is also the worker process: ``--worker URL QUEUE OUT START`` (ours; the concurrency test uses it) and,
run by the OpenOrchestrator venv's Python, ``--oo-setup CONN QUEUE ITEMS`` and ``--oo-worker CONN QUEUE OUT START``.
START is a Unix time to start at, or ``-``: print ``ready``, read the start time from stdin. Nothing outside the
standard library is imported at module level, so that venv can run this file.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import venv
from collections import Counter
from pathlib import Path

DEFAULT_PG = os.environ.get("RPA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OO_REQUIREMENT = "OpenOrchestrator==3.0.0"
OO_PROCESS = "queue-benchmark"


# ------------------------------------------------------------------------------------------------ worker side
def _wait_for_start(start: str) -> None:
    """Sleep until the start time: given, or (``-``) read from stdin after saying ``ready``."""
    if start == "-":
        print("ready", flush=True)
        start_at = float(sys.stdin.readline())
    else:
        start_at = float(start)
    time.sleep(max(0.0, start_at - time.time()))


def work(store_url: str, queue_name: str, out_path: str, start: str) -> None:
    """Claim and release DONE until the queue is empty; write each claimed id to ``out_path``."""
    from rpa_core.queue import Outcome, WorkQueue
    from rpa_core.store import open_store

    store = open_store(store_url, migrate=False)
    queue = WorkQueue(store, queue_name)
    worker = f"bench-{os.getpid()}"
    claimed: list[int] = []
    _wait_for_start(start)
    while True:
        item = queue.claim(worker)
        if item is None:
            break
        queue.release(item.id, worker, Outcome.DONE)
        claimed.append(item.id)
    finished = time.time()
    Path(out_path).write_text("\n".join(map(str, claimed)) + "\n", encoding="utf-8")
    print(f"done {finished!r}", flush=True)


def oo_setup(conn_string: str, queue_name: str, items: int) -> None:
    """(OpenOrchestrator venv) Create its tables, as its own tests do, and the items with its bulk call."""
    from OpenOrchestrator.database import base, db_util
    from sqlalchemy import create_engine

    engine = create_engine(conn_string)
    base.Base.metadata.create_all(engine)
    engine.dispose()
    if not db_util.connect(conn_string):
        raise SystemExit(f"OpenOrchestrator could not connect to {conn_string}")
    references = tuple(f"ref-{i}" for i in range(items))
    data = tuple(json.dumps({"i": i}) for i in range(items))
    db_util.bulk_create_queue_elements(queue_name, references, data, created_by=OO_PROCESS)
    db_util.disconnect()


def oo_work(conn_string: str, queue_name: str, out_path: str, start: str) -> None:
    """(OpenOrchestrator venv) A robot's loop: get the next element, set it DONE, until the queue is empty."""
    from OpenOrchestrator.common import crypto_util
    from OpenOrchestrator.database.queues import QueueStatus
    from OpenOrchestrator.orchestrator_connection.connection import OrchestratorConnection

    key = crypto_util.generate_key().decode()
    connection = OrchestratorConnection(OO_PROCESS, conn_string, key, "", "", "")
    claimed: list[str] = []
    failure = ""
    _wait_for_start(start)
    try:
        while (element := connection.get_next_queue_element(queue_name)) is not None:
            connection.set_queue_element_status(str(element.id), QueueStatus.DONE)
            claimed.append(str(element.id))
    except Exception as exc:  # a robot would stop here; the benchmark reports it beside the figures
        failure = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    finished = time.time()
    Path(out_path).write_text("\n".join(claimed) + "\n", encoding="utf-8")
    print(f"done {finished!r} {failure}".rstrip(), flush=True)


# ------------------------------------------------------------------------------------------------ driver side
def run_workers(command: list[str], workers: int, tmp: Path, tag: str) -> dict:
    """Start ``workers`` processes of ``command`` (+ OUT START), wait until each is ready, start them together.

    Returns the seconds from the start signal to the last worker's last release, the ids they processed
    (one list, duplicates kept) and any failures the workers reported.
    """
    outputs = [tmp / f"{tag}-{i}.txt" for i in range(workers)]
    procs = [
        subprocess.Popen([*command, str(out), "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for out in outputs
    ]
    try:
        for proc in procs:
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit(f"a worker of {tag} failed before it was ready (exit code {proc.wait()})")
        start_at = time.time() + 0.2
        for proc in procs:
            proc.stdin.write(f"{start_at!r}\n")
            proc.stdin.close()
        finished, failures = [], []
        for proc in procs:
            _, when, *failure = proc.stdout.read().split(maxsplit=2)
            finished.append(float(when))
            failures.extend(failure)
            if proc.wait() != 0:
                raise SystemExit(f"a worker of {tag} failed with exit code {proc.returncode}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    ids = [line for out in outputs for line in out.read_text(encoding="utf-8").split()]
    return {"elapsed": max(finished) - start_at, "ids": ids, "failures": failures}


def tally(items: int, run: dict) -> dict:
    """Throughput by the honest rule: distinct items processed exactly once per second; double claims beside."""
    per_item = Counter(run["ids"])
    once = sum(1 for n in per_item.values() if n == 1)
    return {
        "claim": once / run["elapsed"],
        "claimed": len(per_item),
        "twice": sum(1 for n in per_item.values() if n > 1),
        "missing": items - len(per_item),
        "failures": run["failures"],
    }


def measure_ours(store_url: str, items: int, workers: int, tmp: Path) -> dict:
    from rpa_core.queue import WorkQueue
    from rpa_core.store import open_store

    store = open_store(store_url)
    queue_name = f"bench-{uuid.uuid4().hex[:8]}"
    queue = WorkQueue(store, queue_name)
    started = time.perf_counter()
    queue.create_many((f"ref-{i}", {"i": i}) for i in range(items))
    create_rate = items / (time.perf_counter() - started)
    store.close()
    run = run_workers([sys.executable, __file__, "--worker", store_url, queue_name], workers, tmp, queue_name)
    return {"create": create_rate, **tally(items, run)}


def measure_theirs(python: Path, conn_string: str, items: int, workers: int, tmp: Path) -> dict:
    queue_name = f"oo-{uuid.uuid4().hex[:8]}"
    subprocess.run([str(python), __file__, "--oo-setup", conn_string, queue_name, str(items)], check=True)
    run = run_workers([str(python), __file__, "--oo-worker", conn_string, queue_name], workers, tmp, queue_name)
    return tally(items, run)


def openorchestrator_python() -> tuple[Path | None, str]:
    """The Python of a venv with OpenOrchestrator installed, or (None, why not)."""
    try:
        driver = f"psycopg[binary]=={importlib.metadata.version('psycopg')}"
    except importlib.metadata.PackageNotFoundError:
        driver = "psycopg[binary]"
    requirements = [OO_REQUIREMENT, driver]
    stamp = "\n".join([*requirements, sys.version])
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:10]
    folder = Path(tempfile.gettempdir()) / f"rpa-bench-openorchestrator-{digest}"
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    marker = folder / "installed.txt"
    if marker.is_file() and marker.read_text(encoding="utf-8") == stamp and python.exists():
        return python, f"{OO_REQUIREMENT} (cached venv {folder})"
    shutil.rmtree(folder, ignore_errors=True)
    print(f"installing {OO_REQUIREMENT} into a throw-away venv {folder} ...", file=sys.stderr)
    try:
        venv.create(folder, with_pip=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements]
        done = subprocess.run(pip, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return None, f"pip install {' '.join(requirements)} failed: {lines[-1] if lines else done.returncode}"
        probe = "import OpenOrchestrator.orchestrator_connection.connection"
        check = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, timeout=120)
        if check.returncode != 0:
            return None, f"OpenOrchestrator does not import: {check.stderr.strip().splitlines()[-1]}"
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"could not make its venv: {exc}"
    marker.write_text(stamp, encoding="utf-8")
    return python, f"{OO_REQUIREMENT} (new venv {folder})"


class PostgresSchemas:
    """Fresh schemas in the benchmark's PostgreSQL (one per side), dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.plain = url.replace("postgresql+psycopg://", "postgresql://")
        self.made: list[str] = []

    def new(self, prefix: str) -> str:
        """A URL whose search_path is a new, empty schema."""
        import psycopg

        schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.plain, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        self.made.append(schema)
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{schema}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.plain, autocommit=True) as conn:
            for schema in self.made:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _postgres_ok(url: str) -> bool:
    try:
        from rpa_core.store import open_store

        open_store(url, migrate=False).close()
        return True
    except Exception as exc:
        print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
        return False


def _median(results: list[dict]) -> dict:
    """The run with the median claim+release rate; its double claims the most any run had (none may hide)."""
    chosen = dict(sorted(results, key=lambda r: r["claim"])[len(results) // 2])
    chosen["twice"] = max(r["twice"] for r in results)
    chosen["runs"] = [f"{r['claim']:.0f}" + (f" ({r['twice']} twice)" if r["twice"] else "") for r in results]
    chosen["failures"] = [f for r in results for f in r["failures"]]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell, ours and theirs in turn; the median")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL (default: %(default)s)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-openorchestrator", action="store_true", help="measure our queue only")
    args = parser.parse_args()

    python, about = (None, "--no-openorchestrator") if args.no_openorchestrator else openorchestrator_python()
    if python is None:
        print(f"OpenOrchestrator not measured: {about}", file=sys.stderr)
    schemas = None
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        backends = [("SQLite", f"sqlite:///{(tmp / 'bench.db').as_posix()}", f"sqlite:///{(tmp / 'oo.db').as_posix()}")]
        if not args.no_postgres and _postgres_ok(args.postgres):
            schemas = PostgresSchemas(args.postgres)
            backends.append(("PostgreSQL", schemas.new("rpa_bench"), schemas.new("oo_bench") if python else ""))
        try:
            for label, ours_url, theirs_url in backends:
                for workers in (1, 4):
                    ours, theirs = [], []
                    for _ in range(args.repeat):
                        ours.append(measure_ours(ours_url, args.items, workers, tmp))
                        if python is not None:
                            theirs.append(measure_theirs(python, theirs_url, args.items, workers, tmp))
                    mine = _median(ours)
                    # Each of our runs is paired with the OpenOrchestrator run right after it (the same load).
                    pairs = sorted(o["claim"] / max(t["claim"], 1e-9) for o, t in zip(ours, theirs, strict=False))
                    mine["ratio"] = pairs[len(pairs) // 2] if pairs else None
                    rows.append((label, workers, mine, _median(theirs) if theirs else None))
        finally:
            if schemas is not None:
                schemas.drop()
    baseline = rows[0][2]["claim"]
    print(f"\nqueue throughput, {args.items} items per cell (ratio: claim+release vs SQLite 1 worker)")
    print(f"{'store':<11} {'workers':>7} {'create/s':>10} {'claim+release/s':>16} {'ratio':>6} {'claimed twice':>14}")
    for label, workers, r, _ in rows:
        print(
            f"{label:<11} {workers:>7} {r['create']:>10.0f} {r['claim']:>16.0f} "
            f"{r['claim'] / baseline:>6.2f} {r['twice']:>14}"
        )
        if r["missing"]:
            print(f"  !! {label} x{workers}: {r['missing']} of {args.items} items never claimed")
    print("targets: SQLite 1 worker >= 1000/s, PostgreSQL 1 worker >= 1500/s, claimed twice = 0")
    if python is None:
        return
    print(f"\nside by side with {about}")
    print("claim+release/s = distinct items processed exactly once / elapsed (median run); ratio = the median of")
    print("ours / theirs in runs made one after the other; twice = items claimed more than once (most in any run)")
    heading = f"{'ours/s':>8} {'theirs/s':>9} {'ratio':>6} {'twice ours':>11} {'twice theirs':>13}"
    print(f"{'store':<11} {'workers':>7} {heading}")
    for label, workers, r, t in rows:
        ratio = r["ratio"]
        print(
            f"{label:<11} {workers:>7} {r['claim']:>8.0f} {t['claim']:>9.0f} {ratio:>5.1f}x "
            f"{r['twice']:>11} {t['twice']:>13}"
        )
        if args.repeat > 1:
            print(f"  runs: ours {', '.join(r['runs'])}; theirs {', '.join(t['runs'])}")
        for failure in sorted(set(t["failures"])):
            print(f"  OpenOrchestrator worker stopped: {failure} ({t['failures'].count(failure)}x)")
    print("target: ours >= 5x theirs in every cell, 0 claimed twice on our side")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        work(*sys.argv[2:6])
    elif len(sys.argv) == 5 and sys.argv[1] == "--oo-setup":
        oo_setup(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 6 and sys.argv[1] == "--oo-worker":
        oo_work(*sys.argv[2:6])
    else:
        main()
