"""The one shared CPR masking function.

A CPR number is ddmmyy-ssss (or ddmmyyssss, or with a space). Every place that writes text a person or a
log reads (Robot Framework output, the runner's logs, the store's event messages, error messages) masks it
to ``ddmmyy-XXXX``: the birth date stays readable for a caseworker, the serial that identifies the person goes.
"""

from __future__ import annotations

import re

# Day 01-31 and month 01-12 keep ordinary ten-digit numbers (amounts, ids) from being mistaken for CPR
# numbers; digits on either side mean a longer number, which is not a CPR number either.
CPR_PATTERN = re.compile(
    r"(?<![0-9])"
    r"(?P<date>(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2})"
    r"[- ]?"
    r"(?P<serial>[0-9]{4})"
    r"(?![0-9])"
)
MASK = "XXXX"


def mask_cpr(text: str) -> str:
    """Return ``text`` with every CPR-shaped number replaced by ``ddmmyy-XXXX``."""
    if not text or not isinstance(text, str):
        return text
    return CPR_PATTERN.sub(lambda m: f"{m.group('date')}-{MASK}", text)


def contains_cpr(text: str) -> bool:
    """True when ``text`` holds a CPR number in clear (a masked one does not count)."""
    return bool(text) and CPR_PATTERN.search(text) is not None
