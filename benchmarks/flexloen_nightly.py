"""The nightly fleksløn run end to end: the robot (runner, Robot Framework, queue, keywords) against a bare
Python script doing the same page steps with the same adapters, on the same sandbox data, in the same run.

Prints items per minute and per-item p50/p95 for both, and the ratio robot/bare (target: <= 1.25).

Then logins per 100 items in a run with 10 % HTTP 500s (sandbox fault ``error_rate=0.1``), before and after the
framework owned the work-item boundary: "before" is a copy of the robot whose consumer calls rpaframework's own
``For Each Input Work Item`` from a resource file (the runner points only the task file's own calls at its loop),
so every failing item (a caseworker's case or an error) ends the process and the next item pays for a new one:
a browser, the logins and the master-data workbook again. "after" is the robot as it is. Logins are counted from
the sandbox's login log (``GET /admin/logins``; the JSON APIs take an API key per request, no login).

    python benchmarks/flexloen_nightly.py [--citizens 1000] [--login-citizens 40] [--part speed|logins|all]

1,000 citizens take a while (about a second per payment and arm on a 2-core machine); --citizens 100 is a
quick look. The logins part at 40 citizens takes about four minutes (both runs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROBOT = ROOT / "robots" / "flexloen"
sys.path.insert(0, str(ROBOT))  # the robot's own package, as the runner puts it on the path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sandbox(citizens: int, faults: str = "") -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "rpa_core.cli.main", "sandbox", "serve", "--port", str(port)]
    command += ["--citizens", str(citizens), "--admin"] + (["--faults", faults] if faults else [])
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return process, base_url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the sandbox did not start")


def run_robot(base_url: str, workdir: Path, robot_dir: Path = ROBOT):
    """The robot as `rpa run` runs it, on a fresh store in ``workdir``; returns (store, run result)."""
    import httpx

    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.runner import Runner
    from rpa_core.store import open_store

    workdir.mkdir(parents=True, exist_ok=True)
    stamdata = workdir / "stamdata.xlsx"
    stamdata.write_bytes(httpx.get(f"{base_url}/admin/stamdata.xlsx").content)
    month = httpx.get(f"{base_url}/admin/expected").json()["payment_month"]
    robot = load_robot(robot_dir)
    settings = resolve_settings(
        robot,
        profile="skanderborg",
        environ={},
        overrides=[
            f"ydelse_url={base_url}/ydelse",
            f"indkomst_url={base_url}/indkomst",
            f"esdh_url={base_url}/esdh",
            f"payment_month={month}",
            f"master_data_workbook={stamdata}",
            f"report_folder={workdir / 'reports'}",
            "mailbox=",
        ],
    )
    store = open_store(f"sqlite:///{(workdir / 'rpa.db').as_posix()}")
    return store, Runner(store, robot, runs_dir=workdir / "runs", settings=settings).run()


def robot_run(base_url: str, workdir: Path) -> tuple[float, list[float], dict[str, int]]:
    """The robot as `rpa run` runs it; returns (consumer seconds, per-item seconds, items by final state)."""
    from rpa_core.store.models import item_attempts

    store, result = run_robot(base_url, workdir)
    if result.exit_code != 0:
        raise SystemExit(f"the robot run failed: {result.counts}, see {result.artifacts_dir}")
    with store.read() as conn:
        rows = conn.execute(item_attempts.select()).all()
    durations = [(r.ended_at - r.started_at).total_seconds() for r in rows if r.ended_at]
    span = (max(r.ended_at for r in rows) - min(r.started_at for r in rows)).total_seconds()
    return span, durations, result.counts


def bare_script(base_url: str, workdir: Path) -> tuple[float, list[float]]:
    """The same steps per payment with the same adapters in a plain loop: no runner, queue or Robot Framework."""
    import httpx
    from flexloen import case_data, decide
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    from rpa_core.browser import launch_chromium
    from rpa_core.systems import Registration
    from rpa_core.systems.api import EsdhApi, IndkomstApi
    from rpa_core.systems.web import YdelseWeb

    expected = httpx.get(f"{base_url}/admin/expected").json()
    month = expected["payment_month"]
    stamdata = workdir / "stamdata-bare.xlsx"
    stamdata.write_bytes(httpx.get(f"{base_url}/admin/stamdata.xlsx").content)
    sheet = load_workbook(stamdata).active
    header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    rows = [dict(zip(header, r, strict=False)) for r in body]
    durations = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        benefits = YdelseWeb(browser.new_page(), f"{base_url}/ydelse", "robot", "ydelse-demo")
        income = IndkomstApi(f"{base_url}/indkomst", "sandbox-demo-key")
        cases = EsdhApi(f"{base_url}/esdh", "sandbox-demo-key")
        started_all = time.perf_counter()
        for listed in benefits.pending_payments(month, unit="FLEKS", grant_type="FLT"):
            started = time.perf_counter()
            payment = benefits.get_payment(listed.payment_id)
            lines = income.income_lines(payment.cpr, payment.income_month)
            row = case_data.find_master_row(rows, payment.cpr)
            found = cases.find_cases(payment.cpr) if case_data.case_number(row) else None  # the case takes notes?
            decision = decide(case_data.fleksloen_case(payment, lines, row, cases=found), change_threshold="0.25")
            if decision.outcome.value == "CALCULATED":
                registration = case_data.registration(lines, decision.calculation.subsidy)
                benefits.register(payment.payment_id, Registration(**registration))
                benefits.approve(payment.payment_id)
                case_number = case_data.master_data(row)["case_id"]
                title = f"Fleksløntilskud {decision.payment_month.danish()}"
                if title not in [n.title for n in cases.journal_notes(case_number)]:
                    cases.add_journal_note(case_number, title, decision.journal_note)
            durations.append(time.perf_counter() - started)
        span = time.perf_counter() - started_all
        browser.close()
    return span, durations


RPAFRAMEWORK_LOOP = """*** Settings ***
Documentation    The benchmark's "before": rpaframework's own loop, which stops at the first failing item, so
...              the runner starts a new consumer process for the next one.

Library          RPA.Robocorp.WorkItems    autoload=${False}


*** Keywords ***
Handle Payments With The RPAframework Loop
    [Documentation]    rpaframework's For Each Input Work Item, called from a resource file: the runner does not
    ...    point it at the framework's loop.
    RPA.Robocorp.WorkItems.For Each Input Work Item    Handle One Payment
"""
TASK_LOOP = "    For Each Input Work Item    Handle One Payment\n"


def robot_with_rpaframework_loop(folder: Path) -> Path:
    """A copy of the robot whose consumer loops with rpaframework's keyword (the framework's loop switched off)."""
    robot = folder / "flexloen-rpaframework-loop"
    shutil.copytree(ROBOT, robot, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    consumer = robot / "tasks" / "consumer.robot"
    text = consumer.read_text(encoding="utf-8")
    if TASK_LOOP not in text or "\nResource         common.resource\n" not in text:
        raise SystemExit("tasks/consumer.robot changed: the benchmark's 'before' variant no longer applies")
    text = text.replace(TASK_LOOP, "    Handle Payments With The RPAframework Loop\n")
    text = text.replace(
        "\nResource         common.resource\n",
        "\nResource         common.resource\nResource         rpaframework_loop.resource\n",
    )
    consumer.write_text(text, encoding="utf-8")
    (robot / "tasks" / "rpaframework_loop.resource").write_text(RPAFRAMEWORK_LOOP, encoding="utf-8")
    return robot


def login_run(base_url: str, workdir: Path, robot_dir: Path, fault_seed: int) -> dict[str, float]:
    """One run with 10 % HTTP 500s from a fresh sandbox: items worked, logins, consumer processes, seconds."""
    import httpx

    from rpa_core.runner.records import list_steps

    httpx.post(f"{base_url}/admin/reset")  # the same data, an empty login log
    httpx.put(f"{base_url}/admin/faults", json={"error_rate": 0.1, "seed": fault_seed})  # the same faults
    started = time.perf_counter()
    store, result = run_robot(base_url, workdir, robot_dir)
    seconds = time.perf_counter() - started
    httpx.delete(f"{base_url}/admin/faults")
    logins = httpx.get(f"{base_url}/admin/logins").json()["logins"]
    items = sum(n for state, n in result.counts.items() if state != "PENDING")
    consumers = sum(1 for step in list_steps(store, result.run_id) if step.name == "consumer")
    store.close()
    return {
        "items": items,
        "logins": sum(1 for entry in logins if entry["result"] == "ok"),
        "consumer_processes": consumers,
        "seconds": seconds,
        "counts": dict(result.counts),
    }


def logins_before_and_after(citizens: int, fault_seed: int = 7) -> None:
    """Logins per 100 items with 10 % HTTP 500s: rpaframework's loop (before) against the framework's (after)."""
    sandbox, base_url = start_sandbox(citizens)
    try:
        with tempfile.TemporaryDirectory() as folder:
            before_robot = robot_with_rpaframework_loop(Path(folder))
            before = login_run(base_url, Path(folder) / "before", before_robot, fault_seed)
            after = login_run(base_url, Path(folder) / "after", ROBOT, fault_seed)
    finally:
        sandbox.terminate()
        sandbox.wait()
    print(f"\nlogins per 100 items, {citizens} citizens, 10 % HTTP 500s (error_rate=0.1, fault seed {fault_seed})")
    print(f"{'':<36} {'items':>6} {'logins':>7} {'per 100':>8} {'consumers':>10} {'seconds':>8}")
    rates = []
    for label, row in (("before (rpaframework's loop)", before), ("after (the framework's loop)", after)):
        per_100 = row["logins"] / row["items"] * 100 if row["items"] else float("nan")
        rates.append(per_100)
        print(
            f"{label:<36} {row['items']:>6} {row['logins']:>7} {per_100:>8.1f} {row['consumer_processes']:>10} "
            f"{row['seconds']:>8.0f}"
        )
        print(f"{'':<36} items by final state: " + ", ".join(f"{s} {n}" for s, n in sorted(row["counts"].items())))
    print(f"ratio logins per 100 items before/after: {rates[0] / rates[1]:.1f}")


def summary(label: str, span: float, durations: list[float]) -> tuple[float, str]:
    ordered = sorted(durations)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    per_minute = len(ordered) / span * 60
    line = f"{label:<30} {len(ordered):>6} {per_minute:>12.1f} {p50 * 1000:>10.0f} {p95 * 1000:>10.0f}"
    return p50, line


def speed(citizens: int) -> None:
    """Items per minute and per-item p50/p95: the robot against the bare script."""
    import httpx

    sandbox, base_url = start_sandbox(citizens)
    try:
        with tempfile.TemporaryDirectory() as folder:
            *robot, outcomes = robot_run(base_url, Path(folder))
            httpx.post(f"{base_url}/admin/reset")  # the same data again for the bare script
            bare = bare_script(base_url, Path(folder))
    finally:
        sandbox.terminate()
        sandbox.wait()
    print(f"\nfleksløn nightly run, {citizens} citizens (payments pending for unit FLEKS, grant FLT)")
    print(f"{'':<30} {'items':>6} {'items/min':>12} {'p50 ms':>10} {'p95 ms':>10}")
    robot_p50, robot_line = summary("robot (rpa run)", *robot)
    bare_p50, bare_line = summary("bare script, same adapters", *bare)
    print(robot_line)
    print(bare_line)
    print("robot's items by final state: " + ", ".join(f"{s} {n}" for s, n in sorted(outcomes.items())))
    print(f"ratio per-item p50 robot/bare: {robot_p50 / bare_p50:.2f}   target <= 1.25")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--login-citizens", type=int, default=40, help="citizens for the logins part")
    parser.add_argument("--part", choices=("speed", "logins", "all"), default="all")
    args = parser.parse_args()
    os.environ.update(
        {
            "RPA_SECRET_YDELSE__USERNAME": "robot",
            "RPA_SECRET_YDELSE__PASSWORD": "ydelse-demo",
            "RPA_SECRET_INDKOMST__API_KEY": "sandbox-demo-key",
            "RPA_SECRET_ESDH__API_KEY": "sandbox-demo-key",
        }
    )
    if args.part in ("speed", "all"):
        speed(args.citizens)
    if args.part in ("logins", "all"):
        logins_before_and_after(args.login_citizens)


if __name__ == "__main__":
    main()
