"""A fork never writes outside its folder: symlinks, '..' names and odd files in a source are refused first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import copy_flexloen, git

from rpa_core.errors import ConfigError
from rpa_core.packaging.fork import fork
from rpa_core.packaging.snapshot import robot_files, target, write_files

ROOT = Path(__file__).resolve().parents[2]
FLEXLOEN = ROOT / "robots" / "flexloen"


def everything(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def refused(source: str, dest: Path, *words: str) -> str:
    """Fork ``source`` into ``dest``: it must be one ConfigError line with ``words``, and nothing written."""
    siblings = everything(dest.parent)
    with pytest.raises(ConfigError) as error:
        fork(source, dest, "Syddjurs Kommune")
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert everything(dest.parent) == siblings, "nothing is written next to DEST"
    return message


def test_a_symlink_pointing_out_of_the_source_is_refused(tmp_path):
    source = copy_flexloen(tmp_path / "source")
    (tmp_path / "secret.txt").write_text("not the robot's\n")
    (source / "tasks" / "secret.robot").symlink_to(tmp_path / "secret.txt")
    refused(str(source), tmp_path / "fork", "refusing the symlink 'tasks/secret.robot'", str(source))


def test_a_symlink_pointing_inside_the_source_is_refused_too(tmp_path):
    source = copy_flexloen(tmp_path / "source")
    (source / "flexloen" / "alias.py").symlink_to("rules.py")
    refused(str(source), tmp_path / "fork", "refusing the symlink 'flexloen/alias.py'")
    os.remove(source / "flexloen" / "alias.py")
    (source / "tasks" / "more").symlink_to(source / "tasks", target_is_directory=True)
    refused(str(source), tmp_path / "fork", "refusing the symlink 'tasks/more'")


def test_a_symlink_among_the_source_profiles_is_refused(tmp_path):
    source = copy_flexloen(tmp_path / "source")
    (source / "profiles" / "aarhus.toml").symlink_to("/etc/passwd")
    refused(str(source), tmp_path / "fork", "refusing the symlink 'profiles/aarhus.toml'")


def test_what_is_not_a_regular_file_or_folder_is_refused(tmp_path):
    source = copy_flexloen(tmp_path / "source")
    os.mkfifo(source / "tasks" / "pipe")
    refused(str(source), tmp_path / "fork", "refusing 'tasks/pipe': neither a regular file nor a folder")


def test_a_symlink_committed_to_a_repository_is_refused(tmp_path):
    repo = copy_flexloen(tmp_path / "repo")
    (repo / "tasks" / "outside.robot").symlink_to("../../outside.robot")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "a symlink")
    refused(str(repo), tmp_path / "fork", "refusing the symlink 'tasks/outside.robot'", f"SOURCE '{repo}'")


def test_a_name_with_dot_dot_parts_in_a_repository_tree_is_refused(tmp_path):
    """A tree git's own commands would not make: '..' as a folder name, crafted with git mktree."""
    repo = copy_flexloen(tmp_path / "repo")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    root_tree = git(repo, "write-tree")
    blob = git(repo, "hash-object", "-w", "--stdin", stdin="written outside\n")
    evil = git(repo, "mktree", stdin=f"100644 blob {blob}\tevil.txt\n")
    entries = git(repo, "ls-tree", root_tree) + f"\n040000 tree {evil}\t..\n"
    crafted = git(repo, "mktree", stdin=entries)
    commit = git(repo, "commit-tree", crafted, "-m", "a '..' folder")
    git(repo, "update-ref", "refs/heads/main", commit)
    assert "../evil.txt" in git(repo, "ls-tree", "-r", "--name-only", commit).splitlines()
    dest = tmp_path / "deep" / "fork"
    dest.parent.mkdir()
    refused(str(repo), dest, "refusing the path '../evil.txt'", "no '..'")
    assert not (tmp_path / "deep" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_a_source_that_is_a_regular_file_is_refused(tmp_path):
    (tmp_path / "robot.zip").write_bytes(b"PK")
    refused(str(tmp_path / "robot.zip"), tmp_path / "fork", "is a file", "robot folder (with robot.toml)")


def test_a_dest_that_exists_and_is_not_empty_is_refused_and_left_as_it_was(tmp_path):
    dest = tmp_path / "fork"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    refused(str(FLEXLOEN), dest, f"DEST '{dest}' exists and is not empty")
    assert everything(dest) == {"notes.txt"}
    (tmp_path / "file").write_text("")
    refused(str(FLEXLOEN), tmp_path / "file", "exists and is not empty")
    empty = tmp_path / "empty"
    empty.mkdir()
    fork(str(FLEXLOEN), empty, "Syddjurs Kommune")  # an empty folder is fine
    assert (empty / "robot.toml").is_file()


def test_dest_inside_the_source_folder_is_refused(tmp_path):
    source = copy_flexloen(tmp_path / "source")
    refused(str(source), source / "forks" / "syddjurs", "is inside SOURCE")


def test_writes_never_go_through_a_symlink_or_out_of_the_folder(tmp_path):
    robot, outside = tmp_path / "robot", tmp_path / "outside"
    robot.mkdir()
    outside.mkdir()
    (robot / "tasks").symlink_to(outside, target_is_directory=True)
    for name in ("tasks/x.robot", "../x.robot", "/etc/x", "a/./b", "a//b"):
        with pytest.raises(ConfigError):
            target(robot, name)
    with pytest.raises(ConfigError):
        write_files(robot, {"ok.txt": b"ok", "tasks/x.robot": b"evil"})
    assert not (robot / "ok.txt").exists(), "every target is checked before the first write"
    assert list(outside.iterdir()) == []
    with pytest.raises(ConfigError, match="refusing the symlink 'tasks'"):
        robot_files(robot)


def test_cli_unsafe_source_is_one_line_exit_2(tmp_path):
    source = copy_flexloen(tmp_path / "source")
    (source / "tasks" / "secret.robot").symlink_to("/etc/passwd")
    result = subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "robot", "fork", str(source), str(tmp_path / "fork"), "-m", "X"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rpa: error: ") and "refusing the symlink 'tasks/secret.robot'" in line
    assert not (tmp_path / "fork").exists()
