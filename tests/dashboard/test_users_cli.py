"""``rpa users`` and ``rpa dashboard serve`` as an admin types them: passwords from stdin, never from argv."""

from __future__ import annotations

import json
import subprocess
import sys

from support import assert_one_clear_line, rpa

from rpa_core.dashboard.users import authenticate
from rpa_core.store import open_store


def rpa_stdin(*args: str, stdin: str, cwd) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "rpa_core.cli.main", *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)


def test_add_list_passwd_disable_and_remove(tmp_path, sqlite_url):
    store = ["--store", sqlite_url]
    added = rpa_stdin("users", "add", "anna", "--role", "operator", *store, stdin="a long password 1\n", cwd=tmp_path)
    assert added.returncode == 0 and "a long password" not in added.stdout + added.stderr, added
    listed = json.loads(rpa("users", "ls", "--json", *store, cwd=tmp_path).stdout)["users"]
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("anna", "operator", False)]
    opened = open_store(sqlite_url)
    assert authenticate(opened, "anna", "a long password 1", "test") is not None
    assert rpa_stdin("users", "passwd", "anna", *store, stdin="another password 2\n", cwd=tmp_path).returncode == 0
    assert authenticate(opened, "anna", "another password 2", "test") is not None
    assert rpa("users", "role", "anna", "admin", *store, cwd=tmp_path).returncode == 0
    assert rpa("users", "disable", "anna", *store, cwd=tmp_path).returncode == 0
    assert authenticate(opened, "anna", "another password 2", "test") is None, "a disabled user cannot log in"
    assert rpa("users", "rm", "anna", *store, cwd=tmp_path).returncode == 0
    assert json.loads(rpa("users", "ls", "--json", *store, cwd=tmp_path).stdout)["users"] == []
    opened.close()


def test_wrong_input_is_one_clear_line(tmp_path, sqlite_url):
    store = ["--store", sqlite_url]
    assert_one_clear_line(
        rpa_stdin("users", "add", "bo", "--role", "boss", *store, stdin="x" * 20, cwd=tmp_path),
        "--role",
        "viewer, operator or admin",
    )
    assert_one_clear_line(
        rpa_stdin("users", "add", "bo", "--role", "viewer", *store, stdin="short\n", cwd=tmp_path),
        "at least 12 characters",
    )
    assert_one_clear_line(
        rpa_stdin("users", "add", "Bo Ib", "--role", "viewer", *store, stdin="x" * 20, cwd=tmp_path), "user name"
    )
    assert not (tmp_path / "store.db").exists(), "a refused add creates no store"
    open_store(sqlite_url).close()
    assert_one_clear_line(rpa("users", "passwd", "nobody", *store, cwd=tmp_path), "no user 'nobody'")
    assert_one_clear_line(rpa("dashboard", "serve", *store, cwd=tmp_path), "no dashboard users yet")
