"""Objects that carry personal data show their ids only, and a name read from a system is registered for masking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rpa_core.privacy import mask_text
from rpa_core.privacy.registry import REGISTRY
from rpa_core.systems import Case, IncomeLine, JournalNote, Payment

NAME, CPR = "Karen Blixen", "100570-1234"


@pytest.fixture(autouse=True)
def empty_registry():
    REGISTRY.clear()
    yield
    REGISTRY.clear()


def test_payment_shows_its_id_only_and_registers_the_name():
    payment = Payment(payment_id="B0000010", cpr=CPR, name=NAME, payment_month="2024-11", status="PENDING")
    assert repr(payment) == str(payment) == "Payment(B0000010)"
    assert f"{[payment]}" == "[Payment(B0000010)]" and f"{ {'p': payment} }" == "{'p': Payment(B0000010)}"
    assert payment.name == NAME and payment.model_dump()["cpr"] == CPR, "the data itself is whole"
    assert mask_text(f"Udbetaling til {NAME}") == "Udbetaling til [navn]"


def test_income_lines_cases_and_notes_show_ids_only():
    line = IncomeLine(line_id="L0000001", month="2024-10", kind="LOEN", income_type="0000", reporter="Firma A/S",
                      fields={"0057": Decimal("21000.50")})  # fmt: skip
    case = Case(case_number="S-2024-17", title=f"Fleksjob – {NAME}", cpr=CPR)
    note = JournalNote(note_id="N1", title="Fleksløntilskud", text=f"{NAME} {CPR}")
    assert repr(line) == "IncomeLine(L0000001 2024-10 LOEN)" and "21000" not in str(line)
    assert repr(case) == str(case) == "Case(S-2024-17)"
    assert repr(note) == "JournalNote(N1)" and repr(JournalNote(title="t", text="x")) == "JournalNote(new)"
    for obj in (line, case, note):
        assert NAME not in repr(obj) and CPR not in repr(obj) and NAME not in str(obj)
