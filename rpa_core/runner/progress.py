"""What an operator sees while a run goes: a rich progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rpa_core.privacy import mask_text
from rpa_core.queue.lifecycle import Tally

PROGRESS_INTERVAL_SECONDS = 10.0  # a log gets a step's counts at most this often


class RunObserver(Protocol):
    def message(self, text: str) -> None: ...
    def items(self, step: str, finished: int, total: int, counts: dict[str, int]) -> None: ...
    def close(self) -> None: ...


def _summary(counts: dict[str, int]) -> str:
    tally = Tally.of(counts)
    return f"done {tally.done} · business {tally.business} · errors {tally.errors}"


def progress_line(step: str, total: int, counts: dict[str, int]) -> str:
    """``consumer: 120/960 done, 4 manual, 0 errors``: "manual" are business exceptions, a caseworker's to act on."""
    tally = Tally.of(counts)
    return f"{step}: {tally.done}/{total} done, {tally.business} manual, {tally.errors} errors"


@dataclass
class _Step:
    line: str  # the newest counts
    printed: str | None = None  # the line printed last
    printed_at: float = 0.0


class ProgressLines:
    """A step's counts as plain lines for a log: at most every ``interval`` seconds while they change, and its
    newest counts before anything else is printed (a message, another step's counts, the end of the run), so the
    last line of every step is its final count."""

    def __init__(self, console: Console, interval: float, clock: Callable[[], float]) -> None:
        self.console = console
        self.interval = interval
        self.clock = clock
        self._steps: dict[str, _Step] = {}

    def update(self, step: str, total: int, counts: dict[str, int]) -> None:
        line = progress_line(step, total, counts)
        self.flush(but=step)  # another step reporting means the ones before it ended
        state = self._steps.setdefault(step, _Step(line))
        state.line = line
        now = self.clock()
        if state.printed != line and (state.printed is None or now - state.printed_at >= self.interval):
            self._print(state, now)

    def flush(self, *, but: str | None = None) -> None:
        """Print every step's newest counts not printed yet (except ``but``'s)."""
        for name, state in self._steps.items():
            if name != but and state.printed != state.line:
                self._print(state, self.clock())

    def _print(self, state: _Step, now: float) -> None:
        self.console.print(state.line, soft_wrap=True)
        state.printed, state.printed_at = state.line, now


class ConsoleObserver:
    """Progress bars when attached to a terminal; plain lines otherwise (cron, CI, scheduler logs): each message,
    and each step's item counts at most every ``interval`` seconds plus its final counts (see ProgressLines)."""

    def __init__(
        self,
        console: Console | None = None,
        *,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console or Console(stderr=True, markup=False, highlight=False)
        self._progress: Progress | None = None
        self._lines: ProgressLines | None = None
        self._tasks: dict[str, int] = {}
        if self.console.is_terminal:
            self._progress = Progress(
                TextColumn("[bold]{task.fields[step]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[summary]}"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._progress.start()
        else:
            self._lines = ProgressLines(self.console, interval, clock)

    def message(self, text: str) -> None:
        if self._lines is not None:
            self._lines.flush()
        self.console.print(mask_text(text), soft_wrap=True)

    def items(self, step: str, finished: int, total: int, counts: dict[str, int]) -> None:
        if self._lines is not None:
            self._lines.update(step, total, counts)
            return
        if self._progress is None:
            return
        if step not in self._tasks:
            self._tasks[step] = self._progress.add_task(step, total=total, step=step, summary="")
        self._progress.update(self._tasks[step], completed=finished, total=max(total, 1), summary=_summary(counts))

    def close(self) -> None:
        if self._lines is not None:
            self._lines.flush()
        if self._progress is not None:
            self._progress.stop()


class QuietObserver:
    """Observes nothing: for tests and library use."""

    def message(self, text: str) -> None:
        pass

    def items(self, step: str, finished: int, total: int, counts: dict[str, int]) -> None:
        pass

    def close(self) -> None:
        pass
