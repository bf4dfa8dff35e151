"""Progress in a log: a step's counts as a plain line at most every interval, and its final counts at the end."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from support import rpa

from rpa_core.runner.progress import ConsoleObserver

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"
LINE = re.compile(r"^consumer: \d+/20 done, \d+ manual, \d+ errors$")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def log():
    """An observer on a console that is not a terminal (a log file), with a 10 s interval and a fake clock."""
    out = io.StringIO()
    clock = Clock()
    observer = ConsoleObserver(Console(file=out, markup=False, highlight=False), interval=10, clock=clock)
    assert not observer.console.is_terminal
    return observer, clock, out


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def test_a_line_at_most_every_interval_while_items_finish(log):
    observer, clock, out = log
    observer.items("consumer", 0, 960, {"PENDING": 960})
    assert lines(out) == ["consumer: 0/960 done, 0 manual, 0 errors"]

    clock.now += 4
    observer.items("consumer", 50, 960, {"DONE": 50})
    clock.now += 5.9
    observer.items("consumer", 90, 960, {"DONE": 88, "BUSINESS_EXCEPTION": 2})
    assert len(lines(out)) == 1, "nothing before the interval has passed"

    clock.now += 0.1
    observer.items("consumer", 124, 960, {"DONE": 120, "BUSINESS_EXCEPTION": 4, "IN_PROGRESS": 2})
    assert lines(out)[-1] == "consumer: 120/960 done, 4 manual, 0 errors"

    clock.now += 30
    observer.items("consumer", 124, 960, {"DONE": 120, "BUSINESS_EXCEPTION": 4, "IN_PROGRESS": 2})
    assert len(lines(out)) == 2, "the same counts are not printed again"


def test_the_final_counts_of_every_step_are_printed(log):
    observer, clock, out = log
    observer.items("consumer", 0, 20, {})
    clock.now += 1
    observer.items("consumer", 20, 20, {"DONE": 17, "BUSINESS_EXCEPTION": 2, "ABANDONED": 1})
    observer.message("Step reporter: started")  # the next step: the consumer's last counts come first
    assert lines(out) == [
        "consumer: 0/20 done, 0 manual, 0 errors",
        "consumer: 17/20 done, 2 manual, 1 errors",
        "Step reporter: started",
    ]

    observer.items("second", 0, 5, {})
    clock.now += 1
    observer.items("second", 5, 5, {"DONE": 5})
    observer.close()  # the run ended
    assert lines(out)[-2:] == ["second: 0/5 done, 0 manual, 0 errors", "second: 5/5 done, 0 manual, 0 errors"]


def test_another_step_reporting_ends_the_one_before(log):
    observer, clock, out = log
    observer.items("first", 0, 3, {})
    clock.now += 1
    observer.items("first", 3, 3, {"DONE": 3})
    observer.items("second", 0, 2, {})
    assert lines(out) == [
        "first: 0/3 done, 0 manual, 0 errors",
        "first: 3/3 done, 0 manual, 0 errors",
        "second: 0/2 done, 0 manual, 0 errors",
    ]


def test_messages_are_one_masked_line_each(log):
    observer, _clock, out = log
    text = "Step consumer: work item 7 (borger:0101901234) was still held when its process exited " + "x" * 100
    observer.message(text)
    assert lines(out) == [text.replace("0101901234", "010190-XXXX")]


@pytest.mark.slow
def test_rpa_run_in_a_log_prints_progress_lines(tmp_path):
    result = rpa("run", str(HELLO), "--store", f"sqlite:///{tmp_path}/x.db", "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 0, result.stderr
    logged = result.stderr.splitlines()
    progress = [line for line in logged if LINE.match(line)]
    assert progress, result.stderr
    assert progress[-1] == "consumer: 18/20 done, 2 manual, 0 errors"
    started = logged.index("Step consumer: 2 worker(s) on queue 'hello'")
    assert started < logged.index(progress[0]), "the lines come while the consumer step runs"
