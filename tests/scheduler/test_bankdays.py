"""Danish bank days: one test per rule of Nationalbanken's list of banklukkedage, with real dates."""

from datetime import date

import pytest

from rpa_core.scheduler import (
    bank_days_between,
    closing_reason,
    is_bank_day,
    next_bank_day,
    nth_bank_day_of_month,
    previous_bank_day,
)


def test_ordinary_weekdays_are_bank_days():
    for day in (date(2025, 6, 10), date(2025, 11, 12), date(2026, 3, 2)):
        assert is_bank_day(day)
        assert closing_reason(day) is None


def test_weekends_are_closed():
    assert closing_reason(date(2025, 6, 14)) == "lørdag"
    assert closing_reason(date(2025, 6, 15)) == "søndag"
    assert not is_bank_day(date(2026, 2, 7))
    assert not is_bank_day(date(2026, 2, 8))


# Nationalbanken's published lists, checked against the 2026 page on nationalbanken.dk.
PUBLIC_HOLIDAYS = {
    date(2025, 1, 1): "Nytårsdag",
    date(2025, 4, 17): "Skærtorsdag",
    date(2025, 4, 18): "Langfredag",
    date(2025, 4, 20): "Påskedag",
    date(2025, 4, 21): "Anden påskedag",
    date(2025, 5, 29): "Kristi himmelfartsdag",
    date(2025, 6, 8): "Pinsedag",
    date(2025, 6, 9): "Anden pinsedag",
    date(2025, 12, 25): "Juledag",
    date(2025, 12, 26): "Anden juledag",
    date(2026, 1, 1): "Nytårsdag",
    date(2026, 4, 2): "Skærtorsdag",
    date(2026, 4, 3): "Langfredag",
    date(2026, 4, 5): "Påskedag",
    date(2026, 4, 6): "Anden påskedag",
    date(2026, 5, 14): "Kristi himmelfartsdag",
    date(2026, 5, 24): "Pinsedag",
    date(2026, 5, 25): "Anden pinsedag",
    date(2026, 12, 25): "Juledag",
    date(2026, 12, 26): "Anden juledag",
}


@pytest.mark.parametrize(("day", "name"), PUBLIC_HOLIDAYS.items(), ids=str)
def test_public_holidays_are_closed(day, name):
    assert not is_bank_day(day)
    assert closing_reason(day) == name


def test_friday_after_ascension_is_a_closing_day():
    assert closing_reason(date(2025, 5, 30)) == "Fredag efter Kristi himmelfartsdag"
    assert closing_reason(date(2026, 5, 15)) == "Fredag efter Kristi himmelfartsdag"
    assert closing_reason(date(2023, 5, 19)) == "Fredag efter Kristi himmelfartsdag"


def test_grundlovsdag_is_a_closing_day():
    assert closing_reason(date(2025, 6, 5)) == "Grundlovsdag"  # Thursday
    assert closing_reason(date(2026, 6, 5)) == "Grundlovsdag"  # Friday


def test_christmas_eve_is_a_closing_day():
    assert closing_reason(date(2025, 12, 24)) == "Juleaftensdag"
    assert closing_reason(date(2026, 12, 24)) == "Juleaftensdag"


def test_new_years_eve_is_a_closing_day():
    assert closing_reason(date(2025, 12, 31)) == "Nytårsaftensdag"
    assert closing_reason(date(2026, 12, 31)) == "Nytårsaftensdag"


def test_store_bededag_closed_until_2023_and_a_bank_day_from_2024():
    assert closing_reason(date(2023, 5, 5)) == "Store bededag"
    assert is_bank_day(date(2024, 4, 26))
    assert is_bank_day(date(2025, 5, 16))


def test_first_of_may_is_a_bank_day():
    assert is_bank_day(date(2025, 5, 1))  # Thursday
    assert is_bank_day(date(2026, 5, 1))  # Friday


def test_a_holiday_on_a_weekend_keeps_its_own_name():
    assert closing_reason(date(2026, 12, 26)) == "Anden juledag"  # a Saturday


def test_nth_bank_day_of_december_2025():
    # 1 December 2025 is a Monday: 1-5, 8-12, 15 ... and 24-26, 31 are closed.
    assert nth_bank_day_of_month(2025, 12, 1) == date(2025, 12, 1)
    assert nth_bank_day_of_month(2025, 12, 2) == date(2025, 12, 2)
    assert nth_bank_day_of_month(2025, 12, 11) == date(2025, 12, 15)
    assert nth_bank_day_of_month(2025, 12, 19) == date(2025, 12, 30)


def test_nth_bank_day_of_may_2025():
    # 1 May (Thursday) counts; 29 and 30 May are closed.
    assert nth_bank_day_of_month(2025, 5, 1) == date(2025, 5, 1)
    assert nth_bank_day_of_month(2025, 5, 2) == date(2025, 5, 2)
    assert nth_bank_day_of_month(2025, 5, 11) == date(2025, 5, 15)
    assert nth_bank_day_of_month(2025, 5, 20) == date(2025, 5, 28)


def test_nth_bank_day_skips_a_closed_first_of_the_month():
    assert nth_bank_day_of_month(2026, 1, 1) == date(2026, 1, 2)
    assert nth_bank_day_of_month(2025, 6, 1) == date(2025, 6, 2)  # 1 June 2025 is a Sunday


def test_nth_beyond_the_months_count_raises():
    with pytest.raises(ValueError, match="2025-12 has only 19 bank days"):
        nth_bank_day_of_month(2025, 12, 20)
    with pytest.raises(ValueError, match="2025-05 has only 20 bank days"):
        nth_bank_day_of_month(2025, 5, 21)
    with pytest.raises(ValueError, match="n must be 1 or more"):
        nth_bank_day_of_month(2025, 5, 0)


def test_next_and_previous_across_easter_2025():
    assert next_bank_day(date(2025, 4, 17)) == date(2025, 4, 22)
    assert previous_bank_day(date(2025, 4, 21)) == date(2025, 4, 16)


def test_next_and_previous_across_christmas_and_new_year():
    assert next_bank_day(date(2025, 12, 24)) == date(2025, 12, 29)
    assert next_bank_day(date(2025, 12, 31)) == date(2026, 1, 2)
    assert previous_bank_day(date(2026, 1, 1)) == date(2025, 12, 30)
    assert previous_bank_day(date(2025, 12, 29), include=False) == date(2025, 12, 23)


def test_include_decides_whether_a_bank_day_returns_itself():
    monday = date(2025, 12, 22)
    assert next_bank_day(monday) == monday
    assert previous_bank_day(monday) == monday
    assert next_bank_day(monday, include=False) == date(2025, 12, 23)
    assert previous_bank_day(monday, include=False) == date(2025, 12, 19)


def test_bank_days_between_is_inclusive():
    assert bank_days_between(date(2025, 12, 22), date(2026, 1, 2)) == [
        date(2025, 12, 22),
        date(2025, 12, 23),
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2026, 1, 2),
    ]
    assert bank_days_between(date(2025, 12, 24), date(2025, 12, 24)) == []
    assert bank_days_between(date(2026, 1, 2), date(2025, 12, 22)) == []
