"""Admin endpoints for tests: expected outcomes, live faults, audit, logins, requests, payments, cases, the income
register's citizens, reset. Mounted only with admin=True."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from rpa_core.sandbox.faults import apply_changes
from rpa_core.sandbox.model import CASE_CLOSED, CASE_OPEN
from rpa_core.sandbox.state import SandboxError, SandboxState, parse_cpr
from rpa_core.sandbox.workbook import stamdata_bytes

router = APIRouter(prefix="/admin", tags=["Admin (tests only)"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


@router.get("/expected", summary="The correct outcome of every fleksløntilskud payment")
def expected(request: Request) -> dict[str, Any]:
    state = _state(request)
    data, config = state.data, state.config
    return {
        "seed": data.seed,
        "citizens": config.citizens,
        "payment_month": str(data.payment_month),
        "income_month": str(data.income_month),
        "change_threshold": str(config.change_threshold),
        "rates": config.rates.to_json(),
        "outcomes": [e.to_json() for e in data.expected],
    }


@router.get("/faults", summary="The faults in force")
def get_faults(request: Request) -> dict[str, Any]:
    return request.app.state.faults.config.to_json()


@router.put("/faults", summary="Change some faults (the others keep their value)")
def put_faults(request: Request, changes: dict[str, Any] = Body(...)) -> dict[str, Any]:
    faults = request.app.state.faults
    try:
        return faults.set(apply_changes(faults.config, changes)).to_json()
    except ValueError as exc:
        raise SandboxError(422, "BAD_FAULT", str(exc)) from None


@router.delete("/faults", summary="Turn every fault off")
def clear_faults(request: Request) -> dict[str, Any]:
    from rpa_core.sandbox.faults import FaultConfig

    return request.app.state.faults.set(FaultConfig()).to_json()


@router.get("/audit", summary="The audit table (every write and refused write)")
def audit(request: Request, system: str | None = None, action: str | None = None) -> dict[str, Any]:
    entries = [
        e.to_json()
        for e in _state(request).audit
        if (system is None or e.system == system) and (action is None or e.action == action)
    ]
    return {"entries": entries}


@router.get("/logins", summary="Every login to the systems' pages since the last reset")
def logins(request: Request, system: str | None = None) -> dict[str, Any]:
    entries = request.app.state.sessions.login_log
    return {"logins": [dict(e) for e in list(entries) if system is None or e["system"] == system]}


@router.get("/requests", summary="Every request to the systems since the last reset, and counts per path")
def requests(request: Request, prefix: str = "") -> dict[str, Any]:
    return request.app.state.requests.to_json(prefix)


@router.delete("/requests", summary="Forget the requests counted so far")
def clear_requests(request: Request) -> dict[str, str]:
    request.app.state.requests.clear()
    return {"status": "ok"}


@router.post("/cases/{case_number}/close", summary="Close a case now: it refuses notes (CASE_CLOSED)")
def close_case(request: Request, case_number: str) -> dict[str, Any]:
    return _state(request).set_case_status(case_number, CASE_CLOSED).to_json()


@router.post("/cases/{case_number}/reopen", summary="Reopen a closed case")
def reopen_case(request: Request, case_number: str) -> dict[str, Any]:
    return _state(request).set_case_status(case_number, CASE_OPEN).to_json()


@router.post(
    "/cases/{case_number}/close-on-next-note",
    summary="The case closes as the next note arrives, and refuses it (after a robot saw it open)",
)
def close_case_on_next_note(request: Request, case_number: str) -> dict[str, Any]:
    return _state(request).close_case_on_next_note(case_number).to_json()


class Citizen(BaseModel):
    cpr: str = Field(description="CPR number, ddmmyy-ssss (in the body, never in a URL)")


@router.post("/indkomst/forget", summary="The income register no longer knows the citizen (UNKNOWN_CPR)")
def forget_in_income_register(request: Request, citizen: Citizen) -> dict[str, str]:
    _state(request).forget_in_income_register(parse_cpr(citizen.cpr))
    return {"status": "ok"}


@router.get("/payments", summary="This month's payments as they stand now")
def payments(request: Request) -> dict[str, Any]:
    return {"payments": [p.to_json() for p in _state(request).data.payments]}


@router.get("/stamdata.xlsx", summary="The caseworkers' master-data workbook")
def stamdata(request: Request) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="stamdata.xlsx"'}
    return Response(stamdata_bytes(_state(request).data), media_type=XLSX, headers=headers)


@router.post("/reset", summary="Regenerate the data from the seed, empty the audit and logs, end all sessions")
def reset(request: Request) -> dict[str, str]:
    _state(request).reset()
    request.app.state.sessions.clear()
    request.app.state.requests.clear()
    return {"status": "ok"}
