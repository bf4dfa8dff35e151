"""Indkomstregister over its JSON API (IncomeRegister)."""

from __future__ import annotations

from decimal import Decimal

from rpa_core.systems.api.client import ApiAdapter
from rpa_core.systems.models import IncomeLine


class IndkomstApi(ApiAdapter):
    """``IndkomstApi("http://127.0.0.1:8400/indkomst", api_key)``; use ``with`` or call ``close()``."""

    SYSTEM = "Indkomstregister"

    def income_lines(self, cpr: str, month: str) -> list[IncomeLine]:
        """The lines reported for ``cpr`` with basis month ``month`` (``YYYY-MM``).

        BusinessError UNKNOWN_CPR when the register does not know the person; INVALID_CPR / INVALID_MONTH."""
        answer = self.call("income_lines", "POST", "/opslag", json={"cpr": cpr, "month": month})
        return [
            IncomeLine(
                line_id=line.get("line_id", ""),
                month=line["month"],
                kind=line["kind"],
                income_type=line["income_type"],
                cvr=line.get("cvr", ""),
                reporter=line.get("reporter", ""),
                fields={code: Decimal(value) for code, value in (line.get("fields") or {}).items()},
            )
            for line in answer["lines"]
        ]
