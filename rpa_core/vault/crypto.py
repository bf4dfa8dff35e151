"""Sealing secret values: AES-256-GCM in a versioned envelope that names its key.

    v1.<key id>.<nonce, urlsafe base64>.<ciphertext and tag, urlsafe base64>

The key id is the first 16 hex digits of SHA-256 over a domain-separated key, so the store can say which key a
value needs without holding the key. The associated data binds the envelope's version and key id and the secret's
name and field (lower case: names are case-insensitive), so a sealed value moved to another secret or field, or
relabelled with another key id, does not open. The key check value is the envelope of a fixed text.
No message here holds a value or a key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rpa_core.errors import UserError

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
CHECK_TEXT = b"rpa-core vault key check"
_KEY_ID_DOMAIN = b"rpa-core vault key id\x00"
_AAD_DOMAIN = b"rpa-core vault\x00"


class VaultIntegrityError(UserError):
    """A sealed value that does not open: changed, moved to another secret, or sealed with another key."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def key_id(key: bytes) -> str:
    """The key's public name: 16 hex digits of a domain-separated SHA-256 (reveals nothing of the key)."""
    return hashlib.sha256(_KEY_ID_DOMAIN + key).hexdigest()[:16]


def encode_key(key: bytes) -> str:
    """The key as text (urlsafe base64), as a key file or RPA_VAULT_KEY holds it."""
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str, where: str) -> bytes:
    """The key written as urlsafe base64 of 32 bytes; UserError naming ``where`` (never the text) otherwise."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise UserError(
            f"{where} does not hold a vault key (urlsafe base64 of {KEY_BYTES} bytes, as `rpa vault init` writes)"
        )
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(kid: str, name: str, field: str) -> bytes:
    return b"\x00".join([_AAD_DOMAIN, VERSION.encode(), kid.encode(), name.lower().encode(), field.lower().encode()])


def envelope_key_id(envelope: str) -> str:
    """The key id an envelope names; VaultIntegrityError if it is not one of ours."""
    parts = envelope.split(".")
    if len(parts) != 4 or parts[0] != VERSION:
        raise VaultIntegrityError("a sealed value is not a v1 vault envelope (was it changed?)")
    return parts[1]


def seal(key: bytes, name: str, field: str, value: str) -> str:
    """``value`` sealed for secret ``name``, field ``field``."""
    kid = key_id(key)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, value.encode("utf-8"), _aad(kid, name, field))
    return ".".join([VERSION, kid, _b64(nonce), _b64(sealed)])


def unseal(key: bytes, name: str, field: str, envelope: str) -> str:
    """The value sealed in ``envelope`` for ``name``/``field``; VaultIntegrityError when it does not open."""
    kid = envelope_key_id(envelope)
    where = f"secret '{name}' field '{field}'"
    if kid != key_id(key):
        raise VaultIntegrityError(f"{where} is sealed with key id {kid}, not with key id {key_id(key)}")
    _, _, nonce, sealed = envelope.split(".")
    try:
        plain = AESGCM(key).decrypt(_unb64(nonce), _unb64(sealed), _aad(kid, name, field))
        return plain.decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise VaultIntegrityError(
            f"{where} does not open: its sealed value was changed or moved from another secret; set it again"
        ) from None


def check_value(key: bytes) -> str:
    """The key check value the store keeps: the envelope of a fixed text."""
    return seal(key, "", "", CHECK_TEXT.decode())


def opens_check(key: bytes, check: str) -> bool:
    """Whether ``key`` opens the key check value ``check``."""
    try:
        return unseal(key, "", "", check) == CHECK_TEXT.decode()
    except VaultIntegrityError:
        return False
