"""Indkomstregister (stands in for eIndkomst): income lines per CPR and basis month, page and JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from rpa_core.sandbox.auth import Session, require_api_key, require_session
from rpa_core.sandbox.model import FIELD_NAMES, MATERNITY, SICKNESS, SUBSIDY, WAGE, Month
from rpa_core.sandbox.state import SandboxError, SandboxState, parse_cpr
from rpa_core.sandbox.web import login_router, render

SYSTEM = "indkomst"
KINDS = {WAGE: "Løn", SICKNESS: "Sygedagpenge", MATERNITY: "Barselsdagpenge", SUBSIDY: "Fleksløntilskud"}
pages = APIRouter(prefix=f"/{SYSTEM}", include_in_schema=False)
pages.include_router(login_router(SYSTEM))
api = APIRouter(prefix=f"/{SYSTEM}/api/v1", tags=["Indkomstregister"], dependencies=[Depends(require_api_key)])
logged_in = Depends(require_session(SYSTEM))


def parse_month(text: str | None) -> str:
    """``YYYY-MM`` from input, or SandboxError 422."""
    try:
        return str(Month.parse(text or ""))
    except ValueError:
        raise SandboxError(422, "INVALID_MONTH", "Måneden skal skrives som ÅÅÅÅ-MM, f.eks. 2024-10.") from None


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


@pages.get("/")
def home() -> Response:
    return RedirectResponse(f"/{SYSTEM}/opslag", status_code=303)


@pages.get("/opslag", response_class=HTMLResponse)
def search_page(request: Request, session: Session = logged_in) -> Response:
    """The search form: CPR number and basis month."""
    default = str(_state(request).data.income_month)
    context = {"system": SYSTEM, "session": session, "default_month": default, "month": default, "errors": []}
    return render(request, "indkomst/search.html", context)


@pages.post("/opslag", response_class=HTMLResponse)
async def payslip(request: Request, session: Session = logged_in) -> Response:
    """The payslip-style page with every income line reported for the CPR number and basis month."""
    state = _state(request)
    form = await request.form()
    errors, cpr, month = [], "", ""
    for parse, key in ((parse_cpr, "cpr"), (parse_month, "month")):
        try:
            value = parse(str(form.get(key, "")))
        except SandboxError as exc:
            errors.append(exc.message)
            continue
        cpr, month = (value, month) if key == "cpr" else (cpr, value)
    if errors:
        default = str(state.data.income_month)
        context = {"system": SYSTEM, "session": session, "default_month": default, "month": month, "errors": errors}
        return render(request, "indkomst/search.html", context, status_code=422)
    citizen = state.citizen(cpr)
    context = {
        "system": SYSTEM, "session": session, "citizen": citizen, "month": month,
        "month_label": Month.parse(month).label_da(), "lines": state.income(cpr, month),
        "field_names": FIELD_NAMES, "kinds": KINDS,
    }  # fmt: skip
    return render(request, "indkomst/payslip.html", context)


class IncomeQuery(BaseModel):
    """An income lookup: the CPR number goes in the body, never in the URL."""

    cpr: str = Field(description="CPR number, ddmmyy-ssss", examples=["010180-1235"])
    month: str = Field(description="Basis month, YYYY-MM", examples=["2024-10"])


class IncomeLineOut(BaseModel):
    line_id: str
    month: str
    kind: str = Field(description="LOEN, SYGEDAGPENGE, BARSELSDAGPENGE or FLEKSLOENTILSKUD")
    income_type: str = Field(description="0000 ordinary A-income; 0083 the municipality's fleksløntilskud")
    cvr: str
    reporter: str
    fields: dict[str, str] = Field(description="Field code -> amount as a string, e.g. {'0057': '12345.67'}")


class IncomeAnswer(BaseModel):
    cpr: str
    name: str
    month: str
    lines: list[IncomeLineOut]


@api.post("/opslag", response_model=IncomeAnswer, summary="Income lines for a CPR number and basis month")
def income_api(query: IncomeQuery, request: Request) -> dict[str, Any]:
    """The income lines reported for ``cpr`` with basis month ``month`` (header ``X-API-Key``)."""
    state = _state(request)
    cpr, month = parse_cpr(query.cpr), parse_month(query.month)
    citizen = state.citizen(cpr)
    lines = [line.to_json() for line in state.income(cpr, month)]
    return {"cpr": cpr, "name": citizen.name, "month": month, "lines": lines}
