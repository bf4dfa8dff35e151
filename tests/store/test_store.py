"""Opening the store: URLs, migrations, clear errors."""

import pytest
from sqlalchemy import inspect

from rpa_core.errors import StoreUnavailableError
from rpa_core.store import open_store, resolve_store_url
from rpa_core.store.migrate import current_revision, head_revision, upgrade

TABLES = {"runs", "run_steps", "work_items", "item_attempts", "item_events", "item_files", "alembic_version"}


def test_first_use_migrates_and_upgrade_is_idempotent(store):
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert current_revision(store.engine) == head_revision()
    assert upgrade(store.engine) == (head_revision(), head_revision())


def test_sqlite_store_uses_wal(sqlite_url):
    store = open_store(sqlite_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_default_store_is_in_dot_rpa(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RPA_STORE_URL", raising=False)
    store = open_store()
    assert (tmp_path / ".rpa" / "rpa.db").is_file()
    store.close()


def test_postgres_scheme_aliases_use_psycopg():
    assert resolve_store_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_store_url("postgres://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://root@localhost/rpa", "scheme 'mysql' is not supported"),
        ("postgresql+psycopg2://u@h/db", "only psycopg 3"),
        ("sqlite://", "must name a SQLite file"),
        ("not a url", "is not a URL"),
    ],
)
def test_bad_urls_are_clear_errors(url, words):
    with pytest.raises(StoreUnavailableError, match=words):
        resolve_store_url(url)


def test_unreachable_postgres_is_a_clear_error():
    with pytest.raises(StoreUnavailableError, match="cannot reach the store at postgresql"):
        open_store("postgresql+psycopg://postgres:secret@127.0.0.1:1/none")


def test_unreachable_postgres_error_hides_the_password():
    with pytest.raises(StoreUnavailableError) as caught:
        open_store("postgresql+psycopg://postgres:secret@127.0.0.1:1/none")
    assert "secret" not in str(caught.value)


def test_a_store_at_revision_0001_upgrades_with_its_runs_kept(sqlite_url):
    """A machine that ran the first release keeps its history: 0002 adds run_steps.message."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from rpa_core.runner.records import list_steps
    from rpa_core.store.migrate import _config

    engine = create_engine(sqlite_url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO runs (id, robot, robot_version, status, started_at, host, artifacts_dir) "
                "VALUES ('r1', 'flexloen', '0.1.0', 'SUCCEEDED', '2026-11-01 02:00:00.000000', 'vm', 'runs/r1')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO run_steps (run_id, name, worker, status, exit_code, started_at, output_dir) "
                "VALUES ('r1', 'producer', 'vm:r1:producer', 'SUCCEEDED', 0, '2026-11-01 02:00:00.000000', 'p')"
            )
        )
    assert current_revision(engine) == "0001"
    engine.dispose()

    store = open_store(sqlite_url)  # first use of the new release migrates
    assert current_revision(store.engine) == head_revision() == "0008"
    (step,) = list_steps(store, "r1")
    assert step.name == "producer" and step.exit_code == 0 and step.message is None
    store.close()
