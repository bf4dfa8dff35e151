"""The generator: deterministic, fictitious, with the configured scenarios and outcomes that an independent
implementation of the calculation agrees with to the øre."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import sandbox_reference as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from rpa_core.privacy import mask_cpr
from rpa_core.sandbox.calculation import calculate
from rpa_core.sandbox.generator import DEFAULT_SHARES, GeneratorConfig, generate
from rpa_core.sandbox.model import Dataset
from rpa_core.sandbox.rates import RateRow, RateTable, load_rates_file
from rpa_core.sandbox.workbook import write_stamdata


def dump(data: Dataset) -> str:
    """Everything the generator made, as canonical JSON."""
    return json.dumps(
        {
            "citizens": [vars(c) for c in data.citizens.values()],
            "employers": [vars(e) for e in data.employers.values()],
            "agreements": [vars(a) for a in data.agreements.values()],
            "master": [vars(m) for m in data.master_data],
            "income": [line.to_json() for lines in data.income.values() for line in lines],
            "payments": [p.to_json() for p in data.payments],
            "previous": [p.to_json() for p in data.previous_payments.values()],
            "cases": [c.to_json() for c in data.cases.values()],
            "expected": [e.to_json() for e in data.expected],
        },
        default=str,
        sort_keys=True,
    )


def test_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    first, second = dump(generate(GeneratorConfig(seed=7))), dump(generate(GeneratorConfig(seed=7)))
    assert first == second
    assert dump(generate(GeneratorConfig(seed=8))) != first


def test_cpr_numbers_are_fictitious_dates_that_fail_modulus_11_and_are_masked() -> None:
    data = generate(GeneratorConfig(citizens=300))
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    assert len(data.citizens) == 330  # 300 in a flexjob + 10 % on another benefit
    for cpr in data.citizens:
        assert len(cpr) == 11 and cpr[6] == "-"
        datetime.strptime(cpr[:6], "%d%m%y")
        digits = cpr.replace("-", "")
        assert sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 != 0
        assert mask_cpr(f"borger {cpr}") == f"borger {cpr[:6]}-XXXX"
    cvr_weights = (2, 7, 6, 5, 4, 3, 2, 1)
    for cvr in data.employers:
        assert sum(int(d) * w for d, w in zip(cvr, cvr_weights, strict=True)) % 11 != 0


def test_each_scenario_gets_its_share_of_the_citizens() -> None:
    data = generate(GeneratorConfig(citizens=200))
    counts = Counter(e.scenario for e in data.expected)
    for scenario, share in DEFAULT_SHARES.items():
        assert counts[scenario] == round(share * 200), scenario
    reasons = Counter(e.reason for e in data.expected)
    for reason in ("NO_WAGE", "MULTIPLE_EMPLOYERS", "SICKNESS_BENEFIT", "MATERNITY_BENEFIT", "UNPAID_HOLIDAY",
                   "MISSING_MASTER_DATA", "LARGE_CHANGE"):  # fmt: skip
        assert reasons[reason] >= 1, reason
    assert Counter(e.outcome for e in data.expected)["ALREADY_HANDLED"] == round(
        DEFAULT_SHARES["ALREADY_APPROVED"] * 200
    )


def test_shares_are_configurable() -> None:
    data = generate(GeneratorConfig(citizens=40, shares={"SICKNESS_BENEFIT": 0.5}))
    assert Counter(e.reason for e in data.expected)["SICKNESS_BENEFIT"] == 20


def test_income_correction_is_off_by_default_and_a_negative_pension_when_asked_for() -> None:
    assert "INCOME_CORRECTION" not in {e.scenario for e in generate(GeneratorConfig(citizens=200)).expected}
    data = generate(GeneratorConfig(citizens=40, shares={"INCOME_CORRECTION": 0.25}))
    corrected = [e for e in data.expected if e.scenario == "INCOME_CORRECTION"]
    assert len(corrected) == 10 and all(e.reason == "INCOME_CORRECTION" for e in corrected)
    for expected in corrected:
        (wage,) = [line for line in data.income[(expected.cpr, str(data.income_month))] if line.kind == "LOEN"]
        assert wage.fields["0197"] < 0 < wage.fields["0057"]


@pytest.mark.parametrize(("seed", "month"), [(1, "2024-11"), (2, "2024-01"), (3, "2023-01"), (4, "2022-07"),
                                             (5, "2026-10"), (6, "2015-03")])  # fmt: skip
def test_expected_outcomes_agree_with_an_independent_implementation(seed: int, month: str, tmp_path: Path) -> None:
    config = GeneratorConfig(
        seed=seed, citizens=120, payment_month=month, shares={**DEFAULT_SHARES, "INCOME_CORRECTION": 0.05}
    )
    data = generate(config)
    master = reference.read_stamdata(write_stamdata(data, tmp_path))
    payments = {p.payment_id: p.to_json() for p in data.payments}
    income_month = data.income_month
    seen = Counter()
    for expected in data.expected:
        pay = payments[expected.payment_id]
        lines = [line.to_json() for line in data.income.get((pay["cpr"], str(income_month)), [])]
        ours = reference.decide(pay, lines, master.get(pay["cpr"]), income_month.year, "0.25")
        assert expected.outcome == ours["outcome"], expected.payment_id
        assert expected.reasons == ours["reasons"], expected.payment_id
        seen[ours["outcome"]] += 1
        if ours["outcome"] == "CALCULATED":
            assert Fraction(expected.calculation["subsidy"]) == ours["subsidy"]
            assert Fraction(expected.calculation["atp"]) == ours["atp"]
            assert expected.registration["subsidy"] == expected.calculation["subsidy"]
    if income_month.year in reference.RATES:
        assert seen["CALCULATED"] > 60
    else:
        assert seen["CALCULATED"] == 0
        assert all("NO_RATE_TABLE" in e.reasons for e in data.expected if e.outcome == "MANUAL")


@settings(max_examples=300, deadline=None)
@given(
    wage=st.integers(0, 6_000_000),
    own=st.integers(0, 300_000),
    employer=st.integers(0, 600_000),
    lonloft=st.integers(1, 6_000_000),
    year=st.sampled_from(sorted(reference.RATES)),
)
def test_calculation_matches_the_reference_to_the_ore(
    wage: int, own: int, employer: int, lonloft: int, year: int
) -> None:
    as_kr = [Decimal(v) / 100 for v in (wage, own, employer, lonloft)]
    calc = calculate(*as_kr, RateTable().get(year))
    s, atp = reference.subsidy(*(str(v) for v in as_kr), *reference.RATES[year])
    assert (Fraction(calc.subsidy), Fraction(calc.atp)) == (s, atp)


def test_hand_worked_example_2024() -> None:
    # L = 12000 + 400 + 800 = 13200 < T: R = 3960, S0 = 19952 - 3960 = 15992; LL - L = 20000 -> S = 15992, ATP 500
    calc = calculate(Decimal("12000"), Decimal("400"), Decimal("800"), Decimal("33200"), RateTable().get(2024))
    assert (calc.reduction, calc.subsidy, calc.atp) == (Decimal("3960.00"), Decimal("15992.00"), Decimal("500.00"))
    # L = 20000 > T: R = 0.30*16323 + 0.55*3677 = 4896.90 + 2022.35 = 6919.25; S0 = 13032.75; LL - L = 5000.50
    calc = calculate(Decimal("20000"), Decimal("0"), Decimal("0"), Decimal("25000.50"), RateTable().get(2024))
    assert (calc.subsidy_before_ceiling, calc.subsidy, calc.atp) == (
        Decimal("13032.75"), Decimal("5000.50"), Decimal("250.03"),
    )  # fmt: skip


def test_rates_file_adds_a_year_and_a_missing_year_goes_to_manual(tmp_path: Path) -> None:
    without = generate(GeneratorConfig(payment_month="2025-11"))
    assert {e.reason for e in without.expected if e.outcome == "MANUAL"} >= {"NO_RATE_TABLE"}
    assert not [e for e in without.expected if e.outcome == "CALCULATED"]
    rates_file = tmp_path / "rates.toml"
    rates_file.write_text('[[rates]]\nyear = 2025\nmax = "20000"\nthreshold = "16500"\nsource = "test"\n')
    table = load_rates_file(rates_file)
    assert table.get(2025) == RateRow(2025, Decimal("20000"), Decimal("16500"), "test")
    assert table.get(2024).source.startswith("detfagligehus.dk")
    withrates = generate(GeneratorConfig(payment_month="2025-11", rates=table))
    calculated = [e for e in withrates.expected if e.outcome == "CALCULATED"]
    assert calculated and all(e.calculation["rate_year"] == 2025 for e in calculated)


def test_stamdata_workbook_has_one_row_per_master_data_row(tmp_path: Path) -> None:
    data = generate(GeneratorConfig(citizens=100))
    path = write_stamdata(data, tmp_path / "stamdata.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "Stamdata"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(data.master_data)
    missing = [e for e in data.expected if e.reason == "MISSING_MASTER_DATA"]
    in_sheet = {r[0]: r for r in rows}
    for e in missing:
        row = in_sheet.get(e.cpr)
        assert row is None or row[1] is None or row[3] is None
    full = next(r for r in rows if r[1] and r[3] is not None)
    assert Decimal(str(full[3])) == data.agreements[full[0]].lonloft


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"payment_month": "2024-13"}, "YYYY-MM"),
        ({"payment_month": "nov"}, "YYYY-MM"),
        ({"citizens": 0}, "between 1 and 10000"),
        ({"citizens": 10_001}, "between 1 and 10000"),
        ({"shares": {"FOO": 0.1}}, "unknown scenario FOO"),
        ({"shares": {"NO_WAGE": 0.7, "SICKNESS_BENEFIT": 0.7}}, "at most 1"),
    ],
)
def test_bad_generator_settings_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(GeneratorConfig(**kwargs))


@pytest.mark.slow
def test_ten_thousand_citizens_generate(tmp_path: Path) -> None:
    data = generate(GeneratorConfig(citizens=10_000, seed=3))
    assert len(data.expected) == 10_000
    assert len(data.payments) == 11_000
    assert len({p.payment_id for p in data.payments}) == 11_000
    assert sum(len(lines) for lines in data.income.values()) > 40_000
    path = write_stamdata(data, tmp_path)
    rows = sum(1 for _ in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows == len(data.master_data) + 1
