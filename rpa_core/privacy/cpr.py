"""The one shared CPR masking function.

A CPR number is ddmmyy-ssss (or ddmmyyssss, or with a space). Every place that writes text a person or a
log reads (Robot Framework output, the runner's logs, the store's event messages, error messages) masks it
to ``ddmmyy-XXXX``: the birth date stays readable for a caseworker, the serial that identifies the person goes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


def mask_value(value: Any) -> Any:
    """Mask CPR numbers in a string, or in the strings inside lists, tuples and dicts (keys too)."""
    if isinstance(value, str):
        return mask_cpr(value)
    if isinstance(value, dict):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(v) for v in value)
    return value


def mask_text_file(path: Path) -> bool:
    """Mask CPR numbers in a text file in place (e.g. a finished output.xml); True when something changed.

    The replacement keeps the file valid XML/HTML: digits become ``X`` and a hyphen, nothing else.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    masked = mask_cpr(text)
    if masked == text:
        return False
    temporary = path.with_name(path.name + ".masking")
    temporary.write_text(masked, encoding="utf-8")
    temporary.replace(path)
    return True
