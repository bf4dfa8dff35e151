"""Ydelsessystem (stands in for KMD Aktiv / KY): pending fleksløntilskud payments, registration, approval."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rpa_core.sandbox.auth import Session, require_session
from rpa_core.sandbox.model import GRANT_TYPES, STATUS_LABELS
from rpa_core.sandbox.state import STATUS_FILTERS, SandboxError, SandboxState, parse_cpr
from rpa_core.sandbox.web import login_router, parse_amount, render

SYSTEM = "ydelse"
FIELDS = (
    ("wage", "Løn (A-indkomst, felt 0057)"),
    ("own_pension", "Egen pension (felt 0197)"),
    ("employer_pension", "Arbejdsgivers pension (felt 0198)"),
    ("hours", "Løntimer (felt 0096)"),
    ("holiday_pay", "Feriepenge (felt 0098)"),
    ("subsidy", "Fleksløntilskud til udbetaling"),
)
router = APIRouter(prefix=f"/{SYSTEM}", include_in_schema=False)
router.include_router(login_router(SYSTEM))
logged_in = Depends(require_session(SYSTEM))


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _common(state: SandboxState, session: Session) -> dict:
    month = state.data.payment_month
    return {
        "system": SYSTEM,
        "session": session,
        "units": state.data.units,
        "grant_types": GRANT_TYPES,
        "status_labels": STATUS_LABELS,
        "month": str(month),
        "month_label": month.label_da(),
        "income_month": str(month.shift(-1)),
        "income_month_label": month.shift(-1).label_da(),
    }


@router.get("/")
def home() -> Response:
    return RedirectResponse(f"/{SYSTEM}/betalinger", status_code=303)


@router.get("/betalinger", response_class=HTMLResponse)
def list_payments(
    request: Request,
    enhed: str = "",
    ydelse: str = "",
    status: str = "afventer",
    side: str = "1",
    session: Session = logged_in,
) -> Response:
    """The month's payments, 13 rows a page, filterable by unit, grant type and status."""
    units = _state(request).data.units
    if enhed and enhed not in units:
        raise SandboxError(400, "UNKNOWN_UNIT", f"Ukendt enhed; vælg en af {', '.join(units)}.")
    if ydelse and ydelse not in GRANT_TYPES:
        raise SandboxError(400, "UNKNOWN_GRANT_TYPE", f"Ukendt ydelsestype; vælg en af {', '.join(GRANT_TYPES)}.")
    if status not in STATUS_FILTERS:
        raise SandboxError(400, "UNKNOWN_STATUS", f"Ukendt status; vælg en af {', '.join(STATUS_FILTERS)}.")
    if not side.isdigit() or int(side) < 1:
        raise SandboxError(400, "BAD_PAGE", "Sidenummeret skal være et helt tal fra 1.")
    state = _state(request)
    page = int(side)
    rows, total, pages = state.list_payments(enhed or None, ydelse or None, status, page)

    def page_url(number: int) -> str:
        query = {k: v for k, v in (("enhed", enhed), ("ydelse", ydelse), ("status", status)) if v}
        return f"/{SYSTEM}/betalinger?" + urlencode(query | {"side": number})

    context = _common(state, session) | {
        "rows": rows, "total": total, "pages": pages, "page": page, "page_url": page_url,
        "unit": enhed, "grant": ydelse, "status": status,
    }  # fmt: skip
    return render(request, "ydelse/list.html", context)


@router.post("/betalinger/soeg", response_class=HTMLResponse)
async def search_payments(request: Request, session: Session = logged_in) -> Response:
    """Find this month's payments by CPR number (sent in the form body, never in the URL)."""
    form = await request.form()
    state = _state(request)
    rows = state.payments_for(parse_cpr(str(form.get("cpr", ""))))
    context = _common(state, session) | {
        "rows": rows, "total": len(rows), "pages": None, "page": 1, "page_url": None,
        "unit": "", "grant": "", "status": "alle",
    }  # fmt: skip
    return render(request, "ydelse/list.html", context)


def _payment_page(request: Request, session: Session, payment_id: str, values=None, errors=None) -> Response:
    state = _state(request)
    pay = state.payment(payment_id)
    if values is None:
        values = {k: str(v) for k, v in (pay.registration or {}).items()}
    previous = state.previous_payment(pay.cpr) if pay.grant_type == "FLT" else None
    context = _common(state, session) | {
        "p": pay, "previous": previous, "fields": FIELDS, "values": values, "errors": errors or [],
        "history": state.audit_for(payment_id),
    }  # fmt: skip
    return render(request, "ydelse/payment.html", context, status_code=422 if errors else 200)


@router.get("/betalinger/{payment_id}", response_class=HTMLResponse)
def payment_page(request: Request, payment_id: str, session: Session = logged_in) -> Response:
    """One payment: the citizen, last month's payment, the income form and the approve button."""
    return _payment_page(request, session, payment_id)


@router.post("/betalinger/{payment_id}/indkomst")
async def register_income(request: Request, payment_id: str, session: Session = logged_in) -> Response:
    """Register the month's income and the subsidy (every field required, amounts with at most 2 decimals)."""
    state = _state(request)
    state.payment(payment_id)
    form = await request.form()
    raw = {name: str(form.get(name, "")) for name, _ in FIELDS}
    values, errors = {}, []
    for name, label in FIELDS:
        try:
            values[name] = parse_amount(raw[name], label.split(" (")[0])
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        return _payment_page(request, session, payment_id, values=raw, errors=errors)
    state.register(payment_id, values, session.user)
    return RedirectResponse(f"/{SYSTEM}/betalinger/{payment_id}?besked=registreret", status_code=303)


@router.get("/betalinger/{payment_id}/godkend", response_class=HTMLResponse)
def confirm_page(request: Request, payment_id: str, session: Session = logged_in) -> Response:
    """The confirmation step before approval."""
    state = _state(request)
    pay = state.payment(payment_id)
    if pay.status == "APPROVED":
        raise SandboxError(409, "ALREADY_APPROVED", "Betalingen er allerede godkendt og kan ikke godkendes igen.")
    if pay.registration is None:
        raise SandboxError(409, "NOT_REGISTERED", "Indkomst og tilskud skal registreres før godkendelse.")
    token = secrets.token_urlsafe(16)
    session.confirm_tokens[token] = payment_id
    context = _common(state, session) | {"p": pay, "token": token}
    return render(request, "ydelse/confirm.html", context)


@router.post("/betalinger/{payment_id}/godkend")
async def approve(request: Request, payment_id: str, session: Session = logged_in) -> Response:
    """Approve after confirmation. A second approval is refused with 409 and audited."""
    state = _state(request)
    pay = state.payment(payment_id)
    form = await request.form()
    token = str(form.get("confirm_token", ""))
    if pay.status != "APPROVED" and session.confirm_tokens.pop(token, None) != payment_id:
        raise SandboxError(400, "NOT_CONFIRMED", "Godkendelsen er ikke bekræftet; start forfra fra betalingen.")
    state.approve(payment_id, session.user)
    return RedirectResponse(f"/{SYSTEM}/betalinger/{payment_id}?besked=godkendt", status_code=303)
