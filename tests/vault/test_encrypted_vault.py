"""The encrypted vault in a real store: sealed at rest, wrong key refused before any write, rotation, tampering."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select, update
from support import files

from rpa_core.errors import UserError
from rpa_core.store import open_store
from rpa_core.store.models import vault_keys, vault_secrets
from rpa_core.vault.crypto import VaultIntegrityError, key_id, new_key, seal, unseal
from rpa_core.vault.store_vault import EncryptedVault, WrongKeyError, active_key_id, entries


def _value() -> str:
    return f"plain-{secrets.token_hex(8)}"


def _sealed(store, name: str, field: str) -> str:
    with store.engine.connect() as conn:
        return conn.execute(
            select(vault_secrets.c.sealed).where(vault_secrets.c.name == name, vault_secrets.c.field == field)
        ).scalar_one()


def _set_sealed(store, name: str, field: str, sealed: str) -> None:
    with store.engine.begin() as conn:
        query = update(vault_secrets).where(vault_secrets.c.name == name, vault_secrets.c.field == field)
        conn.execute(query.values(sealed=sealed))


def test_envelope_names_its_key_and_binds_name_and_field():
    key = new_key()
    envelope = seal(key, "Ydelse", "password", "pw")
    version, kid, _, _ = envelope.split(".")
    assert (version, kid) == ("v1", key_id(key)) and len(kid) == 16
    assert unseal(key, "YDELSE", "PASSWORD", envelope) == "pw"  # case-insensitive names
    with pytest.raises(VaultIntegrityError, match="changed or moved"):
        unseal(key, "ydelse", "username", envelope)
    with pytest.raises(VaultIntegrityError, match="sealed with key id"):
        unseal(new_key(), "ydelse", "password", envelope)


def test_no_plaintext_secret_in_the_store_files(tmp_path):
    store = open_store(f"sqlite:///{(tmp_path / 'store.db').as_posix()}")
    vault = EncryptedVault.create(store, new_key())
    values = {field: _value() for field in ("username", "password", "api_key")}
    for field, value in values.items():
        vault.set("ydelse", field, value, description="robot user")
    assert dict(vault.get("ydelse")) == values
    raw = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("store.db"))
    assert any(path.name == "store.db-wal" for path in tmp_path.iterdir())  # read while still in the WAL too
    store.close()
    raw += (tmp_path / "store.db").read_bytes()
    assert b"robot user" in raw and b"ydelse" in raw  # names and descriptions are not secret
    for value in values.values():
        assert value.encode() not in raw


def test_wrong_key_is_refused_before_any_write(tmp_path):
    store = open_store(f"sqlite:///{(tmp_path / 'store.db').as_posix()}")
    vault = EncryptedVault.create(store, new_key())
    vault.set("ydelse", "password", _value())
    store.close()
    before = files(tmp_path)
    store = open_store(f"sqlite:///{(tmp_path / 'store.db').as_posix()}", migrate=False)
    wrong = new_key()
    with pytest.raises(WrongKeyError) as caught:
        EncryptedVault.open(store, wrong).set("ydelse", "password", "x")
    assert str(caught.value) == (
        f"this key does not open the vault: key id {key_id(wrong)} is not the vault's key "
        f"(the vault's is {vault.key_id})"
    )
    store.close()
    assert files(tmp_path) == before


def test_every_write_checks_the_key_in_its_own_transaction(store):
    first = EncryptedVault.create(store, new_key())
    stale = EncryptedVault.open(store, first._key)
    first.rotate(new_key())
    with pytest.raises(WrongKeyError, match="was retired by rotate-key"):
        stale.set("ydelse", "password", "x")
    assert entries(store) == []


def test_rotation_keeps_every_secret_and_the_old_key_then_fails(store):
    old = new_key()
    vault = EncryptedVault.create(store, old)
    values = {(name, field): _value() for name in ("ydelse", "esdh") for field in ("username", "password")}
    for (name, field), value in values.items():
        vault.set(name, field, value)
    before = {(e.name, e.field): _sealed(store, e.name, e.field) for e in entries(store)}
    new = new_key()
    assert vault.rotate(new) == 4
    assert active_key_id(store) == key_id(new)
    reopened = EncryptedVault.open(store, new)
    for (name, field), value in values.items():
        assert reopened.get(name)[field] == value
        assert _sealed(store, name, field) != before[(name, field)]
        assert _sealed(store, name, field).split(".")[1] == key_id(new)
    with pytest.raises(WrongKeyError, match=f"key id {key_id(old)} was retired by rotate-key"):
        EncryptedVault.open(store, old)
    with store.engine.connect() as conn:
        retired = conn.execute(select(vault_keys.c.retired_at).where(vault_keys.c.key_id == key_id(old))).scalar()
    assert retired is not None


def test_tampered_ciphertext_is_refused(store):
    key = new_key()
    vault = EncryptedVault.create(store, key)
    vault.set("ydelse", "password", _value())
    sealed = _sealed(store, "ydelse", "password")
    head, body = sealed.rsplit(".", 1)
    flipped = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    _set_sealed(store, "ydelse", "password", f"{head}.{flipped}")
    with pytest.raises(VaultIntegrityError, match="secret 'ydelse' field 'password' does not open"):
        vault.get("ydelse")


def test_ciphertext_moved_to_another_secret_is_refused(store):
    vault = EncryptedVault.create(store, new_key())
    vault.set("ydelse", "password", _value())
    vault.set("esdh", "password", _value())
    one, other = _sealed(store, "ydelse", "password"), _sealed(store, "esdh", "password")
    _set_sealed(store, "ydelse", "password", other)
    _set_sealed(store, "esdh", "password", one)
    for name in ("ydelse", "esdh"):
        with pytest.raises(VaultIntegrityError, match="moved from another secret"):
            vault.get(name)


def test_names_and_fields_are_case_insensitive_and_keep_their_first_spelling(store):
    vault = EncryptedVault.create(store, new_key())
    assert vault.set("Ydelse", "API_Key", "one", description="first") is True
    assert vault.set("YDELSE", "api_key", "two") is False
    values = vault.get("ydelse")
    assert list(values) == ["API_Key"] and values["api_key"] == "two"
    assert [(e.name, e.field, e.description) for e in entries(store)] == [("Ydelse", "API_Key", "first")]
    assert "two" not in repr(values) and "two" not in repr(vault)
    assert vault.remove("YDELSE") == ["API_Key"] and vault.get("ydelse") is None


def test_a_second_init_and_an_unknown_store_are_refused(store):
    EncryptedVault.create(store, new_key())
    with pytest.raises(UserError, match="has a vault already"):
        EncryptedVault.create(store, new_key())


def test_postgres_store_holds_no_plaintext(store, store_url):
    if store.is_sqlite:
        pytest.skip("the SQLite bytes are read in test_no_plaintext_secret_in_the_store_files")
    vault = EncryptedVault.create(store, new_key())
    value = _value()
    vault.set("ydelse", "password", value)
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(select(vault_secrets)).all()]
    assert value not in repr(rows)
