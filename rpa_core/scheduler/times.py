"""When a schedule's runs are due: its rule (cron or bank days of the month), its time zone and Danish bank days.

Times are worked out on the wall clock of the schedule's zone, then placed on the time line:
- a wall time that does not exist (02:30 on the last Sunday of March in Copenhagen) runs when the clock has
  jumped, at 03:00, once: several such times and a real 03:00 are one due time;
- a wall time that exists twice (02:30 on the last Sunday of October) runs the first time, once.
``bank_days`` then moves or skips a time that falls on a day that is not a bank day (``scheduler.bankdays``).
The cron expression is read by croniter; only its matching of wall times is used, never its time zone handling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from rpa_core.packaging.schedules import BankDayRule, Schedule
from rpa_core.scheduler.bankdays import bank_days_between, closing_reason, next_bank_day, previous_bank_day

# Long enough for the longest stretch of days that are not bank days (Easter: Thursday to Monday), both ways.
_MOVE_MARGIN = timedelta(days=8)
_SEARCH_LIMIT = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Occurrence:
    """One time the rule names: when it is due (None: skipped) and, when it is not the rule's own time, why."""

    wall: datetime  # the rule's wall time in the schedule's zone (naive)
    due: datetime | None  # when it runs (aware, in the zone); None when bank_days = "skip" skipped it
    note: str | None = None  # "lørdag: moved to 2026-12-07", "Juleaftensdag: skipped", "02:30 does not exist ..."


def place(wall: datetime, zone: ZoneInfo) -> tuple[datetime, str | None]:
    """A naive wall time on the time line: a time in a spring gap at the first wall time after it, a time that
    exists twice at its first occurrence. Returns the aware time and a note when it is not the wall time."""
    aware = wall.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return aware, None
    moved = wall.replace(second=0, microsecond=0)
    while True:  # at most the gap's length in minutes
        moved += timedelta(minutes=1)
        candidate = moved.replace(tzinfo=zone)
        if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moved:
            return (
                candidate,
                f"{wall:%H:%M} does not exist on {wall:%Y-%m-%d} (clocks go forward): runs at {moved:%H:%M}",
            )


def _walls(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The rule's wall times from ``start`` to ``end`` (naive, in the zone), in order."""
    if schedule.cron is not None:
        walls = []
        it = croniter(schedule.cron, start - timedelta(seconds=1))
        while (wall := it.get_next(datetime)) <= end:
            walls.append(wall)
        return walls
    at = schedule.at_time
    assert at is not None and schedule.bank_day_of_month is not None
    walls = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end.date():
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        days = bank_days_between(date(year, month, 1), last)
        for n in schedule.bank_day_of_month:
            if n <= len(days) and -n <= len(days):
                walls.append(datetime.combine(days[n - 1 if n > 0 else n], at))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(wall for wall in walls if start <= wall <= end)


def _moved(wall: datetime, rule: BankDayRule) -> tuple[datetime | None, str | None]:
    """The wall time after the bank-day rule, and why it moved or was skipped."""
    reason = closing_reason(wall.date())
    if reason is None or rule is BankDayRule.RUN:
        return wall, None
    if rule is BankDayRule.SKIP:
        return None, f"{reason} {wall:%Y-%m-%d} is not a bank day: skipped"
    day = next_bank_day(wall.date()) if rule is BankDayRule.NEXT else previous_bank_day(wall.date())
    return datetime.combine(day, wall.time()), f"{reason} {wall:%Y-%m-%d} is not a bank day: moved to {day}"


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> list[Occurrence]:
    """Every time the schedule is due after ``start`` and up to ``end`` (both aware), and every time it skipped
    there; each due time once, in order.

    Times are compared in UTC: Python compares two times of one zone by their wall clocks, which is wrong in the
    hour that exists twice.
    """
    zone = schedule.zone
    low_utc, high_utc = start.astimezone(UTC), end.astimezone(UTC)
    margin = _MOVE_MARGIN if schedule.bank_days in (BankDayRule.NEXT, BankDayRule.PREVIOUS) else timedelta(0)
    # A wall-clock window a little wider than the real one: offsets change and moved times come from outside it.
    low = start.astimezone(zone).replace(tzinfo=None) - margin - timedelta(hours=3)
    high = end.astimezone(zone).replace(tzinfo=None) + margin + timedelta(hours=3)
    found: dict[datetime, Occurrence] = {}  # by UTC time
    for wall in _walls(schedule, low, high):
        moved, note = _moved(wall, schedule.bank_days)
        placed, dst_note = place(wall if moved is None else moved, zone)
        at = placed.astimezone(UTC)
        if not low_utc < at <= high_utc:
            continue
        if moved is None:
            found.setdefault(at - timedelta(microseconds=1), Occurrence(wall, None, note))  # never equal to a due
        elif at not in found:
            found[at] = Occurrence(wall, at.astimezone(zone), note or dst_note)
    return [found[at] for at in sorted(found)]


def due_times(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The times the schedule is due after ``start`` and up to ``end``, in order, each once."""
    return [o.due for o in occurrences(schedule, start, end) if o.due is not None]


def next_times(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The schedule's next ``count`` due times after ``after`` (fewer if it has none within five years)."""
    found: list[datetime] = []
    start, span = after, timedelta(days=2)
    while len(found) < count and start - after < _SEARCH_LIMIT:
        end = start + span
        found += due_times(schedule, start, end)
        start, span = end, min(span * 2, timedelta(days=400))
    return found[:count]


def os_cron(schedule: Schedule) -> str | None:
    """The schedule's cron expression when the operating system's scheduler can run it as it is: a cron with no
    bank-day rule. None for bank-day rules (an export lists their dates instead)."""
    if schedule.cron is not None and schedule.bank_days is BankDayRule.RUN:
        return schedule.cron
    return None
