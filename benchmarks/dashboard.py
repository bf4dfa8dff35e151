"""Dashboard latency: p50/p95 per page over a store of 1,000 runs and 100,000 work items, SQLite and PostgreSQL.

Seeds a fresh store per backend (a temp SQLite file; a new PostgreSQL schema, dropped at the end) with the same
data: runs over 90 nights of a few robots/profiles, with steps and schedule rows; items mostly DONE, ~8 %
business exceptions under 10 reason codes (a quarter marked handled), some application errors, abandoned and
pending items, an attempt each (a few with 2-3). Then requests each page through TestClient over create_app(store)
logged in as a viewer (/audit needs an operator: a second session), 3 warm-up requests, then --requests timed.

Baseline, measured in the same run, request for request in turn with the dashboard: a bare Starlette app on a plain
SQLAlchemy engine (no login, no templates or queries of ours) whose route per page runs ONE hand-written SQL for
the same first page of rows and returns them as a string-joined HTML table. Printed: dashboard p50/p95, the p50 of
the page's data functions called directly (its queries and Python, no HTTP, login or template), bare p50/p95, and
dashboard p95 / bare p95. Target: p95 < 200 ms for /runs, /queue and /manual (PASS/MISS; nothing is asserted).

    .venv/bin/python benchmarks/dashboard.py [--runs 1000] [--items 100000] [--requests 30]
                                             [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import itertools
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rpa_core.queue.lifecycle import EventKind, ItemState, Outcome

BUSINESS = ItemState.BUSINESS_EXCEPTION.value
DEFAULT_PG = os.environ.get("RPA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CPH = ZoneInfo("Europe/Copenhagen")
ROBOTS = [("flexloen", "skanderborg"), ("flexloen", "syddjurs"), ("boligstoette", None), ("sygedagpenge", "aarhus")]
REASONS = {
    "MISSING_MASTER_DATA": "Der mangler stamdata for borgeren. Udfyld stamdata, og behandl sagen manuelt.",
    "NO_WAGE": "Der er ingen løn i indkomstmåneden. Sagen skal vurderes manuelt.",
    "MULTIPLE_EMPLOYERS": "Der er mere end én arbejdsgiver i måneden. Tilskuddet skal beregnes manuelt.",
    "SICKNESS_BENEFIT": "Borgeren har fået sygedagpenge i måneden. Tilskuddet skal beregnes manuelt.",
    "MATERNITY_BENEFIT": "Borgeren har fået barselsdagpenge i måneden. Tilskuddet skal beregnes manuelt.",
    "UNPAID_HOLIDAY": "Borgeren har holdt ferie uden løn. Tilskuddet skal nedsættes forholdsmæssigt.",
    "INCOME_CORRECTION": "Indkomstregistret har en negativ korrektion. Vurdér korrektionen manuelt.",
    "NO_RATE_TABLE": "Der er ingen bekræftede satser for indkomståret. Kontakt fagkontoret.",
    "CASE_CLOSED": "Sagen er afsluttet i fagsystemet. Kontrollér, om der skal udbetales.",
    "AMOUNT_OVER_LIMIT": "Beløbet overstiger grænsen for automatisk udbetaling. Godkend manuelt.",
}
TARGETS = ("/runs", "/queue", "/manual")
TARGET_MS = 200.0
CHUNK = 5000


# Each table's seeded columns (the rows are tuples in this order) and the values every row of it shares.
COLUMNS = {
    "runs": "id robot profile status started_at ended_at artifacts_dir stop_reason",
    "run_steps": "run_id name status started_at ended_at output_dir",
    "schedule_runs": "robot profile due_at claimed_at started_at ended_at run_id outcome",
    "work_items": "id queue reference state payload attempts last_code last_message created_run_id last_run_id "
    "available_at created_at updated_at",
    "item_attempts": "item_id number run_id started_at ended_at outcome code message result",
    "item_events": "item_id at kind actor message",
    "audit_log": "at target",
}
SHARED = {
    "runs": {"robot_version": "1.4.2", "host": "rpa-srv01"},
    "run_steps": {"worker": "rpa-srv01-w1", "exit_code": 0},
    "schedule_runs": {"schedule": "nightly", "decision": "ON_TIME", "state": "ENDED", "scheduler_id": "sched-1"},
    "work_items": {"max_attempts": 3},
    "item_attempts": {"worker": "rpa-srv01-w1"},
    "audit_log": {"user": "caseworker", "action": "mark_handled", "reason": "Udbetalt manuelt.", "details": "{}"},
}
S = ItemState
STATES = {S.DONE: 86, S.BUSINESS_EXCEPTION: 8, S.APPLICATION_ERROR: 3, S.ABANDONED: 1.5, S.PENDING: 1.5}
ERROR = "TimeoutError: Page.goto: Timeout 30000ms exceeded (fagsystem)"


def seed_data(n_runs: int, n_items: int, folder: Path) -> dict:
    """Rows for every table (the same for each backend) and the ids the pages are requested with."""
    rng, now = random.Random(15), datetime.now(UTC).replace(microsecond=0)
    t: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
    runs, slots = [], {}
    for i in range(n_runs):
        night = i * 90 // n_runs  # 90 nights, the last one last night, ~11 runs a night from 00:30
        slot = slots[night] = slots.get(night, -1) + 1
        day = (now.astimezone(CPH) - timedelta(days=90 - night)).date()
        start = datetime.combine(day, datetime.min.time(), CPH) + timedelta(minutes=30 + 17 * slot, seconds=i % 60)
        robot, profile = ROBOTS[i % len(ROBOTS)]
        run_id = f"{start:%Y%m%d-%H%M%S}-{rng.randrange(16**6):06x}"
        (folder / run_id / "consumer").mkdir(parents=True)
        (folder / run_id / "log.html").write_text("<html>log</html>", encoding="utf-8")
        status = rng.choices(["SUCCEEDED", "FAILED", "STOPPED"], [85, 12, 3])[0]
        runs.append(
            {"id": run_id, "robot": robot, "profile": profile, "status": status, "start": start.astimezone(UTC)}
        )
    weights = [rng.uniform(0.3, 1.7) for _ in runs]
    counts = [int(n_items * w / sum(weights)) for w in weights]
    counts[-1] += n_items - sum(counts)
    chains: dict[tuple, list[int]] = {}
    for index, run in enumerate(runs):
        chains.setdefault((run["robot"], run["profile"]), []).append(index)
    next_run = {a: b for chain in chains.values() for a, b in itertools.pairwise(chain)}  # retries: the next night
    item_id, per_run = 0, {run["id"]: 0 for run in runs}
    for index, (run, count) in enumerate(zip(runs, counts, strict=True)):
        queue, at, start = f"{run['robot']}-{run['profile'] or 'default'}", run["start"], run["start"]
        month = (start.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        for _ in range(count):
            item_id += 1
            state = rng.choices(list(STATES), list(STATES.values()))[0]
            tries = {S.ABANDONED: 3, S.APPLICATION_ERROR: rng.choice([1, 2])}.get(state, 1 + (rng.random() < 0.03))
            code = rng.choice(list(REASONS)) if state is S.BUSINESS_EXCEPTION else None
            message = f"{code}: {REASONS[code]} Sag {rng.randint(10000, 99999)}." if code else None
            for number in range(1, tries + 1):
                worked = runs[next_run.get(index, index)] if number > 1 else run
                begin = max(at, worked["start"]) + timedelta(seconds=rng.uniform(0.5, 3))
                at = begin + timedelta(seconds=rng.uniform(0.8, 2.5))
                outcome = {S.PENDING: Outcome.RETURNED, S.ABANDONED: Outcome.APPLICATION_ERROR}.get(state, state)
                outcome = outcome if number == tries else Outcome.APPLICATION_ERROR
                said = message or (ERROR if outcome == Outcome.APPLICATION_ERROR else None)
                result = json.dumps({"udbetalt": rng.randint(500, 9000)}) if outcome == "DONE" else None
                t["item_attempts"].append((item_id, number, worked["id"], begin, at, outcome, code, said, result))
            ref = base64.b32encode(hashlib.sha256(f"cpr{item_id}".encode()).digest()).decode().lower()[:16]
            payload = json.dumps({"cpr": f"{rng.randint(10000000, 31129999):08d}00", "maaned": month})
            tried, last = 0 if state == "PENDING" else tries, worked["id"]
            row = (item_id, queue, f"{run['robot']}:cpr#{ref}:{month}", state, payload, tried, code, said, run["id"])
            t["work_items"].append((*row, last, start, start, at))
            per_run[last] += 1
            per_run[run["id"]] += last != run["id"]
            if code and rng.random() < 0.25:  # a caseworker handled it the next day
                handled = (item_id, at + timedelta(days=1), EventKind.HANDLED, "caseworker", "Udbetalt manuelt.")
                t["item_events"].append(handled)
                t["audit_log"].append((at + timedelta(days=1), f"item {item_id}"))
            elif state is S.ABANDONED:
                t["item_events"].append((item_id, at, EventKind.ABANDONED, "queue", "out of attempts"))
        end, folder_of = max(at, start + timedelta(seconds=40)) + timedelta(seconds=20), str(folder / run["id"])
        stop = "stopped by SIGTERM" if run["status"] == "STOPPED" else None
        t["runs"].append((run["id"], run["robot"], run["profile"], run["status"], start, end, folder_of, stop))
        t["run_steps"].append((run["id"], "producer", run["status"], start, start + timedelta(seconds=25), folder_of))
        t["run_steps"].append((run["id"], "consumer", run["status"], start + timedelta(seconds=26), end, folder_of))
        due = start - timedelta(seconds=2)
        t["schedule_runs"].append((run["robot"], run["profile"] or "", due, due, start, end, run["id"], run["status"]))
    ids = {
        "run": min(per_run, key=lambda r: (abs(per_run[r] - 100), r)),
        "item": next(a[0] for a in reversed(t["item_attempts"]) if a[1] == 3),
    }
    return {"tables": t, "ids": ids, "run_items": per_run[ids["run"]]}


def load(store, data: dict) -> float:
    """Bulk insert every table (executemany in chunks); on PostgreSQL move the id sequence on and ANALYZE (what
    autovacuum does shortly after such an insert)."""
    from sqlalchemy import insert, text

    from rpa_core.store.models import metadata

    started = time.perf_counter()
    with store.engine.begin() as conn:
        for name, rows in data["tables"].items():
            for at in range(0, len(rows), CHUNK):
                chunk = [
                    dict(zip(COLUMNS[name].split(), row, strict=True), **SHARED.get(name, {}))
                    for row in rows[at : at + CHUNK]
                ]
                conn.execute(insert(metadata.tables[name]), chunk)
        if store.engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('work_items', 'id'), (SELECT max(id) FROM work_items))")
            )
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


BARE_SQL = {
    "/runs": "SELECT id, robot, profile, status, started_at, ended_at FROM runs ORDER BY started_at DESC LIMIT 50",
    "/runs/{run}": "SELECT id, reference, state, last_code, last_message, updated_at FROM work_items WHERE "
    "last_run_id = :run OR created_run_id = :run ORDER BY id DESC LIMIT 200",
    "/queue": "SELECT id, queue, reference, state, attempts, last_code, last_message, updated_at FROM work_items "
    "ORDER BY updated_at DESC, id DESC LIMIT 50",
    "/queue?state=BUSINESS_EXCEPTION": "SELECT id, queue, reference, state, attempts, last_code, last_message, "
    "updated_at FROM work_items WHERE state = '" + BUSINESS + "' ORDER BY updated_at DESC, id DESC LIMIT 50",
    "/queue/{item}": "SELECT w.id, w.reference, w.state, a.number, a.outcome, a.message, a.ended_at FROM work_items "
    "w LEFT JOIN item_attempts a ON a.item_id = w.id WHERE w.id = :item ORDER BY a.number",
    "/manual": "SELECT last_code, count(*) FROM work_items WHERE state = '" + BUSINESS + "' GROUP BY last_code "
    "ORDER BY count(*) DESC",
    "/schedules": "SELECT robot, profile, schedule, due_at, state, outcome FROM schedule_runs ORDER BY due_at DESC "
    "LIMIT 20",
    "/workers": "SELECT r.robot, s.run_id, s.name, s.status, s.started_at, s.ended_at FROM run_steps s JOIN runs r "
    "ON r.id = s.run_id WHERE s.ended_at IS NOT NULL ORDER BY s.ended_at DESC LIMIT 50",
    "/audit": 'SELECT at, "user", action, target, reason FROM audit_log ORDER BY id DESC LIMIT 50',
}


def bare_app(url: str, ids: dict):
    """The floor: one hand-written statement per page on a plain engine, its rows joined into an HTML table."""
    from sqlalchemy import create_engine, text
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=args)

    def route(sql: str):
        def page(request):
            with engine.connect() as conn:
                rows = conn.execute(text(sql), {k: v for k, v in ids.items() if f":{k}" in sql}).all()
            cells = ("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
            return HTMLResponse("<html><body><table>" + "".join(cells) + "</table></body></html>")

        return page

    paths = {page: page.split("?")[0].format(run="run", item="item") for page in BARE_SQL}
    app = Starlette(routes=[Route(f"/{i}{paths[p]}", route(sql)) for i, (p, sql) in enumerate(BARE_SQL.items())])
    app.state.engine = engine
    return app


def data_calls(store, ids: dict) -> dict:
    """Each page's data functions as its route calls them (no HTTP, login or template)."""
    from rpa_core.dashboard import audit, ops_data, queue_data, runs_data
    from rpa_core.runner.records import get_run, list_steps

    def runs_page():
        found, _ = runs_data.list_run_page(store, robot=None, page=1)
        runs_data.run_rows(store, found), runs_data.items_per_night(store, robot=None)
        runs_data.recent_durations(store, robot=None), runs_data.robot_names(store)

    def run_page():
        run = get_run(store, ids["run"])
        runs_data.captures(runs_data.run_folder(run)), runs_data.run_items(store, run.id, 1), list_steps(store, run.id)

    be = queue_data.ItemFilter(state=ItemState.BUSINESS_EXCEPTION)
    return {
        "/runs": runs_page,
        "/runs/{run}": run_page,
        "/queue": lambda: (queue_data.items_page(store, queue_data.ItemFilter(), 1), queue_data.queue_names(store)),
        "/queue?state=BUSINESS_EXCEPTION": lambda: (queue_data.items_page(store, be, 1), queue_data.queue_names(store)),
        "/queue/{item}": lambda: queue_data.item_view(store, ids["item"]),
        "/manual": lambda: (queue_data.manual_groups(store), queue_data.queue_names(store)),
        "/schedules": lambda: (
            ops_data.robot_schedules(store, [], ops_data.scheduler_beats(store)),
            ops_data.history(store),
        ),
        "/workers": lambda: (ops_data.worker_steps(store), ops_data.scheduler_beats(store)),
        "/audit": lambda: audit.entries(store, limit=50),
    }


def logged_in(client, store, name: str, role: str):
    from rpa_core.dashboard.users import add_user

    add_user(store, name, role, "benchmark-password-15")
    token = re.search(r'name="login_token" value="([^"]+)"', client.get("/login").text)[1]
    form = {"login_token": token, "name": name, "password": "benchmark-password-15", "next": "/runs"}
    if client.post("/login", data=form, follow_redirects=False).status_code != 303:
        raise SystemExit(f"could not log in as {name}")
    return client


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(label: str, url: str, data: dict, requests: int) -> list[tuple]:
    from fastapi.testclient import TestClient

    from rpa_core.dashboard.app import create_app
    from rpa_core.store import open_store

    store = open_store(url)
    seconds = load(store, data)
    print(f"{label}: seeded {sum(map(len, data['tables'].values())):,} rows in {seconds:.1f} s", flush=True)
    ids, calls, rows = data["ids"], data_calls(store, data["ids"]), []
    app, floor_app = create_app(store), bare_app(url, ids)
    with TestClient(app) as viewer, TestClient(app) as operator, TestClient(floor_app) as bare:
        logged_in(viewer, store, "bench-viewer", "viewer"), logged_in(operator, store, "bench-operator", "operator")
        for i, page in enumerate(BARE_SQL):
            path = page.format(**ids)
            client = operator if page == "/audit" else viewer
            bare_path = f"/{i}{page.split('?')[0].format(run='run', item='item')}"
            for _ in range(3):
                client.get(path), bare.get(bare_path), calls[page]()
            dash, floor, direct = [], [], []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path, follow_redirects=False)
                dash.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{label} {path}: HTTP {response.status_code}")
                floor.append(timed(lambda p=bare_path: bare.get(p)))
                direct.append(timed(calls[page]))
            rows.append((label, page, *p50_p95(dash), p50_p95(direct)[0], *p50_p95(floor), len(response.content)))
    store.close(), floor_app.state.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL (default: %(default)s)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows, schema, plain = [], None, args.postgres.replace("postgresql+psycopg://", "postgresql://")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        data = seed_data(args.runs, args.items, Path(folder) / "artifacts")
        print(
            f"generated the rows in {time.perf_counter() - started:.1f} s; /runs/{{run}}: {data['ids']['run']} "
            f"({data['run_items']} items), /queue/{{item}}: {data['ids']['item']}",
            flush=True,
        )
        rows += measure("SQLite", f"sqlite:///{(Path(folder) / 'bench.db').as_posix()}", data, args.requests)
        if not args.no_postgres:
            import psycopg

            try:
                with psycopg.connect(plain, autocommit=True, connect_timeout=5) as conn:
                    schema = f"dash_bench_{uuid.uuid4().hex[:8]}"
                    conn.execute(f'CREATE SCHEMA "{schema}"')
            except psycopg.Error as exc:
                print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
            try:
                if schema:
                    url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}options=-csearch_path%3D{schema}"
                    rows += measure("PostgreSQL", url, data, args.requests)
            finally:
                if schema:
                    with psycopg.connect(plain, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(f"\ndashboard latency, {args.runs:,} runs, {args.items:,} items, {args.requests} requests per page (ms)")
    print("data = the page's data functions alone; bare = one hand-written SQL + a joined HTML table (Starlette)")
    head = f"{'store':<11}{'page':<33}{'p50':>7}{'p95':>7}{'data p50':>9}{'bare p50':>9}{'bare p95':>9}"
    print(f"{head}{'p95/bare':>9}{'KB':>6}  target p95 < {TARGET_MS:.0f}")
    for label, page, p50, p95, direct, b50, b95, size in rows:
        verdict = ("PASS" if p95 < TARGET_MS else "MISS") if page in TARGETS else ""
        print(
            f"{label:<11}{page:<33}{p50:>7.1f}{p95:>7.1f}{direct:>9.1f}{b50:>9.1f}{b95:>9.1f}{p95 / b95:>8.1f}x"
            f"{size / 1024:>6.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
