"""The encrypted vault in the store: each secret's fields sealed (rpa_core.vault.crypto) in ``vault_secrets``.

    vault = EncryptedVault.create(store, key)        # rpa vault init: the key row and its check value
    vault = EncryptedVault.open(store, key)          # a wrong key: UserError at once, before any write
    vault.set("ydelse", "password", value, description="Ydelsesservice robot user")
    vault.get("YDELSE")["Password"]                  # names and fields are case-insensitive
    vault.rotate(new_key)                            # every field re-sealed in one transaction; old key retired

Names, fields, descriptions and who changed what are stored in clear (``rpa vault ls`` needs no key); values only
sealed. Every write checks, in its own transaction, that this key is still the vault's active key.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from rpa_core.errors import UserError
from rpa_core.store import Store
from rpa_core.store.models import vault_keys, vault_secrets
from rpa_core.vault.crypto import check_value, key_id, opens_check, seal, unseal
from rpa_core.vault.secrets import SecretValues

NO_VAULT = "the store has no vault; `rpa vault init` makes one"


class WrongKeyError(UserError):
    """A key that is not the vault's active key: refused before anything is written."""


@dataclass(frozen=True)
class VaultEntry:
    """One field of a secret as ``rpa vault ls`` shows it: never its value."""

    name: str
    field: str
    description: str
    changed_by: str
    changed_at: datetime


def changed_by() -> str:
    """Who makes a change: ``user@host``."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment (a service account without one)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def active_key_id(store: Store) -> str | None:
    """The vault's active key id, or None when the store has no vault (no key needed)."""
    with store.read() as conn:
        return _active(conn)


def _active(conn: Connection) -> str | None:
    query = select(vault_keys.c.key_id).where(vault_keys.c.retired_at.is_(None))
    return conn.execute(query.order_by(vault_keys.c.created_at.desc())).scalars().first()


def entries(store: Store, name: str | None = None) -> list[VaultEntry]:
    """Every field of every secret (or of ``name``), sorted by name and field; needs no key."""
    query = select(vault_secrets)
    if name is not None:
        query = query.where(func.lower(vault_secrets.c.name) == name.lower())
    with store.read() as conn:
        rows = conn.execute(query).all()
    found = [VaultEntry(r.name, r.field, r.description, r.changed_by, r.changed_at) for r in rows]
    return sorted(found, key=lambda e: (e.name.lower(), e.field.lower()))


class EncryptedVault:
    """The store's vault opened with its key (make one with :meth:`create` or :meth:`open`)."""

    def __init__(self, store: Store, key: bytes) -> None:
        self.store = store
        self._key = key
        self.key_id = key_id(key)

    def __repr__(self) -> str:
        return f"EncryptedVault({self.store.display_url}, key id {self.key_id})"

    @classmethod
    def create(cls, store: Store, key: bytes) -> EncryptedVault:
        """Make the store's vault with ``key``; refused if the store has one."""
        with store.engine.begin() as conn:
            active = _active(conn)
            if active is not None:
                raise UserError(
                    f"the store has a vault already (key id {active}); `rpa vault rotate-key` replaces its key"
                )
            kid = key_id(key)
            if conn.execute(select(vault_keys.c.key_id).where(vault_keys.c.key_id == kid)).first():
                raise UserError(f"key id {kid} was this vault's key once and was retired; use a new key")
            conn.execute(
                insert(vault_keys).values(key_id=kid, check_value=check_value(key), created_at=datetime.now(UTC))
            )
        return cls(store, key)

    @classmethod
    def open(cls, store: Store, key: bytes) -> EncryptedVault:
        """The vault opened with ``key``; WrongKeyError when it is not the vault's key, before any write."""
        vault = cls(store, key)
        with store.read() as conn:
            vault._check(conn)
        return vault

    def _check(self, conn: Connection) -> None:
        rows = {row.key_id: row for row in conn.execute(select(vault_keys)).all()}
        active = next((row for row in rows.values() if row.retired_at is None), None)
        if active is None:
            raise UserError(NO_VAULT)
        opening = f"this key does not open the vault: key id {self.key_id}"
        if self.key_id != active.key_id:
            retired = rows.get(self.key_id)
            if retired is not None:
                when = retired.retired_at.strftime("%Y-%m-%d %H:%M UTC")
                raise WrongKeyError(f"{opening} was retired by rotate-key on {when} (the vault's is {active.key_id})")
            raise WrongKeyError(f"{opening} is not the vault's key (the vault's is {active.key_id})")
        if not opens_check(self._key, active.check_value):
            raise WrongKeyError(f"{opening} does not open the vault's key check value (was the store changed?)")

    def _rows(self, conn: Connection, name: str, field: str | None = None) -> list:
        query = select(vault_secrets).where(func.lower(vault_secrets.c.name) == name.lower())
        if field is not None:
            query = query.where(func.lower(vault_secrets.c.field) == field.lower())
        return conn.execute(query.order_by(vault_secrets.c.id)).all()

    def get(self, name: str) -> SecretValues | None:
        """The secret's fields and values (None when the vault has no such secret); a value that was changed
        or moved is VaultIntegrityError."""
        with self.store.read() as conn:
            self._check(conn)
            rows = self._rows(conn, name)
        if not rows:
            return None
        return SecretValues((row.field, unseal(self._key, row.name, row.field, row.sealed)) for row in rows)

    def set(self, name: str, field: str, value: str, description: str | None = None) -> bool:
        """Seal ``value`` as the secret's field (True when the field is new); ``description`` is the secret's."""
        if not name.strip() or not field.strip():
            raise UserError("a secret's name and field must not be empty")
        with self.store.engine.begin() as conn:
            self._check(conn)
            rows = self._rows(conn, name)
            name = rows[0].name if rows else name  # keep the first spelling
            same = [row for row in rows if row.field.lower() == field.lower()]
            field = same[0].field if same else field
            described = description if description is not None else (rows[0].description if rows else "")
            values = {
                "sealed": seal(self._key, name, field, value),
                "description": described,
                "changed_by": changed_by(),
                "changed_at": datetime.now(UTC),
            }
            if same:
                conn.execute(update(vault_secrets).where(vault_secrets.c.id == same[0].id).values(**values))
            else:
                conn.execute(insert(vault_secrets).values(name=name, field=field, **values))
            if description is not None:
                where = func.lower(vault_secrets.c.name) == name.lower()
                conn.execute(update(vault_secrets).where(where).values(description=description))
        return not same

    def remove(self, name: str, field: str | None = None) -> list[str]:
        """Remove the secret (or one field); the fields removed, none when there was nothing."""
        with self.store.engine.begin() as conn:
            self._check(conn)
            rows = self._rows(conn, name, field)
            if rows:
                conn.execute(delete(vault_secrets).where(vault_secrets.c.id.in_([row.id for row in rows])))
        return [row.field for row in rows]

    def rotate(self, new_key: bytes) -> int:
        """Re-seal every field with ``new_key`` and retire this key, in one transaction; the fields re-sealed.
        Any field that does not open stops it with nothing changed."""
        new_id = key_id(new_key)
        with self.store.engine.begin() as conn:
            self._check(conn)
            if conn.execute(select(vault_keys.c.key_id).where(vault_keys.c.key_id == new_id)).first():
                raise UserError(f"key id {new_id} is, or was, this vault's key; rotate to a new key")
            rows = conn.execute(select(vault_secrets)).all()
            for row in rows:
                value = unseal(self._key, row.name, row.field, row.sealed)
                sealed = seal(new_key, row.name, row.field, value)
                conn.execute(update(vault_secrets).where(vault_secrets.c.id == row.id).values(sealed=sealed))
            now = datetime.now(UTC)
            conn.execute(update(vault_keys).where(vault_keys.c.key_id == self.key_id).values(retired_at=now))
            conn.execute(insert(vault_keys).values(key_id=new_id, check_value=check_value(new_key), created_at=now))
        self._key, self.key_id = new_key, new_id
        return len(rows)

    def import_secrets(self, secrets: Mapping[str, Mapping[str, str]]) -> list[tuple[str, list[str]]]:
        """Set every secret's fields; (name, fields) for each secret imported, never a value."""
        imported = []
        for name, values in secrets.items():
            for field, value in values.items():
                self.set(name, field, value)
            imported.append((name, list(values)))
        return imported


def _vault_store(url: str | None, environ: Mapping[str, str]) -> tuple[Store, str] | None:
    """The store (``url``, else the environment's RPA_STORE_URL, else the default one) and its vault's key id,
    when it exists and has a vault. A store named but unreachable is an error; the default one missing is not."""
    from rpa_core.context import STORE_URL
    from rpa_core.errors import StoreNotFoundError, StoreUnavailableError
    from rpa_core.store import default_store_url, open_existing_store

    named = url or environ.get(STORE_URL)
    try:
        store = open_existing_store(named or default_store_url())
    except StoreNotFoundError:
        return None
    except StoreUnavailableError:
        if named:
            raise
        return None
    kid = active_key_id(store)
    if kid is None:
        store.close()
        return None
    return store, kid


def vault_secret(url: str | None, environ: Mapping[str, str], name: str) -> SecretValues | None:
    """The secret from the store's encrypted vault, None when there is no vault or it lacks the secret.
    A vault whose key no source holds is VaultKeyMissingError; a wrong key, WrongKeyError."""
    from rpa_core.vault.keys import require_key

    found = _vault_store(url, environ)
    if found is None:
        return None
    store, kid = found
    try:
        return EncryptedVault.open(store, require_key(kid, environ).key).get(name)
    finally:
        store.close()


def vault_names(url: str | None, environ: Mapping[str, str]) -> list[str]:
    """The names of the secrets in the store's encrypted vault (none without a vault); needs no key."""
    found = _vault_store(url, environ)
    if found is None:
        return []
    store, _ = found
    try:
        return list(dict.fromkeys(entry.name for entry in entries(store)))
    finally:
        store.close()
