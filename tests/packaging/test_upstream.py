"""A fork and its upstream: status, diff and the three-way merge, with real git and real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import git

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot
from rpa_core.packaging.fork import fork
from rpa_core.packaging.merge import merge
from rpa_core.packaging.snapshot import digest, read_base, read_files
from rpa_core.packaging.toml_text import split_upstream
from rpa_core.packaging.upstream import PENDING, diff, status

ROOT = Path(__file__).resolve().parents[2]
FLEXLOEN = ROOT / "robots" / "flexloen"
CONSUMER = "tasks/consumer.robot"
FORK_DOC = "    [Documentation]    Takes payments from the queue until it is empty."
LOGIN = "    Log In To Ydelsessystem    ${ydelse_url}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (the fork's files, .upstream/, profiles/, local/, .rpa/), with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def upstream_block(robot: Path) -> str:
    return split_upstream((robot / "robot.toml").read_text())[1]


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """Skanderborg's repository of the fleksløn robot at 0.1.0."""
    repo = tmp_path / "skanderborg"
    shutil.copytree(FLEXLOEN, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(repo, "init", "--quiet")
    commit(repo, "fleksløn 0.1.0")
    git(repo, "tag", "v0.1.0")
    return repo


@pytest.fixture
def forked(tmp_path: Path, upstream: Path) -> Path:
    """Syddjurs' fork of it, with a local/ override of its own."""
    robot = tmp_path / "syddjurs"
    fork(str(upstream), robot, "Syddjurs Kommune")
    (robot / "local").mkdir()
    (robot / "local" / "overrides.resource").write_text("*** Keywords ***\n")
    return robot


def release_0_2_0(repo: Path) -> str:
    """Upstream's next version: a fix in rules.py, a new module, a module deleted, profiles/ and local/ changed."""
    edit(repo / "robot.toml", 'version = "0.1.0"', 'version = "0.2.0"')
    edit(
        repo / "flexloen" / "rules.py",
        '"""',
        '"""Rules (0.2.0: a fix).\n\n',
    )
    (repo / "flexloen" / "holidays.py").write_text("HOLIDAYS = ()\n")
    (repo / "flexloen" / "explanation.py").unlink()
    (repo / "profiles" / "skanderborg.toml").write_text('[profile]\nmunicipality = "Skanderborg Kommune"\n')
    (repo / "profiles" / "aarhus.toml").write_text('[profile]\nmunicipality = "Aarhus Kommune"\n')
    (repo / "local").mkdir()
    (repo / "local" / "overrides.resource").write_text("upstream's own local override\n")
    return commit(repo, "fleksløn 0.2.0")


def test_status_diff_and_a_clean_merge_of_both_sides_changes(forked, upstream):
    edit(forked / CONSUMER, FORK_DOC, FORK_DOC + " Syddjurs: one more line.")
    edit(forked / "robot.toml", "kill_switch = 5", "kill_switch = 3")
    profiles_before = tree(forked / "profiles")
    info_before = load_robot(forked).manifest.upstream
    revision = release_0_2_0(upstream)

    state = status(forked)
    assert (state.fork.added, state.fork.modified, state.fork.deleted) == ([], ["robot.toml", CONSUMER], [])
    assert state.upstream.added == ["flexloen/holidays.py"]
    assert state.upstream.modified == ["flexloen/rules.py", "robot.toml"]
    assert state.upstream.deleted == ["flexloen/explanation.py"]
    assert state.both == ["robot.toml"]
    assert (state.upstream_version, state.upstream_revision) == ("0.2.0", revision)

    changes = diff(forked)
    upstream_text, fork_text = "".join(changes.upstream), "".join(changes.fork)
    assert '+version = "0.2.0"' in upstream_text and "+++ upstream/flexloen/holidays.py" in upstream_text
    assert "+++ /dev/null" in upstream_text and '+"""Rules (0.2.0: a fix).' in upstream_text
    assert "Syddjurs: one more line." in fork_text and "+kill_switch = 3" in fork_text
    assert "Syddjurs" not in upstream_text

    result = merge(forked)
    assert result.clean
    assert (result.merged, result.updated) == (["robot.toml"], ["flexloen/rules.py"])
    assert (result.added, result.removed) == (["flexloen/holidays.py"], ["flexloen/explanation.py"])
    assert (result.old_version, result.new_version) == ("0.1.0", "0.2.0")
    assert "Syddjurs: one more line." in (forked / CONSUMER).read_text()
    assert (forked / "flexloen" / "rules.py").read_text().startswith('"""Rules (0.2.0: a fix).')
    assert (forked / "flexloen" / "holidays.py").is_file() and not (forked / "flexloen" / "explanation.py").exists()
    manifest = (forked / "robot.toml").read_text()
    assert 'version = "0.2.0"' in manifest and "kill_switch = 3" in manifest
    info = load_robot(forked).manifest.upstream
    assert (info.version, info.revision, info.ref, info.source) == ("0.2.0", revision, "", "../skanderborg")
    assert info.forked_at == info_before.forked_at and info.merged_at is not None
    assert read_base(forked) == {k: v for k, v in read_files(upstream).items()}
    assert info.snapshot == digest(read_base(forked))
    # profiles/ and local/ are the fork's own, whatever upstream has there
    assert tree(forked / "profiles") == profiles_before
    assert (forked / "local" / "overrides.resource").read_text() == "*** Keywords ***\n"
    assert not (forked / ".rpa").exists()

    again = status(forked)
    assert again.upstream.paths == [] and again.fork.modified == ["robot.toml", CONSUMER]
    merged = tree(forked)
    assert merge(forked).up_to_date and tree(forked) == merged, "nothing new upstream: nothing written"


def test_a_conflict_leaves_markers_in_that_file_only_and_keeps_the_snapshot(forked, upstream):
    edit(forked / CONSUMER, LOGIN, LOGIN + "    timeout=30s")
    before = tree(forked)
    block = upstream_block(forked)
    edit(upstream / CONSUMER, LOGIN, LOGIN + "    retries=3")
    revision = release_0_2_0(upstream)

    result = merge(forked)
    assert not result.clean
    [conflict] = result.conflicts
    text = (forked / CONSUMER).read_text()
    first = text.splitlines().index("<<<<<<< fork") + 1
    assert conflict.path == CONSUMER and conflict.lines == ((first, first + 4),)
    assert str(conflict) == f"{CONSUMER}:{first}-{first + 4} (changed on both sides)"
    assert f"{LOGIN}    timeout=30s\n=======\n{LOGIN}    retries=3\n>>>>>>> upstream 0.2.0\n" in text
    # Nothing else changed: only the conflicted file and the record of the unfinished merge
    after = tree(forked)
    assert {k: v for k, v in after.items() if k not in (CONSUMER, PENDING)} == {
        k: v for k, v in before.items() if k != CONSUMER
    }
    assert result.pending == ["flexloen/explanation.py", "flexloen/holidays.py", "flexloen/rules.py", "robot.toml"]
    assert upstream_block(forked) == block, "[upstream] is not advanced"
    record = json.loads(after[PENDING])
    assert record["revision"] == revision and record["conflicts"] == [CONSUMER]

    # unresolved: a rerun says so again and changes nothing
    assert [c.path for c in merge(forked).conflicts] == [CONSUMER]
    assert tree(forked) == after

    # resolved by hand: the rerun keeps the resolution and finishes the merge
    resolved = text.replace(f"<<<<<<< fork\n{LOGIN}    timeout=30s\n=======\n", "")
    (forked / CONSUMER).write_text(resolved.replace("    retries=3\n>>>>>>> upstream 0.2.0\n", "    retries=3\n"))
    final = merge(forked)
    assert final.clean and CONSUMER in final.merged
    assert sorted(final.updated + final.added + final.removed) == result.pending
    assert (forked / "flexloen" / "rules.py").read_bytes() == (upstream / "flexloen" / "rules.py").read_bytes()
    assert not (forked / "flexloen" / "explanation.py").exists() and (forked / "flexloen" / "holidays.py").exists()
    assert 'version = "0.2.0"' in (forked / "robot.toml").read_text()
    assert f"{LOGIN}    retries=3\n" in (forked / CONSUMER).read_text()
    assert "<<<<<<<" not in (forked / CONSUMER).read_text()
    info = load_robot(forked).manifest.upstream
    assert (info.version, info.revision) == ("0.2.0", revision)
    assert read_base(forked) == read_files(upstream)
    assert not (forked / PENDING).exists()


def test_deleted_on_one_side_and_changed_on_the_other_is_a_conflict_with_the_content_between_markers(forked, upstream):
    edit(
        forked / "flexloen" / "explanation.py",
        '"""',
        '"""Syddjurs wording.\n',
    )
    edit(
        upstream / "flexloen" / "reasons.py",
        '"""',
        '"""Reasons (0.2.0).\n',
    )
    (forked / "flexloen" / "reasons.py").unlink()
    release_0_2_0(upstream)  # deletes explanation.py

    result = merge(forked)
    reasons = {c.path: c.reason for c in result.conflicts}
    assert reasons == {
        "flexloen/explanation.py": "deleted upstream, changed here",
        "flexloen/reasons.py": "deleted here, changed upstream",
    }
    kept = (forked / "flexloen" / "explanation.py").read_text()
    assert kept.startswith("<<<<<<< fork\n") and kept.endswith("=======\n>>>>>>> upstream 0.2.0 (deleted)\n")
    offered = (forked / "flexloen" / "reasons.py").read_text()
    assert offered.startswith("<<<<<<< fork (deleted)\n=======\n") and offered.endswith(">>>>>>> upstream 0.2.0\n")

    (forked / "flexloen" / "explanation.py").unlink()  # take upstream's deletion
    edit(forked / "flexloen" / "reasons.py", "<<<<<<< fork (deleted)\n=======\n", "")  # take upstream's file
    edit(forked / "flexloen" / "reasons.py", ">>>>>>> upstream 0.2.0\n", "")
    assert merge(forked).clean
    assert not (forked / "flexloen" / "explanation.py").exists()
    assert (forked / "flexloen" / "reasons.py").read_bytes() == (upstream / "flexloen" / "reasons.py").read_bytes()


def test_a_file_added_on_both_sides_with_different_content_is_a_conflict(forked, upstream):
    (forked / "flexloen" / "holidays.py").write_text("HOLIDAYS = ('grundlovsdag',)\n")
    release_0_2_0(upstream)
    [conflict] = merge(forked).conflicts
    assert (conflict.path, conflict.reason) == ("flexloen/holidays.py", "added here and upstream")
    assert "<<<<<<< fork" in (forked / "flexloen" / "holidays.py").read_text()


def test_merge_from_another_source_and_ref_records_them(forked, upstream, tmp_path):
    release_0_2_0(upstream)
    edit(
        upstream / "README.md",
        "#",
        "# (0.3.0)",
    )
    edit(upstream / "robot.toml", 'version = "0.2.0"', 'version = "0.3.0"')
    commit(upstream, "0.3.0")
    git(upstream, "tag", "v0.3.0")
    git(upstream, "checkout", "--quiet", "-b", "next")
    edit(upstream / "robot.toml", 'version = "0.3.0"', 'version = "0.4.0"')
    commit(upstream, "0.4.0 on a branch")
    git(upstream, "checkout", "--quiet", "main")
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(upstream), str(mirror))

    assert status(forked, f"{mirror}@v0.3.0").upstream_version == "0.3.0"
    assert merge(forked, f"{mirror}@v0.3.0").clean
    info = load_robot(forked).manifest.upstream
    assert (info.version, info.ref, info.source) == ("0.3.0", "v0.3.0", "../mirror.git")
    assert status(forked).upstream.paths == []  # the same tag again
    assert merge(forked, f"{mirror}@next").new_version == "0.4.0"


def test_a_robot_without_upstream_or_with_an_edited_snapshot_or_table_is_refused(forked, tmp_path):
    with pytest.raises(ConfigError, match=r"has no \[upstream\] table"):
        status(FLEXLOEN)
    edit(forked / ".upstream" / CONSUMER, LOGIN, LOGIN + "  # edited")
    with pytest.raises(ConfigError, match=r"does not match \[upstream\]\.snapshot"):
        status(forked)
    edit(forked / ".upstream" / CONSUMER, LOGIN + "  # edited", LOGIN)
    edit(forked / "robot.toml", 'ref = ""', 'ref = "v9"')
    with pytest.raises(ConfigError, match="edited by hand"):
        merge(forked)
    shutil.rmtree(forked / ".upstream")
    edit(forked / "robot.toml", 'ref = "v9"', 'ref = ""')
    with pytest.raises(ConfigError, match="merge base is gone"):
        status(forked)


def test_an_unsafe_upstream_writes_nothing(forked, upstream):
    release_0_2_0(upstream)
    (upstream / "tasks" / "passwords.robot").symlink_to("/etc/passwd")
    commit(upstream, "a symlink")
    before = tree(forked)
    with pytest.raises(ConfigError, match=r"refusing the symlink 'tasks/passwords\.robot'"):
        merge(forked)
    assert tree(forked) == before


def rpa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_cli_status_and_merge_exit_codes(forked, upstream, tmp_path):
    edit(forked / CONSUMER, LOGIN, LOGIN + "    timeout=30s")
    edit(upstream / CONSUMER, LOGIN, LOGIN + "    retries=3")
    release_0_2_0(upstream)

    shown = rpa("robot", "upstream", "status", str(forked))
    assert shown.returncode == 0, shown.stderr
    assert f"M {CONSUMER}" in shown.stdout and "Changed on both sides (1)" in shown.stdout
    assert "A flexloen/holidays.py" in shown.stdout and "D flexloen/explanation.py" in shown.stdout

    shown = rpa("robot", "upstream", "diff", str(forked))
    assert shown.returncode == 0 and "+++ upstream/tasks/consumer.robot" in shown.stdout

    conflicted = rpa("robot", "upstream", "merge", str(forked))
    assert conflicted.returncode == 1, conflicted.stderr
    assert f"  conflict: {CONSUMER}:" in conflicted.stdout and "(changed on both sides)" in conflicted.stdout
    assert "Nothing else was changed ([upstream] and .upstream/ neither)" in conflicted.stdout
    assert "Traceback" not in conflicted.stdout + conflicted.stderr

    not_a_fork = rpa("robot", "upstream", "merge", "robots/flexloen")
    assert not_a_fork.returncode == 2 and "Traceback" not in not_a_fork.stderr
    assert len(not_a_fork.stderr.strip().splitlines()) == 1 and "not a fork" in not_a_fork.stderr

    text = (forked / CONSUMER).read_text()
    start, end = text.index("<<<<<<< fork\n"), text.index(">>>>>>> upstream 0.2.0\n")
    (forked / CONSUMER).write_text(text[:start] + f"{LOGIN}    retries=3\n" + text[end + 23 :])
    finished = rpa("robot", "upstream", "merge", str(forked))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "Merged upstream 0.2.0" in finished.stdout and "[upstream] now at 0.2.0 (was 0.1.0)" in finished.stdout
