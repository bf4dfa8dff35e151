"""``rpa retention prune``: delete what has outlived its robot's retention, and record what was done.

Per robot (its ``[retention]``, changed by the municipality's profile, see ``rpa_core.privacy.retention``):

- run folders ``runs/<run-id>/`` (step logs, output.xml/log.html, screenshots and pages captured on failure,
  the queue context) of the robot's runs that ended more than ``runs_days`` ago; a run still RUNNING (or one
  that crashed without ending) is never touched. The folder is ``runs_dir``/<run-id>, or without ``runs_dir``
  the folder the store recorded, and only ever a folder named after the run;
- reports: files in the robot's report folders (``report_folder``) named with the id of a run of the robot that
  ended more than ``reports_days`` ago, and ``*.xlsx`` workbooks inside such a run's folder;
- payloads and files of final items in the robot's queues last changed more than ``payload_days`` ago
  (``rpa_core.queue.retention``).

A dry run deletes nothing. Every prune, dry or not, writes a ``retention_log`` row with its counts. The clock is
the caller's ``now``, so tests and the scheduler decide what "now" is.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select

from rpa_core.packaging.manifest import Robot
from rpa_core.packaging.retention import report_folders, resolve_retention, robot_queues
from rpa_core.privacy.retention import RetentionSettings, cutoff
from rpa_core.queue.retention import blank_payloads, count_files, expired_payloads
from rpa_core.runner.records import RunStatus
from rpa_core.store import Store
from rpa_core.store.models import retention_log, runs

_RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")  # records.new_run_id's shape, as it appears in a report's name
REPORT_SUFFIXES = (".xlsx",)
KINDS = ("run_folders", "reports", "payloads", "item_files")


@dataclass(frozen=True)
class RobotRetention:
    """What retention knows of one robot: its periods, its queues and its report folders."""

    robot: str
    settings: RetentionSettings
    queues: tuple[str, ...] = ()
    report_folders: tuple[Path, ...] = ()

    @classmethod
    def of(cls, robot: Robot, profile: str | None = None, base: Path | None = None) -> RobotRetention:
        """From the robot's manifest and ``profile``; relative report folders against ``base`` (default cwd)."""
        return cls(
            robot=robot.name,
            settings=resolve_retention(robot, profile),
            queues=tuple(robot_queues(robot)),
            report_folders=tuple(report_folders(robot, profile, base)),
        )


@dataclass(frozen=True)
class PayloadRule:
    """One robot's expired items: final, in ``queues``, last changed before ``before``."""

    queues: tuple[str, ...]
    before: datetime
    days: int
    ids: tuple[int, ...]


@dataclass
class PrunePlan:
    """What has expired at ``now``; nothing is deleted until :func:`apply_plan`."""

    now: datetime
    run_folders: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    payloads: list[PayloadRule] = field(default_factory=list)
    item_files: int = 0

    def item_ids(self) -> list[int]:
        return list(dict.fromkeys(i for rule in self.payloads for i in rule.ids))

    def counts(self) -> dict[str, int]:
        found = (len(self.run_folders), len(self.reports), len(self.item_ids()), self.item_files)
        return dict(zip(KINDS, found, strict=True))


@dataclass(frozen=True)
class PruneResult:
    plan: PrunePlan
    counts: dict[str, int]  # what was deleted (a dry run: what would be)
    dry_run: bool
    log_id: int
    failures: list[str] = field(default_factory=list)  # what could not be deleted, and why


def _ended_runs(store: Store, robot: str, before: datetime) -> list[tuple[str, str]]:
    """(id, recorded folder) of the robot's runs that ended before ``before``; never a running one."""
    query = select(runs.c.id, runs.c.artifacts_dir).where(
        runs.c.robot == robot,
        runs.c.status != RunStatus.RUNNING.value,
        runs.c.ended_at.is_not(None),
        runs.c.ended_at < before,
    )
    with store.read() as conn:
        return [(run_id, folder or "") for run_id, folder in conn.execute(query.order_by(runs.c.started_at))]


def _run_folder(run_id: str, recorded: str, runs_dir: Path | None) -> Path | None:
    """The run's folder when it exists and is named after the run (never another folder the store names)."""
    if not run_id or Path(run_id).name != run_id or run_id in (".", ".."):
        return None
    folder = runs_dir / run_id if runs_dir is not None else (Path(recorded) if recorded else None)
    if folder is None or folder.name != run_id or folder.is_symlink() or not folder.is_dir():
        return None
    return folder.absolute()


def _expired_reports(store: Store, robot: RobotRetention, before: datetime, runs_dir: Path | None) -> list[Path]:
    ended = _ended_runs(store, robot.robot, before)
    expired_ids = {run_id for run_id, _ in ended}
    found: list[Path] = []
    for folder in robot.report_folders:
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            named = {match.group(0) for match in _RUN_ID.finditer(path.name)}
            if named and named <= expired_ids and path.is_file() and not path.is_symlink():
                found.append(path.absolute())
    for run_id, recorded in ended:
        if (run_folder := _run_folder(run_id, recorded, runs_dir)) is not None:
            found += [p for p in sorted(run_folder.rglob("*")) if p.suffix.lower() in REPORT_SUFFIXES and p.is_file()]
    return found


def plan_prune(store: Store, robots: list[RobotRetention], *, now: datetime, runs_dir: Path | None = None) -> PrunePlan:
    """What has expired at ``now`` for ``robots`` (see the module's docstring); changes nothing."""
    plan = PrunePlan(now=now)
    for robot in robots:
        periods = robot.settings
        if (before := cutoff(now, periods.runs_days)) is not None:
            for run_id, recorded in _ended_runs(store, robot.robot, before):
                if (folder := _run_folder(run_id, recorded, runs_dir)) is not None:
                    plan.run_folders.append(folder)
        if (before := cutoff(now, periods.payload_days)) is not None and periods.payload_days is not None:
            ids = tuple(expired_payloads(store, robot.queues, before))
            plan.payloads.append(PayloadRule(robot.queues, before, periods.payload_days, ids))
        if (before := cutoff(now, periods.reports_days)) is not None:
            plan.reports += _expired_reports(store, robot, before, runs_dir)
    plan.run_folders = list(dict.fromkeys(plan.run_folders))
    going = set(plan.run_folders)  # a report inside a run folder that goes is counted with its folder
    plan.reports = [p for p in dict.fromkeys(plan.reports) if not going.intersection(p.parents)]
    plan.item_files = count_files(store, plan.item_ids())
    return plan


def _delete(path: Path, failures: list[str]) -> bool:
    """Delete a file or a folder tree; False (with the reason in ``failures``) when it could not be."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return False  # gone already (another prune, or by hand)
    except OSError as exc:
        failures.append(f"{path}: {exc.strerror or exc}")
        return False
    return True


def apply_plan(store: Store, plan: PrunePlan, *, actor: str) -> tuple[dict[str, int], list[str]]:
    """Delete what ``plan`` found (items re-checked as they are blanked); returns (counts, failures)."""
    failures: list[str] = []
    reports = sum(_delete(path, failures) for path in plan.reports)
    folders = sum(_delete(path, failures) for path in plan.run_folders)
    items = files = 0
    done: set[int] = set()
    for rule in plan.payloads:
        ids = [i for i in rule.ids if i not in done]
        pruned, removed = blank_payloads(
            store, ids, rule.queues, rule.before, now=plan.now, actor=actor, days=rule.days
        )
        done.update(ids)
        items, files = items + pruned, files + removed
    return dict(zip(KINDS, (folders, reports, items, files), strict=True)), failures


def prune(
    store: Store,
    robots: list[RobotRetention],
    *,
    now: datetime,
    runs_dir: Path | None = None,
    dry_run: bool = False,
    actor: str = "",
) -> PruneResult:
    """Plan, apply (unless ``dry_run``) and record one prune in ``retention_log``."""
    plan = plan_prune(store, robots, now=now, runs_dir=runs_dir)
    counts, failures = (plan.counts(), []) if dry_run else apply_plan(store, plan, actor=actor)
    logged = {**counts, "failures": len(failures)} if failures else counts
    with store.engine.begin() as conn:
        row = {"at": now, "actor": actor, "dry_run": int(dry_run), "counts": json.dumps(logged)}
        log_id = conn.execute(insert(retention_log).values(**row).returning(retention_log.c.id)).scalar_one()
    return PruneResult(plan=plan, counts=counts, dry_run=dry_run, log_id=log_id, failures=failures)


def retention_history(store: Store, limit: int = 20) -> list[dict]:
    """The latest prunes, newest first: ``at``, ``actor``, ``dry_run`` and ``counts``."""
    query = select(retention_log).order_by(retention_log.c.id.desc()).limit(limit)
    with store.read() as conn:
        return [
            {"id": r.id, "at": r.at, "actor": r.actor, "dry_run": bool(r.dry_run), "counts": json.loads(r.counts)}
            for r in conn.execute(query)
        ]
