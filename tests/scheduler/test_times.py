"""Due times of schedules on a clock we choose: DST both ways, month ends, leap day, Danish bank days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from rpa_core.packaging.schedules import Schedule, parse_duration
from rpa_core.scheduler.times import due_times, next_times, occurrences, os_cron

CPH = ZoneInfo("Europe/Copenhagen")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CPH)


def iso(times: list[datetime]) -> list[str]:
    return [t.isoformat(timespec="minutes") for t in times]


def nightly(**fields) -> Schedule:
    return Schedule(name="nightly", cron="30 2 * * *", **fields)


def test_a_nightly_cron_is_due_once_a_night_in_copenhagen_time():
    assert iso(next_times(nightly(), at(2026, 12, 1, 12), 3)) == [
        "2026-12-02T02:30+01:00",
        "2026-12-03T02:30+01:00",
        "2026-12-04T02:30+01:00",
    ]


def test_spring_forward_a_time_that_does_not_exist_runs_at_three_once():
    times = due_times(nightly(), at(2027, 3, 27, 12), at(2027, 3, 29, 12))
    assert iso(times) == ["2027-03-28T03:00+02:00", "2027-03-29T02:30+02:00"]
    (gap,) = [o for o in occurrences(nightly(), at(2027, 3, 28), at(2027, 3, 28, 12))]
    assert "02:30 does not exist on 2027-03-28" in gap.note


def test_spring_forward_times_in_the_gap_and_a_real_three_oclock_are_one_run():
    quarter = Schedule(name="q", cron="*/15 2-3 * * *")
    times = due_times(quarter, at(2026, 3, 29, 1), at(2026, 3, 29, 4))
    assert iso(times) == [
        "2026-03-29T03:00+02:00",
        "2026-03-29T03:15+02:00",
        "2026-03-29T03:30+02:00",
        "2026-03-29T03:45+02:00",
    ]


def test_fall_back_a_time_that_exists_twice_runs_the_first_time_only():
    times = due_times(nightly(), at(2026, 10, 24, 12), at(2026, 10, 26, 12))
    assert iso(times) == ["2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"]
    hourly = Schedule(name="h", cron="0 * * * *")
    window = due_times(hourly, at(2026, 10, 25, 0, 30), at(2026, 10, 25, 4, 30))
    assert iso(window) == [
        "2026-10-25T01:00+02:00",
        "2026-10-25T02:00+02:00",
        "2026-10-25T03:00+01:00",
        "2026-10-25T04:00+01:00",
    ]
    assert len({t.astimezone(UTC) for t in window}) == 4


def test_a_window_that_starts_in_the_repeated_hour_is_compared_on_the_time_line():
    # 02:40 in winter time (the second 02:40) is after 02:50 summer time: that 02:50 is not due again
    second_0240 = datetime(2026, 10, 25, 1, 40, tzinfo=UTC).astimezone(CPH)
    assert second_0240.fold == 1
    every_10 = Schedule(name="ten", cron="*/10 2 * * *")
    assert iso(due_times(every_10, second_0240, at(2026, 10, 25, 3, 30))) == []


def test_month_ends_and_the_leap_day():
    last = Schedule(name="last", cron="0 6 31 * *")
    assert iso(next_times(last, at(2027, 1, 31, 12), 3)) == [
        "2027-03-31T06:00+02:00",
        "2027-05-31T06:00+02:00",
        "2027-07-31T06:00+02:00",
    ]
    leap = Schedule(name="leap", cron="0 6 29 2 *")
    assert iso(next_times(leap, at(2026, 12, 1), 2)) == ["2028-02-29T06:00+01:00", "2032-02-29T06:00+01:00"]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Easter 2026: Skærtorsdag 2 April to Anden påskedag 6 April; the runs of those days are one, on 7 April
        (at(2026, 4, 1, 12), ["2026-04-07T02:30+02:00", "2026-04-08T02:30+02:00"]),
        # Easter 2027: 25 to 29 March (and summer time begins on the 28th)
        (at(2027, 3, 24, 12), ["2027-03-30T02:30+02:00", "2027-03-31T02:30+02:00"]),
        # Kristi himmelfartsdag 14 May 2026 and the bank closing Friday after it
        (at(2026, 5, 13, 12), ["2026-05-18T02:30+02:00", "2026-05-19T02:30+02:00"]),
        # Grundlovsdag, Friday 5 June 2026
        (at(2026, 6, 4, 12), ["2026-06-08T02:30+02:00", "2026-06-09T02:30+02:00"]),
        # Juleaftensdag to the Sunday after: one run on Monday 28 December
        (at(2026, 12, 23, 12), ["2026-12-28T02:30+01:00", "2026-12-29T02:30+01:00"]),
        # Nytårsaftensdag and Nytårsdag 2026/27, then the weekend: Monday 4 January
        (at(2026, 12, 30, 12), ["2027-01-04T02:30+01:00", "2027-01-05T02:30+01:00"]),
        # 1 May is a bank day
        (at(2026, 4, 30, 12), ["2026-05-01T02:30+02:00", "2026-05-04T02:30+02:00"]),
    ],
)
def test_bank_days_next_moves_a_closed_days_run_to_the_next_bank_day_once(start, expected):
    assert iso(next_times(nightly(bank_days="next"), start, 2)) == expected


def test_bank_days_previous_runs_on_the_bank_day_before_once():
    times = due_times(nightly(bank_days="previous"), at(2026, 12, 21), at(2027, 1, 5, 12))
    assert iso(times) == [
        "2026-12-21T02:30+01:00",
        "2026-12-22T02:30+01:00",
        "2026-12-23T02:30+01:00",  # also the run of 24 December
        "2026-12-28T02:30+01:00",
        "2026-12-29T02:30+01:00",
        "2026-12-30T02:30+01:00",  # also 31 December to 3 January
        "2027-01-04T02:30+01:00",
        "2027-01-05T02:30+01:00",
    ]


def test_a_moved_run_that_comes_from_outside_the_window_is_in_it():
    # "previous": Saturday 5 December's run is due on Friday the 4th; a window holding only the Friday sees it once
    times = due_times(nightly(bank_days="previous"), at(2026, 12, 4), at(2026, 12, 4, 23))
    assert iso(times) == ["2026-12-04T02:30+01:00"]


def test_bank_days_skip_records_why_a_day_did_not_run():
    found = occurrences(nightly(bank_days="skip"), at(2026, 12, 23, 12), at(2026, 12, 28, 12))
    assert [(o.due is not None, o.note) for o in found] == [
        (False, "Juleaftensdag 2026-12-24 is not a bank day: skipped"),
        (False, "Juledag 2026-12-25 is not a bank day: skipped"),
        (False, "Anden juledag 2026-12-26 is not a bank day: skipped"),
        (False, "søndag 2026-12-27 is not a bank day: skipped"),
        (True, None),
    ]


def test_bank_days_run_is_the_default_and_runs_on_holidays():
    assert iso(due_times(nightly(), at(2026, 12, 24), at(2026, 12, 25))) == ["2026-12-24T02:30+01:00"]


def test_the_second_and_eleventh_bank_day_in_months_that_start_with_holidays():
    payments = Schedule(name="payments", bank_day_of_month=[2, 11], at="06:00")
    times = next_times(payments, at(2026, 12, 1), 8)
    assert iso(times) == [
        "2026-12-02T06:00+01:00",
        "2026-12-15T06:00+01:00",
        "2027-01-05T06:00+01:00",  # 1 January is Nytårsdag, 2-3 a weekend: the 4th is the first bank day
        "2027-01-18T06:00+01:00",
        "2027-02-02T06:00+01:00",
        "2027-02-15T06:00+01:00",
        "2027-03-02T06:00+01:00",
        "2027-03-15T06:00+01:00",
    ]
    # April 2026 has Easter from the 2nd to the 6th: bank days 1, 7, 8, ... so the 2nd is 7 April
    assert iso(next_times(payments, at(2026, 4, 1), 1)) == ["2026-04-07T06:00+02:00"]


def test_the_last_bank_day_of_the_month():
    last = Schedule(name="last", bank_day_of_month=[-1], at="18:00")
    assert iso(next_times(last, at(2026, 12, 1), 2)) == ["2026-12-30T18:00+01:00", "2027-01-29T18:00+01:00"]


def test_another_time_zone_is_honoured():
    utc = Schedule(name="utc", cron="0 12 * * *", time_zone="UTC")
    (first,) = next_times(utc, at(2026, 12, 1), 1)
    assert first == datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_os_cron_only_for_a_cron_without_a_bank_day_rule():
    assert os_cron(nightly()) == "30 2 * * *"
    assert os_cron(nightly(bank_days="next")) is None
    assert os_cron(Schedule(name="p", bank_day_of_month=[2], at="06:00")) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cron": "30 2 * *"}, "five fields"),
        ({"cron": "61 2 * * *"}, "not a valid cron"),
        ({"cron": "0 0 30 2 *"}, "never matches"),
        ({"cron": "30 2 * * *", "bank_day_of_month": [2]}, "either cron or bank_day_of_month"),
        ({}, "either cron or bank_day_of_month"),
        ({"bank_day_of_month": [2]}, "needs at"),
        ({"bank_day_of_month": [24], "at": "06:00"}, "1 to 23"),
        ({"bank_day_of_month": [2], "at": "6:00"}, "HH:MM"),
        ({"bank_day_of_month": [2], "at": "06:00", "bank_days": "next"}, "bank_days applies to a cron"),
        ({"cron": "30 2 * * *", "at": "06:00"}, "at goes with bank_day_of_month"),
        ({"cron": "30 2 * * *", "time_zone": "Europe/Kobenhavn"}, "IANA time zone"),
        ({"cron": "30 2 * * *", "bank_days": "sometimes"}, "run"),
        ({"cron": "30 2 * * *", "max_duration": "3 hours"}, "duration like"),
    ],
)
def test_a_bad_schedule_says_what_is_allowed(fields, message):
    with pytest.raises(ValidationError, match=message):
        Schedule(name="bad", **fields)


def test_durations():
    assert [parse_duration(v) for v in ("3h", "90m", "1h30m", "45s", 600)] == [10800, 5400, 5400, 45, 600]
    with pytest.raises(ValueError):
        parse_duration("0m")


def test_next_times_of_a_whole_year_stay_in_order_and_unique():
    times = next_times(nightly(bank_days="next"), at(2026, 12, 1), 260)
    assert times == sorted(times) and len(set(times)) == 260
    assert times[-1] - times[0] < timedelta(days=380)
