"""The scheduler's daily housekeeping: each robot's retention prune, once a day across every scheduler.

It is claimed like a due run (a ``schedule_runs`` row for the robot+profile, schedule ``:retention``, due at
04:00 Copenhagen time), so two schedulers on one store prune once, and a scheduler that was down at 04:00 prunes
when it starts. What was pruned is in ``retention_log`` (``rpa retention log``) and in the row's message.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rpa_core.errors import ConfigError
from rpa_core.runner.records import RunStatus
from rpa_core.runner.retention import RobotRetention, prune
from rpa_core.scheduler import records
from rpa_core.scheduler.records import Decision, ScheduleKey
from rpa_core.scheduler.robots import ScheduledRobot
from rpa_core.store import Store

RETENTION_SCHEDULE = ":retention"  # ':' is never in a schedule's own name
PRUNE_AT = time(4, 0)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def last_prune_time(now: datetime) -> datetime:
    """The latest 04:00 Copenhagen time at or before ``now``."""
    local = now.astimezone(COPENHAGEN)
    due = datetime.combine(local.date(), PRUNE_AT, tzinfo=COPENHAGEN)
    if due > local:
        due = datetime.combine(local.date() - timedelta(days=1), PRUNE_AT, tzinfo=COPENHAGEN)
    return due


def prune_daily(store: Store, entry: ScheduledRobot, *, now: datetime, scheduler_id: str, host: str) -> list[str]:
    """Prune ``entry``'s expired data if no scheduler has today; the lines to print about it."""
    key = ScheduleKey(entry.robot.name, entry.profile or "", RETENTION_SCHEDULE)
    row_id = records.claim(
        store, key, last_prune_time(now), decision=Decision.ON_TIME, scheduler_id=scheduler_id, host=host
    )
    if row_id is None:
        return []
    try:
        retention = RobotRetention.of(entry.robot, entry.profile)
        result = prune(store, [retention], now=now, actor=f"scheduler {scheduler_id}")
    except (ConfigError, OSError) as exc:
        records.finish(store, row_id, outcome=RunStatus.FAILED, message=f"retention prune failed: {exc}")
        return [f"{entry.label}: retention prune failed: {exc}"]
    counts = json.dumps(result.counts, sort_keys=True)
    failures = f"; {len(result.failures)} could not be deleted" if result.failures else ""
    outcome = RunStatus.FAILED if result.failures else RunStatus.SUCCEEDED
    records.finish(store, row_id, outcome=outcome, message=f"retention prune: {counts}{failures}")
    return [f"{entry.label}: retention prune {counts}{failures} (rpa retention log)"]
