"""Keyword overhead: one ``Get Income For Month`` through Robot Framework + our library, against the same
Playwright calls (the same page object) in a bare Python loop, on the same sandbox in the same run.

Prints the median time per lookup of each and their ratio (target: <= 1.15).

    python benchmarks/keyword_overhead.py [--lookups 60] [--rounds 3]
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

ROBOT_SUITE = """*** Settings ***
Library    rpa_core.keywords.browser.BrowserKeywords
Resource    indkomstregister.resource

*** Test Cases ***
Lookups
    Log In To Indkomstregister    ${BASE_URL}/indkomst    mode=web
    Get Income For Month    ${CPR}    ${MONTH}
    FOR    ${i}    IN RANGE    ${LOOKUPS}
        Get Income For Month    ${CPR}    ${MONTH}
    END
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(base_url: str, timeout: float = 60) -> dict:
    """Wait until the sandbox answers; returns its expected outcomes."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{base_url}/admin/expected", timeout=5).json()
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the sandbox did not answer on {base_url}")


def bare_playwright(base_url: str, login: tuple[str, str], cpr: str, month: str, lookups: int) -> float:
    """Seconds per lookup: the same page object (so the same Playwright calls) in a plain Python loop."""
    from playwright.sync_api import sync_playwright

    from rpa_core.browser import launch_chromium
    from rpa_core.systems.web import IndkomstWeb

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        register = IndkomstWeb(browser.new_page(), f"{base_url}/indkomst", *login)
        register.income_lines(cpr, month)  # warm-up and login, like the keyword run's first call
        started = time.perf_counter()
        for _ in range(lookups):
            register.income_lines(cpr, month)
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed / lookups


def through_robot(base_url: str, cpr: str, month: str, lookups: int, workdir: Path) -> float:
    """Seconds per lookup measured on the FOR loop of a Robot Framework task using the shared keyword."""
    from robot import run as robot_run
    from robot.api import ExecutionResult

    workdir.mkdir(parents=True, exist_ok=True)
    suite = workdir / "overhead.robot"
    suite.write_text(ROBOT_SUITE, encoding="utf-8")
    out = workdir / "out"
    robot_run(
        str(suite),
        variable=[f"BASE_URL:{base_url}", f"CPR:{cpr}", f"MONTH:{month}", f"LOOKUPS:{lookups}"],
        pythonpath=[str(ROOT / "shared_keywords")],
        outputdir=str(out),
        log="NONE",
        report="NONE",
        console="none",
    )
    test = next(iter(ExecutionResult(str(out / "output.xml")).suite.all_tests))
    if test.status != "PASS":
        raise SystemExit(f"the Robot Framework run failed: {test.message}")
    loop = next(item for item in test.body if item.type == "FOR")
    return loop.elapsed_time.total_seconds() / lookups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    # The sandbox in its own process, so its threads do not compete with the measured loop for the GIL.
    server = subprocess.Popen(
        [sys.executable, "-m", "rpa_core.cli.main", "sandbox", "serve", "--port", str(port), "--admin"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        expected = wait_for(base_url)
        case = next(o for o in expected["outcomes"] if o["outcome"] == "CALCULATED")
        cpr, month = case["cpr"], expected["income_month"]
        login = ("robot", "indkomst-demo")
        os.environ.update({"RPA_SECRET_INDKOMST__USERNAME": login[0], "RPA_SECRET_INDKOMST__PASSWORD": login[1]})
        bare, robot = [], []
        with tempfile.TemporaryDirectory() as folder:
            for index in range(args.rounds):  # interleaved, so drift on a shared machine hits both alike
                bare.append(bare_playwright(base_url, login, cpr, month, args.lookups))
                robot.append(through_robot(base_url, cpr, month, args.lookups, Path(folder) / str(index)))
    finally:
        server.terminate()
        server.wait()
    bare_ms, robot_ms = statistics.median(bare) * 1000, statistics.median(robot) * 1000
    print(f"\nGet Income For Month, {args.lookups} lookups x {args.rounds} rounds (median of rounds)")
    print(f"{'bare Playwright loop':<34} {bare_ms:8.2f} ms per lookup")
    print(f"{'Robot Framework + rpa_core keyword':<34} {robot_ms:8.2f} ms per lookup")
    print(f"{'ratio (keyword / bare)':<34} {robot_ms / bare_ms:8.2f}   target <= 1.15")


if __name__ == "__main__":
    main()
