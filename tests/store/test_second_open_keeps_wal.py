"""Opening and closing a second store in a process that holds one open (the runner reading the vault) must not
drop the process's SQLite locks: else another process's close deletes the live -wal file under it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from rpa_core.store import open_existing_store, open_store


def test_a_second_store_opened_and_closed_keeps_the_first_ones_wal(tmp_path: Path):
    url = f"sqlite:///{(tmp_path / 'rpa.db').as_posix()}"
    store = open_store(url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        open_existing_store(url).close()  # reads the file's header: through SQLite, not open()
        other = f"from rpa_core.store import open_store; open_store({url!r}).close()"
        subprocess.run([sys.executable, "-c", other], check=True, timeout=60)
        assert (tmp_path / "rpa.db-wal").exists(), "the other process thought it was the last one and removed the WAL"
    finally:
        store.close()
