"""The LAB § 123 calculation on cases worked by hand (the arithmetic is in the comments).

Rates: 2022 MAX 18.964, T 15.401; 2024 MAX 19.952, T 16.323 (kr. per month).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from flexloen import Month, RateTable, calculate_flexloentilskud
from flexloen.reasons import ManualHandling, ManualReason


def calc(month: str, wage: str, loenloft: str, employee: str = "0", employer: str = "0", rates=None):
    return calculate_flexloentilskud(
        month, wage, employee_pension=employee, employer_pension=employer, loenloft=loenloft, rates=rates
    )


# ---- 2024 --------------------------------------------------------------------------------------------------


def test_2024_below_threshold_ceiling_not_binding_atp_capped():
    # L = 12.000 + 480 + 960 = 13.440 (below T = 16.323)
    # R = 0,30 * 13.440 = 4.032
    # S0 = 19.952 - 4.032 = 15.920; room = 30.000 - 13.440 = 16.560 > S0, so S = 15.920,00
    # ATP = 0,05 * 15.920 = 796 > 500, so 500,00
    c = calc("2024-03", "12000.00", "30000.00", "480.00", "960.00")
    assert c.income_basis == D("13440.00")
    assert c.reduction == D("4032.00")
    assert c.subsidy_before_ceiling == D("15920.00")
    assert c.ceiling_room == D("16560.00")
    assert not c.ceiling_binding
    assert c.subsidy == D("15920.00")
    assert c.atp == D("500.00")
    assert c.subsidy_after_atp == D("15420.00")
    assert c.payment_month == Month(2024, 4)
    assert c.rate_year == 2024


def test_2024_above_threshold_ceiling_not_binding():
    # L = 20.000; R = 0,30 * 16.323 + 0,55 * (20.000 - 16.323) = 4.896,90 + 0,55 * 3.677 = 4.896,90 + 2.022,35
    #   = 6.919,25
    # S0 = 19.952 - 6.919,25 = 13.032,75; room = 45.000 - 20.000 = 25.000: S = 13.032,75
    # ATP = 0,05 * 13.032,75 = 651,6375 > 500: 500,00
    c = calc("2024-05", "20000.00", "45000.00")
    assert c.reduction == D("6919.25")
    assert c.subsidy == D("13032.75")
    assert c.atp == D("500.00")


def test_2024_above_threshold_ceiling_binding_atp_below_cap_rounded_half_up():
    # L = 20.000,01 + 480 + 960 = 21.440,01
    # R = 4.896,90 + 0,55 * 5.117,01 = 4.896,90 + 2.814,3555 = 7.711,2555
    # S0 = 19.952 - 7.711,2555 = 12.240,7445; room = 24.000 - 21.440,01 = 2.559,99 < S0: S = 2.559,99
    # ATP = 0,05 * 2.559,99 = 127,9995 -> 128,00
    c = calc("2024-03", "20000.01", "24000.00", "480.00", "960.00")
    assert c.reduction == D("7711.2555")
    assert c.subsidy_before_ceiling == D("12240.7445")
    assert c.ceiling_binding
    assert c.subsidy == D("2559.99")
    assert c.atp == D("128.00")


def test_2024_below_threshold_ceiling_binding_atp_below_cap():
    # L = 8.000; R = 2.400; S0 = 17.552; room = 17.000 - 8.000 = 9.000: S = 9.000,00; ATP = 450,00
    c = calc("2024-07", "8000", "17000")
    assert c.subsidy == D("9000.00")
    assert c.ceiling_binding
    assert c.atp == D("450.00")


def test_2024_zero_wage_gives_full_max_limited_by_loenloft():
    # The pure function is total: L = 0, R = 0, S0 = MAX = 19.952; room 30.000: S = 19.952,00, ATP 500,00.
    # (The rules send a month without wage to a caseworker: NO_WAGE.)
    c = calc("2024-01", "0", "30000")
    assert c.reduction == D("0")
    assert c.subsidy == D("19952.00")
    assert c.atp == D("500.00")
    # with lønloft 15.000: room 15.000 < 19.952: S = 15.000,00
    assert calc("2024-01", "0", "15000").subsidy == D("15000.00")


def test_2024_wage_so_high_that_no_subsidy_is_left():
    # L = 60.000; R = 4.896,90 + 0,55 * 43.677 = 4.896,90 + 24.022,35 = 28.919,25 > MAX: S0 = 0; room 10.000
    # S = 0,00 and ATP 0,00
    c = calc("2024-02", "60000", "70000")
    assert c.reduction == D("28919.25")
    assert c.subsidy_before_ceiling == D("0")
    assert c.subsidy == D("0.00")
    assert c.atp == D("0.00")


def test_2024_wage_above_loenloft_gives_no_subsidy():
    # L = 25.000 > LL = 24.000: room = max(0, -1.000) = 0: S = 0,00 (S0 = 19.952 - (4.896,90 + 0,55 * 8.677)
    #   = 19.952 - 9.669,25 = 10.282,75 would otherwise be paid)
    c = calc("2024-02", "25000", "24000")
    assert c.subsidy_before_ceiling == D("10282.75")
    assert c.ceiling_room == D("0")
    assert c.subsidy == D("0.00")


@pytest.mark.parametrize(
    ("wage", "expected_subsidy", "expected_atp"),
    [
        # lønloft 20.000; below T, S0 = 19.952 - 0,30 * wage > room = 20.000 - wage, so S = room
        ("10000.00", "10000.00", "500.00"),  # ATP = 0,05 * 10.000 = 500,00: exactly the cap
        ("9999.99", "10000.01", "500.00"),  # ATP = 500,0005, capped at 500,00
        ("10000.01", "9999.99", "500.00"),  # ATP = 499,9995 -> 500,00 (half up)
        ("10000.20", "9999.80", "499.99"),  # ATP = 499,99
    ],
)
def test_2024_atp_cap(wage, expected_subsidy, expected_atp):
    c = calc("2024-09", wage, "20000.00")
    assert c.subsidy == D(expected_subsidy)
    assert c.atp == D(expected_atp)


def test_atp_rounds_half_up_not_half_even():
    # L = 9.000; room = 17.000,10 - 9.000 = 8.000,10 < S0 = 19.952 - 2.700: S = 8.000,10
    # ATP = 0,05 * 8.000,10 = 400,005 -> 400,01 (half even would give 400,00)
    c = calc("2024-04", "9000.00", "17000.10")
    assert c.subsidy == D("8000.10")
    assert c.atp == D("400.01")


# ---- 2022 --------------------------------------------------------------------------------------------------


def test_2022_below_threshold_ceiling_not_binding():
    # L = 10.000 + 300 + 600 = 10.900 (< T = 15.401); R = 0,30 * 10.900 = 3.270
    # S0 = 18.964 - 3.270 = 15.694; room = 35.000 - 10.900 = 24.100: S = 15.694,00; ATP = 784,70 -> 500,00
    c = calc("2022-06", "10000.00", "35000.00", "300.00", "600.00")
    assert c.income_basis == D("10900.00")
    assert c.reduction == D("3270.00")
    assert c.subsidy == D("15694.00")
    assert c.atp == D("500.00")
    assert c.rate.source.startswith("slagelse.dk")


def test_2022_above_threshold_ceiling_binding():
    # L = 18.000 + 540 + 1.080 = 19.620
    # R = 0,30 * 15.401 + 0,55 * (19.620 - 15.401) = 4.620,30 + 0,55 * 4.219 = 4.620,30 + 2.320,45 = 6.940,75
    # S0 = 18.964 - 6.940,75 = 12.023,25; room = 28.000 - 19.620 = 8.380 < S0: S = 8.380,00
    # ATP = 0,05 * 8.380 = 419,00
    c = calc("2022-11", "18000.00", "28000.00", "540.00", "1080.00")
    assert c.reduction == D("6940.75")
    assert c.subsidy_before_ceiling == D("12023.25")
    assert c.ceiling_binding
    assert c.subsidy == D("8380.00")
    assert c.atp == D("419.00")


def test_2022_above_threshold_not_binding_rounds_only_at_the_end():
    # L = 16.789,45; L - T = 1.388,45; 0,55 * 1.388,45 = 763,6475
    # R = 4.620,30 + 763,6475 = 5.383,9475; S0 = 18.964 - 5.383,9475 = 13.580,0525 -> S = 13.580,05
    c = calc("2022-02", "16789.45", "40000")
    assert c.reduction == D("5383.9475")
    assert c.subsidy_before_ceiling == D("13580.0525")
    assert c.subsidy == D("13580.05")
    assert c.atp == D("500.00")


def test_2022_subsidy_rounds_half_up():
    # L = 16.401,10; 0,55 * 1.000,10 = 550,055; R = 4.620,30 + 550,055 = 5.170,355
    # S0 = 18.964 - 5.170,355 = 13.793,645 -> 13.793,65 (half even would give 13.793,64)
    c = calc("2022-08", "16401.10", "40000")
    assert c.subsidy_before_ceiling == D("13793.645")
    assert c.subsidy == D("13793.65")


# ---- rates by the year of the income month -----------------------------------------------------------------


def test_rate_year_is_the_year_of_the_income_month():
    # Income in December 2024, paid in January 2025: the 2024 rates apply.
    c = calc("2024-12", "12000.00", "30000.00")
    assert c.rate_year == 2024
    assert c.payment_month == Month(2025, 1)
    assert c.subsidy == D("16352.00")  # 19.952 - 0,30 * 12.000 = 19.952 - 3.600


@pytest.mark.parametrize("month", ["2025-01", "2023-06", "2026-03"])
def test_year_without_confirmed_rate_is_manual_handling(month):
    with pytest.raises(ManualHandling) as info:
        calc(month, "12000.00", "30000.00")
    assert info.value.code is ManualReason.NO_RATE_TABLE
    assert month[:4] in info.value.detail


def test_profile_rates_are_used_for_their_year():
    # A made-up profile rate for 2026 (not a real rate): MAX 20.000, T 16.000.
    # L = 10.000; R = 3.000; S0 = 17.000; room 25.000: S = 17.000,00
    rates = RateTable.default().with_overrides({2026: {"max": "20000", "threshold": "16000", "source": "test profile"}})
    c = calc("2026-02", "10000", "35000", rates=rates)
    assert c.subsidy == D("17000.00")
    assert c.rate.source == "test profile"


# ---- inputs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wage": "-1"}, "wage must not be negative"),
        ({"employee_pension": "-0.01"}, "employee_pension must not be negative"),
        ({"loenloft": "0"}, "loenloft must be positive"),
        ({"wage": "tolv"}, "not an amount"),
        ({"wage": 0.1 + 0.2}, "not in whole øre"),
    ],
)
def test_invalid_amounts_are_refused(kwargs, message):
    args = {"wage": "1000", "employee_pension": "0", "employer_pension": "0", "loenloft": "20000"} | kwargs
    with pytest.raises(ValueError, match=message):
        calculate_flexloentilskud("2024-01", args.pop("wage"), **args)


def test_a_float_in_whole_oere_is_read_exactly():
    # 12000.5 is read as 12.000,50 kr. (never Decimal(12000.5) with binary digits)
    c = calculate_flexloentilskud("2024-03", 12000.5, loenloft=30000)
    assert c.income.wage == D("12000.5")
    assert c.subsidy == D("16351.85")  # 19.952 - 0,30 * 12.000,50 = 19.952 - 3.600,15


def test_bool_is_not_an_amount():
    with pytest.raises(TypeError):
        calculate_flexloentilskud("2024-03", True, loenloft="30000")
