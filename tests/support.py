"""Helpers the test packages share: the ``rpa`` command as a user runs it, git as a user runs it, robot copies."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLEXLOEN = ROOT / "robots" / "flexloen"
RPA = [sys.executable, "-m", "rpa_core.cli.main"]  # the ``rpa`` command of this checkout's Python


def rpa(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """``rpa ARGS`` in a child process, its output captured."""
    return subprocess.run(
        [*RPA, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def rpa_side_by_side(
    *commands: list[str], cwd: Path | None = None, timeout: float = 180
) -> list[subprocess.CompletedProcess]:
    """Each of ``commands`` as ``rpa ARGS`` in a child process of its own, all started at once (for commands that
    only read or refuse: half a second each of start-up, spent together); their results in the same order."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "cwd": cwd}
    started = [(command, subprocess.Popen([*RPA, *command], **pipes)) for command in commands]
    results = []
    for command, process in started:
        out, err = process.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> None:
    """A user mistake: exit code 2, no traceback, one line on stderr holding each of ``words``."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    """``git ARGS`` in ``repo`` with a throwaway identity; its output, stripped."""
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def copy_flexloen(folder: Path) -> Path:
    """A copy of the fleksløn robot without Python caches."""
    shutil.copytree(FLEXLOEN, folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return folder


def files(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a digest of its content: compare before and after to see nothing changed."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def schema_state(url: str) -> tuple[list[str], str | None]:
    """A store's tables and its alembic revision, read with a plain engine (not ours)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            version = None
            if "alembic_version" in tables:
                version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return tables, version
    finally:
        engine.dispose()
