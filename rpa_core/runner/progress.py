"""What an operator sees while a run goes: a rich progress bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rpa_core.privacy import mask_cpr
from rpa_core.queue.lifecycle import Tally


class RunObserver(Protocol):
    def message(self, text: str) -> None: ...
    def items(self, step: str, finished: int, total: int, counts: dict[str, int]) -> None: ...
    def close(self) -> None: ...


def _summary(counts: dict[str, int]) -> str:
    tally = Tally.of(counts)
    return f"done {tally.done} · business {tally.business} · errors {tally.errors}"


class ConsoleObserver:
    """Progress bars when attached to a terminal; one line per message otherwise (cron, CI, scheduler logs)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, markup=False, highlight=False)
        self._progress: Progress | None = None
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

    def message(self, text: str) -> None:
        self.console.print(mask_cpr(text))

    def items(self, step: str, finished: int, total: int, counts: dict[str, int]) -> None:
        if self._progress is None:
            return
        if step not in self._tasks:
            self._tasks[step] = self._progress.add_task(step, total=total, step=step, summary="")
        self._progress.update(self._tasks[step], completed=finished, total=max(total, 1), summary=_summary(counts))

    def close(self) -> None:
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
