"""Where the vault's key comes from, in this order (never from a command line, never in a child's arguments):

1. ``RPA_VAULT_KEY``: the key itself, urlsafe base64 of 32 bytes (for CI; reaches child processes through the
   environment only);
2. ``RPA_VAULT_KEY_FILE``: a key file, which must be owner-only;
3. the default key file of the vault's key id, ``<config>/rpa-core/vault-keys/<key id>.key``, where <config> is
   ``%APPDATA%`` on Windows, else ``$XDG_CONFIG_HOME`` or ``~/.config`` (outside the project and its store, so a
   copy of ``.rpa/`` holds no key; one file per key id, so several stores on one machine never share one by
   accident);
4. the OS keyring (``keyring``): service ``rpa-core``, user name the key id. A machine without a keyring backend
   (a headless Linux) simply lacks this source.

Owner-only: on POSIX the file belongs to the user and its mode grants nothing to group or others (``chmod 600``);
on Windows it must lie inside the user's profile (``%USERPROFILE%``), whose ACL grants only the user, SYSTEM and
Administrators. A key file that is not is refused, naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rpa_core.errors import UserError
from rpa_core.vault.crypto import decode_key, encode_key, key_id

KEY_ENV = "RPA_VAULT_KEY"
KEY_FILE_ENV = "RPA_VAULT_KEY_FILE"
KEYRING_SERVICE = "rpa-core"
KINDS = ("env", "env-file", "default-file", "keyring")


class VaultKeyMissingError(UserError):
    """The store has a vault and no key source holds its key."""


@dataclass(frozen=True)
class VaultKey:
    """A vault key and where it was found: ``kind`` is one of KINDS; ``source`` is for messages (never the key)."""

    key: bytes = field(repr=False)
    kind: str
    source: str
    path: Path | None = None

    @property
    def key_id(self) -> str:
        return key_id(self.key)


def config_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The user's configuration folder for rpa-core."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        base = Path(env.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "rpa-core"


def default_key_file(kid: str, environ: Mapping[str, str] | None = None) -> Path:
    """The default key file for key id ``kid``."""
    return config_folder(environ) / "vault-keys" / f"{kid}.key"


def check_owner_only(path: Path) -> None:
    """Refuse a key file others can read (POSIX mode, or outside the user's profile on Windows)."""
    if sys.platform == "win32":
        profile = Path(os.environ.get("USERPROFILE") or Path.home()).resolve()
        if not path.resolve().is_relative_to(profile):
            raise UserError(
                f"key file {path} is outside your user profile {profile}, whose ACL keeps it yours alone; "
                "move it there and set RPA_VAULT_KEY_FILE"
            )
        return
    info = path.stat()
    if info.st_uid != os.getuid():
        raise UserError(f"key file {path} belongs to another user; a key file must be owned by the user reading it")
    if info.st_mode & 0o077:
        raise UserError(
            f"key file {path} can be read by others (mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
        )


def read_key_file(path: Path) -> bytes:
    """The key in an owner-only key file."""
    if not path.is_file():
        raise UserError(f"key file {path} does not exist")
    check_owner_only(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read key file {path}: {getattr(exc, 'strerror', None) or 'not a key file'}") from None
    return decode_key(text, f"key file {path}")


def write_key_file(path: Path, key: bytes, *, replace: bool = False) -> None:
    """Write ``key`` to ``path``, owner-only from its first byte (folder 0700); refuses an existing file unless
    ``replace`` (then written beside it and moved over it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists() and not replace:
        raise UserError(f"key file {path} exists already; it is never overwritten")
    target = path.with_name(path.name + ".new") if replace else path
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(target, flags, 0o600)
    except OSError as exc:
        raise UserError(f"cannot write key file {target}: {exc.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(encode_key(key) + "\n")
    if replace:
        os.replace(target, path)


def _keyring():
    """The keyring module with a usable backend, or None (none installed, or no backend on this machine)."""
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring
    except ImportError:  # pragma: no cover - a dependency
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a backend that cannot even be chosen is no source
        return None
    return None if isinstance(backend, FailKeyring) else keyring


def keyring_get(kid: str) -> bytes | None:
    """The key of ``kid`` in the OS keyring, if there is a keyring and it holds one."""
    keyring = _keyring()
    if keyring is None:
        return None
    try:
        text = keyring.get_password(KEYRING_SERVICE, kid)
    except Exception:  # a locked or unreachable keyring is not a source; the missing-key message says where else
        return None
    return decode_key(text, f"the OS keyring entry {KEYRING_SERVICE}/{kid}") if text else None


def keyring_set(key: bytes) -> None:
    """Keep ``key`` in the OS keyring under its key id; UserError when this machine has no keyring."""
    keyring = _keyring()
    if keyring is None:
        raise UserError("this machine has no OS keyring (keyring found no backend); use a key file instead")
    try:
        keyring.set_password(KEYRING_SERVICE, key_id(key), encode_key(key))
    except Exception as exc:
        raise UserError(f"the OS keyring refused the key: {type(exc).__name__}") from None


def keyring_delete(kid: str) -> None:
    """Forget ``kid``'s key in the OS keyring (a retired key); nothing if it is not there."""
    keyring = _keyring()
    if keyring is not None:
        with contextlib.suppress(Exception):
            keyring.delete_password(KEYRING_SERVICE, kid)


def find_key(kid: str | None, environ: Mapping[str, str] | None = None) -> VaultKey | None:
    """The first key source that holds a key (see the module's order); ``kid`` is the vault's key id, if any,
    for the default key file and the keyring. A named source that is broken is an error, not skipped."""
    env = os.environ if environ is None else environ
    if env.get(KEY_ENV):
        return VaultKey(decode_key(env[KEY_ENV], KEY_ENV), "env", KEY_ENV)
    if env.get(KEY_FILE_ENV):
        path = Path(env[KEY_FILE_ENV])
        return VaultKey(read_key_file(path), "env-file", f"key file {path} ({KEY_FILE_ENV})", path)
    if kid is None:
        return None
    path = default_key_file(kid, env)
    if path.is_file():
        return VaultKey(read_key_file(path), "default-file", f"key file {path}", path)
    key = keyring_get(kid)
    if key is not None:
        return VaultKey(key, "keyring", f"the OS keyring ({KEYRING_SERVICE}/{kid})")
    return None


def require_key(kid: str, environ: Mapping[str, str] | None = None) -> VaultKey:
    """The vault's key from the first source that holds one; VaultKeyMissingError naming the three sources."""
    found = find_key(kid, environ)
    if found is None:
        raise VaultKeyMissingError(
            f"the store's vault (key id {kid}) needs its key and no source holds it: set {KEY_ENV} to the key, "
            f"or {KEY_FILE_ENV} to an owner-only key file, or keep it in {default_key_file(kid, environ)} "
            f"or the OS keyring ({KEYRING_SERVICE}/{kid})"
        )
    return found
