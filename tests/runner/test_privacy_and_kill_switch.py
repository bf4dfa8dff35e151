"""A run leaves no CPR number in clear in its artifacts or the store; the kill switch stops a failing run."""

import re

import pytest
from sqlalchemy import select

from rpa_core.queue import WorkQueue
from rpa_core.runner import RunStatus
from rpa_core.store.models import item_attempts, item_events, work_items

CPR_DIGITS = ["1234", "4321", "1118"]  # the serials of the robot's three fictitious citizens
CLEAR = re.compile(r"(0101901234|010190-1234|150285-?4321|2412771118|241277-1118)")


def test_no_cpr_in_clear_in_output_log_console_or_store_messages(run_robot, store):
    result = run_robot("cpr")

    assert result.counts == {"DONE": 1, "BUSINESS_EXCEPTION": 1, "ABANDONED": 1}
    assert result.exit_code == 1, "an abandoned item fails the run"
    artifacts = [p for p in result.artifacts_dir.rglob("*") if p.is_file()]
    names = {p.name for p in artifacts}
    assert {"output.xml", "log.html", "console.log"} <= names
    for path in artifacts:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not CLEAR.search(text), f"CPR in clear in {path.relative_to(result.artifacts_dir)}"
    merged = (result.artifacts_dir / "output.xml").read_text(encoding="utf-8")
    assert "010190-XXXX" in merged and "150285-XXXX" in merged and "241277-XXXX" in merged

    with store.read() as conn:
        messages = [m for (m,) in conn.execute(select(item_attempts.c.message)) if m]
        messages += [m for (m,) in conn.execute(select(item_events.c.message)) if m]
        messages += [m for (m,) in conn.execute(select(work_items.c.last_message)) if m]
    assert messages and not any(CLEAR.search(m) for m in messages), messages
    assert any("150285-XXXX" in m for m in messages)


@pytest.mark.timeout(90)  # an off-by-one in either switch fails here in seconds, not at pytest's 300 s
def test_kill_switch_stops_the_run_after_consecutive_application_errors(run_robot, store):
    WorkQueue(store, "failing").create_many((f"item-{i}", {}) for i in range(10))

    result = run_robot("failing")

    assert result.status is RunStatus.STOPPED and result.exit_code == 1
    assert "kill switch" in result.stop_reason
    with store.read() as conn:
        attempts = conn.execute(select(item_attempts.c.outcome)).scalars().all()
    assert attempts.count("APPLICATION_ERROR") == 3, "no item is taken after the third error in a row"
    assert WorkQueue(store, "failing").counts().get("PENDING", 0) >= 7
