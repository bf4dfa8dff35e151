"""Ydelsessystem page objects (BenefitsSystem over the web pages): the pending list across all pages,
one payment, registration, and approval through the confirmation step.

A paid case costs four page loads: the payment page (``get_payment``), the income form's submit (which lands on
the payment page again, now registered), the confirmation page and its submit (the payment page, approved).
``register`` and ``approve`` act on the payment page the previous step left when it still shows that payment
(``WebAdapter.recall``); after a failure, or on any other page, they open it first."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple
from urllib.parse import quote

from rpa_core.systems.errors import BusinessError
from rpa_core.systems.models import Payment, PaymentStatus, Registration
from rpa_core.systems.retry import TransientError
from rpa_core.systems.web.base import WebAdapter, to_decimal
from rpa_core.systems.web.selectors import ydelse as sel

_APPROVED = PaymentStatus.APPROVED


def _key(payment_id: str) -> str:
    return f"payment:{payment_id}"


# What is read from a payment page, in one round trip with the page's state: the payment, then the approve link.
_PAYMENT_SPECS: tuple[tuple[str, str], ...] = (
    (sel.PAYMENT_ID, "text"), (sel.CITIZEN_CPR, "text"), (sel.CITIZEN_NAME, "text"),
    (sel.PAYMENT_MONTH, "data-month"), (sel.INCOME_MONTH, "data-month"), (sel.PAYMENT_UNIT, "data-value"),
    (sel.PAYMENT_GRANT, "data-value"), (sel.PAYMENT_STATUS, "data-status"),
    (sel.PREVIOUS_SUBSIDY, "data-value"), (sel.UNPAID_HOLIDAY, "data-days"), (sel.ATP, "data-value"),
    *((selector, "value") for selector in sel.FIELDS.values()),
    (sel.APPROVE_BUTTON, "href"),
)  # fmt: skip


class _PaymentPage(NamedTuple):
    """What a payment page shows: the payment, and the approve button's link (None unless REGISTERED)."""

    payment: Payment
    confirm_href: str | None


def _payment(values: list[str | None]) -> Payment:
    """The payment from the values of ``_PAYMENT_SPECS``."""
    pid, cpr, name, month, income_month, unit, grant, status, previous, holiday, atp = values[:11]
    if not pid or not status:
        raise TransientError("the payment page is incomplete", code="NOT_RENDERED")
    fields = dict(zip(sel.FIELDS, values[11 : 11 + len(sel.FIELDS)], strict=True))
    registration = None
    if status != PaymentStatus.PENDING and all(v and v.strip() for v in fields.values()):
        registration = Registration(**{k: to_decimal(v) for k, v in fields.items()})
    return Payment(
        payment_id=pid, cpr=cpr or "", name=name or "", payment_month=month or "",
        income_month=income_month or None, unit=unit or "", grant_type=grant or "",
        status=PaymentStatus(status), previous_subsidy=to_decimal(previous),
        unpaid_holiday_days=int(holiday or 0), registration=registration, atp=to_decimal(atp),
    )  # fmt: skip


def form_amount(value: Decimal) -> str:
    """An amount as a form accepts it: ``12345.67`` (never exponent notation)."""
    return format(Decimal(value), "f")


class YdelseWeb(WebAdapter):
    """The Ydelsessystem through its pages. ``base_url`` e.g. ``http://127.0.0.1:8400/ydelse``."""

    SYSTEM = sel.SYSTEM
    NAME_SELECTORS = sel.NAME_SELECTORS

    # --- reads ------------------------------------------------------------------------------------------
    def pending_payments(self, month: str, *, unit: str, grant_type: str) -> list[Payment]:
        """Every payment of ``month`` not yet approved for the unit and grant type, across all pages."""
        found: dict[str, Payment] = {}
        payments, next_href, pages = self.run("pending_payments page 1", lambda: self._first_page(unit, grant_type))
        number = 1
        while True:
            for payment in payments:
                if payment.payment_month == month:
                    found.setdefault(payment.payment_id, payment)
            if not next_href:
                break
            number += 1
            if number > pages + 1:  # a list that never ends is a broken page, not more payments
                raise TransientError(f"the list went past its {pages} pages", code="BAD_PAGE")
            href = next_href
            payments, next_href, pages = self.run(f"pending_payments page {number}", lambda h=href: self._page(h))
        return list(found.values())

    def _first_page(self, unit: str, grant_type: str) -> tuple[list[Payment], str | None, int]:
        self.goto(sel.LIST_PATH, ready=sel.FILTER_FORM)
        self.select(sel.FILTER_UNIT, unit, code="UNKNOWN_UNIT")
        self.select(sel.FILTER_GRANT, grant_type, code="UNKNOWN_GRANT_TYPE")
        self.select(sel.FILTER_STATUS, sel.STATUS_PENDING, code="UNKNOWN_STATUS")
        self.click_through(sel.FILTER_SUBMIT, ready=sel.PAYMENTS_TABLE, post=False)
        return self._read_list()

    def _page(self, href: str) -> tuple[list[Payment], str | None, int]:
        self.goto(href, ready=sel.PAYMENTS_TABLE)
        return self._read_list()

    def _read_list(self) -> tuple[list[Payment], str | None, int]:
        pages, next_href = self.read((sel.PAGE_INFO, "data-pages"), (sel.NEXT_PAGE, "href"))
        payments = []
        for row in self.rows(sel.PAYMENT_ROW):
            cells = row["cells"]
            payments.append(
                Payment(
                    payment_id=row["data"]["paymentId"],
                    cpr=cells[sel.CELL_CPR]["text"],
                    name=cells[sel.CELL_NAME]["text"],
                    payment_month=cells[sel.CELL_MONTH]["text"],
                    unit=cells[sel.CELL_UNIT]["value"] or "",
                    grant_type=cells[sel.CELL_GRANT]["value"] or "",
                    status=PaymentStatus(row["data"]["status"]),
                    previous_subsidy=to_decimal(cells[sel.CELL_PREVIOUS]["value"]),
                )
            )
        return payments, next_href, int(pages or 1)

    def get_payment(self, payment_id: str) -> Payment:
        """The payment page: status, last month's subsidy, unpaid holiday, registration and ATP."""
        return self.run("get_payment", lambda: self._open(payment_id).payment)

    def _open(self, payment_id: str) -> _PaymentPage:
        mark = self.new_mark()
        path = sel.PAYMENT_PATH.format(payment_id=quote(payment_id, safe=""))
        return self._remember(payment_id, self.goto(path, ready=sel.INCOME_FORM, read=_PAYMENT_SPECS, mark=mark), mark)

    def _current(self, payment_id: str) -> _PaymentPage:
        """The payment page as the browser shows it: the one read last when it is still payment
        ``payment_id``'s (nothing changed it since), else the page opened and read now."""
        shown = self.recall(_key(payment_id))
        return shown if isinstance(shown, _PaymentPage) else self._open(payment_id)

    def _remember(self, payment_id: str, values: list[str | None], mark: str) -> _PaymentPage:
        """The payment page's values (read with ``mark``), remembered as payment ``payment_id``'s page."""
        shown = _PaymentPage(_payment(values), values[-1])
        if shown.payment.payment_id != payment_id:  # not the page asked for: never act on it
            raise TransientError("the page shows another payment", code="BAD_PAGE")
        return self.remember(_key(payment_id), shown, mark)

    # --- writes -----------------------------------------------------------------------------------------
    def register(self, payment_id: str, registration: Registration) -> Payment:
        """Register income and subsidy and save. Already registered with the same values: nothing is written.
        BusinessError ALREADY_APPROVED when the payment is approved; VALIDATION_ERROR when the form refuses."""

        def attempt() -> Payment:
            current = self._current(payment_id).payment
            if current.status is _APPROVED:
                raise BusinessError(self.SYSTEM, "register", "the payment is approved", code="ALREADY_APPROVED")
            if current.status is PaymentStatus.REGISTERED and current.registration == registration:
                return current
            fields = {field: form_amount(getattr(registration, name)) for name, field in sel.FIELDS.items()}
            mark = self.new_mark()
            values = self.submit(sel.SAVE_INCOME, ready=sel.INCOME_FORM, fill=fields, read=_PAYMENT_SPECS, mark=mark)
            saved = self._remember(payment_id, values, mark).payment
            if saved.status is not PaymentStatus.REGISTERED or saved.registration != registration:
                raise TransientError("the registration is not shown after saving", code="NOT_SAVED")
            return saved

        return self.run("register", attempt)

    def approve(self, payment_id: str) -> Payment:
        """Approve a registered payment through the confirmation step.

        BusinessError ALREADY_APPROVED when it was approved before this call (or the system refuses),
        NOT_REGISTERED when nothing is registered. After a failure whose effect is unknown, a payment that is
        now approved counts as this call's approval: it is never confirmed twice."""
        submitted = False

        def attempt() -> Payment:
            nonlocal submitted
            current, confirm_href = self._current(payment_id)
            if current.status is _APPROVED:
                if submitted:
                    return current
                raise BusinessError(self.SYSTEM, "approve", "the payment is already approved", code="ALREADY_APPROVED")
            if current.status is not PaymentStatus.REGISTERED:
                raise BusinessError(self.SYSTEM, "approve", "income is not registered", code="NOT_REGISTERED")
            if not confirm_href:
                raise TransientError("the approve button is missing", code="NOT_RENDERED")
            self.goto(confirm_href, ready=sel.CONFIRM_APPROVE)  # the button is a link to the confirmation step
            submitted = True
            mark = self.new_mark()
            values = self.submit(sel.CONFIRM_APPROVE, ready=sel.INCOME_FORM, read=_PAYMENT_SPECS, mark=mark)
            approved = self._remember(payment_id, values, mark).payment
            if approved.status is not _APPROVED:
                raise TransientError("the payment is not approved after confirming", code="NOT_SAVED")
            return approved

        return self.run("approve", attempt)
