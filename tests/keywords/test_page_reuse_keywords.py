"""Page loads through the shared keywords, one work item per payment (rpaframework's file adapter): a paid case
costs four page loads, and a page read while another work item was worked is opened again, never acted on."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from robot import run as robot_run
from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parents[2]
SUITE = Path(__file__).parent / "shared_robots" / "page_reuse.robot"


def page_loads(sandbox, pid: str) -> list[tuple[str, int]]:
    """The pages the browser loaded for payment ``pid``, in order: the path after the id ("/": the payment page)
    and the status."""
    prefix = f"/ydelse/betalinger/{pid}"
    requests = sandbox.requests(prefix)["requests"]
    return [(r["path"][len(prefix) :] or "/", r["status"]) for r in requests if r["method"] == "GET"]


@pytest.mark.browser
def test_a_paid_case_costs_four_page_loads_and_a_new_work_item_reads_its_page_again(
    sandbox, tmp_path, monkeypatch
) -> None:
    paid = [o for o in sandbox.outcomes().values() if o["outcome"] == "CALCULATED"][:2]
    first, second = paid[0]["payment_id"], paid[1]["payment_id"]
    items = [
        {"payment_id": first, "steps": "read pay", "registration": paid[0]["registration"]},
        {"payment_id": second, "steps": "read", "registration": paid[1]["registration"]},
        {"payment_id": second, "steps": "pay", "registration": paid[1]["registration"]},  # read by the item before
    ]
    (tmp_path / "items.json").write_text(json.dumps([{"payload": item, "files": {}} for item in items]))
    monkeypatch.setenv("RPA_WORKITEMS_ADAPTER", "FileAdapter")
    monkeypatch.setenv("RPA_INPUT_WORKITEM_PATH", str(tmp_path / "items.json"))
    monkeypatch.setenv("RPA_OUTPUT_WORKITEM_PATH", str(tmp_path / "output.json"))
    monkeypatch.setenv("RPA_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("RPA_SECRET_YDELSE__USERNAME", sandbox.logins["ydelse"][0])
    monkeypatch.setenv("RPA_SECRET_YDELSE__PASSWORD", sandbox.logins["ydelse"][1])
    monkeypatch.setenv("RPA_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    stderr = io.StringIO()
    rc = robot_run(
        str(SUITE),
        variable=[f"BASE_URL:{sandbox.base_url}"],
        pythonpath=[str(ROOT / "shared_keywords")],
        outputdir=str(tmp_path / "out"),
        rpa=True,
        console="none",
        stderr=stderr,
    )
    result = ExecutionResult(str(tmp_path / "out" / "output.xml"))
    assert rc == 0, [t.message for t in result.suite.all_tests] or stderr.getvalue()
    # the payment page (the first request met the login page, which sent the browser back), the income form's
    # submit, the confirmation and its submit: register and approve act on the page the step before left
    assert page_loads(sandbox, first) == [("/", 303), ("/", 200), ("/", 200), ("/godkend", 200), ("/", 200)]
    # read by the second item; the third opened it again before it wrote
    assert page_loads(sandbox, second) == [("/", 200), ("/", 200), ("/", 200), ("/godkend", 200), ("/", 200)]
    payments = sandbox.payments()
    for outcome in paid:
        payment = payments[outcome["payment_id"]]
        assert payment["status"] == "APPROVED"
        registered = {k: Decimal(v) for k, v in payment["registration"].items()}
        assert registered == {k: Decimal(v) for k, v in outcome["registration"].items()}
    assert len([e for e in sandbox.audit(system="ydelse", action="approve") if e["result"] == "ok"]) == 2
