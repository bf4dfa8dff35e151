"""A run: a run record, then the robot's steps in order, each in Robot Framework child processes.

A step that takes work items runs on ``workers`` processes at once. A process ends when the queue has nothing
left for it, or early when a task fails (rpaframework releases the item as an application error); the runner
then starts another while work remains. The kill switch stops a run after N application errors in a row.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging import Robot, Settings, Step, resolve_settings
from rpa_core.queue import (
    FINAL,
    ItemState,
    QueuePolicy,
    WorkQueue,
    attempts_by_worker,
    consecutive_failures,
    count_items,
)
from rpa_core.runner import records
from rpa_core.runner.artifacts import first_failure, merge_outputs
from rpa_core.runner.preflight import ensure_runnable
from rpa_core.runner.process import RF_BROKEN_RC, StepContext, StepProcess
from rpa_core.runner.progress import QuietObserver, RunObserver
from rpa_core.runner.records import RunStatus
from rpa_core.store import Store

POLL_SECONDS = 0.5
# A slot whose processes claim nothing this many times in a row while failing is broken, not unlucky.
MAX_IDLE_FAILURES = 2
OK_STATES = {ItemState.DONE.value, ItemState.BUSINESS_EXCEPTION.value}


@dataclass
class RunResult:
    """How a run ended, with the counts of the items it created or worked."""

    run_id: str
    status: RunStatus
    counts: dict[str, int]
    artifacts_dir: Path
    log_html: Path | None
    stop_reason: str | None = None
    failed_steps: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every item ended DONE or BUSINESS_EXCEPTION and every step ran; else 1."""
        return 0 if self.status is RunStatus.SUCCEEDED else 1


@dataclass
class _Slot:
    index: int
    process: StepProcess | None = None
    worker_id: str = ""
    step_id: int = 0
    launches: int = 0
    idle_failures: int = 0


class Runner:
    """Runs one robot against one store, writing artifacts under ``runs_dir``/<run-id>."""

    def __init__(
        self,
        store: Store,
        robot: Robot,
        *,
        runs_dir: Path = Path("runs"),
        observer: RunObserver | None = None,
        variables: tuple[str, ...] = (),
        settings: Settings | None = None,
        preflight: bool = True,
    ) -> None:
        self.preflight = preflight
        self.store = store
        self.robot = robot
        self.settings = settings or resolve_settings(robot, environ={})
        self.runs_dir = Path(runs_dir).resolve()
        self.observer = observer or QuietObserver()
        self.variables = variables
        settings = robot.manifest.queue
        self.policy = QueuePolicy(
            max_attempts=settings.max_attempts,
            backoff_seconds=settings.backoff_seconds,
            lease_seconds=settings.lease_seconds,
        )
        self.kill_switch = robot.manifest.run.kill_switch

    # ------------------------------------------------------------------ entry
    def run(self) -> RunResult:
        """Every step of the manifest, in order."""
        return self._execute(self.robot.manifest.steps, workers=None, forever=False)

    def work(self, step_name: str | None = None, *, workers: int | None = None, forever: bool = False) -> RunResult:
        """Only the step that takes work items (or ``step_name``), until its queue is empty or for ever."""
        if step_name:
            step = self.robot.step(step_name)
        else:
            consumers = self.robot.consumer_steps()
            if len(consumers) != 1:
                names = ", ".join(s.name for s in consumers) or "none"
                raise ConfigError(f"{self.robot.name}: choose the step to work with --step (steps with input: {names})")
            step = consumers[0]
        if not step.takes_work_items:
            raise ConfigError(f"{self.robot.name}: step '{step.name}' has no input_queue, so there is nothing to work")
        return self._execute([step], workers=workers, forever=forever)

    # -------------------------------------------------------------- the run
    def _execute(self, steps: list[Step], *, workers: int | None, forever: bool) -> RunResult:
        if self.preflight:  # a broken task file stops here, before a run is recorded or an item charged
            ensure_runnable(self.robot, self.settings, self.variables)
        run_id = records.new_run_id()
        run_dir = self.runs_dir / run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        records.create_run(
            self.store,
            robot=self.robot.name,
            version=self.robot.manifest.robot.version,
            artifacts_dir=str(run_dir),
            kill_switch=self.kill_switch,
            run_id=run_id,
        )
        profile = f", profile {self.settings.profile}" if self.settings.profile else ""
        self.observer.message(f"Run {run_id}: robot {self.robot.name} {self.robot.manifest.robot.version}{profile}")
        self.settings.write_variable_file(run_dir / "settings.json")
        outputs: list[Path] = []
        failed_steps: list[str] = []
        stop_reason: str | None = None
        try:
            for step in steps:
                if step.takes_work_items:
                    broken, stop_reason = self._run_consumer(
                        run_id, run_dir, step, workers or step.workers, forever, outputs
                    )
                else:
                    broken = not self._run_single(run_id, run_dir, step, outputs)
                if broken:
                    failed_steps.append(step.name)
                if broken or stop_reason:
                    break
        except KeyboardInterrupt:
            stop_reason = "interrupted by the operator"
        log_html = merge_outputs(run_dir, self.robot.name, outputs)
        counts = count_items(self.store, run_id=run_id)
        status = self._status(counts, failed_steps, stop_reason)
        records.finish_run(self.store, run_id, status, stop_reason)
        self.observer.close()
        return RunResult(run_id, status, counts, run_dir, log_html, stop_reason, failed_steps)

    @staticmethod
    def _status(counts: dict[str, int], failed_steps: list[str], stop_reason: str | None) -> RunStatus:
        if stop_reason:
            return RunStatus.STOPPED
        if failed_steps or any(state not in OK_STATES for state in counts):
            return RunStatus.FAILED
        return RunStatus.SUCCEEDED

    def _context(self, run_id: str, output_dir: Path, worker_id: str, forever: bool = False) -> StepContext:
        return StepContext(
            variable_file=output_dir.parent / "settings.json",
            store_url=self.store.url_string(),
            run_id=run_id,
            worker_id=worker_id,
            output_dir=output_dir,
            wait_forever=forever,
            variables=self.variables,
        )

    def _run_single(self, run_id: str, run_dir: Path, step: Step, outputs: list[Path]) -> bool:
        """A step without work items (producer, reporter): one process; True when it passed."""
        worker_id = f"{socket.gethostname()}:{run_id}:{step.name}"
        output_dir = run_dir / step.name
        step_id = records.start_step(self.store, run_id, step.name, worker_id, str(output_dir))
        self.observer.message(f"Step {step.name}: started")
        process = StepProcess(self.robot, step, self._context(run_id, output_dir, worker_id))
        try:
            code = process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            raise
        finally:
            outputs.append(process.output_xml)
        status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED
        reason = first_failure(process.output_xml) if code != 0 else None
        records.finish_step(self.store, step_id, status, code, reason)
        if code == 0:
            self.observer.message(f"Step {step.name}: passed")
        else:
            self.observer.message(
                f"Step {step.name}: FAILED (exit code {code})"
                + (f": {reason}" if reason else "")
                + f"; see {process.console_path}"
            )
        return code == 0

    def _run_consumer(
        self, run_id: str, run_dir: Path, step: Step, workers: int, forever: bool, outputs: list[Path]
    ) -> tuple[bool, str | None]:
        """A step that takes work items on ``workers`` processes. Returns (broken, stop_reason)."""
        queue = WorkQueue(self.store, step.input_queue, self.policy)
        slots = [_Slot(index=i + 1) for i in range(workers)]
        broken = False
        stop_reason: str | None = None
        self.observer.message(f"Step {step.name}: {workers} worker(s) on queue '{queue.name}'")
        try:
            while True:
                for slot in slots:
                    if slot.process is not None and slot.process.poll() is not None:
                        broken |= self._reap(slot, run_id, step, forever)
                if stop_reason is None and self._kill_switch_tripped(run_id):
                    stop_reason = f"kill switch: {self.kill_switch} application errors in a row"
                    self.observer.message(f"Step {step.name}: STOPPED by the {stop_reason}")
                work_left = forever or queue.next_wakeup() is not None
                if not broken and stop_reason is None and work_left:
                    for slot in slots:
                        if slot.process is None:
                            self._launch(slot, run_id, run_dir, step, forever, outputs)
                self._report(run_id, step, queue)
                if all(slot.process is None for slot in slots):
                    break
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            for slot in slots:
                if slot.process is not None:
                    slot.process.terminate()
                    slot.process.wait()
            raise
        self._report(run_id, step, queue)
        return broken, stop_reason

    def _launch(self, slot: _Slot, run_id: str, run_dir: Path, step: Step, forever: bool, outputs: list[Path]) -> None:
        slot.launches += 1
        suffix = f"-w{slot.index}" if step.workers > 1 or slot.index > 1 else ""
        name = f"{step.name}{suffix}" + (f"-{slot.launches}" if slot.launches > 1 else "")
        slot.worker_id = f"{socket.gethostname()}:{run_id}:{name}"
        output_dir = run_dir / name
        slot.step_id = records.start_step(self.store, run_id, step.name, slot.worker_id, str(output_dir))
        slot.process = StepProcess(self.robot, step, self._context(run_id, output_dir, slot.worker_id, forever))
        outputs.append(slot.process.output_xml)

    def _reap(self, slot: _Slot, run_id: str, step: Step, forever: bool) -> bool:
        """Record a finished process; True when the step is broken (the process could not work at all)."""
        assert slot.process is not None
        code = slot.process.wait()
        claimed = attempts_by_worker(self.store, slot.worker_id)
        cannot_run = code >= RF_BROKEN_RC or code < 0
        slot.idle_failures = slot.idle_failures + 1 if (claimed == 0 and code != 0) else 0
        broken = cannot_run or (slot.idle_failures >= MAX_IDLE_FAILURES and not forever)
        status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED  # an item's failure ends its process too
        reason = first_failure(slot.process.output_xml) if code != 0 else None
        records.finish_step(self.store, slot.step_id, status, code, reason)
        if broken:
            self.observer.message(
                f"Step {step.name}: worker process FAILED (exit code {code}, {claimed} items)"
                + (f": {reason}" if reason else "")
                + f"; see {slot.process.console_path}"
            )
        slot.process = None
        return broken

    def _kill_switch_tripped(self, run_id: str) -> bool:
        if not self.kill_switch:
            return False
        return consecutive_failures(self.store, run_id, self.kill_switch) >= self.kill_switch

    def _report(self, run_id: str, step: Step, queue: WorkQueue) -> None:
        run_counts = count_items(self.store, queue=queue.name, run_id=run_id)
        queue_counts = queue.counts()
        finished = sum(n for state, n in run_counts.items() if state in {s.value for s in FINAL})
        open_items = sum(n for state, n in queue_counts.items() if state not in {s.value for s in FINAL})
        self.observer.items(step.name, finished, finished + open_items, run_counts)
