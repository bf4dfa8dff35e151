"""A scheduled run's child process: ``rpa run`` in a session of its own, stopped the runner's way (SIGTERM)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rpa_core.packaging.schedules import Schedule
from rpa_core.scheduler.records import MANUAL_SCHEDULE
from rpa_core.scheduler.robots import ScheduledRobot

CONSOLE_FILE = "scheduler-console.log"  # the child's stdout and stderr, in its run folder
_WINDOWS = os.name == "nt"


def run_command(entry: ScheduledRobot, run_id: str, runs_dir: Path) -> list[str]:
    """The ``rpa run`` command line of a scheduled run (the store URL goes in the environment, not argv)."""
    argv = [sys.executable, "-m", "rpa_core.cli.main", "run", str(entry.robot.directory)]
    if entry.profile:
        argv += ["--profile", entry.profile]
    return [*argv, "--runs-dir", str(runs_dir), "--run-id", run_id]


@dataclass
class Launched:
    """A run this scheduler started and watches."""

    row_id: int
    run_id: str
    entry: ScheduledRobot
    schedule: Schedule | None  # None: a run a person started from the dashboard (no schedule, no max_duration)
    due_at: datetime
    started: float  # real time (time.monotonic) it was launched: durations and max_duration are real time
    process: subprocess.Popen
    stop_reason: str | None = None  # set when the scheduler asked it to stop (max_duration, its own stop)
    stop_sent: float | None = None  # real time (time.monotonic) the stop was sent
    killed: bool = field(default=False)

    @property
    def schedule_name(self) -> str:
        return self.schedule.name if self.schedule is not None else MANUAL_SCHEDULE

    @property
    def max_seconds(self) -> int | None:
        return self.schedule.max_seconds if self.schedule is not None else None


def launch(entry: ScheduledRobot, run_id: str, runs_dir: Path, store_url: str, workdir: Path) -> subprocess.Popen:
    """Start ``rpa run`` for ``entry``; its output goes to ``CONSOLE_FILE`` in its run folder.

    The child leads a session (POSIX) or process group (Windows) of its own: a Ctrl-C on the scheduler's
    terminal reaches the scheduler only, which then decides when its runs stop.
    """
    run_dir = runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RPA_STORE_URL": store_url, "PYTHONUNBUFFERED": "1"}
    env.pop("RPA_SCHEDULER_CLOCK", None)  # the run itself keeps real time
    options: dict = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if _WINDOWS else {"start_new_session": True}
    with open(run_dir / CONSOLE_FILE, "ab") as console:
        return subprocess.Popen(
            run_command(entry, run_id, runs_dir),
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            env=env,
            **options,
        )


def ask_to_stop(process: subprocess.Popen) -> None:
    """The runner's clean stop: SIGTERM (CTRL_BREAK on Windows); it returns held items and records STOPPED."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.CTRL_BREAK_EVENT if _WINDOWS else signal.SIGTERM)


def kill(process: subprocess.Popen) -> None:
    """The last resort, after the runner's own grace period: kill the child's whole session."""
    if process.poll() is not None:
        return
    try:
        if _WINDOWS:
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def alive(pid: int) -> bool:
    """Whether a process of this machine with ``pid`` exists (True when it cannot be told)."""
    if _WINDOWS:
        return _alive_on_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive_on_windows(pid: int) -> bool:
    """OpenProcess and GetExitCodeProcess (kernel32, through ctypes): still active, or not to be opened for a
    reason other than there being no such process."""
    import ctypes

    query_limited_information, still_active, invalid_parameter = 0x1000, 259, 87
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() != invalid_parameter  # 87: no process has that id; access denied: it lives
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def last_line(path: Path) -> str:
    """The last non-empty line of a console file (why a run could not start), or ''."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return next((line.strip() for line in reversed(lines) if line.strip()), "")
