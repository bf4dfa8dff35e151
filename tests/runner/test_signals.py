"""Stopping a run with a signal (systemd, Docker, ``kill``, Ctrl-C): the CLI in a subprocess, a real signal to it
alone, real Robot Framework children.

After the stop no child survives, no item is left IN_PROGRESS, no attempt is charged (the items being worked go
back RETURNED), the run is recorded STOPPED with the signal, the merged log is written, and the exit code is
128 + the signal's number.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpa_core.errors import ConfigError
from rpa_core.queue import ItemState, Outcome, WorkQueue, item_history, list_items
from rpa_core.runner import RunResult, RunStatus
from rpa_core.runner.records import list_runs, list_steps
from rpa_core.runner.stopping import STOP_GRACE_SECONDS, signal_label, stop_grace_seconds
from rpa_core.store import open_store

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals; Windows stops with CTRL_BREAK_EVENT")

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "examples" / "hello"
STUBBORN = Path(__file__).parent / "robots" / "stubborn"
GRACE = 5
CHARGED = {Outcome.APPLICATION_ERROR, Outcome.LEASE_EXPIRED}
LABELS = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT (Ctrl-C)"}


# ----------------------------------------------------------------------------------------------- helpers
def slow_hello(tmp_path: Path) -> Path:
    """examples/hello whose consumer sleeps 1 s per item (and has no item that fails on purpose)."""
    robot = tmp_path / "hello"
    shutil.copytree(HELLO, robot)
    consumer = robot / "tasks" / "consumer.robot"
    line = "    IF    ${number} == 5    Fail Once\n"
    text = consumer.read_text(encoding="utf-8")
    assert line in text, "examples/hello's consumer changed: update this test's copy"
    consumer.write_text(text.replace(line, "    Sleep    1s\n"), encoding="utf-8")
    return robot


class Cli:
    """``rpa run|worker`` as a subprocess, its output in a file (a pipe nobody reads could fill up)."""

    def __init__(self, tmp_path: Path, command: str, robot: Path, url: str, *, grace: float = GRACE) -> None:
        self.runs_dir = tmp_path / "runs"
        self.log = tmp_path / f"{command}.log"
        argv = [
            sys.executable, "-m", "rpa_core.cli.main", command, str(robot),
            "--store", url, "--runs-dir", str(self.runs_dir),
        ]  # fmt: skip
        env = {**os.environ, "RPA_STOP_GRACE_SECONDS": str(grace)}
        with self.log.open("wb") as sink:
            self.proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        """Processes whose command line names the runs folder: the Robot Framework children (Linux /proc)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.proc.pid:
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(self.runs_dir) in cmdline:
                found.append(int(entry.name))
        return found

    def wait_for_work(self, store, queue: str, timeout: float = 60) -> None:
        """Until the store shows an item being worked or done: the consumer step is under way."""
        deadline = time.monotonic() + timeout
        while True:
            counts = WorkQueue(store, queue).counts()
            if counts.get(ItemState.IN_PROGRESS.value) or counts.get(ItemState.DONE.value):
                return
            assert self.proc.poll() is None, f"the CLI ended before the consumer worked an item:\n{self.output}"
            assert time.monotonic() < deadline, f"no item was taken in {timeout} s:\n{self.output}"
            time.sleep(0.05)

    def signal_and_wait(self, signum: int, timeout: float) -> float:
        """Send ``signum`` to the CLI process only; the seconds until it exited."""
        sent = time.monotonic()
        self.proc.send_signal(signum)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the CLI did not exit within {timeout} s of the signal:\n{self.output}")
        return time.monotonic() - sent

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid in self.children():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def cli(tmp_path):
    started: list[Cli] = []

    def _start(*args, **kwargs) -> Cli:
        started.append(Cli(tmp_path, *args, **kwargs))
        return started[-1]

    yield _start
    for one in started:
        one.cleanup()


def create_hello_items(store, count: int = 20) -> None:
    queue = WorkQueue(store, "hello")
    for number in range(1, count + 1):
        queue.create(f"hello:{number}", {"reference": f"hello:{number}", "number": number})


def assert_stopped_cleanly(store, cli: Cli, queue: str, signum: int, seen_children: list[int]) -> set[int]:
    """What every stop must leave behind; returns the ids of the items given back."""
    label = LABELS[signum]
    output = cli.output
    assert cli.proc.returncode == 128 + signum, output
    assert seen_children, "the test never saw a Robot Framework child running"
    survivors = cli.children()
    assert survivors == [], f"child processes survived the stop ({seen_children} were running):\n{output}"

    items = list_items(store, queue=queue, limit=1000)
    assert [i.reference for i in items if i.state is ItemState.IN_PROGRESS] == [], output
    returned: set[int] = set()
    for item in items:
        attempts = item_history(store, item.id).attempts
        charged = [(a.number, a.outcome, a.message) for a in attempts if a.outcome in CHARGED]
        assert charged == [], f"{item.reference}: attempts charged by the stop: {charged}\n{output}"
        assert all(a.outcome is not None for a in attempts), f"{item.reference}: an attempt left open"
        if any(a.outcome is Outcome.RETURNED for a in attempts):
            returned.add(item.id)
            assert item.state is ItemState.PENDING, item
            assert attempts[-1].outcome is Outcome.RETURNED
        if item.state is ItemState.PENDING and attempts:
            assert attempts[-1].outcome is Outcome.RETURNED, (item.reference, attempts[-1])

    [run] = list_runs(store)
    assert run.status == RunStatus.STOPPED.value, output
    assert run.stop_reason == f"run stopped by {label}"
    assert run.ended_at is not None
    steps = list_steps(store, run.id)
    assert all(step.status in ("SUCCEEDED", "STOPPED") for step in steps), steps
    stopped = [step for step in steps if step.status == "STOPPED"]
    assert stopped and all(step.message.startswith(f"stopped by {label}") for step in stopped), steps
    assert (Path(run.artifacts_dir) / "log.html").is_file(), output
    assert f"Stopped: run stopped by {label}; {len(returned)} item(s) returned to the queue" in output, output
    return returned


def _stop_mid_consumer(store, cli: Cli, signum: int) -> tuple[float, list[int], float]:
    cli.wait_for_work(store, "hello")
    delay = random.uniform(0, 1.5)
    time.sleep(delay)
    children = cli.children()
    elapsed = cli.signal_and_wait(signum, timeout=GRACE + 10)
    return elapsed, children, delay


# ------------------------------------------------------------------------------------------------- tests
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", ["run", "worker"])
def test_a_signal_stops_the_run_and_returns_its_items(command, signum, sqlite_url, tmp_path, cli):
    store = open_store(sqlite_url)
    if command == "worker":
        create_hello_items(store)
    runner = cli(command, slow_hello(tmp_path), sqlite_url)
    elapsed, children, delay = _stop_mid_consumer(store, runner, signum)
    assert elapsed < GRACE + 10
    assert_stopped_cleanly(store, runner, "hello", signum, children)
    # No further step after a stop, and nothing more was launched: every process the run recorded is over.
    assert "Step consumer: passed" not in runner.output
    print(
        f"{command} {signal.Signals(signum).name}: signal {delay:.2f} s into the consumer, exit after {elapsed:.2f} s"
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_sigterm_stops_a_run_on_postgresql(postgres_url, tmp_path, cli):
    store = open_store(postgres_url)
    runner = cli("run", slow_hello(tmp_path), postgres_url)
    elapsed, children, _ = _stop_mid_consumer(store, runner, signal.SIGTERM)
    assert elapsed < GRACE + 10
    assert_stopped_cleanly(store, runner, "hello", signal.SIGTERM, children)


def _stubborn_item_held(store, runner: Cli) -> int:
    runner.wait_for_work(store, "stubborn")
    time.sleep(1.0)  # the keyword has set SIGTERM to SIG_IGN and sleeps
    [held] = list_items(store, queue="stubborn", states=[ItemState.IN_PROGRESS])
    return held.id


@pytest.mark.slow
def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(sqlite_url, tmp_path, cli):
    store = open_store(sqlite_url)
    grace = 2  # short: the test waits it out
    runner = cli("run", STUBBORN, sqlite_url, grace=grace)
    held = _stubborn_item_held(store, runner)
    children = runner.children()
    elapsed = runner.signal_and_wait(signal.SIGTERM, timeout=grace + 10)
    assert grace <= elapsed < grace + 10, elapsed

    returned = assert_stopped_cleanly(store, runner, "stubborn", signal.SIGTERM, children)
    assert returned == {held}
    attempt = item_history(store, held).attempts[-1]
    assert (attempt.outcome, attempt.message) == (Outcome.RETURNED, "run stopped by SIGTERM")  # by the runner
    [consumer] = [s for s in list_steps(store, list_runs(store)[0].id) if s.name == "consumer"]
    assert consumer.message == f"stopped by SIGTERM (killed after {grace} s)"
    assert consumer.exit_code == -signal.SIGKILL


@pytest.mark.slow
def test_a_second_sigint_during_the_grace_period_kills_at_once(sqlite_url, tmp_path, cli):
    store = open_store(sqlite_url)
    runner = cli("run", STUBBORN, sqlite_url, grace=60)
    held = _stubborn_item_held(store, runner)
    children = runner.children()
    runner.proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert runner.proc.poll() is None, "the first SIGINT must wait for the stubborn child"
    elapsed = runner.signal_and_wait(signal.SIGINT, timeout=15)
    assert elapsed < 10, elapsed

    assert assert_stopped_cleanly(store, runner, "stubborn", signal.SIGINT, children) == {held}
    [consumer] = [s for s in list_steps(store, list_runs(store)[0].id) if s.name == "consumer"]
    assert consumer.message == "stopped by SIGINT (Ctrl-C) (killed at once: a second signal)"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_children_die_with_a_runner_killed_without_warning(sqlite_url, tmp_path, cli):
    """kill -9 on the runner alone: its children (in sessions of their own) do not work on unwatched."""
    store = open_store(sqlite_url)
    runner = cli("run", slow_hello(tmp_path), sqlite_url)
    runner.wait_for_work(store, "hello")
    children = runner.children()
    assert children
    runner.proc.send_signal(signal.SIGKILL)
    runner.proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while runner.children():
        assert time.monotonic() < deadline, f"children outlived a killed runner: {runner.children()}"
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------- the pieces
def test_grace_period_comes_from_the_environment():
    assert stop_grace_seconds({}) == STOP_GRACE_SECONDS == 20
    assert stop_grace_seconds({"RPA_STOP_GRACE_SECONDS": "2.5"}) == 2.5
    assert stop_grace_seconds({"RPA_STOP_GRACE_SECONDS": "0"}) == 0
    for bad in ("soon", "-1", "nan", "inf"):
        with pytest.raises(ConfigError, match="RPA_STOP_GRACE_SECONDS"):
            stop_grace_seconds({"RPA_STOP_GRACE_SECONDS": bad})


def test_exit_code_of_a_stopped_run(tmp_path):
    def result(status, stop_signal=None):
        return RunResult("r", status, {}, tmp_path, None, "why", stop_signal=stop_signal)

    assert result(RunStatus.STOPPED, signal.SIGINT).exit_code == 130
    assert result(RunStatus.STOPPED, signal.SIGTERM).exit_code == 143
    assert result(RunStatus.STOPPED).exit_code == 1  # the kill switch
    assert result(RunStatus.SUCCEEDED).exit_code == 0
    assert signal_label(signal.SIGINT) == "SIGINT (Ctrl-C)"
    assert signal_label(signal.SIGTERM) == "SIGTERM"
