"""The journal-note text, Danish kroner formatting and months."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from flexloen import Month, calculate_flexloentilskud, explain
from flexloen.money import format_kr, format_share, to_decimal


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("16323", "16.323,00 kr."),
        ("0", "0,00 kr."),
        ("500", "500,00 kr."),
        ("1234567.891", "1.234.567,89 kr."),
        ("-8967.25", "-8.967,25 kr."),
        ("-0.001", "0,00 kr."),
        ("12240.745", "12.240,75 kr."),  # half up
    ],
)
def test_format_kr(amount, text):
    assert format_kr(D(amount)) == text


def test_format_kr_exact_keeps_every_decimal():
    assert format_kr(D("2814.3555"), exact=True) == "2.814,3555 kr."
    assert format_kr(D("4032"), exact=True) == "4.032,00 kr."
    assert format_kr(D("0.5"), exact=True) == "0,50 kr."


def test_format_share():
    assert (format_share(D("0.30")), format_share(D("0.55")), format_share(D("0.125"))) == ("30 %", "55 %", "12,5 %")


def test_to_decimal():
    assert to_decimal(" 16 323.00 ") == D("16323.00")
    assert to_decimal(12000.5) == D("12000.5")
    with pytest.raises(ValueError, match="finite"):
        to_decimal("NaN")


def test_months():
    assert Month.parse("2024-01").previous() == Month(2023, 12)
    assert Month.parse("2024-12").next() == Month(2025, 1)
    assert str(Month(2024, 3)) == "2024-03"
    assert Month(2024, 3).danish() == "marts 2024"
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("marts 2024")
    with pytest.raises(ValueError):
        Month(2024, 13)


def test_journal_note_below_threshold():
    # L = 13.440; R = 4.032; S0 = 15.920; room 16.560; S = 15.920,00; ATP 796 -> 500,00
    calc = calculate_flexloentilskud(
        "2024-03", "12000.00", employee_pension="480.00", employer_pension="960.00", loenloft="30000.00"
    )
    note = calc.journal_note()
    assert note.startswith("Beregning af fleksløntilskud for april 2024 (indkomst i marts 2024), jf. LAB § 123\n")
    for expected in [
        "Grundlag (indkomstregistret, marts 2024)",
        "- Løn (felt 0057, ekskl. fleksløntilskud med indkomsttype 0083): 12.000,00 kr.",
        "- Egen pension (felt 0197): 480,00 kr.",
        "- Arbejdsgivers pension (felt 0198): 960,00 kr.",
        "- Indkomstgrundlag L = løn + egen pension + arbejdsgivers pension: 13.440,00 kr.",
        "- Lønloft LL (stamdata): 30.000,00 kr.",
        "Satser for 2024 (kilde: detfagligehus.dk; STAR's beregner",
        "- Maksimalt tilskud MAX: 19.952,00 kr.",
        "- Bundgrænse T: 16.323,00 kr.",
        "  = 30 % af 13.440,00 kr. + 55 % af 0,00 kr. = 4.032,00 kr. + 0,00 kr. = 4.032,00 kr.",
        "  = 19.952,00 kr. - 4.032,00 kr. = 15.920,00 kr.",
        "  = 30.000,00 kr. - 13.440,00 kr. = 16.560,00 kr.",
        "  = 15.920,00 kr. (lønloftet begrænser ikke tilskuddet)",
        "  = 5 % af 15.920,00 kr. = 796,00 kr., dog højst 500,00 kr. = 500,00 kr.",
        "- Fleksløntilskud for april 2024: 15.920,00 kr.",
        "- ATP-bidrag (borgerens andel, trækkes i tilskuddet): 500,00 kr.",
        "- Tilskud efter ATP-bidrag (før skat): 15.420,00 kr.",
    ]:
        assert expected in note, expected
    assert explain(calc).text == note == str(calc.explain())


def test_journal_note_shows_exact_intermediates_and_the_binding_ceiling():
    # As worked by hand in the calculation tests: R = 4.896,90 + 2.814,3555 = 7.711,2555; S = 2.559,99 (ceiling)
    calc = calculate_flexloentilskud(
        "2024-03", "20000.01", employee_pension="480.00", employer_pension="960.00", loenloft="24000.00"
    )
    note = calc.journal_note()
    assert "  = 30 % af 16.323,00 kr. + 55 % af 5.117,01 kr. = 4.896,90 kr. + 2.814,3555 kr. = 7.711,2555 kr." in note
    assert "  = 19.952,00 kr. - 7.711,2555 kr. = 12.240,7445 kr." in note
    assert "  = 2.559,99 kr. (lønloftet begrænser tilskuddet)" in note
    assert "  = 5 % af 2.559,99 kr. = 127,9995 kr., afrundet til øre 128,00 kr." in note


def test_journal_note_when_nothing_is_left():
    # L = 60.000 > LL = 24.000; R = 28.919,25 > MAX
    note = calculate_flexloentilskud("2024-03", "60000", loenloft="24000").journal_note()
    assert "  = 19.952,00 kr. - 28.919,25 kr. = -8.967,25 kr., dog ikke under 0 = 0,00 kr." in note
    assert "  = 24.000,00 kr. - 60.000,00 kr. = -36.000,00 kr., dog ikke under 0 = 0,00 kr." in note
    assert "- Fleksløntilskud for april 2024: 0,00 kr." in note


def test_journal_note_shows_rounding_of_the_subsidy():
    # 2022: S0 = 13.793,645 -> 13.793,65 (see the calculation tests)
    note = calculate_flexloentilskud("2022-08", "16401.10", loenloft="40000").journal_note()
    assert "  = 13.793,645 kr., afrundet til øre 13.793,65 kr. (lønloftet begrænser ikke tilskuddet)" in note
    assert "Satser for 2022 (kilde: slagelse.dk (kommunal side))" in note


def test_package_docstring_example():
    import doctest

    import flexloen

    result = doctest.testmod(flexloen)
    assert result.attempted == 3 and result.failed == 0
