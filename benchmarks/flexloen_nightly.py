"""The nightly fleksløn run end to end: the robot (runner, Robot Framework, queue, keywords) against a bare
Python script doing the same page steps with the same adapters, on the same sandbox data, in the same run.

Prints items per minute and per-item p50/p95 for both, and the ratio robot/bare (target: <= 1.25).

    python benchmarks/flexloen_nightly.py [--citizens 1000]

1,000 citizens take a while (about a second per payment and arm on a 2-core machine); --citizens 100 is a
quick look.
"""

from __future__ import annotations

import argparse
import os
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


def start_sandbox(citizens: int) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "rpa_core.cli.main", "sandbox", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--citizens", str(citizens), "--admin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
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


def robot_run(base_url: str, workdir: Path) -> tuple[float, list[float], dict[str, int]]:
    """The robot as `rpa run` runs it; returns (consumer seconds, per-item seconds, items by final state)."""
    import httpx

    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.runner import Runner
    from rpa_core.store import open_store
    from rpa_core.store.models import item_attempts

    stamdata = workdir / "stamdata.xlsx"
    stamdata.write_bytes(httpx.get(f"{base_url}/admin/stamdata.xlsx").content)
    month = httpx.get(f"{base_url}/admin/expected").json()["payment_month"]
    robot = load_robot(ROBOT)
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
    result = Runner(store, robot, runs_dir=workdir / "runs", settings=settings).run()
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
            decision = decide(case_data.fleksloen_case(payment, lines, row), change_threshold="0.25")
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


def summary(label: str, span: float, durations: list[float]) -> tuple[float, str]:
    ordered = sorted(durations)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    per_minute = len(ordered) / span * 60
    line = f"{label:<30} {len(ordered):>6} {per_minute:>12.1f} {p50 * 1000:>10.0f} {p95 * 1000:>10.0f}"
    return p50, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(
        {
            "RPA_SECRET_YDELSE__USERNAME": "robot",
            "RPA_SECRET_YDELSE__PASSWORD": "ydelse-demo",
            "RPA_SECRET_INDKOMST__API_KEY": "sandbox-demo-key",
            "RPA_SECRET_ESDH__API_KEY": "sandbox-demo-key",
        }
    )
    import httpx

    sandbox, base_url = start_sandbox(args.citizens)
    try:
        with tempfile.TemporaryDirectory() as folder:
            *robot, outcomes = robot_run(base_url, Path(folder))
            httpx.post(f"{base_url}/admin/reset")  # the same data again for the bare script
            bare = bare_script(base_url, Path(folder))
    finally:
        sandbox.terminate()
        sandbox.wait()
    print(f"\nfleksløn nightly run, {args.citizens} citizens (payments pending for unit FLEKS, grant FLT)")
    print(f"{'':<30} {'items':>6} {'items/min':>12} {'p50 ms':>10} {'p95 ms':>10}")
    robot_p50, robot_line = summary("robot (rpa run)", *robot)
    bare_p50, bare_line = summary("bare script, same adapters", *bare)
    print(robot_line)
    print(bare_line)
    print("robot's items by final state: " + ", ".join(f"{s} {n}" for s, n in sorted(outcomes.items())))
    print(f"ratio per-item p50 robot/bare: {robot_p50 / bare_p50:.2f}   target <= 1.25")


if __name__ == "__main__":
    main()
