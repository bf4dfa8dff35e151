"""Why a case goes to a caseworker: stable codes, Danish texts, and the business exception that carries them."""

from __future__ import annotations

from enum import StrEnum

from rpa_core.errors import BusinessException
from rpa_core.privacy import mask_text


class ManualReason(StrEnum):
    """Stable codes of the manual-handling reasons, in the order the rules check them (first = primary).

    The codes are shared with the reference systems (sandbox) and end up in the work queue, reports and
    dashboards: never rename one.
    """

    MISSING_MASTER_DATA = "MISSING_MASTER_DATA"
    NO_WAGE = "NO_WAGE"
    MULTIPLE_EMPLOYERS = "MULTIPLE_EMPLOYERS"
    SICKNESS_BENEFIT = "SICKNESS_BENEFIT"
    MATERNITY_BENEFIT = "MATERNITY_BENEFIT"
    UNPAID_HOLIDAY = "UNPAID_HOLIDAY"
    INCOME_CORRECTION = "INCOME_CORRECTION"
    NO_RATE_TABLE = "NO_RATE_TABLE"
    CASE_CLOSED = "CASE_CLOSED"
    LARGE_CHANGE = "LARGE_CHANGE"


TEXTS_DA: dict[ManualReason, str] = {
    ManualReason.MISSING_MASTER_DATA: (
        "Der mangler stamdata for borgeren (pensionssats, lønloft eller sagsnummer). "
        "Udfyld stamdata, og behandl udbetalingen manuelt."
    ),
    ManualReason.NO_WAGE: (
        "Der er ingen løn i indkomstmåneden. Fleksløntilskud udbetales kun som supplement til udbetalt løn; "
        "sagen skal vurderes manuelt."
    ),
    ManualReason.MULTIPLE_EMPLOYERS: (
        "Der er mere end én lønlinje eller mere end én arbejdsgiver i indkomstregistret for måneden. "
        "Tilskuddet skal beregnes manuelt."
    ),
    ManualReason.SICKNESS_BENEFIT: (
        "Borgeren har fået sygedagpenge i indkomstmåneden. Tilskuddet skal nedsættes forholdsmæssigt "
        "og beregnes manuelt."
    ),
    ManualReason.MATERNITY_BENEFIT: (
        "Borgeren har fået barselsdagpenge i indkomstmåneden. Tilskuddet skal nedsættes forholdsmæssigt "
        "og beregnes manuelt."
    ),
    ManualReason.UNPAID_HOLIDAY: (
        "Borgeren har holdt ferie uden løn i indkomstmåneden. Tilskuddet skal nedsættes forholdsmæssigt "
        "og beregnes manuelt."
    ),
    ManualReason.INCOME_CORRECTION: (
        "Indkomstregistret har et negativt beløb (en korrektion) i indkomstmåneden. "
        "Vurdér korrektionen, og beregn tilskuddet manuelt."
    ),
    ManualReason.NO_RATE_TABLE: (
        "Der er ingen bekræftede satser (maksimalt tilskud og bundgrænse) for indkomståret. Robotten gætter "
        "ikke på en sats: satserne skal indtastes i kommunens profil, og indtil da behandles sagen manuelt."
    ),
    ManualReason.CASE_CLOSED: (
        "Sagen i ESDH er afsluttet, så beregningen kan ikke journaliseres på den. Genåbn sagen, eller behandl "
        "udbetalingen manuelt."
    ),
    ManualReason.LARGE_CHANGE: (
        "Tilskuddet har ændret sig mere end kommunens grænse i forhold til sidste måneds tilskud. "
        "Kontrollér beregningen, før udbetalingen godkendes."
    ),
}


class ManualHandling(BusinessException):
    """A business exception: the case must go to a caseworker, with a stable ``code`` and a Danish text.

    Raised in a work item's keywords (``Fail If Manual Handling``), it makes the item BUSINESS_EXCEPTION with
    ``code`` and ``message``, never retried: the framework's ``BusinessException`` (rpa_core.errors).

    ``detail`` is the case-specific part in Danish (amounts, months, which field is missing). It must not
    hold a CPR number; as a safeguard any CPR-shaped number in it is masked (ddmmyy-XXXX).
    """

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message without the class name

    def __init__(self, code: ManualReason | str, detail: str = "", *, text_da: str | None = None) -> None:
        # Set before BusinessException.__init__, which remembers the message with this code for the queue.
        self.code = ManualReason(code)
        self.text_da = text_da if text_da is not None else TEXTS_DA[self.code]
        self.detail = mask_text(detail.strip())
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``"CODE: Danish text Detail"``: one line for the work queue and the caseworker's list."""
        return f"{self.code}: {self.text_da}" + (f" {self.detail}" if self.detail else "")

    def __repr__(self) -> str:
        return f"ManualHandling({self.code.value!r}, {self.detail!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ManualHandling):
            return NotImplemented
        return (self.code, self.text_da, self.detail) == (other.code, other.text_da, other.detail)

    def __hash__(self) -> int:
        return hash((self.code, self.text_da, self.detail))
