"""The README's worked example: recompute it and check the README shows exactly those numbers and that note."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from flexloen import ManualReason, calculate_flexloentilskud
from flexloen.money import format_kr

ROBOT_DIR = Path(__file__).resolve().parents[3] / "robots" / "flexloen"
README = (ROBOT_DIR / "README.md").read_text(encoding="utf-8")


def example(loenloft: str):
    return calculate_flexloentilskud(
        "2024-03", "17500.00", employee_pension="700.00", employer_pension="1400.00", loenloft=loenloft
    )


def test_worked_example_numbers():
    # By hand (2024: MAX 19.952, T 16.323): L = 17.500 + 700 + 1.400 = 19.600
    # R = 0,30 * 16.323 + 0,55 * 3.277 = 4.896,90 + 1.802,35 = 6.699,25; S0 = 19.952 - 6.699,25 = 13.252,75
    # room = 36.000 - 19.600 = 16.400: S = 13.252,75; ATP = 662,6375 -> 500,00; after ATP 12.752,75
    calc = example("36000.00")
    expected = {
        "L": (calc.income_basis, D("19600.00")),
        "R": (calc.reduction, D("6699.25")),
        "S0": (calc.subsidy_before_ceiling, D("13252.75")),
        "room": (calc.ceiling_room, D("16400.00")),
        "S": (calc.subsidy, D("13252.75")),
        "ATP": (calc.atp, D("500.00")),
        "after ATP": (calc.subsidy_after_atp, D("12752.75")),
    }
    for name, (actual, hand) in expected.items():
        assert actual == hand, name
        assert format_kr(hand).removesuffix(" kr.") in README, name
    assert "662,6375" in README
    assert "(Decimal('13252.75'), Decimal('500.00'))" in README


def test_worked_example_with_binding_ceiling():
    # room = 28.000 - 19.600 = 8.400 < 13.252,75: S = 8.400,00; ATP = 420,00; after ATP 7.980,00
    calc = example("28000.00")
    assert (calc.subsidy, calc.atp, calc.subsidy_after_atp) == (D("8400.00"), D("420.00"), D("7980.00"))
    for text in ("S = **8.400,00 kr.**", "ATP = 5 % of 8.400,00 = **420,00 kr.**", "7.980,00 kr. after ATP"):
        assert text in README


def test_readme_shows_the_journal_note_verbatim():
    assert f"```text\n{example('36000.00').journal_note()}```" in README


def test_readme_lists_every_manual_handling_code():
    for code in ManualReason:
        assert f"| `{code.value}` |" in README
    assert "`ALREADY_HANDLED`" in README
