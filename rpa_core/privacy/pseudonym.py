"""Keyed pseudonyms for CPR numbers in work-item references (``flexloen:<cpr>:<month>``).

Every CPR-shaped number in a reference becomes ``cpr#`` and 16 characters of an HMAC-SHA256 of the normalized
ten digits under a secret key: the same CPR and key always give the same pseudonym (so a reference stays unique
and stable, and a second run finds the first run's item), another key gives another, and the text holds no CPR.

The pseudonym is written in base32 (``a-z``, ``2-7``): it has no ``0`` or ``1``, so it can never read as a
month and is never CPR-shaped itself; pseudonymizing a pseudonymized reference changes nothing, and
:func:`rpa_core.privacy.mask_cpr` leaves it as it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from rpa_core.privacy.cpr import CPR_PATTERN

PREFIX = "cpr#"
KEY_BYTES = 32
_LENGTH = 16  # base32 characters: 80 bits of the HMAC


def new_key() -> bytes:
    """A new random key for :func:`pseudonymize_reference`."""
    return secrets.token_bytes(KEY_BYTES)


def cpr_pseudonym(cpr: str, key: bytes) -> str:
    """``cpr#`` and the keyed hash of ``cpr``'s ten digits (``ddmmyy-ssss``, ``ddmmyyssss`` alike)."""
    if len(key) < 16:
        raise ValueError("a pseudonym key needs at least 16 bytes")
    digits = "".join(ch for ch in cpr if ch.isdigit())
    digest = hmac.new(key, digits.encode("ascii"), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode("ascii").lower()[:_LENGTH]


def pseudonymize_reference(text: str, key: bytes) -> str:
    """``text`` with every CPR-shaped number replaced by its :func:`cpr_pseudonym` under ``key``."""
    if not text:
        return text
    return CPR_PATTERN.sub(lambda match: cpr_pseudonym(match.group(0), key), text)
