"""`rpa robot ... --help`: each command's example works as written from the repository root."""

from __future__ import annotations

import shlex

import pytest
import typer
from support import ROOT, rpa

from rpa_core.cli.robot_cmd import app

READ_ONLY = ("robot", "robot check", "robot upstream", "robot upstream status", "robot upstream diff")


def examples() -> dict[str, str]:
    """Each command's path (``robot upstream status``) and the example its help ends with."""
    found: dict[str, str] = {}

    def walk(command, path: str) -> None:
        example = next(
            (line.strip() for line in (command.help or "").splitlines() if line.strip().startswith("Example: ")), ""
        )
        found[path] = example.removeprefix("Example: ")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "robot")
    return found


def test_every_robot_command_has_an_example():
    found = examples()
    assert set(found) >= {*READ_ONLY, "robot new", "robot fork", "robot upstream merge"}
    assert all(
        example.startswith(f"rpa {path}") or path in ("robot", "robot upstream") for path, example in found.items()
    )
    assert all(found.values()), found


@pytest.mark.parametrize("path", READ_ONLY)
def test_read_only_examples_work_from_the_repository_root(path):
    result = rpa(*shlex.split(examples()[path])[1:], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_fork_example_works_with_another_destination(tmp_path):
    words = shlex.split(examples()["robot fork"])[1:]
    words[words.index("/tmp/syddjurs")] = str(tmp_path / "syddjurs")
    result = rpa(*words, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "syddjurs" / "profiles" / "syddjurs.toml").is_file()
