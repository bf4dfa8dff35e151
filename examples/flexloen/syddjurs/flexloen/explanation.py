"""The calculation as the Danish journal-note text: inputs, the formula with the numbers filled in, the result.

Intermediate amounts are shown exactly (0,5555 kr. if that is what they are), so a team lead or an auditor
can redo every line by hand; only the results are rounded to øre, as in the calculation itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flexloen.calculation import ATP_CAP, ATP_SHARE, HIGH_SHARE, LOW_SHARE, Calculation
from flexloen.money import ZERO, format_kr, format_share, round_oere


def _kr(amount: Decimal) -> str:
    return format_kr(amount, exact=True)


@dataclass(frozen=True)
class Section:
    """A heading and its lines."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """A calculation explained in Danish; ``text`` is the journal note."""

    title: str
    sections: tuple[Section, ...]

    @property
    def text(self) -> str:
        """The journal-note text: the title, then each section as a heading with "- " lines."""
        parts = [self.title]
        for section in self.sections:
            parts.append("")
            parts.append(section.heading)
            parts.extend(f"- {line}" if not line.startswith(" ") else line for line in section.lines)
        return "\n".join(parts) + "\n"

    def __str__(self) -> str:
        return self.text


def _inputs(calc: Calculation) -> Section:
    income = calc.income
    return Section(
        f"Grundlag (indkomstregistret, {calc.income_month.danish()})",
        (
            f"Løn (felt 0057, ekskl. fleksløntilskud med indkomsttype 0083): {_kr(income.wage)}",
            f"Egen pension (felt 0197): {_kr(income.employee_pension)}",
            f"Arbejdsgivers pension (felt 0198): {_kr(income.employer_pension)}",
            f"Indkomstgrundlag L = løn + egen pension + arbejdsgivers pension: {_kr(income.total)}",
            f"Lønloft LL (stamdata): {_kr(calc.loenloft)}",
        ),
    )


def _rates(calc: Calculation) -> Section:
    return Section(
        f"Satser for {calc.rate_year} (kilde: {calc.rate.source})",
        (
            f"Maksimalt tilskud MAX: {_kr(calc.rate.max)}",
            f"Bundgrænse T: {_kr(calc.rate.threshold)}",
        ),
    )


def _formula(calc: Calculation) -> Section:
    low, high = LOW_SHARE, HIGH_SHARE
    basis, threshold = calc.income_basis, calc.rate.threshold
    below = min(basis, threshold)
    above = max(ZERO, basis - threshold)
    lines = [
        f"Fradrag R = {format_share(low)} af L op til T + {format_share(high)} af den del af L, der overstiger T",
        f"  = {format_share(low)} af {_kr(below)} + {format_share(high)} af {_kr(above)}"
        f" = {_kr(low * below)} + {_kr(high * above)} = {_kr(calc.reduction)}",
        "Tilskud før lønloft S0 = MAX - R, dog ikke under 0",
        f"  = {_kr(calc.rate.max)} - {_kr(calc.reduction)}"
        + (
            f" = {_kr(calc.rate.max - calc.reduction)}, dog ikke under 0 = {_kr(ZERO)}"
            if calc.rate.max < calc.reduction
            else f" = {_kr(calc.subsidy_before_ceiling)}"
        ),
        "Plads under lønloftet = LL - L, dog ikke under 0",
        f"  = {_kr(calc.loenloft)} - {_kr(basis)}"
        + (
            f" = {_kr(calc.loenloft - basis)}, dog ikke under 0 = {_kr(ZERO)}"
            if calc.loenloft < basis
            else f" = {_kr(calc.ceiling_room)}"
        ),
        "Fleksløntilskud S = det mindste af S0 og pladsen under lønloftet, afrundet til øre",
    ]
    if calc.ceiling_binding:
        chosen, why = calc.ceiling_room, "lønloftet begrænser tilskuddet"
    else:
        chosen, why = calc.subsidy_before_ceiling, "lønloftet begrænser ikke tilskuddet"
    rounded = "" if chosen == calc.subsidy else f", afrundet til øre {format_kr(calc.subsidy)}"
    lines.append(f"  = {_kr(chosen)}{rounded} ({why})")
    atp_exact = ATP_SHARE * calc.subsidy
    lines.append(f"ATP-bidrag = {format_share(ATP_SHARE)} af S, dog højst {_kr(ATP_CAP)} (LAB § 137)")
    atp_line = f"  = {format_share(ATP_SHARE)} af {format_kr(calc.subsidy)} = {_kr(atp_exact)}"
    if atp_exact > ATP_CAP:
        atp_line += f", dog højst {_kr(ATP_CAP)} = {format_kr(calc.atp)}"
    elif round_oere(atp_exact) != atp_exact:
        atp_line += f", afrundet til øre {format_kr(calc.atp)}"
    lines.append(atp_line)
    return Section("Beregning (LAB § 123)", tuple(lines))


def _result(calc: Calculation) -> Section:
    return Section(
        "Resultat",
        (
            f"Fleksløntilskud for {calc.payment_month.danish()}: {format_kr(calc.subsidy)}",
            f"ATP-bidrag (borgerens andel, trækkes i tilskuddet): {format_kr(calc.atp)}",
            f"Tilskud efter ATP-bidrag (før skat): {format_kr(calc.subsidy_after_atp)}",
        ),
    )


def explain(calc: Calculation) -> Explanation:
    """The Danish explanation of ``calc``: grundlag, satser with their source, beregning and resultat."""
    title = (
        f"Beregning af fleksløntilskud for {calc.payment_month.danish()} "
        f"(indkomst i {calc.income_month.danish()}), jf. LAB § 123"
    )
    return Explanation(title, (_inputs(calc), _rates(calc), _formula(calc), _result(calc)))
