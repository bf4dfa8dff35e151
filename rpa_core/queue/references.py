"""Work-item references as the store keeps them: no CPR number in clear.

A reference such as ``flexloen:0101901234:2024-11`` is stored as ``flexloen:cpr#<pseudonym>:2024-11``: the
CPR replaced by a keyed hash (:mod:`rpa_core.privacy.pseudonym`) under the store's own secret key, created once
in ``store_meta`` by whichever process needs it first. Every process and machine sharing the store therefore
gives the same CPR the same pseudonym, so references stay unique and a second run finds the first run's item.
The payload keeps what the robot needs (the CPR too) and is blanked by retention (``rpa retention prune``).
"""

from __future__ import annotations

import base64

from rpa_core.privacy import contains_cpr
from rpa_core.privacy.pseudonym import new_key, pseudonymize_reference
from rpa_core.store import Store
from rpa_core.store.meta import REFERENCE_KEY, value_once


def reference_key(store: Store) -> bytes:
    """The store's pseudonym key (created on first use, the same for every process using the store).

    Kept in base32, whose digits (2-7) never read as a CPR number, so a scan of the store finds none in it.
    """
    text = value_once(store, REFERENCE_KEY, lambda: base64.b32encode(new_key()).decode("ascii"))
    return base64.b32decode(text)


def stored_reference(store: Store, reference: str, key: bytes | None = None) -> str:
    """``reference`` as the store keeps it: each CPR number replaced by its pseudonym (else unchanged)."""
    text = str(reference)
    if not contains_cpr(text):
        return text
    return pseudonymize_reference(text, key if key is not None else reference_key(store))
