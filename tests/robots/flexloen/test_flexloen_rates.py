"""The dated rate table: confirmed rows with their source, profile overrides, validation messages."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from flexloen import Rate, RateTable, RateTableError
from flexloen.reasons import ManualHandling, ManualReason

from rpa_core.errors import ConfigError


def test_confirmed_rates_and_sources():
    table = RateTable.default()
    assert table.years == (2015, 2022, 2024)
    assert table.for_year(2015) == Rate(D("17312"), D("13446"), "billund.dk (kommunal side)")
    assert (table.for_year(2022).max, table.for_year(2022).threshold) == (D("18964"), D("15401"))
    assert (table.for_year(2024).max, table.for_year(2024).threshold) == (D("19952"), D("16323"))
    assert "slagelse.dk" in table.for_year(2022).source
    assert "detfagligehus.dk" in table.for_year(2024).source and "STAR" in table.for_year(2024).source


@pytest.mark.parametrize("year", [2016, 2023, 2025, 2026])
def test_unconfirmed_years_are_not_guessed(year):
    table = RateTable.default()
    assert year not in table
    with pytest.raises(ManualHandling) as info:
        table.for_year(year)
    assert info.value.code is ManualReason.NO_RATE_TABLE
    assert f"Indkomståret {year} har ingen satser" in str(info.value)
    assert "2015, 2022, 2024" in info.value.detail


def test_with_overrides_adds_years_and_keeps_the_original():
    base = RateTable.default()
    table = base.with_overrides(
        {"2026": {"max": "20500.00", "threshold": "16800.50", "source": "STAR, Vejledning om satser 2026"}}
    )
    assert table.years == (2015, 2022, 2024, 2026)
    assert table.for_year(2026) == Rate(D("20500.00"), D("16800.50"), "STAR, Vejledning om satser 2026")
    assert 2026 not in base
    assert base.with_overrides(None) is base


def test_with_overrides_accepts_rate_objects_and_replaces_a_year():
    table = RateTable.default().with_overrides({2024: Rate(max=D("20000"), threshold=D("16000"), source="x")})
    assert table.for_year(2024).max == D("20000")
    assert RateTable.default().for_year(2024).max == D("19952")


def test_from_mapping_holds_exactly_the_given_years():
    table = RateTable.from_mapping({2030: {"max": 21000, "threshold": 17000, "source": "profil"}})
    assert table.years == (2030,)
    with pytest.raises(ManualHandling):
        table.for_year(2024)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"max": "-1", "threshold": "100", "source": "s"}, "rates for 2026: field 'max' must be a positive amount"),
        ({"max": "20000", "threshold": "0", "source": "s"}, "rates for 2026: field 'threshold' must be a positive"),
        ({"max": "20000", "threshold": "abc", "source": "s"}, "rates for 2026: threshold: 'abc' is not an amount"),
        ({"max": "20000.001", "threshold": "1", "source": "s"}, "rates for 2026: field 'max' must be in whole øre"),
        ({"max": "20000", "threshold": "16000", "source": " "}, "rates for 2026: field 'source' is required"),
        ({"max": "16000", "threshold": "20000", "source": "s"}, "rates for 2026: field 'threshold' .* below"),
        ({"max": "20000", "threshold": "16000"}, r"rates for 2026: field\(s\) source missing"),
        ({"max": "1", "threshold": "1", "source": "s", "dato": "x"}, r"rates for 2026: unknown field\(s\) dato"),
        ("20000", "rates for 2026: expected a table with max, threshold, source"),
    ],
)
def test_invalid_rows_name_the_year_and_the_field(row, message):
    with pytest.raises(RateTableError, match=message):
        RateTable.default().with_overrides({2026: row})


@pytest.mark.parametrize("year", ["20x6", 1999, True])
def test_invalid_years_are_refused(year):
    with pytest.raises(RateTableError, match="year"):
        RateTable.from_mapping({year: {"max": "2", "threshold": "1", "source": "s"}})


def test_rate_table_error_is_a_config_error():
    # The CLI shows a ConfigError as one clear line (exit code 2), never a traceback.
    assert issubclass(RateTableError, ConfigError)
