"""Retention with a controllable clock: exactly what has expired is deleted, nothing else; every prune is logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support import assert_one_clear_line, rpa

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot
from rpa_core.packaging.retention import resolve_retention
from rpa_core.privacy.retention import RetentionSettings, expired
from rpa_core.queue import EventKind, ItemState, Outcome, QueuePolicy, WorkQueue, get_item, item_history
from rpa_core.runner.records import RunStatus, create_run, finish_run
from rpa_core.runner.retention import RobotRetention, prune
from rpa_core.store.models import item_files, retention_log, runs, work_items

NOW = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
DAY, SECOND = timedelta(days=1), timedelta(seconds=1)
ONE_TRY = QueuePolicy(max_attempts=1, backoff_seconds=0, lease_seconds=60)


def test_expired_means_older_than_the_period():
    assert expired(NOW - 30 * DAY - SECOND, 30, NOW)
    assert not expired(NOW - 30 * DAY, 30, NOW) and not expired(NOW - 30 * DAY + SECOND, 30, NOW)
    assert not expired(NOW - 9999 * DAY, None, NOW), "None keeps"
    with pytest.raises(ValueError, match="aware"):
        expired(NOW, 1, NOW.replace(tzinfo=None))


def _item(queue: WorkQueue, reference: str, state: ItemState, age: timedelta) -> int:
    """An item brought to ``state`` through the real lifecycle, then last changed ``age`` before NOW."""
    item, _ = queue.create(reference, {"cpr": "0101901234", "n": reference}, files={"a.pdf": b"%PDF"})
    if state is not ItemState.PENDING:
        claimed = queue.claim("w")
        assert claimed is not None and claimed.id == item.id
        outcome = {
            ItemState.DONE: Outcome.DONE,
            ItemState.BUSINESS_EXCEPTION: Outcome.BUSINESS_EXCEPTION,
            ItemState.ABANDONED: Outcome.APPLICATION_ERROR,
        }.get(state)
        if outcome is not None:
            got = queue.release(item.id, "w", outcome, code="NO_WAGE", result={"subsidy": "1.00"})
            assert got is state
    with queue.store.engine.begin() as conn:
        conn.execute(update(work_items).where(work_items.c.id == item.id).values(updated_at=NOW - age))
    return item.id


def _payload_and_files(store, item_id: int) -> tuple[dict, int]:
    with store.read() as conn:
        files = len(conn.execute(select(item_files.c.id).where(item_files.c.item_id == item_id)).all())
    return get_item(store, item_id).payload, files


def test_payloads_of_exactly_the_expired_final_items_are_blanked(store):
    queue, other = WorkQueue(store, "q", ONE_TRY), WorkQueue(store, "not-the-robots", ONE_TRY)
    old = 30 * DAY + SECOND
    expired_ids = [_item(queue, f"final-{s.value}", s, old) for s in (ItemState.DONE, ItemState.BUSINESS_EXCEPTION)]
    expired_ids.append(_item(queue, "abandoned", ItemState.ABANDONED, old))
    kept = {
        "boundary": _item(queue, "boundary", ItemState.DONE, 30 * DAY),
        "younger": _item(queue, "younger", ItemState.DONE, 30 * DAY - SECOND),
        "in progress": _item(queue, "in-progress", ItemState.IN_PROGRESS, 400 * DAY),
        "pending": _item(queue, "pending", ItemState.PENDING, 400 * DAY),  # created last: nothing claims it
        "other queue": _item(other, "other", ItemState.DONE, 400 * DAY),
    }
    robot = RobotRetention("r", RetentionSettings(payload_days=30), queues=("q",))
    before = {name: _payload_and_files(store, i) for name, i in kept.items()}

    dry = prune(store, [robot], now=NOW, dry_run=True, actor="tester")
    assert dry.counts == {"run_folders": 0, "reports": 0, "payloads": 3, "item_files": 3}
    assert all(_payload_and_files(store, i)[0] for i in expired_ids), "a dry run changes nothing"

    done = prune(store, [robot], now=NOW, actor="tester")
    assert done.counts == dry.counts and not done.failures
    for item_id in expired_ids:
        assert _payload_and_files(store, item_id) == ({}, 0)
        history = item_history(store, item_id)
        assert history.item.state.final and history.item.last_code == "NO_WAGE", "state and code kept"
        assert history.attempts[-1].code == "NO_WAGE"
        if history.item.state is not ItemState.ABANDONED:
            assert history.attempts[-1].result == {"subsidy": "1.00"}, "the attempt's result kept"
        assert [e.kind for e in history.events][-1] == EventKind.PAYLOAD_PRUNED
    assert {name: _payload_and_files(store, i) for name, i in kept.items()} == before, "nothing else touched"

    assert prune(store, [robot], now=NOW, actor="tester").counts["payloads"] == 0, "nothing left to prune"
    with store.read() as conn:
        logged = conn.execute(select(retention_log).order_by(retention_log.c.id)).all()
    assert [(row.dry_run, json.loads(row.counts)["payloads"], row.actor) for row in logged] == [
        (1, 3, "tester"),
        (0, 3, "tester"),
        (0, 0, "tester"),
    ]
    assert logged[0].at == NOW


def _run(store, robot: str, ended_age: timedelta | None, runs_dir: Path, *, report: bool = False) -> str:
    """A run of ``robot`` ended ``ended_age`` before NOW (None: still RUNNING), with its folder."""
    run_id = f"20250101-0{len(list(runs_dir.glob('*'))):05d}-abcdef"
    folder = runs_dir / run_id
    (folder / "consumer" / "failures").mkdir(parents=True)
    (folder / "consumer" / "failures" / "shot.png").write_bytes(b"png")
    if report:
        (folder / "report.xlsx").write_bytes(b"PK")
    create_run(store, robot=robot, version="1", artifacts_dir=str(folder), kill_switch=None, run_id=run_id)
    if ended_age is not None:
        finish_run(store, run_id, RunStatus.SUCCEEDED)
        with store.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(ended_at=NOW - ended_age))
    return run_id


def test_run_folders_and_reports_of_exactly_the_expired_runs_are_deleted(tmp_path):
    from rpa_core.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'rpa.db'}")
    runs_dir, reports = tmp_path / "runs", tmp_path / "reports"
    runs_dir.mkdir()
    reports.mkdir()
    old = _run(store, "r", 90 * DAY + SECOND, runs_dir)
    boundary = _run(store, "r", 90 * DAY, runs_dir, report=True)  # kept, but its report (10 days) goes
    younger = _run(store, "r", 90 * DAY - SECOND, runs_dir)
    running = _run(store, "r", None, runs_dir)
    with store.engine.begin() as conn:  # a run that started long ago and is still running
        conn.execute(update(runs).where(runs.c.id == running).values(started_at=NOW - 900 * DAY))
    others = _run(store, "another-robot", 900 * DAY, runs_dir)
    fresh = _run(store, "r", 9 * DAY, runs_dir)
    for run_id in (old, boundary, others, fresh):
        (reports / f"fleksloen-2024-11-{run_id}.xlsx").write_bytes(b"PK")
    (reports / "notes.txt").write_text("the caseworkers' own file", encoding="utf-8")
    robot = RobotRetention("r", RetentionSettings(runs_days=90, reports_days=10), report_folders=(reports,))

    dry = prune(store, [robot], now=NOW, runs_dir=runs_dir, dry_run=True)
    assert dry.counts == {"run_folders": 1, "reports": 3, "payloads": 0, "item_files": 0}
    assert len(list(runs_dir.iterdir())) == 6 and len(list(reports.iterdir())) == 5, "a dry run deletes nothing"

    done = prune(store, [robot], now=NOW, dry_run=False)  # the folders as the store recorded them
    assert done.counts == {"run_folders": 1, "reports": 3, "payloads": 0, "item_files": 0}
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted([boundary, younger, running, others, fresh])
    assert not (runs_dir / boundary / "report.xlsx").exists() and (runs_dir / boundary / "consumer").is_dir()
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        ["notes.txt", f"fleksloen-2024-11-{others}.xlsx", f"fleksloen-2024-11-{fresh}.xlsx"]
    )
    store.close()


def test_a_folder_not_named_after_its_run_is_never_deleted(tmp_path):
    from rpa_core.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'rpa.db'}")
    precious = tmp_path / "precious"
    precious.mkdir()
    create_run(store, robot="r", version="1", artifacts_dir=str(precious), kill_switch=None, run_id="20240101-1")
    finish_run(store, "20240101-1", RunStatus.FAILED)
    later = datetime.now(UTC) + 400 * DAY
    result = prune(store, [RobotRetention("r", RetentionSettings(runs_days=1))], now=later)
    assert result.counts["run_folders"] == 0 and precious.is_dir()
    store.close()


def _robot(folder: Path, retention: str = "", profile: str | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "tasks.robot").write_text("*** Tasks ***\nT\n    No Operation\n", encoding="utf-8")
    (folder / "robot.toml").write_text(
        f'[robot]\nname = "{folder.name}"\n\n{retention}\n[settings]\nreport_folder = "reports"\n\n'
        '[[steps]]\nname = "producer"\ntasks = "tasks.robot"\noutput_queue = "out"\n'
        '[[steps]]\nname = "consumer"\ntasks = "tasks.robot"\ninput_queue = "out"\n',
        encoding="utf-8",
    )
    if profile is not None:
        (folder / "profiles").mkdir()
        (folder / "profiles" / "town.toml").write_text(profile, encoding="utf-8")
    return folder


def test_a_profile_decides_the_municipalitys_retention(tmp_path):
    folder = _robot(tmp_path / "r", "[retention]\nruns_days = 90\npayload_days = 30\n", "[retention]\n")
    robot = load_robot(folder)
    assert resolve_retention(robot) == RetentionSettings(runs_days=90, payload_days=30)
    (folder / "profiles" / "town.toml").write_text('[retention]\nruns_days = 7\npayload_days = "keep"\n')
    assert resolve_retention(robot, "town") == RetentionSettings(runs_days=7)
    (folder / "profiles" / "town.toml").write_text("[retention]\nruns_days = 0\n")
    with pytest.raises(ConfigError, match=r"town.toml: retention.runs_days: .*greater than or equal to 1"):
        resolve_retention(robot, "town")
    (folder / "profiles" / "town.toml").write_text("[retention]\nrun_days = 7\n")
    with pytest.raises(ConfigError, match=r"retention.run_days: unknown field"):
        resolve_retention(robot, "town")
    bad = _robot(tmp_path / "bad", "[retention]\nreports_days = 1.5\n")
    with pytest.raises(ConfigError, match=r"robot.toml: retention.reports_days: must be a whole number"):
        load_robot(bad)
    assert RobotRetention.of(robot, base=tmp_path).queues == ("out",)
    assert RobotRetention.of(robot, base=tmp_path).report_folders == (tmp_path / "reports",)


def test_rpa_retention_prune_and_log(tmp_path):
    folder = _robot(tmp_path / "r", "[retention]\npayload_days = 30\n")
    url = f"sqlite:///{tmp_path / 'rpa.db'}"
    assert rpa("store", "upgrade", "--store", url).returncode == 0
    from rpa_core.store import open_store

    store = open_store(url, migrate=False)
    queue = WorkQueue(store, "out", ONE_TRY)
    item = _item(queue, "flexloen:0101901234:2024-11", ItemState.DONE, timedelta(0))
    with store.engine.begin() as conn:  # last changed 31 days before the real clock
        conn.execute(update(work_items).values(updated_at=datetime.now(UTC) - 31 * DAY).where(work_items.c.id == item))
    store.close()

    dry = rpa("retention", "prune", str(folder), "--store", url, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    document = json.loads(dry.stdout)
    assert document["dry_run"] and document["counts"]["payloads"] == 1 and document["counts"]["item_files"] == 1
    assert document["robots"][0]["payload_days"] == 30 and document["robots"][0]["queues"] == ["out"]
    text = rpa("retention", "prune", str(folder), "--store", url)
    assert text.returncode == 0 and "Payloads" in text.stdout and "deleted" in text.stdout, text.stderr
    logged = json.loads(rpa("retention", "log", "--store", url, "--json").stdout)["entries"]
    assert [(e["dry_run"], e["counts"]["payloads"]) for e in logged] == [(False, 1), (True, 1)]

    assert_one_clear_line(rpa("retention", "prune", "--store", url), "robot folders")
    assert_one_clear_line(rpa("retention", "prune", str(tmp_path / "nope"), "--store", url), "does not exist")
    bad = _robot(tmp_path / "bad", profile="[retention]\nruns_days = -1\n")
    assert_one_clear_line(rpa("retention", "prune", str(bad), "--profile", "town", "--store", url), "runs_days")
