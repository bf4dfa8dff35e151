"""A run: a run record, then the robot's steps in order, each in Robot Framework child processes.

A step that takes work items runs on ``workers`` processes at once. A process ends when the queue has nothing
left for it; a failing item does not end it (``rpa_core.keywords.items`` takes the next one), but a crash or a
failing suite setup does, and the runner then starts another while work remains. The kill switch stops a run
after N application errors in a row.

A signal (SIGTERM, SIGINT, SIGHUP; SIGBREAK on Windows) stops a run. Each child leads a process group of its own,
so a Ctrl-C on the terminal reaches the runner only. The runner's handler only records the signal; the main loop
then launches nothing more, asks every child's group to stop (SIGTERM: Robot Framework fails the running keyword
with "Execution terminated by signal" and the adapter gives its item back), waits up to the grace period
(``RPA_STOP_GRACE_SECONDS``, default 20 s; a second signal ends the wait) and kills the groups still alive. Then
every item a process of the run still holds goes back to its queue uncharged, the run is recorded STOPPED, the
merged log is written from the outputs there are, and the exit code is 128 + the signal's number.

A process that exits on its own while still holding an item (a step that took its input with ``Get Input Work
Item`` and never released it) has the item settled: DONE when it exited 0, else an application error.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging import Robot, Settings, Step, resolve_settings
from rpa_core.packaging.references import QUEUE_CONTEXT_FILE
from rpa_core.packaging.rf_options import check_rf_args
from rpa_core.queue import (
    FINAL,
    ItemState,
    LeaseLostError,
    QueuePolicy,
    WorkQueue,
    attempts_by_worker,
    consecutive_failures,
    count_items,
    held_by,
    returned_items,
)
from rpa_core.queue.devdata import DevItem
from rpa_core.runner import records
from rpa_core.runner.artifacts import first_failure, merge_outputs
from rpa_core.runner.inputs import write_queue_context
from rpa_core.runner.preflight import ensure_runnable
from rpa_core.runner.process import RF_BROKEN_RC, StepContext, StepProcess, register_credentials
from rpa_core.runner.progress import QuietObserver, RunObserver
from rpa_core.runner.records import RunStatus
from rpa_core.runner.stopping import StopRequest, signal_handlers, stop_grace_seconds
from rpa_core.store import Store

POLL_SECONDS = 0.5
TICK_SECONDS = 0.1  # how soon the main loop notices a signal or a process's end
# A slot whose processes claim nothing this many times in a row while failing is broken, not unlucky.
MAX_IDLE_FAILURES = 2


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
    stop_signal: int | None = None  # the signal that stopped the run
    returned: int = 0  # items the stop gave back to their queue, uncharged
    duplicates: int = 0  # outputs not created again: their declared reference was already in the queue

    @property
    def exit_code(self) -> int:
        """0 when every item ended DONE or BUSINESS_EXCEPTION and every step ran; 128 + the signal's number
        when a signal stopped the run (130 SIGINT, 143 SIGTERM); else 1 (the kill switch too)."""
        if self.stop_signal is not None:
            return 128 + self.stop_signal
        return 0 if self.status is RunStatus.SUCCEEDED else 1


@dataclass
class _Slot:
    index: int
    process: StepProcess | None = None
    worker_id: str = ""
    step_id: int = 0
    launches: int = 0
    idle_failures: int = 0


@dataclass
class _Live:
    """A step process that has not been reaped yet."""

    process: StepProcess
    step_id: int
    worker_id: str
    step_name: str


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
        rf_options: tuple[str, ...] = (),
        settings: Settings | None = None,
        preflight: bool = True,
        stop_grace: float | None = None,
        input_items: list[DevItem] | None = None,
        run_id: str | None = None,
    ) -> None:
        self.run_id = run_id  # given by the scheduler, which records it before the run starts; else a new one
        self.input_items = input_items  # rpa run --input: the first step's input instead of one empty seed item
        self._duplicates = 0
        self.preflight = preflight
        self.stop_grace = stop_grace_seconds() if stop_grace is None else stop_grace
        self._stop = StopRequest()
        self._live: dict[int, _Live] = {}
        self.store = store
        self.robot = robot
        self.settings = settings or resolve_settings(robot, environ={})
        self.runs_dir = Path(runs_dir).resolve()
        self.observer = observer or QuietObserver()
        self.variables = variables
        self.rf_options = check_rf_args(rf_options, "rf_options") if rf_options else ()  # Robot Framework options
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

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop the run as ``signum`` would (for a runner driven from another thread than the main one)."""
        self._stop(signum)

    # -------------------------------------------------------------- the run
    def _execute(self, steps: list[Step], *, workers: int | None, forever: bool) -> RunResult:
        if self.preflight:  # a broken task file stops here, before a run is recorded or an item charged
            ensure_runnable(self.robot, self.settings, self.variables)
        self._stop = StopRequest()
        self._live = {}
        with signal_handlers(self._stop):
            return self._execute_run(steps, workers=workers, forever=forever)

    def _execute_run(self, steps: list[Step], *, workers: int | None, forever: bool) -> RunResult:
        run_id = self.run_id or records.new_run_id()
        run_dir = self.runs_dir / run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        self._duplicates = 0
        write_queue_context(
            self.store, self.robot, self.policy, run_dir, run_id, steps[0] if steps else None, self.input_items
        )
        records.create_run(
            self.store,
            robot=self.robot.name,
            version=self.robot.manifest.robot.version,
            artifacts_dir=str(run_dir),
            kill_switch=self.kill_switch,
            run_id=run_id,
            profile=self.settings.profile,
        )
        profile = f", profile {self.settings.profile}" if self.settings.profile else ""
        self.observer.message(f"Run {run_id}: robot {self.robot.name} {self.robot.manifest.robot.version}{profile}")
        self.settings.write_variable_file(run_dir / "settings.json")
        register_credentials(self.robot)  # once per run, before a step's console is copied and its files masked
        outputs: list[Path] = []
        failed_steps: list[str] = []
        stop_reason: str | None = None
        try:
            for step in steps:
                if self._stop.requested:  # no further step (not the reporter either) after a stop
                    break
                if step.takes_work_items:
                    broken, stop_reason = self._run_consumer(
                        run_id, run_dir, step, workers or step.workers, forever, outputs
                    )
                else:
                    broken = not self._run_single(run_id, run_dir, step, outputs)
                if self._stop.requested:
                    break
                if broken:
                    failed_steps.append(step.name)
                if broken or stop_reason:
                    break
        except KeyboardInterrupt:  # a SIGINT raised before the handler was in place, or by a library
            self._stop(signal.SIGINT)
        except BaseException:
            self._abort()  # the runner itself failed: its children do not go on unwatched
            raise
        returned = 0
        if self._stop.requested:
            stop_reason = self._stop.reason
            self._stop_processes(run_id)
            self._give_back_held(run_id, stop_reason)
            returned = returned_items(self.store, run_id)
            self.observer.message(f"Run {run_id}: {stop_reason}; {returned} item(s) returned to the queue")
        (run_dir / QUEUE_CONTEXT_FILE).unlink(missing_ok=True)  # it may hold --input's payloads
        log_html = merge_outputs(run_dir, self.robot.name, outputs)
        counts = count_items(self.store, run_id=run_id)
        status = self._status(self._open_work(counts, run_id), failed_steps, stop_reason)
        records.finish_run(self.store, run_id, status, stop_reason)
        self.observer.close()
        result = RunResult(
            run_id, status, counts, run_dir, log_html, stop_reason, failed_steps, self._stop.signum, returned
        )
        result.duplicates = self._duplicates
        return result

    def _count_duplicates(self, process: StepProcess) -> str:
        """Add a step process's duplicate references to the run's count; the words for its summary line."""
        found = process.duplicates()
        self._duplicates += found
        return f"{found} duplicate reference(s), not created again (WARN in the log)" if found else ""

    # ------------------------------------------------------------- stopping
    def _stop_processes(self, run_id: str) -> None:
        """SIGTERM to every live child's group, up to the grace period for them to end, then SIGKILL."""
        live = list(self._live.values())
        self._live.clear()
        if not live:
            return
        grace = self.stop_grace
        self.observer.message(
            f"Run {run_id}: {self._stop.reason}: stopping {len(live)} process(es), waiting up to {grace:g} s "
            "(a second signal kills them at once)"
        )
        for entry in live:
            entry.process.stop()
        deadline = time.monotonic() + grace
        while any(e.process.poll() is None for e in live) and not self._stop.hurry and time.monotonic() < deadline:
            time.sleep(TICK_SECONDS)
        for entry in live:
            survived = entry.process.poll() is None
            entry.process.kill()  # a survivor's group, or what an exited child left running in its group
            code = self._wait_dead(entry.process)
            if code == 0:  # it had finished its work: what it still holds is settled DONE, as after any exit
                records.finish_step(self.store, entry.step_id, RunStatus.SUCCEEDED, code)
                self._settle(entry.worker_id, entry.step_name, code)
                continue
            message = f"stopped by {self._stop.label}"
            if survived:
                message += " (killed at once: a second signal)" if self._stop.hurry else f" (killed after {grace:g} s)"
            records.finish_step(self.store, entry.step_id, RunStatus.STOPPED, code, message)
            if survived:
                self.observer.message(f"Step {entry.step_name}: process {entry.process.pid} {message}")

    @staticmethod
    def _wait_dead(process: StepProcess) -> int | None:
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # not even SIGKILL ended it (a process stuck in the kernel)
            return None

    def _abort(self) -> None:
        """Stop the children after the runner itself failed (no store writes: the store may be the problem)."""
        live = list(self._live.values())
        self._live.clear()
        for entry in live:
            entry.process.stop()
        deadline = time.monotonic() + self.stop_grace
        while any(e.process.poll() is None for e in live) and time.monotonic() < deadline:
            time.sleep(TICK_SECONDS)
        for entry in live:
            entry.process.kill()

    def _give_back_held(self, run_id: str, reason: str) -> int:
        """Every item a process of the run still holds goes back to its queue, uncharged. Returns how many."""
        returned = 0
        for worker in dict.fromkeys(step.worker for step in records.list_steps(self.store, run_id)):
            for item in held_by(self.store, worker):
                returned += WorkQueue(self.store, item.queue, self.policy).give_back(item.id, worker, reason=reason)
        return returned

    def _settle(self, worker_id: str, step_name: str, code: int) -> None:
        """Release what a process still held when it exited on its own: DONE for exit 0, else an application
        error (retried), so a step that never released its input item is not run again for it."""
        for item in held_by(self.store, worker_id):
            try:
                state = WorkQueue(self.store, item.queue, self.policy).settle(item.id, worker_id, code)
            except LeaseLostError:  # its lease ran out meanwhile: the queue's expiry has it
                continue
            self.observer.message(
                f"Step {step_name}: work item {item.id} was still held when its process exited (exit code {code}): "
                f"released, now {state.value}"
            )

    def _sleep(self, seconds: float) -> None:
        """Sleep, but wake for a stop within a tick."""
        deadline = time.monotonic() + seconds
        while not self._stop.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(TICK_SECONDS, left))

    def _wait_unless_stopped(self, process: StepProcess) -> int | None:
        """The process's exit code, or None as soon as a stop is requested (the stop then takes it over)."""
        while process.poll() is None:
            if self._stop.requested:
                return None
            time.sleep(TICK_SECONDS)
        return process.wait()

    def _open_work(self, counts: dict[str, int], run_id: str) -> dict[str, int]:
        """The run's item counts without the outputs waiting in a queue no step of the robot takes: those are
        the robot's results (a reporter's summary, a robot.yaml robot's last step), not work left undone."""
        taken = {step.input_queue for step in self.robot.manifest.steps}
        results = {s.output_queue for s in self.robot.manifest.steps if s.output_queue and s.output_queue not in taken}
        pending = ItemState.PENDING.value
        waiting = sum(count_items(self.store, queue=queue, run_id=run_id).get(pending, 0) for queue in results)
        if not waiting:
            return counts
        return {**counts, pending: counts[pending] - waiting}

    @staticmethod
    def _status(counts: dict[str, int], failed_steps: list[str], stop_reason: str | None) -> RunStatus:
        if stop_reason:
            return RunStatus.STOPPED
        if failed_steps or any(not ItemState(state).ok for state, n in counts.items() if n):
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
            rf_options=self.rf_options,
        )

    def _run_single(self, run_id: str, run_dir: Path, step: Step, outputs: list[Path]) -> bool:
        """A step without work items (producer, reporter): one process; True when it passed."""
        worker_id = f"{socket.gethostname()}:{run_id}:{step.name}"
        output_dir = run_dir / step.name
        step_id = records.start_step(self.store, run_id, step.name, worker_id, str(output_dir))
        self.observer.message(f"Step {step.name}: started")
        process = StepProcess(self.robot, step, self._context(run_id, output_dir, worker_id))
        outputs.append(process.output_xml)
        self._live[step_id] = _Live(process, step_id, worker_id, step.name)
        code = self._wait_unless_stopped(process)
        if code is None:  # stopped: _execute stops the process and records it
            return False
        del self._live[step_id]
        self._settle(worker_id, step.name, code)
        status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED
        reason = first_failure(process.output_xml) if code != 0 else None
        records.finish_step(self.store, step_id, status, code, reason)
        duplicates = self._count_duplicates(process)
        if code == 0:
            self.observer.message(f"Step {step.name}: passed" + (f"; {duplicates}" if duplicates else ""))
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
        while not self._stop.requested:  # on a stop, _execute takes over the processes still running
            for slot in slots:
                if slot.process is not None and slot.process.poll() is not None:
                    broken |= self._reap(slot, run_id, step, forever)
            if stop_reason is None and self._kill_switch_tripped(run_id):
                stop_reason = f"kill switch: {self.kill_switch} application errors in a row"
                self.observer.message(f"Step {step.name}: STOPPED by the {stop_reason}")
            work_left = forever or queue.next_wakeup() is not None
            if not broken and stop_reason is None and work_left:
                for slot in slots:
                    if slot.process is None and not self._stop.requested:
                        self._launch(slot, run_id, run_dir, step, forever, outputs)
            self._report(run_id, step, queue)
            if all(slot.process is None for slot in slots):
                break
            self._sleep(POLL_SECONDS)
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
        self._live[slot.step_id] = _Live(slot.process, slot.step_id, slot.worker_id, step.name)

    def _reap(self, slot: _Slot, run_id: str, step: Step, forever: bool) -> bool:
        """Record a finished process; True when the step is broken (the process could not work at all)."""
        assert slot.process is not None
        code = slot.process.wait()
        self._live.pop(slot.step_id, None)
        self._settle(slot.worker_id, step.name, code)
        claimed = attempts_by_worker(self.store, slot.worker_id)
        cannot_run = code >= RF_BROKEN_RC or code < 0
        slot.idle_failures = slot.idle_failures + 1 if (claimed == 0 and code != 0) else 0
        broken = cannot_run or (slot.idle_failures >= MAX_IDLE_FAILURES and not forever)
        status = RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED  # an item's failure ends its process too
        reason = first_failure(slot.process.output_xml) if code != 0 else None
        records.finish_step(self.store, slot.step_id, status, code, reason)
        duplicates = self._count_duplicates(slot.process)
        if duplicates:
            self.observer.message(f"Step {step.name}: process {slot.process.pid}: {duplicates}")
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
