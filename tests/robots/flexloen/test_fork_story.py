"""The fork story end to end (examples/flexloen/fork_story.py): Syddjurs forks Skanderborg's robot, runs it to the
øre, merges Skanderborg's 0.2.0 with no hand edit and runs the new rule; a conflicting fork stops, listing it."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rpa_core.packaging import load_robot
from rpa_core.queue import latest_attempts, list_items
from rpa_core.store import open_store
from rpa_core.systems.api.indkomst import IndkomstApi

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
CITIZENS = 10


def load_story_module():
    spec = importlib.util.spec_from_file_location("fork_story", ROOT / "examples" / "flexloen" / "fork_story.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fork_story"] = module
    spec.loader.exec_module(module)
    return module


story_module = load_story_module()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def loenloft_by_cpr(stamdata: Path) -> dict[str, Decimal]:
    sheet = load_workbook(stamdata, read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    cpr, loenloft = header.index("CPR-nr."), header.index("Lønloft (kr./md.)")
    return {str(row[cpr]): Decimal(str(row[loenloft])) for row in rows if row[cpr]}


def wage(sandbox, cpr: str, month: str) -> Decimal:
    with IndkomstApi(f"{sandbox.base_url}/indkomst", sandbox.api_key) as api:
        lines = api.income_lines(cpr, month)
    return sum((line.fields.get("0057", Decimal(0)) for line in lines if line.kind == "LOEN"), Decimal(0))


def expected_with_low_wage(sandbox, stamdata: Path, share: Decimal) -> dict[str, tuple[str, str | None]]:
    """(outcome, code) the 0.2.0 robot must reach for each flexjob payment: the sandbox's, except LOW_WAGE,
    which the release checks after every other reason and before the calculation and LARGE_CHANGE."""
    loenloft = loenloft_by_cpr(stamdata)
    payments = sandbox.payments()
    income_month = "2025-01"  # the month NEXT_MONTH, 2025-02, is computed on
    wanted: dict[str, tuple[str, str | None]] = {}
    for pid, outcome in sandbox.outcomes().items():
        if payments[pid]["unit"] != story_module.UNIT or payments[pid]["grant_type"] != "FLT":
            continue
        code = outcome.get("reason")
        if outcome["outcome"] == "CALCULATED" or code == "LARGE_CHANGE":
            low = wage(sandbox, outcome["cpr"], income_month) < share * loenloft[outcome["cpr"]]
            wanted[pid] = ("MANUAL", "LOW_WAGE") if low else (outcome["outcome"], code)
        else:
            wanted[pid] = (outcome["outcome"], code)
    return wanted


def assert_paid_as(sandbox, store_path: Path, month: str, wanted: dict[str, tuple[str, str | None]]) -> None:
    """Every approved payment equals the sandbox's amount to the øre; every manual case has its reason."""
    store = open_store(f"sqlite:///{store_path.as_posix()}")
    try:
        items = {
            item.payload["payment_id"]: item
            for item in list_items(store, queue="flexloen", limit=10_000)
            if item.payload["payment_month"] == month
        }
        attempts = latest_attempts(store, [item.id for item in items.values()])
    finally:
        store.close()
    payments, expected = sandbox.payments(), sandbox.outcomes()
    for pid, (outcome, code) in wanted.items():
        item, paid = items.get(pid), payments[pid]
        if outcome == "CALCULATED":
            assert paid["status"] == "APPROVED" and paid["registration"] == expected[pid]["registration"], pid
            result = attempts[item.id].result
            assert item.state == "DONE" and result["subsidy"] == expected[pid]["calculation"]["subsidy"], pid
        elif outcome == "MANUAL":
            assert item.state == "BUSINESS_EXCEPTION" and item.last_code == code, (pid, item.last_message)
            assert paid["status"] != "APPROVED" and paid["registration"] is None, pid
        else:
            assert item is None or item.payload.get("outcome") == "ALREADY_HANDLED", pid


def test_syddjurs_forks_runs_merges_upstream_and_runs_the_new_rule(sandbox_factory, tmp_path):
    first = sandbox_factory(citizens=CITIZENS, month=story_module.FIRST_MONTH, unit=story_module.UNIT)
    said: list[str] = []
    story = story_module.Story(tmp_path, story_module.vault_environment(first.logins, first.api_key), said.append)

    # 1-2: fork Skanderborg's repository at v0.1.0; the check lists what Syddjurs must decide
    story.publish_original()
    forked = story.fork_original()
    assert forked.returncode == 0, forked.stderr
    assert "7 undecided setting(s)" in forked.stdout
    check = story.check()
    assert check.returncode == 2
    problems = check.stderr.strip().splitlines()
    assert len(problems) == 7 and all("not decided yet" in line for line in problems), check.stderr
    assert {line.split("settings.")[1].split(":")[0] for line in problems} == {
        "ydelse_url",
        "indkomst_url",
        "esdh_url",
        "unit",
        "grant_type",
        "report_folder",
        "mailbox",
    }

    # 3: Syddjurs' profile and journal-note title; the check is clean and names the override
    story.adapt()
    check = story.check()
    assert check.returncode == 0, check.stderr
    assert (
        "override: syddjurs/local/keywords.resource:8 'Journal Note Title' replaces syddjurs/tasks/consumer.robot:"
        in (check.stdout)
    )
    kept = {path: data for path, data in tree(story.fork).items() if path.startswith(("profiles/", "local/"))}

    # 4: the fork pays every case right, in Syddjurs' unit, with Syddjurs' note titles
    stamdata = first.stamdata(tmp_path / "stamdata-first.xlsx")
    run = story.run(first.base_url, story_module.FIRST_MONTH, stamdata)
    assert run.returncode == 0, run.stdout + run.stderr
    wanted = {
        pid: (o["outcome"], o.get("reason"))
        for pid, o in first.outcomes().items()
        if first.payments()[pid]["unit"] == "FJ" and first.payments()[pid]["grant_type"] == "FLT"
    }
    assert sum(1 for outcome, _ in wanted.values() if outcome == "CALCULATED") >= 5
    assert_paid_as(first, tmp_path / ".rpa" / "rpa.db", story_module.FIRST_MONTH, wanted)
    titles = {entry["details"]["title"] for entry in first.audit(system="esdh", action="add_note")}
    assert titles == {"2024-11 Fleksløntilskud – beregning (LAB § 123)"}
    report = next((tmp_path / "reports" / "syddjurs").glob("fleksloen-2024-11-*.xlsx"))
    assert report.stat().st_size > 0

    # 5-6: Skanderborg releases 0.2.0; the merge takes it with no hand edit and keeps Syddjurs' changes
    story.release()
    status = story.status()
    assert status.returncode == 0 and "M README.md" in status.stdout
    merged = story.merge()
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "[upstream] now at 0.2.0 (was 0.1.0)" in merged.stdout
    assert 'version = "0.2.0"' in (story.fork / "robot.toml").read_text(encoding="utf-8")
    assert "Syddjurs Kommune runs this fork on the 3rd" in (story.fork / "README.md").read_text(encoding="utf-8")
    assert {p: d for p, d in tree(story.fork).items() if p.startswith(("profiles/", "local/"))} == kept
    assert story.check().returncode == 0

    # the next month, with the release's rate year and its new rule
    nxt = sandbox_factory(
        citizens=CITIZENS, month=story_module.NEXT_MONTH, unit=story_module.UNIT, rates=story_module.release_rates()
    )
    stamdata = nxt.stamdata(tmp_path / "stamdata-next.xlsx")
    run = story.run(nxt.base_url, story_module.NEXT_MONTH, stamdata)
    assert run.returncode == 0, run.stdout + run.stderr
    share = Decimal(load_robot(story.fork).manifest.settings["low_wage_share"])  # the release's default
    wanted = expected_with_low_wage(nxt, stamdata, share)
    codes = [code for _, code in wanted.values()]
    assert codes.count("LOW_WAGE") >= 1 and sum(1 for o, _ in wanted.values() if o == "CALCULATED") >= 5, wanted
    assert_paid_as(nxt, tmp_path / ".rpa" / "rpa.db", story_module.NEXT_MONTH, wanted)
    titles = {entry["details"]["title"] for entry in nxt.audit(system="esdh", action="add_note")}
    assert titles == {"2025-02 Fleksløntilskud – beregning (LAB § 123)"}

    # 7: a fork that edited the task line the release changes: the conflict is listed and nothing else changes
    conflicting = story.conflicting_fork()
    before = tree(conflicting)
    stopped = story.merge("syddjurs-conflict")
    assert stopped.returncode == 1
    assert "  conflict: tasks/consumer.robot:" in stopped.stdout and "(changed on both sides)" in stopped.stdout
    after = tree(conflicting)
    assert "<<<<<<< fork" in after["tasks/consumer.robot"].decode()
    changed = {path for path in after if before.get(path) != after[path]}
    assert changed == {"tasks/consumer.robot", ".rpa/upstream-merge.json"}


def test_the_committed_syddjurs_fork_is_a_fork_of_this_robot_and_checks_clean(tmp_path):
    """examples/flexloen/syddjurs, as `rpa robot fork` made it: sealed [upstream], intact snapshot, decided profile."""
    from support import rpa

    fork = ROOT / "examples" / "flexloen" / "syddjurs"
    info = load_robot(fork).manifest.upstream
    assert info is not None and info.source == "../../../robots/flexloen"
    status = rpa("robot", "upstream", "status", "examples/flexloen/syddjurs", cwd=ROOT)
    assert status.returncode == 0, status.stderr
    check = rpa("robot", "check", "examples/flexloen/syddjurs", "--profile", "syddjurs", "--no-vault", cwd=ROOT)
    assert check.returncode == 0, check.stderr
    assert "1 override(s), 0 warning(s): ok" in check.stdout
