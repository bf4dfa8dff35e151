"""The nightly fleksløn run end to end, in three arms on the same sandbox data, interleaved in rounds:

- robot: the robot as ``rpa run`` runs it (runner, queue, Robot Framework, our keywords and adapters);
- floor: the least a browser robot does for the same effects, in plain Playwright and httpx, none of our
  adapters, page objects or keywords (``floor_script``: four page loads and three API calls a paid case);
- bare: the robot's steps with our adapters in a plain loop, no runner, queue or Robot Framework.

Each arm starts from the same reset data and must leave what the sandbox expects: every CALCULATED payment
approved with the expected registration to the øre and one journal note, nothing written for the rest
(``check_effects``; the script stops otherwise). Prints per-item p50/p95 and items per minute per arm and round,
page loads per paid case and API calls per item (from the sandbox's request log, ``GET /admin/requests``), and
the ratios per-item p50 robot/floor (target <= 1.15), robot/bare (the framework) and bare/floor (the adapters),
each the median of the rounds.

Measured on a shared 2-core machine, 100 citizens (96 items, 70 paid), 5 rounds, medians of the rounds: robot
304 ms, floor 250 ms, bare 264 ms; robot/floor 1.15 (rounds 1.12-1.37), robot/bare 1.15, bare/floor 1.05. A
second run under more load: 322, 229 and 257 ms; 1.35, 1.18, 1.14. Both arms load 4 pages a paid case; before
the adapters acted on the page the read before had left, the robot loaded 6 (p50 634 ms against 303 ms after).
Where the rest of a paid item goes (the consumer's output.xml, p50 of 70 paid items: 330 ms in all): the
payment keywords 271 ms (Get Payment 63, Register 79, Approve 129), the same page loads as the floor's plus a
read of each page a write lands on (the floor checks nothing: about 15 ms each, mostly waiting for the renderer
to finish the new page) and a one-round-trip check that a page read is still shown before acting on it (about
4 ms, twice); the API keywords 23 ms (1.4 more calls an item than the floor: the robot's own look for its note,
and EsdhApi.add_journal_note reading the notes again before it writes); the write-ahead record, 4 saves, 12 ms;
Robot Framework between keywords about 20 ms; claim, load and release of the work item about 2 ms.

Then logins per 100 items in a run with 10 % HTTP 500s (sandbox fault ``error_rate=0.1``), before and after the
framework owned the work-item boundary: "before" is a copy of the robot whose consumer calls rpaframework's own
``For Each Input Work Item`` from a resource file (the runner points only the task file's own calls at its loop),
so every failing item (a caseworker's case or an error) ends the process and the next item pays for a new one:
a browser, the logins and the master-data workbook again. "after" is the robot as it is. Logins are counted from
the sandbox's login log (``GET /admin/logins``; the JSON APIs take an API key per request, no login).

    python benchmarks/flexloen_nightly.py [--citizens 1000] [--rounds 3] [--arms robot,floor,bare]
                                          [--login-citizens 40] [--part speed|logins|all]

--citizens 100 --rounds 5 takes about seven minutes on a 2-core machine (the robot arm about 30 s a round plus
its processes' start); 1,000 citizens about ten times that. The logins part at 40 citizens takes about four
minutes (both runs).
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


def master_rows(base_url: str, path: Path) -> list[dict]:
    """The caseworkers' workbook as rows keyed by heading (downloaded to ``path``)."""
    import httpx
    from openpyxl import load_workbook

    path.write_bytes(httpx.get(f"{base_url}/admin/stamdata.xlsx").content)
    header, *body = [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)]
    return [dict(zip(header, r, strict=False)) for r in body]


def bare_script(base_url: str, workdir: Path) -> tuple[float, list[float]]:
    """The same steps per payment with the same adapters in a plain loop: no runner, queue or Robot Framework."""
    import httpx
    from flexloen import case_data, decide
    from playwright.sync_api import sync_playwright

    from rpa_core.browser import launch_chromium
    from rpa_core.systems import Registration
    from rpa_core.systems.api import EsdhApi, IndkomstApi
    from rpa_core.systems.web import YdelseWeb

    month = httpx.get(f"{base_url}/admin/expected").json()["payment_month"]
    rows = master_rows(base_url, workdir / "stamdata-bare.xlsx")
    durations = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        benefits = YdelseWeb(browser.new_page(), f"{base_url}/ydelse", "robot", "ydelse-demo")
        income = IndkomstApi(f"{base_url}/indkomst", "sandbox-demo-key")
        cases = EsdhApi(f"{base_url}/esdh", "sandbox-demo-key")
        pending = benefits.pending_payments(month, unit="FLEKS", grant_type="FLT")  # the producer's part
        started_all = time.perf_counter()
        for listed in pending:
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


# The floor reads the payment page in one round trip: what the rules need, straight from the page's attributes.
FLOOR_READ_JS = """() => {
  const q = (s) => document.querySelector(s);
  const attr = (s, a) => { const e = q(s); return e ? e.getAttribute(a) : null; };
  return {payment_id: q("#payment-id").textContent.trim(), cpr: q("#citizen-cpr").textContent.trim(),
          payment_month: attr("#payment-month", "data-month"), income_month: attr("#income-month", "data-month"),
          status: attr("#payment-status", "data-status"), previous_subsidy: attr("#previous-subsidy", "data-value"),
          unpaid_holiday_days: Number(attr("#unpaid-holiday", "data-days") || 0)};
}"""
FLOOR_FIELDS = {"wage": "#wage", "own_pension": "#own-pension", "employer_pension": "#employer-pension",
                "hours": "#hours", "holiday_pay": "#holiday-pay", "subsidy": "#subsidy"}  # fmt: skip
# ... and fills a form and submits it in one round trip (the browser posts it and loads the answer).
FLOOR_SUBMIT_JS = """([values, button]) => {
  for (const [selector, value] of Object.entries(values)) document.querySelector(selector).value = value;
  const submit = document.querySelector(button);
  submit.form.requestSubmit(submit);
}"""


def floor_script(base_url: str, workdir: Path) -> tuple[float, list[float]]:
    """The least a browser robot does for the robot's effects, in plain Playwright (sync) and httpx.

    None of the framework's adapters, page objects or keywords: the installed Chromium (found as
    ``rpa_core.browser.executable`` finds it) with ``--no-sandbox --disable-gpu``, logged in once; per payment
    the payment page (one page load, read in one round trip), the income month's lines (API), the citizen's
    cases (API: does the master data's case take notes?), the rules; for a payment to pay, the income form
    filled and submitted in one round trip (a page load: the answer is the payment page), the confirmation
    page (opened by its address) and its form submitted (a page load), the journal note (API). Four page loads
    and three API calls a paid case. No retries, waits for late tables, dialogs, write-ahead record, or check
    before a write: a floor, not a robot. It shares the robot's pure rules (``flexloen.decide``, ``case_data``),
    so both compute the same amounts; ``check_effects`` holds every arm to the sandbox's expected outcomes.
    """
    import httpx
    from flexloen import case_data, decide
    from playwright.sync_api import sync_playwright

    from rpa_core.browser.executable import find_browser_executable

    month = httpx.get(f"{base_url}/admin/expected").json()["payment_month"]
    rows = master_rows(base_url, workdir / "stamdata-floor.xlsx")
    api = httpx.Client(base_url=base_url, headers={"X-API-Key": "sandbox-demo-key"}, timeout=30)
    executable = find_browser_executable()
    durations = []
    with sync_playwright() as pw:
        launch = {"executable_path": str(executable)} if executable else {}
        browser = pw.chromium.launch(headless=True, args=["--no-sandbox", "--disable-gpu"], **launch)
        page = browser.new_page()
        ydelse = f"{base_url}/ydelse"

        def submit(button: str, values: dict[str, str]) -> None:
            with page.expect_navigation(wait_until="domcontentloaded"):
                page.evaluate(FLOOR_SUBMIT_JS, [values, button])

        page.goto(f"{ydelse}/login", wait_until="domcontentloaded")
        submit("#login-button", {"#username": "robot", "#password": "ydelse-demo"})
        payment_ids, url = [], f"{ydelse}/betalinger?enhed=FLEKS&ydelse=FLT&status=afventer&side=1"
        while url:  # the producer's part: every page of the list
            page.goto(url, wait_until="domcontentloaded")
            listed = page.eval_on_selector_all(
                "tr[data-test=payment-row]",
                "rows => rows.map(r => [r.dataset.paymentId, r.querySelector('[data-test=month]').textContent])",
            )
            payment_ids += [pid for pid, listed_month in listed if listed_month.strip() == month]
            href = page.get_attribute("#next-page", "href") if page.query_selector("#next-page") else None
            url = f"{base_url}{href}" if href else None
        started_all = time.perf_counter()
        for payment_id in payment_ids:
            started = time.perf_counter()
            page.goto(f"{ydelse}/betalinger/{payment_id}", wait_until="domcontentloaded")
            payment = page.evaluate(FLOOR_READ_JS)
            answer = api.post("/indkomst/api/v1/opslag", json={"cpr": payment["cpr"], "month": payment["income_month"]})
            lines = answer.raise_for_status().json()["lines"]
            row = case_data.find_master_row(rows, payment["cpr"])
            cases = None
            if case_data.case_number(row) and payment["status"] == "PENDING":
                found = api.post("/esdh/api/v1/sager/soeg", json={"cpr": payment["cpr"]}).raise_for_status()
                cases = [{**c, "is_open": c["status"] == "Åben"} for c in found.json()["cases"]]
            case = case_data.fleksloen_case(payment, lines, row, cases=cases)
            decision = decide(case, change_threshold="0.25")
            if decision.outcome.value == "CALCULATED":
                registration = case_data.registration(lines, decision.calculation.subsidy)
                submit("#save-income", {selector: registration[name] for name, selector in FLOOR_FIELDS.items()})
                page.goto(f"{ydelse}/betalinger/{payment_id}/godkend", wait_until="domcontentloaded")  # confirmation
                submit("#confirm-approve", {})
                note = {"title": f"Fleksløntilskud {decision.payment_month.danish()}", "text": decision.journal_note}
                api.post(f"/esdh/api/v1/sager/{case['master_data']['case_id']}/notater", json=note).raise_for_status()
            durations.append(time.perf_counter() - started)
        span = time.perf_counter() - started_all
        browser.close()
    api.close()
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


def check_effects(base_url: str) -> dict[str, int]:
    """What an arm left in the sandbox against the expected outcomes: every CALCULATED payment approved with the
    expected registration (to the øre) and one journal note on its case, nothing written for any other.
    Exits naming the payments when an arm got one wrong. Returns the counts and the arm's requests."""
    from decimal import Decimal

    import httpx

    expected = httpx.get(f"{base_url}/admin/expected").json()["outcomes"]
    payments = {p["payment_id"]: p for p in httpx.get(f"{base_url}/admin/payments").json()["payments"]}
    notes = [e for e in httpx.get(f"{base_url}/admin/audit", params={"action": "add_note"}).json()["entries"]]
    noted = [e["object_id"] for e in notes if e["result"] == "ok"]
    written = {e["object_id"] for e in httpx.get(f"{base_url}/admin/audit", params={"system": "ydelse"}).json()[
        "entries"]}  # fmt: skip
    wrong, paid = [], 0
    for outcome in expected:
        pid, payment = outcome["payment_id"], payments[outcome["payment_id"]]
        if outcome["outcome"] == "CALCULATED":
            paid += 1
            got = {k: Decimal(v) for k, v in (payment["registration"] or {}).items()}
            want = {k: Decimal(v) for k, v in outcome["registration"].items()}
            if payment["status"] != "APPROVED" or got != want or noted.count(outcome["case_number"]) != 1:
                wrong.append(pid)
        elif pid in written:
            wrong.append(pid)
    if wrong:
        raise SystemExit(f"an arm's effects differ from the expected outcomes for payments {', '.join(wrong[:10])}")
    return {"paid": paid, "notes": len(noted)}


def page_loads(base_url: str) -> tuple[float, float]:
    """(page loads per paid case, API calls per item) from the sandbox's request log since the last reset."""
    import httpx

    log = httpx.get(f"{base_url}/admin/requests").json()["requests"]
    expected = httpx.get(f"{base_url}/admin/expected").json()["outcomes"]
    paid = {o["payment_id"] for o in expected if o["outcome"] == "CALCULATED"}
    loads = {pid: 0 for pid in paid}
    for entry in log:
        parts = entry["path"].split("/")  # /ydelse/betalinger/<id>[/godkend]
        if entry["method"] == "GET" and parts[1:3] == ["ydelse", "betalinger"] and len(parts) > 3 and parts[3] in loads:
            loads[parts[3]] += 1
    api_calls = sum(1 for entry in log if "/api/" in entry["path"])
    items = len(expected) or 1
    return (statistics.median(loads.values()) if loads else float("nan")), api_calls / items


def summary(label: str, span: float, durations: list[float]) -> tuple[float, str]:
    ordered = sorted(durations)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    per_minute = len(ordered) / span * 60
    line = f"{label:<30} {len(ordered):>6} {per_minute:>12.1f} {p50 * 1000:>10.0f} {p95 * 1000:>10.0f}"
    return p50, line


ARMS = {
    "robot": "robot (rpa run)",
    "bare": "bare script, same adapters",
    "floor": "floor (plain Playwright)",
}


def run_arm(arm: str, base_url: str, workdir: Path) -> dict:
    """One arm on freshly reset sandbox data: its timings, its checked effects and its page loads."""
    import httpx

    httpx.post(f"{base_url}/admin/reset")  # the same data for every arm, an empty request log
    workdir.mkdir(parents=True, exist_ok=True)
    outcomes = None
    if arm == "robot":
        span, durations, outcomes = robot_run(base_url, workdir)
    elif arm == "bare":
        span, durations = bare_script(base_url, workdir)
    else:
        span, durations = floor_script(base_url, workdir)
    effects = check_effects(base_url)
    loads, api_calls = page_loads(base_url)
    return {"span": span, "durations": durations, "outcomes": outcomes, "effects": effects, "loads": loads,
            "api_calls": api_calls}  # fmt: skip


def speed(citizens: int, rounds: int, arms: list[str]) -> None:
    """Per-item p50/p95 and items per minute of each arm, in interleaved rounds on the same sandbox data; the
    ratio robot/floor per round and its median."""
    sandbox, base_url = start_sandbox(citizens)
    results: dict[str, list[dict]] = {arm: [] for arm in arms}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for number in range(rounds):
                order = arms if number % 2 == 0 else arms[::-1]  # interleaved: each arm first as often
                for arm in order:
                    results[arm].append(run_arm(arm, base_url, Path(folder) / f"{arm}-{number}"))
    finally:
        sandbox.terminate()
        sandbox.wait()
    print(f"\nfleksløn nightly run, {citizens} citizens (payments pending for unit FLEKS, grant FLT), {rounds} rounds")
    print(f"{'':<30} {'items':>6} {'items/min':>12} {'p50 ms':>10} {'p95 ms':>10}  page loads/paid, API calls/item")
    p50s: dict[str, list[float]] = {arm: [] for arm in arms}
    for number in range(rounds):
        for arm in arms:
            row = results[arm][number]
            p50, line = summary(f"{ARMS[arm]} #{number + 1}", row["span"], row["durations"])
            p50s[arm].append(p50)
            print(f"{line}  {row['loads']:>5.0f} {row['api_calls']:>5.1f}")
    effects = results[arms[0]][0]["effects"]
    print(f"every arm's effects as expected: {effects['paid']} payments approved to the øre, {effects['notes']} notes")
    robot_outcomes = next((r["outcomes"] for r in results.get("robot", []) if r["outcomes"]), None)
    if robot_outcomes:
        print("robot's items by final state: " + ", ".join(f"{s} {n}" for s, n in sorted(robot_outcomes.items())))
    for arm in arms:
        print(f"{ARMS[arm]:<30} per-item p50, median of the rounds: {statistics.median(p50s[arm]) * 1000:.0f} ms")
    for top, base in (("robot", "floor"), ("robot", "bare"), ("bare", "floor")):
        if top in p50s and base in p50s:
            ratios = [a / b for a, b in zip(p50s[top], p50s[base], strict=True)]
            shown = ", ".join(f"{r:.2f}" for r in ratios)
            target = "   target <= 1.15" if (top, base) == ("robot", "floor") else ""
            print(f"ratio per-item p50 {top}/{base}: median {statistics.median(ratios):.2f} (rounds: {shown}){target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the speed part")
    parser.add_argument("--arms", default="robot,floor,bare", help="arms of the speed part, comma-separated")
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
        arms = [arm.strip() for arm in args.arms.split(",") if arm.strip()]
        unknown = sorted(set(arms) - set(ARMS))
        if unknown:
            parser.error(f"unknown arm {', '.join(unknown)}; choose from {', '.join(ARMS)}")
        speed(args.citizens, args.rounds, arms)
    if args.part in ("logins", "all"):
        logins_before_and_after(args.login_citizens)


if __name__ == "__main__":
    main()
