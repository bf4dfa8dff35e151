"""Danish bank days as Danmarks Nationalbank publishes them ("banklukkedage").

A bank day is a weekday that is neither a Danish public holiday nor a bank closing day.
The public holidays come from the ``holidays`` package (its PUBLIC category: Nytårsdag,
Skærtorsdag, Langfredag, Påskedag, Anden påskedag, Store bededag until 2023, Kristi
himmelfartsdag, Pinsedag, Anden pinsedag, Juledag, Anden juledag). The package does not
know the bank closing days, so they are added here: the Friday after Ascension Day,
5 June (Grundlovsdag), 24 December and 31 December. 1 May is a bank day.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

__all__ = [
    "bank_days_between",
    "closing_reason",
    "is_bank_day",
    "next_bank_day",
    "nth_bank_day_of_month",
    "previous_bank_day",
]

_WEEKDAY_NAMES = {5: "lørdag", 6: "søndag"}
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _closed_days(year: int) -> dict[date, str]:
    """Every non-weekend reason a day in ``year`` is closed: {date: Danish name}."""
    public = holidays.Denmark(years=year, language="da", categories=(holidays.PUBLIC,))
    # 1 May (Arbejdernes kampdag) is a bank day; the package keeps it out of PUBLIC, but be sure.
    closed = {day: str(name) for day, name in public.items() if (day.month, day.day) != (5, 1)}
    ascension = easter(year) + timedelta(days=39)
    bank_closing = {
        ascension + _ONE_DAY: "Fredag efter Kristi himmelfartsdag",
        date(year, 6, 5): "Grundlovsdag",
        date(year, 12, 24): "Juleaftensdag",
        date(year, 12, 31): "Nytårsaftensdag",
    }
    for day, name in bank_closing.items():
        closed.setdefault(day, name)  # a public holiday's own name wins if both fall on one day
    return closed


def closing_reason(day: date) -> str | None:
    """Why ``day`` is not a bank day (Danish name of the holiday, closing day or weekday); None on a bank day."""
    reason = _closed_days(day.year).get(day)
    if reason is not None:
        return reason
    return _WEEKDAY_NAMES.get(day.weekday())


def is_bank_day(day: date) -> bool:
    """True if Danish banks (and Nationalbanken) are open on ``day``."""
    return closing_reason(day) is None


def _step(day: date, step: timedelta, include: bool) -> date:
    if not include:
        day += step
    while not is_bank_day(day):
        day += step
    return day


def next_bank_day(day: date, *, include: bool = True) -> date:
    """The first bank day on or after ``day`` (strictly after it if ``include`` is False)."""
    return _step(day, _ONE_DAY, include)


def previous_bank_day(day: date, *, include: bool = True) -> date:
    """The last bank day on or before ``day`` (strictly before it if ``include`` is False)."""
    return _step(day, -_ONE_DAY, include)


def bank_days_between(start: date, end: date) -> list[date]:
    """All bank days from ``start`` to ``end``, both inclusive; empty if ``start`` is after ``end``."""
    days = []
    day = start
    while day <= end:
        if is_bank_day(day):
            days.append(day)
        day += _ONE_DAY
    return days


def nth_bank_day_of_month(year: int, month: int, n: int) -> date:
    """The ``n``-th bank day (counting from 1) of ``month`` in ``year``.

    Raises ValueError if ``n`` is below 1 or the month has fewer than ``n`` bank days.
    """
    if n < 1:
        raise ValueError(f"n must be 1 or more, got {n}")
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY
    days = bank_days_between(first, last)
    if n > len(days):
        raise ValueError(f"{year}-{month:02d} has only {len(days)} bank days, so there is no bank day number {n}")
    return days[n - 1]
