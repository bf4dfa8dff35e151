"""Fictitious identifiers: CPR-shaped numbers and CVR numbers that fail their modulus-11 checks.

A sandbox CPR number is a real calendar date (ddmmyy, so the shared masking function recognises it) and a
four-digit serial chosen so that the whole number fails the modulus-11 check. Together with invented names
this marks the data as fictitious. (Since 2007 some real CPR numbers also fail modulus 11, so never use the
sandbox's numbers outside the sandbox.) CVR numbers likewise fail the CVR modulus-11 check.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

CPR_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def passes_mod11(digits: str, weights: tuple[int, ...] = CPR_WEIGHTS) -> bool:
    """True when the weighted digit sum is divisible by 11 (the classic CPR/CVR check)."""
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def format_cpr(digits: str) -> str:
    """``ddmmyyssss`` -> ``ddmmyy-ssss``."""
    return f"{digits[:6]}-{digits[6:]}"


def normalise_cpr(text: str) -> str | None:
    """The ten digits of ``text`` (``ddmmyy-ssss``, ``ddmmyyssss`` or with a space), or None if not CPR-shaped."""
    compact = text.strip().replace("-", "").replace(" ", "")
    if len(compact) != 10 or not compact.isdigit():
        return None
    day, month = int(compact[:2]), int(compact[2:4])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return compact


def fictitious_cpr(rng: random.Random, taken: set[str]) -> str:
    """A new ``ddmmyy-ssss`` that fails modulus 11 and is not in ``taken`` (which it is added to)."""
    start = date(1960, 1, 1)
    while True:
        born = start + timedelta(days=rng.randrange(365 * 42))
        serial = rng.randrange(10000)
        for step in range(10000):
            digits = born.strftime("%d%m%y") + f"{(serial + step) % 10000:04d}"
            if not passes_mod11(digits) and digits not in taken:
                taken.add(digits)
                return format_cpr(digits)


def fictitious_cvr(rng: random.Random, taken: set[str]) -> str:
    """A new eight-digit CVR number that fails the CVR modulus-11 check."""
    while True:
        digits = f"{rng.randrange(10_000_000, 100_000_000)}"
        if not passes_mod11(digits, CVR_WEIGHTS) and digits not in taken:
            taken.add(digits)
            return digits
