"""The dated rate table of LAB § 123: MAX and the threshold T per year, each row with its public source.

Only confirmed rates are built in. A year without a row is never computed with a guessed rate: looking it up
raises the manual-handling reason NO_RATE_TABLE, and a municipality's profile may supply the missing years::

    rates = RateTable.default().with_overrides(
        {2026: {"max": "20500.00", "threshold": "16800.00", "source": "STAR, Vejledning om satser 2026"}}
    )
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flexloen.money import has_at_most_oere, to_decimal
from flexloen.reasons import ManualHandling, ManualReason
from rpa_core.errors import ConfigError

_FIELDS = ("max", "threshold", "source")


class RateTableError(ConfigError):
    """A rate row that is not valid (the message names the year and the field)."""


@dataclass(frozen=True)
class Rate:
    """The rates of one year, kr. per month: ``max`` (MAX, 98 % of the highest dagpenge rate) and
    ``threshold`` (T, the bundgrænse), with ``source``: where a reader can check them."""

    max: Decimal
    threshold: Decimal
    source: str

    def __post_init__(self) -> None:
        for name in ("max", "threshold"):
            try:
                value = to_decimal(getattr(self, name), name)
            except (TypeError, ValueError) as exc:
                raise RateTableError(str(exc)) from None
            if value <= 0:
                raise RateTableError(f"field '{name}' must be a positive amount in kr. per month, got {value}")
            if not has_at_most_oere(value):
                raise RateTableError(f"field '{name}' must be in whole øre (at most 2 decimals), got {value}")
            object.__setattr__(self, name, value)
        if self.threshold >= self.max:
            raise RateTableError(
                f"field 'threshold' ({self.threshold}) must be below field 'max' ({self.max}); are the two swapped?"
            )
        if not isinstance(self.source, str) or not self.source.strip():
            raise RateTableError("field 'source' is required: where can a reader check these rates?")
        object.__setattr__(self, "source", self.source.strip())


CONFIRMED_RATES: dict[int, Rate] = {
    2015: Rate(Decimal("17312"), Decimal("13446"), "billund.dk (kommunal side)"),
    2022: Rate(Decimal("18964"), Decimal("15401"), "slagelse.dk (kommunal side)"),
    2024: Rate(
        Decimal("19952"), Decimal("16323"), 'detfagligehus.dk; STAR\'s beregner "beregn løn i fleksjob" på star.dk'
    ),
}
"""The rates confirmed by a public source (see the domain note). 2025 and later are not confirmed."""


def _year(key: object) -> int:
    if isinstance(key, bool):
        raise RateTableError(f"rate year {key!r} is not a year")
    try:
        year = int(str(key).strip()) if isinstance(key, str) else int(key)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise RateTableError(f"rate year {key!r} is not a year; write it like 2026") from None
    if not 2000 <= year <= 2100:
        raise RateTableError(f"rate year {year} is outside 2000-2100")
    return year


def _rate(year: int, value: Rate | Mapping[str, Any]) -> Rate:
    if isinstance(value, Rate):
        return value
    if not isinstance(value, Mapping):
        raise RateTableError(f"rates for {year}: expected a table with {', '.join(_FIELDS)}, got {value!r}")
    unknown = sorted(set(value) - set(_FIELDS))
    if unknown:
        raise RateTableError(
            f"rates for {year}: unknown field(s) {', '.join(map(str, unknown))}; allowed: {', '.join(_FIELDS)}"
        )
    missing = [name for name in _FIELDS if name not in value]
    if missing:
        raise RateTableError(f"rates for {year}: field(s) {', '.join(missing)} missing")
    try:
        return Rate(max=value["max"], threshold=value["threshold"], source=value["source"])
    except RateTableError as exc:
        raise RateTableError(f"rates for {year}: {exc}") from None


class RateTable:
    """Rates by year (the year of the income month). Immutable; ``with_overrides`` returns a new table."""

    def __init__(self, rows: Mapping[int, Rate] | None = None) -> None:
        checked = {}
        for key, value in (rows or {}).items():
            year = _year(key)
            checked[year] = _rate(year, value)
        self._rows: dict[int, Rate] = dict(sorted(checked.items()))

    @classmethod
    def default(cls) -> RateTable:
        """The built-in table of confirmed rates (2015, 2022, 2024)."""
        return cls(CONFIRMED_RATES)

    @classmethod
    def from_mapping(cls, mapping: Mapping[Any, Rate | Mapping[str, Any]]) -> RateTable:
        """A table of exactly these rows, e.g. from a profile: ``{"2026": {"max": ..., "threshold": ...,
        "source": ...}}``. Years may be int or str; amounts str, int or Decimal (not float).

        Raises ``RateTableError`` naming the year and the field when a row is not valid.
        """
        if not isinstance(mapping, Mapping):
            raise RateTableError(f"rates: expected a table of years, got {type(mapping).__name__}")
        return cls(mapping)

    def with_overrides(self, overrides: Mapping[Any, Rate | Mapping[str, Any]] | None) -> RateTable:
        """This table plus the rows of ``overrides`` (a profile's years replace the built-in ones)."""
        if not overrides:
            return self
        return RateTable({**self._rows, **RateTable.from_mapping(overrides)._rows})

    def for_year(self, year: int) -> Rate:
        """The rates of ``year``; raises ``ManualHandling`` (NO_RATE_TABLE) when the year has none."""
        try:
            return self._rows[year]
        except KeyError:
            known = ", ".join(str(y) for y in self._rows) or "ingen"
            raise ManualHandling(
                ManualReason.NO_RATE_TABLE,
                f"Indkomståret {year} har ingen satser (år med satser: {known}).",
            ) from None

    @property
    def years(self) -> tuple[int, ...]:
        """The years that have rates, ascending."""
        return tuple(self._rows)

    def __contains__(self, year: object) -> bool:
        return year in self._rows

    def __iter__(self) -> Iterator[tuple[int, Rate]]:
        return iter(self._rows.items())

    def __len__(self) -> int:
        return len(self._rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RateTable) and self._rows == other._rows

    def __hash__(self) -> int:
        return hash(tuple(self._rows.items()))

    def __repr__(self) -> str:
        return f"RateTable(years={list(self._rows)})"
