"""One Robot Framework process for one step: its command line, its environment, its masked console log."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from rpa_core import context
from rpa_core.packaging import Robot, Step, StepKind
from rpa_core.packaging.overrides import LOCAL_DIR, MODIFIER, local_files
from rpa_core.packaging.references import count_duplicate_lines, count_duplicates
from rpa_core.paths import SHARED_KEYWORDS_DIR
from rpa_core.privacy import mask_file, mask_text, register_secrets
from rpa_core.privacy.robocorp_log import mask_log_files
from rpa_core.vault.secrets import DECLARED_SECRETS_ENV

_log = logging.getLogger(__name__)
LISTENERS = (
    "rpa_core.privacy.listener.CprMaskingListener",
    # A screenshot and the HTML of every open page when a keyword fails while a browser session is open.
    "rpa_core.keywords.browser.FailureCaptureListener",
)
ITEM_LOOP = "rpa_core.keywords.items.ItemLoop"
# robocorp.tasks' CLI with our adapters loaded before robocorp.log's import hook, and its CPR masking
ROBOCORP_TASKS = "rpa_core.runner.robocorp_tasks"
# Robot Framework's return codes at or above this mean the run itself broke (bad data or options,
# interrupted, internal error), not that tasks failed.
RF_BROKEN_RC = 251
# As Robocorp's rcc sets them: the robot's folder (the step's working directory) and the step's output folder.
ROBOT_ROOT = "ROBOT_ROOT"
ROBOT_ARTIFACTS = "ROBOT_ARTIFACTS"


@dataclass(frozen=True)
class StepContext:
    """Everything a step's process needs to know about the run it belongs to."""

    store_url: str
    run_id: str
    worker_id: str
    output_dir: Path
    wait_forever: bool = False
    variables: tuple[str, ...] = ()
    variable_file: Path | None = None
    rf_options: tuple[str, ...] = ()  # Robot Framework options from the command line (rpa run --rf-option)


def robot_options(robot: Robot, variable_file: Path | None, variables: tuple[str, ...] = ()) -> list[str]:
    """Options every Robot Framework process of the robot gets: RPA mode, Python path, settings, overrides."""
    root = robot.directory.resolve()  # absolute: the step runs in the robot's folder, not where rpa runs
    options = ["--rpa", "--pythonpath", str(root), "--pythonpath", str(SHARED_KEYWORDS_DIR)]
    for folder in python_path(robot):  # [run] pythonpath, or robot.yaml's PYTHONPATH (resources/, libraries/)
        options += ["--pythonpath", str(folder)]
    # For Each Input Work Item takes the next item after a failing one, in the same process.
    options += ["--prerunmodifier", ITEM_LOOP]
    if local_files(root):
        # ';' separates the argument, so a Windows path's drive colon is not read as a separator.
        options += ["--prerunmodifier", f"{MODIFIER};{root / LOCAL_DIR}"]
    if variable_file is not None:
        options += ["--variablefile", str(variable_file.resolve())]
    for variable in variables:
        options += ["--variable", variable]
    return options


def robot_command(robot: Robot, step: Step, ctx: StepContext) -> list[str]:
    """The ``python -m robot`` command line for a step, in RPA mode, with the CPR listener; then the robot's
    ``[run] robot_options`` and the command line's (checked by ``rpa_core.packaging.rf_options``: none of ours)."""
    command = [
        sys.executable,
        "-m",
        "robot",
        *robot_options(robot, ctx.variable_file, ctx.variables),
        "--outputdir",
        str(ctx.output_dir.resolve()),
        "--output",
        "output.xml",
        "--log",
        "NONE",
        "--report",
        "NONE",
        "--name",
        step.name,
        "--console",
        "verbose",
        "--consolecolors",
        "off",
    ]
    for listener in LISTENERS:
        command += ["--listener", listener]
    if step.task:
        command += ["--task", step.task]
    # After ours, the robot's, then the step's (robot.yaml's shell line), then the command line's: a later wins.
    command += [*robot.manifest.run.robot_options, *step.robot_options, *ctx.rf_options]
    command.append(str(robot.directory.resolve() / step.tasks))
    return command


def python_command(robot: Robot, step: Step, ctx: StepContext) -> list[str]:
    """``python -m robocorp.tasks run FILE -t TASK`` (through :data:`ROBOCORP_TASKS`) for a Python task step
    (Robocorp's ``@task``), its log files in the step's output folder."""
    command = [sys.executable, "-m", ROBOCORP_TASKS, "run", str(robot.directory.resolve() / step.tasks)]
    if step.task:
        command += ["-t", step.task]
    command += ["--output-dir", str(ctx.output_dir.resolve()), "--console-colors", "plain"]
    return command


def step_command(robot: Robot, step: Step, ctx: StepContext) -> list[str]:
    """The command line that runs the step: Robot Framework, or Robocorp's Python tasks."""
    return python_command(robot, step, ctx) if step.kind is StepKind.PYTHON else robot_command(robot, step, ctx)


def python_path(robot: Robot) -> list[Path]:
    """The robot's own Python path folders (``[run] pythonpath``; robot.yaml's ``PYTHONPATH``), absolute."""
    return [(robot.directory / entry).resolve() for entry in robot.manifest.run.pythonpath]


def _prepend(folders: list[Path], current: str | None) -> str:
    return os.pathsep.join([*(str(folder) for folder in folders), *([current] if current else [])])


def robot_environment(robot: Robot, step: Step, ctx: StepContext) -> dict[str, str]:
    """The child's environment: ours, the run context the work-item adapter reads, and rcc's ``ROBOT_ROOT``
    and ``ROBOT_ARTIFACTS``. Paths in it are absolute: the child runs in the robot's folder."""
    policy = robot.manifest.queue
    env = dict(os.environ)
    env.update(
        {
            context.STORE_URL: _absolute_store_url(ctx.store_url),
            context.RUN_ID: ctx.run_id,
            context.STEP_NAME: step.name,
            context.WORKER_ID: ctx.worker_id,
            context.WORKITEMS_ADAPTER: context.ADAPTER_PATH,
            context.ROBOCORP_WORKITEMS_ADAPTER: context.ROBOCORP_ADAPTER_PATH,  # robocorp.workitems reads it first
            context.MAX_ATTEMPTS: str(policy.max_attempts),
            context.BACKOFF_SECONDS: str(policy.backoff_seconds),
            context.LEASE_SECONDS: str(policy.lease_seconds),
            context.ARTIFACTS_DIR: str(ctx.output_dir.parent.resolve()),
            ROBOT_ROOT: str(robot.directory.resolve()),
            ROBOT_ARTIFACTS: str(ctx.output_dir.resolve()),
            context.WAIT_FOREVER: "1" if ctx.wait_forever else "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    # Credentials: our secret store behind rpaframework's Vault keywords, unless the machine names another.
    env.setdefault(context.SECRET_MANAGER, context.VAULT_ADAPTER_PATH)
    env.setdefault(context.ROBOCORP_SECRET_MANAGER, context.ROBOCORP_VAULT_ADAPTER_PATH)
    if robot.manifest.run.pythonpath:  # as rcc sets them: Python libraries and tasks import from these folders
        env["PYTHONPATH"] = _prepend(python_path(robot), env.get("PYTHONPATH"))
    if robot.manifest.run.path:
        env["PATH"] = _prepend(
            [(robot.directory / entry).resolve() for entry in robot.manifest.run.path], env.get("PATH")
        )
    env[context.SECRETS_FILE] = str(Path(env.get(context.SECRETS_FILE) or Path(".rpa", "secrets.toml")).resolve())
    declared = [credential.name for credential in robot.manifest.credentials]
    if declared:  # the vault matches RPA_SECRET_MY_SECRET__KEY to a declared 'my-secret'
        env[DECLARED_SECRETS_ENV] = ",".join(declared)
    else:
        env.pop(DECLARED_SECRETS_ENV, None)
    if robot.manifest.run.kill_switch:
        env[context.KILL_SWITCH] = str(robot.manifest.run.kill_switch)
    env[context.BUSINESS_CODES] = ",".join(policy.business_codes)
    env[context.PRIVACY_NAME_FIELDS] = ",".join(robot.manifest.privacy.name_fields)  # names masked as [navn]
    for key, value in ((context.INPUT_QUEUE, step.input_queue), (context.OUTPUT_QUEUE, step.output_queue)):
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def _absolute_store_url(url: str) -> str:
    """A SQLite store URL with its file made absolute (the child's working directory is the robot's folder)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() != "sqlite" or not parsed.database or Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=Path(parsed.database).resolve().as_posix()).render_as_string(hide_password=False)


def register_credentials(robot: Robot) -> int:
    """Register the values of the robot's declared credentials in this (the runner's) process, so its console
    copy and output.xml pass mask them too; read through the vault, held in memory only. A credential that is
    missing or cannot be read is skipped (the step says so when it needs it). Returns how many were new."""
    from rpa_core.vault import SecretStore

    declared = [credential.name for credential in robot.manifest.credentials]
    if not declared:
        return 0
    store = SecretStore(declared=declared)
    count = 0
    for name in declared:
        try:
            count += register_secrets(store.get(name))
        except Exception as exc:  # missing, or a vault that cannot be read here: the child reports it when used
            _log.debug("credential %s not registered for masking: %s", name, type(exc).__name__)
    return count


_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _die_with_runner():
    """Linux: a ``preexec_fn`` that has the kernel SIGKILL the child when the runner dies without stopping it
    (``kill -9``, the OOM killer, a crash). In a session of its own the child would otherwise work on,
    unwatched; killed, its item comes back when its lease expires, as after any crash."""
    prctl = _prctl() if sys.platform.startswith("linux") else None
    if prctl is None:
        return None
    runner = os.getpid()

    def preexec() -> None:  # in the child between fork and exec: nothing but two system calls
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != runner:  # the runner died before that: do not start at all
            os._exit(1)

    return preexec


def _own_group() -> dict:
    """Popen options that start the child in a process group of its own, so a Ctrl-C on the terminal (sent to
    the terminal's foreground group) reaches only the runner, which then stops its children itself."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    options: dict = {"start_new_session": True}
    preexec = _die_with_runner()
    if preexec is not None:
        options["preexec_fn"] = preexec
    return options


class StepProcess:
    """A running step: the child process and a thread that copies its console, masked, to console.log.

    The child leads a process group of its own (a session on POSIX); :meth:`stop` and :meth:`kill` signal the
    whole group, so whatever the robot started (a browser) stops with it.
    """

    def __init__(self, robot: Robot, step: Step, ctx: StepContext) -> None:
        ctx.output_dir.mkdir(parents=True, exist_ok=True)
        self.output_dir = ctx.output_dir
        self.console_path = ctx.output_dir / "console.log"
        self.kind = step.kind
        self._process = subprocess.Popen(
            step_command(robot, step, ctx),
            env=robot_environment(robot, step, ctx),
            # As rcc: in the robot's folder (devdata/... is found); path settings were made absolute before.
            cwd=robot.directory.resolve(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
            **_own_group(),
        )
        self._copier = threading.Thread(target=self._copy_console, daemon=True)
        self._copier.start()

    def _copy_console(self) -> None:
        assert self._process.stdout is not None
        with self.console_path.open("w", encoding="utf-8") as sink:
            for line in self._process.stdout:
                sink.write(mask_text(line))
                sink.flush()

    def poll(self) -> int | None:
        return self._process.poll()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process; then mask its output.xml as text, which also catches what the listener
        cannot reach (names and conditions are written before listeners see them, a killed process's file)."""
        code = self._process.wait(timeout)
        self._copier.join(timeout=5)
        if self.kind is StepKind.ROBOT:
            mask_file(self.output_xml)
        else:
            mask_log_files(self.output_dir)
        return code

    def duplicates(self) -> int:
        """Outputs this process did not create again (their reference was in the queue): WARN lines."""
        if self.kind is StepKind.ROBOT:
            return count_duplicates(self.output_xml)
        return count_duplicate_lines(self.console_path)

    def terminate(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()

    def stop(self) -> None:
        """Ask the child's group to stop: SIGTERM on POSIX (Robot Framework fails the running keyword with
        "Execution terminated by signal" and ends the task), CTRL_BREAK_EVENT on Windows."""
        if self._process.poll() is not None:
            return
        try:
            if os.name == "nt":
                self._process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                os.killpg(self._process.pid, signal.SIGTERM)
        except OSError:  # gone meanwhile, or (Windows) no console to send the event through: kill() follows
            pass

    def kill(self) -> None:
        """Kill the child's whole group at once (SIGKILL); on Windows the process tree (taskkill /T /F)."""
        if os.name == "nt":
            if self._process.poll() is None:
                subprocess.run(
                    ["taskkill", "/T", "/F", "/PID", str(self._process.pid)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                self._process.kill()
            return
        with contextlib.suppress(OSError):  # OSError: the group is gone
            # Also when the leader has exited: what it started may still run in its group.
            os.killpg(self._process.pid, signal.SIGKILL)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def output_xml(self) -> Path:
        return self.output_dir / "output.xml"
