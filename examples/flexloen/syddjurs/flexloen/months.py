"""Calendar months: the payment month M and the income month M-1 it is computed on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

DANISH_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_PATTERN = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. ``Month(2024, 3)``; written ``"2024-03"``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1-12, got {self.month}")
        if not 1900 <= self.year <= 9999:
            raise ValueError(f"year must be 1900-9999, got {self.year}")

    @classmethod
    def parse(cls, value: object) -> Month:
        """A Month from ``"2024-03"``, a ``date`` (its month) or a Month."""
        if isinstance(value, Month):
            return value
        if isinstance(value, date):
            return cls(value.year, value.month)
        if isinstance(value, str):
            match = _PATTERN.match(value)
            if match:
                return cls(int(match.group(1)), int(match.group(2)))
        raise ValueError(f"{value!r} is not a month; write it as YYYY-MM, e.g. '2024-03'")

    def previous(self) -> Month:
        """The month before (the income month of a payment month)."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        """The month after (the payment month of an income month)."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def danish(self) -> str:
        """Danish name, e.g. ``"marts 2024"``."""
        return f"{DANISH_MONTHS[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
