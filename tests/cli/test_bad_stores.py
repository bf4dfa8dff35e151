"""Bad stores and output folders as a user meets them: one clear line, exit code 2, nothing created or changed."""

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import assert_one_clear_line, files, rpa, rpa_side_by_side, schema_state

from rpa_core.store.migrate import _config, head_revision

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"
UNKNOWN = "ffff0000beef"
LOOKS = [["queue", "ls"], ["queue", "show", "1"], ["runs", "ls"], ["runs", "show", "r1"]]
NEVER_CREATE = [*LOOKS, ["queue", "requeue", "1"]]
# Every command above opens the store through one helper (each is tested on a missing store); fewer are enough here.
SOME = [["queue", "show", "1"], ["runs", "ls"], ["queue", "requeue", "1"]]


def sqlite(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def runs(tmp_path: Path, command: str, store: str, runs_dir: Path | None = None):
    """``rpa run|worker examples/hello`` on ``store`` with its artifacts in ``runs_dir`` (default tmp/runs)."""
    runs_dir = runs_dir or tmp_path / "runs"
    return rpa(command, str(HELLO), "--store", store, "--runs-dir", str(runs_dir), cwd=tmp_path)


@pytest.mark.parametrize("command", NEVER_CREATE, ids=" ".join)
def test_a_look_at_a_missing_store_creates_nothing(tmp_path, command):
    path = tmp_path / "no" / "dir" / "x.db"
    result = rpa(*command, "--store", sqlite(path))
    assert_one_clear_line(result, f"no store at {path.as_posix()}", "rpa run", "rpa store upgrade")
    assert list(tmp_path.iterdir()) == []


def test_runs_ls_in_an_empty_folder_does_not_make_dot_rpa(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RPA_STORE_URL"}
    result = rpa("runs", "ls", cwd=tmp_path, env=env)
    assert_one_clear_line(result, "no store at", ".rpa/rpa.db")
    assert list(tmp_path.iterdir()) == []


def test_a_look_at_an_older_store_does_not_migrate_it(tmp_path):
    from alembic import command

    url = sqlite(tmp_path / "old.db")
    engine = create_engine(url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    engine.dispose()
    before = files(tmp_path)
    for result in rpa_side_by_side(*([*look, "--store", url] for look in SOME)):
        assert_one_clear_line(result, "revision 0003", head_revision(), "`rpa store upgrade`")
    assert files(tmp_path) == before
    assert schema_state(url)[1] == "0003"


def make_store_ahead(url: str) -> tuple[list[str], str | None]:
    """A real store (``rpa store upgrade``) then moved to a revision this code does not know; its state."""
    assert rpa("store", "upgrade", "--store", url).returncode == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": UNKNOWN})
    engine.dispose()
    return schema_state(url)


def assert_every_command_refuses_a_store_ahead(tmp_path: Path, url: str) -> None:
    words = (UNKNOWN, "does not know", f"up to {head_revision()}", "upgrade rpa-core on this machine")
    looks = [[*command, "--store", url] for command in (["store", "upgrade"], *SOME)]
    runs_dir = ["--store", url, "--runs-dir", str(tmp_path / "runs")]
    steps = [[command, str(HELLO), *runs_dir] for command in ("run", "worker")]
    for result in rpa_side_by_side(*looks, *steps, cwd=tmp_path):
        assert_one_clear_line(result, *words)


def test_a_sqlite_store_ahead_of_the_code_is_refused_by_every_command_and_not_written(tmp_path):
    url = sqlite(tmp_path / "ahead.db")
    state = make_store_ahead(url)
    before = files(tmp_path)
    assert_every_command_refuses_a_store_ahead(tmp_path, url)
    assert schema_state(url) == state
    assert files(tmp_path) == before  # the file's bytes, and no runs/ folder


@pytest.mark.postgres
def test_a_postgres_store_ahead_of_the_code_is_refused_by_every_command_and_not_written(tmp_path, postgres_url):
    state = make_store_ahead(postgres_url)
    assert_every_command_refuses_a_store_ahead(tmp_path, postgres_url)
    assert schema_state(postgres_url) == state
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_look_at_an_empty_postgres_database_creates_no_tables(postgres_url):
    for result in rpa_side_by_side(*([*command, "--store", postgres_url] for command in SOME)):
        assert_one_clear_line(result, "no store at postgresql", "rpa store upgrade")
    assert schema_state(postgres_url) == ([], None)


def test_a_text_file_as_the_store_is_refused_and_left_alone(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    before = files(tmp_path)
    looks = [
        [*command, "--store", sqlite(notes)] for command in (["store", "upgrade"], ["queue", "ls"], ["runs", "ls"])
    ]
    run = ["run", str(HELLO), "--store", sqlite(notes), "--runs-dir", str(tmp_path / "runs")]
    for result in rpa_side_by_side(*looks, run, cwd=tmp_path):
        assert_one_clear_line(result, "notes.txt", "is not a SQLite database")
    assert files(tmp_path) == before


def test_a_store_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    store = sqlite(tmp_path / "file" / "sub" / "rpa.db")
    assert_one_clear_line(rpa("store", "upgrade", "--store", store), "cannot create the store folder", "file")
    assert_one_clear_line(runs(tmp_path, "run", store), "cannot create the store folder", "file")
    assert files(tmp_path) == {"file": hashlib.sha256(b"x").hexdigest()}


@pytest.mark.parametrize("command", ["run", "worker"])
@pytest.mark.parametrize(
    ("runs_dir", "words"),
    [("notes.txt", ["is a file, not a folder"]), ("notes.txt/sub", ["cannot be created", "notes.txt is a file"])],
)
def test_a_bad_runs_dir_is_one_line_and_leaves_no_store(tmp_path, command, runs_dir, words):
    (tmp_path / "notes.txt").write_text("x")
    result = runs(tmp_path, command, sqlite(tmp_path / "s.db"), runs_dir=Path(runs_dir))
    assert_one_clear_line(result, "--runs-dir", runs_dir, *words)
    assert files(tmp_path) == {"notes.txt": hashlib.sha256(b"x").hexdigest()}


def test_sandbox_generate_into_a_folder_that_cannot_be_created(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = rpa("sandbox", "generate", "notes.txt/out", "--citizens", "2", cwd=tmp_path)
    assert_one_clear_line(result, "notes.txt/out", "cannot be created", "notes.txt is a file")
    result = rpa("sandbox", "generate", "notes.txt", "--citizens", "2", cwd=tmp_path)
    assert_one_clear_line(result, "notes.txt", "is a file, not a folder")
    assert files(tmp_path) == {"notes.txt": hashlib.sha256(b"x").hexdigest()}


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs, where no one may create a folder")
def test_sandbox_generate_where_no_folder_can_be_made():
    result = rpa("sandbox", "generate", "/sys/rpa-test-out", "--citizens", "2")
    assert_one_clear_line(result, "/sys/rpa-test-out", "cannot be created")
    assert not Path("/sys/rpa-test-out").exists()
