"""Kroner and øre as Decimal: strict conversion, rounding to øre, and Danish formatting ("16.323,00 kr.")."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

OERE = Decimal("0.01")
ZERO = Decimal("0")


def to_decimal(value: object, name: str = "amount") -> Decimal:
    """Convert an amount in kroner to Decimal, exactly: from ``Decimal``, ``int``, ``str`` or ``float``.

    ``Decimal(float)`` is never used (``Decimal(0.1)`` is 0.1000000000000000055...). A float is read through
    its shortest decimal form, the number as it was written (a JSON number in a work item, ``${12000.5}`` in
    Robot Framework), and accepted only when that has whole øre: ``12000.5`` is 12000.50 kr.; ``0.1 + 0.2``
    (0.30000000000000004) is refused as the result of float arithmetic.
    Raises ``TypeError`` or ``ValueError`` naming ``name``.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name}: {value!r} is not an amount in kroner")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
        if result.is_finite() and not has_at_most_oere(result):
            raise ValueError(
                f"{name}: the float {value!r} is not in whole øre; give kroner as a string, e.g. '16323.50'"
            )
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(" ", "").replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{name}: {value!r} is not an amount; write kroner like '16323.50'") from None
    else:
        raise TypeError(f"{name}: {value!r} ({type(value).__name__}) is not an amount in kroner")
    if not result.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite amount")
    return result


def round_oere(amount: Decimal) -> Decimal:
    """Round to whole øre, half up (0.005 -> 0.01): the one rounding of a result."""
    return amount.quantize(OERE, rounding=ROUND_HALF_UP)


def floor_oere(amount: Decimal) -> Decimal:
    """Round down to whole øre (used so a ceiling is never exceeded by a fraction of an øre)."""
    return amount.quantize(OERE, rounding=ROUND_FLOOR)


def has_at_most_oere(amount: Decimal) -> bool:
    """True when ``amount`` has no digits below the øre (at most two decimals)."""
    return amount == amount.quantize(OERE, rounding=ROUND_HALF_UP)


def format_kr(amount: Decimal, *, exact: bool = False) -> str:
    """Danish kroner: ``Decimal("16323")`` -> ``"16.323,00 kr."``.

    Normally rounded to øre. With ``exact=True`` every significant decimal is kept (at least two), so an
    intermediate amount such as 0.55 * 1.01 shows as ``"0,5555 kr."`` and a reader can check it by hand.
    """
    value = amount if exact and not has_at_most_oere(amount) else round_oere(amount)
    text = format(value if has_at_most_oere(value) else value.normalize(), "f")
    sign = "-" if value < 0 else ""
    whole, _, decimals = text.lstrip("-").partition(".")
    decimals = decimals.ljust(2, "0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{'.'.join(groups)},{decimals} kr."


def format_share(share: Decimal) -> str:
    """A share as a Danish percentage: ``Decimal("0.30")`` -> ``"30 %"``, ``Decimal("0.125")`` -> ``"12,5 %"``."""
    percent = (share * 100).normalize()
    text = format(percent, "f")
    return f"{text.replace('.', ',')} %"
