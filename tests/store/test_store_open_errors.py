"""Opening a store that is missing, not a store, or at another revision: a clear error, and nothing written."""

import hashlib
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import files, schema_state

from rpa_core.errors import StoreNotFoundError, StoreRevisionError, StoreUnavailableError
from rpa_core.store import open_existing_store, open_store
from rpa_core.store.migrate import _config, current_revision, head_revision, known_revisions, upgrade

UNKNOWN = "ffff0000beef"


def store_at(url: str, revision: str) -> None:
    """A real store migrated to ``revision`` only."""
    from alembic import command

    engine = create_engine(url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def store_ahead(url: str) -> None:
    """A real store that a newer rpa-core has migrated: its revision is one this code does not know."""
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": UNKNOWN})
    engine.dispose()


def test_a_missing_sqlite_store_is_not_created_by_a_look(tmp_path):
    url = f"sqlite:///{(tmp_path / 'no' / 'such' / 'rpa.db').as_posix()}"
    with pytest.raises(StoreNotFoundError, match=r"no store at .*rpa\.db; `rpa run` or `rpa store upgrade`"):
        open_existing_store(url)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_sqlite_file_is_no_store_and_stays_empty(tmp_path):
    (tmp_path / "rpa.db").write_bytes(b"")
    with pytest.raises(StoreNotFoundError, match="no store at"):
        open_existing_store(f"sqlite:///{(tmp_path / 'rpa.db').as_posix()}")
    assert files(tmp_path) == {"rpa.db": hashlib.sha256(b"").hexdigest()}


def test_a_store_at_this_revision_opens_for_a_look_and_is_left_as_it_was(tmp_path, sqlite_url):
    open_store(sqlite_url).close()
    before = files(tmp_path)
    store = open_existing_store(sqlite_url)
    with store.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()
    assert files(tmp_path) == before


def test_an_older_sqlite_store_is_not_migrated_by_a_look(sqlite_url):
    store_at(sqlite_url, "0003")
    with pytest.raises(StoreRevisionError, match=rf"at revision 0003 and .* at {head_revision()}; `rpa store upgrade`"):
        open_existing_store(sqlite_url)
    assert schema_state(sqlite_url)[1] == "0003"


@pytest.mark.parametrize("opener", [open_store, open_existing_store])
def test_a_file_that_is_not_a_database_is_a_clear_error_and_unchanged(tmp_path, opener):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    with pytest.raises(StoreUnavailableError, match=r"store file .*notes\.txt is not a SQLite database"):
        opener(f"sqlite:///{notes.as_posix()}")
    assert files(tmp_path) == {"notes.txt": hashlib.sha256(b"shopping list\n").hexdigest()}


@pytest.mark.parametrize("opener", [open_store, open_existing_store])
def test_a_folder_given_as_the_store_file_is_a_clear_error(tmp_path, opener):
    with pytest.raises(StoreUnavailableError, match="is a folder, not a SQLite store file"):
        opener(f"sqlite:///{tmp_path.as_posix()}")
    assert list(tmp_path.iterdir()) == []


def test_a_store_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnavailableError, match=r"cannot create the store folder .*file"):
        open_store(f"sqlite:///{(tmp_path / 'file' / 'sub' / 'rpa.db').as_posix()}")
    assert files(tmp_path) == {"file": hashlib.sha256(b"x").hexdigest()}


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions that bind")
def test_a_store_folder_that_is_not_writable_is_a_clear_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        with pytest.raises(StoreUnavailableError, match=r"the store folder .*locked is not writable"):
            open_store(f"sqlite:///{(locked / 'rpa.db').as_posix()}")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs, where no one may create a file")
def test_a_store_in_a_folder_where_no_file_can_be_made_is_a_clear_error():
    with pytest.raises(StoreUnavailableError, match="/sys"):
        open_store("sqlite:////sys/rpa-test-store.db")
    assert not Path("/sys/rpa-test-store.db").exists()


def test_a_store_ahead_of_the_code_is_refused_before_any_write(store_url, tmp_path):
    store_ahead(store_url)
    before_state, before_files = schema_state(store_url), files(tmp_path)
    words = rf"at revision {UNKNOWN}, which this version of rpa-core does not know \(it knows up to {head_revision()}\)"
    for attempt in (lambda: open_store(store_url), lambda: open_existing_store(store_url)):
        with pytest.raises(StoreRevisionError, match=words):
            attempt()
    opened = open_store(store_url, migrate=False)  # what `rpa store upgrade` does
    with pytest.raises(StoreRevisionError, match="upgrade rpa-core on this machine"):
        upgrade(opened.engine)
    opened.close()
    assert schema_state(store_url) == before_state
    assert files(tmp_path) == before_files


def test_known_revisions_are_the_shipped_migrations():
    assert {"0001", head_revision()} <= known_revisions()
    assert UNKNOWN not in known_revisions()


@pytest.mark.postgres
def test_an_empty_postgres_database_is_no_store_and_stays_empty(postgres_url):
    with pytest.raises(StoreNotFoundError, match="no store at postgresql"):
        open_existing_store(postgres_url)
    assert schema_state(postgres_url) == ([], None)


@pytest.mark.postgres
def test_an_older_postgres_store_is_not_migrated_by_a_look(postgres_url):
    store_at(postgres_url, "0003")
    with pytest.raises(StoreRevisionError, match="at revision 0003"):
        open_existing_store(postgres_url)
    store = open_store(postgres_url, migrate=False)
    assert current_revision(store.engine) == "0003"
    store.close()
