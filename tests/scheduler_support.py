"""For the scheduler's tests: a small robot with schedules, and a clock the test sets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

ROBOT = """
[robot]
name = "tiny"

[settings]
pause = "0s"
smtp_host = "127.0.0.1"
smtp_port = 25

[[steps]]
name = "only"
tasks = "tasks.robot"
"""

TASKS = "*** Tasks ***\nPause\n    Sleep    ${pause}\n"


def make_robot(folder: Path, schedules: str, profile: str = '[profile]\nmunicipality = "Testkommune"\n') -> Path:
    """robots/tiny with ``schedules`` (TOML [[schedules]] tables) and a profile ``test``."""
    robot = folder / "robots" / "tiny"
    (robot / "profiles").mkdir(parents=True)
    (robot / "robot.toml").write_text(ROBOT + schedules, encoding="utf-8")
    (robot / "tasks.robot").write_text(TASKS, encoding="utf-8")
    (robot / "profiles" / "test.toml").write_text(profile, encoding="utf-8")
    return robot


class ManualClock:
    """A clock that shows what the test sets."""

    label = "manual clock (test)"

    def __init__(self, now: datetime) -> None:
        self.time = now

    def now(self) -> datetime:
        return self.time

    def real_seconds(self, seconds: float) -> float:
        return seconds

    def sleep(self, seconds: float) -> None:  # pragma: no cover - the tests tick by hand
        raise AssertionError("a manual clock does not sleep")
