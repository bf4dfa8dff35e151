"""The runner: runs a robot's steps in Robot Framework child processes against the store."""

from rpa_core.runner.records import RunStatus
from rpa_core.runner.run import Runner, RunResult

__all__ = ["RunResult", "RunStatus", "Runner"]
