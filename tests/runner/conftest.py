"""Fixtures for running robots through the real runner and Robot Framework child processes."""

from pathlib import Path

import pytest

from rpa_core.packaging import load_robot
from rpa_core.runner import Runner

TEST_ROBOTS = Path(__file__).parent / "robots"


@pytest.fixture
def run_robot(store, tmp_path):
    """Run a robot folder (a name under tests/runner/robots, or a path) on the test's store."""

    def _run(robot: str | Path, *, variables: tuple[str, ...] = ()):
        folder = Path(robot) if Path(robot).is_absolute() else TEST_ROBOTS / robot
        # The pre-flight check has tests of its own (test_preflight.py); these test the run and skip it.
        robot = load_robot(folder)
        return Runner(store, robot, runs_dir=tmp_path / "runs", variables=variables, preflight=False).run()

    return _run
