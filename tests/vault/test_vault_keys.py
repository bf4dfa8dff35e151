"""Key sources: RPA_VAULT_KEY, then RPA_VAULT_KEY_FILE, then the default key file, then the OS keyring."""

from __future__ import annotations

import os
import sys

import pytest

from rpa_core.errors import UserError
from rpa_core.vault.crypto import encode_key, key_id, new_key
from rpa_core.vault.keys import (
    VaultKeyMissingError,
    default_key_file,
    find_key,
    read_key_file,
    require_key,
    write_key_file,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@posix_only
def test_key_file_is_written_owner_only_and_a_readable_one_is_refused(tmp_path):
    path = tmp_path / "keys" / "vault.key"
    key = new_key()
    write_key_file(path, key)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert read_key_file(path) == key
    os.chmod(path, 0o644)
    with pytest.raises(UserError) as caught:
        read_key_file(path)
    assert str(caught.value) == f"key file {path} can be read by others (mode 0644); run: chmod 600 {path}"
    assert encode_key(key) not in str(caught.value)
    with pytest.raises(UserError, match="exists already; it is never overwritten"):
        write_key_file(path, new_key())


def test_sources_in_order(tmp_path):
    env_key, file_key, default_key = new_key(), new_key(), new_key()
    key_file = tmp_path / "ci.key"
    write_key_file(key_file, file_key)
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "APPDATA": str(tmp_path / "cfg")}
    write_key_file(default_key_file(key_id(default_key), environ), default_key)
    both = {**environ, "RPA_VAULT_KEY": encode_key(env_key), "RPA_VAULT_KEY_FILE": str(key_file)}
    assert find_key(key_id(default_key), both).kind == "env"
    assert find_key(key_id(default_key), both).key == env_key
    assert find_key(key_id(default_key), {**environ, "RPA_VAULT_KEY_FILE": str(key_file)}).key == file_key
    found = find_key(key_id(default_key), environ)
    assert (found.kind, found.key) == ("default-file", default_key)
    assert encode_key(default_key) not in repr(found)
    assert find_key(None, environ) is None  # no vault yet: only the two variables


def test_missing_key_names_the_three_sources(tmp_path):
    environ = {"XDG_CONFIG_HOME": str(tmp_path), "APPDATA": str(tmp_path)}
    with pytest.raises(VaultKeyMissingError) as caught:
        require_key("0123456789abcdef", environ)
    message = str(caught.value)
    assert "\n" not in message
    for source in ("RPA_VAULT_KEY", "RPA_VAULT_KEY_FILE", "OS keyring (rpa-core/0123456789abcdef)"):
        assert source in message


def test_a_bad_key_text_is_named_never_shown():
    with pytest.raises(UserError) as caught:
        find_key(None, {"RPA_VAULT_KEY": "not-a-key-but-secret-looking"})
    assert "RPA_VAULT_KEY does not hold a vault key" in str(caught.value)
    assert "not-a-key" not in str(caught.value)


def test_a_named_key_file_that_is_missing_is_an_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        find_key("0123456789abcdef", {"RPA_VAULT_KEY_FILE": str(tmp_path / "none.key")})
