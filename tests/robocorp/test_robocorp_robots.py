"""Robocorp robots run here unmodified: three robots written as Robocorp's templates are (robot.yaml, conda.yaml,
devdata work items; no robot.toml) give, run by ``rpa run``, the work items Robocorp's own FileAdapter gives.

Each test runs one robot both ways on copies of its folder (robocorp_reference.py):

- the reference, as rcc runs a process's steps locally: each task of robot.yaml in order, rpaframework's or
  robocorp-workitems' FileAdapter reading step i's input work-items.json and writing its output work-items.json,
  which is step i+1's input;
- ``rpa run ROBOT --input ROBOT/devdata/work-items-in/NAME`` as a child process, on a SQLite store, then
  ``rpa queue ls --json`` and ``rpa queue export`` for each queue.

Then, step by step: the items in the queue that holds a step's outputs equal the FileAdapter's outputs of that step,
item for item (payloads, and files by name and content), and each item the step took ended as the FileAdapter
released it: COMPLETED is DONE, FAILED/BUSINESS is BUSINESS_EXCEPTION, FAILED/APPLICATION is retried and then
ABANDONED (without a robot.toml: 3 attempts), each with the same code and message.

Our side of every robot is started at once, before any reference side: its retries of an application error wait out
the default backoff (5 s, then 10 s) while the others run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from robocorp_reference import (
    ORDER_ROWS,
    Release,
    StepResult,
    copy_robot,
    read_items,
    run_process_like_control_room,
    slug,
    tasks,
    write_orders_workbook,
)

pytestmark = pytest.mark.slow

DEFAULT_MAX_ATTEMPTS = 3  # a robot without robot.toml has rpa's default queue policy
OUR_STATE = {"BUSINESS": "BUSINESS_EXCEPTION", "APPLICATION": "ABANDONED"}


# ------------------------------------------------------------------ the two sides


def prepare(name: str, side: Path, devdata: str) -> tuple[Path, Path]:
    """A copy of the robot for one side, and its devdata input folder (rf-producer-consumer's workbook written)."""
    robot = copy_robot(name, side)
    folder = robot / "devdata" / "work-items-in" / devdata
    if name == "rf-producer-consumer":
        write_orders_workbook(folder / "orders.xlsx")
    return robot, folder


def clean_environment() -> dict[str, str]:
    """This environment without work-item, store or rcc variables: ``rpa run`` sets what its steps get."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("RPA_", "RC_", "ROBOT_"))}


@dataclass
class OurRun:
    """``rpa run`` of one robot, started as a child process; its console goes to files (no pipe to fill up)."""

    name: str
    folder: Path  # the run's own tmp folder: the robot copy under ours/, the store, runs/, exports
    robot: Path
    process: subprocess.Popen
    store: str

    def wait(self, timeout: float) -> tuple[int, str]:
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        console = "".join((self.folder / f"rpa-run.{s}").read_text(encoding="utf-8") for s in ("out", "err"))
        return code, console


def start_rpa_run(name: str, folder: Path) -> OurRun:
    robot, devdata = prepare(name, folder / "ours", ROBOTS[name][0])
    store = f"sqlite:///{(folder / 'rpa.db').as_posix()}"
    command = [sys.executable, "-m", "rpa_core.cli.main", "run", str(robot), "--input", str(devdata)]
    command += ["--store", store, "--runs-dir", str(folder / "runs")]
    with open(folder / "rpa-run.out", "w") as out, open(folder / "rpa-run.err", "w") as err:
        process = subprocess.Popen(command, cwd=folder, env=clean_environment(), stdout=out, stderr=err)
    return OurRun(name, folder, robot, process, store)


@pytest.fixture(scope="module")
def our_runs(request, tmp_path_factory):
    """``rpa run`` of every robot this session tests, all started at once: each waits out its retries' backoff
    while the others and the reference sides run."""
    wanted = {
        item.callspec.params["name"]
        for item in request.session.items
        if item.module is request.module and "name" in getattr(getattr(item, "callspec", None), "params", {})
    }
    runs = {name: start_rpa_run(name, tmp_path_factory.mktemp(name)) for name in ROBOTS if name in wanted}
    yield runs
    for run in runs.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


def rpa(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", *args],
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def our_queues(store: str, cwd: Path) -> dict[str, list[dict]]:
    """Every queue in the store with its items, oldest first (``rpa queue ls --json``)."""
    listing = rpa("queue", "ls", "--json", "--limit", "10000", "--store", store, cwd=cwd)
    assert listing.returncode == 0, listing.stderr
    queues: dict[str, list[dict]] = {}
    for item in sorted(json.loads(listing.stdout)["items"], key=lambda i: i["id"]):
        queues.setdefault(item["queue"], []).append(item)
    return queues


def exported(queue: str, store: str, folder: Path) -> list[dict]:
    """A queue's items as FileAdapter writes outputs (``rpa queue export``), read back as payloads and files."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = rpa("queue", "export", queue, str(folder), "--store", store, cwd=folder.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    return read_items(folder / "work-items.json")


# ------------------------------------------------------------------ what the FileAdapter runs must show


def ids(items: list[dict], key: str = "order_id") -> list:
    return [item["payload"][key] for item in items]


def released(step: StepResult) -> list[tuple[str, str | None]]:
    return [(r.state, r.exception["code"] if r.exception else None) for r in step.releases]


DONE = ("COMPLETED", None)


def check_rf_producer_consumer(reference: list[StepResult]) -> None:
    produce, consume = reference
    keys = ("order_id", "customer", "item", "quantity", "note")  # the sheet's columns, as the producer names them
    rows = [dict(zip(keys, row, strict=True)) for row in ORDER_ROWS[1:]]
    assert [i["payload"] for i in produce.output_items()] == rows  # an empty cell is null
    assert released(consume) == [
        DONE,
        ("FAILED", "INVALID_ORDER"),
        ("FAILED", "ORDER_SYSTEM_DOWN"),
        DONE,
        ("FAILED", "INVALID_ORDER"),
    ]
    assert consume.releases[2].exception["type"] == "APPLICATION"
    outputs = consume.output_items()
    assert ids(outputs) == ["ORD-1001", "ORD-1004"]
    assert outputs[1]["payload"] == {"order_id": "ORD-1004", "customer": "Ærø Møbler K/S", "status": "confirmed"}
    assert outputs[1]["files"] == {
        "confirmation-ORD-1004.txt": "Order ORD-1004 for Ærø Møbler K/S\n1 x Bookshelf\n".encode()
    }


def check_rf_three_step(reference: list[StepResult]) -> None:
    split, price, report = reference
    prices = split.output_items()
    assert ids(prices) == ["B-2026-11-1", "B-2026-11-2", "B-2026-11-3", "B-2026-11-4"]
    assert all(list(item["files"]) == ["prices.csv"] for item in prices)
    assert released(price) == [DONE, DONE, ("FAILED", "UNKNOWN_PRODUCT"), DONE]
    assert [i["payload"]["total"] for i in price.output_items()] == ["2499.00", "3995.00", "1049.85"]
    assert released(report) == [DONE, DONE, DONE]
    (summary,) = report.output_items()
    assert summary["payload"] == {
        "batch": "B-2026-11",
        "orders": ["B-2026-11-1", "B-2026-11-2", "B-2026-11-4"],
        "total": "7543.85",
    }
    assert summary["files"]["summary-B-2026-11.csv"].decode().splitlines()[-1] == "TOTAL;7543.85"


def check_python_producer_consumer(reference: list[StepResult]) -> None:
    producer, consumer = reference
    orders = producer.output_items()
    assert ids(orders) == ["PO-2001", "PO-2002", "PO-2003", "PO-2004", "PO-2005"]
    assert json.loads(orders[4]["files"]["order-PO-2005.json"]) == orders[4]["payload"]
    assert released(producer) == [DONE]
    assert released(consumer) == [
        DONE,
        ("FAILED", "INVALID_ORDER"),
        ("FAILED", "CUSTOMER_BLOCKED"),
        ("FAILED", "ERP_DOWN"),
        DONE,
    ]
    assert [r.exception["type"] for r in consumer.releases[1:4]] == ["BUSINESS", "BUSINESS", "APPLICATION"]
    outputs = consumer.output_items()
    assert ids(outputs) == ["PO-2001", "PO-2005"]
    assert outputs[1]["files"] == {
        "confirmation-PO-2005.txt": "Order PO-2005 for Ærø Møbler K/S: 3 x Whiteboard\n".encode()
    }


ROBOTS = {
    "rf-producer-consumer": ("orders", check_rf_producer_consumer),
    "rf-three-step": ("batch", check_rf_three_step),
    "python-producer-consumer": ("orders", check_python_producer_consumer),
}


# ------------------------------------------------------------------ our side against the reference


def expected_state(release: Release) -> tuple[str, str | None, str | None]:
    if release.state == "COMPLETED":
        return ("DONE", None, None)
    return (OUR_STATE[release.exception["type"]], release.exception["code"], release.exception["message"])


def compare(reference: list[StepResult], ours: OurRun) -> None:
    queues = our_queues(ours.store, ours.folder)
    steps = [slug(task.name) for task in tasks(ours.robot)]
    seen = {q: [(i["id"], i["state"], i["last_message"]) for i in items] for q, items in queues.items()}
    for number, (step, result) in enumerate(zip(steps, reference, strict=True)):
        queue = f"{slug(ours.name)}.{step}"
        expected = result.output_items()
        if expected:
            assert queue in queues, f"step {step}: its {len(expected)} output(s) are in no queue {queue}: {seen}"
            items = exported(queue, ours.store, ours.folder / "export" / queue)
            assert items == expected, f"step {step}: queue {queue} differs from the FileAdapter's outputs"
        else:
            assert queue not in queues, f"step {step} made no output with FileAdapter, ours: {queues[queue]}"
        if number == 0:
            continue  # the first step's input is the devdata item (--input), not a queue's
        taken = queues[f"{slug(ours.name)}.{steps[number - 1]}"]
        states = [(i["state"], i["last_code"], i["last_message"] if i["state"] != "DONE" else None) for i in taken]
        assert states == [expected_state(r) for r in result.releases], f"step {step}: how its inputs ended"
        for item in taken:
            retried = item["state"] == "ABANDONED"
            assert item["attempts"] == (DEFAULT_MAX_ATTEMPTS if retried else 1), item


@pytest.mark.parametrize("name", list(ROBOTS))
def test_robocorp_robot_runs_unmodified(name, tmp_path, our_runs):
    devdata, check_reference = ROBOTS[name]
    ours = our_runs[name]
    assert not (ours.robot / "robot.toml").exists()

    robot, devdata_folder = prepare(name, tmp_path / "reference", devdata)
    reference = run_process_like_control_room(robot, devdata_folder / "work-items.json", tmp_path / "file-adapter")
    check_reference(reference)  # the robots are sound Robocorp robots: what FileAdapter makes of them

    code, console = ours.wait(timeout=150)
    assert "Traceback" not in console, console
    abandoned = any(r.exception and r.exception["type"] == "APPLICATION" for s in reference for r in s.releases)
    # As rcc and Control Room see it: the run failed only if an item was given up. The last step's outputs are the
    # process's result (Control Room keeps them); that no step takes them is no failure.
    assert code == (1 if abandoned else 0), console
    compare(reference, ours)
