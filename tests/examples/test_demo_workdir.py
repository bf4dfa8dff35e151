"""demo.py and fork_story.py wipe only a workdir an example made (marked .rpa-example), a new or an empty one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "flexloen" / "demo.py"


def run_demo(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DEMO), *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("flexloen_demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("workdir", [".", "mine"])
def test_a_folder_the_demo_did_not_make_is_refused_and_kept(tmp_path, workdir):
    (tmp_path / "mine").mkdir()
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "mine" / "thesis.docx").write_bytes(b"years of work")
    before = snapshot(tmp_path)

    result = run_demo("--workdir", workdir, cwd=tmp_path)

    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str((tmp_path / workdir).resolve()) in lines[0] and ".rpa-example" in lines[0]
    assert "nothing deleted" in lines[0]
    assert snapshot(tmp_path) == before


def test_a_file_as_workdir_is_refused(tmp_path):
    (tmp_path / "demo").write_text("not a folder")
    result = run_demo("--workdir", "demo", cwd=tmp_path)
    assert result.returncode == 2 and "is a file" in result.stderr
    assert (tmp_path / "demo").read_text() == "not a folder"


def test_a_new_an_empty_and_a_marked_folder_are_made_fresh(demo, tmp_path):
    new = tmp_path / "new"
    assert demo.prepare_workdir(new, "demo") is None
    assert [p.name for p in new.iterdir()] == [demo.MARKER]

    (new / "runs").mkdir()
    (new / "runs" / "old.xml").write_text("a previous demo's output")
    assert demo.prepare_workdir(new, "demo") is None  # run after run
    assert [p.name for p in new.iterdir()] == [demo.MARKER]

    empty = tmp_path / "empty"
    empty.mkdir()
    assert demo.prepare_workdir(empty, "demo") is None
    assert (empty / demo.MARKER).is_file()


def test_the_fork_story_refuses_a_folder_it_did_not_make(tmp_path):
    story = DEMO.parent / "fork_story.py"
    (tmp_path / "notes.txt").write_text("my notes")
    result = subprocess.run(
        [sys.executable, str(story), "--workdir", "."], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 2 and "not made by an example" in result.stderr, result.stderr
    assert snapshot(tmp_path) == {"notes.txt": b"my notes"}
