"""The yearly fleksløntilskud rates (MAX and T, kr. per month), each with its source.

Only years confirmed in the domain note are built in. A year without a row is never computed with a
guessed rate: the case goes to manual handling (NO_RATE_TABLE). Tests and municipalities can add years
from a TOML or JSON file (``--rates FILE``)::

    [[rates]]
    year = 2025
    max = "20000"
    threshold = "16500"
    source = "STAR, Vejledning om satser 2025"
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rpa_core.errors import UserError


@dataclass(frozen=True)
class RateRow:
    """MAX (98 % of the highest dagpenge rate) and T (bundgrænse) for one year, kr. per month."""

    year: int
    max: Decimal
    threshold: Decimal
    source: str


BUILTIN_RATES: tuple[RateRow, ...] = (
    RateRow(2015, Decimal("17312"), Decimal("13446"), "billund.dk (municipal page)"),
    RateRow(2022, Decimal("18964"), Decimal("15401"), "slagelse.dk (municipal page)"),
    RateRow(
        2024,
        Decimal("19952"),
        Decimal("16323"),
        "detfagligehus.dk; STAR's calculator (star.dk 'beregn løn i fleksjob')",
    ),
)


class RateTable:
    """Rates by year; ``get`` returns None for a year without a confirmed rate."""

    def __init__(self, rows: tuple[RateRow, ...] | list[RateRow] = BUILTIN_RATES) -> None:
        self._rows = {row.year: row for row in rows}

    def get(self, year: int) -> RateRow | None:
        """The row for ``year``, or None when the year has no confirmed rate."""
        return self._rows.get(year)

    def latest_at_or_before(self, year: int) -> RateRow | None:
        """The newest row not after ``year`` (used only to fill fictitious history, never for an outcome)."""
        years = [y for y in self._rows if y <= year]
        return self._rows[max(years)] if years else None

    def rows(self) -> list[RateRow]:
        """All rows, oldest first."""
        return [self._rows[y] for y in sorted(self._rows)]

    def with_rows(self, extra: list[RateRow]) -> RateTable:
        """A new table with ``extra`` rows added (replacing a built-in year of the same number)."""
        merged = dict(self._rows)
        merged.update({row.year: row for row in extra})
        return RateTable(list(merged.values()))

    def to_json(self) -> list[dict[str, Any]]:
        """The table as JSON-ready dicts (money as strings)."""
        return [
            {"year": r.year, "max": str(r.max), "threshold": str(r.threshold), "source": r.source} for r in self.rows()
        ]


def _parse_row(raw: Any, where: str) -> RateRow:
    if not isinstance(raw, dict):
        raise UserError(f"{where}: each rate must be a table with year, max, threshold, source")
    missing = [k for k in ("year", "max", "threshold", "source") if k not in raw]
    if missing:
        raise UserError(f"{where}: rate row lacks {', '.join(missing)}")
    try:
        year = int(raw["year"])
        max_ = Decimal(str(raw["max"]))
        threshold = Decimal(str(raw["threshold"]))
    except (ValueError, InvalidOperation):
        raise UserError(f"{where}: year must be an integer and max/threshold numbers") from None
    if not (1900 < year < 2200) or max_ <= 0 or threshold <= 0:
        raise UserError(f"{where}: year {year} or its amounts are out of range")
    return RateRow(year, max_, threshold, str(raw["source"]))


def load_rates_file(path: str | Path, base: RateTable | None = None) -> RateTable:
    """Read extra rate rows from a TOML or JSON file (``{"rates": [...]}``) on top of ``base``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"rates file {path}: cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"rates file {path}: not valid {path.suffix.lstrip('.') or 'TOML'} ({exc})") from None
    rows = data.get("rates") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise UserError(f"rates file {path}: expected a non-empty list 'rates'")
    return (base or RateTable()).with_rows([_parse_row(r, f"rates file {path}") for r in rows])
